// acctsync/net/ws_frame.hpp — the RFC 6455 frame decoder for the client side: bytes in,
// messages, control frames and typed protocol errors out. Pure: no I/O, no clock.
//
// The decoder reads server frames where they lie, in the caller's receive buffer. An
// unfragmented message is returned as a view into that buffer (zero copy): the caller's buffer
// must keep `payload_padding` readable bytes after every byte it hands in, so the view can go
// straight to the parser. A fragmented message is reassembled into a buffer the decoder
// allocates once, at construction (max_message + padding), and returned as a view into that.
// A control frame (ping, pong, close) may arrive between the fragments of a message, as RFC
// 6455 §5.4 allows, and is returned at once, so a ping can be answered before the message is
// complete.
//
// Call next() with the unconsumed bytes; it returns one item and how many bytes it consumed.
// need_more means the bytes end inside a frame: drop `consumed` bytes, append more and call
// again. Of a partial frame nothing is consumed, except a fragment's header and the part of its
// payload already copied into the reassembly buffer (so a fragment may be larger than a read).
// A caller's buffer must hold max_message + max_header bytes (an unfragmented message is read
// whole, in place). The view of an item is valid until the caller overwrites the bytes it
// came from (in place) or calls next() again (reassembled).
//
// Rules enforced (each a net_errc; the connection must then be failed with close_code_for()):
// RSV bits without an extension, reserved opcodes, masked server frames, 64-bit lengths with
// the top bit set, control frames that are fragmented or over 125 bytes, continuations without
// a message and new messages inside one, close payloads of 1 byte or with a code not allowed
// on the wire, text and close reasons that are not UTF-8 (checked as fragments arrive), and
// messages over max_message (1009). After an error the decoder stays failed until reset().
//
// Threads: one decoder per connection, on the network thread. Cost: a 2–14 byte header, one
// UTF-8 pass over text (ASCII fast path); no allocation after construction.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "net/net_error.hpp"
#include "net/utf8.hpp"

namespace acctsync::net {

enum class ws_opcode : std::uint8_t { continuation = 0, text = 1, binary = 2, close = 8, ping = 9, pong = 10 };

// RFC 6455 §7.4.1 close codes the client uses or reports.
namespace ws_close_code {
inline constexpr std::uint16_t normal = 1000, going_away = 1001, protocol_error = 1002, unsupported_data = 1003,
                               no_status = 1005, abnormal = 1006, invalid_payload = 1007, policy = 1008,
                               too_big = 1009, mandatory_extension = 1010, internal_error = 1011;
}
// Close codes a peer may put on the wire (§7.4.1-2): 1000-1003, 1007-1011, 3000-4999.
[[nodiscard]] constexpr bool close_code_allowed(std::uint16_t c) noexcept {
    return (c >= 1000 && c <= 1003) || (c >= 1007 && c <= 1011) || (c >= 3000 && c <= 4999);
}

// Readable bytes the decoder's callers keep after every byte they hand in, and that it keeps
// after its reassembly buffer: the parser's padding (parse/user_stream.hpp payload_padding,
// simdjson's SIMDJSON_PADDING). Checked against it where both are included (net/ws_client.cpp).
inline constexpr std::size_t ws_padding = 64;

struct ws_decoder_options {
    std::size_t max_message = std::size_t{1} << 20; // larger messages fail with 1009
};

enum class ws_item : std::uint8_t { need_more, message, ping, pong, close, error };

struct ws_decoded {
    ws_item kind = ws_item::need_more;
    bool text = false;        // message: a text message (else binary)
    bool reassembled = false; // message: data is in the decoder's buffer, not in the caller's
    std::uint16_t close_code = 0; // close: the peer's code, 1005 when the frame had none
    net_errc error = net_errc::ok;
    const char* data = nullptr; // message / ping / pong payload; close: the reason (after the code)
    std::size_t size = 0;
};

class ws_decoder {
public:
    explicit ws_decoder(ws_decoder_options opt = {});

    // Decodes the next item from data[0, size), with ws_padding readable bytes after it.
    // `consumed` is set to the bytes the caller may drop from the front.
    [[nodiscard]] ws_decoded next(const char* data, std::size_t size, std::size_t& consumed) noexcept;

    // Forget any partial message and a past error (a new connection).
    void reset() noexcept;

    [[nodiscard]] bool in_message() const noexcept { return in_message_; }
    [[nodiscard]] std::size_t max_message() const noexcept { return opt_.max_message; }
    // Longest frame header: 2 + 8 (length); server frames carry no mask key.
    static constexpr std::size_t max_header = 10;

private:
    ws_decoded fail(net_errc e) noexcept;

    ws_decoder_options opt_;
    std::unique_ptr<char[]> assembly_; // max_message + ws_padding, allocated once
    std::size_t assembled_ = 0;        // bytes of the open fragmented message so far
    // The frame whose payload is being copied into assembly_ across calls (large fragments).
    std::uint64_t fragment_left_ = 0;
    bool fragment_fin_ = false;
    bool copying_ = false;             // a fragment's header is consumed, its payload is not yet
    bool in_message_ = false;
    bool message_text_ = false;
    net_errc failed_ = net_errc::ok;
    utf8_validator utf8_;
};

} // namespace acctsync::net
