// acctsync's REST client against the simulator over loopback TLS: time offset, listenKey
// lifecycle, every snapshot endpoint of both venues parsed, signatures accepted and a wrong
// one typed, the weight budget, 429/418 back-off, -1021 healed by a resync, keep-alive reuse,
// and no secret in anything the client says.
#include <gtest/gtest.h>

#include "net/rest_client.hpp"
#include "parse/snapshot.hpp"
#include "support/sim_fixture.hpp"

using namespace acctsync;
using namespace acctsync::test;
using namespace std::chrono_literals;
using net::rest_errc;

namespace {

struct rest_fixture : sim_fixture {
    net::tls_context tls{net::tls_options{.ca_file = ca_dir + "/ca.pem"}};
    net::rest_config config(market venue = market::usdm, int account = 0) {
        net::rest_config c;
        c.base_url = "https://localhost:" + std::to_string(srv->port());
        c.venue = venue;
        c.creds = {srv->api_key(account), net::key_kind::hmac, net::secret(srv->api_secret(account))};
        c.http.connect_to = "127.0.0.1";
        return c;
    }
};

} // namespace

TEST_F(rest_fixture, the_time_offset_comes_from_the_server_clock) {
    start(0);
    net::rest_client rest(tls, config());
    const auto r = rest.sync_time();
    ASSERT_TRUE(r.error.ok()) << r.error.message;
    EXPECT_LT(std::abs(rest.time_offset_ms()), 1000) << "the simulator shares this machine's clock";
    EXPECT_GE(rest.weight_used(), 1);
}

TEST_F(rest_fixture, the_listen_key_is_created_kept_alive_and_closed) {
    start(0);
    net::rest_client rest(tls, config());
    std::string key, again;
    ASSERT_TRUE(rest.create_listen_key(key).error.ok());
    EXPECT_EQ(key.size(), 64u);
    ASSERT_TRUE(rest.create_listen_key(again).error.ok());
    EXPECT_EQ(again, key) << "POST returns the live key";
    EXPECT_TRUE(rest.keepalive_listen_key().error.ok());
    EXPECT_TRUE(rest.close_listen_key().error.ok());
    const auto gone = rest.keepalive_listen_key();
    EXPECT_EQ(gone.error.code, rest_errc::rejected);
    EXPECT_EQ(gone.error.binance_code, -1125);
    EXPECT_EQ(rest.connection().connects(), 1u) << "one kept-alive connection served all of it";
}

TEST_F(rest_fixture, every_usdm_snapshot_endpoint_is_fetched_and_parsed) {
    start(100);
    net::rest_client rest(tls, config());
    for (auto kind : {snapshot_kind::account_v2, snapshot_kind::account_v3, snapshot_kind::balance_v2,
                      snapshot_kind::balance_v3, snapshot_kind::position_risk_v2, snapshot_kind::position_risk_v3,
                      snapshot_kind::symbol_config, snapshot_kind::account_config}) {
        const auto r = rest.snapshot(kind);
        ASSERT_TRUE(r.error.ok()) << parse::name_of(kind) << ": " << r.error.message;
        const auto parsed = parse_snapshot(r.body, kind);
        EXPECT_TRUE(parsed.result.ok()) << parse::name_of(kind) << ": " << parse::error_json(parsed.result);
        EXPECT_GE(parsed.events.size(), 2u) << "begin and end at least";
    }
    EXPECT_EQ(rest.snapshot(snapshot_kind::coinm_account).error.code, rest_errc::bad_request) << "not this venue";
}

TEST_F(rest_fixture, every_coinm_snapshot_endpoint_is_fetched_and_parsed) {
    start(100, market::coinm);
    net::rest_client rest(tls, config(market::coinm));
    std::string key;
    ASSERT_TRUE(rest.create_listen_key(key).error.ok());
    for (auto kind : {snapshot_kind::coinm_account, snapshot_kind::coinm_balance, snapshot_kind::coinm_position_risk}) {
        const auto r = rest.snapshot(kind);
        ASSERT_TRUE(r.error.ok()) << parse::name_of(kind) << ": " << r.error.message;
        EXPECT_TRUE(parse_snapshot(r.body, kind, false, nullptr, market::coinm).result.ok()) << parse::name_of(kind);
    }
}

TEST_F(rest_fixture, a_wrong_signature_is_a_typed_rejection_without_the_secret) {
    start(0);
    auto cfg = config();
    cfg.creds.private_key = net::secret("not-the-secret-8f3a1c");
    net::rest_client rest(tls, std::move(cfg));
    const auto r = rest.snapshot(snapshot_kind::balance_v2);
    EXPECT_EQ(r.error.code, rest_errc::rejected);
    EXPECT_EQ(r.error.binance_code, -1022);
    EXPECT_EQ(r.error.http_status, 400);
    EXPECT_EQ(r.error.message.find("not-the-secret"), std::string::npos);
    EXPECT_EQ(r.body.find("not-the-secret"), std::string::npos);
}

TEST_F(rest_fixture, the_weight_budget_stops_requests_before_they_are_sent) {
    start(0);
    auto cfg = config();
    cfg.weight_limit = 12; // two snapshots of weight 5 fit, a third does not
    net::rest_client rest(tls, std::move(cfg));
    EXPECT_TRUE(rest.snapshot(snapshot_kind::balance_v2).error.ok());
    EXPECT_TRUE(rest.snapshot(snapshot_kind::balance_v2).error.ok());
    const auto before = srv->current_stats().rest_requests;
    const auto r = rest.snapshot(snapshot_kind::balance_v2);
    EXPECT_EQ(r.error.code, rest_errc::weight_budget);
    EXPECT_GT(r.error.retry_after_ms, 0);
    EXPECT_EQ(srv->current_stats().rest_requests, before) << "nothing was sent";
}

TEST_F(rest_fixture, rate_limits_start_a_back_off_that_honours_retry_after) {
    start(0, market::usdm, [](sim::server_config& c) {
        c.weight_limit = 10;
        c.ignored_429_before_ban = 1;
        c.ban_duration = 3s;
    });
    auto cfg = config();
    cfg.weight_limit = 100000; // the client's own budget out of the way: the server decides
    net::rest_client rest(tls, std::move(cfg));
    net::rest_reply r;
    for (int i = 0; i < 5 && r.error.code != rest_errc::rate_limited; ++i) r = rest.snapshot(snapshot_kind::balance_v2);
    ASSERT_EQ(r.error.code, rest_errc::rate_limited) << r.error.message;
    EXPECT_EQ(r.error.binance_code, -1003);
    EXPECT_GT(r.error.retry_after_ms, 0);
    EXPECT_LE(r.error.retry_after_ms, 60000);
    const auto held = rest.snapshot(snapshot_kind::balance_v2);
    EXPECT_EQ(held.error.code, rest_errc::backing_off) << "no request while the back-off runs";
    EXPECT_GT(held.error.retry_after_ms, 0);
}

TEST_F(rest_fixture, an_ip_ban_is_typed_with_its_retry_after) {
    start(0, market::usdm, [](sim::server_config& c) {
        c.faults = {"rest_418"};
        c.fault_rate = 1.0;
    });
    net::rest_client rest(tls, config());
    const auto r = rest.snapshot(snapshot_kind::account_v2);
    EXPECT_EQ(r.error.code, rest_errc::ip_banned);
    EXPECT_EQ(r.error.retry_after_ms, 1000);
    EXPECT_EQ(rest.snapshot(snapshot_kind::account_v2).error.code, rest_errc::backing_off);
}

TEST_F(rest_fixture, a_1021_is_healed_by_a_fresh_offset_and_one_resend) {
    start(0, market::usdm, [](sim::server_config& c) {
        c.faults = {"skew"};
        c.fault_rate = 0.5;
        c.seed = 11;
    });
    auto cfg = config();
    cfg.weight_limit = 100000;
    net::rest_client rest(tls, std::move(cfg));
    int ok = 0, still_1021 = 0;
    for (int i = 0; i < 40; ++i) {
        const auto r = rest.snapshot(snapshot_kind::balance_v2);
        ok += r.error.ok();
        still_1021 += r.error.binance_code == -1021;
    }
    EXPECT_GT(srv->current_stats().faults, 10u) << "the simulator answered -1021 often";
    // A request fails only when both it and its resend drew the fault (p = 1/4 each).
    EXPECT_GT(ok, 20);
    EXPECT_EQ(ok + still_1021, 40);
}

TEST_F(rest_fixture, server_errors_are_typed) {
    start(0, market::usdm, [](sim::server_config& c) {
        c.faults = {"rest_5xx"};
        c.fault_rate = 1.0;
    });
    net::rest_client rest(tls, config());
    const auto r = rest.snapshot(snapshot_kind::account_v2);
    EXPECT_EQ(r.error.code, rest_errc::server_error) << "\"Service Unavailable.\" is a failure, not unknown";
    EXPECT_EQ(r.error.http_status, 503);
}

// Every REST fault shape of the bench reaches the caller as its own typed error (the 403 page and
// the half body are not JSON; the cut answer is a transport error, not a parse of half a body).
TEST_F(rest_fixture, every_rest_fault_shape_is_its_own_typed_error) {
    struct expected {
        const char* fault;
        rest_errc code;
        int http_status;
    };
    for (const expected& k : {expected{"rest_unknown", rest_errc::outcome_unknown, 503},
                              expected{"rest_1001", rest_errc::server_error, 503},
                              expected{"rest_1007", rest_errc::outcome_unknown, 408}, // -1007: execution status unknown
                              expected{"rest_403", rest_errc::waf_blocked, 403},
                              expected{"rest_ban", rest_errc::ip_banned, 418},
                              expected{"rest_cut", rest_errc::transport, 0}}) {
        SCOPED_TRACE(k.fault);
        start(0, market::usdm, [&](sim::server_config& c) {
            c.faults = {k.fault};
            c.fault_rate = 1.0;
        });
        net::rest_client rest(tls, config());
        const auto r = rest.snapshot(snapshot_kind::account_v2);
        EXPECT_EQ(r.error.code, k.code) << net::to_string(r.error.code) << ": " << r.error.message;
        if (k.http_status != 0) {
            EXPECT_EQ(r.error.http_status, k.http_status);
        }
        EXPECT_FALSE(r.error.message.empty());
        srv->stop();
        srv.reset();
    }
    // Half a JSON body with a success status: /time says so itself; a snapshot's body is handed
    // over as it came and the parser types it.
    start(0, market::usdm, [](sim::server_config& c) {
        c.faults = {"rest_invalid_json"};
        c.fault_rate = 1.0;
    });
    net::rest_client rest(tls, config());
    const auto t = rest.sync_time();
    EXPECT_EQ(t.error.code, rest_errc::bad_response) << t.error.message;
    const auto r = rest.snapshot(snapshot_kind::account_v2);
    ASSERT_TRUE(r.error.ok());
    const auto parsed = test::parse_snapshot(r.body, snapshot_kind::account_v2);
    EXPECT_FALSE(parsed.result.ok()) << "half an account body is not an account";
}
