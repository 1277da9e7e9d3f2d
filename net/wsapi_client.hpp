// acctsync/net/wsapi_client.hpp — the Binance futures WebSocket API (ws-fapi / ws-dapi) as a
// snapshot source and listenKey keeper: one persistent connection on the control thread.
//
// Requests are JSON text frames {"id","method","params"}; every answer carries the id back and
// is matched to its request. An answer with `"id": null` (Binance could not read the request)
// is given to the request in flight — call() has one at a time, so there is never doubt.
// Signing (spec §4): the params sorted by name with apiKey among them, k=v joined by &; HMAC →
// hex, RSA/Ed25519 → base64. With an Ed25519 key the client logs the session on
// (session.logon) after each connect and then sends requests without apiKey or signature.
//
// Connection life: Binance pings every 3 minutes and drops a connection that has not answered
// one within 10 minutes; it ends a connection at 24 h and counts the handshake's weight. Pings
// are answered (by net/ws_client) whenever the client reads: during a call, before each call,
// and in poll(), which the owner calls while idle (the feed's control thread: every 30 s, and
// between commands once 30 s have passed) so that a connection kept for the next snapshot is
// not dropped meanwhile. The client reconnects before max_life, or when the connection was
// lost, at the next call().
//
// Threads: one thread (the control thread) makes every call, poll() included. Allocates (cold
// path).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/enums.hpp"
#include "core/events.hpp"
#include "net/credentials.hpp"
#include "net/net_error.hpp"
#include "net/rest_client.hpp"
#include "net/ws_client.hpp"

namespace acctsync::net {

struct wsapi_config {
    std::string base_url = "wss://ws-fapi.binance.com"; // COIN-M: wss://ws-dapi.binance.com
    market venue = market::usdm;                         // /ws-fapi/v1 or /ws-dapi/v1
    credentials creds{};
    std::int32_t recv_window_ms = 5000;
    std::chrono::milliseconds request_timeout{10000};
    std::chrono::milliseconds max_life{std::chrono::hours(23)}; // reconnect before Binance's 24 h
    std::chrono::milliseconds ban_default{120000};              // a 418 without retryAfter
    ws_client_options ws{};
};

struct wsapi_reply {
    rest_error error;  // the same error vocabulary as REST (rejected, rate_limited, …, transport)
    int status = 0;
    std::string id;
    std::string frame; // the whole answer: parse::snapshot_parser::parse_wsapi reads its result
    std::string listen_key; // userDataStream.start/ping: result.listenKey
    std::int64_t sent_ms = 0;
    std::int64_t received_ms = 0;
};

using wsapi_params = std::vector<std::pair<std::string, std::string>>;

class wsapi_client {
public:
    wsapi_client(tls_context& tls, wsapi_config cfg);

    // Connects (and logs on with an Ed25519 key). call() does this itself when needed.
    [[nodiscard]] net_error connect();

    // One request, answered or failed within request_timeout. `is_signed` adds apiKey,
    // timestamp, recvWindow and signature (unless the session is logged on); `key_only` adds
    // apiKey alone (USER_STREAM methods). Before sending, whatever arrived while the client was
    // idle is read (pings answered) and a lost connection replaced; an `idempotent` request
    // whose connection died before any answer is sent once more on a new one. During a 429/418
    // back-off (error.data.retryAfter, else 1 minute / ban_default) nothing is sent.
    [[nodiscard]] wsapi_reply call(std::string_view method, wsapi_params params, bool is_signed, bool key_only = false,
                                   bool idempotent = true);

    // The snapshot methods: account.status, v2/account.status, account.balance, account.position.
    [[nodiscard]] wsapi_reply snapshot(snapshot_kind kind);
    [[nodiscard]] wsapi_reply start_user_data_stream(std::string& listen_key);
    [[nodiscard]] wsapi_reply ping_user_data_stream();
    [[nodiscard]] wsapi_reply stop_user_data_stream();
    // A frame sent as it is (tests and tools): the next answer is its answer.
    [[nodiscard]] wsapi_reply call_raw(std::string frame);

    // While no call runs: reads what arrived on the connection without waiting, so the server's
    // pings are answered (and answers nobody waits for any more are counted in unmatched()).
    // Call it every so often while idle, well within the server's pong deadline (Binance: 10
    // minutes). It never connects: with no open connection it does nothing, and a connection
    // it finds ended is replaced at the next call(). Returns the error that ended the
    // connection in this read (ok otherwise). Same thread as call().
    net_error poll() noexcept;

    void close() noexcept;
    [[nodiscard]] bool logged_on() const noexcept { return logged_on_; }
    [[nodiscard]] std::uint64_t connects() const noexcept { return connects_; }
    [[nodiscard]] std::uint64_t unmatched() const noexcept { return unmatched_; } // answers for no request in flight
    [[nodiscard]] ws_client& connection() noexcept { return ws_; }
    // The server-clock offset used for timestamps (set it from rest_client::time_offset_ms()).
    void set_time_offset_ms(std::int64_t offset) noexcept { offset_ms_ = offset; }

private:
    [[nodiscard]] wsapi_reply exchange(const std::string& id, const std::string& frame);
    [[nodiscard]] net_error ready(); // idle frames read, a lost or old connection replaced
    [[nodiscard]] std::string build(std::string_view method, const std::string& id, wsapi_params params, bool is_signed,
                                    bool key_only) const;
    [[nodiscard]] std::int64_t now_ms() const noexcept;

    wsapi_config cfg_;
    ws_url url_;
    ws_client ws_;
    std::chrono::steady_clock::time_point connected_at_{};
    bool logged_on_ = false;
    std::uint64_t next_id_ = 1;
    std::uint64_t connects_ = 0;
    std::uint64_t unmatched_ = 0;
    std::int64_t offset_ms_ = 0;
    std::int64_t backoff_until_ms_ = 0; // server clock
};

} // namespace acctsync::net
