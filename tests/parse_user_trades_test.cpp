// GET /fapi/v1/userTrades → missed_fill events: Binance's documented example, COIN-M's field
// names, and every malformed body refused whole.
#include <gtest/gtest.h>

#include "parse/event_sink.hpp"
#include "parse/vector_sink.hpp"
#include "core/event_builders.hpp"
#include "parse/user_trades.hpp"
#include "support/payload.hpp"

using namespace acctsync;

TEST(parse_user_trades, reads_binance_documented_example) {
    const std::string body = test::sample("usdm_user_trades_01.json");
    parse::vector_sink sink;
    const auto r = parse::parse_user_trades(body, market::usdm, 42, sink.sink());
    ASSERT_TRUE(r.ok()) << static_cast<int>(r.code);
    ASSERT_EQ(sink.events.size(), 1u);
    EXPECT_EQ(r.published, 1u);
    const event& ev = sink.events[0];
    EXPECT_EQ(ev.header.type, event_type::missed_fill);
    EXPECT_EQ(ev.header.transaction_time_ms, 1569514978020);
    EXPECT_EQ(ev.header.recv_time_ns, 42);
    const auto& f = ev.payload.fill;
    EXPECT_EQ(f.symbol.view(), "BTCUSDT");
    EXPECT_EQ(f.trade_id, 698759);
    EXPECT_EQ(f.order_id, 25851813);
    EXPECT_EQ(f.price, dec("7819.01"));
    EXPECT_EQ(f.qty, dec("0.002"));
    EXPECT_EQ(f.quote_qty, dec("15.63802"));
    EXPECT_EQ(f.realized_pnl, dec("-0.91539999"));
    EXPECT_EQ(f.commission, dec("-0.07819010"));
    EXPECT_EQ(f.commission_asset.view(), "USDT");
    EXPECT_EQ(f.side, order_side::sell);
    EXPECT_EQ(f.pos_side, position_side::short_side);
    EXPECT_FALSE(f.buyer);
    EXPECT_FALSE(f.maker);
}

TEST(parse_user_trades, reads_coinm_base_qty_and_skips_unknown_members) {
    const std::string body = R"([{"symbol":"BTCUSD_200626","id":6,"orderId":28,"pair":"BTCUSD","side":"SELL","price":"8800",
        "qty":"1","realizedPnl":"0","marginAsset":"BTC","baseQty":"0.01136364","commission":"0.00000454",
        "commissionAsset":"BTC","time":1590743483586,"positionSide":"BOTH","buyer":false,"maker":false},
        {"symbol":"BTCUSD_200626","id":7,"orderId":29,"side":"BUY","price":"8801","qty":"2","time":1590743483600,"buyer":true,"maker":true}])";
    parse::vector_sink sink;
    ASSERT_TRUE(parse::parse_user_trades(body, market::coinm, 0, sink.sink()).ok());
    ASSERT_EQ(sink.events.size(), 2u);
    EXPECT_EQ(sink.events[0].payload.fill.quote_qty, dec("0.01136364"));
    EXPECT_EQ(sink.events[1].payload.fill.side, order_side::buy);
    EXPECT_TRUE(sink.events[1].payload.fill.maker);
}

TEST(parse_user_trades, an_empty_list_publishes_nothing) {
    parse::vector_sink sink;
    const auto r = parse::parse_user_trades("[]", market::usdm, 0, sink.sink());
    EXPECT_TRUE(r.ok());
    EXPECT_TRUE(sink.events.empty());
}

TEST(parse_user_trades, refuses_malformed_bodies_whole) {
    const std::pair<const char*, parse::parse_errc> cases[] = {
        {R"({"code":-1102,"msg":"Mandatory parameter 'symbol' was not sent"})", parse::parse_errc::unexpected_shape},
        {R"([{"symbol":"BTCUSDT","id":1,"orderId":2,"time":3},{"symbol":"BTCUSDT","orderId":2,"time":3}])",
         parse::parse_errc::missing_field},
        {R"([{"symbol":"BTCUSDT","id":1,"orderId":2,"time":3,"price":"1.0.0"}])", parse::parse_errc::bad_decimal},
        {R"([{"symbol":"BTCUSDT","id":"1","orderId":2,"time":3}])", parse::parse_errc::bad_integer},
        {R"([{"symbol":"BTCUSDT","id":1,,"orderId":2,"time":3}])", parse::parse_errc::invalid_json},
        {R"([1])", parse::parse_errc::not_an_object},
    };
    for (const auto& [body, code] : cases) {
        parse::vector_sink sink;
        const auto r = parse::parse_user_trades(body, market::usdm, 0, sink.sink());
        EXPECT_EQ(r.code, code) << body;
        EXPECT_TRUE(sink.events.empty()) << "nothing of a refused body is published: " << body;
    }
}
