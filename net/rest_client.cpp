#include "net/rest_client.hpp"

#include <charconv>
#include <stdexcept>

#include "parse/rest_reply.hpp"
#include "parse/snapshot.hpp"

namespace acctsync::net {

namespace {

std::int64_t wall_ms() noexcept {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

https_base base_or_throw(const std::string& url) {
    https_base b;
    if (!parse_https_base(url, b)) throw std::invalid_argument("rest: base URL must be https://host[:port], got " + url);
    return b;
}

std::int64_t header_int(const http_response& r, std::string_view name, std::int64_t fallback) {
    const std::string_view v = r.header(name);
    std::int64_t out = 0;
    const auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
    return (v.empty() || ec != std::errc{} || p != v.data() + v.size()) ? fallback : out;
}

} // namespace

std::string_view to_string(rest_errc e) noexcept {
    switch (e) {
    case rest_errc::ok: return "ok";
    case rest_errc::transport: return "transport";
    case rest_errc::rejected: return "rejected";
    case rest_errc::rate_limited: return "rate_limited";
    case rest_errc::ip_banned: return "ip_banned";
    case rest_errc::waf_blocked: return "waf_blocked";
    case rest_errc::backend_timeout: return "backend_timeout";
    case rest_errc::outcome_unknown: return "outcome_unknown";
    case rest_errc::server_error: return "server_error";
    case rest_errc::bad_response: return "bad_response";
    case rest_errc::weight_budget: return "weight_budget";
    case rest_errc::backing_off: return "backing_off";
    case rest_errc::bad_request: return "bad_request";
    }
    return "unknown";
}

rest_client::rest_client(tls_context& tls, rest_config cfg)
    : cfg_(std::move(cfg)), base_(base_or_throw(cfg_.base_url)), conn_(tls, base_.host, base_.port, cfg_.http) {}

std::string_view rest_client::prefix() const noexcept { return cfg_.venue == market::coinm ? "/dapi" : "/fapi"; }

std::int64_t rest_client::server_now_ms() const noexcept { return wall_ms() + offset_ms_; }

rest_reply rest_client::sync_time() {
    rest_reply best;
    std::int64_t best_rtt = -1;
    for (int sample = 0; sample < 3; ++sample) {
        const std::int64_t t0 = wall_ms();
        rest_reply r = send_once("GET", std::string(prefix()) + "/v1/time", {}, false, 1, false);
        const std::int64_t t1 = wall_ms();
        std::int64_t server = 0;
        if (r.error.ok() && !parse::read_server_time(r.body, server))
            r.error = {rest_errc::bad_response, r.status, 0, "no serverTime in the /time answer", {}, 0};
        if (!r.error.ok()) {
            if (best_rtt < 0) return r;
            break; // keep the samples already taken
        }
        if (best_rtt < 0 || t1 - t0 < best_rtt) {
            best_rtt = t1 - t0;
            offset_ms_ = server - (t0 + t1) / 2;
            uncertainty_ms_ = (best_rtt + 1) / 2 + 1;
            best = std::move(r);
        }
    }
    return best;
}

rest_reply rest_client::create_listen_key(std::string& key) {
    rest_reply r = request("POST", std::string(prefix()) + "/v1/listenKey", {}, false, 1, false);
    if (r.error.ok() && !parse::read_listen_key(r.body, key))
        r.error = {rest_errc::bad_response, r.status, 0, "no listenKey in the answer", {}, 0};
    return r;
}

rest_reply rest_client::keepalive_listen_key() {
    return request("PUT", std::string(prefix()) + "/v1/listenKey", {}, false, 1, false);
}

rest_reply rest_client::close_listen_key() {
    return request("DELETE", std::string(prefix()) + "/v1/listenKey", {}, false, 1, false);
}

rest_reply rest_client::snapshot(snapshot_kind kind) {
    const std::string_view path = parse::path_of(kind);
    if (path.empty() || path.substr(0, prefix().size()) != prefix()) {
        rest_reply r;
        r.error = {rest_errc::bad_request, 0, 0, "not a REST snapshot of this venue", {}, 0};
        return r;
    }
    return request("GET", path, {}, true, 5, false);
}

rest_reply rest_client::user_trades(std::string_view symbol, std::int64_t start_time_ms, std::int64_t from_id, int limit) {
    std::string q = "symbol=" + url_encode(symbol);
    if (from_id >= 0) q += "&fromId=" + std::to_string(from_id);
    else if (start_time_ms > 0) q += "&startTime=" + std::to_string(start_time_ms);
    q += "&limit=" + std::to_string(limit);
    return request("GET", std::string(prefix()) + "/v1/userTrades", std::move(q), true, 5, false);
}

rest_reply rest_client::income(std::int64_t start_time_ms, int limit) {
    std::string q = "startTime=" + std::to_string(start_time_ms) + "&limit=" + std::to_string(limit);
    return request("GET", std::string(prefix()) + "/v1/income", std::move(q), true, 30, false);
}

rest_reply rest_client::open_orders(std::string_view symbol) {
    std::string q = symbol.empty() ? std::string() : "symbol=" + url_encode(symbol);
    return request("GET", std::string(prefix()) + "/v1/openOrders", std::move(q), true, symbol.empty() ? 40 : 1, false);
}

rest_reply rest_client::request(std::string_view method, std::string_view path, std::string query, bool is_signed,
                                int weight, bool state_changing) {
    rest_reply r = send_once(method, path, query, is_signed, weight, state_changing);
    // -1021 (timestamp outside recvWindow) is a rejection: nothing was executed, so after a
    // fresh offset the same request may go again, once.
    if (r.error.binance_code == -1021) {
        if (sync_time().error.ok()) r = send_once(method, path, query, is_signed, weight, state_changing);
    }
    return r;
}

rest_reply rest_client::send_once(std::string_view method, std::string_view path, const std::string& query,
                                  bool is_signed, int weight, bool state_changing) {
    rest_reply r;
    const std::int64_t now = server_now_ms();
    r.sent_ms = now;
    if (now < backoff_until_ms_) {
        r.error = {rest_errc::backing_off, 0, 0, "a 429/418 back-off is running", {}, backoff_until_ms_ - now};
        return r;
    }
    const std::int64_t minute = now / 60000;
    if (minute != weight_minute_) {
        weight_minute_ = minute;
        weight_used_ = 0;
    }
    if (weight_used_ + weight > cfg_.weight_limit) {
        r.error = {rest_errc::weight_budget, 0, 0, "the request weight would exceed the per-minute limit", {},
                   60000 - now % 60000};
        return r;
    }
    if (is_signed && cfg_.creds.empty()) {
        r.error = {rest_errc::bad_request, 0, 0, "a signed request needs credentials", {}, 0};
        return r;
    }

    std::string target(path);
    std::string params = query;
    if (is_signed) {
        if (!params.empty()) params += '&';
        params += "timestamp=" + std::to_string(now) + "&recvWindow=" + std::to_string(cfg_.recv_window_ms);
        const std::string sig = cfg_.creds.sign_rest(params);
        params += "&signature=" + sig;
    }
    if (!params.empty()) target += "?" + params;

    http_request req;
    req.method = method;
    req.target = target;
    if (!cfg_.creds.api_key.empty()) req.headers.push_back({"X-MBX-APIKEY", cfg_.creds.api_key});
    http_response res;
    const net_error e = conn_.request(req, res, !state_changing);
    r.received_ms = server_now_ms();
    if (!e.ok()) {
        r.error = {rest_errc::transport, 0, 0, std::string(to_string(e.code)), e, 0};
        return r;
    }
    r.status = res.status;
    weight_used_ = static_cast<int>(header_int(res, "X-MBX-USED-WEIGHT-1M", weight_used_ + weight));
    r.body = std::move(res.body);
    if (r.status >= 200 && r.status < 300) return r;

    parse::binance_error_body err;
    const bool has_body = parse::read_error_body(r.body, err);
    r.error.http_status = r.status;
    r.error.binance_code = has_body ? err.code : 0;
    r.error.message = has_body ? err.msg : "HTTP " + std::to_string(r.status);
    const std::int64_t retry_after_s = header_int(res, "Retry-After", -1);
    r.error.code = classify_answer(r.status, r.error.binance_code, r.body);
    if (r.error.code == rest_errc::rate_limited) {
        r.error.retry_after_ms = retry_after_s >= 0 ? retry_after_s * 1000 : 60000 - now % 60000;
        backoff_until_ms_ = now + r.error.retry_after_ms;
    } else if (r.error.code == rest_errc::ip_banned) {
        r.error.retry_after_ms = retry_after_s >= 0 ? retry_after_s * 1000 : cfg_.ban_default.count();
        backoff_until_ms_ = now + r.error.retry_after_ms;
    }
    return r;
}

rest_errc classify_answer(int status, std::int32_t binance_code, std::string_view body) noexcept {
    if (status >= 200 && status < 300) return rest_errc::ok;
    if (status == 429) return rest_errc::rate_limited;
    if (status == 418) return rest_errc::ip_banned;
    // spec §3.3: 503 "Unknown error…", -1006 and -1007 mean the request may have been executed.
    if (binance_code == -1006 || binance_code == -1007 || (status == 503 && body.find("Unknown error") != std::string_view::npos))
        return rest_errc::outcome_unknown;
    if (status == 403) return rest_errc::waf_blocked;
    if (status == 408) return rest_errc::backend_timeout;
    if (status >= 500) return rest_errc::server_error;
    return rest_errc::rejected;
}

} // namespace acctsync::net
