// The connection mux with real sessions on a fake clock: several accounts on one shared
// connection (or one connection each) through start, a lapsed key, a lost connection, drift and
// rotation, and a deterministic simulation over many seeded fault schedules. The venue here
// refuses a connection whose URL holds a lapsed key (as acctsync-sim does).
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <random>
#include <vector>

#include "net/connection_mux.hpp"
#include "net/session.hpp"

using namespace acctsync;
using namespace acctsync::net;

namespace {

constexpr std::int64_t sec = 1000, minute = 60 * sec, hour = 60 * minute;

struct harness {
    int n;
    std::vector<session> sess;
    connection_mux mux;
    std::int64_t now = 0;
    std::multimap<std::int64_t, std::function<void()>> q;
    std::vector<std::uint64_t> venue_gen, known_gen;
    std::vector<std::int64_t> key_delay = std::vector<std::int64_t>(max_accounts, 5); // POST answered after
    std::array<std::array<std::uint64_t, max_accounts>, max_stream_connections> conn_keys{};
    std::array<std::uint32_t, max_stream_connections> conn_carries{};
    std::array<bool, max_stream_connections> conn_open{};
    std::array<std::array<std::uint64_t, 2>, max_accounts> slot_id{};
    std::vector<std::uint64_t> gaps_seen;
    int max_open = 0;
    bool fail_opens = false;
    std::vector<std::string> violations;

    harness(int accounts, bool shared, session_config cfg = {})
        : n(accounts), mux(accounts, shared, {500, cfg.rotate_after_ms, cfg.redundant}), venue_gen(accounts, 1),
          known_gen(accounts, 0) {
        for (int a = 0; a < n; ++a) {
            cfg.seed = 77 + static_cast<std::uint64_t>(a);
            sess.emplace_back(cfg);
        }
    }

    void later(std::int64_t d, std::function<void()> f) { q.emplace(now + d, std::move(f)); }

    void run_session(int a, session::actions acts) {
        const std::vector<session_action> v(acts.begin(), acts.end());
        for (const auto& x : v) {
            switch (x.type) {
            case action_type::create_listen_key:
                mux.key_pending(a);
                later(key_delay[static_cast<std::size_t>(a)], [this, a] {
                    const bool changed = known_gen[a] != venue_gen[a];
                    known_gen[a] = venue_gen[a];
                    mux.key_known(a, known_gen[a]);
                    run_session(a, sess[a].on_listen_key(now, changed));
                });
                break;
            case action_type::keepalive_listen_key:
                later(5, [this, a] {
                    if (known_gen[a] != venue_gen[a]) run_session(a, sess[a].on_keepalive_failed(now, {-1125, 0}));
                    else run_session(a, sess[a].on_keepalive(now));
                });
                break;
            case action_type::open_connection: run_mux(mux.want(a, x.slot, x.id, now)); break;
            case action_type::close_connection: run_mux(mux.release(a, x.slot)); break;
            case action_type::request_snapshot: {
                const auto id = x.id;
                later(5, [this, a, id] { run_session(a, sess[a].on_snapshot(now, id)); });
                break;
            }
            case action_type::publish_status: break;
            }
        }
    }

    void run_mux(connection_mux::actions acts) {
        const std::vector<mux_action> v(acts.begin(), acts.end());
        for (const auto& x : v) {
            switch (x.what) {
            case mux_action::open: {
                const int p = x.conn;
                const auto seq = mux.seq_of(p);
                conn_carries[p] = x.accounts;
                bool refused = fail_opens;
                for (int a = 0; a < n; ++a)
                    if (x.accounts >> a & 1) {
                        conn_keys[p][a] = known_gen[a]; // the URL holds the keys the feed knows
                        refused = refused || known_gen[a] != venue_gen[a];
                    }
                later(10, [this, p, seq, refused] {
                    if (mux.seq_of(p) != seq || !mux.in_use(p)) return; // given up meanwhile
                    if (refused) return run_mux(mux.failed(p, true));
                    conn_open[p] = true;
                    run_mux(mux.opened(p, now));
                });
                break;
            }
            case mux_action::close: conn_open[x.conn] = false; break;
            case mux_action::opened:
                slot_id[x.account][x.slot] = x.id;
                run_session(x.account, sess[x.account].on_opened(now, x.slot, x.id));
                break;
            case mux_action::open_failed: run_session(x.account, sess[x.account].on_open_failed(now, x.slot, x.id, {})); break;
            case mux_action::lost: run_session(x.account, sess[x.account].on_lost(now, x.slot, x.id)); break;
            case mux_action::rotate: run_session(x.account, sess[x.account].rotate_now(now, x.slot)); break;
            case mux_action::check_key: sess[x.account].check_key(now); break;
            }
        }
    }

    // The venue ends a connection (a cut).
    void cut(int p) {
        conn_open[p] = false;
        run_mux(mux.failed(p));
    }
    // Account a's key lapses: listenKeyExpired reaches the sessions on connections carrying it.
    void expire(int a) {
        const auto old = venue_gen[a]++;
        for (int p = 0; p < mux.connection_count(); ++p) {
            if (!conn_open[p] || (conn_carries[p] >> a & 1) == 0 || conn_keys[p][a] != old) continue;
            const int k = mux.slot_on(p, a);
            if (k >= 0) run_session(a, sess[a].on_listen_key_expired(now, k, slot_id[a][k]));
        }
    }

    void check() {
        int open = 0;
        for (int p = 0; p < mux.connection_count(); ++p) open += conn_open[p] ? 1 : 0;
        max_open = std::max(max_open, open);
        // A live account hears its events: one of its connections carries its current key (unless
        // the key was deleted without a word, which only its next keepalive can tell it).
        for (int a = 0; a < n; ++a) {
            if (sess[a].state() != session_state::live || known_gen[a] != venue_gen[a]) continue;
            bool hears = false;
            for (int p = 0; p < mux.connection_count(); ++p)
                if (conn_open[p] && mux.slot_on(p, a) >= 0 && conn_keys[p][a] == venue_gen[a]) hears = true;
            if (!hears) violations.push_back("account " + std::to_string(a) + " live but deaf at " + std::to_string(now));
        }
    }

    // An audit of `a` found drift: everyone on its connections is reconnected (the feed's rule).
    void drift(int a) {
        for (std::uint32_t m = mux.sharing_with(a); m != 0; m &= m - 1) {
            const int b = __builtin_ctz(m);
            run_session(b, sess[b].on_drift(now));
        }
    }
    // The venue loses a key without telling the stream (DELETEd elsewhere): only a keepalive or a
    // refused handshake shows it.
    void delete_key(int a) { ++venue_gen[a]; }

    void start() {
        for (int a = 0; a < n; ++a) run_session(a, sess[a].start(now));
    }

    // Advances the clock to `until`, ticking every 50 ms while answers are due and every second
    // when none is (pings on every open connection at each tick).
    void run_until(std::int64_t until) {
        while (now < until) {
            const std::int64_t step = q.empty() ? 1000 : 50;
            const std::int64_t next_tick = std::min(until, now + step - now % step);
            while (!q.empty() && q.begin()->first <= next_tick) {
                auto it = q.begin();
                now = std::max(now, it->first);
                auto f = std::move(it->second);
                q.erase(it);
                f();
                check();
            }
            now = next_tick;
            for (int p = 0; p < mux.connection_count(); ++p)
                if (conn_open[p]) mux.for_each_bound(p, [&](int a, int k) { sess[a].on_activity(k, now); });
            run_mux(mux.tick(now));
            for (int a = 0; a < n; ++a) run_session(a, sess[a].tick(now));
            check();
        }
    }

    [[nodiscard]] int open_count() const {
        int c = 0;
        for (int p = 0; p < mux.connection_count(); ++p) c += conn_open[p] ? 1 : 0;
        return c;
    }
    [[nodiscard]] bool all_live() const {
        return std::all_of(sess.begin(), sess.end(), [](const session& s) { return s.state() == session_state::live; });
    }
    [[nodiscard]] std::uint64_t gaps(int a) const { return sess[a].health().gaps; }
};

} // namespace

TEST(connection_mux, three_accounts_start_on_one_shared_connection) {
    harness h(3, true);
    h.start();
    h.run_until(5 * sec);
    EXPECT_TRUE(h.all_live());
    EXPECT_EQ(h.open_count(), 1);
    EXPECT_EQ(h.max_open, 1) << "the hold gathers every key before the first connection";
    for (int p = 0; p < h.mux.connection_count(); ++p)
        if (h.conn_open[p]) {
            EXPECT_EQ(h.conn_carries[p], 0b111u);
        }
    EXPECT_TRUE(h.violations.empty()) << h.violations.front();
}

TEST(connection_mux, separate_mode_gives_each_account_its_own_connection) {
    harness h(3, false);
    h.start();
    h.run_until(5 * sec);
    EXPECT_TRUE(h.all_live());
    EXPECT_EQ(h.open_count(), 3);
    for (int a = 0; a < 3; ++a) EXPECT_EQ(h.conn_carries[2 * a], 1u << a);
    EXPECT_TRUE(h.violations.empty());
}

TEST(connection_mux, one_accounts_lapsed_key_costs_the_others_no_gap) {
    harness h(3, true);
    h.start();
    h.run_until(5 * sec);
    ASSERT_TRUE(h.all_live());
    h.expire(1);
    h.run_until(20 * sec);
    EXPECT_TRUE(h.all_live());
    EXPECT_EQ(h.gaps(0), 0u);
    EXPECT_EQ(h.gaps(2), 0u);
    EXPECT_EQ(h.gaps(1), 1u) << "its own key lapsed: a gap, healed";
    EXPECT_EQ(h.sess[1].health().healed, 1u);
    EXPECT_EQ(h.open_count(), 1) << "the others moved onto the new connection, the old one closed";
    for (int p = 0; p < h.mux.connection_count(); ++p)
        if (h.conn_open[p]) {
            EXPECT_EQ(h.conn_carries[p], 0b111u);
        }
    EXPECT_TRUE(h.violations.empty()) << h.violations.front();
}

TEST(connection_mux, a_lost_shared_connection_is_a_gap_for_everyone_healed_on_one_new_connection) {
    harness h(3, true);
    h.start();
    h.run_until(5 * sec);
    for (int p = 0; p < h.mux.connection_count(); ++p)
        if (h.conn_open[p]) h.cut(p);
    h.run_until(90 * sec);
    EXPECT_TRUE(h.all_live());
    for (int a = 0; a < 3; ++a) EXPECT_EQ(h.sess[a].health().healed, 1u);
    EXPECT_EQ(h.open_count(), 1);
    EXPECT_TRUE(h.violations.empty()) << h.violations.front();
}

TEST(connection_mux, drift_on_a_shared_connection_reconnects_everyone_on_it) {
    harness h(2, true);
    h.start();
    h.run_until(5 * sec);
    h.drift(0);
    h.run_until(60 * sec);
    EXPECT_TRUE(h.all_live());
    EXPECT_EQ(h.open_count(), 1);
    EXPECT_EQ(h.gaps(0), 1u);
    EXPECT_EQ(h.gaps(1), 1u) << "what the shared connection lost, it may have lost for account 1 too";
    EXPECT_EQ(h.sess[1].health().healed, 1u);
    EXPECT_TRUE(h.violations.empty()) << h.violations.front();
}

TEST(connection_mux, a_shared_handshake_refused_for_a_lapsed_key_gets_that_key_renewed) {
    session_config cfg;
    cfg.keepalive_interval_ms = 30 * minute;
    harness h(3, true, cfg);
    h.start();
    h.run_until(5 * sec);
    h.delete_key(2); // nobody is told; account 2's socket stays up and silent for its events
    h.expire(0);     // account 0 needs a new connection: its URL carries account 2's dead key
    h.run_until(2 * minute);
    EXPECT_TRUE(h.all_live()) << "the refused handshake made every carried account check its key";
    EXPECT_EQ(h.gaps(1), 0u);
    EXPECT_EQ(h.open_count(), 1);
    EXPECT_GE(h.sess[2].health().new_keys, 1u);
    EXPECT_TRUE(h.violations.empty()) << h.violations.front();
}

TEST(connection_mux, an_account_that_joined_late_is_rotated_with_the_connection_not_after_it) {
    session_config cfg;
    cfg.rotate_after_ms = 2 * hour;
    harness h(2, true, cfg);
    h.start();
    h.run_until(5 * sec);
    h.expire(1); // account 1 rejoins: on a new connection, account 0 follows
    h.run_until(1 * hour);
    // Whatever the accounts' own timers say, no connection outlives rotate_after by much.
    for (std::int64_t t = 1 * hour; t < 12 * hour; t += minute) {
        h.run_until(t);
        ASSERT_LE(h.open_count(), 2);
    }
    EXPECT_EQ(h.gaps(0), 0u);
    EXPECT_EQ(h.open_count(), 1);
    EXPECT_TRUE(h.violations.empty()) << h.violations.front();
}

TEST(connection_mux, two_connections_opened_around_a_hold_end_as_one) {
    harness h(2, true);
    h.key_delay[1] = 2 * sec; // account 1's key comes after the hold: account 0 opens alone first
    h.start();
    h.run_until(1 * sec);
    ASSERT_EQ(h.sess[0].state(), session_state::live);
    h.run_until(10 * sec);
    EXPECT_TRUE(h.all_live());
    EXPECT_EQ(h.open_count(), 1) << "the newer connection that carries everyone retires the older";
    EXPECT_EQ(h.max_open, 2);
    EXPECT_EQ(h.gaps(0), 0u) << "account 0 moved make-before-break";
    EXPECT_TRUE(h.violations.empty()) << h.violations.front();
}

TEST(connection_mux, rotations_over_a_day_keep_one_connection_and_no_gap) {
    session_config cfg;
    cfg.rotate_after_ms = 2 * hour;
    cfg.keepalive_interval_ms = 30 * minute;
    harness h(3, true, cfg);
    h.start();
    h.run_until(24 * hour);
    EXPECT_TRUE(h.all_live());
    for (int a = 0; a < 3; ++a) {
        EXPECT_EQ(h.gaps(a), 0u);
        EXPECT_GE(h.sess[a].health().rotations, 10u);
    }
    EXPECT_EQ(h.open_count(), 1);
    EXPECT_LE(h.max_open, 2) << "make-before-break: never more than the old and the new";
    EXPECT_EQ(h.mux.dropped_actions(), 0u);
    EXPECT_TRUE(h.violations.empty()) << h.violations.front();
}

// Random schedules: cuts, lapsed keys, drift, refused connections, for a simulated day each.
// Afterwards every account is live on connections carrying its key, and (not redundant) the
// accounts end on one connection; throughout, no live account was deaf.
TEST(connection_mux_simulation, seeded_fault_schedules_end_on_one_connection_and_never_deafen) {
    for (std::uint64_t seed = 1; seed <= 100; ++seed) {
        for (const bool redundant : {false, true}) {
            session_config cfg;
            cfg.rotate_after_ms = 3 * hour;
            cfg.redundant = redundant;
            const int n = 2 + static_cast<int>(seed % 3);
            harness h(n, true, cfg);
            std::mt19937_64 rng(seed);
            h.start();
            for (std::int64_t t = 0; t < 24 * hour; t += 10 * minute) {
                h.run_until(t);
                switch (rng() % 8) {
                case 0:
                    for (int p = 0; p < h.mux.connection_count(); ++p)
                        if (h.conn_open[p] && rng() % 2 == 0) h.cut(p);
                    break;
                case 1: h.expire(static_cast<int>(rng() % static_cast<std::uint64_t>(n))); break;
                case 2: h.drift(static_cast<int>(rng() % static_cast<std::uint64_t>(n))); break;
                case 4:
                    if (rng() % 4 == 0) h.delete_key(static_cast<int>(rng() % static_cast<std::uint64_t>(n)));
                    break;
                case 3:
                    h.fail_opens = true;
                    h.run_until(t + 20 * sec);
                    h.fail_opens = false;
                    break;
                default: break;
                }
            }
            h.run_until(24 * hour + 10 * minute);
            ASSERT_TRUE(h.all_live()) << "seed " << seed << " redundant " << redundant;
            ASSERT_TRUE(h.violations.empty()) << "seed " << seed << ": " << h.violations.front();
            ASSERT_EQ(h.mux.dropped_actions(), 0u);
            if (!redundant) ASSERT_EQ(h.open_count(), 1) << "seed " << seed;
            else ASSERT_LE(h.open_count(), 4) << "seed " << seed;
        }
    }
}
