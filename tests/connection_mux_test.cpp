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
    std::array<std::array<std::uint64_t, max_accounts>, max_stream_connections> conn_keys{};
    std::array<std::uint32_t, max_stream_connections> conn_carries{};
    std::array<bool, max_stream_connections> conn_open{};
    std::array<std::array<std::uint64_t, 2>, max_accounts> slot_id{};
    std::vector<std::uint64_t> gaps_seen;
    int max_open = 0;
    bool fail_opens = false;
    std::vector<std::string> violations;

    harness(int accounts, bool shared, session_config cfg = {})
        : n(accounts), mux(accounts, shared, 500), venue_gen(accounts, 1), known_gen(accounts, 0) {
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
                later(5, [this, a] {
                    const bool changed = known_gen[a] != venue_gen[a];
                    known_gen[a] = venue_gen[a];
                    mux.key_known(a, known_gen[a]);
                    run_session(a, sess[a].on_listen_key(now, changed));
                });
                break;
            case action_type::keepalive_listen_key: later(5, [this, a] { run_session(a, sess[a].on_keepalive(now)); }); break;
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
                    if (refused) return run_mux(mux.failed(p));
                    conn_open[p] = true;
                    run_mux(mux.opened(p));
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
            case mux_action::rotate: run_session(x.account, sess[x.account].rotate_now(now)); break;
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
        // A live account hears its events: one of its connections carries its current key.
        for (int a = 0; a < n; ++a) {
            if (sess[a].state() != session_state::live) continue;
            bool hears = false;
            for (int p = 0; p < mux.connection_count(); ++p)
                if (conn_open[p] && mux.slot_on(p, a) >= 0 && conn_keys[p][a] == venue_gen[a]) hears = true;
            if (!hears) violations.push_back("account " + std::to_string(a) + " live but deaf at " + std::to_string(now));
        }
    }

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

TEST(connection_mux, drift_on_one_account_moves_everyone_to_a_fresh_connection) {
    harness h(2, true);
    h.start();
    h.run_until(5 * sec);
    int before = -1;
    for (int p = 0; p < h.mux.connection_count(); ++p)
        if (h.conn_open[p]) before = p;
    h.run_session(0, h.sess[0].on_drift(h.now));
    h.run_until(60 * sec);
    EXPECT_TRUE(h.all_live());
    EXPECT_EQ(h.open_count(), 1);
    EXPECT_FALSE(h.conn_open[before] && h.mux.seq_of(before) != 0 && h.mux.slot_on(before, 1) >= 0 &&
                 h.mux.slot_on(before, 0) < 0)
        << "account 1 does not stay behind on the drifted connection";
    EXPECT_EQ(h.gaps(1), 0u) << "moved make-before-break";
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
                case 2: {
                    const int a = static_cast<int>(rng() % static_cast<std::uint64_t>(n));
                    h.run_session(a, h.sess[a].on_drift(h.now));
                    break;
                }
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
