// Test helpers: server-side WebSocket frames as raw bytes (unmasked unless asked), and a driver
// that runs net::ws_decoder over a byte string cut into chunks the way reads would cut it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "net/ws_frame.hpp"

namespace acctsync::test {

// One frame: b0 = FIN|RSV|opcode as given; the length in its shortest form unless `len_bytes`
// (2 or 8) forces a longer one.
inline std::string ws_frame(std::uint8_t b0, const std::string& payload, bool masked = false, int len_bytes = 0) {
    std::string f;
    f.push_back(static_cast<char>(b0));
    const std::uint64_t n = payload.size();
    const char m = masked ? static_cast<char>(0x80) : 0;
    if ((n < 126 && len_bytes == 0)) {
        f.push_back(static_cast<char>(m | static_cast<char>(n)));
    } else if ((n < 65536 && len_bytes == 0) || len_bytes == 2) {
        f.push_back(static_cast<char>(m | 126));
        f.push_back(static_cast<char>(n >> 8));
        f.push_back(static_cast<char>(n & 0xFF));
    } else {
        f.push_back(static_cast<char>(m | 127));
        for (int i = 7; i >= 0; --i) f.push_back(static_cast<char>((n >> (8 * i)) & 0xFF));
    }
    std::string body = payload;
    if (masked) {
        const char key[4] = {0x12, 0x34, 0x56, 0x78};
        f.append(key, 4);
        for (std::size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>(body[i] ^ key[i & 3]);
    }
    return f + body;
}
inline std::string text_frame(const std::string& s, bool fin = true) { return ws_frame(fin ? 0x81 : 0x01, s); }
inline std::string cont_frame(const std::string& s, bool fin = true) { return ws_frame(fin ? 0x80 : 0x00, s); }
inline std::string ping_frame(const std::string& s) { return ws_frame(0x89, s); }
inline std::string close_frame(std::uint16_t code, const std::string& reason = {}) {
    std::string p;
    p.push_back(static_cast<char>(code >> 8));
    p.push_back(static_cast<char>(code & 0xFF));
    return ws_frame(0x88, p + reason);
}

// What a decoder produced: each item as a short string ("msg:<payload>", "ping:<payload>",
// "pong:…", "close:<code>:<reason>", "error:<net_errc>"), in order.
struct decoded_log {
    std::vector<std::string> items;
    bool operator==(const decoded_log&) const = default;
};

inline std::string describe(const net::ws_decoded& d) {
    switch (d.kind) {
    case net::ws_item::message: return std::string(d.text ? "msg:" : "bin:") + std::string(d.data, d.size);
    case net::ws_item::ping: return "ping:" + std::string(d.data, d.size);
    case net::ws_item::pong: return "pong:" + std::string(d.data, d.size);
    case net::ws_item::close: return "close:" + std::to_string(d.close_code) + ":" + std::string(d.data, d.size);
    case net::ws_item::error: return "error:" + std::string(net::to_string(d.error));
    case net::ws_item::need_more: return "need_more";
    }
    return "?";
}

// Feeds `bytes` in chunks of the given sizes (cycled; empty = all at once) through a decoder,
// keeping a receive buffer as the client does (unconsumed bytes stay, new ones are appended,
// ws_padding bytes after the end). Stops at the first error or close.
inline decoded_log decode_chunked(const std::string& bytes, const std::vector<std::size_t>& chunks = {},
                                  std::size_t max_message = 1 << 20) {
    net::ws_decoder dec({max_message});
    decoded_log log;
    std::string buf; // unconsumed bytes
    std::size_t fed = 0, ci = 0;
    while (true) {
        std::size_t n = chunks.empty() ? bytes.size() - fed : std::min(chunks[ci++ % chunks.size()], bytes.size() - fed);
        if (n == 0 && fed < bytes.size()) n = 1;
        buf.append(bytes, fed, n);
        fed += n;
        for (;;) {
            std::string padded = buf + std::string(net::ws_padding, '\xEE');
            std::size_t used = 0;
            const auto d = dec.next(padded.data(), buf.size(), used);
            buf.erase(0, used);
            if (d.kind == net::ws_item::need_more) break;
            log.items.push_back(describe(d));
            if (d.kind == net::ws_item::error || d.kind == net::ws_item::close) return log;
        }
        if (fed >= bytes.size()) break;
    }
    return log;
}

} // namespace acctsync::test
