// User data stream parser: every sample, field by field per event kind; tolerance where Binance
// varies; typed errors (with offset and field) and nothing published where it must be strict.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "core/account_book.hpp"
#include "parse/json/event_json.hpp"
#include "support/payload.hpp"
#include "parse/vector_sink.hpp"

using namespace acctsync;
using acctsync::test::parse_user;
using acctsync::test::sample;
using parse::parse_errc;

namespace {
std::string dec_s(decimal d) { return d.to_string(); }
} // namespace

TEST(UserStream, EveryUserDataSampleParses) {
    int n = 0;
    for (const auto& entry : std::filesystem::directory_iterator(test::data_dir() / "samples")) {
        const std::string name = entry.path().filename().string();
        const bool user = name.find("_update_") != std::string::npos || name.find("margin_call") != std::string::npos ||
                          name.find("listen_key") != std::string::npos || name.find("trade_lite") != std::string::npos;
        if (!user) continue;
        const auto r = parse_user(test::read_file(entry.path()), name.rfind("coinm", 0) == 0 ? market::coinm : market::usdm);
        EXPECT_TRUE(r.result.ok()) << name << ": " << parse::error_json(r.result);
        EXPECT_GT(r.events.size(), 0u) << name;
        EXPECT_EQ(r.commits, 1u) << name << ": one frame, one commit";
        ++n;
    }
    EXPECT_EQ(n, 25);
}

TEST(UserStream, AccountUpdateHedgeModeFieldByField) {
    const auto r = parse_user(sample("usdm_account_update_01.json"));
    ASSERT_TRUE(r.result.ok());
    ASSERT_EQ(r.events.size(), 4u);
    const auto& b = r.events[0];
    EXPECT_EQ(b.type(), event_type::balance_update);
    EXPECT_EQ(b.header.event_time_ms, 1564745798939);
    EXPECT_EQ(b.header.transaction_time_ms, 1564745798939);
    EXPECT_EQ(b.header.recv_time_ns, 42);
    EXPECT_EQ(b.header.item_index, 0);
    EXPECT_EQ(b.header.item_count, 4);
    EXPECT_EQ(b.payload.balance.asset.view(), "USDT");
    EXPECT_EQ(dec_s(b.payload.balance.wallet_balance), "122624.12345678");
    EXPECT_EQ(dec_s(b.payload.balance.cross_wallet_balance), "100.12345678");
    EXPECT_EQ(dec_s(b.payload.balance.balance_change), "50.12345678");
    EXPECT_EQ(b.payload.balance.reason, update_reason::order);
    EXPECT_EQ(b.payload.balance.source, event_source::stream);
    const auto& longp = r.events[2].payload.position;
    EXPECT_EQ(r.events[2].header.item_index, 2);
    EXPECT_EQ(longp.symbol.view(), "BTCUSDT");
    EXPECT_EQ(longp.side, position_side::long_side);
    EXPECT_EQ(dec_s(longp.amount), "20");
    EXPECT_EQ(dec_s(longp.entry_price), "6563.6");
    EXPECT_TRUE(longp.fields & position_update::f_break_even_price);
    EXPECT_EQ(longp.margin, margin_type::isolated);
    const auto& shortp = r.events[3].payload.position;
    EXPECT_EQ(shortp.side, position_side::short_side);
    EXPECT_EQ(dec_s(shortp.amount), "-10");
    EXPECT_EQ(dec_s(shortp.accumulated_realized), "-45.04");
    EXPECT_TRUE(r.events[3].header.last_in_update());
}

TEST(UserStream, AccountUpdateReasonAfterItemsAndMarginAssetAndNoBc) {
    // Real 2021 capture: T before E, "m" after B and P, "ma" on positions, no bc/bep.
    const auto r = parse_user(sample("usdm_account_update_06.json"));
    ASSERT_TRUE(r.result.ok());
    ASSERT_EQ(r.events.size(), 3u);
    EXPECT_EQ(r.events[0].payload.balance.reason, update_reason::order) << "m came last, applied to all items";
    EXPECT_EQ(r.events[2].payload.position.reason, update_reason::order);
    EXPECT_FALSE(r.events[0].payload.balance.fields & balance_update::f_balance_change);
    EXPECT_EQ(r.events[2].payload.position.margin_asset.view(), "USDT");
    EXPECT_EQ(dec_s(r.events[2].payload.position.amount), "2684");
    EXPECT_EQ(r.events[0].header.transaction_time_ms, 1617859763506);
    EXPECT_EQ(r.events[0].header.event_time_ms, 1617859763511);
}

TEST(UserStream, AccountUpdateWithoutPOrWithoutB) {
    const auto no_p = parse_user(sample("usdm_account_update_04.json"));
    ASSERT_TRUE(no_p.result.ok());
    EXPECT_EQ(no_p.events.size(), 2u);
    EXPECT_EQ(no_p.events[1].payload.balance.asset.view(), "BUSD");
    const auto no_b = parse_user(sample("usdm_account_update_05.json"));
    ASSERT_TRUE(no_b.result.ok());
    EXPECT_EQ(no_b.events.size(), 3u);
    EXPECT_EQ(no_b.events[0].type(), event_type::position_update);
    const auto nulls = parse_user(R"({"e":"ACCOUNT_UPDATE","E":2,"T":1,"a":{"m":"DEPOSIT","B":null,"P":null}})");
    ASSERT_TRUE(nulls.result.ok());
    EXPECT_EQ(nulls.events.size(), 0u) << "nothing changed: nothing to publish";
}

TEST(UserStream, CoinmAccountUpdateCarriesAlias) {
    const auto r = parse_user(sample("coinm_account_update_01.json"), market::coinm);
    ASSERT_TRUE(r.result.ok());
    ASSERT_EQ(r.events.size(), 5u);
    for (const auto& ev : r.events) {
        EXPECT_EQ(ev.header.venue, market::coinm);
        const auto& alias =
            ev.type() == event_type::balance_update ? ev.payload.balance.account_alias : ev.payload.position.account_alias;
        EXPECT_EQ(alias.view(), "SfsR");
    }
    EXPECT_EQ(r.events[0].payload.balance.asset.view(), "BTC");
    EXPECT_EQ(r.events[2].payload.position.symbol.view(), "BTCUSD_200925");
}

TEST(UserStream, OrderTradeUpdateFieldByField) {
    const auto r = parse_user(sample("usdm_order_trade_update_04.json"));
    ASSERT_TRUE(r.result.ok());
    ASSERT_EQ(r.events.size(), 1u);
    const auto& o = r.events[0].payload.order;
    EXPECT_EQ(r.events[0].type(), event_type::order_update);
    // Every member of the 2021-07 testnet capture, against its literal value.
    EXPECT_EQ(r.events[0].header.transaction_time_ms, 1625560320441);       // T
    EXPECT_EQ(r.events[0].header.event_time_ms, 1625560320443);             // E
    EXPECT_EQ(o.symbol.view(), "BTCUSDT");                                  // s
    EXPECT_EQ(o.client_order_id.view(), "LyfbomrL94skVnLNNCsoNr");          // c
    EXPECT_EQ(o.side, order_side::sell);                                    // S
    EXPECT_EQ(o.type, order_type::limit);                                   // o
    EXPECT_EQ(o.tif, time_in_force::gtc);                                   // f
    EXPECT_EQ(dec_s(o.orig_qty), "1");                                      // q
    EXPECT_EQ(dec_s(o.price), "30000");                                     // p
    EXPECT_EQ(dec_s(o.avg_price), "34704.74");                              // ap "34704.74000"
    EXPECT_EQ(dec_s(o.stop_price), "0");                                    // sp
    EXPECT_EQ(o.exec, execution_type::trade);                               // x
    EXPECT_EQ(o.status, order_status::filled);                              // X
    EXPECT_EQ(o.order_id, 2732542295);                                      // i
    EXPECT_EQ(dec_s(o.last_qty), "1");                                      // l
    EXPECT_EQ(dec_s(o.cum_qty), "1");                                       // z
    EXPECT_EQ(dec_s(o.last_price), "34704.74");                             // L
    EXPECT_EQ(dec_s(o.commission), "13.881896");                            // n "13.88189600"
    EXPECT_TRUE(o.flags & order_update::has_commission);
    EXPECT_EQ(o.commission_asset.view(), "USDT");                           // N
    EXPECT_EQ(o.trade_time_ms, 1625560320441);                              // o.T
    EXPECT_EQ(o.trade_id, 185523342);                                       // t
    EXPECT_EQ(dec_s(o.bid_notional), "0");                                  // b
    EXPECT_EQ(dec_s(o.ask_notional), "0");                                  // a
    EXPECT_FALSE(o.flags & order_update::is_maker);                         // m false
    EXPECT_FALSE(o.flags & order_update::reduce_only);                      // R false
    EXPECT_EQ(o.working, working_type::contract_price);                     // wt
    EXPECT_EQ(o.orig_type, order_type::limit);                              // ot
    EXPECT_EQ(o.pos_side, position_side::both);                             // ps
    EXPECT_FALSE(o.flags & order_update::close_all);                        // cp false
    EXPECT_EQ(dec_s(o.realized_profit), "0");                               // rp
    EXPECT_FALSE(o.flags & order_update::price_protect);                    // pP false
    // si and ss (both 0 here) are not kept. Members a 2021 capture does not have stay empty:
    EXPECT_EQ(dec_s(o.activation_price), "0");                              // AP
    EXPECT_EQ(dec_s(o.callback_rate), "0");                                 // cr
    EXPECT_EQ(o.stp, stp_mode::unknown);                                    // V
    EXPECT_EQ(o.match, price_match::unknown);                               // pm
    EXPECT_EQ(o.gtd_ms, 0);                                                 // gtd
    EXPECT_EQ(o.expiry_reason, 0);                                          // er
    EXPECT_EQ(o.modify_id, 0);                                              // M
    EXPECT_TRUE(o.margin_asset.empty());                                    // ma
    EXPECT_TRUE(o.account_alias.empty());                                   // i (COIN-M)
}

TEST(UserStream, OrderTradeUpdateInEnvelopeWithNulls) {
    const auto r = parse_user(sample("usdm_order_trade_update_02.json"));
    ASSERT_TRUE(r.result.ok()) << parse::error_json(r.result);
    const auto& o = r.events[0].payload.order;
    EXPECT_EQ(o.client_order_id.view(), "autoclose-1234567890123456");
    EXPECT_EQ(o.exec, execution_type::calculated);
    EXPECT_EQ(o.stop_price, decimal{}) << "null is absent";
    EXPECT_EQ(o.stp, stp_mode::unknown);
    EXPECT_EQ(dec_s(o.realized_profit), "-100");
    EXPECT_EQ(o.pos_side, position_side::long_side);
    EXPECT_EQ(dec_s(o.commission), "5");
}

TEST(UserStream, OrderTradeUpdateNewFieldsAndCoinm) {
    const auto r = parse_user(sample("usdm_order_trade_update_03.json"));
    ASSERT_TRUE(r.result.ok());
    const auto& o = r.events[0].payload.order;
    EXPECT_EQ(o.type, order_type::trailing_stop_market);
    EXPECT_EQ(dec_s(o.activation_price), "7476.89");
    EXPECT_EQ(dec_s(o.callback_rate), "5");
    const auto c = parse_user(sample("coinm_order_trade_update_01.json"), market::coinm);
    ASSERT_TRUE(c.result.ok());
    EXPECT_EQ(c.events[0].payload.order.margin_asset.view(), "BTC");
    EXPECT_EQ(c.events[0].payload.order.account_alias.view(), "SfsR");
    EXPECT_EQ(c.events[0].payload.order.trade_time_ms, 1591274595442);
    const auto full = parse_user(
        R"({"e":"ORDER_TRADE_UPDATE","E":1,"T":1,"o":{"s":"BTCUSDT","c":"x","S":"BUY","o":"LIMIT","f":"GTD","q":"1","p":"2","ap":"0","sp":"0","x":"AMENDMENT","X":"NEW","i":482255808281,"l":"0","z":"0","L":"0","T":1,"t":0,"b":"2","a":"0","m":false,"R":true,"wt":"MARK_PRICE","ot":"LIMIT","ps":"BOTH","cp":false,"pP":true,"si":0,"ss":0,"rp":"0","V":"EXPIRE_BOTH","pm":"QUEUE_5","gtd":1700000000000,"er":"6","M":"123"}})");
    ASSERT_TRUE(full.result.ok()) << parse::error_json(full.result);
    const auto& f = full.events[0].payload.order;
    EXPECT_EQ(f.tif, time_in_force::gtd);
    EXPECT_EQ(f.exec, execution_type::amendment);
    EXPECT_EQ(f.stp, stp_mode::expire_both);
    EXPECT_EQ(f.match, price_match::queue_5);
    EXPECT_EQ(f.gtd_ms, 1700000000000);
    EXPECT_EQ(f.expiry_reason, 6);
    EXPECT_EQ(f.modify_id, 123);
    EXPECT_TRUE(f.flags & order_update::reduce_only);
    EXPECT_TRUE(f.flags & order_update::price_protect);
    EXPECT_FALSE(f.flags & order_update::has_commission) << "no N/n on this NEW";
}

TEST(UserStream, TradeLiteKeepsIdsAbove2To53AndToleratesTrailingSpaces) {
    const auto r = parse_user(sample("usdm_trade_lite_01.json"));
    ASSERT_TRUE(r.result.ok());
    const auto& t = r.events[0].payload.trade;
    // Every member of the live capture, against its literal value.
    EXPECT_EQ(r.events[0].type(), event_type::trade_lite);            // e
    EXPECT_EQ(r.events[0].header.event_time_ms, 1727683915920);       // E
    EXPECT_EQ(r.events[0].header.transaction_time_ms, 1727683915920); // T
    EXPECT_EQ(t.symbol.view(), "ETHUSDT");                            // s
    EXPECT_EQ(dec_s(t.orig_qty), "0.037");                            // q
    EXPECT_EQ(dec_s(t.price), "2631.9");                              // p "2631.90"
    EXPECT_FALSE(t.is_maker);                                         // m
    EXPECT_EQ(t.client_order_id.view(), "O-20240930-081155-001-000-29"); // c
    EXPECT_EQ(t.side, order_side::buy);                               // S
    EXPECT_EQ(dec_s(t.last_price), "2631.9");                         // L "2631.90"
    EXPECT_EQ(dec_s(t.last_qty), "0.037");                            // l
    EXPECT_EQ(t.trade_id, 4467432841);                                // t
    EXPECT_EQ(t.order_id, 8389765739703625592);                       // i, above 2^53
    const auto r2 = parse_user(sample("usdm_trade_lite_02.json"));
    ASSERT_TRUE(r2.result.ok());
    EXPECT_EQ(r2.events[0].header.transaction_time_ms, 1721895408214) << "T > E is normal for TRADE_LITE";
    EXPECT_EQ(r2.events[0].payload.trade.trade_id, 109100866);
}

TEST(UserStream, AlgoUpdateInEnvelope) {
    const auto r = parse_user(sample("usdm_algo_update_01.json"));
    ASSERT_TRUE(r.result.ok());
    const auto& a = r.events[0].payload.algo;
    EXPECT_EQ(a.algo_id, 1000000033225453);
    EXPECT_EQ(a.client_algo_id.view(), "O-20251211-053131-TEST-000-1");
    EXPECT_EQ(a.order_id.view(), "88937381063") << "ai is a string";
    EXPECT_EQ(a.status, algo_status::triggered);
    EXPECT_EQ(a.order_kind, order_type::stop_market);
    EXPECT_EQ(a.actual_type, order_type::market);
    EXPECT_EQ(dec_s(a.trigger_price), "0.13855");
    EXPECT_EQ(a.trigger_time_ms, 1765431097019);
    const auto rej = parse_user(
        R"({"e":"ALGO_UPDATE","T":1,"E":2,"o":{"caid":"c","aid":2148719,"at":"CONDITIONAL","o":"TAKE_PROFIT","s":"BNBUSDT","S":"SELL","ps":"BOTH","f":"GTC","q":"0.01","X":"CANCELED","ai":"","ap":"0.00000","aq":"0.00000","act":"0","tp":"750","p":"750","V":"EXPIRE_MAKER","wt":"CONTRACT_PRICE","pm":"NONE","cp":false,"pP":false,"R":false,"tt":0,"gtd":0,"rm":"Reduce Only reject","ia":true}})");
    ASSERT_TRUE(rej.result.ok());
    EXPECT_EQ(rej.events[0].payload.algo.reject_reason.view(), "Reduce Only reject");
    EXPECT_EQ(rej.events[0].payload.algo.actual_type, order_type::other) << "act \"0\" is an unknown spelling";
}

TEST(UserStream, MarginCallUpperCaseCrossedAndMissingIw) {
    const auto r = parse_user(sample("coinm_margin_call_02.json"), market::coinm);
    ASSERT_TRUE(r.result.ok());
    const auto& m = r.events[0].payload.margin;
    EXPECT_EQ(m.margin, margin_type::cross) << "\"CROSSED\" here, \"cross\" elsewhere";
    EXPECT_FALSE(m.fields & margin_call::f_isolated_wallet);
    EXPECT_EQ(dec_s(m.cross_wallet_balance), "3.16812045");
    EXPECT_EQ(m.account_alias.view(), "SfsR");
    EXPECT_EQ(r.events[0].header.transaction_time_ms, 0) << "MARGIN_CALL has no T";
    const auto two = parse_user(
        R"({"e":"MARGIN_CALL","E":1,"p":[{"s":"A","ps":"LONG","pa":"1","mt":"ISOLATED","iw":"2","mp":"3","up":"4","mm":"5"},{"s":"B","ps":"SHORT","pa":"-1","mt":"CROSSED","iw":"0","mp":"3","up":"4","mm":"5"}],"cw":"9"})");
    ASSERT_TRUE(two.result.ok());
    ASSERT_EQ(two.events.size(), 2u);
    EXPECT_EQ(two.events[0].payload.margin.margin, margin_type::isolated);
    EXPECT_EQ(dec_s(two.events[1].payload.margin.cross_wallet_balance), "9") << "cw after p still applies";
    EXPECT_EQ(two.events[1].header.item_count, 2);
}

TEST(UserStream, ListenKeyExpiredWithNumericOrStringE) {
    const auto legacy = parse_user(sample("usdm_listen_key_expired_01.json"));
    ASSERT_TRUE(legacy.result.ok());
    EXPECT_EQ(legacy.events[0].payload.status.kind, stream_status_kind::listen_key_expired);
    EXPECT_EQ(legacy.events[0].header.event_time_ms, 1576653824250);
    const auto current = parse_user(
        R"({"e":"listenKeyExpired","E":"1736996475556","listenKey":"WsCMN0a4KHUPTQuX6IUnqEZfB1inxmv1qR4kbf1LuEjur5VdbzqvyxqG9TSjVVxv"})");
    ASSERT_TRUE(current.result.ok());
    EXPECT_EQ(current.events[0].header.event_time_ms, 1736996475556);
    EXPECT_EQ(current.events[0].payload.status.listen_key.view(),
              "WsCMN0a4KHUPTQuX6IUnqEZfB1inxmv1qR4kbf1LuEjur5VdbzqvyxqG9TSjVVxv");
}

TEST(UserStream, AccountConfigUpdateLeverageAndMultiAssets) {
    const auto lev = parse_user(sample("usdm_account_config_update_02.json"));
    ASSERT_TRUE(lev.result.ok());
    EXPECT_EQ(lev.events[0].type(), event_type::leverage_update);
    EXPECT_EQ(lev.events[0].payload.leverage.leverage, 19u);
    EXPECT_EQ(lev.events[0].payload.leverage.symbol.view(), "BTCUSDT");
    const auto ma = parse_user(sample("usdm_account_config_update_03.json"));
    ASSERT_TRUE(ma.result.ok());
    EXPECT_EQ(ma.events[0].type(), event_type::account_config_update);
    EXPECT_FALSE(ma.events[0].payload.account_config.multi_assets);
    EXPECT_TRUE(ma.events[0].payload.account_config.fields & account_config_update::f_multi_assets);
}

TEST(UserStream, AnyFieldOrderIncludingELast) {
    const std::string a = R"({"e":"ACCOUNT_UPDATE","E":5,"T":4,"a":{"m":"FUNDING_FEE","B":[{"a":"USDT","wb":"1","cw":"1","bc":"-0.1"}],"P":[]}})";
    const std::string b = R"({"a":{"P":[],"B":[{"bc":"-0.1","cw":"1","wb":"1","a":"USDT"}],"m":"FUNDING_FEE"},"T":4,"E":5,"e":"ACCOUNT_UPDATE"})";
    const auto ra = parse_user(a), rb = parse_user(b);
    ASSERT_TRUE(ra.result.ok());
    ASSERT_TRUE(rb.result.ok()) << parse::error_json(rb.result);
    ASSERT_EQ(ra.events.size(), 1u);
    ASSERT_EQ(rb.events.size(), 1u);
    EXPECT_EQ(parse::event_json(ra.events[0]), parse::event_json(rb.events[0]));
}

TEST(UserStream, UnknownFieldsAreSkippedAndUnknownEventsSurfaced) {
    const auto r = parse_user(
        R"({"e":"ACCOUNT_UPDATE","E":1,"T":1,"zz":{"deep":[1,{"x":null}]},"a":{"m":"NEW_REASON","B":[{"a":"USDT","wb":"1","new":"x"}],"P":[]}})");
    ASSERT_TRUE(r.result.ok());
    EXPECT_EQ(r.events[0].payload.balance.reason, update_reason::other) << "open enum";
    const auto u = parse_user(R"({"e":"SOMETHING_NEW","E":7,"x":[1,2]})");
    ASSERT_TRUE(u.result.ok()) << "an unknown event is not an error";
    ASSERT_EQ(u.events.size(), 1u);
    EXPECT_EQ(u.events[0].payload.status.kind, stream_status_kind::unknown_event);
    EXPECT_EQ(u.events[0].payload.status.detail.view(), "SOMETHING_NEW");
    for (const char* e : {"STRATEGY_UPDATE", "GRID_UPDATE", "CONDITIONAL_ORDER_TRIGGER_REJECT"}) {
        const auto g = parse_user(std::string(R"({"e":")") + e + R"(","E":1,"T":2,"su":{"si":1,"c":8007}})");
        ASSERT_TRUE(g.result.ok()) << e;
        EXPECT_EQ(g.events[0].payload.status.kind, stream_status_kind::ignored_event) << e;
    }
}

TEST(UserStream, ParserCountsWhatItSaw) {
    parse::user_stream_parser p;
    parse::vector_sink sink;
    for (const char* f : {R"({"e":"GRID_UPDATE","E":1})", R"({"e":"NOPE","E":1})", R"({"e":"NOPE2","E":1})", "{"}) {
        test::padded in(f);
        (void)p.parse(in.data(), in.size, {}, sink.sink());
    }
    EXPECT_EQ(p.counters().frames, 4u);
    EXPECT_EQ(p.counters().ignored_events, 1u);
    EXPECT_EQ(p.counters().unknown_events, 2u);
    EXPECT_EQ(p.counters().errors, 1u);
    EXPECT_EQ(p.counters().events, 3u);
}

struct bad_frame {
    const char* name;
    std::string json;
    parse_errc code;
    const char* field;
};

TEST(UserStream, MalformedFramesAreTypedErrorsAndPublishNothing) {
    const std::string sym40(40, 'X');
    const std::vector<bad_frame> cases = {
        {"empty", "", parse_errc::invalid_json, ""},
        {"whitespace", "   ", parse_errc::invalid_json, ""},
        {"array", "[1,2]", parse_errc::not_an_object, ""},
        {"missing comma", R"({"e":"ACCOUNT_UPDATE" "E":1,"a":{}})", parse_errc::invalid_json, ""},
        {"doubled comma", R"({"e":"ACCOUNT_UPDATE",,"E":1,"a":{}})", parse_errc::invalid_json, ""},
        {"doubled comma in item", R"({"e":"ACCOUNT_UPDATE","E":1,"a":{"B":[{"a":"USDT",,"wb":"1"}]}})", parse_errc::invalid_json, ""},
        {"missing comma in skipped field", R"({"e":"ACCOUNT_UPDATE","E":1,"zz":{"x":1 "y":2},"a":{}})", parse_errc::invalid_json, ""},
        {"comment", "{\"e\":\"ACCOUNT_UPDATE\", // event\n\"E\":1,\"a\":{}}", parse_errc::invalid_json, ""},
        {"truncated", R"({"e":"ACCOUNT_UPDATE","E":1,"a":{"B":[{"a":"USDT","wb":"1)", parse_errc::truncated, ""},
        {"trailing", R"({"e":"GRID_UPDATE","E":1} {})", parse_errc::trailing_content, ""},
        {"no e", R"({"E":1,"a":{}})", parse_errc::missing_field, "e"},
        {"no a", R"({"e":"ACCOUNT_UPDATE","E":1})", parse_errc::missing_field, "a"},
        {"no asset", R"({"e":"ACCOUNT_UPDATE","E":1,"a":{"B":[{"wb":"1"}]}})", parse_errc::missing_field, "a.B[].a"},
        {"wb object", R"({"e":"ACCOUNT_UPDATE","E":1,"a":{"B":[{"a":"USDT","wb":{}}]}})", parse_errc::wrong_type, "a.B[].wb"},
        {"wb bool", R"({"e":"ACCOUNT_UPDATE","E":1,"a":{"B":[{"a":"USDT","wb":true}]}})", parse_errc::wrong_type, "a.B[].wb"},
        {"inexact", R"({"e":"ACCOUNT_UPDATE","E":1,"a":{"B":[{"a":"USDT","wb":"0.000000001"}]}})", parse_errc::bad_decimal, "a.B[].wb"},
        {"decimal junk", R"({"e":"ACCOUNT_UPDATE","E":1,"a":{"B":[{"a":"USDT","wb":"1e5"}]}})", parse_errc::bad_decimal, "a.B[].wb"},
        {"long symbol", R"({"e":"ACCOUNT_UPDATE","E":1,"a":{"P":[{"s":")" + sym40 + R"(","pa":"1"}]}})", parse_errc::string_too_long, "a.P[].s"},
        {"bad side", R"({"e":"ACCOUNT_UPDATE","E":1,"a":{"P":[{"s":"X","ps":"UP"}]}})", parse_errc::unexpected_shape, "a.P[].ps"},
        {"E float", R"({"e":"GRID_UPDATE","E":1.5})", parse_errc::bad_integer, "E"},
        {"E overflow", R"({"e":"GRID_UPDATE","E":99999999999999999999})", parse_errc::bad_integer, "E"},
        {"E object", R"({"e":"GRID_UPDATE","E":{}})", parse_errc::wrong_type, "E"},
        {"bad literal", R"({"e":"GRID_UPDATE","E":1,"x":tru})", parse_errc::invalid_json, ""},
        {"e not string", R"({"e":5,"E":1})", parse_errc::wrong_type, "e"},
        {"order without id", R"({"e":"ORDER_TRADE_UPDATE","E":1,"o":{"s":"X"}})", parse_errc::missing_field, "o.i"},
        {"envelope without data", R"({"stream":"x"})", parse_errc::missing_field, "data"},
        {"envelope data not object", R"({"stream":"x","data":[1]})", parse_errc::wrong_type, "data"},
        {"unclosed string", R"({"e":"GRID_UPDATE","E":1,"x":"abc)", parse_errc::truncated, ""},
    };
    for (const auto& c : cases) {
        const auto r = parse_user(c.json);
        EXPECT_EQ(r.result.code, c.code) << c.name << " -> " << parse::error_json(r.result);
        if (std::string_view(c.field).size()) {
            EXPECT_EQ(r.result.field, c.field) << c.name;
        }
        EXPECT_EQ(r.events.size(), 0u) << c.name;
        EXPECT_EQ(r.commits, 0u) << c.name;
        EXPECT_LE(r.result.offset, c.json.size()) << c.name;
    }
}

TEST(UserStream, ErrorOffsetPointsAtTheBadValue) {
    const std::string json = R"({"e":"ACCOUNT_UPDATE","E":1,"a":{"B":[{"a":"USDT","wb":"12.0000000001"}]}})";
    const auto r = parse_user(json);
    ASSERT_EQ(r.result.code, parse_errc::bad_decimal);
    EXPECT_EQ(r.result.decimal, decimal_errc::inexact);
    EXPECT_EQ(json[r.result.offset], '1');
    EXPECT_EQ(r.result.offset, json.find("12.0000000001") + 12);
}

TEST(UserStream, EveryTruncationOfEverySampleIsRejectedWhole) {
    for (const char* name : {"usdm_account_update_01.json", "usdm_order_trade_update_01.json", "usdm_trade_lite_01.json",
                             "usdm_algo_update_01.json", "coinm_margin_call_01.json"}) {
        const std::string s = sample(name);
        const std::size_t end = s.find_last_of('}');
        for (std::size_t n = 0; n < end; ++n) {
            const auto r = parse_user(s.substr(0, n));
            ASSERT_FALSE(r.result.ok()) << name << " cut at " << n;
            ASSERT_EQ(r.events.size(), 0u) << name << " cut at " << n;
        }
    }
}

TEST(UserStream, LargeAccountUpdateIsPublishedWholeInSeveralBatches) {
    std::string json = R"({"e":"ACCOUNT_UPDATE","E":9,"T":8,"i":"SfsR","a":{"B":[{"a":"BTC","wb":"1","cw":"1","bc":"0"}],"P":[)";
    for (int i = 0; i < 300; ++i) {
        if (i) json += ',';
        json += R"({"s":"SYM)" + std::to_string(i) + R"(","pa":")" + std::to_string(i) + R"(","ep":"1","cr":"0","up":"0","mt":"cross","iw":"0","ps":"BOTH"})";
    }
    json += R"(],"m":"ORDER"}})";
    const auto r = parse_user(json, market::coinm, /*max_batch=*/64);
    ASSERT_TRUE(r.result.ok()) << parse::error_json(r.result);
    ASSERT_EQ(r.events.size(), 301u);
    EXPECT_EQ(r.commits, 5u) << "64+64+64+64+45";
    for (std::size_t i = 0; i < r.events.size(); ++i) {
        ASSERT_EQ(r.events[i].header.item_index, i);
        ASSERT_EQ(r.events[i].header.item_count, 301);
        ASSERT_EQ(r.events[i].header.transaction_time_ms, 8);
    }
    EXPECT_EQ(r.events[0].payload.balance.account_alias.view(), "SfsR") << "alias known before the first batch";
    EXPECT_EQ(r.events[300].payload.position.reason, update_reason::order) << "reason from after the items";
    EXPECT_EQ(r.events[300].payload.position.symbol.view(), "SYM299");
    // The book sees one logical update: inconsistent until the last item.
    account_book book;
    for (std::size_t i = 0; i + 1 < r.events.size(); ++i) {
        (void)book.apply(r.events[i]);
        ASSERT_FALSE(book.consistent());
    }
    (void)book.apply(r.events.back());
    EXPECT_TRUE(book.consistent());

    // The same frame with an error at its very end publishes nothing at all.
    const std::size_t at = json.rfind("\"ORDER\"");
    const std::string broken = json.substr(0, at) + "\"ORDER\",," + json.substr(at + 7);
    const auto b = parse_user(broken, market::coinm, 64);
    EXPECT_EQ(b.result.code, parse_errc::invalid_json);
    EXPECT_EQ(b.events.size(), 0u);
    EXPECT_EQ(b.commits, 0u);
}

TEST(UserStream, FullSinkPublishesNothingAndTheFrameCanBeRetried) {
    const std::string s = sample("usdm_account_update_01.json"); // 4 events
    const auto full = parse_user(s, market::usdm, 256, /*sink_limit=*/3);
    EXPECT_EQ(full.result.code, parse_errc::sink_full);
    EXPECT_EQ(full.events.size(), 0u);
    const auto retry = parse_user(s, market::usdm, 256, 4);
    EXPECT_TRUE(retry.result.ok());
    EXPECT_EQ(retry.events.size(), 4u);
    // A split update checks the sink can take all of it before publishing anything.
    std::string big = R"({"e":"ACCOUNT_UPDATE","E":1,"T":1,"a":{"B":[)";
    for (int i = 0; i < 10; ++i) {
        if (i) big += ',';
        big += R"({"a":"A)";
        big += std::to_string(i);
        big += R"(","wb":"1"})";
    }
    big += "]}}";
    const auto split_full = parse_user(big, market::usdm, 4, 9);
    EXPECT_EQ(split_full.result.code, parse_errc::sink_full);
    EXPECT_EQ(split_full.events.size(), 0u);
}

TEST(UserStream, OversizedFrameIsRejected) {
    parse::user_stream_parser p({256, 16});
    std::string big = R"({"e":"GRID_UPDATE","E":1,"pad":")" + std::string(400, 'x') + "\"}";
    test::padded in(big);
    parse::vector_sink sink;
    const auto r = p.parse(in.data(), in.size, {}, sink.sink());
    EXPECT_EQ(r.code, parse_errc::oversized);
    EXPECT_TRUE(sink.events.empty());
}

TEST(UserStream, WritesStraightIntoRingSlots) {
    spsc_ring<event> ring(64);
    parse::user_stream_parser p;
    test::padded in(sample("usdm_account_update_03.json"));
    const auto r = p.parse(in.data(), in.size, {market::usdm, 3, 99}, parse::event_sink::of(ring));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.published, 5u);
    std::vector<event> got;
    ring.drain([&](const event& e) { got.push_back(e); });
    ASSERT_EQ(got.size(), 5u);
    EXPECT_EQ(got[0].header.account, 3);
    EXPECT_EQ(got[0].header.recv_time_ns, 99);
    EXPECT_EQ(got[1].payload.balance.asset.view(), "BNB");
}

// Every JSON example in the seed documents: those Python's strict json accepts parse here with
// their kind; the others (comments, missing/doubled commas, «» quotes) are rejected whole.
TEST(SeedDocuments, EveryJsonExampleIsParsedOrRejectedAsPythonJudges) {
    std::ifstream manifest(test::data_dir() / "seeds" / "MANIFEST.tsv");
    std::string line;
    int valid = 0, invalid = 0;
    while (std::getline(manifest, line)) {
        if (line.empty() || line[0] == '#') continue;
        std::istringstream ls(line);
        std::string file, verdict, kind;
        ls >> file >> verdict >> kind;
        const std::string json = test::read_file(test::data_dir() / "seeds" / file);
        test::parsed r;
        if (kind == "user") r = parse_user(json);
        else if (kind == "wsapi") r = test::parse_snapshot(json, snapshot_kind::account_v2, true);
        else if (kind == "account-v2") r = test::parse_snapshot(json, snapshot_kind::account_v2);
        else r = parse_user(json); // a WS-API request: valid JSON but not a user event
        if (verdict == "valid") {
            ++valid;
            if (kind == "user") EXPECT_TRUE(r.result.ok()) << file << ": " << parse::error_json(r.result);
            else EXPECT_TRUE(r.result.ok() || r.result.code == parse_errc::missing_field) << file << ": " << parse::error_json(r.result);
        } else {
            ++invalid;
            EXPECT_TRUE(r.result.code == parse_errc::invalid_json || r.result.code == parse_errc::truncated)
                << file << ": " << parse::error_json(r.result);
            EXPECT_TRUE(r.events.empty()) << file;
        }
    }
    EXPECT_EQ(valid, 4);
    EXPECT_EQ(invalid, 11);
}
