// acctsync/net/feed.cpp — see feed.hpp: the network thread, the control thread, the fan-out.
#include "net/feed.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

#include "core/clock.hpp"
#include "core/event_builders.hpp"
#include "net/connection_mux.hpp"
#include "net/fill_ledger.hpp"
#include "net/rest_client.hpp"
#include "net/thread_affinity.hpp"
#include "net/wsapi_client.hpp"
#include "parse/json/event_json.hpp"
#include "parse/income.hpp"
#include "parse/snapshot.hpp"
#include "parse/user_stream.hpp"
#include "parse/user_trades.hpp"
#include "parse/vector_sink.hpp"

namespace acctsync::net {

feed_config feed_config::for_venue(market venue, bool testnet) {
    feed_config c;
    c.venue = venue;
    if (venue == market::usdm) {
        c.rest_url = testnet ? "https://demo-fapi.binance.com" : "https://fapi.binance.com";
        c.ws_url = testnet ? "wss://fstream.binancefuture.com" : "wss://fstream.binance.com";
        c.wsapi_url = testnet ? "wss://testnet.binancefuture.com" : "wss://ws-fapi.binance.com";
        // UNVERIFIED (spec §1.1): testnet keeps the legacy /ws/<key>; /private there is unconfirmed.
        c.ws_path = testnet ? "/ws/" : "/private/ws/";
    } else {
        c.rest_url = testnet ? "https://testnet.binancefuture.com" : "https://dapi.binance.com";
        c.ws_url = testnet ? "wss://dstream.binancefuture.com" : "wss://dstream.binance.com";
        c.wsapi_url = testnet ? "wss://testnet.binancefuture.com" : "wss://ws-dapi.binance.com";
        c.ws_path = "/ws/";
    }
    return c;
}

namespace {

constexpr std::size_t staging_capacity = 1024; // ≥ parser_options::max_batch

// What the control thread is asked to do, and what it answers.
struct command {
    enum kind : std::uint8_t { create_key, keepalive, open, close, snapshot, backfill, quit } what;
    int slot = 0;                    // open, close: the connection
    std::uint64_t id = 0;
    int account = 0;
    std::string target{};            // open: the stream URL's target (built on the network thread)
    std::uint64_t consumer_mask = 0; // snapshot: who gets it
    bool session_snapshot = false;   // snapshot: answers session::on_snapshot
    std::int64_t since_ms = 0;       // backfill: trades at or after this exchange time
    std::vector<symbol_string> symbols{}; // backfill: whose trades
    bool income_read = false;             // backfill: the income history's symbols are in `symbols`
};

struct snapshot_body {
    snapshot_kind kind;
    std::string body; // padded by parse::payload_padding
    std::int64_t as_of_ms = 0;
    std::int64_t sent_ns = 0;
    bool wsapi = false;
};

struct answer {
    command cmd;
    bool ok = false;
    bool key_changed = false;
    std::string key{};                      // create_key: the listenKey
    bool refused = false;                   // open: the handshake was answered with an HTTP error
    request_failure failure{};
    std::vector<snapshot_body> bodies{};
    std::vector<event> fills{};              // backfill: the missed_fill events read (all pages)
};

} // namespace

std::vector<snapshot_kind> snapshot_kinds(market venue, snapshot_source source) {
    if (source == snapshot_source::wsapi) // the position mode has no WS-API method: REST accountConfig
        return {snapshot_kind::wsapi_account_status, snapshot_kind::wsapi_account_position, snapshot_kind::account_config};
    if (venue == market::coinm) return {snapshot_kind::coinm_account, snapshot_kind::coinm_position_risk};
    return {snapshot_kind::account_v2, snapshot_kind::position_risk_v2, snapshot_kind::account_config};
}

namespace {

// The stream's target: ws_path with "{key}" replaced by the listenKey, or the key appended.
std::string stream_target(const std::string& path, const std::string& key) {
    const auto at = path.find("{key}");
    if (at == std::string::npos) return path + key;
    return path.substr(0, at) + key + path.substr(at + 5);
}

} // namespace

// One account: its REST and WS-API clients, its session, its back-fill state.
struct account_state {
    int index = 0;
    rest_client rest;
    std::unique_ptr<wsapi_client> wsapi;
    session sess;
    std::string key_ctl;          // control thread: the listenKey as last answered
    std::string key;              // network thread: the same, from the answers
    std::uint64_t key_gen = 0;    // network thread: distinct key values so far (connection_mux)
    std::array<std::uint64_t, max_slots> slot_id{}; // the session's open ids, answered by the mux
    bool dedup = false;           // two of its connections open: drop second copies
    std::unique_ptr<std::uint64_t[]> recent; // direct-mapped hashes of order/trade events

    // Back-fill of fills lost in a gap (network thread): see net/fill_ledger.hpp.
    fill_ledger fills;
    std::int64_t gap_from_ms = -1; // fills.since_ms() when the open gap began; -1 = none
    std::uint64_t gaps_seen = 0, healed_seen = 0;
    bool backfill_pending = false; // one back-fill at a time (parse errors come in bursts), retries included
    std::int64_t backfill_again_ms = -1; // asked for while one was pending: run from here after it
    std::optional<command> backfill_retry; // a back-fill that failed part-way, due again at:
    std::int64_t backfill_retry_at_ns = 0;

    account_state(int i, tls_context& tls, rest_config rc, session_config sc, std::size_t recent_size)
        : index(i), rest(tls, std::move(rc)), sess(sc), recent(new std::uint64_t[recent_size]()) {}
};

struct feed::impl {
    feed& owner;
    const feed_config& cfg;
    tls_context tls;
    std::vector<std::unique_ptr<account_state>> accts;
    connection_mux mux;
    ws_url stream_base;
    std::vector<std::unique_ptr<ws_client>> ws;   // the stream connections (connection_mux's indices)
    std::vector<bool> owned;                      // network thread reads the connection
    std::vector<std::uint64_t> ctl_seq;           // control thread: the open each connection last made
    std::unique_ptr<std::atomic<std::uint64_t>[]> latest_open; // network thread: the open each connection wants now
    std::vector<std::vector<std::string>> conn_keys; // per connection, per account: the key it carries
    request_failure last_open_failure{};

    parse::user_stream_parser stream_parser;
    parse::snapshot_parser snapshot_parser;
    parse::stream_router router{this, &impl::route};

    // fan-out staging (network thread)
    std::unique_ptr<event[]> staging;
    std::size_t staged = 0;
    std::uint64_t target_mask = ~0ULL;
    static constexpr std::size_t recent_size = 8192;
    int current_conn = -1;
    std::uint32_t expired_seen = 0; // accounts whose listenKeyExpired came in this poll
    std::uint64_t snapshot_seq = 0;
    bool publishing_snapshot = false; // the staged events are a snapshot's rows
    int frame_account = -1;           // the account the current frame's events went to (-1: none)
    std::vector<event> released;      // fill_ledger::release()'s output (reserved once)
    std::atomic<std::uint64_t> backfills{0}, missed_fills{0}, unrouted{0};

    // control-thread queues
    std::mutex mu;
    std::condition_variable cv;
    std::deque<command> commands;
    std::deque<answer> answers;
    std::atomic<bool> have_answers{false};

    mutable std::mutex error_mu; // guards last_failure (cold path)
    feed_error last_failure;

    std::thread net_thread, control_thread;
    std::atomic<bool> running{false};

    // health (written by the network thread, read anywhere)
    std::atomic<std::uint64_t> frames{0}, events{0}, parse_errors{0}, overruns{0}, duplicates{0}, snapshots{0};
    std::atomic<std::uint64_t> overrun_kept{0}, overrun_lost{0};
    std::atomic<std::int64_t> last_frame_ns{0};
    std::atomic<std::uint8_t> state{0};
    std::atomic<const char*> waiting_for{"start"}; // a session's static text
    std::atomic<std::int64_t> gap_since_ns{0};
    std::atomic<std::uint64_t> reconnects{0}, gaps{0}, healed{0}, keepalives{0}, rotations{0}, drift_rotations{0};

    impl(feed& f, const feed_config& c, int n_accounts)
        : owner(f), cfg(c), tls(c.tls),
          mux(n_accounts, c.shared_connection, {3000, c.session.rotate_after_ms, c.session.redundant}),
          latest_open(new std::atomic<std::uint64_t>[static_cast<std::size_t>(mux.connection_count())]()),
          staging(new event[staging_capacity]) {
        released.reserve(staging_capacity);
        if (auto u = parse_ws_url(c.ws_url)) stream_base = *u;
        else throw std::invalid_argument("feed: bad ws_url " + c.ws_url);
        if (c.consumers < 1 || c.consumers > 64) throw std::invalid_argument("feed: 1..64 consumers");
        if (c.session.snapshot_lag_ms < 0 || c.session.snapshot_lag_ms > 60'000)
            throw std::invalid_argument("feed: session.snapshot_lag_ms must be in [0, 60000]");
        if (n_accounts > max_accounts) throw std::invalid_argument("feed: at most 16 accounts");
        if (c.shared_connection && c.ws_shared_path.find("{keys}") == std::string::npos)
            throw std::invalid_argument("feed: ws_shared_path needs {keys}");
        for (int i = 0; i < n_accounts; ++i) {
            const credentials& cr = c.accounts.empty() ? c.creds : c.accounts[static_cast<std::size_t>(i)];
            if (cr.empty()) throw std::invalid_argument("feed: no credentials for account " + std::to_string(i));
            session_config sc = c.session;
            sc.seed ^= 0x9E3779B97F4A7C15ULL * static_cast<std::uint64_t>(i); // accounts' jitter apart
            auto a = std::make_unique<account_state>(i, tls, rest_cfg(c, cr), sc, recent_size);
            if (c.snapshots == snapshot_source::wsapi) {
                wsapi_config w;
                w.base_url = c.wsapi_url;
                w.venue = c.venue;
                w.creds = cr;
                w.recv_window_ms = c.recv_window_ms;
                w.ban_default = c.ban_default;
                w.ws.connect_to = c.connect_to;
                a->wsapi = std::make_unique<wsapi_client>(tls, std::move(w));
            }
            accts.push_back(std::move(a));
        }
        ws_client_options wo;
        wo.mode = c.mode;
        wo.connect_to = c.connect_to;
        const auto n_conn = static_cast<std::size_t>(mux.connection_count());
        for (std::size_t i = 0; i < n_conn; ++i) ws.push_back(std::make_unique<ws_client>(tls, wo));
        owned.assign(n_conn, false);
        ctl_seq.assign(n_conn, 0);
        conn_keys.assign(n_conn, std::vector<std::string>(static_cast<std::size_t>(n_accounts)));
    }

    static rest_config rest_cfg(const feed_config& c, const credentials& cr) {
        rest_config r;
        r.base_url = c.rest_url;
        r.venue = c.venue;
        r.creds = cr;
        r.recv_window_ms = c.recv_window_ms;
        r.ban_default = c.ban_default;
        r.http.connect_to = c.connect_to;
        return r;
    }

    // The combined envelope's stream name -> the account whose key the current connection
    // carries under that name: "<key>" or "<key>@<EVENT>" (UNVERIFIED, spec §1.1, §7).
    // Network thread, once per frame: up to one compare per account.
    static std::uint16_t route(void* self, std::string_view stream) noexcept {
        auto* m = static_cast<impl*>(self);
        const std::string_view key = stream.substr(0, stream.find('@'));
        const auto& keys = m->conn_keys[static_cast<std::size_t>(m->current_conn)];
        for (std::size_t a = 0; a < keys.size(); ++a)
            if (!keys[a].empty() && keys[a] == key) return static_cast<std::uint16_t>(a);
        return parse::unrouted_account;
    }

    // ---- fan-out sink (network thread) -----------------------------------------------------------

    parse::event_sink sink() noexcept {
        return {this,
                [](void* s) noexcept -> event* {
                    auto* m = static_cast<impl*>(s);
                    return m->staged < staging_capacity ? &m->staging[m->staged++] : nullptr;
                },
                [](void* s) noexcept { static_cast<impl*>(s)->publish_staged(); },
                [](void* s) noexcept { static_cast<impl*>(s)->staged = 0; },
                [](void* s) noexcept -> std::size_t { return staging_capacity - static_cast<impl*>(s)->staged; }};
    }

    static std::uint64_t hash_of(const event& ev) noexcept {
        // FNV-1a over the payload and the exchange times: two copies of one frame are equal here.
        std::uint64_t h = 1469598103934665603ULL ^ static_cast<std::uint64_t>(ev.header.type);
        auto mix = [&](const void* p, std::size_t n) {
            const auto* b = static_cast<const unsigned char*>(p);
            for (std::size_t i = 0; i < n; ++i) h = (h ^ b[i]) * 1099511628211ULL;
        };
        mix(&ev.header.event_time_ms, sizeof ev.header.event_time_ms);
        mix(&ev.header.transaction_time_ms, sizeof ev.header.transaction_time_ms);
        mix(&ev.payload, sizeof ev.payload);
        return h | 1;
    }

    static bool is_duplicate(account_state& a, const event& ev) noexcept {
        const auto t = ev.header.type;
        if (t != event_type::order_update && t != event_type::trade_lite && t != event_type::algo_update) return false;
        const std::uint64_t h = hash_of(ev); // only while two sockets are open (~300 ns per event)
        auto& slot = a.recent[h & (recent_size - 1)];
        if (slot == h) return true;
        slot = h;
        return false;
    }

    // One commit of the parser (a frame, a snapshot's batch) or one status: always one account's.
    void publish_staged() noexcept {
        const std::size_t n = staged;
        staged = 0;
        if (n == 0) return;
        const std::uint16_t acc = staging[0].header.account;
        if (acc >= accts.size()) { // a shared connection's frame naming a key it does not carry
            unrouted.fetch_add(n, std::memory_order_relaxed);
            return;
        }
        account_state& a = *accts[acc];
        // A frame on a connection this account has no slot on (left, or not yet answered) is
        // not its stream: its session listens elsewhere.
        if (current_conn >= 0 && !publishing_snapshot && mux.slot_on(current_conn, acc) < 0) return;
        if (current_conn >= 0 && !publishing_snapshot) frame_account = acc; // for the recorder
        for (std::size_t i = 0; i < n; ++i) {
            const event& ev = staging[i];
            if (ev.header.type == event_type::stream_status &&
                ev.payload.status.kind == stream_status_kind::listen_key_expired)
                expired_seen |= 1u << acc;
        }
        // Drop second copies (two sockets open) before anyone sees them; remember the stream's
        // trades, and let a back-filled fill through only if the stream never delivered it.
        std::size_t kept = 0;
        for (std::size_t i = 0; i < n; ++i) {
            if (a.dedup && target_mask == ~0ULL && is_duplicate(a, staging[i])) {
                duplicates.fetch_add(1, std::memory_order_relaxed);
                continue;
            }
            if (!a.fills.track(staging[i], publishing_snapshot)) continue;
            if (staging[i].header.type == event_type::missed_fill) missed_fills.fetch_add(1, std::memory_order_relaxed);
            if (kept != i) staging[kept] = staging[i];
            ++kept;
        }
        events.fetch_add(kept, std::memory_order_relaxed);
        for (std::size_t k = 0; k < owner.consumers_.size(); ++k) {
            if ((target_mask >> k & 1) == 0) continue;
            auto& c = *owner.consumers_[k];
            if (c.overrun_) { // losing events until its gap is delivered; its order flow is kept
                keep_order_flow(c, kept);
                continue;
            }
            if (c.ring_.free_slots() < kept) {
                const std::int64_t until = mono_ns() + cfg.overrun_spin_ns; // a bounded wait, then overrun
                while (c.ring_.free_slots() < kept && mono_ns() < until) {
#if defined(__x86_64__)
                    __builtin_ia32_pause();
#endif
                }
                if (c.ring_.free_slots() < kept) {
                    c.overrun_ = true;
                    overruns.fetch_add(1, std::memory_order_relaxed);
                    keep_order_flow(c, kept);
                    continue;
                }
            }
            for (std::size_t i = 0; i < kept; ++i) *c.ring_.claim() = staging[i];
            c.ring_.commit();
        }
    }

    // After every act(): a gap that began remembers where the stream stopped; a heal asks REST
    // for the fills since then (the symbols traded or held), to publish those the gap lost.
    void service_backfill(account_state& a) {
        const auto& h = a.sess.health();
        if (h.gaps != a.gaps_seen) {
            a.gaps_seen = h.gaps;
            if (a.gap_from_ms < 0) a.gap_from_ms = a.fills.since_ms(); // -1: nothing before, nothing to fill
        }
        if (h.healed != a.healed_seen) {
            a.healed_seen = h.healed;
            if (a.gap_from_ms >= 0) request_backfill(a, a.gap_from_ms);
            a.gap_from_ms = -1;
        }
    }

    void request_backfill(account_state& a, std::int64_t since_ms) {
        if (since_ms < 0) return;
        if (a.backfill_pending) { // after the one in flight (its symbols are not all of them)
            a.backfill_again_ms = a.backfill_again_ms < 0 ? since_ms : std::min(a.backfill_again_ms, since_ms);
            return;
        }
        command c{command::backfill};
        c.account = a.index;
        c.since_ms = since_ms;
        c.symbols = a.fills.symbols(); // may be empty: the income history names what else was traded
        a.backfill_pending = true;
        post(std::move(c));
    }

    // The control thread read the pages; the ledger decides each fill (fill_ledger.hpp).
    void publish_backfill(answer& ans) {
        account_state& a = *accts[static_cast<std::size_t>(ans.cmd.account)];
        a.fills.hold(ans.fills, mono_ns());
        backfills.fetch_add(1, std::memory_order_relaxed);
        release_held_fills(a);
    }

    void release_held_fills(account_state& a) {
        if (!a.fills.holding()) return;
        released.clear();
        a.fills.release(mono_ns(), released);
        for (const event& ev : released) publish_one(ev);
    }

    void publish_one(const event& ev) noexcept {
        const int saved = current_conn;
        current_conn = -1; // not a connection's frame
        staging[staged++] = ev;
        publish_staged();
        current_conn = saved;
    }

    // A stream_status event of account `acc` to the consumers in `mask`.
    void publish_status(int acc, stream_status_kind kind, std::string_view reason, std::int32_t code, std::uint64_t mask) noexcept {
        event ev;
        std::memset(&ev, 0, sizeof ev);
        ev.header.type = event_type::stream_status;
        ev.header.venue = cfg.venue;
        ev.header.account = static_cast<std::uint16_t>(acc);
        ev.header.item_count = 1;
        ev.header.recv_time_ns = wall_ns();
        ev.payload.status.kind = kind;
        ev.payload.status.exchange_code = code;
        (void)ev.payload.status.detail.assign(reason.substr(0, text_string::capacity));
        if (acc >= 0 && static_cast<std::size_t>(acc) < accts.size()) {
            const auto& h = accts[static_cast<std::size_t>(acc)]->sess.health();
            ev.payload.status.gap_since_ns = gap_since_wall_ns(h.gap_since_ms);
            (void)ev.payload.status.waiting_for.assign(h.waiting_for.substr(0, decltype(ev.payload.status.waiting_for)::capacity));
        }
        const auto saved = target_mask;
        target_mask = mask;
        if (cfg.recorder != nullptr) cfg.recorder->on_status(ev.header, ev.payload.status, mask);
        publish_one(ev);
        target_mask = saved;
    }

    // ---- control thread ---------------------------------------------------------------------------

    void post(command c) {
        {
            std::lock_guard lk(mu);
            commands.push_back(c);
        }
        cv.notify_one();
    }

    void answer_with(answer a) {
        std::lock_guard lk(mu);
        answers.push_back(std::move(a));
        have_answers.store(true, std::memory_order_release);
    }

    static request_failure failure_of(const rest_error& e) {
        return {e.binance_code, e.retry_after_ms};
    }

    static bool permanent(std::int32_t binance_code, int http_status, net_errc t) noexcept {
        // -2014 bad key format, -2015 invalid key/IP/permissions, -1022 bad signature, 401.
        return binance_code == -2014 || binance_code == -2015 || binance_code == -1022 || http_status == 401 ||
               t == net_errc::tls_untrusted_ca || t == net_errc::tls_wrong_host || t == net_errc::tls_expired_certificate;
    }

    void note_failure(std::string_view where, std::string message, std::int32_t code, int http_status, net_errc t) {
        std::lock_guard lk(error_mu);
        last_failure.where = where;
        last_failure.message = std::move(message);
        last_failure.binance_code = code;
        last_failure.transport = t;
        last_failure.permanent = permanent(code, http_status, t);
        ++last_failure.count;
    }
    void note_failure(std::string_view where, const rest_error& e) {
        if (e.ok()) return;
        std::string m;
        if (e.binance_code != 0) m = std::to_string(e.binance_code) + " " + e.message;
        else if (!e.transport.ok()) m = std::string(to_string(e.transport.code)) + (e.transport.detail ? " (" + std::to_string(e.transport.detail) + ")" : "");
        else m = std::string(to_string(e.code)) + (e.message.empty() ? "" : ": " + e.message);
        if (e.http_status != 0) m += " (HTTP " + std::to_string(e.http_status) + ")";
        note_failure(where, std::move(m), e.binance_code, e.http_status, e.transport.code);
    }
    void note_failure(std::string_view where, net_error e) {
        if (e.ok()) return;
        std::string m(to_string(e.code));
        if (e.detail != 0) m += e.code == net_errc::ws_handshake_rejected ? " (HTTP " + std::to_string(e.detail) + ")"
                                                                         : " (" + std::to_string(e.detail) + ")";
        note_failure(where, std::move(m), 0, e.code == net_errc::ws_handshake_rejected ? e.detail : 0, e.code);
    }

    // How often the control thread reads the WS-API connections between commands. Snapshots are
    // rare (gaps, audits), and Binance drops a WS-API connection that leaves a ping (every 3 min)
    // unanswered for 10 min: reading them answers the pings (wsapi_client::poll).
    static constexpr auto wsapi_poll_period = std::chrono::seconds(30);

    void control_loop() {
        for (auto& a : accts) (void)a->rest.sync_time();
        auto next_wsapi_poll = std::chrono::steady_clock::now() + wsapi_poll_period;
        for (;;) {
            if (std::chrono::steady_clock::now() >= next_wsapi_poll) { // also when commands keep coming
                for (auto& a : accts)
                    if (a->wsapi) (void)a->wsapi->poll(); // an ended connection is replaced at the next snapshot
                next_wsapi_poll = std::chrono::steady_clock::now() + wsapi_poll_period;
            }
            command c;
            {
                std::unique_lock lk(mu);
                if (!cv.wait_until(lk, next_wsapi_poll, [&] { return !commands.empty(); })) continue; // time to poll
                c = std::move(commands.front());
                commands.pop_front();
            }
            if (c.what == command::quit) return;
            account_state& acct = *accts[static_cast<std::size_t>(c.account)];
            answer a{c, false, false, {}, {}, {}, {}};
            switch (c.what) {
            case command::create_key: {
                std::string key;
                auto r = acct.rest.create_listen_key(key);
                note_failure("listen key", r.error);
                if (!r.error.ok() && r.error.binance_code == -1021) (void)acct.rest.sync_time();
                a.ok = r.error.ok();
                a.failure = failure_of(r.error);
                if (a.ok) {
                    a.key_changed = key != acct.key_ctl;
                    acct.key_ctl = key;
                    a.key = std::move(key);
                }
                break;
            }
            case command::keepalive: {
                auto r = acct.rest.keepalive_listen_key();
                note_failure("keepalive", r.error);
                (void)acct.rest.sync_time(); // every ~30 min: the offset (and its uncertainty) stays fresh
                a.ok = r.error.ok();
                a.failure = failure_of(r.error);
                break;
            }
            case command::open: {
                ws_url u = stream_base;
                std::string base = u.target == "/" ? std::string() : u.target;
                while (!base.empty() && base.back() == '/') base.pop_back();
                u.target = base + c.target;
                // Superseded while queued (given up, or asked for again): not worth a handshake.
                if (latest_open[static_cast<std::size_t>(c.slot)].load(std::memory_order_relaxed) != c.id) break;
                ctl_seq[static_cast<std::size_t>(c.slot)] = c.id;
                const net_error e = ws[static_cast<std::size_t>(c.slot)]->connect(u);
                note_failure("stream connect", e);
                a.ok = e.ok();
                a.refused = e.code == net_errc::ws_handshake_rejected;
                break;
            }
            case command::close: // only the connection it names: not a later one on the same index
                if (ctl_seq[static_cast<std::size_t>(c.slot)] == c.id) ws[static_cast<std::size_t>(c.slot)]->close();
                a.ok = true;
                break;
            case command::snapshot: a.ok = take_snapshot(acct, a); break;
            case command::backfill: a.ok = fetch_trades(acct, c, a); break;
            case command::quit: break;
            }
            answer_with(std::move(a));
        }
    }

    [[nodiscard]] std::vector<snapshot_kind> snapshot_kinds() const { return net::snapshot_kinds(cfg.venue, cfg.snapshots); }

    // userTrades for each symbol since the gap began, page by page (fromId after the last id),
    // parsed here (the network thread only decides). Bounded: 3 pages of 1 000 per symbol (weight
    // 5 each; the client's weight budget refuses what would exceed the minute's limit, and the
    // symbols not read yet are asked for again, up to 8 times with growing pauses).
    // On a failure the symbols not yet read are left in a.cmd.symbols, to be asked for again.
    bool fetch_trades(account_state& acct, const command& c, answer& a) {
        // The symbols the gap may have traded that the stream and the snapshots never showed (a
        // position opened and closed inside it): every income row since then names its symbol.
        std::vector<symbol_string> symbols;
        if (!c.income_read) {
            std::int64_t from = c.since_ms;
            for (int page = 0;; ++page) {
                if (page == 10) { // 10 000 rows: the rest of the window's symbols are not named
                    note_failure("backfill", "income history longer than 10 pages: later symbols may be missed", 0, 0,
                                 net_errc::ok);
                    break;
                }
                auto r = acct.rest.income(from, 1000);
                note_failure("backfill", r.error);
                if (!r.error.ok()) return false; // again after a pause, income first (a.cmd is unchanged)
                parse::income_page got;
                if (const auto pr = parse::parse_income_symbols(r.body, got); !pr.ok()) {
                    note_failure("backfill", "unparsable income answer: " + parse::error_json(pr), pr.exchange_code, 0,
                                 net_errc::ok);
                    return false;
                }
                for (const auto& s : got.symbols)
                    if (std::find(symbols.begin(), symbols.end(), s) == symbols.end()) symbols.push_back(s);
                if (got.rows < 1000) break;
                // Binance answers startTime + limit rows: the next page starts at the last row's
                // time (inclusive: rows may repeat, a symbol set does not mind); 1 000 rows in one
                // millisecond move on by one.
                from = got.last_time_ms > from ? got.last_time_ms : from + 1;
            }
        }
        // The income history's symbols first (those are the ones the gap traded), then the ones
        // the stream and the snapshots showed, up to the cap.
        for (const auto& s : c.symbols)
            if (std::find(symbols.begin(), symbols.end(), s) == symbols.end()) symbols.push_back(s);
        if (symbols.size() > fill_ledger::max_symbols) {
            note_failure("backfill", "more than 64 symbols to back-fill: the rest are not read", 0, 0, net_errc::ok);
            symbols.resize(fill_ledger::max_symbols);
        }
        a.cmd.symbols = symbols;
        a.cmd.income_read = true;
        for (std::size_t i = 0; i < symbols.size(); ++i) {
            const auto& sym = symbols[i];
            std::int64_t from_id = -1;
            for (int page = 0; page < 3; ++page) {
                auto r = acct.rest.user_trades(sym.view(), c.since_ms, from_id, 1000);
                note_failure("backfill", r.error);
                if (!r.error.ok()) {
                    a.cmd.symbols.assign(symbols.begin() + static_cast<std::ptrdiff_t>(i), symbols.end());
                    return false;
                }
                parse::vector_sink got;
                const auto pr = parse::parse_user_trades(r.body, cfg.venue, wall_ns(), got.sink());
                if (!pr.ok()) {
                    note_failure("backfill", "unparsable userTrades answer: " + parse::error_json(pr), pr.exchange_code, 0,
                                 net_errc::ok);
                    break;
                }
                std::int64_t last_id = -1;
                for (auto& ev : got.events) {
                    ev.header.account = static_cast<std::uint16_t>(acct.index);
                    last_id = std::max(last_id, ev.payload.fill.trade_id);
                }
                a.fills.insert(a.fills.end(), got.events.begin(), got.events.end());
                if (got.events.size() < 1000 || last_id < 0) break;
                from_id = last_id + 1;
            }
        }
        return true;
    }

    bool take_snapshot(account_state& acct, answer& a) {
        for (const auto kind : snapshot_kinds()) {
            snapshot_body b{kind, {}, 0, wall_ns(), parse::path_of(kind).empty()};
            if (b.wsapi) {
                acct.wsapi->set_time_offset_ms(acct.rest.time_offset_ms());
                auto r = acct.wsapi->snapshot(kind);
                note_failure("snapshot", r.error);
                if (!r.error.ok()) {
                    a.failure = failure_of(r.error);
                    return false;
                }
                b.body = std::move(r.frame);
                b.as_of_ms = r.sent_ms - acct.rest.time_uncertainty_ms(); // see the REST case
            } else {
                auto r = acct.rest.snapshot(kind);
                note_failure("snapshot", r.error);
                if (!r.error.ok()) {
                    if (r.error.binance_code == -1021) (void)acct.rest.sync_time();
                    a.failure = failure_of(r.error);
                    return false;
                }
                b.body = std::move(r.body);
                // The answer describes the account at or after the request left. sent_ms is the
                // server clock as estimated here; the stamp is its lower bound, so that a stream
                // event the snapshot may predate is never taken for an older one.
                b.as_of_ms = r.sent_ms - acct.rest.time_uncertainty_ms();
            }
            a.bodies.push_back(std::move(b));
        }
        return true;
    }

    // ---- network thread ---------------------------------------------------------------------------

    static std::int64_t now_ms() noexcept { return ns_to_ms(mono_ns()); }

    // The stream target for a new connection carrying these accounts' current keys.
    std::string target_for(std::uint32_t carries) const {
        if (!cfg.shared_connection) {
            for (std::size_t a = 0; a < accts.size(); ++a)
                if (carries >> a & 1) return stream_target(cfg.ws_path, accts[a]->key);
            return {};
        }
        std::string keys;
        for (std::size_t a = 0; a < accts.size(); ++a) {
            if ((carries >> a & 1) == 0) continue;
            if (!keys.empty()) keys += '&';
            keys += "listenKey=" + accts[a]->key;
        }
        const auto at = cfg.ws_shared_path.find("{keys}");
        return cfg.ws_shared_path.substr(0, at) + keys + cfg.ws_shared_path.substr(at + 6);
    }

    // A session's actions. Copied first: carrying one out may feed the same session again.
    void act(account_state& acct, session::actions acts) {
        std::array<session_action, session::max_actions> todo;
        const std::size_t n = std::min(acts.size(), todo.size());
        std::copy_n(acts.begin(), n, todo.begin());
        const int i = acct.index;
        for (std::size_t j = 0; j < n; ++j) {
            const auto& a = todo[j];
            switch (a.type) {
            case action_type::create_listen_key: {
                mux.key_pending(i);
                command c{command::create_key};
                c.account = i;
                post(std::move(c));
                break;
            }
            case action_type::keepalive_listen_key: {
                command c{command::keepalive};
                c.account = i;
                post(std::move(c));
                break;
            }
            case action_type::open_connection:
                acct.slot_id[a.slot] = a.id;
                run_mux(mux.want(i, a.slot, a.id, now_ms()));
                break;
            case action_type::close_connection: run_mux(mux.release(i, a.slot)); break;
            case action_type::request_snapshot: {
                command c{command::snapshot, 0, a.id};
                c.account = i;
                c.consumer_mask = ~0ULL;
                c.session_snapshot = true;
                post(std::move(c));
                break;
            }
            case action_type::publish_status: publish_status(i, a.status, a.reason, a.exchange_code, ~0ULL); break;
            }
        }
        acct.dedup = acct.sess.open_slots() > 1;
        service_backfill(acct);
    }

    account_state* acct_of(const mux_action& m) noexcept { return accts[static_cast<std::size_t>(m.account)].get(); }

    // The mux's actions (connections to open and close, answers for the sessions). Copied first.
    void run_mux(connection_mux::actions acts) {
        std::array<mux_action, connection_mux::max_actions> todo;
        const std::size_t n = std::min(acts.size(), todo.size());
        std::copy_n(acts.begin(), n, todo.begin());
        const std::int64_t t = now_ms();
        for (std::size_t j = 0; j < n; ++j) {
            const auto& m = todo[j];
            const auto p = static_cast<std::size_t>(m.conn < 0 ? 0 : m.conn);
            switch (m.what) {
            case mux_action::open: {
                owned[p] = false;
                for (std::size_t a = 0; a < accts.size(); ++a) conn_keys[p][a] = (m.accounts >> a & 1) ? accts[a]->key : std::string();
                command c{command::open, m.conn, mux.seq_of(m.conn)};
                latest_open[p].store(c.id, std::memory_order_relaxed);
                c.target = target_for(m.accounts);
                post(std::move(c));
                break;
            }
            case mux_action::close:
                owned[p] = false;
                post({command::close, m.conn, m.id});
                break;
            case mux_action::opened: act(*acct_of(m), acct_of(m)->sess.on_opened(t, m.slot, m.id)); break;
            case mux_action::open_failed: act(*acct_of(m), acct_of(m)->sess.on_open_failed(t, m.slot, m.id, last_open_failure)); break;
            case mux_action::lost: act(*acct_of(m), acct_of(m)->sess.on_lost(t, m.slot, m.id)); break;
            case mux_action::rotate: act(*acct_of(m), acct_of(m)->sess.rotate_now(t, m.slot)); break;
            case mux_action::check_key: acct_of(m)->sess.check_key(t); break;
            }
        }
    }

    void handle(answer& a) {
        const auto t = now_ms();
        account_state& acct = *accts[static_cast<std::size_t>(a.cmd.account)];
        session& sess = acct.sess;
        switch (a.cmd.what) {
        case command::create_key:
            if (a.ok) {
                if (a.key_changed || acct.key.empty()) ++acct.key_gen;
                acct.key = a.key;
                mux.key_known(acct.index, acct.key_gen);
            }
            act(acct, a.ok ? sess.on_listen_key(t, a.key_changed) : sess.on_listen_key_failed(t, a.failure));
            break;
        case command::keepalive: act(acct, a.ok ? sess.on_keepalive(t) : sess.on_keepalive_failed(t, a.failure)); break;
        case command::open: {
            const int p = a.cmd.slot;
            const bool current = mux.in_use(p) && mux.seq_of(p) == a.cmd.id;
            if (a.ok && current) {
                owned[static_cast<std::size_t>(p)] = true;
                run_mux(mux.opened(p, t));
            } else if (a.ok) {
                post({command::close, p, a.cmd.id}); // answered too late
            } else if (current) {
                last_open_failure = a.failure;
                run_mux(mux.failed(p, a.refused));
                last_open_failure = {};
            }
            break;
        }
        case command::close: break;
        case command::backfill:
            acct.backfill_pending = false;
            publish_backfill(a);
            if (!a.ok && ++a.cmd.id <= 8) { // attempts, in `id`: again after a pause (a 5xx, a ban)
                acct.backfill_retry_at_ns = mono_ns() + static_cast<std::int64_t>(a.cmd.id) * 250'000'000;
                acct.backfill_retry = std::move(a.cmd);
                acct.backfill_pending = true; // still this one's turn
            } else if (acct.backfill_again_ms >= 0) {
                const std::int64_t since = acct.backfill_again_ms;
                acct.backfill_again_ms = -1;
                request_backfill(acct, since);
            }
            break;
        case command::snapshot: {
            bool ok = a.ok;
            if (ok) ok = publish_snapshot(acct, a);
            if (a.cmd.session_snapshot) act(acct, ok ? sess.on_snapshot(t, a.cmd.id) : sess.on_snapshot_failed(t, a.cmd.id, a.failure));
            else if (!ok) reseed(acct.index, a.cmd.consumer_mask); // a consumer's re-seed failed: again
            break;
        }
        case command::quit: break;
        }
    }

    bool publish_snapshot(account_state& acct, answer& a) {
        target_mask = a.cmd.consumer_mask;
        publishing_snapshot = true;
        const int saved = current_conn;
        current_conn = -1;
        bool ok = true;
        for (auto& b : a.bodies) {
            const std::size_t n = b.body.size();
            b.body.resize(n + parse::payload_padding);
            parse::snapshot_request req;
            req.kind = b.wsapi ? parse::kind_from_wsapi_method(b.kind == snapshot_kind::wsapi_account_status
                                                                   ? "account.status"
                                                                   : "account.position",
                                                               cfg.venue)
                               : b.kind;
            req.venue = cfg.venue;
            req.account = static_cast<std::uint16_t>(acct.index);
            req.snapshot_id = ++snapshot_seq;
            // A venue that answers from a lagged copy (session_config::snapshot_lag_ms) describes
            // the account as of that long before the request left, at the earliest.
            const std::int64_t lag = cfg.session.snapshot_lag_ms;
            req.as_of_ms = b.as_of_ms - lag;
            req.request_sent_ns = b.sent_ns - lag * 1'000'000;
            req.recv_ns = wall_ns();
            if (cfg.recorder != nullptr) cfg.recorder->on_snapshot(req, b.wsapi, std::string_view(b.body.data(), n), target_mask);
            const auto r = b.wsapi ? snapshot_parser.parse_wsapi(b.body.data(), n, req, sink())
                                   : snapshot_parser.parse_rest(b.body.data(), n, req, sink());
            if (!r.ok()) {
                note_failure("snapshot", "unparsable answer: " + parse::error_json(r), r.exchange_code, 0, net_errc::ok);
                ok = false;
                a.failure = {r.exchange_code, 0};
                break;
            }
            snapshots.fetch_add(1, std::memory_order_relaxed);
        }
        target_mask = ~0ULL;
        publishing_snapshot = false;
        current_conn = saved;
        return ok;
    }

    // Events no snapshot brings back, for a consumer that cannot take them now (cold: only while
    // it is overrun). Its book needs none of them (account_book: not_for_book).
    static bool is_order_flow(event_type t) noexcept {
        return t == event_type::order_update || t == event_type::trade_lite || t == event_type::algo_update ||
               t == event_type::margin_call || t == event_type::missed_fill;
    }
    void keep_order_flow(feed_consumer& c, std::size_t n) noexcept {
        for (std::size_t i = 0; i < n; ++i) {
            if (!is_order_flow(staging[i].header.type)) continue;
            if (c.kept_.size() < c.kept_.capacity()) {
                c.kept_.push_back(staging[i]); // within the reserved capacity: no allocation
            } else {
                ++c.kept_lost_;
                overrun_lost.fetch_add(1, std::memory_order_relaxed);
            }
        }
    }

    void reseed(int acc, std::uint64_t mask) {
        command c{command::snapshot, 0, 0};
        c.account = acc;
        c.consumer_mask = mask;
        post(std::move(c));
    }

    void service_overruns() {
        for (std::size_t k = 0; k < owner.consumers_.size(); ++k) {
            auto& c = *owner.consumers_[k];
            // room for its statuses and the order flow kept for it
            if (!c.overrun_ || c.ring_.free_slots() < 3 * accts.size() + c.kept_.size()) continue;
            c.overrun_ = false;
            // Said, not hidden: order events beyond what was kept are gone for this consumer.
            char reseeding[96] = "consumer overrun: re-seeding"; // text_string keeps the first 63 bytes
            if (c.kept_lost_ != 0)
                std::snprintf(reseeding, sizeof reseeding, "consumer overrun: re-seeding; %llu order events lost",
                              static_cast<unsigned long long>(c.kept_lost_));
            // What it missed may include the sessions' own statuses, so it is told each stream's
            // state again: down (the session's snapshot after the reconnection heals it with
            // everyone's), or up (`resumed` ends any outage it did not see end).
            for (auto& a : accts) {
                if (a->sess.open_slots() == 0) {
                    publish_status(a->index, stream_status_kind::disconnected, "consumer overrun while the stream is down", 0, 1ULL << k);
                    continue;
                }
                publish_status(a->index, stream_status_kind::gap, reseeding, 0, 1ULL << k);
                publish_status(a->index, stream_status_kind::resumed, "consumer overrun: stream up", 0, 1ULL << k);
                reseed(a->index, 1ULL << k); // asked for after the gap's time: it heals this book
            }
            // The order flow it missed, in the order published (straight into its ring: these
            // went through dedup and the fill ledger when they were first published).
            for (const event& ev : c.kept_) *c.ring_.claim() = ev;
            if (!c.kept_.empty()) c.ring_.commit();
            overrun_kept.fetch_add(c.kept_.size(), std::memory_order_relaxed);
            c.kept_.clear();
            c.kept_lost_ = 0;
        }
    }

    // A consumer's snapshot found drift: the stream lost events while it looked healthy, so the
    // connections are replaced (the snapshot has healed the book already).
    void service_drift() {
        std::uint32_t drifted = 0;
        for (auto& a : accts) {
            const auto i = static_cast<std::size_t>(a->index);
            for (auto& c : owner.consumers_) {
                const std::uint64_t d = c->drift_[i].load(std::memory_order_relaxed);
                if (d != c->drift_acted_[i]) {
                    c->drift_acted_[i] = d;
                    // A shared connection that lost one account's events may have lost anyone's:
                    // every account on it is reconnected and healed.
                    drifted |= mux.sharing_with(a->index);
                }
            }
        }
        for (std::uint32_t m = drifted; m != 0; m &= m - 1) {
            auto& a = *accts[static_cast<std::size_t>(__builtin_ctz(m))];
            act(a, a.sess.on_drift(now_ms()));
        }
    }

    void network_loop() {
        if (cfg.pin_core >= 0) (void)pin_current_thread(cfg.pin_core);
        auto sink_ = sink();
        for (auto& a : accts) act(*a, a->sess.start(now_ms()));
        const std::size_t n_conn = ws.size();
        while (running.load(std::memory_order_relaxed)) {
            if (have_answers.load(std::memory_order_acquire)) {
                std::deque<answer> got;
                {
                    std::lock_guard lk(mu);
                    got.swap(answers);
                    have_answers.store(false, std::memory_order_relaxed);
                }
                for (auto& a : got) handle(a);
            }
            service_overruns();
            service_drift();
            for (auto& a : accts) {
                release_held_fills(*a);
                if (a->backfill_retry && mono_ns() >= a->backfill_retry_at_ns) {
                    post(std::move(*a->backfill_retry));
                    a->backfill_retry.reset();
                }
            }
            int open = 0;
            for (std::size_t i = 0; i < n_conn; ++i) open += owned[i] ? 1 : 0;
            const int wait = cfg.mode == read_mode::busy_poll ? 0 : (open > 1 ? 1 : 5);
            for (std::size_t i = 0; i < n_conn; ++i) {
                if (!owned[i]) continue;
                const int p = static_cast<int>(i);
                current_conn = p;
                expired_seen = 0;
                // Separate connections carry one account (2a+k); a shared one routes each frame.
                const parse::stream_context ctx{cfg.venue,
                                                cfg.shared_connection ? parse::unrouted_account : static_cast<std::uint16_t>(i / 2),
                                                0, cfg.shared_connection ? &router : nullptr};
                const auto r = ws[i]->poll(
                    [&](const ws_message& m) {
                        parse::stream_context c = ctx;
                        c.recv_ns = wall_ns();
                        frames.fetch_add(1, std::memory_order_relaxed);
                        last_frame_ns.store(mono_ns(), std::memory_order_relaxed);
                        frame_account = -1;
                        const auto pr = stream_parser.parse(m.data, m.size, c, sink_);
                        if (cfg.recorder != nullptr) [[unlikely]]
                            cfg.recorder->on_frame(p, frame_account, c.recv_ns, std::string_view(m.data, m.size));
                        if (pr.code == parse::parse_errc::sink_full) return; // staging never fills: max_batch < capacity
                        if (!pr.ok()) {
                            parse_errors.fetch_add(1, std::memory_order_relaxed);
                            // Nothing of the frame was published, and it may have carried state — of
                            // any account on this connection: their books are dirty from now, and a
                            // snapshot taken after this heals them.
                            mux.for_each_bound(p, [&](int a, int) {
                                publish_status(a, stream_status_kind::parse_error, pr.field, 0, ~0ULL);
                                reseed(a, ~0ULL);
                                request_backfill(*accts[static_cast<std::size_t>(a)], accts[static_cast<std::size_t>(a)]->fills.since_ms()); // the frame may have been a fill
                            });
                        }
                    },
                    wait);
                current_conn = -1;
                const std::int64_t t = now_ms();
                // ws_client stamps reads on steady_clock, which is CLOCK_MONOTONIC on Linux like mono_ns().
                const std::int64_t last = ns_to_ms(ws[i]->last_receive_ns());
                if (last > 0) mux.for_each_bound(p, [&](int a, int k) { accts[static_cast<std::size_t>(a)]->sess.on_activity(k, last); });
                for (std::uint32_t m = expired_seen; m != 0; m &= m - 1) {
                    auto& a = *accts[static_cast<std::size_t>(__builtin_ctz(m))];
                    const int k = mux.slot_on(p, a.index);
                    if (k >= 0) act(a, a.sess.on_listen_key_expired(t, k, a.slot_id[static_cast<std::size_t>(k)]));
                }
                if (!r.error.ok() && owned[i]) {
                    owned[i] = false;
                    post({command::close, p, mux.seq_of(p)}); // releases the TLS state on the control thread
                    run_mux(mux.failed(p));
                }
            }
            if (open == 0) std::this_thread::sleep_for(std::chrono::milliseconds(cfg.mode == read_mode::busy_poll ? 0 : 2));
            run_mux(mux.tick(now_ms()));
            for (auto& a : accts) act(*a, a->sess.tick(now_ms()));
            publish_health();
        }
        for (auto& a : accts) act(*a, a->sess.stop(now_ms()));
        publish_health();
    }

    // A session's gap start (its clock: monotonic ms) as Unix ns on the wall clock; 0 stays 0.
    static std::int64_t gap_since_wall_ns(std::int64_t since_mono_ms) noexcept {
        if (since_mono_ms == 0) return 0;
        return wall_ns() - (mono_ns() - since_mono_ms * 1'000'000);
    }

    void publish_health() noexcept {
        session_state least = session_state::live;
        const char* waiting = "nothing";
        std::int64_t oldest_gap_ms = 0;
        std::uint64_t rc = 0, g = 0, hl = 0, ka = 0, rot = 0, dr = 0;
        for (const auto& a : accts) {
            const auto& h = a->sess.health();
            if (h.state < least) waiting = h.waiting_for.data(); // the session writes only literals: NUL-terminated
            if (h.gap_since_ms != 0 && (oldest_gap_ms == 0 || h.gap_since_ms < oldest_gap_ms)) oldest_gap_ms = h.gap_since_ms;
            least = std::min(least, h.state);
            rc += h.reconnects;
            g += h.gaps;
            hl += h.healed;
            ka += h.keepalives;
            rot += h.rotations;
            dr += h.drift_rotations;
        }
        state.store(static_cast<std::uint8_t>(least), std::memory_order_relaxed);
        waiting_for.store(waiting, std::memory_order_relaxed);
        gap_since_ns.store(gap_since_wall_ns(oldest_gap_ms), std::memory_order_relaxed);
        reconnects.store(rc, std::memory_order_relaxed);
        gaps.store(g, std::memory_order_relaxed);
        healed.store(hl, std::memory_order_relaxed);
        keepalives.store(ka, std::memory_order_relaxed);
        rotations.store(rot, std::memory_order_relaxed);
        drift_rotations.store(dr, std::memory_order_relaxed);
    }
};

feed::feed(feed_config cfg) : cfg_(std::move(cfg)) {
    accounts_ = cfg_.accounts.empty() ? 1 : static_cast<int>(cfg_.accounts.size());
    for (int k = 0; k < cfg_.consumers; ++k)
        consumers_.push_back(std::unique_ptr<feed_consumer>(
            new feed_consumer(cfg_.ring_capacity, cfg_.book, cfg_.drift_grace_ms, accounts_, cfg_.overrun_kept_events)));
    impl_ = std::make_unique<impl>(*this, cfg_, accounts_);
}

feed::~feed() { stop(); }

void feed::start() {
    if (impl_->running.exchange(true)) return;
    impl_->control_thread = std::thread([this] { impl_->control_loop(); });
    impl_->net_thread = std::thread([this] { impl_->network_loop(); });
}

void feed::stop() {
    if (!impl_ || !impl_->running.exchange(false)) return;
    if (impl_->net_thread.joinable()) impl_->net_thread.join();
    impl_->post({command::quit});
    if (impl_->control_thread.joinable()) impl_->control_thread.join();
    for (auto& w : impl_->ws) w->abort();
}

const event& feed_consumer::drift_event(const event& end) noexcept {
    const account_book& book = *books_[end.header.account];
    const drift_report& d = book.drift();
    make_stream_status(drift_ev_, end.header.venue, stream_status_kind::drift, end.header.recv_time_ns);
    drift_ev_.header.account = end.header.account;
    drift_ev_.payload.status.count = d.keys;
    drift_ev_.payload.status.detail = d.names;
    drift_[end.header.account].store(book.counters().drift_snapshots, std::memory_order_relaxed);
    return drift_ev_;
}

feed_error feed::last_error() const {
    std::lock_guard lk(impl_->error_mu);
    return impl_->last_failure;
}

feed_health feed::health() const noexcept {
    const auto& m = *impl_;
    feed_health h;
    h.state = static_cast<session_state>(m.state.load(std::memory_order_relaxed));
    h.waiting_for = m.waiting_for.load(std::memory_order_relaxed);
    h.gap_since_ns = m.gap_since_ns.load(std::memory_order_relaxed);
    h.frames = m.frames.load(std::memory_order_relaxed);
    h.events = m.events.load(std::memory_order_relaxed);
    h.parse_errors = m.parse_errors.load(std::memory_order_relaxed);
    h.reconnects = m.reconnects.load(std::memory_order_relaxed);
    h.gaps = m.gaps.load(std::memory_order_relaxed);
    h.healed = m.healed.load(std::memory_order_relaxed);
    h.overruns = m.overruns.load(std::memory_order_relaxed);
    h.overrun_kept = m.overrun_kept.load(std::memory_order_relaxed);
    h.overrun_lost = m.overrun_lost.load(std::memory_order_relaxed);
    h.duplicates = m.duplicates.load(std::memory_order_relaxed);
    h.snapshots = m.snapshots.load(std::memory_order_relaxed);
    h.keepalives = m.keepalives.load(std::memory_order_relaxed);
    h.rotations = m.rotations.load(std::memory_order_relaxed);
    h.drift_rotations = m.drift_rotations.load(std::memory_order_relaxed);
    h.backfills = m.backfills.load(std::memory_order_relaxed);
    h.missed_fills = m.missed_fills.load(std::memory_order_relaxed);
    for (const auto& c : consumers_)
        for (int a = 0; a < accounts_; ++a) h.drift += c->drift_[static_cast<std::size_t>(a)].load(std::memory_order_relaxed);
    h.unrouted = m.unrouted.load(std::memory_order_relaxed);
    const auto last = m.last_frame_ns.load(std::memory_order_relaxed);
    h.last_event_age_ms = last == 0 ? -1 : ns_to_ms(mono_ns() - last);
    return h;
}

} // namespace acctsync::net
