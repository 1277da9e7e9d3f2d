// Snapshot parser: every REST and WS-API sample, field checks per response kind, error bodies,
// and a snapshot plus stream deltas from the samples applied to one book.
#include <gtest/gtest.h>

#include "core/account_book.hpp"
#include "tools/sim/binance_writer.hpp"
#include "parse/json/book_json.hpp"
#include "parse/json/event_json.hpp"
#include "support/payload.hpp"

using namespace acctsync;
using acctsync::test::parse_snapshot;
using acctsync::test::sample;
using parse::parse_errc;

namespace {

const event* find_row(const std::vector<event>& evs, event_type t, std::string_view key, position_side side = position_side::unknown) {
    for (const auto& e : evs) {
        if (e.type() != t) continue;
        if (t == event_type::balance_update && e.payload.balance.asset == key) return &e;
        if (t == event_type::position_update && e.payload.position.symbol == key &&
            (side == position_side::unknown || e.payload.position.side == side))
            return &e;
        if (t == event_type::leverage_update && e.payload.leverage.symbol == key) return &e;
        if (t == event_type::account_config_update) return &e;
    }
    return nullptr;
}

void expect_bracketed(const test::parsed& r, std::uint8_t scope, const char* what) {
    ASSERT_TRUE(r.result.ok()) << what << ": " << parse::error_json(r.result);
    ASSERT_GE(r.events.size(), 2u) << what;
    const auto& b = r.events.front();
    const auto& e = r.events.back();
    EXPECT_EQ(b.type(), event_type::snapshot_begin) << what;
    EXPECT_EQ(b.payload.snapshot.snapshot_id, 77u);
    EXPECT_EQ(b.payload.snapshot.as_of_ms, 1'700'000'000'000);
    EXPECT_EQ(b.payload.snapshot.request_sent_ns, 5);
    EXPECT_EQ(b.payload.snapshot.scope, scope) << what;
    EXPECT_EQ(e.type(), event_type::snapshot_end) << what;
    EXPECT_TRUE(e.payload.snapshot.complete);
    EXPECT_EQ(e.payload.snapshot.row_count, r.events.size() - 2) << what;
    for (std::size_t i = 0; i < r.events.size(); ++i) {
        EXPECT_EQ(r.events[i].header.item_index, i);
        EXPECT_EQ(r.events[i].header.item_count, r.events.size());
        if (i > 0 && i + 1 < r.events.size()) {
            const auto t = r.events[i].type();
            const bool snap = (t == event_type::balance_update && r.events[i].payload.balance.source == event_source::snapshot) ||
                              (t == event_type::position_update && r.events[i].payload.position.source == event_source::snapshot) ||
                              (t == event_type::leverage_update && r.events[i].payload.leverage.source == event_source::snapshot) ||
                              (t == event_type::account_config_update &&
                               r.events[i].payload.account_config.source == event_source::snapshot);
            EXPECT_TRUE(snap) << what << " row " << i;
        }
    }
}

constexpr std::uint8_t all4 = scope_assets | scope_positions | scope_leverage | scope_account_config;

} // namespace

TEST(Snapshot, AccountV2SamplesParseWithAllFourScopes) {
    for (const char* f : {"usdm_account_v2_01.json", "usdm_account_v2_02.json", "usdm_account_v2_03.json", "usdm_account_v2_04.json"})
        expect_bracketed(parse_snapshot(sample(f), snapshot_kind::account_v2), all4, f);
}

TEST(Snapshot, AccountV2FieldByField) {
    const auto r = parse_snapshot(sample("usdm_account_v2_02.json"), snapshot_kind::account_v2);
    ASSERT_TRUE(r.result.ok());
    const event* usdt = find_row(r.events, event_type::balance_update, "USDT");
    ASSERT_NE(usdt, nullptr);
    const auto& b = usdt->payload.balance;
    EXPECT_EQ(b.wallet_balance.to_string(), "9.19485176");
    EXPECT_EQ(b.cross_wallet_balance.to_string(), "23.72469206");
    EXPECT_EQ(b.available_balance.to_string(), "126.72469206");
    EXPECT_EQ(b.initial_margin.to_string(), "0.33683");
    EXPECT_EQ(b.unrealized_profit.to_string(), "-0.44537584");
    EXPECT_TRUE(b.margin_available);
    EXPECT_EQ(b.update_time_ms, 1625474304765);
    const event* btc = find_row(r.events, event_type::position_update, "BTCUSDT");
    ASSERT_NE(btc, nullptr);
    const auto& p = btc->payload.position;
    EXPECT_EQ(p.amount.to_string(), "0.436");
    EXPECT_EQ(p.entry_price.to_string(), "8950.5");
    EXPECT_EQ(p.leverage, 20) << "leverage is a string in v2";
    EXPECT_TRUE(p.fields & position_update::f_leverage);
    EXPECT_EQ(p.margin, margin_type::cross) << "from \"isolated\": false";
    EXPECT_EQ(p.max_notional.to_string(), "250000");
    EXPECT_EQ(p.update_time_ms, 1618646402359);
    const event* cfg = find_row(r.events, event_type::account_config_update, "");
    ASSERT_NE(cfg, nullptr);
    EXPECT_FALSE(cfg->payload.account_config.multi_assets);
    EXPECT_TRUE(find_row(parse_snapshot(sample("usdm_account_v2_04.json"), snapshot_kind::account_v2).events,
                         event_type::account_config_update, "")
                    ->payload.account_config.multi_assets);
}

TEST(Snapshot, AccountV3HasNoLeverageAndSkipsZeroRows) {
    const auto r = parse_snapshot(sample("usdm_account_v3_01.json"), snapshot_kind::account_v3);
    expect_bracketed(r, scope_assets | scope_positions, "v3");
    const event* btc = find_row(r.events, event_type::position_update, "BTCUSDT");
    ASSERT_NE(btc, nullptr);
    EXPECT_FALSE(btc->payload.position.fields & position_update::f_leverage);
    EXPECT_FALSE(btc->payload.position.fields & position_update::f_entry_price);
    const auto z = parse_snapshot(
        R"({"totalWalletBalance":"1","assets":[],"positions":[{"symbol":"ETHUSDT","positionSide":"BOTH","positionAmt":"0.0","unrealizedProfit":"0","updateTime":5}]})",
        snapshot_kind::account_v3);
    ASSERT_TRUE(z.result.ok());
    EXPECT_EQ(z.events.size(), 2u) << "a zero row for a symbol with only open orders is left out";
}

TEST(Snapshot, PositionRiskV2AndV3) {
    const auto hedge = parse_snapshot(sample("usdm_position_risk_01.json"), snapshot_kind::position_risk_v2);
    expect_bracketed(hedge, scope_positions | scope_leverage, "risk v2");
    const event* l = find_row(hedge.events, event_type::position_update, "BTCUSDT", position_side::long_side);
    ASSERT_NE(l, nullptr);
    EXPECT_EQ(l->payload.position.margin, margin_type::isolated);
    EXPECT_EQ(l->payload.position.isolated_margin.to_string(), "15517.54150468");
    EXPECT_EQ(l->payload.position.liquidation_price.to_string(), "5930.78");
    EXPECT_EQ(l->payload.position.mark_price.to_string(), "6679.50671178");
    EXPECT_EQ(l->payload.position.unrealized_pnl.to_string(), "2316.8342356") << "unRealizedProfit spelling";
    EXPECT_EQ(l->payload.position.leverage, 10);
    const event* s = find_row(hedge.events, event_type::position_update, "BTCUSDT", position_side::short_side);
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->payload.position.amount.to_string(), "-10");
    for (const char* f : {"usdm_position_risk_02.json", "usdm_position_risk_03.json", "usdm_position_risk_04.json"})
        expect_bracketed(parse_snapshot(sample(f), snapshot_kind::position_risk_v2), scope_positions | scope_leverage, f);
    const auto v3 = parse_snapshot(sample("usdm_position_risk_v3_01.json"), snapshot_kind::position_risk_v3);
    expect_bracketed(v3, scope_positions, "risk v3");
    const event* ada = find_row(v3.events, event_type::position_update, "ADAUSDT");
    ASSERT_NE(ada, nullptr);
    EXPECT_EQ(ada->payload.position.adl, 2);
    EXPECT_EQ(ada->payload.position.margin_asset.view(), "USDT");
    EXPECT_EQ(ada->payload.position.break_even_price.to_string(), "0.385077");
    const auto phantom = parse_snapshot(
        R"([{"symbol":"ADAUSDT","positionSide":"BOTH","positionAmt":"30","updateTime":1},{"symbol":"BTCUSDT","positionSide":"BOTH","positionAmt":"0.000","updateTime":0}])",
        snapshot_kind::position_risk_v3);
    ASSERT_TRUE(phantom.result.ok());
    EXPECT_EQ(phantom.events.size(), 3u);
    EXPECT_EQ(phantom.events.back().payload.snapshot.row_count, 1u);
}

TEST(Snapshot, BalanceSymbolConfigAndAccountConfig) {
    const auto bal = parse_snapshot(
        R"([{"accountAlias":"SgsR","asset":"USDT","balance":"122607.35137903","crossWalletBalance":"23.72469206","crossUnPnl":"0.00000000","availableBalance":"23.72469206","maxWithdrawAmount":"23.72469206","marginAvailable":true,"updateTime":1617939110373}])",
        snapshot_kind::balance_v3);
    expect_bracketed(bal, scope_assets, "balance v3");
    const auto& b = bal.events[1].payload.balance;
    EXPECT_EQ(b.wallet_balance.to_string(), "122607.35137903") << "\"balance\" is the wallet balance";
    EXPECT_EQ(b.account_alias.view(), "SgsR");
    const auto cfg = parse_snapshot(
        R"([{"symbol":"BTCUSDT","marginType":"CROSSED","isAutoAddMargin":false,"leverage":21,"maxNotionalValue":"1000000"}])",
        snapshot_kind::symbol_config);
    expect_bracketed(cfg, scope_leverage, "symbolConfig");
    const auto& l = cfg.events[1].payload.leverage;
    EXPECT_EQ(l.leverage, 21u) << "an integer here";
    EXPECT_EQ(l.margin, margin_type::cross) << "\"CROSSED\"";
    EXPECT_FALSE(l.auto_add_margin);
    EXPECT_EQ(l.max_notional.to_string(), "1000000");
    const auto ac = parse_snapshot(
        R"({"feeTier":0,"canTrade":true,"canDeposit":true,"canWithdraw":true,"dualSidePosition":true,"updateTime":0,"multiAssetsMargin":false,"tradeGroupId":-1})",
        snapshot_kind::account_config);
    expect_bracketed(ac, scope_account_config, "accountConfig");
    EXPECT_TRUE(ac.events[1].payload.account_config.dual_side_position);
    EXPECT_FALSE(ac.events[1].payload.account_config.multi_assets);
    EXPECT_EQ(ac.events[1].payload.account_config.fields, account_config_update::f_multi_assets | account_config_update::f_dual_side_position);
}

TEST(Snapshot, CoinmAccountBalanceAndPositionRisk) {
    for (const char* f : {"coinm_account_01.json", "coinm_account_02.json"})
        expect_bracketed(parse_snapshot(sample(f), snapshot_kind::coinm_account, false, nullptr, market::coinm),
                         all4, f);
    const auto acct = parse_snapshot(sample("coinm_account_01.json"), snapshot_kind::coinm_account, false, nullptr, market::coinm);
    EXPECT_NE(find_row(acct.events, event_type::position_update, "BTCUSD_201225", position_side::short_side), nullptr)
        << "COIN-M hedge mode lists BOTH, LONG and SHORT";
    EXPECT_EQ(acct.events[0].header.venue, market::coinm);
    const auto risk = parse_snapshot(sample("coinm_position_risk_01.json"), snapshot_kind::coinm_position_risk);
    expect_bracketed(risk, scope_positions | scope_leverage, "dapi positionRisk");
    const auto bal = parse_snapshot(
        R"([{"accountAlias":"SgsR","asset":"BTC","balance":"0.00250000","withdrawAvailable":"0.00250000","crossWalletBalance":"0.00241969","crossUnPnl":"0.00000000","availableBalance":"0.00241969","updateTime":1592468353979}])",
        snapshot_kind::coinm_balance);
    expect_bracketed(bal, scope_assets, "dapi balance");
    EXPECT_EQ(bal.events[1].payload.balance.wallet_balance.to_string(), "0.0025");
}

TEST(Snapshot, WsApiEnvelopes) {
    parse::wsapi_envelope env;
    const auto v2 = parse_snapshot(sample("wsfapi_account_status_01.json"), snapshot_kind::account_v2, true, &env);
    expect_bracketed(v2, all4, "account.status");
    EXPECT_EQ(env.status, 200);
    EXPECT_EQ(env.id, "\"605a6d20-6588-4cb9-afa0-b0ab087507ba\"");
    EXPECT_EQ(env.weight_used, 20);
    EXPECT_EQ(env.weight_limit, 2400);
    const auto v3 = parse_snapshot(sample("wsfapi_account_status_v2_01.json"), parse::kind_from_wsapi_method("v2/account.status", market::usdm), true);
    expect_bracketed(v3, scope_assets | scope_positions, "v2/account.status");
    const auto cm = parse_snapshot(sample("coinm_wsapi_account_status_01.json"),
                                   parse::kind_from_wsapi_method("account.status", market::coinm), true, nullptr, market::coinm);
    expect_bracketed(cm, all4, "dapi account.status");
    parse::wsapi_envelope lk;
    const auto start = parse_snapshot(
        R"({"id":"d3df8a61","status":200,"result":{"listenKey":"xs0mRXdAKlIPDRFrlPcw0qI41Eh3ixNntmymGyhrhgqo7L6FuLaWArTD7RLP"},"rateLimits":[{"rateLimitType":"REQUEST_WEIGHT","interval":"MINUTE","intervalNum":1,"limit":2400,"count":2}]})",
        snapshot_kind::unknown, true, &lk);
    ASSERT_TRUE(start.result.ok());
    EXPECT_TRUE(start.events.empty());
    EXPECT_EQ(lk.listen_key.view(), "xs0mRXdAKlIPDRFrlPcw0qI41Eh3ixNntmymGyhrhgqo7L6FuLaWArTD7RLP");
    EXPECT_EQ(lk.weight_used, 2);
}

TEST(Snapshot, ErrorBodiesAreTypedExchangeErrors) {
    const auto rest = parse_snapshot(R"({"code":-1125,"msg":"This listenKey does not exist."})", snapshot_kind::balance_v2);
    EXPECT_EQ(rest.result.code, parse_errc::exchange_error);
    EXPECT_EQ(rest.result.exchange_code, -1125);
    EXPECT_TRUE(rest.events.empty());
    const auto acct = parse_snapshot(R"({"code":-1021,"msg":"Timestamp for this request is outside of the recvWindow."})", snapshot_kind::account_v2);
    EXPECT_EQ(acct.result.exchange_code, -1021);
    const auto ws = parse_snapshot(
        R"({"id":null,"status":401,"error":{"code":-2015,"msg":"Invalid API-key, IP, or permissions for action."},"rateLimits":[]})",
        snapshot_kind::account_v2, true);
    EXPECT_EQ(ws.result.code, parse_errc::exchange_error);
    EXPECT_EQ(ws.result.exchange_code, -2015);
    EXPECT_EQ(ws.result.http_status, 401);
}

TEST(Snapshot, MalformedOrMismatchedBodiesPublishNothing) {
    struct c {
        const char* json;
        snapshot_kind kind;
        parse_errc code;
    };
    const c cases[] = {
        {R"([{"asset":"USDT","balance":"1"},])", snapshot_kind::balance_v2, parse_errc::invalid_json},
        {R"([{"asset":"USDT","balance":"1.000000001"}])", snapshot_kind::balance_v2, parse_errc::bad_decimal},
        {R"([{"balance":"1"}])", snapshot_kind::balance_v2, parse_errc::missing_field},
        {R"({"assets":[]})", snapshot_kind::balance_v2, parse_errc::unexpected_shape},
        {R"([])", snapshot_kind::account_v2, parse_errc::unexpected_shape},
        {R"({"assets":{}})", snapshot_kind::account_v2, parse_errc::wrong_type},
        {R"([{"symbol":"BTCUSDT","positionAmt":"1","positionSide":"MIDDLE"}])", snapshot_kind::position_risk_v2, parse_errc::unexpected_shape},
        {R"([{"symbol":"BTCUSDT","leverage":"twenty"}])", snapshot_kind::position_risk_v2, parse_errc::bad_integer},
        {R"([{"symbol":"BTCUSDT","leverage":21)", snapshot_kind::symbol_config, parse_errc::truncated},
        {R"("hello")", snapshot_kind::balance_v2, parse_errc::not_an_object},
        {R"({"id":1,"status":200})", snapshot_kind::account_v2, parse_errc::missing_field},
    };
    for (const auto& x : cases) {
        const bool ws = std::string_view(x.json).find("\"status\"") != std::string_view::npos;
        const auto r = parse_snapshot(x.json, x.kind, ws);
        EXPECT_EQ(r.result.code, x.code) << x.json << " -> " << parse::error_json(r.result);
        EXPECT_TRUE(r.events.empty()) << x.json;
    }
}

TEST(Snapshot, KindNamesPathsAndMethods) {
    EXPECT_EQ(parse::kind_from_path("/fapi/v3/positionRisk?symbol=BTCUSDT"), snapshot_kind::position_risk_v3);
    EXPECT_EQ(parse::kind_from_path("/dapi/v1/account"), snapshot_kind::coinm_account);
    EXPECT_EQ(parse::kind_from_name("symbol-config"), snapshot_kind::symbol_config);
    EXPECT_EQ(parse::name_of(snapshot_kind::account_v3), "account-v3");
    EXPECT_EQ(parse::kind_from_wsapi_method("account.position", market::coinm), snapshot_kind::coinm_position_risk);
    EXPECT_EQ(parse::kind_from_wsapi_method("v2/account.position", market::usdm), snapshot_kind::position_risk_v3);
    EXPECT_EQ(parse::kind_from_wsapi_method("order.place", market::usdm), snapshot_kind::unknown);
}

TEST(Snapshot, LargeV2AccountIsPublishedInBatchesAsOneSnapshot) {
    std::string json = R"({"multiAssetsMargin":false,"assets":[{"asset":"USDT","walletBalance":"5","crossWalletBalance":"5","updateTime":1}],"positions":[)";
    for (int i = 0; i < 700; ++i) {
        if (i) json += ',';
        json += R"({"symbol":"S)" + std::to_string(i) + R"(","positionSide":"BOTH","positionAmt":"0","leverage":"20","isolated":false,"updateTime":0})";
    }
    json += "]}";
    const auto r = parse_snapshot(json, snapshot_kind::account_v2);
    ASSERT_TRUE(r.result.ok()) << parse::error_json(r.result);
    EXPECT_EQ(r.events.size(), 704u);
    EXPECT_GT(r.commits, 1u);
    expect_bracketed(r, all4, "700 symbols");
}

// A snapshot from the samples, then stream deltas from the samples, into one book.
TEST(Snapshot, SnapshotPlusStreamDeltasBuildTheBook) {
    account_book book;
    const auto snap = parse_snapshot(sample("usdm_account_v2_03.json"), snapshot_kind::account_v2);
    ASSERT_TRUE(snap.result.ok());
    for (const auto& ev : snap.events) (void)book.apply(ev);
    EXPECT_TRUE(book.consistent());
    ASSERT_NE(book.balance("USDT"), nullptr);
    EXPECT_EQ(book.balance("USDT")->wallet_balance.to_string(), "23.72469206");
    ASSERT_NE(book.balance("BUSD"), nullptr);
    // The 2019 docs event is older than the USDT row (updateTime 2021-07): it loses. BNB is
    // absent from this complete snapshot (as-of 2023): flat, whatever an older event says.
    const auto older = test::parse_user(sample("usdm_account_update_03.json"));
    for (const auto& ev : older.events) (void)book.apply(ev);
    EXPECT_EQ(book.balance("USDT")->wallet_balance.to_string(), "23.72469206") << "older stream value loses";
    EXPECT_EQ(book.balance("BNB")->wallet_balance.to_string(), "0") << "absent from a newer complete snapshot";
    // A 2021-04 capture: older than the USDT row too; its CHZUSDT LONG predates the as-of time.
    const auto mid = test::parse_user(sample("usdm_account_update_06.json"));
    for (const auto& ev : mid.events) (void)book.apply(ev);
    EXPECT_EQ(book.balance("USDT")->wallet_balance.to_string(), "23.72469206");
    EXPECT_EQ(book.position("CHZUSDT", position_side::long_side)->amount.to_string(), "0");
    // A delta newer than everything wins.
    const auto newer = test::parse_user(
        R"({"e":"ACCOUNT_UPDATE","E":1800000000001,"T":1800000000000,"a":{"m":"ORDER","B":[{"a":"USDT","wb":"99.5","cw":"99.5","bc":"0"}],"P":[{"s":"BTCUSDT","pa":"0.5","ep":"60000","cr":"0","up":"0","mt":"isolated","iw":"10","ps":"BOTH"}]}})");
    for (const auto& ev : newer.events) (void)book.apply(ev);
    EXPECT_EQ(book.balance("USDT")->wallet_balance.to_string(), "99.5");
    EXPECT_EQ(book.position("BTCUSDT", position_side::both)->amount.to_string(), "0.5");
    EXPECT_EQ(book.balance("USDT")->available_balance.to_string(), "23.72469206") << "snapshot-only field kept";
    // Leverage from the stream, newer than the snapshot's as-of time.
    const auto lev = test::parse_user(R"({"e":"ACCOUNT_CONFIG_UPDATE","E":1800000000001,"T":1800000000000,"ac":{"s":"BTCUSDT","l":33}})");
    for (const auto& ev : lev.events) (void)book.apply(ev);
    EXPECT_EQ(book.symbol("BTCUSDT")->leverage, 33u);
    EXPECT_TRUE(book.consistent());
    EXPECT_FALSE(book.needs_resync() && (book.dirty_scopes() & scope_assets)) << "the v2 snapshot healed assets";
}
