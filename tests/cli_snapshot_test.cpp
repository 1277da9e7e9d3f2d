// `acctsync snapshot` as a user runs it against acctsync-sim over loopback TLS: the account
// once, from REST or the WebSocket API, equal to the simulator's truth once the scenario has
// stopped; as a table for people; a rejected key is a clear error.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "support/cli_fixture.hpp"

using namespace acctsync;
using namespace acctsync::test;

namespace {

struct cli_snapshot : cli_fixture {
    // The scenario's operations all done (bounded wait), so the truth stands still.
    void settle(std::uint64_t ops) {
        const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while (srv->current_stats().operations < ops && std::chrono::steady_clock::now() < until)
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        ASSERT_EQ(srv->current_stats().operations, ops);
    }
};

} // namespace

TEST_F(cli_snapshot, its_json_equals_the_truth) {
    start_sim(300);
    settle(300);
    const auto r = run_acctsync("snapshot", endpoints() + " --json", 60, false);
    ASSERT_EQ(r.status, 0) << r.output;
    EXPECT_EQ(r.output, srv->truth(0) + "\n");
}

TEST_F(cli_snapshot, over_the_websocket_api_too) {
    start_sim(300);
    settle(300);
    const auto r = run_acctsync("snapshot", endpoints() + " --snapshot wsapi --json", 60, false);
    ASSERT_EQ(r.status, 0) << r.output;
    EXPECT_EQ(r.output, srv->truth(0) + "\n");
}

TEST_F(cli_snapshot, the_table_shows_modes_balances_and_positions) {
    start_sim(300);
    settle(300);
    const auto r = run_acctsync("snapshot", endpoints());
    ASSERT_EQ(r.status, 0) << r.output;
    EXPECT_NE(r.output.find("multi-assets mode: o"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("position mode: one-way"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("USDT"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("entry price"), std::string::npos) << r.output;
}

TEST_F(cli_snapshot, a_rejected_key_is_an_error_with_binances_code) {
    start_sim(10);
    setenv("BINANCE_API_KEY", std::string(64, 'x').c_str(), 1);
    const auto r = run_acctsync("snapshot", endpoints());
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_NE(r.output.find("-2015"), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find(srv->api_secret(0)), std::string::npos);
}
