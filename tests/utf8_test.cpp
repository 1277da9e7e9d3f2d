// UTF-8 validation for WebSocket text: RFC 3629's ranges (no overlong forms, no surrogates,
// nothing above U+10FFFF), the ASCII fast path at every alignment, and the incremental form
// agreeing with the whole-buffer form wherever the input is cut.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "net/utf8.hpp"

using acctsync::net::utf8_valid;
using acctsync::net::utf8_validator;

namespace {

bool valid(const std::string& s) { return utf8_valid(s.data(), s.size()); }

// Cut at every point: the incremental validator must agree with the whole-buffer verdict.
bool valid_when_cut_everywhere(const std::string& s) {
    const bool whole = valid(s);
    for (std::size_t cut = 0; cut <= s.size(); ++cut) {
        utf8_validator v;
        const bool a = v.feed(s.data(), cut);
        const bool b = a && v.feed(s.data() + cut, s.size() - cut);
        if ((b && v.complete()) != whole) {
            ADD_FAILURE() << "cut at " << cut << " disagrees";
            return !whole;
        }
    }
    return whole;
}

const std::vector<std::string> good = {
    "", "plain ascii", "\x7f", "\xc2\x80", "\xdf\xbf", "\xe0\xa0\x80", "\xed\x9f\xbf", "\xee\x80\x80",
    "\xef\xbf\xbf", "\xf0\x90\x80\x80", "\xf4\x8f\xbf\xbf", "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5",
    "USDT \xe2\x82\xae  BTC \xe2\x82\xbf", "\xef\xbb\xbf{\"e\":1}",
};
const std::vector<std::string> bad = {
    "\x80", "\xbf", "\xc0\x80", "\xc1\xbf", "\xc2", "\xc2\x41", "\xe0\x80\x80", "\xe0\x9f\xbf",
    "\xed\xa0\x80", "\xed\xbf\xbf", "\xf0\x80\x80\x80", "\xf0\x8f\xbf\xbf", "\xf4\x90\x80\x80",
    "\xf5\x80\x80\x80", "\xf8\x88\x80\x80\x80", "\xfe", "\xff", "\xe2\x82", "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80" "edited",
};

} // namespace

TEST(utf8, accepts_every_boundary_code_point) {
    for (const auto& s : good) EXPECT_TRUE(valid_when_cut_everywhere(s)) << s;
}

TEST(utf8, rejects_overlong_surrogate_out_of_range_and_truncated_forms) {
    for (const auto& s : bad) EXPECT_FALSE(valid_when_cut_everywhere(s)) << s.size();
}

TEST(utf8, a_bad_byte_is_found_at_any_offset_past_the_ascii_fast_path) {
    for (std::size_t len = 1; len <= 100; ++len) {
        for (std::size_t at = 0; at < len; ++at) {
            std::string s(len, 'a');
            s[at] = '\xff';
            EXPECT_FALSE(valid(s)) << len << "@" << at;
            s[at] = 'b';
            EXPECT_TRUE(valid(s));
        }
    }
    std::string tail(64, 'x');
    tail += "\xe2\x82\xac";
    EXPECT_TRUE(valid(tail));
    tail.pop_back();
    EXPECT_FALSE(valid(tail));
}

TEST(utf8, the_incremental_validator_is_sticky_after_a_failure) {
    utf8_validator v;
    EXPECT_FALSE(v.feed("\xc0", 1));
    EXPECT_TRUE(v.failed());
    EXPECT_FALSE(v.feed("abc", 3));
    EXPECT_FALSE(v.complete());
    v.reset();
    EXPECT_TRUE(v.feed("abc", 3));
    EXPECT_TRUE(v.complete());
}
