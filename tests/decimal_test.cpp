// Decimal: every form Binance sends parses exactly; every malformed or unrepresentable input is
// a typed error with the offending offset; formatting is the shortest exact text.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>

#include "core/decimal.hpp"

using acctsync::decimal;
using acctsync::decimal_errc;

namespace {

struct good_case {
    const char* text;
    std::int64_t raw;
    const char* shortest;
};

const good_case good_cases[] = {
    {"0", 0, "0"},
    {"-10", -1'000'000'000, "-10"},
    {"6563.60000000", 656'360'000'000, "6563.6"},
    {"0.0", 0, "0"},
    {"-0.00057000", -57'000, "-0.00057"},
    {"122624.12345678", 12'262'412'345'678, "122624.12345678"},
    {"0.00000001", 1, "0.00000001"},
    {"-0.00000001", -1, "-0.00000001"},
    {"1", 100'000'000, "1"},
    {"00012.50", 1'250'000'000, "12.5"},
    {"1.000000000000", 100'000'000, "1"},              // zeros past the 8th place are exact
    {"80.230095", 8'023'009'500, "80.230095"},
    {"100000000", 10'000'000'000'000'000, "100000000"}, // maxNotionalValue
    {"1234567890.12345678", 123'456'789'012'345'678, "1234567890.12345678"}, // 18 digits
    {"92233720368.54775807", std::numeric_limits<std::int64_t>::max(), "92233720368.54775807"},  // 19 digits
    {"-92233720368.54775808", std::numeric_limits<std::int64_t>::min(), "-92233720368.54775808"},
    {"92233720368", 9'223'372'036'800'000'000, "92233720368"},
    {"-0", 0, "0"},           // negative zero is zero
    {"-0.00000000", 0, "0"},
    {"-000.0", 0, "0"},
    {"1.12345678", 112'345'678, "1.12345678"},           // exactly eight fraction digits (SWAR path)
    {"1.1234567", 112'345'670, "1.1234567"},             // seven: byte-wise path
    {"2.123456780000", 212'345'678, "2.12345678"},       // eight, then zeros
};

struct bad_case {
    const char* text;
    decimal_errc ec;
    std::uint32_t offset;
};

const bad_case bad_cases[] = {
    {"", decimal_errc::empty, 0},
    {"-", decimal_errc::empty, 1},
    {"+1", decimal_errc::invalid_char, 0},
    {"1e5", decimal_errc::invalid_char, 1},
    {"1E-8", decimal_errc::invalid_char, 1},
    {" 1", decimal_errc::invalid_char, 0},
    {"1 ", decimal_errc::invalid_char, 1},
    {"1.2.3", decimal_errc::invalid_char, 3},
    {"1,5", decimal_errc::invalid_char, 1},
    {"0x10", decimal_errc::invalid_char, 1},
    {"NaN", decimal_errc::invalid_char, 0},
    {"inf", decimal_errc::invalid_char, 0},
    {"--1", decimal_errc::invalid_char, 1},
    {"1-", decimal_errc::invalid_char, 1},
    {"\"1\"", decimal_errc::invalid_char, 0},
    {".5", decimal_errc::missing_digits, 0},
    {"-.5", decimal_errc::missing_digits, 1},
    {"5.", decimal_errc::missing_digits, 2},
    {"5.e", decimal_errc::missing_digits, 2},
    {"0.000000001", decimal_errc::inexact, 10},
    {"1234567890.123456789", decimal_errc::inexact, 19}, // 19 digits, 9th fraction digit
    {"0.123456780000001", decimal_errc::inexact, 16},
    {"1.123456789", decimal_errc::inexact, 10},
    {"1.12345678x", decimal_errc::invalid_char, 10},
    {"1.1234567x", decimal_errc::invalid_char, 9},
    {"1.1234x678", decimal_errc::invalid_char, 6},
    {"92233720368.54775808", decimal_errc::overflow, 0},
    {"-92233720368.54775809", decimal_errc::overflow, 1},
    {"92233720369", decimal_errc::overflow, 0},
    {"123456789012", decimal_errc::overflow, 11},        // 12 integer digits
    {"9223372036854775807", decimal_errc::overflow, 11}, // INT64_MAX as an integer string
    {"99999999999999999999999", decimal_errc::overflow, 11},
};

} // namespace

TEST(Decimal, ParsesEveryBinanceForm) {
    for (const auto& c : good_cases) {
        decimal d = decimal::from_raw(42);
        const auto r = decimal::parse(c.text, d);
        EXPECT_EQ(r.ec, decimal_errc::ok) << c.text;
        EXPECT_EQ(d.raw(), c.raw) << c.text;
    }
}

TEST(Decimal, FormatsShortestExactText) {
    for (const auto& c : good_cases) {
        EXPECT_EQ(decimal::from_raw(c.raw).to_string(), c.shortest) << c.text;
    }
}

TEST(Decimal, RejectsMalformedAndUnrepresentableInputWithTypedErrorAndOffset) {
    for (const auto& c : bad_cases) {
        decimal d = decimal::from_raw(42);
        const auto r = decimal::parse(c.text, d);
        EXPECT_EQ(r.ec, c.ec) << '"' << c.text << "\" gave " << acctsync::to_string(r.ec);
        EXPECT_EQ(r.offset, c.offset) << c.text;
        EXPECT_EQ(d.raw(), 42) << "output must be untouched on error: " << c.text;
        EXPECT_FALSE(static_cast<bool>(r));
    }
}

TEST(Decimal, NegativeZeroIsZeroAndNeverPrintsMinus) {
    decimal d;
    ASSERT_TRUE(decimal::parse("-0.000", d));
    EXPECT_EQ(d, decimal{});
    EXPECT_FALSE(d.is_negative());
    EXPECT_EQ(d.to_string(), "0");
}

TEST(Decimal, ParseDoesNotReadPastTheView) {
    const char buf[] = "12.3456789999"; // view stops before the inexact tail
    decimal d;
    ASSERT_TRUE(decimal::parse(std::string_view(buf, 7), d));
    EXPECT_EQ(d.to_string(), "12.3456");
}

TEST(Decimal, FormatThenParseRoundTripsRandomValues) {
    std::mt19937_64 rng(12345);
    char buf[decimal::max_text];
    for (int i = 0; i < 1'000'000; ++i) {
        std::int64_t raw = static_cast<std::int64_t>(rng());
        switch (i % 4) { // mix magnitudes: full range, prices, small fractions, integers
        case 1: raw %= 10'000'000'000'000LL; break;
        case 2: raw %= 100'000; break;
        case 3: raw = (raw % 1'000'000) * decimal::scale; break;
        default: break;
        }
        const auto d = decimal::from_raw(raw);
        const std::size_t n = d.format(buf);
        ASSERT_LE(n, decimal::max_text);
        decimal back;
        ASSERT_TRUE(decimal::parse(std::string_view(buf, n), back)) << std::string_view(buf, n);
        ASSERT_EQ(back, d);
        if (n > 1 && std::string_view(buf, n).find('.') != std::string_view::npos) {
            ASSERT_NE(buf[n - 1], '0');
        }
    }
}

TEST(Decimal, ComparesByValue) {
    EXPECT_LT(acctsync::decimal::from_raw(-1), acctsync::decimal{});
    EXPECT_EQ(decimal::from_units(3).raw(), 300'000'000);
    static_assert(decimal::from_units(2) > decimal::from_units(1));
}

TEST(Decimal, ParsesAtCompileTime) {
    constexpr auto parsed = [] {
        decimal d{};
        return decimal::parse("-1.5", d).ec == decimal_errc::ok ? d.raw() : 0;
    }();
    static_assert(parsed == -150'000'000);
    SUCCEED();
}

TEST(Decimal, ArithmeticIsExactOrRoundsHalfToEvenAndReportsOverflow) {
    const auto d = [](const char* s) {
        decimal x{};
        EXPECT_TRUE(decimal::parse(s, x)) << s;
        return x;
    };
    decimal r{};
    ASSERT_TRUE(decimal::add(d("1.5"), d("-0.00000001"), r));
    EXPECT_EQ(r.to_string(), "1.49999999");
    EXPECT_FALSE(decimal::add(decimal::from_raw(INT64_MAX), decimal::from_raw(1), r));
    ASSERT_TRUE(decimal::sub(d("0"), d("90853.2"), r));
    EXPECT_EQ(r.to_string(), "-90853.2");
    ASSERT_TRUE(decimal::mul(d("0.002"), d("90853.2"), r));
    EXPECT_EQ(r.to_string(), "181.7064");
    ASSERT_TRUE(decimal::mul(d("0.00000001"), d("0.5"), r)); // 0.000000005 -> half to even -> 0
    EXPECT_EQ(r.to_string(), "0");
    ASSERT_TRUE(decimal::mul(d("0.00000003"), d("0.5"), r)); // 0.000000015 -> 0.00000002
    EXPECT_EQ(r.to_string(), "0.00000002");
    ASSERT_TRUE(decimal::mul(d("-0.00000003"), d("0.5"), r));
    EXPECT_EQ(r.to_string(), "-0.00000002");
    EXPECT_FALSE(decimal::mul(d("92233720368"), d("2"), r));
    ASSERT_TRUE(decimal::div(d("1"), d("3"), r));
    EXPECT_EQ(r.to_string(), "0.33333333");
    ASSERT_TRUE(decimal::div(d("2"), d("3"), r));
    EXPECT_EQ(r.to_string(), "0.66666667");
    ASSERT_TRUE(decimal::div(d("-181.7064"), d("0.002"), r));
    EXPECT_EQ(r.to_string(), "-90853.2");
    EXPECT_FALSE(decimal::div(d("1"), decimal{}, r));
    EXPECT_EQ((-d("1.25")).to_string(), "-1.25");
}

// parse_plain, the parsers' fast form: every plain value it reads equals the full grammar's, it
// never reads the text past `end`, and what it leaves to the full grammar it leaves untouched.
TEST(Decimal, ThePlainFormAgreesWithTheFullGrammarAndLeavesTheRestToIt) {
    // the text, then what follows it in the buffer (a closing quote, as in every frame), padded
    auto plain = [](std::string_view s, std::size_t used, decimal& out, char after = '"') -> const char* {
        std::string padded(s.substr(0, used));
        padded.append(64, after);
        const char* q = decimal::parse_plain(padded.data(), padded.data() + used, out);
        return q == nullptr ? nullptr : s.data() + (q - padded.data());
    };
    for (const char* s : {"0", "1", "-1", "80.19", "0.002", "90853.20000", "1.73744723", "-1.77340000", "26.83159999",
                          "12345678", "1234567.1234567", "-0.00000001", "00.5", "-0"}) {
        const std::string_view v(s);
        decimal fast = decimal::from_raw(7), full{};
        const char* q = plain(v, v.size(), fast);
        ASSERT_NE(q, nullptr) << s;
        EXPECT_EQ(q, v.data() + v.size()) << s;
        ASSERT_TRUE(decimal::parse(v, full)) << s;
        EXPECT_EQ(fast, full) << s;
    }
    // left to the full grammar (nullptr, out untouched): more than 8 digits on a side, a window
    // the run fills, no digits after the point, not a number
    for (const char* s : {"123456789", "1.000000000", "12345678.12345678", "12345678.1234567", "5.", ".5", "-", "", "x", "1e5"}) {
        decimal fast = decimal::from_raw(7);
        const std::string_view v(s);
        const char* q = plain(v, v.size(), fast);
        if (q != nullptr) { // a prefix of the text ("1e5" -> "1"): what the full grammar reads too
            decimal full{};
            const auto r = decimal::parse_prefix(v.data(), v.data() + v.size(), full);
            ASSERT_TRUE(r) << s;
            EXPECT_EQ(q, v.data() + r.offset) << s;
            EXPECT_EQ(fast, full) << s;
        } else {
            EXPECT_EQ(fast.raw(), 7) << s;
        }
    }
    // digits past `end` (padding that looks like more of the number) are never taken: the
    // answer is the right value or nullptr (the full grammar, which stops at `end`, decides)
    for (const char* s : {"0", "12", "80.19", "1.5"}) {
        decimal fast = decimal::from_raw(7), full{};
        const std::string_view v(s);
        ASSERT_TRUE(decimal::parse(v, full));
        const char* q = plain(v, v.size(), fast, '9');
        if (q != nullptr) EXPECT_EQ(fast, full) << s;
        else EXPECT_EQ(fast.raw(), 7) << s;
    }
}
