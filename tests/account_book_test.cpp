// Account book: every consequence of last-writer-wins that DESIGN.md lists.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>
#include <vector>

#include "core/account_book.hpp"
#include "core/event_builders.hpp"
#include "parse/json/book_json.hpp"

using namespace acctsync;

namespace {

constexpr book_capacity small{16, 32, 16};

stream_times at(std::int64_t t) { return {t + 1, t, t * 1'000'000}; }

event balance(std::string_view asset, const char* wb, std::int64_t t) {
    event ev;
    make_balance(ev, market::usdm, asset, dec(wb), dec(wb), decimal{}, at(t));
    return ev;
}

event position(std::string_view symbol, position_side side, const char* amount, std::int64_t t) {
    event ev;
    position_values v{};
    v.amount = dec(amount);
    v.entry_price = dec("100");
    make_position(ev, market::usdm, symbol, side, v, at(t));
    return ev;
}

event begin(std::uint64_t id, std::int64_t as_of, std::uint8_t scope = account_book::all_scopes,
            std::string_view filter = {}, std::int64_t sent_ns = -1) {
    event ev;
    make_snapshot_begin(ev, market::usdm, id, as_of, sent_ns < 0 ? as_of * 1'000'000 : sent_ns, scope,
                        snapshot_kind::account_v2, filter);
    return ev;
}

event end(std::uint64_t id, std::uint32_t rows, bool complete = true) {
    event ev;
    make_snapshot_end(ev, market::usdm, id, rows, complete);
    return ev;
}

event row(event ev, std::int64_t update_time) { return as_snapshot_row(ev, update_time); }

event gap(std::int64_t recv_ns, stream_status_kind kind = stream_status_kind::disconnected) {
    event ev;
    make_stream_status(ev, market::usdm, kind, recv_ns);
    return ev;
}

std::string canonical(const account_book& b) {
    parse::book_json_options o;
    o.include_times = true;
    return parse::book_json(b, o);
}

void apply_all(account_book& b, const std::vector<event>& evs) {
    for (const auto& e : evs) (void)b.apply(e);
}

std::string amount_of(const account_book& b, std::string_view sym, position_side side) {
    const auto* p = b.position(sym, side);
    return p ? p->amount.to_string() : "absent";
}

std::string wallet_of(const account_book& b, std::string_view asset) {
    const auto* e = b.balance(asset);
    return e ? e->wallet_balance.to_string() : "absent";
}

} // namespace

TEST(AccountBook, StreamUpdatesSetAbsoluteValues) {
    account_book b(small);
    EXPECT_EQ(b.apply(balance("USDT", "100.5", 10)), apply_status::applied);
    EXPECT_EQ(b.apply(balance("USDT", "99.25", 11)), apply_status::applied);
    EXPECT_EQ(wallet_of(b, "USDT"), "99.25");
    EXPECT_EQ(b.balance("USDT")->time_ms, 11);
    EXPECT_EQ(b.balance("BNB"), nullptr);
}

TEST(AccountBook, OlderUpdatesNeverOverwriteNewerOnes) {
    account_book b(small);
    ASSERT_EQ(b.apply(balance("USDT", "200", 20)), apply_status::applied);
    EXPECT_EQ(b.apply(balance("USDT", "100", 19)), apply_status::stale);
    EXPECT_EQ(wallet_of(b, "USDT"), "200");
    ASSERT_EQ(b.apply(position("BTCUSDT", position_side::both, "1", 20)), apply_status::applied);
    EXPECT_EQ(b.apply(position("BTCUSDT", position_side::both, "5", 3)), apply_status::stale);
    EXPECT_EQ(amount_of(b, "BTCUSDT", position_side::both), "1");
    EXPECT_EQ(b.counters().stale, 2u);
}

TEST(AccountBook, DuplicatesAreIdempotent) {
    account_book once(small), twice(small);
    const std::vector<event> evs = {balance("USDT", "1", 1), position("ETHUSDT", position_side::both, "2", 2),
                                    balance("USDT", "3", 3), position("ETHUSDT", position_side::both, "0", 4)};
    apply_all(once, evs);
    for (const auto& e : evs) {
        (void)twice.apply(e);
        (void)twice.apply(e); // the same frame from a second, overlapping connection
    }
    apply_all(twice, evs); // and the whole stream replayed late
    EXPECT_EQ(canonical(once), canonical(twice));
}

TEST(AccountBook, LongShortAndBothAreSeparateRegisters) {
    account_book b(small);
    (void)b.apply(position("SOLUSDT", position_side::long_side, "3", 1));
    (void)b.apply(position("SOLUSDT", position_side::short_side, "-2", 1));
    (void)b.apply(position("SOLUSDT", position_side::both, "0", 1));
    EXPECT_EQ(amount_of(b, "SOLUSDT", position_side::long_side), "3");
    EXPECT_EQ(amount_of(b, "SOLUSDT", position_side::short_side), "-2");
    EXPECT_EQ(amount_of(b, "SOLUSDT", position_side::both), "0");
    (void)b.apply(position("SOLUSDT", position_side::long_side, "0", 2));
    EXPECT_EQ(amount_of(b, "SOLUSDT", position_side::short_side), "-2") << "closing LONG leaves SHORT alone";
    EXPECT_EQ(b.positions().size(), 3u);
}

TEST(AccountBook, Utf8SymbolsAreKeys) {
    account_book b(small);
    (void)b.apply(position("币安人生USDT", position_side::both, "42", 1));
    EXPECT_EQ(amount_of(b, "币安人生USDT", position_side::both), "42");
}

// The snapshot is atomic on the ring (begin, rows, end are published together), the stream
// events around it may come in any order. Every interleaving must give one and the same book.
TEST(AccountBook, SnapshotAndStreamInterleavedInEveryOrderReachTheSameState) {
    std::vector<event> snapshot;
    snapshot.push_back(begin(1, 1000, scope_assets | scope_positions));
    event usdt = balance("USDT", "500", 0);
    usdt.payload.balance.available_balance = dec("450");
    usdt.payload.balance.fields |= balance_update::f_available_balance;
    snapshot.push_back(row(usdt, 950));
    snapshot.push_back(row(position("BTCUSDT", position_side::both, "1", 0), 900));
    snapshot.push_back(row(position("ETHUSDT", position_side::long_side, "2", 0), 980));
    snapshot.push_back(end(1, 3));

    const std::vector<event> stream = {
        balance("USDT", "400", 940),                            // older than the snapshot row: loses
        balance("USDT", "600", 1100),                           // newer: wins
        balance("BNB", "5", 800),                               // absent from snapshot, older: flat
        position("SOLUSDT", position_side::both, "3", 1200),    // absent but newer: stays
        position("ETHUSDT", position_side::short_side, "-1", 990), // absent, older: flat
        position("BTCUSDT", position_side::both, "1.5", 1050),  // newer than row: wins
    };

    std::vector<int> order(stream.size());
    std::iota(order.begin(), order.end(), 0);
    std::string first;
    int runs = 0;
    do {
        for (std::size_t snap_at = 0; snap_at <= stream.size(); ++snap_at) {
            account_book b(small);
            for (std::size_t i = 0; i <= stream.size(); ++i) {
                if (i == snap_at) apply_all(b, snapshot);
                if (i < stream.size()) (void)b.apply(stream[order[i]]);
            }
            const std::string s = canonical(b);
            if (first.empty()) {
                first = s;
                EXPECT_EQ(wallet_of(b, "USDT"), "600");
                EXPECT_EQ(b.balance("USDT")->available_balance.to_string(), "450");
                EXPECT_EQ(wallet_of(b, "BNB"), "0");
                EXPECT_EQ(amount_of(b, "SOLUSDT", position_side::both), "3");
                EXPECT_EQ(amount_of(b, "ETHUSDT", position_side::short_side), "0");
                EXPECT_EQ(amount_of(b, "ETHUSDT", position_side::long_side), "2");
                EXPECT_EQ(amount_of(b, "BTCUSDT", position_side::both), "1.5");
                EXPECT_TRUE(b.consistent());
            }
            ASSERT_EQ(s, first) << "snapshot at " << snap_at << " of permutation " << runs;
            ++runs;
        }
    } while (std::next_permutation(order.begin(), order.end()));
    EXPECT_EQ(runs, 720 * 7);
}

TEST(AccountBook, CompleteSnapshotFlattensAbsentKeysOlderThanAsOf) {
    account_book b(small);
    (void)b.apply(balance("BNB", "2", 500));
    (void)b.apply(balance("USDT", "9", 1500)); // after as-of: the snapshot cannot know it
    (void)b.apply(position("BTCUSDT", position_side::both, "1", 500));
    apply_all(b, {begin(7, 1000), end(7, 0)});
    EXPECT_EQ(wallet_of(b, "BNB"), "0");
    EXPECT_EQ(b.balance("BNB")->time_ms, 1000);
    EXPECT_EQ(wallet_of(b, "USDT"), "9");
    EXPECT_EQ(amount_of(b, "BTCUSDT", position_side::both), "0");
    EXPECT_EQ(b.counters().flattened, 2u);
    // A key first seen later with an older stamp is already known to be flat.
    EXPECT_EQ(b.apply(position("XRPUSDT", position_side::both, "10", 999)), apply_status::stale);
    EXPECT_EQ(amount_of(b, "XRPUSDT", position_side::both), "0");
    EXPECT_EQ(b.apply(position("XRPUSDT", position_side::both, "10", 1001)), apply_status::applied);
}

TEST(AccountBook, IncompleteSnapshotFlattensNothing) {
    account_book b(small);
    (void)b.apply(balance("BNB", "2", 500));
    apply_all(b, {begin(1, 1000), end(1, 0, /*complete=*/false)});
    EXPECT_EQ(wallet_of(b, "BNB"), "2");
    // A row lost between begin and end (count mismatch) also voids completeness.
    apply_all(b, {begin(2, 1000), row(balance("USDT", "1", 0), 900), end(2, 2)});
    EXPECT_EQ(wallet_of(b, "BNB"), "2");
    EXPECT_EQ(wallet_of(b, "USDT"), "1") << "rows themselves still apply";
    EXPECT_TRUE(b.needs_resync());
}

TEST(AccountBook, SnapshotScopeLimitsWhatIsFlattened) {
    account_book b(small);
    (void)b.apply(balance("BNB", "2", 500));
    (void)b.apply(position("BTCUSDT", position_side::both, "1", 500));
    apply_all(b, {begin(1, 1000, scope_assets), end(1, 0)}); // a /fapi/v2/balance snapshot
    EXPECT_EQ(wallet_of(b, "BNB"), "0");
    EXPECT_EQ(amount_of(b, "BTCUSDT", position_side::both), "1") << "positions were not in scope";
}

TEST(AccountBook, SymbolFilteredSnapshotOnlySpeaksForThatSymbol) {
    account_book b(small);
    (void)b.apply(position("BTCUSDT", position_side::long_side, "1", 500));
    (void)b.apply(position("ETHUSDT", position_side::both, "1", 500));
    apply_all(b, {begin(1, 1000, scope_positions, "BTCUSDT"), end(1, 0)});
    EXPECT_EQ(amount_of(b, "BTCUSDT", position_side::long_side), "0");
    EXPECT_EQ(amount_of(b, "ETHUSDT", position_side::both), "1");
    EXPECT_EQ(b.apply(position("BTCUSDT", position_side::short_side, "-1", 900)), apply_status::stale);
    EXPECT_EQ(b.apply(position("ETHUSDT", position_side::short_side, "-1", 900)), apply_status::applied);
}

TEST(AccountBook, SnapshotOnlyFieldsKeepTheirOwnStamp) {
    account_book b(small);
    (void)b.apply(balance("USDT", "700", 2000)); // stream newer than both snapshots below
    event r = balance("USDT", "500", 0);
    r.payload.balance.available_balance = dec("480");
    r.payload.balance.fields |= balance_update::f_available_balance;
    apply_all(b, {begin(1, 1500), row(r, 1400), end(1, 1)});
    EXPECT_EQ(wallet_of(b, "USDT"), "700") << "the stream value is newer than the row";
    EXPECT_EQ(b.balance("USDT")->available_balance.to_string(), "480") << "only a snapshot knows this";
    EXPECT_EQ(b.balance("USDT")->snapshot_time_ms, 1500);
    r.payload.balance.available_balance = dec("1");
    apply_all(b, {begin(2, 1200), row(r, 1100), end(2, 1)}); // a slow, older response
    EXPECT_EQ(b.balance("USDT")->available_balance.to_string(), "480");
}

TEST(AccountBook, NewBookNeedsResyncUntilEveryScopeIsSnapshotted) {
    account_book b(small);
    EXPECT_TRUE(b.needs_resync());
    apply_all(b, {begin(1, 1000, scope_assets | scope_positions), end(1, 0)}); // v3 account
    EXPECT_EQ(b.dirty_scopes(), scope_leverage | scope_account_config);
    apply_all(b, {begin(2, 1000, scope_leverage), end(2, 0)}); // symbolConfig
    apply_all(b, {begin(3, 1000, scope_account_config), end(3, 0)}); // accountConfig
    EXPECT_FALSE(b.needs_resync());
}

TEST(AccountBook, GapsMarkResyncAndOnlyALaterRequestHealsThem) {
    account_book b(small);
    apply_all(b, {begin(1, 1000), end(1, 0)});
    ASSERT_FALSE(b.needs_resync());
    for (auto kind : {stream_status_kind::disconnected, stream_status_kind::listen_key_expired,
                      stream_status_kind::gap, stream_status_kind::parse_error}) {
        (void)b.apply(gap(5'000'000'000, kind));
        EXPECT_TRUE(b.needs_resync()) << to_string(kind);
        // A response to a request sent before the gap cannot cover what the gap lost.
        apply_all(b, {begin(2, 4000, account_book::all_scopes, {}, 4'999'999'999), end(2, 0)});
        EXPECT_TRUE(b.needs_resync());
        if (kind == stream_status_kind::disconnected || kind == stream_status_kind::listen_key_expired)
            (void)b.apply(gap(5'000'000'000, stream_status_kind::resumed)); // the stream is back
        apply_all(b, {begin(3, 5000, account_book::all_scopes, {}, 5'000'000'001), end(3, 0)});
        EXPECT_FALSE(b.needs_resync());
    }
    (void)b.apply(gap(6'000'000'000, stream_status_kind::connected));
    EXPECT_FALSE(b.needs_resync()) << "connecting loses nothing";
    EXPECT_EQ(b.counters().gaps, 4u);
}

// A row with "updateTime":0 (v3 account positions; a row without the field) counts as of the
// snapshot: it heals what a gap lost, and loses to a stream change newer than the snapshot.
TEST(AccountBook, RowsWithoutAnUpdateTimeSpeakAsOfTheSnapshot) {
    account_book b(small);
    apply_all(b, {begin(1, 1000), row(position("BTCUSDT", position_side::both, "1", 900), 900),
                  row(balance("USDT", "10", 900), 900), end(1, 2)});
    apply_all(b, {position("ETHUSDT", position_side::both, "3", 2000)});
    (void)b.apply(gap(3'000'000'000, stream_status_kind::gap)); // BTCUSDT went to 2, USDT to 20: lost
    apply_all(b, {position("ETHUSDT", position_side::both, "4", 6000)}); // after the request left
    apply_all(b, {begin(2, 5000, account_book::all_scopes, {}, 5'000'000'000),
                  row(position("BTCUSDT", position_side::both, "2", 0), 0),
                  row(position("ETHUSDT", position_side::both, "3", 0), 0), row(balance("USDT", "20", 0), 0), end(2, 3)});
    EXPECT_FALSE(b.needs_resync());
    EXPECT_EQ(amount_of(b, "BTCUSDT", position_side::both), "2") << "healed by a row without a time";
    EXPECT_EQ(wallet_of(b, "USDT"), "20");
    EXPECT_EQ(amount_of(b, "ETHUSDT", position_side::both), "4") << "a stream change after the snapshot stays";
    EXPECT_EQ(b.position("BTCUSDT", position_side::both)->time_ms, 5000) << "stamped with the as-of time";
}

TEST(AccountBook, AfterADisconnectOnlyASnapshotAskedForAfterTheStreamResumedHeals) {
    account_book b(small);
    apply_all(b, {begin(1, 1000, account_book::all_scopes, {}, 1000), end(1, 0)});
    ASSERT_FALSE(b.needs_resync());
    (void)b.apply(gap(2000)); // disconnected: the stream is down
    // Asked for after the loss but before any connection was open again: events between this
    // snapshot and the reconnection are lost, so it heals nothing.
    apply_all(b, {begin(2, 3, account_book::all_scopes, {}, 3000), end(2, 0)});
    EXPECT_TRUE(b.needs_resync());
    event up;
    make_stream_status(up, market::usdm, stream_status_kind::resumed, 4000);
    EXPECT_EQ(b.apply(up), apply_status::applied);
    apply_all(b, {begin(3, 3, account_book::all_scopes, {}, 3500), end(3, 0)}); // asked for before `resumed`
    EXPECT_TRUE(b.needs_resync());
    apply_all(b, {begin(4, 5, account_book::all_scopes, {}, 5000), end(4, 0)});
    EXPECT_FALSE(b.needs_resync());
    // A gap with the stream still up (a parse error, a ring overrun) needs no `resumed`.
    (void)b.apply(gap(6000, stream_status_kind::parse_error));
    apply_all(b, {begin(5, 7, account_book::all_scopes, {}, 7000), end(5, 0)});
    EXPECT_FALSE(b.needs_resync());
    // `resumed` while nothing is pending changes nothing.
    make_stream_status(up, market::usdm, stream_status_kind::resumed, 8000);
    EXPECT_EQ(b.apply(up), apply_status::not_for_book);
}

// Drift: the stream lost a change while the book was in sync; an audit snapshot shows it.
TEST(AccountBook, AnAuditSnapshotNamesWhatTheStreamLostAndHealsIt) {
    account_book b(small, 1000);
    event ev;
    apply_all(b, {begin(1, 1000, account_book::all_scopes, {}, 1'000'000'000), end(1, 0)});
    apply_all(b, {balance("USDT", "100", 1100), position("BTCUSDT", position_side::long_side, "1", 1100),
                  position("ETHUSDT", position_side::both, "2", 1100)});
    (void)b.apply(make_leverage(ev, market::usdm, "BTCUSDT", 10, {1100, 1100, 1'100'000'000}));
    ASSERT_FALSE(b.needs_resync());
    // Audit as of 5000 (sent at 5 s): USDT changed at 2000 (the stream never said so), BTCUSDT
    // LONG changed at 4500 (within the grace: the stream may still deliver it), ETHUSDT is gone
    // (absent, held non-zero since 1100), the leverage differs from a value known since 1.1 s.
    event lev = make_leverage(ev, market::usdm, "BTCUSDT", 20, at(0));
    apply_all(b, {begin(2, 5000, account_book::all_scopes, {}, 5'000'000'000), row(balance("USDT", "90", 0), 2000),
                  row(position("BTCUSDT", position_side::long_side, "3", 0), 4500), row(lev, 0), end(2, 3)});
    EXPECT_EQ(b.counters().drift_snapshots, 1u);
    EXPECT_EQ(b.drift().keys, 3u);
    EXPECT_EQ(b.drift().snapshot_id, 2u);
    EXPECT_EQ(b.drift().names.view(), "USDT,lev:BTCUSDT,ETHUSDT");
    // ...and healed, the change within the grace too.
    EXPECT_EQ(wallet_of(b, "USDT"), "90");
    EXPECT_EQ(amount_of(b, "BTCUSDT", position_side::long_side), "3");
    EXPECT_EQ(amount_of(b, "ETHUSDT", position_side::both), "0");
    EXPECT_EQ(b.symbol("BTCUSDT")->leverage, 20u);
    // The same snapshot again finds nothing.
    apply_all(b, {begin(3, 5000, account_book::all_scopes, {}, 5'000'000'000), row(balance("USDT", "90", 0), 2000),
                  row(position("BTCUSDT", position_side::long_side, "3", 0), 4500), row(lev, 0), end(3, 3)});
    EXPECT_EQ(b.counters().drift_snapshots, 1u);
}

TEST(AccountBook, ADirtyBookClaimsNoDrift) {
    account_book b(small, 1000);
    apply_all(b, {balance("USDT", "100", 1100)});
    ASSERT_TRUE(b.needs_resync()); // never synced: differences are expected, not drift
    apply_all(b, {begin(1, 5000, account_book::all_scopes, {}, 5'000'000'000), row(balance("USDT", "90", 0), 2000),
                  end(1, 1)});
    EXPECT_EQ(b.counters().drift_snapshots, 0u);
    EXPECT_EQ(wallet_of(b, "USDT"), "90");
}

TEST(AccountBook, ViewIsConsistentOnlyAtBatchBoundaries) {
    account_book b(small);
    event e0, e1, e2;
    make_balance(e0, market::usdm, "USDT", dec("1"), dec("1"), decimal{}, at(5), update_reason::order, 0, 3);
    position_values v{};
    v.amount = dec("1");
    make_position(e1, market::usdm, "BTCUSDT", position_side::both, v, at(5), update_reason::order, 1, 3);
    make_position(e2, market::usdm, "BTCUSDT", position_side::long_side, v, at(5), update_reason::order, 2, 3);
    const auto v0 = b.version();
    (void)b.apply(e0);
    EXPECT_FALSE(b.consistent());
    (void)b.apply(e1);
    EXPECT_FALSE(b.consistent());
    (void)b.apply(e2);
    EXPECT_TRUE(b.consistent());
    EXPECT_EQ(b.version(), v0 + 1) << "one logical update";
    (void)b.apply(begin(1, 10));
    EXPECT_FALSE(b.consistent()) << "mid-snapshot";
    (void)b.apply(end(1, 0));
    EXPECT_TRUE(b.consistent());
}

TEST(AccountBook, LeverageAndMultiAssetsAreLastWriterWins) {
    account_book b(small);
    event ev;
    (void)b.apply(make_leverage(ev, market::usdm, "BTCUSDT", 25, at(100)));
    EXPECT_EQ(b.apply(make_leverage(ev, market::usdm, "BTCUSDT", 5, at(90))), apply_status::stale);
    EXPECT_EQ(b.symbol("BTCUSDT")->leverage, 25u);
    (void)b.apply(make_multi_assets(ev, market::usdm, true, at(100)));
    EXPECT_EQ(b.apply(make_multi_assets(ev, market::usdm, false, at(99))), apply_status::stale);
    EXPECT_TRUE(b.account().multi_assets);
    // REST leverage is stamped with the snapshot's as-of time.
    event lev_row = make_leverage(ev, market::usdm, "BTCUSDT", 10, at(0));
    apply_all(b, {begin(1, 150, scope_leverage), row(lev_row, 0), end(1, 1)});
    EXPECT_EQ(b.symbol("BTCUSDT")->leverage, 10u);
    EXPECT_EQ(b.symbol("BTCUSDT")->leverage_time_ms, 150);
    // A position row that carries leverage (v2 account / positionRisk) feeds the same register.
    event p = row(position("BTCUSDT", position_side::both, "1", 0), 100);
    p.payload.position.leverage = 7;
    p.payload.position.fields |= position_update::f_leverage;
    apply_all(b, {begin(2, 160, scope_positions), p, end(2, 1)});
    EXPECT_EQ(b.symbol("BTCUSDT")->leverage, 7u);
}


// Stream T runs ahead of the client's estimate of the server clock (T > E in real captures; the
// simulator's T is ahead under load), so a snapshot asked for after a gap can carry an as-of time
// older than the last streamed T while holding a newer value (a change the gap lost). Registers
// without their own time in the snapshot are therefore also ordered by local knowledge.
TEST(AccountBook, SnapshotRequestedAfterAStreamedValueReplacesItWhateverTheClocksSay) {
    account_book b(small);
    event ev;
    // Streamed at T=799, received at local 100 ms.
    (void)b.apply(make_leverage(ev, market::usdm, "BTCUSDT", 10, {800, 799, 100'000'000}));
    (void)b.apply(make_multi_assets(ev, market::usdm, true, {800, 799, 100'000'000}));
    // The snapshot left at local 200 ms; its as-of estimate (761) is behind T=799.
    event lev_row = make_leverage(ev, market::usdm, "BTCUSDT", 20, at(0));
    event ma_row = make_multi_assets(ev, market::usdm, false, at(0));
    apply_all(b, {begin(1, 761, scope_leverage | scope_account_config, {}, 200'000'000), row(lev_row, 0),
                  row(ma_row, 0), end(1, 2)});
    EXPECT_EQ(b.symbol("BTCUSDT")->leverage, 20u);
    EXPECT_FALSE(b.account().multi_assets);
    // A replay of the replaced frame (another connection, a reconnect) cannot bring it back...
    EXPECT_EQ(b.apply(make_leverage(ev, market::usdm, "BTCUSDT", 10, {800, 799, 300'000'000})), apply_status::stale);
    EXPECT_EQ(b.apply(make_multi_assets(ev, market::usdm, true, {800, 799, 300'000'000})), apply_status::stale);
    EXPECT_EQ(b.symbol("BTCUSDT")->leverage, 20u);
    EXPECT_FALSE(b.account().multi_assets);
    // ...while a later change still wins.
    (void)b.apply(make_leverage(ev, market::usdm, "BTCUSDT", 30, {900, 900, 400'000'000}));
    EXPECT_EQ(b.symbol("BTCUSDT")->leverage, 30u);
}

TEST(AccountBook, SnapshotRequestedBeforeAStreamedValueDoesNotReplaceANewerOne) {
    account_book b(small);
    event ev;
    (void)b.apply(make_leverage(ev, market::usdm, "BTCUSDT", 10, {800, 799, 300'000'000}));
    event lev_row = make_leverage(ev, market::usdm, "BTCUSDT", 20, at(0));
    // Left at 200 ms, before the streamed value arrived, and older by the clocks: the stream wins.
    apply_all(b, {begin(1, 761, scope_leverage, {}, 200'000'000), row(lev_row, 0), end(1, 1)});
    EXPECT_EQ(b.symbol("BTCUSDT")->leverage, 10u);
}
TEST(AccountBook, RandomOrderWithDuplicatesEqualsTimeOrder) {
    std::mt19937_64 rng(99);
    const char* assets[] = {"USDT", "BNB", "BTC", "ETH"};
    const char* syms[] = {"BTCUSDT", "ETHUSDT", "SOLUSDT"};
    const position_side sides[] = {position_side::both, position_side::long_side, position_side::short_side};
    for (int round = 0; round < 200; ++round) {
        std::vector<event> evs;
        for (int i = 0; i < 60; ++i) { // unique times: the newest per key is well defined
            const auto t = static_cast<std::int64_t>(1000 + i);
            const std::string val = std::to_string(rng() % 100000) + "." + std::to_string(rng() % 100);
            if (rng() % 2) evs.push_back(balance(assets[rng() % 4], val.c_str(), t));
            else evs.push_back(position(syms[rng() % 3], sides[rng() % 3], val.c_str(), t));
        }
        account_book in_order(small), shuffled(small);
        apply_all(in_order, evs);
        std::vector<event> mixed = evs;
        for (int i = 0; i < 20; ++i) mixed.push_back(evs[rng() % evs.size()]); // duplicates
        std::shuffle(mixed.begin(), mixed.end(), rng);
        apply_all(shuffled, mixed);
        ASSERT_EQ(canonical(in_order), canonical(shuffled)) << "round " << round;
    }
}

TEST(AccountBook, FullBookRefusesNewKeysAndNeedsResync) {
    account_book b({2, 2, 2});
    apply_all(b, {begin(1, 10), end(1, 0), begin(2, 10, account_book::all_scopes), end(2, 0)});
    ASSERT_FALSE(b.needs_resync());
    (void)b.apply(balance("A", "1", 20));
    (void)b.apply(balance("B", "1", 20));
    EXPECT_EQ(b.apply(balance("C", "1", 20)), apply_status::capacity_exceeded);
    EXPECT_EQ(b.balance("C"), nullptr);
    EXPECT_TRUE(b.needs_resync());
    EXPECT_EQ(b.apply(balance("A", "2", 21)), apply_status::applied) << "known keys still update";
    EXPECT_THROW(account_book({0, 1, 1}), std::invalid_argument);
}

TEST(AccountBook, RowsOutsideASnapshotAndMismatchedEndsAreUnexpected) {
    account_book b(small);
    EXPECT_EQ(b.apply(row(balance("USDT", "1", 0), 5)), apply_status::unexpected);
    EXPECT_EQ(b.balance("USDT"), nullptr);
    EXPECT_EQ(b.apply(end(3, 0)), apply_status::unexpected);
    (void)b.apply(begin(4, 10));
    EXPECT_EQ(b.apply(end(5, 0)), apply_status::unexpected);
    EXPECT_TRUE(b.needs_resync());
    EXPECT_EQ(b.counters().unexpected, 3u);
}

TEST(AccountBook, OrderEventsAreNotForTheBook) {
    account_book b(small);
    event ev;
    reset_event(ev, event_type::order_update, market::usdm);
    EXPECT_EQ(b.apply(ev), apply_status::not_for_book);
    reset_event(ev, event_type::trade_lite, market::usdm);
    EXPECT_EQ(b.apply(ev), apply_status::not_for_book);
    EXPECT_EQ(b.balances().size(), 0u);
}

TEST(AccountBook, PartialFieldsLeaveOtherFieldsAlone) {
    account_book b(small);
    (void)b.apply(balance("BNB", "3", 1));
    event dep; // 2020-era deposit push: wb and cw only, no bc
    make_balance(dep, market::usdm, "BNB", dec("0.02575839"), dec("0"), decimal{}, at(2), update_reason::deposit);
    dep.payload.balance.fields = balance_update::f_wallet_balance;
    (void)b.apply(dep);
    EXPECT_EQ(wallet_of(b, "BNB"), "0.02575839");
    EXPECT_EQ(b.balance("BNB")->cross_wallet_balance.to_string(), "3") << "cw was not in the message";
}

namespace {
// A pushed position (ACCOUNT_UPDATE a.P[]) with its uPnL valued at T, and a positionRisk row
// with the current mark's uPnL and the row's updateTime at the last position change.
event pushed(const char* amount, const char* up, std::int64_t t) {
    event ev = position("BTCUSDT", position_side::both, amount, t);
    ev.payload.position.unrealized_pnl = dec(up);
    return ev;
}
event risk_row(const char* amount, const char* mark, const char* upnl, std::int64_t update_time) {
    event ev = position("BTCUSDT", position_side::both, amount, 0);
    ev.payload.position.mark_price = dec(mark);
    ev.payload.position.unrealized_pnl = dec(upnl);
    ev.payload.position.fields |= position_update::f_mark_price;
    return row(ev, update_time);
}
std::string upnl_of(const account_book& b) {
    const auto* p = b.position("BTCUSDT", position_side::both);
    return p->unrealized_pnl.to_string() + "@" + std::to_string(p->unrealized_pnl_time_ms);
}
} // namespace

// uPnL is a valuation with its own time (spec §1.6.2: `up` is valued at the push only; §3.5: a
// row carries the current mark's uPnL but the updateTime of the last position change). A push at
// T=1000 (up 5 at mark 105), a positionRisk snapshot as of 2000 of that same state (mark 107.5,
// uPnL 7.5, updateTime 1000) and a duplicate of the push from an overlapping connection: in every
// order the book holds the snapshot's valuation, the newest. Before the fix a push arriving after
// the snapshot (same updateTime) put the older 5 back.
TEST(AccountBook, UnrealizedPnlIsTheNewestValuationWhateverTheArrivalOrder) {
    const std::vector<std::vector<event>> parts = {
        {pushed("1", "5", 1000)},
        {begin(1, 2000, scope_positions), risk_row("1", "107.5", "7.5", 1000), end(1, 1)},
        {pushed("1", "5", 1000)},
    };
    std::vector<int> order{0, 1, 2};
    int runs = 0;
    do {
        account_book b(small);
        for (int i : order) apply_all(b, parts[i]);
        EXPECT_EQ(upnl_of(b), "7.5@2000") << "order " << order[0] << order[1] << order[2];
        EXPECT_EQ(b.position("BTCUSDT", position_side::both)->mark_price.to_string(), "107.5");
        EXPECT_EQ(b.position("BTCUSDT", position_side::both)->time_ms, 1000) << "the state is the push's";
        ++runs;
    } while (std::next_permutation(order.begin(), order.end()));
    EXPECT_EQ(runs, 6);
}

// Two positionRisk snapshots with no fill between (same updateTime, the mark moved): the later
// one's uPnL and mark; a push of a new state brings its own uPnL, even valued before the last
// snapshot (it is the only valuation of that amount); a row of an older state brings none.
TEST(AccountBook, UnrealizedPnlFollowsThePositionStateItValues) {
    account_book b(small);
    apply_all(b, {pushed("1", "5", 1000)});
    apply_all(b, {begin(1, 2000, scope_positions), risk_row("1", "107.5", "7.5", 1000), end(1, 1)});
    apply_all(b, {begin(2, 3000, scope_positions), risk_row("1", "98", "-2", 1000), end(2, 1)});
    EXPECT_EQ(upnl_of(b), "-2@3000");
    EXPECT_EQ(b.position("BTCUSDT", position_side::both)->mark_price.to_string(), "98");
    // A lagged answer (as of 2500) of the same state: valued before the one held, ignored.
    apply_all(b, {begin(3, 2500, scope_positions), risk_row("1", "101", "1", 1000), end(3, 1)});
    EXPECT_EQ(upnl_of(b), "-2@3000");
    // A fill the snapshots had not seen (T 2900, before the last as-of: a lagged venue copy).
    apply_all(b, {pushed("2", "-3.8", 2900)});
    EXPECT_EQ(amount_of(b, "BTCUSDT", position_side::both), "2");
    EXPECT_EQ(upnl_of(b), "-3.8@2900") << "the new amount's only valuation";
    // A row of the state before that fill, newer as-of: neither its amount nor its uPnL.
    apply_all(b, {begin(4, 4000, scope_positions), risk_row("1", "99", "-1", 1000), end(4, 1)});
    EXPECT_EQ(amount_of(b, "BTCUSDT", position_side::both), "2");
    EXPECT_EQ(upnl_of(b), "-3.8@2900");
    // A row of the current state taken later: its valuation. A replay of the push: not.
    apply_all(b, {begin(5, 5000, scope_positions), risk_row("2", "99", "-2", 2900), end(5, 1)});
    apply_all(b, {pushed("2", "-3.8", 2900)});
    EXPECT_EQ(upnl_of(b), "-2@5000");
    // A row whose updateTime is past its as-of (T runs ahead of the client's clock estimate):
    // valued no earlier than that updateTime, so it wins the tie with the push of that state.
    apply_all(b, {begin(6, 6000, scope_positions), risk_row("3", "100.5", "1.5", 6100), end(6, 1)});
    apply_all(b, {pushed("3", "0.9", 6100)});
    EXPECT_EQ(upnl_of(b), "1.5@6100");
}
