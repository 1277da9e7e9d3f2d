#include "net/ws_client.hpp"

#include <wolfssl/options.h> // first, always
#include <wolfssl/wolfcrypt/hash.h>
#include <wolfssl/wolfcrypt/sha.h>

#include <sys/random.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>

#include "net/http_text.hpp"
#include "net/signing.hpp"
#include "parse/payload.hpp"

namespace acctsync::net {

static_assert(ws_padding == parse::payload_padding, "the decoder's padding is the parser's");

namespace {

constexpr std::size_t read_slack = 16384;        // room for a read beyond the largest frame
constexpr std::size_t max_send = 65536;          // send_text() limit
constexpr std::size_t max_response_head = 16384; // the upgrade response's header block
constexpr std::string_view ws_guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"; // RFC 6455 §1.3

std::int64_t now_ns() noexcept {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

bool random_bytes(void* dst, std::size_t n) noexcept {
    auto* p = static_cast<unsigned char*>(dst);
    while (n > 0) {
        const ssize_t r = getrandom(p, n, 0);
        if (r <= 0) return false;
        p += r;
        n -= static_cast<std::size_t>(r);
    }
    return true;
}

} // namespace

std::string websocket_accept(std::string_view key) {
    const std::string in = std::string(key) + std::string(ws_guid);
    unsigned char digest[WC_SHA_DIGEST_SIZE];
    if (wc_ShaHash(reinterpret_cast<const byte*>(in.data()), static_cast<word32>(in.size()), digest) != 0) return {};
    return base64_encode(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

namespace {

// xorshift64*: masking keys need not be secret from the client's own peer (RFC 6455 §10.3
// guards browsers against hostile scripts), only unpredictable to intermediaries; seeded from
// getrandom at construction, so no system call per frame.
inline std::uint32_t next_mask(std::uint64_t& s) noexcept {
    s ^= s >> 12;
    s ^= s << 25;
    s ^= s >> 27;
    return static_cast<std::uint32_t>((s * 0x2545F4914F6CDD1DULL) >> 32);
}

} // namespace

std::optional<ws_url> parse_ws_url(std::string_view url) {
    constexpr std::string_view scheme = "wss://";
    if (url.size() <= scheme.size() || !iequals(url.substr(0, scheme.size()), scheme)) return std::nullopt;
    url.remove_prefix(scheme.size());
    const auto slash = url.find_first_of("/?");
    std::string_view authority = url.substr(0, slash);
    ws_url out;
    if (slash == std::string_view::npos) out.target = "/";
    else if (url[slash] == '?') out.target = std::string("/").append(url.substr(slash));
    else out.target = std::string(url.substr(slash));
    if (authority.empty() || authority.find('@') != std::string_view::npos) return std::nullopt;
    if (authority.front() == '[') { // [v6]:port
        const auto close = authority.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        out.host = std::string(authority.substr(1, close - 1));
        authority.remove_prefix(close + 1);
        if (!authority.empty() && authority.front() != ':') return std::nullopt;
    } else {
        const auto colon = authority.find(':');
        out.host = std::string(authority.substr(0, colon));
        authority = colon == std::string_view::npos ? std::string_view{} : authority.substr(colon);
    }
    if (!authority.empty()) { // ":port"
        authority.remove_prefix(1);
        unsigned port = 0;
        const auto [p, ec] = std::from_chars(authority.data(), authority.data() + authority.size(), port);
        if (ec != std::errc{} || p != authority.data() + authority.size() || port == 0 || port > 65535) return std::nullopt;
        out.port = static_cast<std::uint16_t>(port);
    }
    if (out.host.empty()) return std::nullopt;
    return out;
}

ws_client::ws_client(tls_context& tls, ws_client_options opt)
    : tls_ctx_(tls), opt_(std::move(opt)), decoder_({opt_.max_message}) {
    rx_capacity_ = opt_.max_message + ws_decoder::max_header + read_slack;
    rx_.reset(new char[rx_capacity_ + ws_padding]());
    tx_capacity_ = max_send + 14;
    tx_.reset(new char[tx_capacity_]());
    if (!random_bytes(&mask_state_, sizeof mask_state_) || mask_state_ == 0) mask_state_ = 0x9E3779B97F4A7C15ULL ^ static_cast<std::uint64_t>(now_ns());
}

ws_client::~ws_client() { abort(); }

net_error ws_client::connect(const ws_url& url) {
    abort();
    decoder_.reset();
    begin_ = end_ = 0;
    finished_ = {};
    peer_close_code_ = 0;
    pong_deadline_ns_ = 0;
    if (url.host.empty()) return finished_ = {net_errc::bad_url, 0};
    if (auto e = tls_.connect(tls_ctx_, url.host, url.port, opt_.connect_to); !e.ok()) return finished_ = e;

    unsigned char nonce[16];
    if (!random_bytes(nonce, sizeof nonce)) {
        tls_.abort();
        return finished_ = {net_errc::socket_error, errno};
    }
    const std::string key = base64_encode(std::string_view(reinterpret_cast<const char*>(nonce), sizeof nonce));
    std::string req;
    req.reserve(256 + url.target.size() + url.host.size());
    req.append("GET ").append(url.target).append(" HTTP/1.1\r\nHost: ").append(url.host);
    if (url.port != 443) req.append(":").append(std::to_string(url.port));
    req.append("\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ").append(key);
    req.append("\r\nSec-WebSocket-Version: 13\r\nUser-Agent: acctsync/0.1\r\n\r\n");
    if (auto e = tls_.write(req.data(), req.size(), opt_.handshake_timeout); !e.ok()) {
        tls_.abort();
        return finished_ = e;
    }

    // The response head; whatever follows it is the first frames.
    const auto deadline = std::chrono::steady_clock::now() + opt_.handshake_timeout;
    std::size_t head_end = std::string_view::npos;
    while (head_end == std::string_view::npos) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
        if (left <= 0) {
            tls_.abort();
            return finished_ = {net_errc::ws_handshake_timeout, 0};
        }
        const read_result r = tls_.read(rx_.get() + end_, rx_capacity_ - end_);
        if (!r.error.ok()) {
            tls_.abort();
            return finished_ = r.error;
        }
        if (r.bytes == 0) {
            (void)tls_.wait_readable(static_cast<int>(left));
            continue;
        }
        const std::size_t from = end_ >= 3 ? end_ - 3 : 0;
        end_ += r.bytes;
        const auto at = std::string_view(rx_.get(), end_).find("\r\n\r\n", from);
        if (at != std::string_view::npos) head_end = at + 4;
        else if (end_ > max_response_head) {
            tls_.abort();
            return finished_ = {net_errc::ws_bad_handshake, 0};
        }
    }
    const std::string_view head(rx_.get(), head_end);
    // Status line: HTTP/1.1 101 …
    const auto eol = head.find("\r\n");
    const std::string_view status_line = head.substr(0, eol);
    int status = 0;
    if (status_line.size() < 12 || status_line.substr(0, 5) != "HTTP/" ||
        std::from_chars(status_line.data() + 9, status_line.data() + 12, status).ec != std::errc{}) {
        tls_.abort();
        return finished_ = {net_errc::ws_bad_handshake, 0};
    }
    if (status != 101) {
        tls_.abort();
        return finished_ = {net_errc::ws_handshake_rejected, status};
    }
    bool upgrade = false, connection = false, accepted = false, extras = false;
    const std::string expect = websocket_accept(key);
    std::string_view rest = head.substr(eol + 2);
    while (!rest.empty()) {
        const auto line_end = rest.find("\r\n");
        const std::string_view line = rest.substr(0, line_end);
        rest = line_end == std::string_view::npos ? std::string_view{} : rest.substr(line_end + 2);
        const auto colon = line.find(':');
        if (colon == std::string_view::npos) continue;
        const std::string_view name = trim_ows(line.substr(0, colon));
        const std::string_view value = trim_ows(line.substr(colon + 1));
        if (iequals(name, "upgrade")) upgrade = iequals(value, "websocket");
        else if (iequals(name, "connection")) connection = has_token(value, "upgrade");
        else if (iequals(name, "sec-websocket-accept")) accepted = !expect.empty() && value == expect;
        else if (iequals(name, "sec-websocket-extensions") || iequals(name, "sec-websocket-protocol")) extras = true;
    }
    if (!accepted) {
        tls_.abort();
        return finished_ = {net_errc::ws_bad_accept, 0};
    }
    if (!upgrade || !connection || extras) { // we offered no extension and no sub-protocol
        tls_.abort();
        return finished_ = {net_errc::ws_bad_handshake, 0};
    }
    begin_ = head_end;
    state_ = ws_state::open;
    last_rx_ns_ = now_ns();
    next_ping_ns_ = opt_.ping_interval.count() > 0
                        ? last_rx_ns_ + std::chrono::duration_cast<std::chrono::nanoseconds>(opt_.ping_interval).count()
                        : 0;
    return {};
}

net_error ws_client::receive(int wait_ms) noexcept {
    if (state_ == ws_state::closed) return finished_.ok() ? net_error{net_errc::ws_not_open, 0} : finished_;
    // Timers first: our own ping, and its deadline.
    if (opt_.ping_interval.count() > 0) {
        const std::int64_t now = now_ns();
        if (pong_deadline_ns_ != 0 && now >= pong_deadline_ns_) {
            fail({net_errc::ws_pong_timeout, 0}, ws_close_code::going_away, false); // a dead peer: nothing to drain
            return finished_;
        }
        if (pong_deadline_ns_ == 0 && now >= next_ping_ns_) {
            ++ping_seq_;
            std::memcpy(ping_payload_, &ping_seq_, sizeof ping_payload_);
            if (auto e = send_frame(ws_opcode::ping, ping_payload_, sizeof ping_payload_); !e.ok()) {
                fail(e, 0, false);
                return finished_;
            }
            ++counters_.pings_sent;
            pong_deadline_ns_ = now + std::chrono::duration_cast<std::chrono::nanoseconds>(opt_.pong_timeout).count();
            next_ping_ns_ = now + std::chrono::duration_cast<std::chrono::nanoseconds>(opt_.ping_interval).count();
        }
    }
    if (end_ == rx_capacity_) return {}; // full: decode first (cannot happen once compacted)
    bool waited = false;
    for (;;) {
        const read_result r = tls_.read(rx_.get() + end_, rx_capacity_ - end_);
        if (r.bytes > 0) {
            end_ += r.bytes;
            ++counters_.reads;
            counters_.bytes += r.bytes;
            last_rx_ns_ = now_ns();
            return {};
        }
        if (!r.error.ok()) {
            // The stream ended: what is buffered is still decoded, then the error stands.
            state_ = ws_state::closed;
            finished_ = r.error;
            tls_.abort();
            return {};
        }
        // Nothing now. Only after wolfSSL said it needs the socket is it safe to wait on it.
        if (opt_.mode == read_mode::busy_poll || waited || wait_ms == 0) return {};
        (void)tls_.wait_readable(wait_ms);
        waited = true;
    }
}

ws_decoded ws_client::next_item() noexcept {
    for (;;) {
        std::size_t used = 0;
        const ws_decoded d = decoder_.next(rx_.get() + begin_, end_ - begin_, used);
        begin_ += used;
        switch (d.kind) {
        case ws_item::message:
            ++counters_.messages;
            if (d.reassembled) ++counters_.reassembled;
            return d;
        case ws_item::ping:
            ++counters_.pings_received;
            if (state_ == ws_state::open) {
                if (auto e = send_frame(ws_opcode::pong, d.data, d.size); !e.ok()) fail(e, 0, false);
                else ++counters_.pongs_sent;
            }
            continue;
        case ws_item::pong:
            if (pong_deadline_ns_ != 0 && d.size == sizeof ping_payload_ &&
                std::memcmp(d.data, ping_payload_, sizeof ping_payload_) == 0) {
                pong_deadline_ns_ = 0;
                ++counters_.pongs_received;
            }
            continue; // an unsolicited pong is allowed and means nothing
        case ws_item::close: {
            peer_close_code_ = d.close_code;
            if (state_ == ws_state::open) {
                // Echo the code (none if the peer sent none), then end the connection.
                char body[2] = {static_cast<char>(d.close_code >> 8), static_cast<char>(d.close_code & 0xFF)};
                (void)send_frame(ws_opcode::close, body, d.close_code == ws_close_code::no_status ? 0 : 2);
            }
            if (finished_.ok()) finished_ = {net_errc::ws_closed, d.close_code};
            state_ = ws_state::closed;
            tls_.close();
            begin_ = end_ = 0;
            return {};
        }
        case ws_item::error:
            fail({d.error, 0}, close_code_for(d.error), true);
            return {};
        case ws_item::need_more:
            // Keep the partial frame; move it to the front only when it is near the end.
            if (begin_ == end_) {
                begin_ = end_ = 0;
            } else if (begin_ != 0 && rx_capacity_ - end_ < read_slack) {
                std::memmove(rx_.get(), rx_.get() + begin_, end_ - begin_);
                end_ -= begin_;
                begin_ = 0;
                ++counters_.compactions;
            }
            return {};
        }
    }
}

net_error ws_client::send_frame(ws_opcode op, const char* payload, std::size_t size) noexcept {
    if (!tls_.open()) return {net_errc::ws_not_open, 0};
    if (size > max_send) return {net_errc::ws_message_too_big, 0};
    char* f = tx_.get();
    std::size_t n = 0;
    f[n++] = static_cast<char>(0x80 | static_cast<std::uint8_t>(op));
    if (size < 126) {
        f[n++] = static_cast<char>(0x80 | size);
    } else if (size < 65536) {
        f[n++] = static_cast<char>(0x80 | 126);
        f[n++] = static_cast<char>(size >> 8);
        f[n++] = static_cast<char>(size & 0xFF);
    } else {
        f[n++] = static_cast<char>(0x80 | 127);
        for (int i = 7; i >= 0; --i) f[n++] = static_cast<char>((static_cast<std::uint64_t>(size) >> (8 * i)) & 0xFF);
    }
    const std::uint32_t mask = next_mask(mask_state_);
    unsigned char key[4];
    std::memcpy(key, &mask, 4);
    std::memcpy(f + n, key, 4);
    n += 4;
    for (std::size_t i = 0; i < size; ++i) f[n + i] = static_cast<char>(payload[i] ^ static_cast<char>(key[i & 3]));
    return tls_.write(f, n + size);
}

net_error ws_client::send_text(std::string_view text) noexcept {
    if (state_ != ws_state::open) return {net_errc::ws_not_open, 0};
    return send_frame(ws_opcode::text, text.data(), text.size());
}

net_error ws_client::send_ping(std::string_view payload) noexcept {
    if (state_ != ws_state::open) return {net_errc::ws_not_open, 0};
    if (payload.size() > 125) return {net_errc::ws_control_too_long, 0};
    const auto e = send_frame(ws_opcode::ping, payload.data(), payload.size());
    if (e.ok()) ++counters_.pings_sent;
    return e;
}

void ws_client::fail(net_error e, std::uint16_t close_code, bool drain) noexcept {
    if (finished_.ok()) finished_ = e;
    // Nothing buffered is decoded after a failure: what follows in the buffer is dropped.
    begin_ = end_ = 0;
    decoder_.reset();
    if (state_ == ws_state::open && close_code != 0) {
        char body[2] = {static_cast<char>(close_code >> 8), static_cast<char>(close_code & 0xFF)};
        if (send_frame(ws_opcode::close, body, 2).ok() && drain) {
            // A peer that is still sending (a protocol error, not a dead peer): read and drop
            // what it sends until it closes, for at most close_timeout. Closing a socket with
            // unread bytes makes the kernel send a reset, which can destroy our close frame
            // before the peer reads its code (RFC 6455 §7.1.1: the server closes TCP first).
            // The network thread waits here once, when the connection is being failed anyway.
            const auto deadline = std::chrono::steady_clock::now() + opt_.close_timeout;
            for (;;) {
                const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
                if (left <= 0) break;
                const read_result r = tls_.read(rx_.get(), rx_capacity_);
                if (!r.error.ok()) break;
                if (r.bytes == 0) (void)tls_.wait_readable(static_cast<int>(left));
            }
        }
        tls_.close();
    } else {
        tls_.abort();
    }
    state_ = ws_state::closed;
}

void ws_client::close(std::uint16_t code, std::string_view reason) noexcept {
    if (state_ != ws_state::open) {
        abort();
        return;
    }
    char body[125];
    const std::size_t rlen = std::min<std::size_t>(reason.size(), sizeof body - 2);
    body[0] = static_cast<char>(code >> 8);
    body[1] = static_cast<char>(code & 0xFF);
    if (rlen != 0) std::memcpy(body + 2, reason.data(), rlen); // an empty view may have no data()
    state_ = ws_state::closing;
    if (send_frame(ws_opcode::close, body, 2 + rlen).ok()) {
        const auto deadline = std::chrono::steady_clock::now() + opt_.close_timeout;
        while (state_ == ws_state::closing && std::chrono::steady_clock::now() < deadline) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
            const read_result r = tls_.read(rx_.get() + end_, rx_capacity_ - end_);
            if (!r.error.ok()) break;
            if (r.bytes == 0) {
                (void)tls_.wait_readable(static_cast<int>(std::max<std::int64_t>(left, 1)));
                continue;
            }
            end_ += r.bytes;
            for (;;) { // drop messages; stop at the peer's close or an error
                const ws_decoded d = next_item();
                if (d.kind != ws_item::message) break;
            }
            if (end_ == rx_capacity_) begin_ = end_ = 0;
        }
    }
    if (finished_.ok()) finished_ = {net_errc::ws_closed, code};
    state_ = ws_state::closed;
    tls_.close();
    begin_ = end_ = 0;
}

void ws_client::abort() noexcept {
    tls_.abort();
    state_ = ws_state::closed;
    begin_ = end_ = 0;
}

} // namespace acctsync::net
