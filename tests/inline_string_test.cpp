// Inline strings: UTF-8 bytes up to a fixed capacity; over-long input is an error, never cut.
#include <gtest/gtest.h>

#include <string>

#include "core/inline_string.hpp"

using namespace acctsync;

TEST(InlineString, HoldsValuesUpToCapacity) {
    symbol_string s{};
    ASSERT_TRUE(s.assign("BTCUSDT"));
    EXPECT_EQ(s.view(), "BTCUSDT");
    EXPECT_EQ(s.size(), 7u);
    const std::string exact(symbol_string::capacity, 'X');
    ASSERT_TRUE(s.assign(exact));
    EXPECT_EQ(s.view(), exact);
    ASSERT_TRUE(s.assign(""));
    EXPECT_TRUE(s.empty());
}

TEST(InlineString, RejectsOverLongInputInsteadOfTruncating) {
    symbol_string s = symbol_string::from("ETHUSDT");
    const std::string too_long(symbol_string::capacity + 1, 'X');
    EXPECT_FALSE(s.assign(too_long));
    EXPECT_TRUE(s.empty()) << "never a silently truncated value";
    asset_string a{};
    EXPECT_FALSE(a.assign("ABCDEFGHIJKLMNOP")); // 16 > 15
    client_id_string c{};
    EXPECT_TRUE(c.assign("settlement_autoclose-BTCUSDT-1712345678")); // system-generated prefix fits
    EXPECT_FALSE(c.assign(std::string(48, 'c')));
}

TEST(InlineString, KeepsUtf8SymbolsByteExact) {
    symbol_string s{};
    ASSERT_TRUE(s.assign("币安人生USDT")); // 4 CJK characters (3 bytes each) + 4 ASCII
    EXPECT_EQ(s.size(), 16u);
    EXPECT_EQ(s.view(), "币安人生USDT");
    EXPECT_TRUE(is_valid_utf8(s.view()));
    // 11 CJK characters = 33 bytes: over capacity, refused whole (never cut mid-character).
    EXPECT_FALSE(s.assign("一二三四五六七八九十百"));
    EXPECT_TRUE(s.empty());
}

TEST(InlineString, EqualityAndHashIgnoreWhatWasThereBefore) {
    symbol_string a{}, b{};
    ASSERT_TRUE(a.assign("1000SHIBUSDT"));
    ASSERT_TRUE(a.assign("BTC")); // shorter value over a longer one: padding must be re-zeroed
    ASSERT_TRUE(b.assign("BTC"));
    EXPECT_EQ(a, b);
    EXPECT_EQ(a.hash(), b.hash());
    EXPECT_TRUE(a == std::string_view("BTC"));
    ASSERT_TRUE(b.assign("BTD"));
    EXPECT_FALSE(a == b);
    EXPECT_NE(a.hash(), b.hash());
}

TEST(InlineString, IsTriviallyCopyableFixedSize) {
    static_assert(std::is_trivially_copyable_v<symbol_string>);
    static_assert(std::is_standard_layout_v<symbol_string>);
    static_assert(sizeof(symbol_string) == 32 && sizeof(asset_string) == 16);
    static_assert(symbol_string::from("BTCUSDT") == std::string_view("BTCUSDT"));
    SUCCEED();
}

TEST(Utf8, AcceptsWellFormedAndRejectsMalformed) {
    EXPECT_TRUE(is_valid_utf8(""));
    EXPECT_TRUE(is_valid_utf8("BTCUSDT"));
    EXPECT_TRUE(is_valid_utf8("币安人生"));
    EXPECT_TRUE(is_valid_utf8("\xF0\x9F\x9A\x80")); // U+1F680
    EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));         // overlong '/'
    EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));     // surrogate
    EXPECT_FALSE(is_valid_utf8("\xE5\xB8"));         // truncated
    EXPECT_FALSE(is_valid_utf8("\xFF"));
    EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80")); // > U+10FFFF
    EXPECT_FALSE(is_valid_utf8("a\x80"));            // stray continuation
}
