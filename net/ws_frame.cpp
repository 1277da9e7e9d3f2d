#include "net/ws_frame.hpp"

#include <algorithm>
#include <cstring>

namespace acctsync::net {

namespace {

inline std::uint64_t be(const unsigned char* p, int n) noexcept {
    std::uint64_t v = 0;
    for (int i = 0; i < n; ++i) v = (v << 8) | p[i];
    return v;
}

inline bool is_control(std::uint8_t op) noexcept { return (op & 0x8) != 0; }
inline bool known_opcode(std::uint8_t op) noexcept { return op <= 2 || (op >= 8 && op <= 10); }

} // namespace

ws_decoder::ws_decoder(ws_decoder_options opt)
    : opt_(opt), assembly_(new char[opt.max_message + ws_padding]()) {}

void ws_decoder::reset() noexcept {
    assembled_ = 0;
    fragment_left_ = 0;
    copying_ = false;
    fragment_fin_ = false;
    in_message_ = false;
    message_text_ = false;
    failed_ = net_errc::ok;
    utf8_.reset();
}

ws_decoded ws_decoder::fail(net_errc e) noexcept {
    failed_ = e;
    ws_decoded d;
    d.kind = ws_item::error;
    d.error = e;
    return d;
}

ws_decoded ws_decoder::next(const char* data, std::size_t size, std::size_t& consumed) noexcept {
    consumed = 0;
    if (failed_ != net_errc::ok) return fail(failed_);
    const auto* in = reinterpret_cast<const unsigned char*>(data);
    std::size_t pos = 0;
    for (;;) {
        if (copying_) {
            // The payload of a fragment, copied as it arrives (it may be larger than a read).
            const std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(fragment_left_, size - pos));
            if (take != 0) {
                std::memcpy(assembly_.get() + assembled_, data + pos, take);
                if (message_text_ && !utf8_.feed(data + pos, take)) return fail(net_errc::ws_invalid_utf8);
                assembled_ += take;
                fragment_left_ -= take;
                pos += take;
            }
            consumed = pos;
            if (fragment_left_ != 0) return {};
            copying_ = false;
            if (fragment_fin_) {
                if (message_text_ && !utf8_.complete()) return fail(net_errc::ws_invalid_utf8);
                in_message_ = false;
                ws_decoded d;
                d.kind = ws_item::message;
                d.text = message_text_;
                d.reassembled = true;
                d.data = assembly_.get();
                d.size = assembled_;
                return d;
            }
            continue;
        }

        const std::size_t avail = size - pos;
        const unsigned char* p = in + pos;
        if (avail < 2) return {};
        const bool fin = (p[0] & 0x80) != 0;
        const std::uint8_t op = p[0] & 0x0F;
        if ((p[0] & 0x70) != 0) return fail(net_errc::ws_reserved_bits);
        if (!known_opcode(op)) return fail(net_errc::ws_reserved_opcode);
        if ((p[1] & 0x80) != 0) return fail(net_errc::ws_masked_frame);
        const std::uint8_t len7 = p[1] & 0x7F;
        if (is_control(op)) {
            if (!fin) return fail(net_errc::ws_control_fragmented);
            if (len7 > 125) return fail(net_errc::ws_control_too_long);
        }
        std::size_t header = 2;
        std::uint64_t len = len7;
        if (len7 == 126) {
            if (avail < 4) return {};
            len = be(p + 2, 2);
            header = 4;
        } else if (len7 == 127) {
            if (avail < 10) return {};
            len = be(p + 2, 8);
            if ((len >> 63) != 0) return fail(net_errc::ws_bad_length);
            header = 10;
        }

        if (is_control(op)) {
            if (avail < header + len) return {};
            const char* payload = data + pos + header;
            consumed = pos + header + static_cast<std::size_t>(len);
            ws_decoded d;
            d.data = payload;
            d.size = static_cast<std::size_t>(len);
            if (op == static_cast<std::uint8_t>(ws_opcode::ping)) {
                d.kind = ws_item::ping;
            } else if (op == static_cast<std::uint8_t>(ws_opcode::pong)) {
                d.kind = ws_item::pong;
            } else { // close
                if (len == 1) return fail(net_errc::ws_bad_close_payload);
                d.kind = ws_item::close;
                d.close_code = ws_close_code::no_status;
                if (len >= 2) {
                    d.close_code = static_cast<std::uint16_t>(be(p + header, 2));
                    if (!close_code_allowed(d.close_code)) return fail(net_errc::ws_bad_close_code);
                    d.data = payload + 2;
                    d.size = static_cast<std::size_t>(len - 2);
                    if (!utf8_valid(d.data, d.size)) return fail(net_errc::ws_invalid_utf8);
                }
            }
            return d;
        }

        const bool continuation = op == static_cast<std::uint8_t>(ws_opcode::continuation);
        if (continuation && !in_message_) return fail(net_errc::ws_unexpected_continuation);
        if (!continuation && in_message_) return fail(net_errc::ws_expected_continuation);
        const bool text = continuation ? message_text_ : op == static_cast<std::uint8_t>(ws_opcode::text);

        if (!continuation && fin) {
            // An unfragmented message: returned in place once all of it is here.
            if (len > opt_.max_message) return fail(net_errc::ws_message_too_big);
            if (avail < header + len) return {};
            const char* payload = data + pos + header;
            if (text && !utf8_valid(payload, static_cast<std::size_t>(len))) return fail(net_errc::ws_invalid_utf8);
            consumed = pos + header + static_cast<std::size_t>(len);
            ws_decoded d;
            d.kind = ws_item::message;
            d.text = text;
            d.data = payload;
            d.size = static_cast<std::size_t>(len);
            return d;
        }

        // A fragment: its header is consumed now, its payload copied as it arrives.
        const std::size_t so_far = continuation ? assembled_ : 0;
        if (len > opt_.max_message - so_far) return fail(net_errc::ws_message_too_big);
        if (!continuation) {
            in_message_ = true;
            message_text_ = text;
            assembled_ = 0;
            utf8_.reset();
        }
        pos += header;
        consumed = pos;
        fragment_left_ = len;
        fragment_fin_ = fin;
        copying_ = true;
    }
}

} // namespace acctsync::net
