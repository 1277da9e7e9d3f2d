// The RFC 6455 frame decoder: messages in place or reassembled, control frames between
// fragments, every protocol rule with its typed error, and the same result however the bytes
// are cut into reads.
#include <gtest/gtest.h>

#include "net/ws_frame.hpp"
#include "support/ws_frames.hpp"

using namespace acctsync;
using namespace acctsync::test;
using net::net_errc;

namespace {

std::vector<std::string> items(const std::string& bytes, std::size_t max_message = 1 << 20) {
    return decode_chunked(bytes, {}, max_message).items;
}
using v = std::vector<std::string>;

} // namespace

TEST(ws_frame, unfragmented_text_is_a_view_into_the_callers_buffer) {
    const std::string bytes = text_frame("{\"e\":\"ACCOUNT_UPDATE\"}") + std::string(net::ws_padding, '\0');
    net::ws_decoder dec;
    std::size_t used = 0;
    const auto d = dec.next(bytes.data(), bytes.size() - net::ws_padding, used);
    ASSERT_EQ(d.kind, net::ws_item::message);
    EXPECT_TRUE(d.text);
    EXPECT_FALSE(d.reassembled);
    EXPECT_EQ(d.data, bytes.data() + 2); // no copy: right after the 2-byte header
    EXPECT_EQ(std::string(d.data, d.size), "{\"e\":\"ACCOUNT_UPDATE\"}");
    EXPECT_EQ(used, bytes.size() - net::ws_padding);
}

TEST(ws_frame, lengths_in_all_three_forms) {
    const std::string small(125, 'a'), medium(126, 'b'), large(70000, 'c');
    EXPECT_EQ(items(text_frame(small)), v{"msg:" + small});
    EXPECT_EQ(items(text_frame(medium)), v{"msg:" + medium});
    EXPECT_EQ(items(text_frame(large)), v{"msg:" + large});
    // a longer length form than needed is accepted
    EXPECT_EQ(items(ws_frame(0x81, "x", false, 8)), v{"msg:x"});
    EXPECT_EQ(items(ws_frame(0x81, "", false, 2)), v{"msg:"});
    EXPECT_EQ(items(text_frame("")), v{"msg:"});
}

TEST(ws_frame, fragments_are_reassembled_with_pings_answered_between_them) {
    const std::string bytes = text_frame("{\"a\":", false) + ping_frame("p1") + cont_frame("1,", false) +
                              ws_frame(0x8A, "unsolicited") + cont_frame("\"b\":2}") + text_frame("next");
    EXPECT_EQ(items(bytes), (v{"ping:p1", "pong:unsolicited", "msg:{\"a\":1,\"b\":2}", "msg:next"}));
}

TEST(ws_frame, a_fragment_larger_than_one_read_is_copied_as_it_arrives) {
    const std::string big(50000, 'z');
    const std::string bytes = text_frame(big, false) + cont_frame(big);
    const auto log = decode_chunked(bytes, {1000, 7, 4096});
    EXPECT_EQ(log.items, v{"msg:" + big + big});
}

TEST(ws_frame, every_split_point_gives_the_same_items) {
    const std::string bytes = text_frame("héllo wörld") + ping_frame("abc") + ws_frame(0x02, "bin", false) +
                              ping_frame("") + cont_frame("ary", false) + cont_frame("!") +
                              text_frame(std::string(300, 'q')) + close_frame(1000, "bye");
    const auto whole = decode_chunked(bytes);
    ASSERT_EQ(whole.items.back(), "close:1000:bye");
    for (std::size_t a = 1; a < bytes.size(); ++a) {
        EXPECT_EQ(decode_chunked(bytes, {a}).items, whole.items) << "chunk " << a;
    }
    EXPECT_EQ(decode_chunked(bytes, {1, 2, 3, 5, 8, 13}).items, whole.items);
}

TEST(ws_frame, close_frames_carry_code_and_reason_or_1005) {
    EXPECT_EQ(items(close_frame(1001, "going")), v{"close:1001:going"});
    EXPECT_EQ(items(ws_frame(0x88, "")), v{"close:1005:"});
    EXPECT_EQ(items(close_frame(3000)), v{"close:3000:"});
    EXPECT_EQ(items(close_frame(4999)), v{"close:4999:"});
}

TEST(ws_frame, protocol_violations_are_typed_errors) {
    const auto err = [](net_errc e) { return v{"error:" + std::string(net::to_string(e))}; };
    for (std::uint8_t rsv : {0x40, 0x20, 0x10, 0x70})
        EXPECT_EQ(items(ws_frame(static_cast<std::uint8_t>(0x81 | rsv), "x")), err(net_errc::ws_reserved_bits));
    for (std::uint8_t op : {3, 4, 5, 6, 7, 11, 12, 13, 14, 15})
        EXPECT_EQ(items(ws_frame(static_cast<std::uint8_t>(0x80 | op), "")), err(net_errc::ws_reserved_opcode)) << int(op);
    EXPECT_EQ(items(ws_frame(0x81, "masked", true)), err(net_errc::ws_masked_frame));
    EXPECT_EQ(items(ws_frame(0x09, "x")), err(net_errc::ws_control_fragmented));
    EXPECT_EQ(items(ws_frame(0x89, std::string(126, 'p'))), err(net_errc::ws_control_too_long));
    EXPECT_EQ(items(ws_frame(0x88, "\x03")), err(net_errc::ws_bad_close_payload));
    for (std::uint16_t code : {0, 999, 1004, 1005, 1006, 1012, 1016, 1100, 2000, 2999, 5000, 65535})
        EXPECT_EQ(items(close_frame(code)), err(net_errc::ws_bad_close_code)) << code;
    EXPECT_EQ(items(close_frame(1000, "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80")), err(net_errc::ws_invalid_utf8));
    EXPECT_EQ(items(cont_frame("x")), err(net_errc::ws_unexpected_continuation));
    EXPECT_EQ(items(text_frame("a", false) + text_frame("b")), err(net_errc::ws_expected_continuation));
    EXPECT_EQ(items(text_frame("a", false) + ws_frame(0x02, "b")), err(net_errc::ws_expected_continuation));
    EXPECT_EQ(items(text_frame("\xff")), err(net_errc::ws_invalid_utf8));
    const std::string huge_len("\x81\x7f\x80\x00\x00\x00\x00\x00\x00\x01", 10);
    EXPECT_EQ(items(huge_len), err(net_errc::ws_bad_length));
}

TEST(ws_frame, the_error_comes_with_the_close_code_to_send) {
    EXPECT_EQ(net::close_code_for(net_errc::ws_reserved_bits), 1002);
    EXPECT_EQ(net::close_code_for(net_errc::ws_masked_frame), 1002);
    EXPECT_EQ(net::close_code_for(net_errc::ws_invalid_utf8), 1007);
    EXPECT_EQ(net::close_code_for(net_errc::ws_message_too_big), 1009);
    EXPECT_EQ(net::close_code_for(net_errc::peer_reset), 0);
}

TEST(ws_frame, messages_over_the_limit_fail_before_their_payload_arrives) {
    // only the header of a 2 MiB frame: the verdict needs no more
    const std::string header("\x81\x7f\x00\x00\x00\x00\x00\x20\x00\x00", 10);
    EXPECT_EQ(items(header, 1 << 20), v{"error:ws_message_too_big"});
    // exactly at the limit is fine; one over is not, whole or in fragments
    EXPECT_EQ(items(text_frame(std::string(1000, 'x')), 1000), v{"msg:" + std::string(1000, 'x')});
    EXPECT_EQ(items(text_frame(std::string(1001, 'x')), 1000), v{"error:ws_message_too_big"});
    EXPECT_EQ(items(text_frame(std::string(600, 'x'), false) + cont_frame(std::string(401, 'x')), 1000),
              v{"error:ws_message_too_big"});
    EXPECT_EQ(items(text_frame(std::string(600, 'x'), false) + cont_frame(std::string(400, 'x')), 1000),
              v{"msg:" + std::string(1000, 'x')});
}

TEST(ws_frame, invalid_utf8_fails_on_the_fragment_that_breaks_it) {
    // the first fragment is already impossible: the error comes before the message ends
    const auto log = decode_chunked(text_frame("ok\xc0\xaf", false));
    EXPECT_EQ(log.items, v{"error:ws_invalid_utf8"});
    // a code point split across fragments is fine
    EXPECT_EQ(items(text_frame("\xe2\x82", false) + cont_frame("\xac")), v{"msg:\xe2\x82\xac"});
    // and one left open at the end is not
    EXPECT_EQ(items(text_frame("\xe2\x82", false) + cont_frame("")), v{"error:ws_invalid_utf8"});
    // binary messages are not UTF-8 checked
    EXPECT_EQ(items(ws_frame(0x82, "\xff\xfe")), v{"bin:\xff\xfe"});
}

TEST(ws_frame, a_failed_decoder_stays_failed_until_reset) {
    net::ws_decoder dec;
    std::string bad = ws_frame(0xC1, "x") + std::string(64, '\0');
    std::size_t used = 0;
    EXPECT_EQ(dec.next(bad.data(), 3, used).error, net_errc::ws_reserved_bits);
    std::string good = text_frame("fine") + std::string(64, '\0');
    EXPECT_EQ(dec.next(good.data(), 6, used).error, net_errc::ws_reserved_bits);
    dec.reset();
    EXPECT_EQ(dec.next(good.data(), 6, used).kind, net::ws_item::message);
}

TEST(ws_frame, reassembled_messages_keep_padding_after_them) {
    net::ws_decoder dec({64});
    std::string bytes = text_frame(std::string(64, 'a'), false) + cont_frame("") + std::string(64, '\0');
    std::size_t used = 0, at = 0;
    net::ws_decoded d;
    do {
        d = dec.next(bytes.data() + at, bytes.size() - 64 - at, used);
        at += used;
    } while (d.kind == net::ws_item::need_more && used != 0);
    ASSERT_EQ(d.kind, net::ws_item::message);
    EXPECT_TRUE(d.reassembled);
    EXPECT_EQ(d.size, 64u);
    // the parser may read ws_padding bytes past the end (ASan would object here if it could not)
    volatile char sink = 0;
    for (std::size_t i = 0; i < net::ws_padding; ++i) sink = static_cast<char>(sink ^ d.data[d.size + i]);
    (void)sink;
}
