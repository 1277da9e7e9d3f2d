// acctsync's HTTP/1.1 client and REST error typing against Node's HTTP server (tests/peers/
// ws_peer.js, /http/<case>): keep-alive reuse, Content-Length, chunked and read-to-end bodies,
// bodies and heads cut mid-way, timeouts, and every Binance answer the session must tell apart
// (outcome unknown, failures, rate limits with and without Retry-After, WAF, rejections).
#include <gtest/gtest.h>

#include <memory>

#include "net/rest_client.hpp"
#include "parse/rest_reply.hpp"
#include "support/node_peer.hpp"

using namespace acctsync;
using namespace std::chrono_literals;
using net::net_errc;
using net::rest_errc;

namespace {

const std::string ca_dir = ACCTSYNC_TEST_CA_DIR;

struct rest_peer : test::ws_peer_suite {

    std::unique_ptr<net::rest_client> rest(std::chrono::milliseconds timeout = 5000ms) {
        net::rest_config c;
        c.base_url = "https://localhost:" + std::to_string(peer->port());
        c.creds = {"PEERKEY", net::key_kind::hmac, net::secret("peer-secret")};
        c.http.connect_to = "127.0.0.1";
        c.http.request_timeout = timeout;
        return std::make_unique<net::rest_client>(tls, std::move(c));
    }
    net::rest_reply get(net::rest_client& r, const std::string& name, std::string query = {}, bool is_signed = false) {
        return r.request("GET", "/http/" + name, std::move(query), is_signed, 1, false);
    }
};

} // namespace

TEST_F(rest_peer, bodies_by_length_chunks_or_to_the_end_of_the_connection) {
    auto r = rest();
    const auto ok = get(*r, "ok_json");
    ASSERT_TRUE(ok.error.ok()) << ok.error.message;
    EXPECT_EQ(ok.body, "{\"serverTime\":1700000000000}");
    EXPECT_EQ(r->weight_used(), 7) << "X-MBX-USED-WEIGHT-1M read from the answer";
    EXPECT_EQ(get(*r, "chunked").body, "{\"serverTime\":1700000000001}");
    const auto big = get(*r, "chunked_big");
    EXPECT_EQ(big.body.size(), 300000u);
    EXPECT_EQ(big.body.substr(0, 8), "{\"pad\":\"");
    EXPECT_EQ(get(*r, "http10_no_length").body, "{\"serverTime\":1700000000003}");
    std::string key;
    EXPECT_TRUE(parse::read_listen_key(get(*r, "listen_key").body, key));
    EXPECT_EQ(key.size(), 64u);
}

TEST_F(rest_peer, one_kept_alive_connection_serves_request_after_request) {
    auto r = rest();
    for (int i = 1; i <= 3; ++i) {
        const auto e = get(*r, "echo");
        ASSERT_TRUE(e.error.ok());
        EXPECT_NE(e.body.find("\"connection_requests\":" + std::to_string(i)), std::string::npos) << e.body;
    }
    EXPECT_EQ(r->connection().connects(), 1u);
    // Connection: close is honoured: the next request opens a new connection (resumed TLS).
    ASSERT_TRUE(get(*r, "close_after").error.ok());
    const auto after = get(*r, "echo");
    EXPECT_NE(after.body.find("\"connection_requests\":1"), std::string::npos) << after.body;
    EXPECT_EQ(r->connection().connects(), 2u);
    EXPECT_TRUE(r->connection().tls().resumed());
}

TEST_F(rest_peer, signed_requests_carry_the_key_header_and_the_signature_last) {
    auto r = rest();
    const auto e = get(*r, "echo", "symbol=BTCUSDT", true);
    ASSERT_TRUE(e.error.ok());
    EXPECT_NE(e.body.find("\"apikey\":\"PEERKEY\""), std::string::npos) << e.body;
    const auto url_at = e.body.find("\"url\":\"") + 7;
    const std::string url = e.body.substr(url_at, e.body.find('"', url_at) - url_at);
    const auto q = url.find('?');
    const auto sig = url.find("&signature=");
    ASSERT_NE(sig, std::string::npos) << url;
    const std::string params = url.substr(q + 1, sig - q - 1);
    EXPECT_EQ(params.substr(0, 25), "symbol=BTCUSDT&timestamp=");
    EXPECT_NE(params.find("&recvWindow=5000"), std::string::npos);
    EXPECT_TRUE(net::verify_hmac_sha256_hex("peer-secret", params, url.substr(sig + 11))) << "signature over the params as sent";
    EXPECT_EQ(e.body.find("peer-secret"), std::string::npos);
}

TEST_F(rest_peer, cut_answers_and_slow_answers_are_transport_errors) {
    auto r = rest(400ms);
    const auto body = get(*r, "cut_body");
    EXPECT_EQ(body.error.code, rest_errc::transport);
    EXPECT_EQ(body.error.transport.code, net_errc::http_truncated);
    const auto head = get(*r, "cut_head");
    EXPECT_EQ(head.error.transport.code, net_errc::http_truncated);
    const auto slow = get(*r, "slow");
    EXPECT_EQ(slow.error.transport.code, net_errc::http_timeout);
    // and the client recovers on a new connection
    EXPECT_TRUE(get(*r, "ok_json").error.ok());
    // a 200 whose body is not JSON is the caller's to refuse: sync_time says bad_response
    std::int64_t t = 0;
    EXPECT_FALSE(parse::read_server_time(get(*r, "invalid_json").body, t));
}

TEST_F(rest_peer, binance_answers_are_typed) {
    struct expect {
        const char* name;
        rest_errc code;
        int status;
        int binance;
        std::int64_t retry_after_ms; // -1: not checked
    };
    const expect table[] = {
        {"unknown_503", rest_errc::outcome_unknown, 503, -1000, -1},
        {"unknown_503_text", rest_errc::outcome_unknown, 503, 0, -1},
        {"unavailable_503", rest_errc::server_error, 503, -1000, -1},
        {"timeout_1007", rest_errc::outcome_unknown, 500, -1007, -1},
        {"disconnected_1001", rest_errc::server_error, 500, -1001, -1},
        {"backend_408", rest_errc::backend_timeout, 408, -1000, -1},
        {"waf_403", rest_errc::waf_blocked, 403, 0, -1},
        {"rate_429", rest_errc::rate_limited, 429, -1003, 3000},
        {"ban_418", rest_errc::ip_banned, 418, -1003, 7000},
        {"ban_418_no_retry_after", rest_errc::ip_banned, 418, -1003, 120000},
        {"rejected_1022", rest_errc::rejected, 400, -1022, -1},
        {"expired_1125", rest_errc::rejected, 400, -1125, -1},
    };
    for (const auto& t : table) {
        SCOPED_TRACE(t.name);
        auto r = rest(); // a fresh client: a rate limit's back-off would hold the next request
        const auto a = get(*r, t.name);
        EXPECT_EQ(net::to_string(a.error.code), net::to_string(t.code));
        EXPECT_EQ(a.error.http_status, t.status);
        EXPECT_EQ(a.error.binance_code, t.binance);
        if (t.retry_after_ms >= 0) {
            EXPECT_EQ(a.error.retry_after_ms, t.retry_after_ms);
            EXPECT_EQ(get(*r, "ok_json").error.code, rest_errc::backing_off);
        }
    }
}

TEST_F(rest_peer, fills_and_open_orders_are_asked_for_as_binance_documents) {
    auto r = rest();
    const auto trades = r->user_trades("BTCUSDT", 1700000000000, -1, 500);
    ASSERT_TRUE(trades.error.ok()) << trades.error.message;
    EXPECT_NE(trades.body.find("/fapi/v1/userTrades?symbol=BTCUSDT&startTime=1700000000000&limit=500&timestamp="),
              std::string::npos) << trades.body;
    const auto from_id = r->user_trades("ETHUSDT", 0, 42);
    EXPECT_NE(from_id.body.find("/fapi/v1/userTrades?symbol=ETHUSDT&fromId=42&limit=1000&timestamp="), std::string::npos)
        << from_id.body;
    const auto open = r->open_orders("BTCUSDT");
    EXPECT_NE(open.body.find("/fapi/v1/openOrders?symbol=BTCUSDT&timestamp="), std::string::npos) << open.body;
    const auto all = r->open_orders();
    EXPECT_NE(all.body.find("/fapi/v1/openOrders?timestamp="), std::string::npos) << all.body;
    EXPECT_NE(all.body.find("&signature="), std::string::npos);
    std::string key;
    const auto lk = r->create_listen_key(key);
    EXPECT_NE(lk.body.find("\"method\":\"POST\",\"url\":\"/fapi/v1/listenKey\""), std::string::npos) << lk.body;
    EXPECT_EQ(lk.error.code, net::rest_errc::bad_response) << "the echo is not a listenKey answer";
}

TEST_F(rest_peer, a_wrapping_chunk_size_is_refused_and_interim_answers_are_skipped) {
    auto r = rest();
    const auto wrap = get(*r, "chunked_overflow");
    EXPECT_EQ(wrap.error.code, rest_errc::transport);
    EXPECT_EQ(wrap.error.transport.code, net_errc::http_too_large);
    const auto hints = get(*r, "early_hints");
    ASSERT_TRUE(hints.error.ok()) << hints.error.message;
    EXPECT_EQ(hints.status, 200);
    EXPECT_EQ(hints.body, "{\"serverTime\":1700000000005}");
}
