// The book's canonical JSON: sorted, shortest decimals, escaped strings, stable across
// insertion order (the simulator's truth is compared with it).
#include <gtest/gtest.h>

#include "core/account_book.hpp"
#include "core/event_builders.hpp"
#include "parse/json/book_json.hpp"

using namespace acctsync;

TEST(BookJson, IsCanonicalWhateverTheInsertionOrder) {
    account_book a, b;
    event e1, e2, e3;
    make_balance(e1, market::usdm, "USDT", dec("10.50000000"), dec("10.5"), decimal{}, {2, 1, 0});
    make_balance(e2, market::usdm, "BNB", dec("0.1"), dec("0"), decimal{}, {2, 1, 0});
    position_values v{};
    v.amount = dec("-0.25");
    v.entry_price = dec("3000");
    make_position(e3, market::usdm, "ETHUSDT", position_side::short_side, v, {2, 1, 0});
    for (auto* e : {&e1, &e2, &e3}) (void)a.apply(*e);
    for (auto* e : {&e3, &e2, &e1}) (void)b.apply(*e);
    EXPECT_EQ(parse::book_json(a), parse::book_json(b));
    EXPECT_EQ(parse::book_json(a),
              R"({"balances":[{"asset":"BNB","wallet_balance":"0.1","cross_wallet_balance":"0"},)"
              R"({"asset":"USDT","wallet_balance":"10.5","cross_wallet_balance":"10.5"}],)"
              R"("positions":[{"symbol":"ETHUSDT","side":"SHORT","amount":"-0.25","entry_price":"3000",)"
              R"("break_even_price":"0","unrealized_pnl":"0","margin_type":"cross","isolated_wallet":"0"}],)"
              R"("symbols":[],"account":{"multi_assets":null,"dual_side_position":null}})");
}

TEST(BookJson, EscapesStringsAndKeepsUtf8) {
    std::string out;
    parse::append_json_string(out, "a\"b\\c\n\x01币");
    EXPECT_EQ(out, "\"a\\\"b\\\\c\\n\\u0001币\"");
}

TEST(BookJson, SkipZeroLeavesOutFlatEntries) {
    account_book a;
    event e;
    (void)a.apply(make_balance(e, market::usdm, "BNB", dec("0"), dec("0"), decimal{}, {2, 1, 0}));
    parse::book_json_options o;
    o.skip_zero = true;
    EXPECT_EQ(parse::book_json(a, o).find("BNB"), std::string::npos);
    EXPECT_NE(parse::book_json(a).find("BNB"), std::string::npos);
}
