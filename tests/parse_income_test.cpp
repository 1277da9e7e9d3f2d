// GET /fapi/v1/income → the symbols a window traded or was paid on (the back-fill's second
// source of symbols): Binance's documented example, paging facts, malformed bodies refused.
#include <gtest/gtest.h>

#include "parse/income.hpp"
#include "support/payload.hpp"

using namespace acctsync;

TEST(parse_income, names_the_symbols_of_binance_documented_example) {
    parse::income_page page;
    const auto r = parse::parse_income_symbols(test::sample("usdm_income_01.json"), page);
    ASSERT_TRUE(r.ok()) << static_cast<int>(r.code);
    EXPECT_EQ(page.rows, 2u);
    ASSERT_EQ(page.symbols.size(), 1u) << "the TRANSFER row names no symbol";
    EXPECT_EQ(page.symbols[0].view(), "BTCUSDT");
    EXPECT_EQ(page.last_time_ms, 1570636800000);
}

TEST(parse_income, lists_each_symbol_once_in_first_seen_order) {
    parse::income_page page;
    const auto r = parse::parse_income_symbols(
        R"([{"symbol":"ETHUSDT","time":3},{"symbol":"BTCUSDT","time":5},{"symbol":"ETHUSDT","time":4,"extra":{"a":[1]}}])", page);
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(page.symbols.size(), 2u);
    EXPECT_EQ(page.symbols[0].view(), "ETHUSDT");
    EXPECT_EQ(page.symbols[1].view(), "BTCUSDT");
    EXPECT_EQ(page.last_time_ms, 5);
    EXPECT_EQ(page.rows, 3u);
}

TEST(parse_income, refuses_malformed_bodies_and_leaves_the_page_as_it_was) {
    for (const char* bad : {"", "{}", "[1]", R"([{"symbol":5}])", R"([{"time":"x"}])", R"([{"symbol":"BTCUSDT")",
                            R"([{"symbol":"AVERYLONGSYMBOLNAMETHATDOESNOTFITANYWHERE"}])"}) {
        parse::income_page page;
        page.rows = 77;
        EXPECT_FALSE(parse::parse_income_symbols(bad, page).ok()) << bad;
        EXPECT_EQ(page.rows, 77u) << bad;
    }
}
