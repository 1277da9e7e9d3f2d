'use strict';
// Conformance peer for acctsync's RFC 6455 client.
//
// A TLS WebSocket server built on the `ws` package, which the project did not
// write, so the client is checked against an independent implementation. It
// scripts the Autobahn Testsuite cases (sections 1-7, 9.1-9.6 and 10) that
// apply to a client without compression. Cases that need a frame `ws` refuses
// to produce do the opening handshake themselves and write raw bytes.
//
//   node tests/peers/ws_peer.js --cert CERT.pem --key KEY.pem [--port 0] [--max-tls 1.2]
//
// Prints one line "port N" on stdout once listening; everything else goes to
// stderr. Exits when stdin closes (the test holds a pipe open) or on SIGTERM.
//
//   upgrade  /case/<id>/<name>[?query]  runs case <name>, recorded under <id>
//   GET      /report/<id>               JSON report of that connection
//   any      /http/<case>[?query]       scripted plain HTTPS answer (HTTP_CASES)
//   any      /http/connections          {"connections": TLS connections accepted so far}
//
// The /http cases test the project's HTTP/1.1 client (keep-alive, lengths,
// chunking, truncation) and its classification of Binance REST errors.

const crypto = require('crypto');
const fs = require('fs');
const https = require('https');
const { WebSocketServer } = require('ws');

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const RAW_BUFFER_CAP = 70 * 1024 * 1024; // a raw connection never holds more unparsed bytes
const PONG_WAIT_MS = 2000;     // how long a ping case waits for its pong(s)
const CLOSE_WAIT_MS = 3000;    // ws case: terminate if the close handshake stalls
const LINGER_MS = 3000;        // raw case: destroy if the client has not closed by then
const MAX_LIFETIME_MS = 15000; // hard bound on any one connection
const REPORT_WAIT_MS = 2000;
const REPORT_POLL_MS = 20;
const MAX_REPORTS = 10000;     // oldest reports are forgotten beyond this
const MAX_ECHO_BODY = 1024 * 1024; // echo refuses a bigger request body
const HTTP_STEP_MS = 20;       // gap between chunks, and before a raw cut
const HTTP_SLOW_MS = 1500;     // the slow case answers after this

const log = (...args) => console.error('ws_peer:', ...args);

// ---------------------------------------------------------------- reports

const reports = new Map();

function newReport(id, name) {
  const report = {
    id, case: name, pongs: [], close_code: null, close_reason: '',
    messages: 0, done: false, order: [],
  };
  reports.delete(id); // re-insert so that Map order stays oldest-first
  reports.set(id, report);
  if (reports.size > MAX_REPORTS) reports.delete(reports.keys().next().value);
  return report;
}

function notePong(report, payload) {
  const hex = payload.toString('hex');
  report.pongs.push(hex);
  report.order.push('pong:' + hex);
}

function noteClose(report, code, reason) {
  report.close_code = code;
  report.close_reason = reason.toString('utf8');
  report.order.push('close:' + code);
}

// A connection's timers, all cleared when it closes, so nothing outlives it.
function timerSet() {
  const timers = new Set();
  return {
    later(ms, fn) {
      const t = setTimeout(() => { timers.delete(t); fn(); }, ms);
      timers.add(t);
    },
    clear() { for (const t of timers) clearTimeout(t); timers.clear(); },
  };
}

// ---------------------------------------------------------------- ws cases

const wss = new WebSocketServer({
  noServer: true, perMessageDeflate: false, maxPayload: 64 * 1024 * 1024,
});

function startWsCase(req, socket, head, id, name, run) {
  wss.handleUpgrade(req, socket, head, (ws) => {
    const report = newReport(id, name);
    const timers = timerSet();
    const pongWaiters = [];

    const t = {
      report,
      // Close, and do not let a client that never answers hold the socket.
      close(code, reason) {
        ws.close(code, reason);
        timers.later(CLOSE_WAIT_MS, () => ws.terminate());
      },
      // fn(true) once pred(report) holds after a pong, fn(false) on timeout.
      waitFor(pred, fn) {
        const waiter = { pred, fn, fired: false };
        pongWaiters.push(waiter);
        timers.later(PONG_WAIT_MS, () => fire(waiter, false));
      },
    };
    const fire = (waiter, ok) => {
      if (waiter.fired) return;
      waiter.fired = true;
      waiter.fn(ok);
    };

    ws.on('error', (err) => log(`${name}/${id}:`, err.message));
    ws.on('message', () => { report.messages += 1; });
    ws.on('pong', (data) => {
      notePong(report, data);
      for (const w of pongWaiters) if (!w.fired && w.pred(report)) fire(w, true);
    });
    ws.on('close', (code, reason) => {
      timers.clear();
      // ws says 1006 when no close frame arrived: the client sent none.
      if (code !== 1006) noteClose(report, code, reason);
      report.done = true;
    });
    timers.later(MAX_LIFETIME_MS, () => ws.terminate());

    try {
      run(ws, t);
    } catch (err) {
      log(`${name}/${id}: script failed:`, err.message);
      ws.terminate();
    }
  });
}

const A = (n) => '*'.repeat(n);
const B = (n) => Buffer.alloc(n, 0xfe);

const sendThenClose = (...items) => (ws, t) => {
  for (const [data, opts] of items) ws.send(data, opts);
  t.close(1000);
};
const text = (data, fin = true) => [data, { binary: false, fin }];
const binary = (data) => [data, { binary: true, fin: true }];

// Send the pings, close once `count` pongs are in (or the wait runs out).
const pingThenClose = (payloads, count = payloads.length) => (ws, t) => {
  for (const p of payloads) ws.ping(p);
  t.waitFor((r) => r.pongs.length >= count, () => t.close(1000));
};

const closeWith = (...args) => (ws, t) => t.close(...args);

// ---------------------------------------------------------------- raw cases

// A server frame: unmasked unless a mask key is given (which is a violation).
function frame(b0, payload = Buffer.alloc(0), maskKey = null) {
  const body = Buffer.from(payload);
  const len = body.length;
  let head;
  if (len < 126) {
    head = Buffer.from([b0, len]);
  } else if (len < 0x10000) {
    head = Buffer.alloc(4);
    head[1] = 126;
    head.writeUInt16BE(len, 2);
  } else {
    head = Buffer.alloc(10);
    head[1] = 127;
    head.writeBigUInt64BE(BigInt(len), 2);
  }
  head[0] = b0;
  if (maskKey) {
    head[1] |= 0x80;
    head = Buffer.concat([head, Buffer.from(maskKey)]);
    for (let i = 0; i < len; i++) body[i] ^= maskKey[i % 4];
  }
  return Buffer.concat([head, body]);
}

const u16 = (n) => { const b = Buffer.alloc(2); b.writeUInt16BE(n); return b; };
const closePayload = (code, reason = Buffer.alloc(0)) => Buffer.concat([u16(code), Buffer.from(reason)]);

function startRawCase(req, socket, head, id, name, run) {
  const key = req.headers['sec-websocket-key'];
  if (typeof key !== 'string' || key === '') return refuse(socket, '400 Bad Request');
  const accept = crypto.createHash('sha1').update(key + WS_GUID).digest('base64');
  socket.setNoDelay(true); // split_header relies on each write leaving on its own
  socket.write('HTTP/1.1 101 Switching Protocols\r\n' +
               'Upgrade: websocket\r\n' +
               'Connection: Upgrade\r\n' +
               `Sec-WebSocket-Accept: ${accept}\r\n\r\n`);

  const report = newReport(id, name);
  const timers = timerSet();
  let pending = Buffer.alloc(0);
  let gotClose = false;

  const c = {
    sentClose: false,
    write(bytes) { if (socket.writable) socket.write(bytes); },
    frame(b0, payload, maskKey) {
      if ((b0 & 0x0f) === 0x8) c.sentClose = true;
      c.write(frame(b0, payload, maskKey));
    },
    sleep: (ms) => new Promise((resolve) => timers.later(ms, resolve)),
  };

  function onClientFrame(opcode, payload) {
    if (gotClose) return; // nothing after a close frame counts
    if (opcode <= 0x2) {
      report.messages += 1; // data frames: continuation, text, binary
    } else if (opcode === 0x9) {
      if (!c.sentClose && !c.ignorePings) c.frame(0x8a, payload);
    } else if (opcode === 0xa) {
      notePong(report, payload);
    } else if (opcode === 0x8) {
      gotClose = true;
      // Empty payload means "no status code" (1005); one byte is malformed.
      const code = payload.length === 0 ? 1005 : payload.length === 1 ? null : payload.readUInt16BE(0);
      noteClose(report, code, payload.subarray(2));
      // Answer the close if we have not sent ours, then close TCP first, as a server should.
      if (!c.sentClose) c.frame(0x88, payload.length >= 2 ? payload.subarray(0, 2) : undefined);
      socket.end();
    }
  }

  // Client frames are masked; lengths come in 7-, 16- and 64-bit forms, and a
  // frame may arrive split across any number of 'data' events.
  function parse() {
    for (;;) {
      if (pending.length < 2) return;
      const b1 = pending[1];
      let len = b1 & 0x7f;
      let off = 2;
      if (len === 126) {
        if (pending.length < 4) return;
        len = pending.readUInt16BE(2);
        off = 4;
      } else if (len === 127) {
        if (pending.length < 10) return;
        const big = pending.readBigUInt64BE(2);
        if (big > BigInt(RAW_BUFFER_CAP)) return overflow();
        len = Number(big);
        off = 10;
      }
      const masked = (b1 & 0x80) !== 0;
      const keyAt = off;
      if (masked) off += 4;
      if (pending.length < off + len) return;
      const payload = Buffer.from(pending.subarray(off, off + len));
      if (masked) for (let i = 0; i < len; i++) payload[i] ^= pending[keyAt + (i & 3)];
      const opcode = pending[0] & 0x0f;
      pending = pending.subarray(off + len);
      onClientFrame(opcode, payload);
    }
  }

  function overflow() {
    log(`${name}/${id}: client data over ${RAW_BUFFER_CAP} bytes, dropping connection`);
    pending = Buffer.alloc(0);
    socket.destroy();
  }

  function onData(chunk) {
    if (pending.length + chunk.length > RAW_BUFFER_CAP) return overflow();
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    parse();
  }

  socket.on('data', onData);
  socket.on('close', () => {
    timers.clear();
    report.done = true;
  });
  timers.later(MAX_LIFETIME_MS, () => socket.destroy());
  if (head && head.length) onData(head);

  Promise.resolve()
    .then(() => run(c))
    .then(() => timers.later(LINGER_MS, () => socket.destroy()))
    .catch((err) => {
      log(`${name}/${id}: script failed:`, err.message);
      socket.destroy();
    });
}

const INVALID_UTF8 = [0xce, 0xba, 0xe1, 0xbd, 0xb9, 0xcf, 0x83, 0xce, 0xbc, 0xce, 0xb5,
  0xed, 0xa0, 0x80, 0x65, 0x64, 0x69, 0x74, 0x65, 0x64]; // "κόσμε", a surrogate, "edited"
const BAD_REASON = INVALID_UTF8.slice(0, 14);

const rawClose = (code) => (c) => c.frame(0x88, closePayload(code));

// ---------------------------------------------------------------- the cases

const wsCase = (run) => ({ start: startWsCase, run });
const rawCase = (run) => ({ start: startRawCase, run });

const CASES = {
  // Framing: every length encoding boundary (Autobahn 1.x).
  text_0: wsCase(sendThenClose(text(A(0)))),
  text_125: wsCase(sendThenClose(text(A(125)))),
  text_126: wsCase(sendThenClose(text(A(126)))),
  text_127: wsCase(sendThenClose(text(A(127)))),
  text_128: wsCase(sendThenClose(text(A(128)))),
  text_65535: wsCase(sendThenClose(text(A(65535)))),
  text_65536: wsCase(sendThenClose(text(A(65536)))),
  binary_0: wsCase(sendThenClose(binary(B(0)))),
  binary_125: wsCase(sendThenClose(binary(B(125)))),
  binary_126: wsCase(sendThenClose(binary(B(126)))),
  binary_65536: wsCase(sendThenClose(binary(B(65536)))),

  // Pings and pongs (2.x).
  ping_empty: wsCase(pingThenClose([Buffer.alloc(0)])),
  ping_hello: wsCase(pingThenClose(['Hello, World!'])),
  ping_125_binary: wsCase(pingThenClose([Buffer.from(Array.from({ length: 125 }, (_, i) => i))])),
  ping_10_in_a_row: wsCase(pingThenClose(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'])),
  ping_126: rawCase((c) => c.frame(0x89, A(126))), // control payloads are capped at 125
  ping_fragmented: rawCase((c) => c.frame(0x09, 'x')), // control frames must not be fragmented
  // A peer that stays connected and answers nothing, not even a ping (the client's pong
  // deadline must fire).
  silent_ignores_pings: rawCase((c) => { c.ignorePings = true; }),
  ping_then_close_raw: rawCase(async (c) => {
    c.frame(0x89, 'raw-ping');
    await c.sleep(100);
    c.frame(0x88, closePayload(1000));
  }),

  // Reserved bits (3.x): no extension was negotiated, so any RSV bit is an error.
  rsv1: rawCase((c) => c.frame(0x81 | 0x40, 'x')),
  rsv2: rawCase((c) => c.frame(0x81 | 0x20, 'x')),
  rsv3: rawCase((c) => c.frame(0x81 | 0x10, 'x')),
  rsv_all: rawCase((c) => c.frame(0x81 | 0x70, 'x')),
  rsv_after_good: rawCase((c) => {
    c.frame(0x81, 'good');
    c.frame(0x81 | 0x40, 'x');
  }),

  // Reserved opcodes (4.x): 3-7 data, 11-15 control.
  ...Object.fromEntries([3, 4, 5, 6, 7, 11, 12, 13, 14, 15].map(
    (op) => [`opcode_${op}`, rawCase((c) => c.frame(0x80 | op))])),

  // A server must never mask.
  masked_server_frame: rawCase((c) => c.frame(0x81, 'masked', [0x37, 0xfa, 0x21, 0x3d])),

  // Fragmentation (5.x).
  fragmented_text: wsCase(sendThenClose(text('frag1', false), text('frag2', false), text('frag3'))),
  fragmented_with_ping: wsCase((ws, t) => {
    ws.send('fragment1', { fin: false });
    ws.ping('between');
    // The final fragment goes only once the pong proves the client answered a
    // ping in the middle of a message; without it the message stays unfinished.
    const want = Buffer.from('between').toString('hex');
    t.waitFor((r) => r.pongs.includes(want), (ok) => {
      if (ok) {
        t.report.order.push('sent_final_fragment');
        ws.send('fragment2', { fin: true });
      }
      t.close(1000);
    });
  }),
  fragmented_many_small: wsCase(sendThenClose(
    ...Array.from({ length: 256 }, (_, i) => text(A(4096), i === 255)))),
  continuation_without_start: rawCase((c) => c.frame(0x80, 'x')),
  text_inside_fragmented: rawCase((c) => {
    c.frame(0x01, 'a');
    c.frame(0x81, 'b'); // a new data frame before the first message finished
  }),

  // UTF-8 (6.x). ws does not validate what it sends, so raw bytes split inside
  // a code point go out as they are.
  utf8_valid: wsCase(sendThenClose(text('\u03BA\u1F79\u03C3\u03BC\u03B5') /* κόσμε with U+1F79, as Autobahn's 6.x cases */, text('\u{1F600} and \u20AC'))),
  utf8_valid_fragmented: wsCase(sendThenClose(
    text(Buffer.from([0xce, 0xba, 0xe1]), false),
    text(Buffer.from([0xbd, 0xb9, 0xcf, 0x83, 0xce, 0xbc, 0xce, 0xb5])))),
  utf8_invalid: rawCase((c) => c.frame(0x81, INVALID_UTF8)),
  utf8_invalid_fragment_first: rawCase((c) => c.frame(0x01, [0xf8, 0x88, 0x80, 0x80, 0x80])),

  // Close handling (7.x).
  close_1000: wsCase(closeWith(1000, 'bye')),
  // Sends the client's first message back as it came, then closes (the client's own framing of
  // long messages: 16- and 64-bit lengths, masking).
  echo_once: wsCase((ws, t) => {
    ws.once('message', (data, isBinary) => {
      ws.send(data, { binary: isBinary }, () => t.close(1000));
    });
  }),
  close_no_code: wsCase(closeWith()),
  close_3000: wsCase(closeWith(3000)),
  close_4999: wsCase(closeWith(4999)),
  close_1001: wsCase(closeWith(1001)),
  close_1011: wsCase(closeWith(1011)),
  close_1_byte: rawCase((c) => c.frame(0x88, [0x03])),
  close_code_0: rawCase(rawClose(0)),
  close_code_999: rawCase(rawClose(999)),
  close_code_1004: rawCase(rawClose(1004)),
  close_code_1005: rawCase(rawClose(1005)),
  close_code_1006: rawCase(rawClose(1006)),
  close_code_1016: rawCase(rawClose(1016)),
  close_code_1100: rawCase(rawClose(1100)),
  close_code_2000: rawCase(rawClose(2000)),
  close_code_2999: rawCase(rawClose(2999)),
  close_code_5000: rawCase(rawClose(5000)),
  close_code_1002_raw: rawCase(rawClose(1002)),
  close_code_3999_raw: rawCase(rawClose(3999)),
  close_bad_utf8_reason: rawCase((c) => c.frame(0x88, closePayload(1000, BAD_REASON))),
  data_after_close: rawCase((c) => {
    c.frame(0x88, closePayload(1000));
    c.frame(0x81, 'late'); // the client must ignore anything after a close
  }),

  // Header parsing across reads, and a length no client may accept.
  split_header: rawCase(async (c) => {
    const bytes = frame(0x81, 'split');
    c.write(bytes.subarray(0, 1));
    await c.sleep(50);
    c.write(bytes.subarray(1, 2));
    await c.sleep(50);
    c.write(bytes.subarray(2));
    c.frame(0x88, closePayload(1000));
  }),
  length_64bit_top_bit: rawCase((c) => c.write(Buffer.from([0x81, 0x7f, 0x80, 0, 0, 0, 0, 0, 0, 0x01]))),

  // Big messages (9.1-9.6, 10): the client is configured with a 1 MiB limit.
  big_1mib: wsCase(sendThenClose(text(A(1048576)))),
  big_over_limit: wsCase(sendThenClose(text(A(1048577)))), // client must close with 1009
  big_binary_256k: wsCase(sendThenClose(binary(B(262144)))),
};

// ---------------------------------------------------------------- http cases

// Each case answers one request; `timers` are cleared when the response closes.
let connections = 0; // TLS connections accepted since start
const SERVED = Symbol('requests served on this TLS connection');

function answer(res, status, body, headers = {}) {
  res.writeHead(status, {
    'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), ...headers,
  });
  res.end(body);
}

const fixed = (status, body, headers) => (req, res) => answer(res, status, body, headers);

// Bytes written straight on the TLS socket: Node's response object is never
// used, so it adds nothing of its own. `then` ends or destroys the socket.
const raw = (bytes, then) => (req, res, timers) => {
  const socket = req.socket;
  if (then === 'end') return socket.end(bytes);
  socket.write(bytes);
  timers.later(HTTP_STEP_MS, () => socket.destroy());
};

// Writes without a Content-Length, so Node sends them chunked.
const chunked = (parts) => (req, res, timers) => {
  res.writeHead(200, { 'Content-Type': 'application/json' });
  const next = (i) => {
    if (i === parts.length) return res.end();
    res.write(parts[i]);
    timers.later(HTTP_STEP_MS, () => next(i + 1));
  };
  next(0);
};

const BIG_WRITES = 300;
const BIG_WRITE_BYTES = 1000;
const bigPad = () => Array.from({ length: BIG_WRITES }, (_, i) => {
  const head = i === 0 ? '{"pad":"' : '';
  const tail = i === BIG_WRITES - 1 ? '"}' : '';
  return head + 'x'.repeat(BIG_WRITE_BYTES - head.length - tail.length) + tail;
});

const binanceError = (status, code, msg, headers) => fixed(status, JSON.stringify({ code, msg }), headers);
const UNKNOWN_MSG = 'Unknown error, please check your request or try again later.';
const BAN_MSG = 'Way too many requests; IP banned until 1700000000000.';

const HTTP_CASES = {
  ok_json: fixed(200, '{"serverTime":1700000000000}', { 'X-MBX-USED-WEIGHT-1M': '7' }),
  listen_key: fixed(200, '{"listenKey":"pqia91ma19a5s61cv6a81va65sdf19v8a65a1a5s61cv6a81va65sdf19v8a65a1"}'),
  chunked: chunked(['{"serverTime":', '1700000000001', '}']),
  chunked_big: (req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    for (const part of bigPad()) res.write(part);
    res.end();
  },
  close_after: fixed(200, '{"serverTime":1700000000002}', { Connection: 'close' }),
  http10_no_length: raw('HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n' +
                        '{"serverTime":1700000000003}', 'end'),
  cut_body: raw('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n' +
                '{"serverTime":17', 'destroy'),
  cut_head: raw('HTTP/1.1 200 OK\r\nContent-Le', 'destroy'),
  // A chunk size that would wrap a 64-bit length: the client must refuse it, not believe it.
  chunked_overflow: raw('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n' +
                        '10\r\n0123456789abcdef\r\nfffffffffffffff8\r\n', 'destroy'),
  // An interim 103 before the answer: the answer is the 200 after it.
  early_hints: raw('HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n' +
                   'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 28\r\n\r\n' +
                   '{"serverTime":1700000000005}', 'end'),
  invalid_json: fixed(200, '{"serverTime":'),

  // Binance REST errors, as the client has to classify them.
  unknown_503: binanceError(503, -1000, UNKNOWN_MSG),
  unknown_503_text: fixed(503, UNKNOWN_MSG, { 'Content-Type': 'text/plain' }),
  unavailable_503: binanceError(503, -1000, 'Service Unavailable.'),
  timeout_1007: binanceError(500, -1007,
    'Timeout waiting for response from backend server. Send status unknown; execution status unknown.'),
  disconnected_1001: binanceError(500, -1001, 'Internal error; unable to process your request. Please try again.'),
  backend_408: binanceError(408, -1000, 'Request timeout.'),
  waf_403: fixed(403, '<html>forbidden</html>', { 'Content-Type': 'text/html' }),
  rate_429: binanceError(429, -1003, 'Too many requests; current limit is 2400 requests per minute.',
    { 'Retry-After': '3' }),
  ban_418: binanceError(418, -1003, BAN_MSG, { 'Retry-After': '7' }),
  ban_418_no_retry_after: binanceError(418, -1003, BAN_MSG),
  rejected_1022: binanceError(400, -1022, 'Signature for this request is not valid.'),
  expired_1125: binanceError(400, -1125, 'This listenKey does not exist.'),

  slow: (req, res, timers) => timers.later(HTTP_SLOW_MS,
    () => answer(res, 200, '{"serverTime":1700000000004}')),
  echo: (req, res) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      if (size > MAX_ECHO_BODY) return; // already refused; let Node drain the rest
      size += chunk.length;
      if (size > MAX_ECHO_BODY) return answer(res, 413, '{}', { Connection: 'close' });
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > MAX_ECHO_BODY) return;
      const apikey = req.headers['x-mbx-apikey'];
      answer(res, 200, JSON.stringify({
        method: req.method, url: req.url, apikey: typeof apikey === 'string' ? apikey : '',
        body: Buffer.concat(chunks).toString('utf8'), connection_requests: req.socket[SERVED],
      }));
    });
  },
  connections: (req, res) => answer(res, 200, JSON.stringify({ connections })),
};

function onHttpCase(req, res, name) {
  const run = Object.hasOwn(HTTP_CASES, name) ? HTTP_CASES[name] : null;
  if (!run) return answer(res, 404, '{}');
  const timers = timerSet();
  res.on('close', () => timers.clear());
  run(req, res, timers);
}

// ---------------------------------------------------------------- server

function refuse(socket, status) {
  socket.write(`HTTP/1.1 ${status}\r\n\r\n`, () => socket.destroy());
  setTimeout(() => socket.destroy(), 1000).unref(); // in case the write never drains
}

function sendJson(res, status, body) {
  const json = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(json) });
  res.end(json);
}

function decode(part) {
  try { return decodeURIComponent(part); } catch { return part; }
}

function onRequest(req, res) {
  req.socket[SERVED] = (req.socket[SERVED] || 0) + 1;
  const path = new URL(req.url, 'https://localhost').pathname;
  const h = /^\/http\/([^/]+)$/.exec(path);
  if (h) return onHttpCase(req, res, decode(h[1]));
  // Binance-shaped REST paths are echoed, so a test sees the request exactly as it was sent.
  if (/^\/(fapi|dapi)\//.test(path)) return onHttpCase(req, res, 'echo');
  const m = /^\/report\/([^/]+)$/.exec(path);
  if (req.method !== 'GET' || !m) return sendJson(res, 404, {});
  const report = reports.get(decode(m[1]));
  if (!report) return sendJson(res, 404, {});
  // Let a case that is still closing finish, but answer within the bound regardless.
  const deadline = Date.now() + REPORT_WAIT_MS;
  const poll = () => {
    if (req.socket.destroyed) return;
    if (report.done || Date.now() >= deadline) return sendJson(res, 200, report);
    setTimeout(poll, REPORT_POLL_MS);
  };
  poll();
}

function onUpgrade(req, socket, head) {
  socket.on('error', (err) => log('socket:', err.message));
  const path = new URL(req.url, 'https://localhost').pathname;
  const m = /^\/case\/([^/]+)\/([^/]+)$/.exec(path);
  const entry = m && Object.hasOwn(CASES, m[2]) ? CASES[m[2]] : null;
  if (!entry) return refuse(socket, '404 Not Found');
  entry.start(req, socket, head, decode(m[1]), m[2], entry.run);
}

function parseArgs(argv) {
  const opts = { port: 0 };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`missing value for ${flag}`);
    if (flag === '--cert') opts.cert = value;
    else if (flag === '--key') opts.key = value;
    else if (flag === '--port') opts.port = Number(value);
    else if (flag === '--max-tls') opts.maxTls = value; // 1.2: a TLS 1.2-only server
    else throw new Error(`unknown option ${flag}`);
  }
  if (!opts.cert || !opts.key) throw new Error('--cert and --key are required');
  if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) throw new Error('bad --port');
  return opts;
}

function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    log(err.message);
    log('usage: node ws_peer.js --cert CERT.pem --key KEY.pem [--port 0] [--max-tls 1.2]');
    process.exit(2);
  }

  const server = https.createServer({
    cert: fs.readFileSync(opts.cert),
    key: fs.readFileSync(opts.key),
    ...(opts.maxTls === '1.2' ? { maxVersion: 'TLSv1.2' } : {}),
  }, onRequest);
  server.on('upgrade', onUpgrade);
  server.on('secureConnection', () => { connections += 1; });
  server.on('clientError', (err, socket) => socket.destroy());
  server.on('tlsClientError', (err) => log('tls:', err.message));
  server.on('error', (err) => {
    log('server:', err.message);
    process.exit(1);
  });
  server.listen(opts.port, '127.0.0.1', () => {
    process.stdout.write(`port ${server.address().port}\n`);
  });

  // The test owns our lifetime: when its pipe to our stdin closes, we go.
  const quit = () => process.exit(0);
  process.stdin.on('end', quit);
  process.stdin.on('close', quit);
  process.stdin.on('error', quit);
  process.stdin.resume();
  process.on('SIGTERM', quit);
}

main();
