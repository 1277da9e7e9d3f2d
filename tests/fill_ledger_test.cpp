// fill_ledger: which back-filled fills the feed publishes — each fill the stream lost, once.
#include <gtest/gtest.h>

#include <vector>

#include "core/event_builders.hpp"
#include "net/fill_ledger.hpp"

using namespace acctsync;
using acctsync::net::fill_ledger;

namespace {

event lite(const char* sym, std::int64_t id, std::int64_t t) {
    event ev;
    reset_event(ev, event_type::trade_lite, market::usdm);
    ev.header.transaction_time_ms = ev.header.event_time_ms = t;
    (void)ev.payload.trade.symbol.assign(sym);
    ev.payload.trade.order_id = ev.payload.trade.trade_id = id;
    return ev;
}
event liquidation(const char* sym, std::int64_t id, std::int64_t t) { // ORDER_TRADE_UPDATE x=CALCULATED
    event ev;
    reset_event(ev, event_type::order_update, market::usdm);
    ev.header.transaction_time_ms = ev.header.event_time_ms = t;
    (void)ev.payload.order.symbol.assign(sym);
    ev.payload.order.order_id = ev.payload.order.trade_id = id;
    ev.payload.order.exec = execution_type::calculated;
    return ev;
}
event missed(const char* sym, std::int64_t id, std::int64_t t) {
    event ev;
    reset_event(ev, event_type::missed_fill, market::usdm);
    ev.header.transaction_time_ms = ev.header.event_time_ms = t;
    (void)ev.payload.fill.symbol.assign(sym);
    ev.payload.fill.order_id = ev.payload.fill.trade_id = id;
    return ev;
}
std::vector<std::int64_t> ids(const std::vector<event>& v) {
    std::vector<std::int64_t> out;
    for (const auto& ev : v) out.push_back(ev.payload.fill.trade_id);
    return out;
}

} // namespace

TEST(fill_ledger, publishes_only_the_fills_the_stream_never_delivered) {
    fill_ledger l;
    EXPECT_EQ(l.since_ms(), -1) << "nothing streamed: nothing to back-fill";
    ASSERT_TRUE(l.track(lite("BTCUSDT", 1, 1000), false));
    ASSERT_TRUE(l.track(liquidation("BTCUSDT", 2, 1100), false));
    EXPECT_EQ(l.since_ms(), 1100 - fill_ledger::since_margin_ms);
    // The gap lost 3; the stream resumed with 5 (T 1300).
    ASSERT_TRUE(l.track(lite("BTCUSDT", 5, 1300), false));
    l.hold({missed("BTCUSDT", 1, 1000), missed("BTCUSDT", 2, 1100), missed("BTCUSDT", 3, 1200),
            missed("BTCUSDT", 5, 1300)},
           0);
    std::vector<event> out;
    l.release(1, out);
    EXPECT_EQ(ids(out), (std::vector<std::int64_t>{3})) << "1, 2 and 5 came on the stream; a liquidation fill too";
    // Published (the feed tracks what it publishes), it is known: a second back-fill of the
    // same window publishes nothing, and a second copy reaching track() is dropped.
    for (const auto& ev : out) EXPECT_TRUE(l.track(ev, false));
    EXPECT_FALSE(l.track(out[0], false));
    l.hold({missed("BTCUSDT", 3, 1200)}, 2);
    out.clear();
    l.release(3, out);
    EXPECT_TRUE(out.empty());
}

TEST(fill_ledger, a_fill_waits_until_its_symbols_stream_has_passed_it) {
    fill_ledger l;
    ASSERT_TRUE(l.track(lite("BTCUSDT", 1, 1000), false));
    ASSERT_TRUE(l.track(lite("ETHUSDT", 2, 5000), false)); // another symbol far ahead: no proof
    l.hold({missed("BTCUSDT", 7, 2000), missed("BTCUSDT", 8, 2000)}, 0, 3000);
    std::vector<event> out;
    l.release(1'000'000, out);
    EXPECT_TRUE(out.empty()) << "BTCUSDT's stream has not reached T=2000: it may still bring them";
    ASSERT_TRUE(l.track(lite("BTCUSDT", 7, 2000), false)); // the stream brings 7 (8 shares its T)
    l.release(2'000'000, out);
    EXPECT_TRUE(out.empty()) << "strictly past: 8 may still follow in the same millisecond";
    ASSERT_TRUE(l.track(lite("BTCUSDT", 9, 2001), false));
    l.release(3'000'000, out);
    EXPECT_EQ(ids(out), (std::vector<std::int64_t>{8}));
}

TEST(fill_ledger, a_quiet_symbol_is_decided_after_the_hold) {
    fill_ledger l;
    ASSERT_TRUE(l.track(lite("SOLUSDT", 1, 1000), false));
    l.hold({missed("SOLUSDT", 2, 1500)}, 0, 3000);
    std::vector<event> out;
    l.release(2'999'000'000, out);
    EXPECT_TRUE(out.empty());
    l.release(3'000'000'000, out);
    EXPECT_EQ(ids(out), (std::vector<std::int64_t>{2}));
}

TEST(fill_ledger, snapshot_rows_name_held_symbols_but_never_move_the_start) {
    fill_ledger l;
    ASSERT_TRUE(l.track(lite("BTCUSDT", 1, 1000), false));
    event row;
    position_values v{};
    v.amount = dec("2");
    make_position(row, market::usdm, "ETHUSDT", position_side::both, v, {9000, 9000, 0});
    as_snapshot_row(row, 9000);
    ASSERT_TRUE(l.track(row, true));
    EXPECT_EQ(l.since_ms(), 1000 - fill_ledger::since_margin_ms) << "an as-of time is not the stream's";
    const auto syms = l.symbols();
    ASSERT_EQ(syms.size(), 2u);
    EXPECT_EQ(syms[1].view(), "ETHUSDT");
}

TEST(fill_ledger, before_any_stream_event_a_back_fill_starts_at_the_first_snapshots_as_of_time) {
    fill_ledger l;
    EXPECT_EQ(l.since_ms(), -1) << "nothing seen: nothing to fill";
    event begin{};
    reset_event(begin, event_type::snapshot_begin, market::usdm);
    begin.payload.snapshot.as_of_ms = 50'000;
    ASSERT_TRUE(l.track(begin, true));
    EXPECT_EQ(l.since_ms(), 50'000) << "a gap right after the first sync: from the sync itself, no margin";
    begin.payload.snapshot.as_of_ms = 55'000; // an audit later, the stream still silent (a deaf socket)
    ASSERT_TRUE(l.track(begin, true));
    EXPECT_EQ(l.since_ms(), 50'000) << "an audit does not move the start past fills it may have missed";
    ASSERT_TRUE(l.track(lite("BTCUSDT", 1, 60'000), false));
    EXPECT_EQ(l.since_ms(), 60'000 - fill_ledger::since_margin_ms) << "the stream's own time wins once there is one";
}

TEST(fill_ledger, remembers_far_more_fills_than_a_back_fill_window_holds) {
    fill_ledger l;
    // A back-fill window holds at most 3 pages of 1 000 per symbol; 5 000 are all still known.
    for (std::int64_t id = 1; id <= 5000; ++id) ASSERT_TRUE(l.track(lite("BTCUSDT", id, id), false));
    std::size_t forgotten = 0;
    for (std::int64_t id = 1; id <= 5000; ++id) forgotten += !l.delivered(symbol_string::from("BTCUSDT"), id, id);
    EXPECT_EQ(forgotten, 0u);
}
