// acctsync/net/rest_client.hpp — Binance futures REST for the session: listenKey, server
// time, snapshots, and the fills and open orders that heal a gap. The cold path, on the
// control thread.
//
// What it does for every request (spec §3):
//   * one kept-alive HTTPS connection (net/https_connection.hpp), X-MBX-APIKEY, and for SIGNED
//     endpoints `timestamp` (local wall clock + the server-time offset), `recvWindow` and
//     `signature` last (net/credentials.hpp: HMAC hex, RSA/Ed25519 base64 URL-encoded);
//   * the server-time offset from /time (sync_time()), refreshed after a -1021 — and a request
//     that failed with -1021 is sent once more with the new offset (a -1021 is a rejection:
//     nothing was executed, so this holds for state-changing requests too);
//   * X-MBX-USED-WEIGHT-1M tracked against weight_limit: a request that would cross it in the
//     current minute is not sent (weight_budget);
//   * 429 and 418 start a back-off that honours Retry-After (seconds) and has a default when
//     it is absent (429: until the next minute, when the weight window resets; 418: Binance's
//     shortest ban, 2 minutes); while it lasts no request is sent (backing_off);
//   * every answer that is not a success is typed: Binance's code and message, the HTTP
//     status, the transport's net_error. A 503 "Unknown error…" and -1006/-1007 are
//     outcome_unknown (the request may have been executed): never retried here.
//
// Threads: one thread uses a client. Allocates (cold path). The credentials' secret is used
// to sign and never appears in a message, a log line or an error.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/enums.hpp"
#include "core/events.hpp"
#include "net/credentials.hpp"
#include "net/https_connection.hpp"
#include "net/net_error.hpp"
#include "net/tls.hpp"

namespace acctsync::net {

struct rest_config {
    std::string base_url = "https://fapi.binance.com"; // COIN-M: https://dapi.binance.com
    market venue = market::usdm;                       // picks /fapi or /dapi paths
    credentials creds{};
    std::int32_t recv_window_ms = 5000;
    std::int32_t weight_limit = 2400;                  // per minute (exchangeInfo's live value)
    std::chrono::milliseconds ban_default{120000};     // a 418 without Retry-After
    https_options http{};
};

enum class rest_errc : std::uint8_t {
    ok = 0,
    transport,       // no HTTP answer (see `transport`)
    rejected,        // a 4xx with Binance's error body (see binance_code)
    rate_limited,    // 429
    ip_banned,       // 418
    waf_blocked,     // 403
    backend_timeout, // 408
    outcome_unknown, // 503 "Unknown error…", -1006, -1007: it may have been executed
    server_error,    // another 5xx
    bad_response,    // a success status whose body is not what the endpoint returns
    weight_budget,   // not sent: it would cross weight_limit this minute
    backing_off,     // not sent: a 429/418 back-off is running
    bad_request,     // not sent: the request itself is wrong (unknown kind, no credentials)
};
[[nodiscard]] std::string_view to_string(rest_errc e) noexcept;
// What an answer that is not a success means (REST status, or a WS-API envelope's status).
[[nodiscard]] rest_errc classify_answer(int status, std::int32_t binance_code, std::string_view body) noexcept;

struct rest_error {
    rest_errc code = rest_errc::ok;
    int http_status = 0;
    std::int32_t binance_code = 0;
    std::string message;        // Binance's msg, or what went wrong
    net_error transport;
    std::int64_t retry_after_ms = 0; // for rate_limited / ip_banned / backing_off
    [[nodiscard]] bool ok() const noexcept { return code == rest_errc::ok; }
};

struct rest_reply {
    rest_error error;
    int status = 0;
    std::string body;
    std::int64_t sent_ms = 0;     // server-clock estimate when the request left
    std::int64_t received_ms = 0; // server-clock estimate when the answer was complete
};

class rest_client {
public:
    rest_client(tls_context& tls, rest_config cfg);

    // GET /time, three samples; keeps the one with the shortest round trip (the first one also
    // pays for the TLS handshake): offset = serverTime - midpoint of that round trip, known to
    // within half of it plus serverTime's 1 ms granularity.
    [[nodiscard]] rest_reply sync_time();
    [[nodiscard]] std::int64_t time_offset_ms() const noexcept { return offset_ms_; }
    // How far server_now_ms() may be from the server's clock (ms); large until the first sync.
    [[nodiscard]] std::int64_t time_uncertainty_ms() const noexcept { return uncertainty_ms_; }
    [[nodiscard]] std::int64_t server_now_ms() const noexcept;

    // listenKey: POST creates (or returns the live one), PUT extends it, DELETE closes it.
    [[nodiscard]] rest_reply create_listen_key(std::string& key);
    [[nodiscard]] rest_reply keepalive_listen_key();
    [[nodiscard]] rest_reply close_listen_key();

    // A snapshot endpoint (a REST snapshot_kind of the configured venue).
    [[nodiscard]] rest_reply snapshot(snapshot_kind kind);
    // Fills since start_time_ms (or from trade id from_id when ≥ 0), for one symbol.
    // GET /fapi/v1/income (/dapi/v1/income) from start_time_ms, every income type, oldest
    // first, at most `limit` (≤ 1000): which symbols the account traded or was paid on in a window
    // (userTrades needs a symbol). Weight 30 (fapi; dapi UNVERIFIED).
    [[nodiscard]] rest_reply income(std::int64_t start_time_ms, int limit = 1000);
    [[nodiscard]] rest_reply user_trades(std::string_view symbol, std::int64_t start_time_ms, std::int64_t from_id = -1,
                                         int limit = 1000);
    // Open orders (one symbol, or all when empty: weight 40 on USDⓈ-M).
    [[nodiscard]] rest_reply open_orders(std::string_view symbol = {});

    // Any endpoint: `query` without timestamp/recvWindow/signature; `weight` as Binance counts
    // it; a `state_changing` request is never re-sent on a new connection after a transport
    // failure (its outcome is unknown), only after a -1021 rejection.
    [[nodiscard]] rest_reply request(std::string_view method, std::string_view path, std::string query, bool is_signed,
                                     int weight, bool state_changing);

    [[nodiscard]] int weight_used() const noexcept { return weight_used_; }
    [[nodiscard]] std::int64_t backoff_until_ms() const noexcept { return backoff_until_ms_; }
    [[nodiscard]] const rest_config& config() const noexcept { return cfg_; }
    [[nodiscard]] std::string_view prefix() const noexcept; // "/fapi" or "/dapi"
    [[nodiscard]] https_connection& connection() noexcept { return conn_; }

private:
    rest_reply send_once(std::string_view method, std::string_view path, const std::string& query, bool is_signed,
                         int weight, bool state_changing);

    rest_config cfg_;
    https_base base_;
    https_connection conn_;
    std::int64_t offset_ms_ = 0;
    std::int64_t uncertainty_ms_ = 1000;
    int weight_used_ = 0;
    std::int64_t weight_minute_ = -1; // server minute weight_used_ belongs to
    std::int64_t backoff_until_ms_ = 0; // server clock
};

} // namespace acctsync::net
