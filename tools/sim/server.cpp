// acctsync/tools/sim/server.cpp — see server.hpp.
#include "tools/sim/server.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <csignal>
#include <cctype>
#include <charconv>
#include <deque>
#include <future>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <thread>
#include <variant>
#include <vector>

#include "core/event_builders.hpp"
#include <nlohmann/json.hpp>

#include "tools/sim/asio.hpp"
#include "net/signing.hpp"
#include "tools/sim/binance_writer.hpp"
#include "parse/json/json_writer.hpp"
#include "parse/snapshot.hpp"
#include "tools/sim/account_engine.hpp"
#include "tools/sim/scenario.hpp"
#include "tools/sim/wire_forms.hpp"

namespace acctsync::sim {

using namespace acctsync::net;
using namespace std::chrono_literals;
using asio::use_awaitable;

namespace {

std::int64_t wall_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string random_token(std::mt19937_64& rng, std::size_t n) {
    static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    std::string s(n, '\0');
    for (auto& c : s) c = alphabet[rng() % 62];
    return s;
}

// "a=1&b=2" -> value of `key` (raw, not URL-decoded: Binance keys, ids and hex signatures need none).
std::optional<std::string_view> query_param(std::string_view query, std::string_view key) {
    while (!query.empty()) {
        const auto amp = query.find('&');
        const std::string_view pair = query.substr(0, amp);
        const auto eq = pair.find('=');
        if (pair.substr(0, eq) == key) return eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
        if (amp == std::string_view::npos) break;
        query.remove_prefix(amp + 1);
    }
    return std::nullopt;
}

// The "e" of a frame the engine wrote ({"e":"NAME",...}).
// The frame's "E" (the first one: a combined envelope has only its data's); 0 when absent.
std::int64_t event_time_of(std::string_view frame) {
    const auto at = frame.find("\"E\":");
    if (at == std::string_view::npos) return 0;
    std::int64_t v = 0;
    std::size_t i = at + 4;
    if (i < frame.size() && frame[i] == '"') ++i; // listenKeyExpired's E may be a string
    for (; i < frame.size() && frame[i] >= '0' && frame[i] <= '9'; ++i) v = v * 10 + (frame[i] - '0');
    return v;
}

// The frame's first "T" (the event's; an ORDER_TRADE_UPDATE's o.T is the same); 0 when absent.
std::int64_t transaction_time_of(std::string_view frame) {
    const auto at = frame.find("\"T\":");
    if (at == std::string_view::npos) return 0;
    std::int64_t v = 0;
    for (std::size_t i = at + 4; i < frame.size() && frame[i] >= '0' && frame[i] <= '9'; ++i) v = v * 10 + (frame[i] - '0');
    return v;
}

std::int64_t wall_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string_view event_name(std::string_view frame) {
    const auto start = frame.find("\"e\":\"");
    if (start == std::string_view::npos) return {};
    const auto from = start + 5;
    return frame.substr(from, frame.find('"', from) - from);
}

// The symbols every simulated account can trade.
const std::array<std::string_view, 3>& symbols_of(market venue) {
    static constexpr std::array<std::string_view, 3> usdm{"BTCUSDT", "ETHUSDT", "SOLUSDT"};
    static constexpr std::array<std::string_view, 3> coinm{"BTCUSD_PERP", "ETHUSD_PERP", "ADAUSD_PERP"};
    return venue == market::usdm ? usdm : coinm;
}

struct rest_error {
    http::status status;
    int code;
    std::string msg;
};

} // namespace

struct ws_client {
    ws_client(websocket::stream<beast::ssl_stream<beast::tcp_stream>>&& s, asio::io_context& io)
        : ws(std::move(s)), wake(io) {}
    websocket::stream<beast::ssl_stream<beast::tcp_stream>> ws;
    asio::steady_timer wake;
    // Frames waiting for the socket, each with the time it may go (now, or now + lag).
    struct queued {
        std::string msg;
        std::chrono::steady_clock::time_point due;
    };
    std::deque<queued> out;
    std::chrono::milliseconds lag{0}; // the lag fault: this socket sees every event this much later
    // The keys this socket listens to, each with its allow-list (empty: every event). One key,
    // except /private/stream?listenKey=A[&events=..]&listenKey=B[&events=..] (several accounts).
    struct subscription {
        std::string listen_key;
        std::vector<std::string> allow;
        // The streams= form: "<key>@EVENT" items, each the name its event goes out under (the
        // item as given); every other event goes out under the key itself.
        std::vector<std::pair<std::string, std::string>> named; // event, stream name
    };
    std::vector<subscription> subs;
    bool combined = false;
    bool closed = false;
    std::chrono::steady_clock::time_point connected_at{};
    std::chrono::steady_clock::time_point last_pong{};
    std::chrono::steady_clock::time_point next_ping{};
    std::mt19937_64 fault_rng;
    std::size_t queued_bytes = 0; // the bytes in `out`
    bool stalled = false;         // the stall fault: nothing is written any more
    bool closing = false;         // a closing message is queued: nothing else is, and then it closes
    bool deaf = false;            // close_open, close_notify: nothing is read from the client any more
    // Payloads of the pings not yet echoed, oldest first (a pong may answer only the latest of
    // several pings, RFC 6455 §5.5.3, so an echo also settles the older ones); bounded.
    std::deque<std::string> unanswered_pings;
    // late_duplicate: copies to send again once `left` more frames have gone out.
    struct late_copy {
        int left;
        std::string msg;
    };
    std::vector<late_copy> late;
    std::optional<std::string> held; // reorder: a frame waiting for the next one to pass it
    std::chrono::steady_clock::time_point held_until{};
    std::uint64_t pings_sent = 0;
    std::chrono::steady_clock::time_point incoming_window{};
    int incoming_in_window = 0;
    int incoming_limit = 0; // messages a second from the client beyond which it is cut

    [[nodiscard]] const subscription* find(std::string_view key) const {
        for (const auto& s : subs)
            if (s.listen_key == key) return &s;
        return nullptr;
    }
    // The combined envelope's stream name for event `e` of `key`.
    [[nodiscard]] std::string_view stream_name(std::string_view key, std::string_view e) const {
        if (const subscription* s = find(key))
            for (const auto& [event, name] : s->named)
                if (event == e) return name;
        return key;
    }
    [[nodiscard]] bool allows(std::string_view key, std::string_view e) const {
        const subscription* s = find(key);
        if (s == nullptr) return false;
        if (s->allow.empty()) return true;
        for (const auto& a : s->allow)
            if (a == e) return true;
        return false;
    }
};

struct account_slot {
    std::string api_key;
    std::string secret;
    std::string ed25519_api_key; // a second key, of Ed25519 type (session.logon)
    std::string ed25519_seed;
    std::string ed25519_public;
    std::unique_ptr<account_engine> engine;
    std::string listen_key;
    std::chrono::steady_clock::time_point key_expiry{};
    bool key_alive = false;
    std::vector<std::weak_ptr<ws_client>> subscribers;
    // The account after each change, oldest first, for snapshots served with a lag: the front
    // is the newest copy at least snapshot_lag old (or the first one, before any is).
    struct past_state {
        std::chrono::steady_clock::time_point at;
        std::shared_ptr<const account_engine> state;
    };
    std::deque<past_state> history;
    static constexpr std::size_t replayed = 8; // the replay fault sends this many again
    std::deque<std::string> recent;             // the last `replayed` frames published, as sent
};

struct server::impl {
    explicit impl(server_config c) : cfg(std::move(c)), rng(cfg.seed) {
        for (const auto& k : cfg.faults) faults_at[static_cast<std::size_t>(drawn_per(k))].push_back(&k);
    }

    server_config cfg;
    // cfg.faults by where each is drawn (fault_draw), in their configured order.
    std::array<std::vector<const std::string*>, static_cast<std::size_t>(fault_draw::wsapi) + 1> faults_at;
    asio::io_context io;
    ssl::context tls = new_tls_context(ssl::context::tls_server);
    tcp::acceptor acceptor{io};
    std::thread thread;
    std::vector<account_slot> accounts;
    std::mt19937_64 rng;
    std::int64_t next_id = 1;
    std::int64_t last_t = 0;
    std::int64_t weight_minute = 0;
    int weight_used = 0;
    std::atomic<bool> paused{false};
    std::uint64_t connection_counter = 0;
    std::mt19937_64 wire_rng{cfg.seed * 0x2545F4914F6CDD1DULL + 3};
    std::mt19937_64 rest_rng{cfg.seed * 31 + 7};
    int over_limit_count = 0;
    std::chrono::steady_clock::time_point refusing_until{};
    std::chrono::steady_clock::time_point banned_until{};
    stats st;

    // Runs f on the io thread and waits (or runs it here when the server is not running).
    template <class F>
    auto on_io(F f) {
        if (!thread.joinable()) return f();
        std::packaged_task<decltype(f())()> task(std::move(f));
        auto fut = task.get_future();
        asio::post(io, [&task] { task(); });
        return fut.get();
    }

    // The venue's clock: the wall clock plus server_config::clock_offset (serverTime, E, T, the
    // recvWindow check and the weight minute all read it).
    [[nodiscard]] std::int64_t now_ms() const { return wall_ms() + cfg.clock_offset.count(); }

    std::int64_t tick() { // strictly increasing event times, close to the venue's clock
        last_t = std::max(last_t + 1, now_ms());
        return last_t;
    }

    void setup() {
        tls.use_certificate_chain_file(cfg.cert_file);
        tls.use_private_key_file(cfg.key_file, ssl::context::pem);
        const tcp::endpoint ep(asio::ip::make_address(cfg.host), cfg.port);
        acceptor.open(ep.protocol());
        acceptor.set_option(asio::socket_base::reuse_address(true));
        acceptor.bind(ep);
        acceptor.listen();
        const bool usdm = cfg.venue == market::usdm;
        for (int i = 0; i < cfg.accounts; ++i) {
            account_slot a;
            a.api_key = random_token(rng, 64);
            a.secret = random_token(rng, 64);
            a.ed25519_api_key = random_token(rng, 64);
            a.ed25519_seed = random_token(rng, 32);
            a.ed25519_public = ed25519_public_key(a.ed25519_seed);
            if (i == 0 && !cfg.account0_api_key.empty()) a.api_key = cfg.account0_api_key;
            if (i == 0 && !cfg.account0_secret.empty()) a.secret = cfg.account0_secret;
            engine_options o;
            o.venue = cfg.venue;
            o.hedge_mode = cfg.hedge_mode;
            o.seed = cfg.seed * 1000 + static_cast<std::uint64_t>(i);
            a.engine = std::make_unique<account_engine>(o);
            for (const std::string_view sym : symbols_of(cfg.venue)) a.engine->list_symbol(sym);
            const std::int64_t t = tick();
            if (usdm) (void)a.engine->deposit("USDT", dec("100000"), t);
            else
                for (const char* asset : {"BTC", "ETH", "ADA"}) (void)a.engine->deposit(asset, dec("100"), t);
            remember(a);
            accounts.push_back(std::move(a));
        }
    }

    // ---- broadcasting ------------------------------------------------------------------------
    // Snapshot answers with server_config::snapshot_lag: remember() after every change (and
    // once at set-up), snapshot_state() reads the copy as of snapshot_lag ago.
    void remember(account_slot& a) {
        if (cfg.snapshot_lag.count() <= 0) return;
        a.history.push_back({std::chrono::steady_clock::now(), std::make_shared<const account_engine>(a.engine->state_copy())});
        forget(a);
    }
    void forget(account_slot& a) const {
        const auto horizon = std::chrono::steady_clock::now() - cfg.snapshot_lag;
        while (a.history.size() >= 2 && a.history[1].at <= horizon) a.history.pop_front();
    }
    const account_engine& snapshot_state(account_slot& a) const {
        if (cfg.snapshot_lag.count() <= 0 || a.history.empty()) return *a.engine;
        forget(a);
        return *a.history.front().state;
    }

    // A share (wire_variety) of frames goes out in another of Binance's wire forms.
    std::string on_the_wire(const std::string& frame) {
        if (cfg.wire_variety <= 0) return frame;
        std::uniform_real_distribution<double> u(0, 1);
        return u(wire_rng) < cfg.wire_variety ? vary_wire_form(frame, wire_rng) : frame;
    }

    void publish(account_slot& a, const std::string& canonical) {
        remember(a);
        const std::string frame = on_the_wire(canonical);
        a.recent.push_back(frame);
        if (a.recent.size() > account_slot::replayed) a.recent.pop_front();
        const std::string_view e = event_name(frame);
        for (auto& w : a.subscribers) {
            auto c = w.lock();
            if (!c || c->closed || !a.key_alive || !c->allows(a.listen_key, e)) continue;
            push(*c, frame, a.listen_key, e);
        }
    }
    // The combined envelope names the stream by its listenKey, or by the "<key>@EVENT" item a
    // streams= URL subscribed the event with (UNVERIFIED on /private: Binance's JS SDK subscribes
    // with the bare key as the stream name; third parties use <key>@EVENT items; spec §1.1).
    void push(ws_client& c, const std::string& frame, const std::string& key, std::string_view e) {
        if (c.stalled || c.closing) return; // never written: not kept either
        const auto due = std::chrono::steady_clock::now() + c.lag;
        if (c.combined)
            c.out.push_back({"{\"stream\":\"" + std::string(c.stream_name(key, e)) + "\",\"data\":" + frame + "}", due});
        else c.out.push_back({frame, due});
        c.queued_bytes += c.out.back().msg.size();
        if (c.queued_bytes > cfg.max_send_queue_bytes) { // a reader too slow for the stream: cut
            ++st.slow_reader_drops;
            cut(c);
            return;
        }
        c.wake.cancel();
    }
    // Ends a user-data socket at the TCP level now (no close frame, no close_notify).
    static void cut(ws_client& c) {
        boost::system::error_code ec;
        beast::get_lowest_layer(c.ws).socket().close(ec);
        c.closed = true;
        c.out.clear();
        c.queued_bytes = 0;
        c.wake.cancel();
    }
    // One message from the client (a ping, a pong or a data message): past the limit, cut.
    void count_incoming(ws_client& c) {
        const auto now = std::chrono::steady_clock::now();
        if (now - c.incoming_window >= std::chrono::seconds(1)) {
            c.incoming_window = now;
            c.incoming_in_window = 0;
        }
        if (++c.incoming_in_window > c.incoming_limit && !c.closed) {
            ++st.rate_limit_drops;
            cut(c);
        }
    }
    // A ping with a payload of its own (UNVERIFIED: what Binance puts in it; here a sequence
    // number), remembered until a pong echoes it.
    asio::awaitable<void> send_ping(std::shared_ptr<ws_client> c) {
        std::string payload = std::to_string(++c->pings_sent);
        c->unanswered_pings.push_back(payload);
        // Remembered long enough for a slow reader's pongs to still echo one: the ping_storm
        // fault sends hundreds a second, and a client that answers each of them (late, behind a
        // 2 MiB oversized frame under ASan) must not count them against its incoming limit.
        if (c->unanswered_pings.size() > 4096) c->unanswered_pings.pop_front();
        co_await c->ws.async_ping(websocket::ping_data(payload.data(), payload.size()), use_awaitable);
    }
    // Pings and pongs from the client: a pong that echoes one of our pings resets the pong
    // deadline and is not counted; every other one counts toward the socket's incoming limit.
    void watch_control(const std::shared_ptr<ws_client>& c) {
        c->ws.control_callback([this, weak = std::weak_ptr<ws_client>(c)](websocket::frame_type kind, beast::string_view payload) {
            auto cc = weak.lock();
            if (!cc || kind == websocket::frame_type::close) return;
            if (kind == websocket::frame_type::pong)
                for (auto it = cc->unanswered_pings.begin(); it != cc->unanswered_pings.end(); ++it)
                    if (*it == std::string_view(payload.data(), payload.size())) { // echoes one of ours
                        cc->last_pong = std::chrono::steady_clock::now();
                        cc->unanswered_pings.erase(cc->unanswered_pings.begin(), it + 1); // it and older ones
                        return; // not counted: the ping_storm fault's pings would otherwise
                                // push a well-behaved client over the limit (Binance pings every 3 min)
                    }
            count_incoming(*cc);
        });
    }
    // Binance's connection rules, the same for user-data and WS-API sockets (spec §1.3, §4): the
    // end at the connection's lifetime (a close frame), the drop without an echoing pong within
    // the deadline (the TCP connection goes), and our pings every ping_interval (`may_ping`
    // false: none, e.g. a stalled socket).
    enum class keepalive { ended, pinged, idle };
    asio::awaitable<keepalive> keep_alive(std::shared_ptr<ws_client> c, bool may_ping) {
        const auto now = std::chrono::steady_clock::now();
        if (now - c->connected_at >= cfg.connection_lifetime) {
            co_await c->ws.async_close(websocket::close_code::going_away, use_awaitable);
            co_return keepalive::ended;
        }
        if (now - c->last_pong >= cfg.pong_timeout) {
            beast::get_lowest_layer(c->ws).close();
            co_return keepalive::ended;
        }
        if (may_ping && now >= c->next_ping) {
            co_await send_ping(c);
            c->next_ping = now + cfg.ping_interval;
            co_return keepalive::pinged;
        }
        co_return keepalive::idle;
    }
    // When keep_alive has something to do next.
    std::chrono::steady_clock::time_point keep_alive_due(const ws_client& c) const {
        return std::min({c.next_ping, c.connected_at + cfg.connection_lifetime, c.last_pong + cfg.pong_timeout});
    }
    // A socket just accepted: the clocks of keep_alive start, and its fault draws are seeded.
    void opened(ws_client& c, int incoming_limit) {
        c.connected_at = c.last_pong = std::chrono::steady_clock::now();
        c.next_ping = c.connected_at + cfg.ping_interval;
        c.fault_rng.seed(cfg.seed ^ (++connection_counter * 0x9E3779B97F4A7C15ULL));
        c.incoming_limit = incoming_limit;
    }

    // The key lapses by the wall clock: checked at every POST, PUT and connect, and on each
    // scenario tick (so listenKeyExpired goes out even when nobody asks).
    void lapse_if_due(account_slot& a) {
        if (a.key_alive && std::chrono::steady_clock::now() >= a.key_expiry) expire(a);
    }
    void expire(account_slot& a) {
        if (!a.key_alive) return;
        a.key_alive = false;
        event ev;
        make_stream_status(ev, cfg.venue, stream_status_kind::listen_key_expired, 0);
        ev.header.event_time_ms = tick();
        (void)ev.payload.status.listen_key.assign(a.listen_key);
        std::string canonical;
        (void)sim::write_user_frame(std::span<const event>(&ev, 1), canonical);
        const std::string frame = on_the_wire(canonical);
        for (auto& w : a.subscribers)
            if (auto c = w.lock(); c && !c->closed && c->allows(a.listen_key, "listenKeyExpired"))
                push(*c, frame, a.listen_key, "listenKeyExpired");
        // After this the sockets stay open and silent, as on Binance.
    }

    // ---- the scenario ------------------------------------------------------------------------
    void operate() {
        if (accounts.empty()) return;
        account_slot& a = accounts[rng() % accounts.size()];
        account_engine& e = *a.engine;
        const std::size_t pick = static_cast<std::size_t>(rng() % symbols_of(cfg.venue).size());
        const std::string sym(symbols_of(cfg.venue)[pick]);
        const std::int64_t t = tick();
        // The scenario picks the mix: mixed (everything), fills (market orders only), funding
        // (funding fees on open positions, with fills to open them), transfers (deposits and
        // withdrawals). One time in eight a second operation on the account at the same time:
        // operations that may share an E (across event types; spec §1.5).
        for (int again = 0; again < 2; ++again) {
            int op = static_cast<int>(rng() % operation_count);
            if (cfg.scenario == "fills") op = 6;
            else if (cfg.scenario == "funding") op = rng() % 4 == 0 ? 6 : 3;
            else if (cfg.scenario == "transfers") op = static_cast<int>(rng() % 2);
            std::vector<std::string> frames = random_operation(e, op, sym, rng, t, next_id++);
            ++st.operations;
            for (const auto& fr : frames) publish(a, fr);
            if (frames.empty()) remember(a); // the mark moved (random_operation walks it)
            if (rng() % 8 != 0 || (cfg.max_operations > 0 && st.operations >= cfg.max_operations)) break;
        }
    }

    asio::awaitable<void> scenario_loop() {
        asio::steady_timer timer(io);
        // Burst mode: `burst` operations back to back, then a pause that keeps the average rate.
        const int batch = std::max(1, cfg.burst);
        const auto interval = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
            std::chrono::duration<double>(cfg.rate > 0 ? batch / cfg.rate : 0.1));
        auto next = std::chrono::steady_clock::now();
        for (;;) {
            next += interval;
            if (next < std::chrono::steady_clock::now() - 1s) next = std::chrono::steady_clock::now(); // fell behind
            timer.expires_at(next);
            co_await timer.async_wait(use_awaitable);
            for (auto& a : accounts) lapse_if_due(a);
            if (cfg.rate > 0 && !paused.load())
                for (int i = 0; i < batch; ++i) {
                    if (cfg.max_operations > 0 && st.operations >= cfg.max_operations) break; // --ops N: done
                    operate();
                }
        }
    }

    // ---- REST ----------------------------------------------------------------------------------
    using response = http::response<http::string_body>;

    response json(http::status s, std::string body, unsigned version) {
        response r{s, version};
        r.set(http::field::content_type, "application/json");
        r.set("X-MBX-USED-WEIGHT-1M", std::to_string(weight_used));
        r.body() = std::move(body);
        r.prepare_payload();
        return r;
    }
    response error(const rest_error& e, unsigned version) {
        std::string body;
        sim::write_error_body(e.code, e.msg, body);
        return json(e.status, std::move(body), version);
    }

    // API-key header -> account index.
    std::variant<int, rest_error> authenticate(const http::request<http::string_body>& req) {
        const auto it = req.find("X-MBX-APIKEY");
        const std::string_view key = it == req.end() ? std::string_view{} : std::string_view(it->value().data(), it->value().size());
        bool well_formed = key.size() == 64;
        for (const char c : key) well_formed &= std::isalnum(static_cast<unsigned char>(c)) != 0;
        if (!well_formed) return rest_error{http::status::unauthorized, -2014, "API-key format invalid."};
        for (std::size_t i = 0; i < accounts.size(); ++i)
            if (accounts[i].api_key == key) return static_cast<int>(i);
        return rest_error{http::status::unauthorized, -2015, "Invalid API-key, IP, or permissions for action."};
    }

    // USER_DATA: signature over totalParams (query before "&signature=" + body), timestamp window.
    std::optional<rest_error> check_signed(const account_slot& a, std::string_view query, std::string_view body) {
        const auto ts = query_param(query, "timestamp");
        const auto sig = query_param(query, "signature");
        if (!ts || ts->empty())
            return rest_error{http::status::bad_request, -1102,
                              "Mandatory parameter 'timestamp' was not sent, was empty/null, or malformed."};
        if (!sig || sig->empty())
            return rest_error{http::status::bad_request, -1102,
                              "Mandatory parameter 'signature' was not sent, was empty/null, or malformed."};
        const auto at = query.find("signature=");
        const std::string_view signed_part = query.substr(0, at == 0 ? 0 : at - 1);
        std::string total(signed_part);
        total.append(body);
        if (!verify_hmac_sha256_hex(a.secret, total, *sig))
            return rest_error{http::status::bad_request, -1022, "Signature for this request is not valid."};
        std::int64_t t = 0, window = 5000;
        const auto rw = query_param(query, "recvWindow");
        if (std::from_chars(ts->data(), ts->data() + ts->size(), t).ec != std::errc{} ||
            (rw && std::from_chars(rw->data(), rw->data() + rw->size(), window).ec != std::errc{}))
            return rest_error{http::status::bad_request, -1102, "Mandatory parameter 'timestamp' was not sent, was empty/null, or malformed."};
        const std::int64_t server_time = now_ms();
        if (t >= server_time + 1000)
            return rest_error{http::status::bad_request, -1021, "Timestamp for this request was 1000ms ahead of the server's time."};
        if (server_time - t > window)
            return rest_error{http::status::bad_request, -1021, "Timestamp for this request is outside of the recvWindow."};
        return std::nullopt;
    }

    // 429 past the weight limit; 418 (an IP ban, Retry-After) for a client that keeps asking.
    std::optional<response> rate_limited(int weight, unsigned v) {
        const auto now = std::chrono::steady_clock::now();
        if (now < banned_until) {
            auto r = error({http::status{418}, -1003, "Way too many requests; IP banned."}, v);
            r.set(http::field::retry_after, std::to_string(std::chrono::ceil<std::chrono::seconds>(banned_until - now).count()));
            return r;
        }
        if (charge(weight)) {
            over_limit_count = 0;
            return std::nullopt;
        }
        if (++over_limit_count > cfg.ignored_429_before_ban) {
            banned_until = now + cfg.ban_duration;
            over_limit_count = 0;
            auto r = error({http::status{418}, -1003, "Way too many requests; IP banned."}, v);
            r.set(http::field::retry_after, std::to_string(std::chrono::ceil<std::chrono::seconds>(cfg.ban_duration).count()));
            return r;
        }
        auto r = error({http::status::too_many_requests, -1003,
                        "Too many requests; current limit is " + std::to_string(cfg.weight_limit) + " requests per minute."},
                       v);
        r.set(http::field::retry_after, std::to_string(60 - (now_ms() / 1000) % 60));
        return r;
    }

    bool charge(int weight) {
        const std::int64_t minute = now_ms() / 60000;
        if (minute != weight_minute) {
            weight_minute = minute;
            weight_used = 0;
        }
        weight_used += weight;
        return weight_used <= cfg.weight_limit;
    }

    response handle_rest(const http::request<http::string_body>& req) {
        ++st.rest_requests;
        const std::string_view target(req.target().data(), req.target().size());
        const auto q = target.find('?');
        const std::string_view path = target.substr(0, q);
        const std::string_view query = q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
        const unsigned v = req.version();
        const std::string_view prefix = cfg.venue == market::usdm ? "/fapi/" : "/dapi/";

        if (path == "/admin/pause" || path == "/admin/resume") { // the scenario stops or goes on
            paused = path == "/admin/pause";
            return json(http::status::ok, paused ? "{\"paused\":true}" : "{\"paused\":false}", v);
        }
        if (path == "/admin/truth") {
            const auto acc = query_param(query, "account");
            int i = 0;
            if (acc) std::from_chars(acc->data(), acc->data() + acc->size(), i);
            if (i < 0 || i >= static_cast<int>(accounts.size())) return error({http::status::not_found, -1121, "No such account."}, v);
            return json(http::status::ok, accounts[static_cast<std::size_t>(i)].engine->truth_json(), v);
        }
        if (path.rfind(prefix, 0) != 0) return error({http::status::not_found, -1000, "Unknown path."}, v);
        const std::string_view rest = path.substr(prefix.size() - 1); // "/v1/time", ...
        const snapshot_kind kind = parse::kind_from_path(path);
        const int weight = rest == "/v1/income" ? 30 : (kind == snapshot_kind::unknown && rest != "/v1/userTrades" ? 1 : 5);
        if (auto limited = rate_limited(weight, v)) return std::move(*limited);

        if (rest == "/v1/time" && req.method() == http::verb::get)
            return json(http::status::ok, "{\"serverTime\":" + std::to_string(now_ms()) + "}", v);

        if (rest == "/v1/listenKey") {
            const auto who = authenticate(req);
            if (const auto* e = std::get_if<rest_error>(&who)) return error(*e, v);
            account_slot& a = accounts[static_cast<std::size_t>(std::get<int>(who))];
            lapse_if_due(a);
            switch (req.method()) {
            case http::verb::post:
                if (!a.key_alive) {
                    a.listen_key = random_token(rng, 64);
                    a.key_alive = true;
                }
                a.key_expiry = std::chrono::steady_clock::now() + cfg.listen_key_validity;
                return json(http::status::ok, "{\"listenKey\":\"" + a.listen_key + "\"}", v);
            case http::verb::put:
                if (!a.key_alive)
                    return error({http::status::bad_request, -1125,
                                  "This listenKey does not exist. Please use POST /fapi/v1/listenKey to recreate listenKey"},
                                 v);
                a.key_expiry = std::chrono::steady_clock::now() + cfg.listen_key_validity;
                return json(http::status::ok, "{\"listenKey\":\"" + a.listen_key + "\"}", v);
            case http::verb::delete_:
                expire(a);
                return json(http::status::ok, "{}", v);
            default: return error({http::status::method_not_allowed, -1000, "Method not allowed."}, v);
            }
        }

        if (rest == "/v1/userTrades" && req.method() == http::verb::get) { // USER_DATA, weight 5
            const auto who = authenticate(req);
            if (const auto* e = std::get_if<rest_error>(&who)) return error(*e, v);
            account_slot& a = accounts[static_cast<std::size_t>(std::get<int>(who))];
            if (auto e = check_signed(a, query, req.body())) return error(*e, v);
            const auto symbol = query_param(query, "symbol");
            if (!symbol || symbol->empty())
                return error({http::status::bad_request, -1102, "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed."}, v);
            const auto number = [&](std::string_view name, std::int64_t dflt) {
                std::int64_t x = dflt;
                if (const auto p = query_param(query, name)) std::from_chars(p->data(), p->data() + p->size(), x);
                return x;
            };
            const std::int64_t limit = std::clamp<std::int64_t>(number("limit", 500), 1, 1000);
            return json(http::status::ok,
                        a.engine->user_trades_json(*symbol, number("startTime", 0), number("fromId", -1),
                                                   static_cast<std::size_t>(limit)),
                        v);
        }
        // TRADE, weight 1: the account-mode changes a user makes beside the scenario's (the
        // refusals are Binance's, pushing nothing; account_engine::refusal).
        if ((rest == "/v1/marginType" || (rest == "/v1/multiAssetsMargin" && cfg.venue == market::usdm)) &&
            req.method() == http::verb::post) {
            const auto who = authenticate(req);
            if (const auto* e = std::get_if<rest_error>(&who)) return error(*e, v);
            account_slot& a = accounts[static_cast<std::size_t>(std::get<int>(who))];
            if (auto e = check_signed(a, query, req.body())) return error(*e, v);
            const auto param = [&](std::string_view name) { return query_param(query, name).value_or(std::string_view{}); };
            account_engine::refusal why;
            std::vector<std::string> frames;
            if (rest == "/v1/marginType") {
                const auto symbol = param("symbol");
                const auto type = param("marginType");
                if (symbol.empty() || (type != "ISOLATED" && type != "CROSSED"))
                    return error({http::status::bad_request, -1102, "Mandatory parameter 'symbol' or 'marginType' was not sent, was empty/null, or malformed."}, v);
                frames = a.engine->set_margin_type(symbol, type == "ISOLATED" ? margin_type::isolated : margin_type::cross, tick(), &why);
            } else {
                const auto on = param("multiAssetsMargin");
                if (on != "true" && on != "false")
                    return error({http::status::bad_request, -1102, "Mandatory parameter 'multiAssetsMargin' was not sent, was empty/null, or malformed."}, v);
                frames = a.engine->set_multi_assets(on == "true", tick(), &why);
            }
            if (why.code != 0) return error({http::status::bad_request, why.code, why.msg}, v);
            for (const auto& fr : frames) publish(a, fr);
            return json(http::status::ok, R"({"code":200,"msg":"success"})", v);
        }
        if (rest == "/v1/income" && req.method() == http::verb::get) { // USER_DATA, weight 30
            const auto who = authenticate(req);
            if (const auto* e = std::get_if<rest_error>(&who)) return error(*e, v);
            account_slot& a = accounts[static_cast<std::size_t>(std::get<int>(who))];
            if (auto e = check_signed(a, query, req.body())) return error(*e, v);
            const auto number = [&](std::string_view name, std::int64_t dflt) {
                std::int64_t x = dflt;
                if (const auto p = query_param(query, name)) std::from_chars(p->data(), p->data() + p->size(), x);
                return x;
            };
            const std::int64_t limit = std::clamp<std::int64_t>(number("limit", 100), 1, 1000);
            const auto type = query_param(query, "incomeType");
            return json(http::status::ok,
                        a.engine->income_json(type ? *type : std::string_view{}, number("startTime", 0), number("endTime", 0),
                                              static_cast<std::size_t>(limit)),
                        v);
        }
        if (kind != snapshot_kind::unknown && req.method() == http::verb::get) {
            const auto who = authenticate(req);
            if (const auto* e = std::get_if<rest_error>(&who)) return error(*e, v);
            account_slot& a = accounts[static_cast<std::size_t>(std::get<int>(who))];
            if (auto e = check_signed(a, query, req.body())) return error(*e, v);
            return json(http::status::ok, snapshot_state(a).rest_snapshot(kind), v);
        }
        return error({http::status::not_found, -1000, "Unknown path."}, v);
    }

    // ---- connections ---------------------------------------------------------------------------
    asio::awaitable<void> accept_loop() {
        for (;;) {
            tcp::socket s = co_await acceptor.async_accept(use_awaitable);
            ++st.connections;
            if (std::chrono::steady_clock::now() < refusing_until) { // fault: refuse reconnects for a while
                boost::system::error_code ignored;
                s.close(ignored);
                continue;
            }
            asio::co_spawn(io, session(std::move(s)), asio::detached);
        }
    }

    asio::awaitable<void> session(tcp::socket sock) {
        try {
            beast::ssl_stream<beast::tcp_stream> stream(std::move(sock), tls);
            beast::get_lowest_layer(stream).expires_after(10s);
            co_await stream.async_handshake(ssl::stream_base::server, use_awaitable);
            beast::flat_buffer buf;
            for (;;) {
                http::request<http::string_body> req;
                beast::get_lowest_layer(stream).expires_after(60s);
                co_await http::async_read(stream, buf, req, use_awaitable);
                if (websocket::is_upgrade(req)) {
                    const std::string_view t(req.target().data(), req.target().size());
                    const std::string_view wsapi = cfg.venue == market::usdm ? "/ws-fapi/v1" : "/ws-dapi/v1";
                    if (t.substr(0, t.find('?')) == wsapi) co_await ws_api(std::move(stream), std::move(req));
                    else co_await user_stream(std::move(stream), std::move(req));
                    co_return;
                }
                rest_fault_plan plan;
                std::optional<response> faulted = rest_fault(req, plan);
                if (faulted && plan.execute) (void)handle_rest(req); // done, but the answer is lost
                response res = faulted ? std::move(*faulted) : handle_rest(req);
                if (plan.delay.count() > 0) { // slow REST
                    asio::steady_timer wait(io);
                    wait.expires_after(plan.delay);
                    co_await wait.async_wait(use_awaitable);
                }
                if (plan.garble == rest_fault_plan::invalid_json) { // complete HTTP, half a JSON body
                    res.body().resize(res.body().size() / 2);
                    res.prepare_payload();
                }
                const bool keep = req.keep_alive();
                res.keep_alive(keep);
                if (plan.garble == rest_fault_plan::cut_body) { // the headers and half the body, then TCP dies
                    res.prepare_payload();
                    std::ostringstream head;
                    head << res.base();
                    std::string wire = head.str();
                    wire.append(res.body(), 0, res.body().size() / 2);
                    co_await asio::async_write(stream, asio::buffer(wire), use_awaitable);
                    beast::get_lowest_layer(stream).socket().close();
                    co_return;
                }
                co_await http::async_write(stream, res, use_awaitable);
                if (!keep) break;
            }
            beast::get_lowest_layer(stream).expires_after(2s);
            co_await stream.async_shutdown(use_awaitable);
        } catch (const std::exception&) {
            // A client going away (or failing TLS verification) ends its session only.
        }
    }

    // Which listenKey, allow-list and envelope a user-data URL asks for.
    std::optional<rest_error> route_stream(std::string_view target, ws_client& c) {
        const auto q = target.find('?');
        const std::string_view path = target.substr(0, q);
        const std::string_view query = q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
        const bool usdm = cfg.venue == market::usdm;
        if (usdm && path.rfind("/private/ws/", 0) == 0) {
            c.subs.push_back({std::string(path.substr(12)), {}, {}});
        } else if (usdm && path == "/private/stream" && query_param(query, "streams")) {
            // Binance's JS SDK: /private/stream?streams=<key>; third parties: <key>@EVENT items.
            if (query_param(query, "listenKey"))
                return rest_error{http::status::bad_request, -1102, "Either streams= or listenKey=, not both."};
            if (auto e = subscribe_streams(*query_param(query, "streams"), c)) return e;
            c.combined = true;
        } else if (usdm && (path == "/private/ws" || path == "/private/stream")) {
            // Items in order: each listenKey starts a subscription, an events= after it is its
            // allow-list ("A/B", the slash literal or %2F). Several keys only on /private/stream.
            std::vector<std::string> early; // an events= before the first listenKey is the first key's
            for (std::string_view q = query; !q.empty();) {
                const auto amp = q.find('&');
                const std::string_view pair = q.substr(0, amp);
                const auto eq = pair.find('=');
                const std::string_view name = pair.substr(0, eq);
                const std::string_view value = eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
                if (name == "streams") return rest_error{http::status::bad_request, -1102, "streams= needs /private/stream."};
                if (name == "listenKey") {
                    c.subs.push_back({std::string(value), c.subs.empty() ? std::move(early) : std::vector<std::string>{}, {}});
                } else if (name == "events") {
                    std::string list(value);
                    for (std::size_t p; (p = list.find("%2F")) != std::string::npos;) list.replace(p, 3, "/");
                    (c.subs.empty() ? early : c.subs.back().allow) = split_list(list, '/');
                }
                if (amp == std::string_view::npos) break;
                q.remove_prefix(amp + 1);
            }
            if (c.subs.empty()) return rest_error{http::status::bad_request, -1102, "Mandatory parameter 'listenKey' was not sent."};
            if (c.subs.size() > 1 && path != "/private/stream")
                return rest_error{http::status::bad_request, -1102, "Several listenKeys need /private/stream."};
            c.combined = path == "/private/stream";
        } else if ((!usdm || cfg.testnet_legacy_paths) && path.rfind("/ws/", 0) == 0) {
            c.subs.push_back({std::string(path.substr(4)), {}, {}});
        } else if ((!usdm || cfg.testnet_legacy_paths) && path == "/stream") {
            // COIN-M's combined form (spec §2): /stream?streams=<key>[/<key>@EVENT…].
            const auto streams = query_param(query, "streams");
            if (!streams) return rest_error{http::status::bad_request, -1102, "Mandatory parameter 'streams' was not sent."};
            if (auto e = subscribe_streams(*streams, c)) return e;
            c.combined = true;
        } else if (usdm && (path.rfind("/ws", 0) == 0 || path.rfind("/stream", 0) == 0)) {
            // The legacy unrouted entry points, decommissioned for user data on 2026-04-23: the
            // handshake succeeds and then nothing comes, not even listenKeyExpired, while pings go
            // on (spec §1.1, a third party's measurement): the failure is silence, not an error.
        } else {
            return rest_error{http::status::not_found, -1000, "Unknown stream path."};
        }
        return std::nullopt;
    }

    // streams=A/B/…: each item a listenKey (every event of it, named by the key) or
    // "<key>@EVENT" (that event added to the key's allow-list, named by the item as given). The
    // slash may come as %2F, the at sign as %40. (What Binance does with a key listed both bare
    // and with @EVENT items is UNVERIFIED: here it gets every event, each once, an @EVENT item's
    // under that item's name.)
    static std::optional<rest_error> subscribe_streams(std::string_view value, ws_client& c) {
        std::string list(value);
        for (const auto& [from, to] : {std::pair<const char*, char>{"%2F", '/'}, {"%2f", '/'}, {"%40", '@'}})
            for (std::size_t p; (p = list.find(from)) != std::string::npos;) list.replace(p, 3, 1, to);
        std::vector<std::string> whole; // keys subscribed bare
        for (const std::string& item : split_list(list, '/')) {
            if (item.empty()) continue;
            const auto at = item.find('@');
            const std::string key = item.substr(0, at);
            if (key.empty()) return rest_error{http::status::bad_request, -1102, "A stream item without a listenKey."};
            ws_client::subscription* sub = nullptr;
            for (auto& x : c.subs)
                if (x.listen_key == key) sub = &x;
            if (sub == nullptr) sub = &c.subs.emplace_back(ws_client::subscription{key, {}, {}});
            if (at == std::string::npos) {
                whole.push_back(key);
                continue;
            }
            const std::string event = item.substr(at + 1);
            if (event.empty()) return rest_error{http::status::bad_request, -1102, "An empty event in a stream item."};
            sub->allow.push_back(event);
            sub->named.emplace_back(event, item);
        }
        if (c.subs.empty()) return rest_error{http::status::bad_request, -1102, "Mandatory parameter 'streams' was empty."};
        for (auto& x : c.subs)
            if (std::find(whole.begin(), whole.end(), x.listen_key) != whole.end()) x.allow.clear(); // every event
        return std::nullopt;
    }

    // ---- WebSocket API -------------------------------------------------------------------------
    struct wsapi_session {
        int account = -1; // logged on (session.logon), else -1
        std::int64_t authorized_since = 0;
        std::int64_t connected_since = 0;
    };

    std::string rate_limits_json() const {
        return "[{\"rateLimitType\":\"REQUEST_WEIGHT\",\"interval\":\"MINUTE\",\"intervalNum\":1,\"limit\":" +
               std::to_string(cfg.weight_limit) + ",\"count\":" + std::to_string(weight_used) + "}]";
    }
    std::string wsapi_reply(const std::string& id, int status, const std::string& result) const {
        return "{\"id\":" + id + ",\"status\":" + std::to_string(status) + ",\"result\":" + result +
               ",\"rateLimits\":" + rate_limits_json() + "}";
    }
    std::string wsapi_error(const std::string& id, const rest_error& e) const {
        std::string body;
        sim::write_error_body(e.code, e.msg, body);
        return "{\"id\":" + id + ",\"status\":" + std::to_string(static_cast<int>(e.status)) + ",\"error\":" + body +
               ",\"rateLimits\":" + rate_limits_json() + "}";
    }

    // One request frame -> one response frame.
    std::string wsapi_handle(std::string_view frame, wsapi_session& session) {
        ++st.rest_requests;
        using json = nlohmann::json;
        json req = json::parse(frame, nullptr, false);
        if (req.is_discarded() || !req.is_object())
            return wsapi_error("null", {http::status::bad_request, -1102, "Malformed request."});
        const std::string id = req.contains("id") ? req["id"].dump() : "null";
        const std::string method = req.value("method", "");
        const json params = req.contains("params") && req["params"].is_object() ? req["params"] : json::object();
        // The signature payload: every param but signature, sorted by name, k=v joined by &.
        std::vector<std::pair<std::string, std::string>> kv;
        for (auto it = params.begin(); it != params.end(); ++it)
            kv.emplace_back(it.key(), it.value().is_string() ? it.value().get<std::string>() : it.value().dump());
        auto param = [&](const char* k) -> std::string {
            if (!params.contains(k)) return {};
            return params[k].is_string() ? params[k].get<std::string>() : params[k].dump();
        };
        const snapshot_kind kind = parse::kind_from_wsapi_method(method, cfg.venue);
        const int weight = kind == snapshot_kind::unknown ? (method.rfind("session.", 0) == 0 ? 2 : 1) : 5;
        if (!charge(weight))
            return wsapi_error(id, {http::status::too_many_requests, -1003, "Too many requests."});
        auto account_by_key = [&](const std::string& key, bool ed25519) -> int {
            for (std::size_t i = 0; i < accounts.size(); ++i)
                if ((ed25519 ? accounts[i].ed25519_api_key : accounts[i].api_key) == key) return static_cast<int>(i);
            return -1;
        };
        auto timestamp_ok = [&]() -> std::optional<rest_error> {
            const std::string ts = param("timestamp");
            std::int64_t t = 0, window = 5000;
            if (ts.empty() || std::from_chars(ts.data(), ts.data() + ts.size(), t).ec != std::errc{})
                return rest_error{http::status::bad_request, -1102, "Mandatory parameter 'timestamp' was not sent."};
            const std::string rw = param("recvWindow");
            if (!rw.empty()) std::from_chars(rw.data(), rw.data() + rw.size(), window);
            const std::int64_t server_time = now_ms();
            if (t >= server_time + 1000 || server_time - t > window)
                return rest_error{http::status::bad_request, -1021, "Timestamp for this request is outside of the recvWindow."};
            return std::nullopt;
        };

        if (method == "session.logon") {
            const int a = account_by_key(param("apiKey"), true);
            if (a < 0) return wsapi_error(id, {http::status::unauthorized, -2015, "Invalid API-key, IP, or permissions for action."});
            if (!ed25519_verify_base64(accounts[static_cast<std::size_t>(a)].ed25519_public, wsapi_payload(kv), param("signature")))
                return wsapi_error(id, {http::status::bad_request, -1022, "Signature for this request is not valid."});
            if (auto e = timestamp_ok()) return wsapi_error(id, *e);
            session.account = a;
            session.authorized_since = now_ms();
            return wsapi_reply(id, 200, session_json(session));
        }
        if (method == "session.status") return wsapi_reply(id, 200, session_json(session));
        if (method == "session.logout") {
            session.account = -1;
            return wsapi_reply(id, 200, session_json(session));
        }
        if (method.rfind("userDataStream.", 0) == 0) { // USER_STREAM: apiKey only (or the session's)
            const std::string key = param("apiKey");
            const int a = key.empty() ? session.account : account_by_key(key, false);
            if (a < 0) return wsapi_error(id, {http::status::unauthorized, -2015, "Invalid API-key, IP, or permissions for action."});
            account_slot& acct = accounts[static_cast<std::size_t>(a)];
            lapse_if_due(acct);
            if (method == "userDataStream.start") {
                if (!acct.key_alive) {
                    acct.listen_key = random_token(rng, 64);
                    acct.key_alive = true;
                }
                acct.key_expiry = std::chrono::steady_clock::now() + cfg.listen_key_validity;
            } else if (method == "userDataStream.ping") {
                if (!acct.key_alive) return wsapi_error(id, {http::status::bad_request, -1125, "This listenKey does not exist."});
                acct.key_expiry = std::chrono::steady_clock::now() + cfg.listen_key_validity;
            } else if (method == "userDataStream.stop") {
                expire(acct);
                return wsapi_reply(id, 200, "{}");
            } else {
                return wsapi_error(id, {http::status::bad_request, -1000, "Unknown method."});
            }
            return wsapi_reply(id, 200, "{\"listenKey\":\"" + acct.listen_key + "\"}");
        }
        if (kind != snapshot_kind::unknown) { // USER_DATA: the session's key, or apiKey + HMAC signature
            int a = -1;
            if (params.contains("signature")) {
                a = account_by_key(param("apiKey"), false);
                if (a < 0) return wsapi_error(id, {http::status::unauthorized, -2015, "Invalid API-key, IP, or permissions for action."});
                if (!verify_hmac_sha256_hex(accounts[static_cast<std::size_t>(a)].secret, wsapi_payload(kv), param("signature")))
                    return wsapi_error(id, {http::status::bad_request, -1022, "Signature for this request is not valid."});
            } else if (session.account >= 0) {
                a = session.account;
            } else {
                return wsapi_error(id, {http::status::unauthorized, -2015, "Invalid API-key, IP, or permissions for action."});
            }
            if (auto e = timestamp_ok()) return wsapi_error(id, *e);
            return wsapi_reply(id, 200, snapshot_state(accounts[static_cast<std::size_t>(a)]).rest_snapshot(kind));
        }
        return wsapi_error(id, {http::status::bad_request, -1000, "Unknown method."});
    }

    std::string session_json(const wsapi_session& s) const {
        std::string key = s.account < 0 ? "null" : "\"" + accounts[static_cast<std::size_t>(s.account)].ed25519_api_key + "\"";
        return "{\"apiKey\":" + key + ",\"authorizedSince\":" + (s.account < 0 ? "null" : std::to_string(s.authorized_since)) +
               ",\"connectedSince\":" + std::to_string(s.connected_since) + ",\"returnRateLimits\":true,\"serverTime\":" +
               std::to_string(now_ms()) + "}";
    }

    // A WS-API connection (spec §4): the handshake costs wsapi_handshake_weight of the weight
    // shared with REST (429, then 418, past the limit, as REST); then, as on a user-data socket,
    // our pings with payloads, a drop without an echoing pong within pong_timeout, the end at
    // connection_lifetime, and a cut past wsapi_max_control_per_second pings and pongs from the
    // client. The reader answers each request (and draws the WS-API faults); the writer sends
    // the answers in order, and the pings.
    asio::awaitable<void> ws_api(beast::ssl_stream<beast::tcp_stream> stream, http::request<http::string_body> req) {
        if (auto limited = rate_limited(cfg.wsapi_handshake_weight, req.version())) {
            co_await http::async_write(stream, *limited, use_awaitable);
            co_return;
        }
        auto c = std::make_shared<ws_client>(websocket::stream<beast::ssl_stream<beast::tcp_stream>>(std::move(stream)), io);
        try {
            beast::get_lowest_layer(c->ws).expires_never();
            websocket::stream_base::timeout t{};
            t.handshake_timeout = 10s;
            t.idle_timeout = websocket::stream_base::none();
            t.keep_alive_pings = false; // ours, with payloads the pongs must echo
            c->ws.set_option(t);
            watch_control(c);
            co_await c->ws.async_accept(req, use_awaitable);
        } catch (const std::exception&) {
            co_return;
        }
        opened(*c, cfg.wsapi_max_control_per_second);
        asio::co_spawn(io, wsapi_reader(c), asio::detached);
        try {
            for (;;) {
                if (c->closed) break;
                const keepalive k = co_await keep_alive(c, true);
                if (k == keepalive::ended) break;
                if (k == keepalive::pinged) continue;
                const auto now = std::chrono::steady_clock::now();
                if (c->out.empty() || c->out.front().due > now) {
                    auto wake_at = keep_alive_due(*c);
                    if (!c->out.empty()) wake_at = std::min(wake_at, c->out.front().due);
                    c->wake.expires_at(wake_at);
                    boost::system::error_code ec;
                    co_await c->wake.async_wait(asio::redirect_error(use_awaitable, ec));
                    continue;
                }
                const std::string msg = std::move(c->out.front().msg);
                c->out.pop_front();
                c->queued_bytes -= msg.size();
                c->ws.text(true);
                co_await c->ws.async_write(asio::buffer(msg), use_awaitable);
            }
        } catch (const std::exception&) {
        }
        c->closed = true;
    }

    asio::awaitable<void> wsapi_reader(std::shared_ptr<ws_client> c) {
        wsapi_session session;
        session.connected_since = now_ms();
        try {
            beast::flat_buffer buf;
            for (;;) {
                co_await c->ws.async_read(buf, use_awaitable);
                if (c->closed) break;
                const wsapi_fault fault = pick_wsapi_fault(c->fault_rng);
                std::string reply;
                if (fault == wsapi_fault::revoked) { // not carried out; the session's logon is gone
                    session.account = -1;
                    reply = wsapi_error("null", {http::status::unauthorized, -2015, "Invalid API-key, IP, or permissions for action."});
                } else {
                    reply = wsapi_handle(beast::buffers_to_string(buf.data()), session);
                }
                buf.clear();
                if (fault == wsapi_fault::drop) { // carried out, and the answer is lost with the connection
                    cut(*c);
                    break;
                }
                // A slow answer holds back the ones after it: one connection answers in order.
                auto due = std::chrono::steady_clock::now();
                if (fault == wsapi_fault::slow) due += cfg.slow_rest_delay;
                c->out.push_back({std::move(reply), due});
                c->queued_bytes += c->out.back().msg.size();
                if (c->queued_bytes > cfg.max_send_queue_bytes) { // a client that never reads its answers
                    ++st.slow_reader_drops;
                    cut(*c);
                    break;
                }
                c->wake.cancel();
            }
        } catch (const std::exception&) {
        }
        c->closed = true;
        c->wake.cancel();
    }

    asio::awaitable<void> user_stream(beast::ssl_stream<beast::tcp_stream> stream, http::request<http::string_body> req) {
        auto c = std::make_shared<ws_client>(websocket::stream<beast::ssl_stream<beast::tcp_stream>>(std::move(stream)), io);
        const std::string target(req.target());
        std::vector<account_slot*> accts; // one per key, in the URL's order
        auto err = route_stream(target, *c);
        for (std::size_t k = 0; !err && k < c->subs.size(); ++k) {
            account_slot* acct = nullptr;
            for (auto& a : accounts) {
                lapse_if_due(a);
                if (a.key_alive && a.listen_key == c->subs[k].listen_key) acct = &a;
            }
            // UNVERIFIED: what Binance does with one lapsed key among several; here the handshake fails.
            if (acct == nullptr) err = rest_error{http::status::bad_request, -1125, "This listenKey does not exist."};
            else accts.push_back(acct);
        }
        if (err) {
            response res = error(*err, req.version());
            co_await http::async_write(c->ws.next_layer(), res, use_awaitable);
            co_return;
        }
        if (auto refused = handshake_fault(req.version())) {
            co_await http::async_write(c->ws.next_layer(), *refused, use_awaitable);
            co_return;
        }
        beast::get_lowest_layer(c->ws).expires_never();
        // Pings and the pong deadline are ours (Binance: ping every 3 min, drop without a pong
        // within 10 min), so Beast's own keep-alive is off.
        websocket::stream_base::timeout t{};
        t.handshake_timeout = 10s;
        t.idle_timeout = websocket::stream_base::none();
        t.keep_alive_pings = false;
        c->ws.set_option(t);
        watch_control(c);
        co_await c->ws.async_accept(req, use_awaitable);
        opened(*c, cfg.max_incoming_per_second);
        for (auto* acct : accts) acct->subscribers.push_back(c);
        ++st.user_streams;
        if (draws(*c, "lag")) c->lag = std::chrono::milliseconds(20 + c->fault_rng() % 131); // 20..150 ms
        if (draws(*c, "replay")) // the account's last frames again, first thing on the new connection
            for (auto* acct : accts)
                for (const auto& fr : acct->recent)
                    if (c->allows(acct->listen_key, event_name(fr))) push(*c, fr, acct->listen_key, event_name(fr));
        asio::co_spawn(io, reader(c), asio::detached);
        bool half_open = false;
        try {
            for (;;) {
                if (c->closed) break;
                const keepalive k = co_await keep_alive(c, !c->stalled); // 24 h, pong deadline, pings
                if (k == keepalive::ended) break;
                if (k == keepalive::pinged) continue;
                const auto now = std::chrono::steady_clock::now();
                if (c->held && (now >= c->held_until || c->closing || c->stalled)) { // no frame came to pass it
                    const std::string held = std::move(*c->held);
                    c->held.reset();
                    if (!c->stalled && !half_open) {
                        c->ws.text(true);
                        co_await c->ws.async_write(asio::buffer(held), use_awaitable);
                        ++st.frames_sent;
                    }
                    continue;
                }
                if (c->out.empty() && c->closing) {
                    co_await c->ws.async_close(websocket::close_code::policy_error, use_awaitable);
                    break;
                }
                if (c->out.empty() || c->stalled || c->out.front().due > now) {
                    auto wake_at = keep_alive_due(*c);
                    if (!c->out.empty() && !c->stalled) wake_at = std::min(wake_at, c->out.front().due);
                    if (c->held) wake_at = std::min(wake_at, c->held_until);
                    c->wake.expires_at(wake_at);
                    boost::system::error_code ec;
                    co_await c->wake.async_wait(asio::redirect_error(use_awaitable, ec));
                    continue;
                }
                std::string msg = std::move(c->out.front().msg);
                c->out.pop_front();
                c->queued_bytes -= msg.size();
                if (c->closing) { // the closing message (the queue holds nothing else): as it is
                    co_await c->ws.async_write(asio::buffer(msg), use_awaitable);
                    continue;
                }
                if (half_open) continue; // swallowed: nothing closes, pings go on
                c->ws.text(true);
                if (cfg.on_write) // before any of its copies
                    cfg.on_write(event_name(msg), event_time_of(msg), transaction_time_of(msg), wall_ns());
                if (c->held) { // a reordered frame: after this one, unless they are of one type
                    const std::string held = std::move(*c->held);
                    c->held.reset();
                    const bool same_type = event_name(held) == event_name(msg);
                    co_await c->ws.async_write(asio::buffer(same_type ? held : msg), use_awaitable);
                    co_await c->ws.async_write(asio::buffer(same_type ? msg : held), use_awaitable);
                    st.frames_sent += 2;
                    continue;
                }
                switch (pick_fault(*c)) {
                case fault::duplicate:
                    co_await c->ws.async_write(asio::buffer(msg), use_awaitable);
                    break;
                case fault::malformed: { // an extra, broken frame (the real one still follows)
                    const std::string broken = msg.substr(0, msg.size() / 2) + ",,}";
                    co_await c->ws.async_write(asio::buffer(broken), use_awaitable);
                    break;
                }
                case fault::split: { // the same message as continuation frames
                    const std::size_t half = msg.size() / 2;
                    co_await c->ws.async_write_some(false, asio::buffer(msg.data(), half), use_awaitable);
                    co_await c->ws.async_write_some(true, asio::buffer(msg.data() + half, msg.size() - half), use_awaitable);
                    ++st.frames_sent;
                    continue;
                }
                case fault::oversized: { // an extra frame far beyond any real one
                    const std::string big = "{\"e\":\"ACCOUNT_UPDATE\",\"pad\":\"" + std::string(2 << 20, 'x') + "\"}";
                    co_await c->ws.async_write(asio::buffer(big), use_awaitable);
                    break;
                }
                case fault::drop: // dies mid-message: half of it as a non-final fragment, then the TCP
                                  // connection goes, with no close frame and no TLS close_notify
                    co_await c->ws.async_write_some(false, asio::buffer(msg.data(), msg.size() / 2), use_awaitable);
                    beast::get_lowest_layer(c->ws).close();
                    c->closed = true;
                    continue;
                case fault::reset: // dies mid-message with a TCP reset (SO_LINGER 0): RST, not FIN
                    co_await c->ws.async_write_some(false, asio::buffer(msg.data(), msg.size() / 2), use_awaitable);
                    {
                        boost::system::error_code ec;
                        auto& sock = beast::get_lowest_layer(c->ws).socket();
                        sock.set_option(asio::socket_base::linger(true, 0), ec);
                        sock.close(ec);
                    }
                    c->closed = true;
                    continue;
                case fault::header_cut: { // the first byte of a frame header (FIN+text), then the TCP goes
                    static constexpr char fin_text = '\x81';
                    co_await asio::async_write(c->ws.next_layer(), asio::buffer(&fin_text, 1), use_awaitable);
                    cut(*c);
                    continue;
                }
                case fault::tls_cut: { // a TLS record cut inside: its header and 64 of its 16 384 bytes, then the TCP goes
                    // Written below TLS, straight to the socket: the client cannot tell these bytes
                    // from the start of a real record before its end (and its MAC) would arrive.
                    std::string record = {'\x17', '\x03', '\x03', '\x40', '\x00'}; // application_data, 16 KiB
                    for (int i = 0; i < 64; ++i) record += static_cast<char>(c->fault_rng());
                    co_await asio::async_write(beast::get_lowest_layer(c->ws), asio::buffer(record), use_awaitable);
                    cut(*c);
                    continue;
                }
                case fault::close_open: { // a WebSocket close frame (1001), then nothing: the TCP stays open
                    // Our side stops reading (the client's close answer is never taken) and never
                    // closes; only the pong deadline ends the socket, as a hung venue would.
                    c->deaf = true;
                    beast::get_lowest_layer(c->ws).cancel(); // the reader's pending read ends
                    static constexpr char close_frame[] = {'\x88', '\x02', '\x03', '\xe9'};
                    co_await asio::async_write(c->ws.next_layer(), asio::buffer(close_frame, sizeof close_frame), use_awaitable);
                    c->stalled = true;
                    c->out.clear();
                    c->queued_bytes = 0;
                    continue;
                }
                case fault::close_notify: { // TLS close_notify with no WebSocket close before it, then the TCP goes
                    c->deaf = true;
                    beast::get_lowest_layer(c->ws).cancel();
                    beast::get_lowest_layer(c->ws).expires_after(1s); // the client's close_notify, if it sends one
                    boost::system::error_code ec;
                    co_await c->ws.next_layer().async_shutdown(asio::redirect_error(use_awaitable, ec));
                    cut(*c);
                    continue;
                }
                case fault::reorder: // held back: the next frame goes first if it is of another event
                    // type (never two of one type: Binance orders each type by T and E, spec §1.6)
                    c->held = std::move(msg);
                    c->held_until = now + std::chrono::milliseconds(50);
                    continue;
                case fault::late_duplicate: // sent now, and again after 1 to 5 more frames
                    c->late.push_back({1 + static_cast<int>(c->fault_rng() % 5), msg});
                    break;
                case fault::stall: // no data, no pings from now on
                    c->stalled = true;
                    c->out.clear();
                    c->queued_bytes = 0;
                    continue;
                case fault::gap: // silently lost, the connection staying healthy: half the time one
                    // item (one B or P element) of a multi-item ACCOUNT_UPDATE, the rest sent; else the frame
                    if (c->fault_rng() % 2 == 0)
                        if (auto fewer = drop_one_item(msg, c->fault_rng)) {
                            msg = std::move(*fewer);
                            break;
                        }
                    continue;
                case fault::half_open: // pings and pongs go on; no event is delivered from now on
                    half_open = true;
                    continue;
                case fault::ping_storm: // within Binance's limits: 4 pings, then the frame
                    for (int i = 0; i < 4; ++i) co_await send_ping(c);
                    break;
                case fault::none: break;
                }
                co_await c->ws.async_write(asio::buffer(msg), use_awaitable);
                ++st.frames_sent;
                for (std::size_t i = 0; i < c->late.size();) { // late duplicates now due
                    if (--c->late[i].left > 0) {
                        ++i;
                        continue;
                    }
                    const std::string copy = std::move(c->late[i].msg);
                    c->late.erase(c->late.begin() + static_cast<std::ptrdiff_t>(i));
                    co_await c->ws.async_write(asio::buffer(copy), use_awaitable);
                }
            }
        } catch (const std::exception&) {
        }
        c->closed = true;
    }

    // One draw of the fault plan from `rng` at `where`: with probability `rate` one of the
    // configured kinds drawn there (fault_draw), each as likely, else nullptr. Every per-frame,
    // per-request and per-handshake draw goes through it (io thread; O(1)).
    const std::string* draw_fault(std::mt19937_64& rng, fault_draw where, double rate) const {
        const auto& kinds = faults_at[static_cast<std::size_t>(where)];
        if (kinds.empty() || rate <= 0) return nullptr;
        std::uniform_real_distribution<double> u(0, 1);
        if (u(rng) >= rate) return nullptr;
        return kinds[rng() % kinds.size()];
    }
    [[nodiscard]] double request_fault_rate() const {
        return cfg.request_fault_rate < 0 ? cfg.fault_rate : cfg.request_fault_rate;
    }
    // A fault of `kind` takes effect now: counted in stats::faults and stats::faults_by_kind.
    // Every injection site calls it once per fault (io thread; a scan of fault_kinds).
    void fired(std::string_view kind) {
        ++st.faults;
        ++st.faults_by_kind[fault_index(kind)];
    }

    // REST faults, drawn per request (spec §3.3, §3.4): slow_rest (a delay), rest_5xx (503
    // "Service Unavailable.": not done), rest_429, rest_418 (with Retry-After), rest_ban (418
    // without it), skew (the server's clock runs ahead: signed requests get -1021), rest_unknown
    // (503 "Unknown error…": the request WAS done — the outcome is unknown to the client),
    // rest_1001 (503 -1001: not done), rest_1007 (408 -1007, "execution status unknown": done;
    // UNVERIFIED that Binance pairs them), rest_403 (a WAF's HTML page), rest_cut (the answer's
    // headers and half its body, then the TCP connection dies), rest_invalid_json (200 and half
    // a JSON body, Content-Length matching).
    struct rest_fault_plan {
        std::chrono::milliseconds delay{0};
        bool execute = false; // the request takes effect though the answer says otherwise
        enum { none, cut_body, invalid_json } garble = none;
    };
    std::optional<response> rest_fault(const http::request<http::string_body>& req, rest_fault_plan& plan) {
        const std::string_view target(req.target().data(), req.target().size());
        if (target.rfind("/admin/", 0) == 0) return std::nullopt;
        const std::string* drawn = draw_fault(rest_rng, fault_draw::rest, request_fault_rate());
        if (drawn == nullptr) return std::nullopt;
        const std::string& f = *drawn;
        const unsigned v = req.version();
        if (f == "skew" && target.find("timestamp=") == std::string_view::npos) return std::nullopt; // unsigned: no clock to be off
        fired(f);
        if (f == "slow_rest") {
            plan.delay = cfg.slow_rest_delay;
            return std::nullopt;
        }
        if (f == "rest_cut" || f == "rest_invalid_json") {
            plan.garble = f == "rest_cut" ? rest_fault_plan::cut_body : rest_fault_plan::invalid_json;
            return std::nullopt; // the real answer, garbled on the way out
        }
        if (f == "rest_5xx") return error({http::status::service_unavailable, -1000, "Service Unavailable."}, v);
        if (f == "rest_unknown") {
            plan.execute = true;
            return error({http::status::service_unavailable, -1000, "Unknown error, please check your request or try again later."}, v);
        }
        if (f == "rest_1001")
            return error({http::status::service_unavailable, -1001, "Internal error; unable to process your request. Please try again."}, v);
        if (f == "rest_1007") {
            plan.execute = true;
            return error({http::status::request_timeout, -1007,
                          "Timeout waiting for response from backend server. Send status unknown; execution status unknown."}, v);
        }
        if (f == "rest_403") {
            response r{http::status::forbidden, v};
            r.set(http::field::content_type, "text/html");
            r.body() = "<html><head><title>403 Forbidden</title></head><body><h1>403 Forbidden</h1></body></html>";
            r.prepare_payload();
            return r;
        }
        if (f == "rest_429" || f == "rest_418") {
            auto r = error({f == "rest_429" ? http::status::too_many_requests : http::status{418}, -1003,
                            "Too many requests."}, v);
            r.set(http::field::retry_after, "1");
            return r;
        }
        if (f == "rest_ban")
            return error({http::status{418}, -1003,
                          "Way too many requests; IP banned until " + std::to_string(now_ms() + 2000) +
                              ". Please use the websocket for live updates to avoid bans."}, v);
        // skew (the only REST kind left)
        return error({http::status::bad_request, -1021, "Timestamp for this request was 1000ms ahead of the server's time."}, v);
    }

    // Handshake faults, drawn per user-data connect at ten times fault_rate (connects are rare
    // next to frames, as for replay and lag): ws_429 (429 with Retry-After) and ws_503.
    std::optional<response> handshake_fault(unsigned v) {
        const std::string* drawn = draw_fault(rest_rng, fault_draw::handshake, std::min(1.0, cfg.fault_rate * 10));
        if (drawn == nullptr) return std::nullopt;
        fired(*drawn);
        if (*drawn == "ws_429") {
            auto r = error({http::status::too_many_requests, -1003, "Too many requests."}, v);
            r.set(http::field::retry_after, "1");
            return r;
        }
        return error({http::status::service_unavailable, -1000, "Service Unavailable."}, v);
    }

    // WS-API faults, drawn per request: wsapi_revoked (the answer is Binance's key-revocation
    // error with "id": null, spec §4; the request is not carried out and a session logon is
    // dropped, so a client that logged on must log on again), wsapi_drop (carried out, then the
    // TCP connection dies before the answer), wsapi_slow (the answer after slow_rest_delay).
    enum class wsapi_fault { none, revoked, drop, slow };
    wsapi_fault pick_wsapi_fault(std::mt19937_64& rng) {
        const std::string* drawn = draw_fault(rng, fault_draw::wsapi, request_fault_rate());
        if (drawn == nullptr) return wsapi_fault::none;
        const std::string& f = *drawn;
        wsapi_fault out = wsapi_fault::none;
        if (f == "wsapi_revoked") out = wsapi_fault::revoked;
        if (f == "wsapi_drop") out = wsapi_fault::drop;
        if (f == "wsapi_slow") out = wsapi_fault::slow;
        if (out != wsapi_fault::none) fired(f);
        return out;
    }

    enum class fault { none, duplicate, malformed, split, oversized, drop, reset, header_cut, tls_cut, close_open,
                       close_notify, reorder, late_duplicate, stall, ping_storm, gap, half_open };
    // A per-connect fault (replay, lag): each drawn on its own once when the socket opens.
    bool draws(ws_client& c, std::string_view kind) {
        if (cfg.fault_rate <= 0 || std::find(cfg.faults.begin(), cfg.faults.end(), kind) == cfg.faults.end()) return false;
        std::uniform_real_distribution<double> u(0, 1);
        if (u(c.fault_rng) >= std::min(1.0, cfg.fault_rate * 10)) return false; // per connect, not per frame
        fired(kind);
        return true;
    }
    // The per-frame draw of a user-data socket: the stream kinds as they are, and the connection
    // kinds refuse (a drop, and reconnects refused for refuse_duration), key_deleted and expire
    // (the socket's keys lapse: listenKeyExpired goes out, keepalive answers -1125).
    fault pick_fault(ws_client& c) {
        static constexpr std::pair<std::string_view, fault> stream_kinds[] = {
            {"duplicate", fault::duplicate}, {"malformed", fault::malformed}, {"split", fault::split},
            {"oversized", fault::oversized}, {"drop", fault::drop}, {"reset", fault::reset},
            {"header_cut", fault::header_cut}, {"tls_cut", fault::tls_cut}, {"close_open", fault::close_open},
            {"close_notify", fault::close_notify}, {"reorder", fault::reorder},
            {"late_duplicate", fault::late_duplicate}, {"stall", fault::stall}, {"gap", fault::gap},
            {"half_open", fault::half_open}, {"ping_storm", fault::ping_storm}};
        const std::string* drawn = draw_fault(c.fault_rng, fault_draw::frame, cfg.fault_rate);
        if (drawn == nullptr) return fault::none;
        const std::string& f = *drawn;
        for (const auto& [name, kind] : stream_kinds)
            if (f == name) {
                fired(f);
                return kind;
            }
        if (f == "refuse") { // this socket dies and reconnecting is refused for a while
            fired(f);
            refusing_until = std::chrono::steady_clock::now() + cfg.refuse_duration;
            return fault::drop;
        }
        if (f == "key_deleted" || f == "expire") { // the key is gone: keepalive answers -1125, the stream expires
            fired(f);
            for (auto& a : accounts)
                if (c.find(a.listen_key) != nullptr) expire(a);
        }
        return fault::none;
    }

    asio::awaitable<void> reader(std::shared_ptr<ws_client> c) {
        try {
            beast::flat_buffer buf;
            for (;;) { // the user-data stream takes no messages: each is counted, and checked as JSON
                co_await c->ws.async_read(buf, use_awaitable);
                count_incoming(*c);
                const bool json = nlohmann::json::accept(beast::buffers_to_string(buf.data()));
                buf.clear();
                if (!json && !c->closed && !c->closing) { // Binance's answer, then the disconnect (spec §1.3)
                    ++st.invalid_json_drops;
                    c->out.clear();
                    c->queued_bytes = 0;
                    c->out.push_back({R"({"error":{"code":3,"msg":"Invalid JSON: expected value at line 1 column 1"}})", {}});
                    c->closing = true;
                    c->wake.cancel();
                }
            }
        } catch (const std::exception&) {
        }
        if (c->deaf) co_return; // a fault stopped reading on purpose: the socket is not finished
        c->closed = true;
        c->wake.cancel();
    }
};

namespace {
server_config checked(server_config cfg) {
    auto known = [](std::string_view name, const auto& list) {
        for (std::string_view k : list)
            if (k == name) return true;
        return false;
    };
    for (const auto& f : cfg.faults)
        if (!known(f, fault_kinds)) throw std::invalid_argument("unknown fault kind '" + f + "'");
    if (!known(cfg.scenario, scenarios)) throw std::invalid_argument("unknown scenario '" + cfg.scenario + "'");
    if (cfg.fault_rate < 0 || cfg.fault_rate > 1) throw std::invalid_argument("fault rate must be within [0, 1]");
    if (cfg.request_fault_rate > 1) throw std::invalid_argument("request fault rate must be within [0, 1] (or negative: the fault rate)");
    if (cfg.wire_variety < 0 || cfg.wire_variety > 1) throw std::invalid_argument("wire variety must be within [0, 1]");
    if (cfg.accounts < 1) throw std::invalid_argument("at least one account");
    return cfg;
}
} // namespace

server::server(server_config cfg) : impl_(std::make_unique<impl>(checked(std::move(cfg)))) { impl_->setup(); }

server::~server() { stop(); }

void server::start() {
    if (impl_->thread.joinable()) return;
    // A peer that goes away mid-write must cost an error code, not the process (the simulator
    // owns its process; a library would use MSG_NOSIGNAL instead).
    std::signal(SIGPIPE, SIG_IGN);
    asio::co_spawn(impl_->io, impl_->accept_loop(), asio::detached);
    asio::co_spawn(impl_->io, impl_->scenario_loop(), asio::detached);
    impl_->thread = std::thread([this] { impl_->io.run(); });
}

void server::stop() {
    if (!impl_->thread.joinable()) return;
    impl_->io.stop();
    impl_->thread.join();
}

std::uint16_t server::port() const { return impl_->acceptor.local_endpoint().port(); }
std::string server::api_key(int i) const { return impl_->accounts.at(static_cast<std::size_t>(i)).api_key; }
std::string server::api_secret(int i) const { return impl_->accounts.at(static_cast<std::size_t>(i)).secret; }

std::string server::ed25519_api_key(int i) const { return impl_->accounts.at(static_cast<std::size_t>(i)).ed25519_api_key; }
std::string server::ed25519_seed(int i) const { return impl_->accounts.at(static_cast<std::size_t>(i)).ed25519_seed; }

std::string server::truth(int i) {
    return impl_->on_io([this, i] { return impl_->accounts.at(static_cast<std::size_t>(i)).engine->truth_json(); });
}

std::vector<std::string> server::trade_keys(int i) {
    return impl_->on_io([this, i] {
        std::vector<std::string> out;
        for (const auto& t : impl_->accounts.at(static_cast<std::size_t>(i)).engine->trades())
            out.push_back(t.symbol + "/" + std::to_string(t.order_id) + "/" + std::to_string(t.id));
        return out;
    });
}

void server::expire_listen_key(int i) {
    impl_->on_io([this, i] {
        impl_->expire(impl_->accounts.at(static_cast<std::size_t>(i)));
        return 0;
    });
}

void server::pause_scenario(bool paused) { impl_->paused = paused; }

void server::round_trip(int i, const std::string& symbol) {
    impl_->on_io([this, i, &symbol] {
        auto& a = impl_->accounts.at(static_cast<std::size_t>(i));
        for (const order_side side : {order_side::buy, order_side::sell}) {
            fill_request f;
            f.symbol = symbol;
            f.side = side;
            f.qty = decimal::from_raw(10'000'000);      // 0.1
            f.price = decimal::from_raw(100'000'000'000); // 1000
            f.fee = decimal::from_raw(4'000'000);       // 0.04
            f.order_id = f.trade_id = impl_->next_id++;
            for (const auto& fr : a.engine->fill(f, impl_->tick())) impl_->publish(a, fr);
        }
        return 0;
    });
}

void server::set_leverage(int i, const std::string& symbol, std::uint32_t leverage) {
    impl_->on_io([this, i, &symbol, leverage] {
        auto& a = impl_->accounts.at(static_cast<std::size_t>(i));
        for (const auto& fr : a.engine->set_leverage(symbol, leverage, impl_->tick())) impl_->publish(a, fr);
        return 0;
    });
}

void server::operate(int i, const std::function<std::vector<std::string>(account_engine&, std::int64_t t)>& op) {
    impl_->on_io([this, i, &op] {
        auto& a = impl_->accounts.at(static_cast<std::size_t>(i));
        const auto frames = op(*a.engine, impl_->tick());
        for (const auto& fr : frames) impl_->publish(a, fr);
        if (frames.empty()) impl_->remember(a); // a mark move: snapshots from a lagged copy see it later
        return 0;
    });
}

bool server::drop_connection(int i) {
    return impl_->on_io([this, i] {
        for (auto& w : impl_->accounts.at(static_cast<std::size_t>(i)).subscribers) {
            auto c = w.lock();
            if (!c || c->closed) continue;
            beast::get_lowest_layer(c->ws).close(); // TCP gone: no close frame, no close_notify
            c->closed = true;
            c->wake.cancel();
            return true;
        }
        return false;
    });
}

server::stats server::current_stats() {
    return impl_->on_io([this] { return impl_->st; });
}

} // namespace acctsync::sim
