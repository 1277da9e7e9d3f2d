#include "net/wsapi_client.hpp"

#include <algorithm>
#include <stdexcept>

#include "parse/rest_reply.hpp"

namespace acctsync::net {

namespace {

std::int64_t wall_ms() noexcept {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

ws_url url_or_throw(const wsapi_config& cfg) {
    auto u = parse_ws_url(cfg.base_url);
    if (!u) throw std::invalid_argument("wsapi: base URL must be wss://host[:port], got " + cfg.base_url);
    u->target = cfg.venue == market::coinm ? "/ws-dapi/v1" : "/ws-fapi/v1";
    return *u;
}

void json_string(std::string& out, std::string_view s) {
    out += '"';
    for (const char c : s) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (static_cast<unsigned char>(c) < 0x20) {
            static constexpr char d[] = "0123456789abcdef";
            out += "\\u00";
            out += d[(c >> 4) & 15];
            out += d[c & 15];
        } else {
            out += c;
        }
    }
    out += '"';
}

bool is_number_param(std::string_view name) noexcept { return name == "timestamp" || name == "recvWindow"; }

std::string_view method_of(snapshot_kind kind) noexcept {
    switch (kind) {
    case snapshot_kind::wsapi_account_status: return "account.status";
    case snapshot_kind::wsapi_account_status_v2: return "v2/account.status";
    case snapshot_kind::wsapi_account_balance: return "account.balance";
    case snapshot_kind::wsapi_account_position: return "account.position";
    default: return {};
    }
}

} // namespace

wsapi_client::wsapi_client(tls_context& tls, wsapi_config cfg)
    : cfg_(std::move(cfg)), url_(url_or_throw(cfg_)), ws_(tls, cfg_.ws) {}

std::int64_t wsapi_client::now_ms() const noexcept { return wall_ms() + offset_ms_; }

void wsapi_client::close() noexcept {
    if (ws_.state() == ws_state::open) ws_.close();
    logged_on_ = false;
}

net_error wsapi_client::connect() {
    close();
    if (auto e = ws_.connect(url_); !e.ok()) return e;
    ++connects_;
    connected_at_ = std::chrono::steady_clock::now();
    if (cfg_.creds.kind == key_kind::ed25519 && !cfg_.creds.empty()) {
        // session.logon: apiKey + timestamp signed; afterwards requests carry neither.
        const std::string id = std::to_string(next_id_++);
        const auto r = exchange(id, build("session.logon", id, {}, true, false));
        if (!r.error.ok()) {
            close();
            return r.error.transport.ok() ? net_error{net_errc::ws_handshake_rejected, r.status} : r.error.transport;
        }
        logged_on_ = true;
    }
    return {};
}

std::string wsapi_client::build(std::string_view method, const std::string& id, wsapi_params params, bool is_signed,
                                bool key_only) const {
    const bool sign = is_signed && !logged_on_;
    if ((sign || key_only) && !logged_on_) params.emplace_back("apiKey", cfg_.creds.api_key);
    if (is_signed) {
        params.emplace_back("timestamp", std::to_string(now_ms()));
        params.emplace_back("recvWindow", std::to_string(cfg_.recv_window_ms));
    }
    if (sign) params.emplace_back("signature", cfg_.creds.sign_wsapi(wsapi_payload(params)));
    std::string f = "{\"id\":";
    json_string(f, id);
    f += ",\"method\":";
    json_string(f, method);
    f += ",\"params\":{";
    for (std::size_t i = 0; i < params.size(); ++i) {
        if (i != 0) f += ',';
        json_string(f, params[i].first);
        f += ':';
        if (is_number_param(params[i].first)) f += params[i].second;
        else json_string(f, params[i].second);
    }
    f += "}}";
    return f;
}

net_error wsapi_client::poll() noexcept {
    // Frames that came while no call was running: Binance's pings (answered as they are decoded)
    // and answers nobody waits for any more. ws_client::poll reads once; a few pings may wait in
    // separate TLS records, so read until a read brings nothing (bounded: a chatty server cannot
    // keep the control thread here).
    for (int i = 0; i < 8 && ws_.state() == ws_state::open; ++i) {
        const std::uint64_t reads = ws_.counters().reads;
        const auto r = ws_.poll([&](const ws_message&) { ++unmatched_; }, 0);
        if (!r.error.ok()) {
            logged_on_ = false;
            return r.error;
        }
        if (ws_.counters().reads == reads) break;
    }
    return {};
}

net_error wsapi_client::ready() {
    (void)poll(); // a connection found ended here is replaced just below
    if (ws_.state() != ws_state::open || std::chrono::steady_clock::now() - connected_at_ > cfg_.max_life) return connect();
    return {};
}

wsapi_reply wsapi_client::call(std::string_view method, wsapi_params params, bool is_signed, bool key_only,
                               bool idempotent) {
    for (int attempt = 0;; ++attempt) {
        wsapi_reply r;
        const std::int64_t now = now_ms();
        if (now < backoff_until_ms_) {
            r.error = {rest_errc::backing_off, 0, 0, "a 429/418 back-off is running", {}, backoff_until_ms_ - now};
            return r;
        }
        if (auto e = ready(); !e.ok()) {
            r.error = {rest_errc::transport, 0, 0, std::string(to_string(e.code)), e, 0};
            return r;
        }
        const std::string id = std::to_string(next_id_++);
        r = exchange(id, build(method, id, params, is_signed, key_only));
        // -2015 on a logged-on connection: Binance revokes the session with it (spec §4, often
        // with "id": null). This call fails; the next one connects and logs on afresh.
        if (r.error.binance_code == -2015 && logged_on_) close();
        if (r.error.code == rest_errc::rate_limited || r.error.code == rest_errc::ip_banned) {
            const std::int64_t fallback = r.error.code == rest_errc::rate_limited ? 60000 - now % 60000 : cfg_.ban_default.count();
            backoff_until_ms_ = r.error.retry_after_ms > now ? r.error.retry_after_ms : now + fallback;
            r.error.retry_after_ms = backoff_until_ms_ - now;
        }
        // The connection died with the request in flight and no answer: the request may not
        // have arrived. Idempotent requests go once more on a new connection.
        if (r.error.code == rest_errc::transport && r.status == 0 && idempotent && attempt == 0) continue;
        return r;
    }
}

wsapi_reply wsapi_client::call_raw(std::string frame) {
    {
        if (auto e = ready(); !e.ok()) {
            wsapi_reply r;
            r.error = {rest_errc::transport, 0, 0, std::string(to_string(e.code)), e, 0};
            return r;
        }
    }
    return exchange({}, frame);
}

wsapi_reply wsapi_client::exchange(const std::string& id, const std::string& frame) {
    wsapi_reply r;
    r.sent_ms = now_ms();
    if (auto e = ws_.send_text(frame); !e.ok()) {
        r.error = {rest_errc::transport, 0, 0, std::string(to_string(e.code)), e, 0};
        return r;
    }
    const auto deadline = std::chrono::steady_clock::now() + cfg_.request_timeout;
    bool done = false;
    while (!done) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
        if (left <= 0) {
            // The answer may still come; the connection cannot tell it from the next one's.
            close();
            r.error = {rest_errc::transport, 0, 0, "no answer within the request timeout", {net_errc::http_timeout, 0}, 0};
            return r;
        }
        const auto pr = ws_.poll(
            [&](const ws_message& m) {
                if (done) {
                    ++unmatched_; // a second answer in one read: not ours (there is one request in flight)
                    return;
                }
                parse::wsapi_head head;
                const std::string_view text(m.data, m.size);
                if (!parse::read_wsapi_head(text, head)) {
                    ++unmatched_;
                    return;
                }
                // Our id, or null (Binance could not read the request in flight), or, for a raw
                // frame, whatever comes first.
                if (!id.empty() && head.id != id && head.id != "null") {
                    ++unmatched_;
                    return;
                }
                done = true;
                r.id = head.id;
                r.status = head.status;
                r.frame.assign(text);
                r.listen_key = std::move(head.listen_key);
                if (head.has_error || head.status < 200 || head.status >= 300) {
                    r.error.code = classify_answer(head.status, head.error.code, head.error.msg);
                    r.error.http_status = head.status;
                    r.error.binance_code = head.error.code;
                    r.error.message = head.error.msg;
                    r.error.retry_after_ms = head.retry_after_ms; // absolute here; call() makes it relative
                    if (r.error.code == rest_errc::ok) r.error.code = rest_errc::rejected;
                }
            },
            static_cast<int>(std::min<std::int64_t>(left, 50)));
        if (!done && !pr.error.ok()) {
            logged_on_ = false;
            r.error = {rest_errc::transport, 0, 0, std::string(to_string(pr.error.code)), pr.error, 0};
            return r;
        }
    }
    r.received_ms = now_ms();
    return r;
}

wsapi_reply wsapi_client::snapshot(snapshot_kind kind) {
    const std::string_view method = method_of(kind);
    if (method.empty()) {
        wsapi_reply r;
        r.error = {rest_errc::bad_request, 0, 0, "not a WS-API snapshot kind", {}, 0};
        return r;
    }
    return call(method, {}, true);
}

wsapi_reply wsapi_client::start_user_data_stream(std::string& listen_key) {
    auto r = call("userDataStream.start", {}, false, true);
    if (r.error.ok() && r.listen_key.empty()) r.error = {rest_errc::bad_response, r.status, 0, "no listenKey in the answer", {}, 0};
    if (r.error.ok()) listen_key = r.listen_key;
    return r;
}

wsapi_reply wsapi_client::ping_user_data_stream() { return call("userDataStream.ping", {}, false, true); }
wsapi_reply wsapi_client::stop_user_data_stream() { return call("userDataStream.stop", {}, false, true); }

} // namespace acctsync::net
