// No secret leaves the process: a full exchange with the simulator — REST time, listenKey,
// snapshots and a rejected signature; the user-data stream; WS-API with HMAC, an Ed25519
// logon and a failed one — and neither the HMAC secret nor the Ed25519 seed (raw, hex or
// base64) appears in anything printed, in any error text, or in any answer kept.
#include <gtest/gtest.h>

#include "net/rest_client.hpp"
#include "net/ws_client.hpp"
#include "net/wsapi_client.hpp"
#include "support/sim_fixture.hpp"

using namespace acctsync;
using namespace acctsync::test;
using namespace std::chrono_literals;

TEST_F(sim_fixture, no_secret_appears_in_any_output_or_error_of_a_full_exchange) {
    ::testing::internal::CaptureStdout();
    ::testing::internal::CaptureStderr();
    start(300);
    const std::string secret = srv->api_secret(0), seed = srv->ed25519_seed(0);
    std::string seen; // every error text and answer the clients handed back
    auto keep = [&](const net::rest_error& e, const std::string& body) { seen += e.message + "\n" + body + "\n"; };

    net::tls_context tls(net::tls_options{.ca_file = ca_dir + "/ca.pem"});
    net::rest_config rc;
    rc.base_url = "https://localhost:" + std::to_string(srv->port());
    rc.creds = {srv->api_key(0), net::key_kind::hmac, net::secret(secret)};
    rc.http.connect_to = "127.0.0.1";
    net::rest_client rest(tls, rc);
    auto r = rest.sync_time();
    keep(r.error, r.body);
    std::string key;
    r = rest.create_listen_key(key);
    keep(r.error, r.body);
    for (auto kind : {snapshot_kind::account_v2, snapshot_kind::position_risk_v2, snapshot_kind::account_config}) {
        r = rest.snapshot(kind);
        keep(r.error, r.body);
    }
    auto wrong = rc;
    wrong.creds.private_key = net::secret(secret + "x");
    net::rest_client bad(tls, wrong);
    r = bad.snapshot(snapshot_kind::balance_v2);
    EXPECT_EQ(r.error.binance_code, -1022);
    keep(r.error, r.body);

    net::ws_client ws(tls, {.connect_to = "127.0.0.1"});
    ASSERT_TRUE(ws.connect({"localhost", srv->port(), "/private/ws/" + key}).ok());
    int frames = 0;
    for (int i = 0; i < 200 && frames < 50; ++i)
        (void)ws.poll([&](const net::ws_message& m) { seen.append(m.data, m.size); ++frames; }, 20);
    ws.close();

    net::wsapi_config wc;
    wc.base_url = "wss://localhost:" + std::to_string(srv->port());
    wc.creds = rc.creds;
    wc.ws.connect_to = "127.0.0.1";
    net::wsapi_client api(tls, wc);
    auto w = api.snapshot(snapshot_kind::wsapi_account_balance);
    keep(w.error, w.frame);
    wc.creds = {srv->ed25519_api_key(0), net::key_kind::ed25519, net::secret(seed)};
    net::wsapi_client logged(tls, wc);
    EXPECT_TRUE(logged.connect().ok());
    w = logged.snapshot(snapshot_kind::wsapi_account_status_v2);
    keep(w.error, w.frame);
    std::string other_seed = seed;
    other_seed[0] = static_cast<char>(other_seed[0] ^ 1);
    wc.creds.private_key = net::secret(other_seed);
    net::wsapi_client refused(tls, wc);
    EXPECT_FALSE(refused.connect().ok()) << "a wrong Ed25519 key is refused at logon";
    srv->stop();

    const std::string printed = ::testing::internal::GetCapturedStdout() + ::testing::internal::GetCapturedStderr();
    const std::string everything = printed + seen;
    EXPECT_GT(frames, 10);
    for (const std::string& needle : {secret, seed, net::to_hex(seed), net::base64_encode(seed), net::to_hex(other_seed)}) {
        ASSERT_FALSE(needle.empty());
        EXPECT_EQ(everything.find(needle), std::string::npos) << "a secret leaked (" << needle.size() << " bytes)";
    }
}
