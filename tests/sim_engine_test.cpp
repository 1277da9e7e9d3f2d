// The simulator's account engine: Binance's push rules and order of events, every frame parses
// with acctsync's parser, and its truth equals a mirror built from a snapshot plus the frames.
#include <gtest/gtest.h>

#include <random>

#include "core/account_book.hpp"
#include "core/event_builders.hpp"
#include "parse/json/book_json.hpp"
#include "parse/json/event_json.hpp"
#include "support/payload.hpp"
#include "tools/sim/account_engine.hpp"
#include "tools/sim/scenario.hpp"
#include "parse/vector_sink.hpp"

using namespace acctsync;
using sim::account_engine;

namespace {

std::vector<event> events_of(const std::string& frame, market venue) {
    auto r = test::parse_user(frame, venue);
    EXPECT_TRUE(r.result.ok()) << frame << "\n" << parse::error_json(r.result);
    return r.events;
}

sim::fill_request fill(std::string symbol, order_side side, const char* qty, const char* price,
                       position_side ps = position_side::both, std::int64_t id = 1) {
    sim::fill_request f;
    f.symbol = std::move(symbol);
    f.side = side;
    f.pos_side = ps;
    f.qty = dec(qty);
    f.price = dec(price);
    f.fee = dec("0.01");
    f.order_id = id;
    f.trade_id = id * 10;
    return f;
}

std::string mirror_json(const account_book& b) {
    parse::book_json_options o;
    o.include_snapshot_only = false;
    o.skip_zero = true;
    return parse::book_json(b, o);
}

void apply_snapshot(account_book& book, const account_engine& e, snapshot_kind kind, std::int64_t as_of, std::uint64_t id) {
    parse::snapshot_parser p;
    test::padded in(e.rest_snapshot(kind));
    parse::vector_sink sink;
    parse::snapshot_request req;
    req.kind = kind;
    req.venue = e.options().venue;
    req.snapshot_id = id;
    req.as_of_ms = as_of;
    req.request_sent_ns = as_of * 1'000'000;
    const auto r = p.parse_rest(in.data(), in.size, req, sink.sink());
    ASSERT_TRUE(r.ok()) << in.bytes << "\n" << parse::error_json(r);
    for (const auto& ev : sink.events) (void)book.apply(ev);
}

} // namespace

TEST(SimEngine, DepositPushesOnlyThatAssetAndAnEmptyP) {
    account_engine e;
    (void)e.deposit("USDT", dec("100"), 1);
    const auto frames = e.deposit("BNB", dec("0.01"), 2);
    ASSERT_EQ(frames.size(), 1u);
    EXPECT_NE(frames[0].find("\"P\":[]"), std::string::npos) << frames[0];
    EXPECT_NE(frames[0].find("\"m\":\"DEPOSIT\""), std::string::npos);
    const auto evs = events_of(frames[0], market::usdm);
    ASSERT_EQ(evs.size(), 1u);
    EXPECT_EQ(evs[0].payload.balance.asset.view(), "BNB");
    EXPECT_EQ(evs[0].payload.balance.balance_change.to_string(), "0.01");
    EXPECT_TRUE(e.withdraw("BNB", dec("5"), 3).empty()) << "more than the balance is refused";
}

TEST(SimEngine, FillFollowsBinanceOrderWithOneEventTime) {
    account_engine e;
    e.list_symbol("BTCUSDT");
    (void)e.deposit("USDT", dec("1000"), 1);
    const auto frames = e.fill(fill("BTCUSDT", order_side::buy, "0.002", "90853.2"), 5);
    ASSERT_EQ(frames.size(), 4u);
    const event_type order[] = {event_type::trade_lite, event_type::order_update, event_type::balance_update,
                                event_type::order_update};
    for (std::size_t i = 0; i < 4; ++i) {
        const auto evs = events_of(frames[i], market::usdm);
        ASSERT_FALSE(evs.empty());
        EXPECT_EQ(evs[0].type(), order[i]) << frames[i];
        EXPECT_EQ(evs[0].header.event_time_ms, 5);
        EXPECT_EQ(evs[0].header.transaction_time_ms, 5);
    }
    const auto au = events_of(frames[2], market::usdm);
    ASSERT_EQ(au.size(), 2u);
    EXPECT_EQ(au[1].payload.position.amount.to_string(), "0.002");
    EXPECT_EQ(au[1].payload.position.entry_price.to_string(), "90853.2");
    EXPECT_EQ(au[0].payload.balance.wallet_balance.to_string(), "999.99") << "the fee left the wallet";
    EXPECT_EQ(events_of(frames[1], market::usdm)[0].payload.order.exec, execution_type::new_order);
    const auto trade = events_of(frames[3], market::usdm)[0].payload.order;
    EXPECT_EQ(trade.exec, execution_type::trade);
    EXPECT_EQ(trade.status, order_status::filled);
    EXPECT_EQ(trade.commission.to_string(), "0.01");
}

TEST(SimEngine, ClosingRealizesPnlAndFlipsResetEntry) {
    account_engine e;
    (void)e.deposit("USDT", dec("1000"), 1);
    (void)e.fill(fill("ETHUSDT", order_side::buy, "2", "3000"), 2);
    auto frames = e.fill(fill("ETHUSDT", order_side::sell, "3", "3100", position_side::both, 2), 3);
    const auto au = events_of(frames[2], market::usdm);
    EXPECT_EQ(au[1].payload.position.amount.to_string(), "-1");
    EXPECT_EQ(au[1].payload.position.entry_price.to_string(), "3100") << "flipped: the remainder opened at the fill price";
    EXPECT_EQ(au[1].payload.position.accumulated_realized.to_string(), "200");
    EXPECT_EQ(au[0].payload.balance.wallet_balance.to_string(), "1199.98");
    EXPECT_EQ(events_of(frames[3], market::usdm)[0].payload.order.realized_profit.to_string(), "200");
}

TEST(SimEngine, HedgeFillPushesBothAndTheChangedSide) {
    sim::engine_options o;
    o.hedge_mode = true;
    account_engine e(o);
    (void)e.deposit("USDT", dec("1000"), 1);
    const auto frames = e.fill(fill("SOLUSDT", order_side::buy, "1", "80", position_side::long_side), 2);
    const auto au = events_of(frames[2], market::usdm);
    ASSERT_EQ(au.size(), 3u);
    EXPECT_EQ(au[1].payload.position.side, position_side::both);
    EXPECT_EQ(au[2].payload.position.side, position_side::long_side);
    EXPECT_TRUE(e.fill(fill("SOLUSDT", order_side::sell, "2", "80", position_side::long_side), 3).empty())
        << "a LONG cannot sell through zero";
}

TEST(SimEngine, FundingCrossPushesTheAssetOnlyIsolatedAlsoThePosition) {
    account_engine e;
    (void)e.deposit("USDT", dec("1000"), 1);
    (void)e.fill(fill("BTCUSDT", order_side::buy, "0.01", "50000"), 2);
    auto cross = events_of(e.funding("BTCUSDT", position_side::both, dec("-0.5"), 3)[0], market::usdm);
    ASSERT_EQ(cross.size(), 1u);
    EXPECT_EQ(cross[0].payload.balance.reason, update_reason::funding_fee);
    EXPECT_TRUE(e.set_margin_type("ETHUSDT", margin_type::isolated, 4).size() == 1);
    EXPECT_TRUE(e.set_margin_type("BTCUSDT", margin_type::isolated, 4).empty()) << "refused with an open position";
    (void)e.fill(fill("ETHUSDT", order_side::sell, "1", "3000"), 5);
    auto iso = events_of(e.funding("ETHUSDT", position_side::both, dec("0.25"), 6)[0], market::usdm);
    ASSERT_EQ(iso.size(), 2u);
    EXPECT_EQ(iso[1].payload.position.margin, margin_type::isolated);
    EXPECT_EQ(iso[1].payload.position.isolated_wallet.to_string(), "150.25") << "3000/20 + funding";
}

// Binance refuses mode changes that change nothing or that the other mode forbids, and pushes
// nothing for them; the account never reaches a state the venue cannot be in.
TEST(SimEngine, RefusedModeChangesPushNothingAndSayWhy) {
    account_engine e;
    account_engine::refusal why;
    EXPECT_TRUE(e.set_margin_type("ETHUSDT", margin_type::cross, 1, &why).empty());
    EXPECT_EQ(why.code, -4046) << "cross is already set";
    EXPECT_EQ(e.set_margin_type("ETHUSDT", margin_type::isolated, 2, &why).size(), 1u);
    EXPECT_TRUE(e.set_multi_assets(true, 3, &why).empty());
    EXPECT_EQ(why.code, -4167) << "an isolated symbol forbids multi-assets mode";
    EXPECT_EQ(e.set_margin_type("ETHUSDT", margin_type::cross, 4, &why).size(), 1u);
    EXPECT_EQ(e.set_multi_assets(true, 5, &why).size(), 1u);
    EXPECT_TRUE(e.set_multi_assets(true, 6, &why).empty());
    EXPECT_EQ(why.code, -4171);
    EXPECT_TRUE(e.set_margin_type("BTCUSDT", margin_type::isolated, 7, &why).empty());
    EXPECT_EQ(why.code, -4168) << "no isolated margin under multi-assets mode";
    (void)e.deposit("USDT", dec("1000"), 8);
    (void)e.fill(fill("SOLUSDT", order_side::buy, "1", "80"), 9);
    EXPECT_EQ(e.set_multi_assets(false, 10, &why).size(), 1u);
    EXPECT_TRUE(e.set_margin_type("SOLUSDT", margin_type::isolated, 11, &why).empty());
    EXPECT_EQ(why.code, -4048) << "a position is open";
}

TEST(SimEngine, CoinmAddsAliasAndPushesEverySymbol) {
    sim::engine_options o;
    o.venue = market::coinm;
    account_engine e(o);
    e.list_symbol("BTCUSD_PERP");
    e.list_symbol("ETHUSD_PERP");
    (void)e.deposit("BTC", dec("1"), 1);
    const auto frames = e.fill(fill("BTCUSD_PERP", order_side::buy, "10", "60000"), 2);
    ASSERT_EQ(frames.size(), 3u) << "no TRADE_LITE on COIN-M";
    EXPECT_NE(frames[1].find("\"i\":\"SfsR\""), std::string::npos);
    const auto au = events_of(frames[1], market::coinm);
    ASSERT_EQ(au.size(), 3u) << "BTC balance + both symbols";
    EXPECT_EQ(au[0].payload.balance.asset.view(), "BTC");
    EXPECT_EQ(au[2].payload.position.symbol.view(), "ETHUSD_PERP");
    EXPECT_EQ(au[1].payload.position.margin_asset.view(), "BTC");
}

// The property the simulator exists for: its truth equals what acctsync mirrors from a snapshot
// plus every frame, across one-way/hedge and USDⓈ-M/COIN-M, with frames from before the snapshot
// replayed (overlap) and duplicated.
TEST(SimEngine, TruthEqualsMirrorBuiltFromSnapshotAndFrames) {
    for (int variant = 0; variant < 4; ++variant) {
        sim::engine_options o;
        o.hedge_mode = variant & 1;
        o.venue = (variant & 2) ? market::coinm : market::usdm;
        account_engine e(o);
        const char* syms_usdm[] = {"BTCUSDT", "ETHUSDT", "币安人生USDT"};
        const char* syms_coinm[] = {"BTCUSD_PERP", "ETHUSD_PERP", "ADAUSD_PERP"};
        const auto& syms = o.venue == market::usdm ? syms_usdm : syms_coinm;
        for (const char* s : syms) e.list_symbol(s);
        std::mt19937_64 rng(42 + variant);
        std::vector<std::string> frames;
        std::int64_t t = 1'700'000'000'000;
        const std::string asset = e.margin_asset_of(syms[0]);
        auto run = [&](int steps) {
            for (int i = 0; i < steps; ++i) {
                t += 1 + static_cast<std::int64_t>(rng() % 5);
                const std::string sym = syms[rng() % 3];
                const auto out = sim::random_operation(e, static_cast<int>(rng() % 10), sym, rng, t, i);
                frames.insert(frames.end(), out.begin(), out.end());
            }
        };
        (void)e.deposit(asset, dec("100000"), t);
        run(300);
        const std::size_t before_snapshot = frames.size();
        account_book book;
        apply_snapshot(book, e, o.venue == market::usdm ? snapshot_kind::account_v2 : snapshot_kind::coinm_account, t, 1);
        apply_snapshot(book, e, o.venue == market::usdm ? snapshot_kind::position_risk_v2 : snapshot_kind::coinm_position_risk, t, 3);
        if (o.venue == market::usdm) apply_snapshot(book, e, snapshot_kind::account_config, t, 2);
        run(300);
        // Frames from before the snapshot arrive late (an overlapping connection), some twice.
        for (std::size_t i = before_snapshot > 50 ? before_snapshot - 50 : 0; i < frames.size(); ++i)
            for (const auto& ev : events_of(frames[i], o.venue)) (void)book.apply(ev);
        for (std::size_t i = frames.size() - 20; i < frames.size(); ++i)
            for (const auto& ev : events_of(frames[i], o.venue)) (void)book.apply(ev);
        std::string truth = e.truth_json();
        if (o.venue == market::coinm) { // no accountConfig on COIN-M: the mirror does not know these
            truth.replace(truth.find("\"multi_assets\":false"), 20, "\"multi_assets\":null");
            truth.replace(truth.find("\"dual_side_position\":"), truth.size() - truth.find("\"dual_side_position\":"),
                          "\"dual_side_position\":null}}");
        }
        EXPECT_EQ(mirror_json(book), truth) << "variant " << variant;
        EXPECT_TRUE(book.consistent());
        EXPECT_GT(frames.size(), 500u);
    }
}
