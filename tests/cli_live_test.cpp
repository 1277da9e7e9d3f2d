// `acctsync live` as a user runs it: the binary against acctsync-sim over loopback TLS. Its
// --json-out equals the simulator's truth once the scenario has stopped (--ops N), and each way
// it can fail ends with a clear message and exit status. Ctrl-C ends it as --duration does.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <string>
#include <thread>

#include "support/cli_fixture.hpp"

using namespace acctsync;
using namespace acctsync::test;
using namespace std::chrono_literals;

namespace {

run_result run_cli(const std::string& args, int timeout_s = 60) { return run_acctsync("live", args, timeout_s); }

struct cli_live : cli_fixture {
    std::string out_file = ::testing::TempDir() + "acctsync_live_book.json";
    void TearDown() override {
        std::remove(out_file.c_str());
        cli_fixture::TearDown();
    }
};

} // namespace

TEST_F(cli_live, its_json_out_equals_the_truth_after_the_scenario_stops) {
    start_sim(600); // two seconds of operations at 300/s, then the truth stands still
    const auto r = run_cli(endpoints() + " --duration 5 --json-out " + out_file);
    ASSERT_EQ(r.status, 0) << r.output;
    EXPECT_NE(r.output.find("state=live"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("acctsync live: in sync"), std::string::npos) << r.output;
    EXPECT_EQ(srv->current_stats().operations, 600u);
    EXPECT_EQ(read_file(out_file), srv->truth(0) + "\n");
}

TEST_F(cli_live, ctrl_c_ends_it_cleanly_with_the_final_book_written) {
    start_sim(300); // one second of operations at 300/s, then the truth stands still
    const auto live = spawn_acctsync("live", endpoints() + " --json-out " + out_file); // no --duration: until Ctrl-C
    bool is_live = false;
    for (int i = 0; i < 20 && !is_live; ++i) { // a status line a second; live within a few
        const auto line = live->next_line(3s);
        if (!line) break;
        is_live = line->find("state=live") != std::string::npos;
    }
    ASSERT_TRUE(is_live) << live->output();
    for (int i = 0; i < 50 && srv->current_stats().operations < 300; ++i) std::this_thread::sleep_for(100ms);
    ASSERT_EQ(srv->current_stats().operations, 300u);
    // Two more status lines (a second or more) so the last frames are in, then Ctrl-C.
    for (int i = 0; i < 2; ++i) ASSERT_TRUE(live->next_line(3s, i == 0)) << live->output();
    ASSERT_TRUE(live->signal(SIGINT));
    const int status = live->wait_exit(10s);
    ASSERT_EQ(status, 0) << live->output();
    EXPECT_NE(live->output().find("acctsync live: in sync after"), std::string::npos) << live->output();
    EXPECT_EQ(read_file(out_file), srv->truth(0) + "\n");
}

TEST_F(cli_live, with_websocket_api_snapshots_too) {
    start_sim(300);
    const auto r = run_cli(endpoints() + " --snapshot wsapi --duration 4 --json-out " + out_file);
    ASSERT_EQ(r.status, 0) << r.output;
    EXPECT_EQ(read_file(out_file), srv->truth(0) + "\n");
}

TEST_F(cli_live, a_rejected_key_is_reported_and_not_retried_forever) {
    start_sim(10);
    setenv("BINANCE_API_KEY", std::string(64, 'x').c_str(), 1); // well formed, unknown to the venue
    const auto r = run_cli(endpoints() + " --duration 20");
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_NE(r.output.find("listen key: -2015"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("retrying cannot help"), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find(srv->api_secret(0)), std::string::npos) << "the secret is never printed";
}

TEST_F(cli_live, a_certificate_from_an_untrusted_ca_is_a_tls_failure) {
    start_sim(10);
    const auto r = run_cli(endpoints(ca_dir + "/rogue-ca.pem") + " --duration 20");
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_NE(r.output.find("tls_untrusted_ca"), std::string::npos) << r.output;
}

TEST_F(cli_live, an_unreachable_host_gives_up_with_the_reason) {
    start_sim(10);
    const auto r = run_cli("--rest-url https://127.0.0.1:1 --ws-url wss://127.0.0.1:1 --ca-file " + ca_dir +
                           "/ca.pem --give-up-after 2");
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_NE(r.output.find("not live after"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("connect_refused"), std::string::npos) << r.output;
}

TEST_F(cli_live, a_missing_key_and_a_bad_flag_are_usage_errors) {
    unsetenv("BINANCE_API_KEY");
    unsetenv("BINANCE_API_SECRET");
    auto r = run_cli("--duration 1");
    EXPECT_EQ(r.status, 2) << r.output;
    EXPECT_NE(r.output.find("no API key"), std::string::npos) << r.output;
    r = run_cli("--market spot");
    EXPECT_EQ(r.status, 2) << r.output;
    EXPECT_NE(r.output.find("--market is usdm or coinm"), std::string::npos) << r.output;
    r = run_cli("--frobnicate");
    EXPECT_EQ(r.status, 2) << r.output;
    EXPECT_NE(r.output.find("unknown option --frobnicate"), std::string::npos) << r.output;
    r = run_cli("--help");
    EXPECT_EQ(r.status, 0) << r.output;
    EXPECT_NE(r.output.find("--json-out FILE"), std::string::npos) << r.output;
}
