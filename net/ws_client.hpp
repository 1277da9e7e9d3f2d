// acctsync/net/ws_client.hpp — the user-data stream's WebSocket client (RFC 6455), the
// project's own: TLS (net/tls.hpp) + upgrade + the in-place frame decoder (net/ws_frame.hpp)
// + ping/pong + close, driven by the network thread's loop.
//
//   net::tls_context tls({.ca_file = "ca.pem"});
//   net::ws_client ws(tls, {.mode = net::read_mode::busy_poll});
//   if (auto e = ws.connect(*net::parse_ws_url("wss://fstream.binance.com/private/ws/KEY")); !e.ok()) …
//   for (;;) {                                   // the pinned network thread
//       auto r = ws.poll([&](const net::ws_message& m) { parser.parse(m.data, m.size, ctx, sink); });
//       if (!r.error.ok()) break;                // closed or failed: the session reconnects
//   }
//
// Each poll() reads once from the socket (busy_poll), or waits for it first when nothing is
// there (event_driven, up to wait_ms), then hands every complete message to the handler as a
// view: into the receive buffer for an unfragmented message (no copy), into the reassembly
// buffer for a fragmented one. Either view has ws_padding (= parse::payload_padding) readable
// bytes after it and is valid only during the call. Pings are answered with a pong carrying
// their payload as they are decoded — before the next message is handed over, and between the
// fragments of a message. With ping_interval set the client sends its own pings and fails the
// connection (ws_pong_timeout) when no pong with the same payload comes back in pong_timeout.
// A protocol violation closes with 1002 / 1007 / 1009 and reports the rule (net_errc); a close
// from the peer is answered and reported as ws_closed with its code. Messages decoded before a
// failure are still delivered.
//
// Threads: one thread (the network thread) owns a client; counters() may be read by it only
// (the feed publishes its own). Allocation: the receive buffer (max_message + 16 KiB +
// padding) and the reassembly buffer (max_message + padding) at construction; connect()
// allocates (resolution, TLS, handshake); poll() allocates nothing and makes no system call
// but the read, the event-driven wait, and the write of a pong or ping — except on the call in
// which the connection ends, which keeps the TLS session for resumption (wolfSSL allocates it)
// and, when failing a peer for a protocol error, waits up to close_timeout for its close.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "net/net_error.hpp"
#include "net/tls.hpp"
#include "net/ws_frame.hpp"

namespace acctsync::net {

// wss://host[:port]/target — the only scheme: there is no plain-text WebSocket in acctsync.
struct ws_url {
    std::string host;
    std::uint16_t port = 443;
    std::string target = "/";
};
[[nodiscard]] std::optional<ws_url> parse_ws_url(std::string_view url);

// Sec-WebSocket-Accept for a Sec-WebSocket-Key: base64(SHA-1(key + RFC 6455's GUID)).
[[nodiscard]] std::string websocket_accept(std::string_view key);

enum class read_mode : std::uint8_t {
    busy_poll,    // poll() never waits: the caller spins on it (a pinned core)
    event_driven, // poll() waits in epoll up to wait_ms when the socket has nothing
};

struct ws_client_options {
    std::size_t max_message = std::size_t{1} << 20; // larger messages close with 1009
    read_mode mode = read_mode::event_driven;
    std::chrono::milliseconds handshake_timeout{5000}; // the HTTP upgrade, after TLS
    std::chrono::milliseconds ping_interval{0};        // our own pings; 0 = none
    std::chrono::milliseconds pong_timeout{10000};
    std::chrono::milliseconds close_timeout{1000};     // waiting for the peer's close reply
    std::string connect_to{}; // dial this address instead of the host's (the name is still verified)
};

struct ws_message {
    const char* data;
    std::size_t size;
    bool text;
    bool reassembled; // came in fragments (the view is into the reassembly buffer)
};

struct ws_poll_result {
    std::size_t messages = 0; // handed to the handler in this call
    net_error error;          // set once the connection is finished (closed, failed, cut)
};

struct ws_counters {
    std::uint64_t reads = 0;          // reads that returned bytes
    std::uint64_t bytes = 0;          // decrypted bytes read
    std::uint64_t messages = 0;
    std::uint64_t reassembled = 0;    // of those, fragmented ones
    std::uint64_t pings_received = 0;
    std::uint64_t pongs_sent = 0;
    std::uint64_t pings_sent = 0;
    std::uint64_t pongs_received = 0; // that answered our ping
    std::uint64_t compactions = 0;    // partial frames moved to the front of the buffer
};

enum class ws_state : std::uint8_t { closed, open, closing };

class ws_client {
public:
    ws_client(tls_context& tls, ws_client_options opt = {});
    ~ws_client();
    ws_client(const ws_client&) = delete;
    ws_client& operator=(const ws_client&) = delete;

    // TLS connect + HTTP upgrade (Sec-WebSocket-Accept checked, no extension offered). Cold
    // path: blocks up to the TLS and handshake timeouts.
    [[nodiscard]] net_error connect(const ws_url& url);

    template <class Handler>
    ws_poll_result poll(Handler&& on_message, int wait_ms = 0) noexcept {
        ws_poll_result r;
        r.error = receive(wait_ms);
        for (;;) {
            const ws_decoded d = next_item();
            if (d.kind != ws_item::message) break;
            on_message(ws_message{d.data, d.size, d.text, d.reassembled});
            ++r.messages;
        }
        if (r.error.ok()) r.error = finished_;
        return r;
    }

    // A text message from the client (masked). For requests on a WS-API style connection.
    [[nodiscard]] net_error send_text(std::string_view text) noexcept;
    // A ping with this payload (≤ 125 bytes); the deadline applies only to the client's own
    // timed pings.
    [[nodiscard]] net_error send_ping(std::string_view payload) noexcept;
    // Close handshake: our close frame, the peer's answer for up to close_timeout (messages that
    // arrive meanwhile are dropped), then TLS close_notify and the socket.
    void close(std::uint16_t code = ws_close_code::normal, std::string_view reason = {}) noexcept;
    // Cuts the connection without any close frame or close_notify.
    void abort() noexcept;

    [[nodiscard]] ws_state state() const noexcept { return state_; }
    [[nodiscard]] const ws_counters& counters() const noexcept { return counters_; }
    [[nodiscard]] const tls_stream& tls() const noexcept { return tls_; }
    // steady_clock nanoseconds of the last read that returned bytes (a silence watchdog's input).
    [[nodiscard]] std::int64_t last_receive_ns() const noexcept { return last_rx_ns_; }
    [[nodiscard]] std::uint16_t peer_close_code() const noexcept { return peer_close_code_; }

private:
    net_error receive(int wait_ms) noexcept;
    ws_decoded next_item() noexcept;
    net_error send_frame(ws_opcode op, const char* payload, std::size_t size) noexcept;
    void fail(net_error e, std::uint16_t close_code, bool drain) noexcept;

    tls_context& tls_ctx_;
    ws_client_options opt_;
    tls_stream tls_;
    ws_decoder decoder_;
    std::unique_ptr<char[]> rx_;
    std::size_t rx_capacity_ = 0;
    std::size_t begin_ = 0; // unconsumed bytes are rx_[begin_, end_)
    std::size_t end_ = 0;
    std::unique_ptr<char[]> tx_; // one control frame or a send_text() message
    std::size_t tx_capacity_ = 0;
    std::uint64_t mask_state_ = 0;
    ws_state state_ = ws_state::closed;
    net_error finished_;
    std::uint16_t peer_close_code_ = 0;
    std::int64_t last_rx_ns_ = 0;
    std::int64_t next_ping_ns_ = 0;
    std::int64_t pong_deadline_ns_ = 0; // 0 = no ping outstanding
    std::uint64_t ping_seq_ = 0;
    char ping_payload_[8] = {};
    ws_counters counters_;
};

} // namespace acctsync::net
