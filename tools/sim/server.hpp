// acctsync/tools/sim/server.hpp — acctsync-sim: a local Binance futures venue over TLS on loopback.
//
// What is served:
//   REST  GET  /fapi/v1/time
//         POST/PUT/DELETE /fapi/v1/listenKey (USER_STREAM: X-MBX-APIKEY only; one key per
//              account, POST returns the live key; -1125 for a lapsed or deleted key)
//         GET  /fapi/v1/userTrades (symbol required; startTime, fromId, limit ≤ 1000)
//         GET  /fapi/v1/income (COMMISSION and REALIZED_PNL rows of the trade log; incomeType,
//              startTime, endTime, limit ≤ 1000; weight 30)
//         GET  /fapi/v2|v3/account, /fapi/v2|v3/balance, /fapi/v2|v3/positionRisk,
//              /fapi/v1/symbolConfig, /fapi/v1/accountConfig and the /dapi/v1 counterparts
//              (USER_DATA: HMAC-SHA256 over the query as sent, timestamp/recvWindow window)
//         POST /fapi/v1/marginType, /fapi/v1/multiAssetsMargin (TRADE; /dapi/v1/marginType): the
//              change pushed as usual, or Binance's refusal (-4046, -4048, -4167, -4168, -4171)
//              with nothing pushed
//         errors -2014, -2015 (401), -1022, -1021, -1102 (400), -1003 (429 past the weight
//         limit), with X-MBX-USED-WEIGHT-1M on every answer
//   WS    /private/ws/<key>, /private/ws?listenKey=<key>[&events=A/B], /private/stream?listenKey=<key>
//         (combined envelope {"stream":"<key>","data":…}; several accounts' keys as
//         listenKey=A[&events=..]&listenKey=B[&events=..] on one socket), /private/stream?streams=
//         <key>[/<key>@EVENT…] (a bare key: every event, named by the key; <key>@EVENT: that event
//         allowed, named by the item), legacy /ws/<key> and /stream?streams=… (COIN-M, and USD-M in
//         testnet mode); the
//         account engine's frames as a seeded scenario produces them; listenKeyExpired when the
//         key lapses (only to sockets whose allow-list lets it through), then silence
//   WS-API /ws-fapi/v1 (/ws-dapi/v1): session.logon (Ed25519), session.status, session.logout,
//         account.status, v2/account.status, account.balance, v2/account.balance,
//         account.position, v2/account.position (logged-on session, or apiKey + HMAC over the sorted
//         params incl. apiKey), userDataStream.start/ping/stop; {"id","status","result"|"error",
//         "rateLimits"} envelopes; the handshake costs 5 weight (shared with REST), pings with an
//         echo-checked pong deadline, the 24 h lifetime, at most 5 pings/pongs a second
//   admin GET /admin/truth?account=N (no auth, loopback): the account in the mirror's JSON shape;
//         GET /admin/pause, /admin/resume: the scenario stops and goes on
//
// Threads: the server runs its own io_context on one thread (start()); the public methods may be
// called from any thread.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/enums.hpp"

namespace acctsync::sim {

class account_engine;

// Every fault kind and scenario the simulator knows (server_config::faults, ::scenario); the
// server refuses any other name at construction (std::invalid_argument).
inline constexpr std::string_view fault_kinds[] = {
    "duplicate", "malformed", "split", "oversized", "drop", "stall", "expire", "refuse", "key_deleted", "ping_storm",
    "gap", "half_open", "slow_rest", "rest_5xx", "rest_429", "rest_418", "skew", "rest_unknown", "rest_1001",
    "rest_1007", "rest_403", "rest_cut", "rest_invalid_json", "rest_ban", "ws_429", "ws_503", "reset", "header_cut",
    "tls_cut", "close_open", "close_notify", "wsapi_revoked", "wsapi_drop", "wsapi_slow", "reorder", "late_duplicate",
    "replay", "lag"};
inline constexpr std::string_view scenarios[] = {"mixed", "fills", "funding", "transfers"};
inline constexpr std::size_t fault_kind_count = std::size(fault_kinds);

// Where a fault kind is drawn: per stream frame (the stream kinds, and refuse, key_deleted,
// expire), per user-data connect on its own (replay, lag), per user-data handshake one of the
// handshake kinds (ws_429, ws_503), per REST request (slow_rest, skew, rest_*), per WS-API
// request (wsapi_*). A draw picks only among the configured kinds of its own place.
enum class fault_draw { frame, connect, handshake, rest, wsapi };
constexpr fault_draw drawn_per(std::string_view kind) {
    if (kind == "replay" || kind == "lag") return fault_draw::connect;
    if (kind == "ws_429" || kind == "ws_503") return fault_draw::handshake;
    if (kind == "slow_rest" || kind == "skew" || kind.starts_with("rest_")) return fault_draw::rest;
    if (kind.starts_with("wsapi_")) return fault_draw::wsapi;
    return fault_draw::frame;
}

// The position of `kind` in fault_kinds; fault_kind_count when it is none of them. A scan of
// the list (a few dozen compares): the simulator calls it once per fault it injects.
constexpr std::size_t fault_index(std::string_view kind) {
    for (std::size_t i = 0; i < fault_kind_count; ++i)
        if (fault_kinds[i] == kind) return i;
    return fault_kind_count;
}

// "a,b,c" → {"a","b","c"} (fault lists on command lines and in tests; an empty item stays).
inline std::vector<std::string> split_list(std::string_view list, char sep = ',') {
    std::vector<std::string> out;
    for (std::size_t start = 0; start <= list.size();) {
        const auto at = list.find(sep, start);
        out.emplace_back(list.substr(start, at - start));
        if (at == std::string_view::npos) break;
        start = at + 1;
    }
    return out;
}

struct server_config {
    std::string host = "127.0.0.1";
    std::uint16_t port = 0; // 0: any free port (see server::port())
    std::string cert_file;  // PEM chain
    std::string key_file;   // PEM private key
    market venue = market::usdm;
    bool hedge_mode = false;
    bool testnet_legacy_paths = false; // USD-M: also serve /ws/<key>
    int accounts = 1;
    double rate = 50;                  // scenario operations per second, all accounts together
    std::uint64_t seed = 1;
    std::chrono::milliseconds listen_key_validity = std::chrono::minutes(60);
    int weight_limit = 2400;           // per minute, per server (all clients are 127.0.0.1)
    std::string account0_api_key;      // empty: generated from the seed (64 alphanumerics)
    std::string account0_secret;
    // The venue's clock runs this far ahead (negative: behind) of the machine's: serverTime, E and
    // T carry it, and a signed request whose timestamp is 1 s ahead of it or older than its
    // recvWindow gets -1021. A client must learn the offset from GET /fapi/v1/time.
    std::chrono::milliseconds clock_offset{0};
    // REST and WS-API snapshots are answered from the account as it was this long ago (0: as it
    // is), so an answer can be older than events already streamed. (Whether Binance's are is
    // UNVERIFIED; a mirror must not depend on it: net::session_config::snapshot_lag_ms.)
    std::chrono::milliseconds snapshot_lag{0};
    // This share of user-data frames (0..1) goes out in another of Binance's wire forms: members
    // reordered, decimals padded to 8 places, an empty B or P left out, listenKeyExpired's E as a
    // string, or (a quarter of those with a template) the member order and decimal places of the
    // real captures (tools/sim/wire_forms.hpp). 0: every frame in the writer's canonical form.
    double wire_variety = 0;
    int ignored_429_before_ban = 5;    // 429s answered in a row before the 418 ban
    std::chrono::milliseconds ban_duration = std::chrono::minutes(2);
    // User-data and WS-API sockets: Binance pings every 3 min and drops without a pong within
    // 10 min, and ends every connection at 24 h.
    std::chrono::milliseconds ping_interval = std::chrono::minutes(3);
    std::chrono::milliseconds pong_timeout = std::chrono::minutes(10);
    std::chrono::milliseconds connection_lifetime = std::chrono::hours(24);
    // Only a pong that echoes the payload of a ping we sent resets the pong deadline (Binance,
    // spec §1.3: "unsolicited pong frames are allowed, but will not prevent disconnection").
    // Messages from the client (pings, unsolicited pongs, data; a pong that echoes one of our
    // pings is not counted) beyond this many in one second drop the
    // socket (spec §1.3: 10 a second); a data message that is not JSON gets Binance's code-3
    // error and a disconnect.
    int max_incoming_per_second = 10;
    // WS-API connections (spec §4) keep the ping interval, pong deadline (echo checked) and
    // lifetime above; at most this many pings and pongs a second from the client (a pong that
    // echoes one of our pings is not counted; past it the connection is cut), and the WebSocket
    // handshake costs this much request weight, shared with REST (429/418 past the limit).
    int wsapi_max_control_per_second = 5;
    int wsapi_handshake_weight = 5;
    // Bytes waiting for one user-data socket beyond what its TCP send buffer took: a client that
    // reads too slowly is disconnected once it passes this, never buffered without limit.
    // (Binance's figure is UNVERIFIED; that a slow reader is cut is the venue's behaviour.)
    std::size_t max_send_queue_bytes = std::size_t{4} << 20;
    // Each draw (fault_draw) picks one of the configured kinds of its own place, each as likely:
    // kinds of other places in a mix do not thin it out.
    // Stream faults, seeded per connection, each frame has fault_rate chance of one:
    // duplicate, malformed (an extra broken frame), split (continuation frames), oversized (an
    // extra 2 MiB frame), drop (TCP dies, no close frame, no close_notify), reset (half a frame,
    // then a TCP reset), header_cut (one byte of a frame header, then the TCP goes), tls_cut (a
    // TLS record cut inside, then the TCP goes), close_open (a WebSocket close frame, and the TCP
    // left open: the server reads no more and closes only at the pong deadline), close_notify
    // (TLS close_notify without a WebSocket close), reorder (the next frame first, when it is of
    // another event type: never within one), late_duplicate (a frame again after 1 to 5 more),
    // replay (per connect, at ten times fault_rate: the account's last 8 frames first on the new
    // socket), lag (per connect, at ten times fault_rate: every frame 20 to 150 ms late on that
    // socket, so connections on one key see the same events at different times), stall (no data, no
    // pings), expire (listenKeyExpired), gap (one frame silently not sent, or one B or P item of a
    // multi-item ACCOUNT_UPDATE left out and the rest sent: the connection stays healthy), half_open (pings and pongs go on, no event is delivered any more). Only a
    // snapshot comparison (the feed's audit) notices the last two.
    // REST faults, per request: slow_rest, rest_5xx, rest_429, rest_418, skew, rest_unknown,
    // rest_1001, rest_1007, rest_403, rest_cut, rest_invalid_json, rest_ban (see rest_fault in
    // server.cpp); handshake faults, per connect at ten times fault_rate (as replay and lag):
    // ws_429, ws_503; WS-API faults, per request: wsapi_revoked (-2015 with "id": null),
    // wsapi_drop, wsapi_slow. Connection faults (per frame): refuse (drop and refuse reconnects
    // for refuse_duration), key_deleted, ping_storm.
    std::vector<std::string> faults;
    double fault_rate = 0;
    // The chance of a REST or WS-API fault per request (0..1); negative: fault_rate. Requests are
    // far rarer than frames, so a test that wants each of several request kinds seen raises it.
    double request_fault_rate = -1;
    std::chrono::milliseconds slow_rest_delay = std::chrono::seconds(2);
    std::chrono::milliseconds refuse_duration = std::chrono::seconds(5);
    std::string scenario = "mixed"; // mixed | fills | funding | transfers
    int burst = 1;                  // operations per tick (the average rate stays `rate`)
    std::uint64_t max_operations = 0; // the scenario stops after this many (0 = never): a truth that no longer moves
    // A latency probe for a client in the same process (the demo, the latency harness): called on
    // the simulator's io thread just before each stream frame's first byte goes to a socket
    // (before a fault's duplicate or split copy; also for a frame a gap fault then swallows),
    // with the frame's event name ("e"), E, T (0 when it has none) and the wall clock
    // (system_clock, ns) — the clock event headers' recv_time_ns use. E alone is not unique:
    // operations share an E across event types (spec §1.5). (event name, E, T) is unique per
    // operation and event type on one account (each operation has T's of its own, and E's
    // strictly after the last operation's of that type); the frames of one type of one
    // operation (an order's NEW and its TRADE) may share it. Empty: no probe.
    std::function<void(std::string_view event_name, std::int64_t event_time_ms, std::int64_t transaction_time_ms,
                       std::int64_t wall_ns)>
        on_write;
};

class server {
public:
    explicit server(server_config cfg);
    ~server();
    server(const server&) = delete;
    server& operator=(const server&) = delete;

    void start();                         // runs the io_context on a background thread
    void stop();                          // stops and joins
    [[nodiscard]] std::uint16_t port() const;

    // Credentials of account i (generated from the seed; never logged): an HMAC key and an
    // Ed25519 key (for session.logon on the WebSocket API).
    [[nodiscard]] std::string api_key(int account) const;
    [[nodiscard]] std::string api_secret(int account) const;
    [[nodiscard]] std::string ed25519_api_key(int account) const;
    [[nodiscard]] std::string ed25519_seed(int account) const; // 32 raw bytes
    // The account's truth (same as GET /admin/truth).
    [[nodiscard]] std::string truth(int account);
    // Every fill of account i so far, as "SYMBOL/orderId/tradeId" (the userTrades truth).
    [[nodiscard]] std::vector<std::string> trade_keys(int account);
    // Forces the account's listenKey to lapse now (listenKeyExpired goes out).
    void expire_listen_key(int account);
    // Pauses/resumes the scenario (frames stop being generated).
    void pause_scenario(bool paused);
    // Cuts account i's oldest open user-data connection at the TCP level (no close frame, no
    // close_notify), as a network failure would. False when it has none.
    bool drop_connection(int account);
    // Opens and closes a one-way position in `symbol` on account i (two fills, pushed as usual):
    // a symbol traded and flat again, for tests of what a gap can hide.
    void round_trip(int account, const std::string& symbol);
    // Sets account i's leverage on `symbol` (ACCOUNT_CONFIG_UPDATE pushed as usual).
    void set_leverage(int account, const std::string& symbol, std::uint32_t leverage);
    // Runs `op` on account i's engine on the server's thread with the venue's next event time and
    // pushes the frames it returns as the scenario's are (a test's own operation: a fill at a
    // chosen price, a mark move, ...).
    void operate(int account, const std::function<std::vector<std::string>(account_engine&, std::int64_t t)>& op);

    struct stats {
        std::uint64_t frames_sent = 0;
        std::uint64_t operations = 0;
        std::uint64_t connections = 0;
        std::uint64_t user_streams = 0;     // user-data WebSocket connections accepted
        std::uint64_t rest_requests = 0;
        std::uint64_t faults = 0;           // every fault injected, all kinds together
        // The faults injected of each kind, indexed as fault_kinds: one each time a draw of the
        // kind takes effect (per frame, request, connect or handshake; skew drawn for an unsigned
        // request does not, nothing happens to it). They sum to `faults`.
        std::array<std::uint64_t, fault_kind_count> faults_by_kind{};
        // faults_by_kind of one kind by name; std::invalid_argument for a name not in fault_kinds.
        [[nodiscard]] std::uint64_t fault_count(std::string_view kind) const {
            const std::size_t i = fault_index(kind);
            if (i == fault_kind_count) throw std::invalid_argument("unknown fault kind '" + std::string(kind) + "'");
            return faults_by_kind[i];
        }
        std::uint64_t slow_reader_drops = 0; // sockets cut for a send queue past max_send_queue_bytes
        std::uint64_t rate_limit_drops = 0;  // sockets cut for more than max_incoming_per_second
        std::uint64_t invalid_json_drops = 0; // sockets that sent a data message that is not JSON
    };
    [[nodiscard]] stats current_stats();

    struct impl;

private:
    std::unique_ptr<impl> impl_;
};

} // namespace acctsync::sim
