// The simulator's account engine: Binance's push rules and order of events, every frame parses
// with acctsync's parser, and its truth equals a mirror built from a snapshot plus the frames.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <map>
#include <random>
#include <set>

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

std::string type_of(const std::string& frame) {
    const auto at = frame.find(R"("e":")") + 5;
    return frame.substr(at, frame.find('"', at) - at);
}
// The frames' event types in order, ORDER_TRADE_UPDATEs with their execution type
// ("ORDER_TRADE_UPDATE/NEW").
std::vector<std::string> shape_of(const std::vector<std::string>& frames, market venue = market::usdm) {
    std::vector<std::string> out;
    for (const auto& f : frames) {
        std::string t = type_of(f);
        if (t == "ORDER_TRADE_UPDATE") {
            t.push_back('/');
            t.append(to_string(events_of(f, venue).at(0).payload.order.exec));
        }
        out.push_back(t);
    }
    return out;
}
// The first frame of event type `type` (and, for ORDER_TRADE_UPDATE, execution type `exec`).
std::vector<event> first_of(const std::vector<std::string>& frames, const std::string& type,
                            execution_type exec = execution_type::unknown, market venue = market::usdm) {
    for (const auto& f : frames) {
        if (type_of(f) != type) continue;
        auto evs = events_of(f, venue);
        if (exec == execution_type::unknown || evs.at(0).payload.order.exec == exec) return evs;
    }
    ADD_FAILURE() << "no " << type;
    return {};
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

// A market fill (spec §1.5, §5.2): TRADE_LITE first, then ORDER_TRADE_UPDATE NEW,
// ACCOUNT_UPDATE and ORDER_TRADE_UPDATE TRADE in one of the observed orders — the captures' NEW,
// ACCOUNT_UPDATE, TRADE; NEW, TRADE, ACCOUNT_UPDATE; and the ACCOUNT_UPDATE before both — all of
// one T; E is T + 0, 2 or 5 ms (NEW and TRADE share theirs, as in the captures); the
// TRADE_LITE's E may be up to 150 ms before its T.
TEST(SimEngine, AMarketFillPushesTradeLiteFirstThenOneOfTheObservedOrders) {
    std::set<std::vector<std::string>> orders;
    std::set<std::int64_t> e_minus_t;
    bool lite_early = false;
    for (std::uint64_t seed = 1; seed <= 40; ++seed) {
        sim::engine_options o;
        o.seed = seed;
        account_engine e(o);
        e.list_symbol("BTCUSDT");
        (void)e.deposit("USDT", dec("1000"), 1);
        const auto frames = e.fill(fill("BTCUSDT", order_side::buy, "0.002", "90853.2"), 100);
        ASSERT_EQ(frames.size(), 4u);
        orders.insert(shape_of(frames));
        const auto lite = events_of(frames[0], market::usdm).at(0);
        ASSERT_EQ(lite.type(), event_type::trade_lite);
        const auto au = first_of(frames, "ACCOUNT_UPDATE");
        const auto fresh = first_of(frames, "ORDER_TRADE_UPDATE", execution_type::new_order).at(0);
        const auto trade = first_of(frames, "ORDER_TRADE_UPDATE", execution_type::trade).at(0);
        const std::int64_t t = au.at(0).header.transaction_time_ms;
        EXPECT_GE(t, 100);
        for (const event* ev : {&lite, &au.at(0), &fresh, &trade}) EXPECT_EQ(ev->header.transaction_time_ms, t);
        EXPECT_EQ(fresh.header.event_time_ms, trade.header.event_time_ms) << "NEW and TRADE of one fill share E";
        EXPECT_EQ(trade.payload.order.trade_time_ms, t);
        e_minus_t.insert(au.at(0).header.event_time_ms - t);
        e_minus_t.insert(trade.header.event_time_ms - t);
        EXPECT_LE(lite.header.event_time_ms, t + 5);
        EXPECT_GE(lite.header.event_time_ms, t - 150);
        lite_early |= lite.header.event_time_ms < t;
        EXPECT_EQ(au.size(), 2u);
        EXPECT_EQ(au[1].payload.position.amount.to_string(), "0.002");
        EXPECT_EQ(au[1].payload.position.entry_price.to_string(), "90853.2");
        EXPECT_EQ(au[0].payload.balance.wallet_balance.to_string(), "999.99") << "the fee left the wallet";
        EXPECT_EQ(trade.payload.order.status, order_status::filled);
        EXPECT_EQ(trade.payload.order.commission.to_string(), "0.01");
        EXPECT_EQ(trade.payload.order.avg_price.to_string(), "90853.2");
        EXPECT_EQ(lite.payload.trade.trade_id, trade.payload.order.trade_id);
    }
    const std::vector<std::string> observed{"TRADE_LITE", "ORDER_TRADE_UPDATE/NEW", "ACCOUNT_UPDATE", "ORDER_TRADE_UPDATE/TRADE"};
    const std::vector<std::string> trade_first{"TRADE_LITE", "ORDER_TRADE_UPDATE/NEW", "ORDER_TRADE_UPDATE/TRADE", "ACCOUNT_UPDATE"};
    const std::vector<std::string> update_first{"TRADE_LITE", "ACCOUNT_UPDATE", "ORDER_TRADE_UPDATE/NEW", "ORDER_TRADE_UPDATE/TRADE"};
    EXPECT_EQ(orders, (std::set<std::vector<std::string>>{observed, trade_first, update_first}));
    EXPECT_EQ(e_minus_t, (std::set<std::int64_t>{0, 2, 5}));
    EXPECT_TRUE(lite_early) << "a TRADE_LITE with T > E";
}

// Several trades of one order: each its own TRADE_LITE, ACCOUNT_UPDATE and TRADE, its own trade
// id and T; PARTIALLY_FILLED with the cumulative quantity and the average price, then FILLED.
TEST(SimEngine, AMultiTradeOrderGivesEachTradeItsOwnIdAndTime) {
    account_engine e;
    (void)e.deposit("USDT", dec("100000"), 1);
    auto f = fill("ETHUSDT", order_side::buy, "0.003", "3000");
    f.trades = 3;
    f.price_step = dec("0.5");
    f.fee = dec("0.03");
    const auto frames = e.fill(f, 10);
    ASSERT_EQ(frames.size(), 10u) << "3 TRADE_LITE, NEW, 3 ACCOUNT_UPDATE, 3 TRADE";
    std::vector<order_update> trades;
    std::vector<std::int64_t> update_times;
    for (const auto& fr : frames) {
        const auto evs = events_of(fr, market::usdm);
        if (evs[0].type() == event_type::order_update && evs[0].payload.order.exec == execution_type::trade) {
            trades.push_back(evs[0].payload.order);
            EXPECT_EQ(evs[0].header.transaction_time_ms, evs[0].payload.order.trade_time_ms);
        }
        if (evs[0].type() == event_type::balance_update) update_times.push_back(evs[0].header.transaction_time_ms);
    }
    ASSERT_EQ(trades.size(), 3u);
    EXPECT_EQ(trades[0].status, order_status::partially_filled);
    EXPECT_EQ(trades[1].status, order_status::partially_filled);
    EXPECT_EQ(trades[2].status, order_status::filled);
    EXPECT_EQ(trades[0].cum_qty.to_string(), "0.001");
    EXPECT_EQ(trades[1].cum_qty.to_string(), "0.002");
    EXPECT_EQ(trades[2].cum_qty.to_string(), "0.003");
    EXPECT_EQ(trades[1].last_price.to_string(), "3000.5");
    EXPECT_EQ(trades[1].avg_price.to_string(), "3000.25");
    EXPECT_EQ(trades[2].avg_price.to_string(), "3000.5");
    EXPECT_LT(trades[0].trade_id, trades[1].trade_id);
    EXPECT_LT(trades[1].trade_id, trades[2].trade_id);
    EXPECT_LT(trades[0].trade_time_ms, trades[1].trade_time_ms);
    EXPECT_LT(trades[1].trade_time_ms, trades[2].trade_time_ms);
    ASSERT_EQ(update_times.size(), 3u);
    EXPECT_TRUE(update_times[0] < update_times[1] && update_times[1] < update_times[2]) << "no two ACCOUNT_UPDATEs share a T";
    EXPECT_EQ(e.trades().size(), 3u);
    const auto au = first_of({frames.back(), frames[frames.size() - 2]}, "ACCOUNT_UPDATE");
    EXPECT_EQ(au.at(1).payload.position.amount.to_string(), "0.003");
    EXPECT_EQ(au.at(1).payload.position.entry_price.to_string(), "3000.5");
}

// A LIMIT order rests: ORDER_TRADE_UPDATE NEW only, no ACCOUNT_UPDATE (spec §1.6.2: unfilled
// orders do not trigger one), with the symbol's open bid/ask notional in b/a; it then fills as a
// maker in parts (PARTIALLY_FILLED, cumulative z, average ap, each trade its own t) or is
// cancelled (CANCELED, no ACCOUNT_UPDATE).
TEST(SimEngine, RestingOrdersPushNewOnlyFillInPartsAndCancelWithoutAnAccountUpdate) {
    account_engine e;
    (void)e.deposit("USDT", dec("10000"), 1);
    sim::order_request r;
    r.symbol = "SANDUSDT";
    r.side = order_side::buy;
    r.qty = dec("1000");
    r.price = dec("0.63428");
    r.order_id = 315803079;
    r.client_order_id = "electron_6LyJZ9KPgmRbhKfFamx3";
    const auto placed = e.place_limit(r, 2);
    ASSERT_EQ(placed.size(), 1u);
    const auto fresh = events_of(placed[0], market::usdm).at(0).payload.order;
    EXPECT_EQ(fresh.exec, execution_type::new_order);
    EXPECT_EQ(fresh.type, order_type::limit);
    EXPECT_EQ(fresh.bid_notional.to_string(), "634.28");
    EXPECT_EQ(fresh.ask_notional.to_string(), "0");
    r.order_id = 315803080;
    r.price = dec("0.5");
    EXPECT_EQ(events_of(e.place_limit(r, 3).at(0), market::usdm).at(0).payload.order.bid_notional.to_string(), "1134.28")
        << "b: every open buy of the symbol";
    EXPECT_TRUE(e.place_limit(r, 4).empty()) << "one id, one order";

    const auto part = e.fill_resting(315803079, dec("400"), dec("0.1"), 7, 5);
    EXPECT_EQ(shape_of(part).front(), "TRADE_LITE");
    const auto p1 = first_of(part, "ORDER_TRADE_UPDATE", execution_type::trade).at(0).payload.order;
    EXPECT_EQ(p1.status, order_status::partially_filled);
    EXPECT_EQ(p1.cum_qty.to_string(), "400");
    EXPECT_TRUE(p1.flags & order_update::is_maker);
    EXPECT_EQ(p1.last_price.to_string(), "0.63428");
    EXPECT_EQ(p1.bid_notional.to_string(), "880.568") << "600 left at 0.63428, and 1000 at 0.5";
    EXPECT_TRUE(first_of(part, "TRADE_LITE").at(0).payload.trade.is_maker);
    EXPECT_EQ(first_of(part, "ACCOUNT_UPDATE").at(1).payload.position.amount.to_string(), "400");
    const auto rest = e.fill_resting(315803079, decimal{}, dec("0.15"), 8, 6);
    const auto p2 = first_of(rest, "ORDER_TRADE_UPDATE", execution_type::trade).at(0).payload.order;
    EXPECT_EQ(p2.status, order_status::filled);
    EXPECT_EQ(p2.last_qty.to_string(), "600");
    EXPECT_EQ(p2.cum_qty.to_string(), "1000");
    EXPECT_EQ(p2.avg_price.to_string(), "0.63428");
    EXPECT_GT(p2.trade_id, p1.trade_id);
    EXPECT_TRUE(e.fill_resting(315803079, decimal{}, decimal{}, 9, 7).empty()) << "filled: no longer resting";
    EXPECT_EQ(e.open_order_ids(), (std::vector<std::int64_t>{315803080}));

    const auto cancelled = e.cancel(315803080, 8);
    ASSERT_EQ(cancelled.size(), 1u);
    const auto c = events_of(cancelled[0], market::usdm).at(0).payload.order;
    EXPECT_EQ(c.exec, execution_type::canceled);
    EXPECT_EQ(c.status, order_status::canceled);
    EXPECT_EQ(c.bid_notional.to_string(), "0");
    EXPECT_TRUE(e.open_order_ids().empty());
}

// A liquidation (spec §1.6.3, the usdm_order_trade_update_02 sample): the venue's
// "autoclose-<digits>" order, o LIQUIDATION or MARKET, x CALCULATED, X FILLED, the position flat
// in its ACCOUNT_UPDATE; no TRADE_LITE (that stream pushes TRADE executions only).
TEST(SimEngine, ALiquidationIsAnAutocloseOrderCalculatedAndFilled) {
    std::set<order_type> types;
    for (std::uint64_t seed = 1; seed <= 12; ++seed) {
        sim::engine_options o;
        o.seed = seed;
        account_engine e(o);
        (void)e.deposit("USDT", dec("1000"), 1);
        (void)e.fill(fill("BTCUSDT", order_side::buy, "0.1", "50000"), 2);
        const auto frames = e.liquidate("BTCUSDT", position_side::both, dec("45000"), dec("5"), 42, 43, 3);
        ASSERT_EQ(frames.size(), 2u);
        const auto liq = first_of(frames, "ORDER_TRADE_UPDATE").at(0).payload.order;
        const std::string id(liq.client_order_id.view());
        ASSERT_EQ(id.rfind("autoclose-", 0), 0u) << id;
        EXPECT_EQ(id.find_first_not_of("0123456789", 10), std::string::npos) << id;
        EXPECT_EQ(liq.exec, execution_type::calculated);
        EXPECT_EQ(liq.status, order_status::filled);
        EXPECT_EQ(liq.side, order_side::sell);
        EXPECT_EQ(liq.cum_qty.to_string(), "0.1");
        EXPECT_EQ(liq.realized_profit.to_string(), "-500");
        types.insert(liq.type);
        const auto au = first_of(frames, "ACCOUNT_UPDATE");
        EXPECT_EQ(au.at(1).payload.position.amount.to_string(), "0");
        EXPECT_EQ(au.at(0).payload.balance.wallet_balance.to_string(), "494.99");
        EXPECT_TRUE(e.liquidate("BTCUSDT", position_side::both, dec("45000"), dec("5"), 44, 45, 4).empty()) << "flat";
    }
    EXPECT_EQ(types, (std::set<order_type>{order_type::liquidation, order_type::market}));
}

// Spec §1.6.2: in hedge mode a fill pushes the symbol's BOTH row and the changed side, and under
// isolated margin also the other side once it is initialised (the docs' three-row example).
TEST(SimEngine, IsolatedHedgePushesTheInitialisedOtherSide) {
    for (const margin_type m : {margin_type::isolated, margin_type::cross}) {
        sim::engine_options o;
        o.hedge_mode = true;
        account_engine e(o);
        (void)e.deposit("USDT", dec("100000"), 1);
        if (m == margin_type::isolated) {
            ASSERT_EQ(e.set_margin_type("BTCUSDT", m, 2).size(), 1u);
        }
        const auto sides = [&](const std::vector<std::string>& frames) {
            std::vector<position_side> out;
            for (const auto& ev : first_of(frames, "ACCOUNT_UPDATE"))
                if (ev.type() == event_type::position_update) out.push_back(ev.payload.position.side);
            return out;
        };
        const auto first = e.fill(fill("BTCUSDT", order_side::buy, "0.1", "50000", position_side::long_side), 3);
        EXPECT_EQ(sides(first), (std::vector<position_side>{position_side::both, position_side::long_side}))
            << "SHORT not initialised yet";
        const auto second = e.fill(fill("BTCUSDT", order_side::sell, "0.05", "50100", position_side::short_side, 2), 4);
        if (m == margin_type::isolated) {
            EXPECT_EQ(sides(second), (std::vector<position_side>{position_side::both, position_side::long_side, position_side::short_side}));
            const auto au = first_of(second, "ACCOUNT_UPDATE");
            EXPECT_EQ(au.at(2).payload.position.amount.to_string(), "0.1") << "the LONG as it is";
            EXPECT_EQ(au.at(2).payload.position.isolated_wallet.to_string(), "250");
        } else {
            EXPECT_EQ(sides(second), (std::vector<position_side>{position_side::both, position_side::short_side}));
        }
    }
}

// Spec §1.5: each event type strictly ordered by T and E on a connection; operations share an E
// only across event types; no two ACCOUNT_UPDATEs share a T; T != E, a TRADE_LITE's T > E.
TEST(SimEngine, TimesNeverGoBackWithinAnEventTypeAndOperationsShareAnEOnlyAcrossTypes) {
    sim::engine_options o;
    o.seed = 5;
    account_engine e(o);
    for (const char* s : {"BTCUSDT", "ETHUSDT"}) e.list_symbol(s);
    (void)e.deposit("USDT", dec("100000"), 1);
    std::mt19937_64 rng(9);
    std::map<std::string, std::pair<std::int64_t, std::int64_t>> last; // type -> E, T
    std::map<std::string, std::set<std::int64_t>> e_by_type_op;        // "type op": E's
    std::map<std::int64_t, std::set<std::string>> types_by_e;          // E -> "op type"
    std::set<std::int64_t> update_times;
    int e_after_t = 0, lite_before = 0, shared = 0;
    std::int64_t t = 1000;
    for (int op = 0; op < 3000; ++op) {
        t += static_cast<std::int64_t>(rng() % 3); // often the same time as the operation before
        const auto frames = sim::random_operation(e, static_cast<int>(rng() % sim::operation_count), rng() % 2 ? "BTCUSDT" : "ETHUSDT", rng, t, op + 1);
        for (const auto& f : frames) {
            const auto evs = events_of(f, market::usdm);
            const std::string type = type_of(f);
            const std::int64_t E = evs.at(0).header.event_time_ms, T = evs.at(0).header.transaction_time_ms;
            auto& [le, lt] = last[type];
            EXPECT_GE(E, le) << type << " E went back";
            EXPECT_GE(T, lt) << type << " T went back";
            le = E;
            lt = T;
            if (type == "ACCOUNT_UPDATE") {
                EXPECT_TRUE(update_times.insert(T).second) << "two ACCOUNT_UPDATEs with T " << T;
            }
            e_by_type_op[type + " " + std::to_string(op)].insert(E);
            types_by_e[E].insert(std::to_string(op) + " " + type);
            e_after_t += T != 0 && E > T;
            lite_before += type == "TRADE_LITE" && T > E;
        }
    }
    for (const auto& [e_time, who] : types_by_e) {
        std::map<std::string, std::set<std::string>> ops_by_type;
        std::set<std::string> ops;
        for (const auto& w : who) {
            const auto sp = w.find(' ');
            ops_by_type[w.substr(sp + 1)].insert(w.substr(0, sp));
            ops.insert(w.substr(0, sp));
        }
        for (const auto& [type, o_ids] : ops_by_type) EXPECT_EQ(o_ids.size(), 1u) << type << " operations share E " << e_time;
        shared += ops.size() > 1;
    }
    EXPECT_GT(shared, 10) << "distinct operations sharing an E, across event types";
    EXPECT_GT(e_after_t, 100);
    EXPECT_GT(lite_before, 10);
}

TEST(SimEngine, ClosingRealizesPnlAndFlipsResetEntry) {
    account_engine e;
    (void)e.deposit("USDT", dec("1000"), 1);
    (void)e.fill(fill("ETHUSDT", order_side::buy, "2", "3000"), 2);
    auto frames = e.fill(fill("ETHUSDT", order_side::sell, "3", "3100", position_side::both, 2), 3);
    const auto au = first_of(frames, "ACCOUNT_UPDATE");
    EXPECT_EQ(au[1].payload.position.amount.to_string(), "-1");
    EXPECT_EQ(au[1].payload.position.entry_price.to_string(), "3100") << "flipped: the remainder opened at the fill price";
    EXPECT_EQ(au[1].payload.position.accumulated_realized.to_string(), "200");
    EXPECT_EQ(au[0].payload.balance.wallet_balance.to_string(), "1199.98");
    EXPECT_EQ(first_of(frames, "ORDER_TRADE_UPDATE", execution_type::trade)[0].payload.order.realized_profit.to_string(), "200");
}

TEST(SimEngine, HedgeFillPushesBothAndTheChangedSide) {
    sim::engine_options o;
    o.hedge_mode = true;
    account_engine e(o);
    (void)e.deposit("USDT", dec("1000"), 1);
    const auto frames = e.fill(fill("SOLUSDT", order_side::buy, "1", "80", position_side::long_side), 2);
    const auto au = first_of(frames, "ACCOUNT_UPDATE");
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

// COIN-M in the shape of the real capture (spec §2): a fill's ACCOUNT_UPDATE carries every asset
// in B, zero ones too, and only the traded symbol's rows in P, with the account alias "i".
TEST(SimEngine, CoinmPushesEveryAssetAndOnlyTheTradedSymbol) {
    for (const bool hedge : {false, true}) {
        sim::engine_options o;
        o.venue = market::coinm;
        o.hedge_mode = hedge;
        account_engine e(o);
        e.list_symbol("BTCUSD_PERP");
        e.list_symbol("ETHUSD_PERP");
        (void)e.deposit("BTC", dec("1"), 1);
        const auto frames = e.fill(fill("BTCUSD_PERP", order_side::buy, "10", "60000", hedge ? position_side::long_side : position_side::both), 2);
        ASSERT_EQ(frames.size(), 3u) << "no TRADE_LITE on COIN-M";
        const auto au = first_of(frames, "ACCOUNT_UPDATE", execution_type::unknown, market::coinm);
        std::vector<std::string> items;
        for (const auto& ev : au)
            items.push_back(ev.type() == event_type::balance_update
                                ? std::string(ev.payload.balance.asset.view()) + "=" + ev.payload.balance.wallet_balance.to_string()
                                : std::string(ev.payload.position.symbol.view()) + ":" + std::string(to_string(ev.payload.position.side)));
        const std::vector<std::string> one_way{"BTC=0.99", "ETH=0", "BTCUSD_PERP:BOTH"};
        const std::vector<std::string> both_sides{"BTC=0.99", "ETH=0", "BTCUSD_PERP:BOTH", "BTCUSD_PERP:LONG", "BTCUSD_PERP:SHORT"};
        EXPECT_EQ(items, hedge ? both_sides : one_way);
        for (const auto& f : frames) {
            EXPECT_NE(f.find(R"("i":"SfsR")"), std::string::npos) << f;
        }
        EXPECT_EQ(au.back().payload.position.margin_asset.view(), "BTC");
    }
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
        std::map<int, int> drawn;
        std::int64_t t = 1'700'000'000'000;
        const std::string asset = e.margin_asset_of(syms[0]);
        auto run = [&](int steps) {
            for (int i = 0; i < steps; ++i) {
                t += static_cast<std::int64_t>(rng() % 5); // sometimes the same time: operations at one instant
                const std::string sym = syms[rng() % 3];
                const int op = static_cast<int>(rng() % sim::operation_count); // every operation, margin calls too
                ++drawn[op];
                const auto out = sim::random_operation(e, op, sym, rng, t, i);
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
        EXPECT_EQ(drawn.size(), static_cast<std::size_t>(sim::operation_count)) << "every operation drawn";
    }
}

namespace {
// The first element of the body's array (or the object) whose "symbol" is `symbol`.
nlohmann::json row_of(const nlohmann::json& rows, const std::string& symbol) {
    for (const auto& r : rows)
        if (r.value("symbol", "") == symbol) return r;
    ADD_FAILURE() << "no row for " << symbol << " in " << rows.dump();
    return {};
}
} // namespace

// Marks move and push nothing (spec §1.6.2: ACCOUNT_UPDATE only when a balance or position
// changes); a pushed position carries `up` valued at the mark of its push, a snapshot row the
// current mark's uPnL, notional and margins with the updateTime of the last position change.
// Hand-computed: bought 0.5 BTC at 90853.2 with the mark at 90900 (up 23.4), mark now 91000.
TEST(SimEngine, APushCarriesTheUpnlOfItsMarkAndASnapshotTheCurrentOne) {
    sim::engine_options o;
    account_engine e(o);
    e.list_symbol("BTCUSDT");
    EXPECT_EQ(e.mark_price("BTCUSDT").to_string(), "90853.2") << "the 2024-11 capture's level";
    (void)e.deposit("USDT", dec("10000"), 1);
    e.set_mark("BTCUSDT", dec("90900"));
    auto f = fill("BTCUSDT", order_side::buy, "0.5", "90853.2");
    const auto frames = e.fill(f, 2);
    const auto au = first_of(frames, "ACCOUNT_UPDATE");
    ASSERT_EQ(au.size(), 2u);
    EXPECT_EQ(au[1].payload.position.unrealized_pnl.to_string(), "23.4");
    const std::int64_t T = au[1].header.transaction_time_ms;
    e.set_mark("BTCUSDT", dec("91000")); // returns nothing to push: a mark move is silent

    const auto risk = row_of(nlohmann::json::parse(e.rest_snapshot(snapshot_kind::position_risk_v2)), "BTCUSDT");
    EXPECT_EQ(risk["markPrice"], "91000");
    EXPECT_EQ(risk["unRealizedProfit"], "73.4");
    EXPECT_EQ(risk["notional"], "45500");
    EXPECT_EQ(risk["isAutoAddMargin"], "false");
    EXPECT_EQ(risk["updateTime"], T) << "the time of the last position change, not of the mark";
    const auto v3 = row_of(nlohmann::json::parse(e.rest_snapshot(snapshot_kind::position_risk_v3)), "BTCUSDT");
    EXPECT_EQ(v3["initialMargin"], "2275") << "|notional| / 20x";
    EXPECT_EQ(v3["maintMargin"], "182") << "|notional| x 0.004";
    EXPECT_EQ(v3["marginAsset"], "USDT");
    const auto account = nlohmann::json::parse(e.rest_snapshot(snapshot_kind::account_v2));
    const auto usdt = account["assets"][0];
    EXPECT_EQ(usdt["walletBalance"], "9999.99");
    EXPECT_EQ(usdt["unrealizedProfit"], "73.4");
    EXPECT_EQ(usdt["crossUnPnl"], "73.4");
    EXPECT_EQ(usdt["marginBalance"], "10073.39") << "wallet + uPnL";
    EXPECT_EQ(usdt["initialMargin"], "2275");
    EXPECT_EQ(usdt["maintMargin"], "182");
    EXPECT_EQ(usdt["maxWithdrawAmount"], "7798.39") << "marginBalance - initialMargin";
    EXPECT_EQ(account["totalMarginBalance"], "10073.39");
    EXPECT_EQ(account["totalUnrealizedProfit"], "73.4");
    EXPECT_EQ(account["availableBalance"], "7798.39");
}

// COIN-M contracts are inverse: 10 contracts of 100 USD bought at 90000, mark 91000:
// uPnL = 10 x 100 x (1/90000 - 1/91000) BTC, notionalValue = 10 x 100 / 91000 BTC.
TEST(SimEngine, CoinmPositionsAreValuedAsInverseContracts) {
    sim::engine_options o;
    o.venue = market::coinm;
    account_engine e(o);
    e.list_symbol("BTCUSD_PERP");
    (void)e.deposit("BTC", dec("1"), 1);
    e.set_mark("BTCUSD_PERP", dec("91000"));
    (void)e.fill(fill("BTCUSD_PERP", order_side::buy, "10", "90000"), 2);
    const auto risk = row_of(nlohmann::json::parse(e.rest_snapshot(snapshot_kind::coinm_position_risk)), "BTCUSD_PERP");
    EXPECT_EQ(risk["unRealizedProfit"], "0.0001221");
    EXPECT_EQ(risk["notionalValue"], "0.01098901");
    // Sold at 91000: the same amount realized, in BTC.
    (void)e.fill(fill("BTCUSD_PERP", order_side::sell, "10", "91000", position_side::both, 2), 3);
    EXPECT_EQ(e.trades().back().realized.to_string(), "0.0001221");
}
