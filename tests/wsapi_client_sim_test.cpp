// acctsync's WS-API client against the simulator's ws-fapi/ws-dapi: HMAC-signed snapshot
// methods parsed, session.logon with Ed25519 then unsigned requests, typed rejections, an
// `id: null` answer given to the request in flight, the user-data-stream methods, and
// reconnection (lost connection, end of life) with a fresh logon.
#include <gtest/gtest.h>

#include <thread>

#include "net/wsapi_client.hpp"
#include "parse/snapshot.hpp"
#include "support/sim_fixture.hpp"

using namespace acctsync;
using namespace acctsync::test;
using net::rest_errc;

namespace {

struct wsapi_fixture : sim_fixture {
    net::tls_context tls{net::tls_options{.ca_file = ca_dir + "/ca.pem"}};
    net::wsapi_config config(market venue = market::usdm) {
        net::wsapi_config c;
        c.base_url = "wss://localhost:" + std::to_string(srv->port());
        c.venue = venue;
        c.creds = {srv->api_key(0), net::key_kind::hmac, net::secret(srv->api_secret(0))};
        c.ws.connect_to = "127.0.0.1";
        c.request_timeout = std::chrono::milliseconds(3000);
        return c;
    }
    net::wsapi_config ed25519_config() {
        auto c = config();
        c.creds = {srv->ed25519_api_key(0), net::key_kind::ed25519, net::secret(srv->ed25519_seed(0))};
        return c;
    }
};

parse::parse_result parse_frame(const net::wsapi_reply& r, snapshot_kind kind, market venue = market::usdm) {
    return parse_snapshot(r.frame, kind, true, nullptr, venue).result;
}

} // namespace

TEST_F(wsapi_fixture, hmac_signed_snapshot_methods_are_answered_and_parse) {
    start(100);
    net::wsapi_client api(tls, config());
    for (auto kind : {snapshot_kind::wsapi_account_status, snapshot_kind::wsapi_account_status_v2,
                      snapshot_kind::wsapi_account_balance, snapshot_kind::wsapi_account_position}) {
        const auto r = api.snapshot(kind);
        ASSERT_TRUE(r.error.ok()) << parse::name_of(kind) << ": " << r.error.message << " " << r.frame.substr(0, 200);
        EXPECT_EQ(r.status, 200);
        const auto pr = parse_frame(r, kind);
        EXPECT_TRUE(pr.ok()) << parse::name_of(kind) << ": " << parse::error_json(pr);
    }
    EXPECT_FALSE(api.logged_on());
    EXPECT_EQ(api.connects(), 1u);
}

TEST_F(wsapi_fixture, an_ed25519_key_logs_the_session_on_and_requests_go_unsigned) {
    start(100);
    net::wsapi_client api(tls, ed25519_config());
    ASSERT_TRUE(api.connect().ok());
    EXPECT_TRUE(api.logged_on());
    const auto r = api.snapshot(snapshot_kind::wsapi_account_status_v2);
    ASSERT_TRUE(r.error.ok()) << r.error.message;
    EXPECT_TRUE(parse_frame(r, snapshot_kind::wsapi_account_status_v2).ok());
}

TEST_F(wsapi_fixture, rejections_are_typed_and_id_null_goes_to_the_request_in_flight) {
    start(0);
    auto cfg = config();
    cfg.creds.api_key = std::string(64, 'Z');
    net::wsapi_client api(tls, std::move(cfg));
    const auto unknown = api.snapshot(snapshot_kind::wsapi_account_balance);
    EXPECT_EQ(unknown.error.code, rest_errc::rejected);
    EXPECT_EQ(unknown.error.binance_code, -2015);
    EXPECT_EQ(unknown.status, 401);
    const auto malformed = api.call_raw("{\"id\":\"77\",\"method\":");
    EXPECT_EQ(malformed.id, "null");
    EXPECT_EQ(malformed.error.code, rest_errc::rejected);
    EXPECT_EQ(malformed.error.binance_code, -1102);
    // the connection is still good afterwards
    EXPECT_EQ(api.snapshot(snapshot_kind::wsapi_account_balance).error.binance_code, -2015);
    EXPECT_EQ(api.connects(), 1u);
}

TEST_F(wsapi_fixture, the_user_data_stream_methods_keep_the_same_key_as_rest) {
    start(0);
    net::wsapi_client api(tls, config());
    std::string key;
    ASSERT_TRUE(api.start_user_data_stream(key).error.ok());
    EXPECT_EQ(key, listen_key(0));
    const auto ping = api.ping_user_data_stream();
    EXPECT_TRUE(ping.error.ok()) << ping.error.message;
    EXPECT_EQ(ping.listen_key, key);
    EXPECT_TRUE(api.stop_user_data_stream().error.ok());
    const auto gone = api.ping_user_data_stream();
    EXPECT_EQ(gone.error.binance_code, -1125);
}

TEST_F(wsapi_fixture, a_lost_connection_or_its_end_of_life_reconnects_and_logs_on_again) {
    start(0);
    net::wsapi_client api(tls, ed25519_config());
    ASSERT_TRUE(api.connect().ok());
    api.connection().abort(); // the connection dies under the client
    const auto r = api.snapshot(snapshot_kind::wsapi_account_balance);
    EXPECT_TRUE(r.error.ok()) << r.error.message;
    EXPECT_EQ(api.connects(), 2u);
    EXPECT_TRUE(api.logged_on());

    auto cfg = config();
    cfg.max_life = std::chrono::milliseconds(0); // every call finds the connection too old
    net::wsapi_client short_lived(tls, std::move(cfg));
    for (int i = 0; i < 3; ++i) EXPECT_TRUE(short_lived.snapshot(snapshot_kind::wsapi_account_balance).error.ok());
    EXPECT_EQ(short_lived.connects(), 3u);
}

// The simulator's WS-API faults, each call drawn at 30 %: a revocation answered with "id": null
// (not carried out, the session's logon gone), the connection dying before the answer, a late
// answer. Every failure is typed, and the calls after a revocation succeed again because the
// client logs on anew (without that, every later unsigned call would get -2015 with its own id).
TEST_F(wsapi_fixture, wsapi_faults_fail_one_call_each_and_the_session_logs_on_again) {
    start(0, market::usdm, [](sim::server_config& c) {
        c.faults = {"wsapi_revoked", "wsapi_drop", "wsapi_slow"};
        c.fault_rate = 0.3;
        c.seed = 11;
        c.slow_rest_delay = std::chrono::milliseconds(200);
    });
    net::wsapi_client api(tls, ed25519_config());
    int ok = 0, revoked = 0, ok_after_revoked = 0;
    for (int i = 0; i < 40; ++i) {
        const auto r = api.snapshot(snapshot_kind::wsapi_account_balance);
        if (r.error.ok()) {
            ++ok;
            if (revoked > 0) ++ok_after_revoked;
            EXPECT_TRUE(parse_frame(r, snapshot_kind::wsapi_account_balance).ok());
        } else if (r.error.binance_code == -2015) {
            ++revoked;
            EXPECT_EQ(r.id, "null") << "a -2015 with our own id: the client kept a revoked session";
            EXPECT_EQ(r.error.code, rest_errc::rejected);
            EXPECT_FALSE(api.logged_on());
        } else {
            // A drop twice over (the retry on a new connection dropped too), or a logon that
            // drew a fault: a transport error, never anything else.
            EXPECT_EQ(r.error.code, rest_errc::transport) << r.error.message;
        }
    }
    EXPECT_GT(revoked, 0);
    EXPECT_GT(ok_after_revoked, 0);
    EXPECT_GT(ok, 20);
    EXPECT_GT(api.connects(), 1u) << "drops and revocations reconnect";
}

TEST_F(wsapi_fixture, coinm_uses_ws_dapi) {
    start(100, market::coinm);
    net::wsapi_client api(tls, config(market::coinm));
    const auto r = api.snapshot(snapshot_kind::wsapi_account_balance);
    ASSERT_TRUE(r.error.ok()) << r.error.message;
    EXPECT_TRUE(parse_frame(r, snapshot_kind::wsapi_account_balance, market::coinm).ok());
}

TEST_F(wsapi_fixture, pings_that_came_while_idle_are_answered_and_a_dropped_connection_replaced) {
    start(0, market::usdm, [](sim::server_config& c) {
        c.ping_interval = std::chrono::milliseconds(100);
        c.pong_timeout = std::chrono::milliseconds(400);
    });
    net::wsapi_client api(tls, config());
    ASSERT_TRUE(api.snapshot(snapshot_kind::wsapi_account_balance).error.ok());
    // idle shorter than the pong deadline, several pings waiting: answered before the call
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    ASSERT_TRUE(api.snapshot(snapshot_kind::wsapi_account_balance).error.ok());
    EXPECT_EQ(api.connects(), 1u);
    EXPECT_GT(api.connection().counters().pongs_sent, 0u);
    // idle past it: the server dropped the connection; the call goes on a new one
    std::this_thread::sleep_for(std::chrono::milliseconds(900));
    const auto r = api.snapshot(snapshot_kind::wsapi_account_balance);
    EXPECT_TRUE(r.error.ok()) << r.error.message;
    EXPECT_EQ(api.connects(), 2u);
}

// The feed's control thread calls poll() while no snapshot is wanted (net/feed.cpp): the server's
// pings are answered between calls, so an idle connection outlives several pong deadlines and
// the next request goes on it, without a new handshake.
TEST_F(wsapi_fixture, an_idle_connection_polled_outlives_several_pong_deadlines_and_still_answers) {
    start(0, market::usdm, [](sim::server_config& c) {
        c.ping_interval = std::chrono::milliseconds(100);
        c.pong_timeout = std::chrono::milliseconds(500); // polled every 50 ms: slack for a loaded machine
    });
    net::wsapi_client api(tls, config());
    EXPECT_TRUE(api.poll().ok());
    EXPECT_EQ(api.connects(), 0u) << "poll() never connects";
    ASSERT_TRUE(api.snapshot(snapshot_kind::wsapi_account_balance).error.ok());
    const auto idle_until = std::chrono::steady_clock::now() + std::chrono::milliseconds(2000); // 4 pong deadlines
    while (std::chrono::steady_clock::now() < idle_until) {
        const auto e = api.poll();
        ASSERT_TRUE(e.ok()) << net::to_string(e.code);
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_EQ(api.connection().state(), net::ws_state::open);
    EXPECT_GE(api.connection().counters().pongs_sent, 10u) << "a ping every 100 ms for 2 s";
    const auto r = api.snapshot(snapshot_kind::wsapi_account_balance);
    EXPECT_TRUE(r.error.ok()) << r.error.message;
    EXPECT_EQ(api.connects(), 1u) << "the idle connection was kept";
    EXPECT_EQ(api.unmatched(), 0u);
}

TEST_F(wsapi_fixture, a_rate_limit_holds_the_next_calls_back) {
    start(0, market::usdm, [](sim::server_config& c) { c.weight_limit = 12; });
    net::wsapi_client api(tls, config());
    net::wsapi_reply r;
    for (int i = 0; i < 6 && r.error.code != rest_errc::rate_limited; ++i) r = api.snapshot(snapshot_kind::wsapi_account_balance);
    ASSERT_EQ(r.error.code, rest_errc::rate_limited) << r.error.message;
    EXPECT_GT(r.error.retry_after_ms, 0);
    const auto held = api.snapshot(snapshot_kind::wsapi_account_balance);
    EXPECT_EQ(held.error.code, rest_errc::backing_off);
}
