// `acctsync-sim` as a user runs it: the binary on 127.0.0.1 with a port the system picks, read
// from its first line; its once-a-second report line shows the scenario stopping after --ops N,
// and stopping and going on again with GET /admin/pause and /admin/resume over HTTPS (the test
// CA, loopback only).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "support/cli_fixture.hpp"

using namespace acctsync;
using namespace acctsync::test;
using namespace std::chrono_literals;

namespace {

// The ops count of a report line ("t=3s frames=.. ops=N connections=.."), or nullopt for any other line.
std::optional<std::uint64_t> ops_of(const std::string& line) {
    const auto at = line.find(" ops=");
    if (line.rfind("t=", 0) != 0 || at == std::string::npos) return std::nullopt;
    return std::stoull(line.substr(at + 5));
}

struct sim_cli : ::testing::Test {
    std::unique_ptr<spawned_process> sim; // killed at the end of the test if still running
    std::uint16_t port = 0;

    // Starts the binary (bounded by --duration too) and reads the port from its first line.
    void start(const std::string& args) {
        sim = std::make_unique<spawned_process>(ACCTSYNC_SIM " --listen 127.0.0.1:0 --accounts 1 --duration 30 " + args);
        const std::string prefix = "acctsync-sim listening on https://127.0.0.1:";
        const auto first = sim->next_line(10s);
        ASSERT_TRUE(first && first->rfind(prefix, 0) == 0) << sim->output();
        port = static_cast<std::uint16_t>(std::stoi(first->substr(prefix.size())));
        ASSERT_NE(port, 0) << sim->output();
    }
    // The ops count of the next report line (one a second); `fresh`: of a line begun from now on.
    std::uint64_t next_ops(bool fresh = false) {
        for (int i = 0; i < 5; ++i) { // the account lines come before the first report
            const auto line = sim->next_line(3s, fresh && i == 0);
            if (!line) break;
            if (const auto ops = ops_of(*line)) return *ops;
        }
        ADD_FAILURE() << "no report line: " << sim->output();
        return ~std::uint64_t{0};
    }
    std::string admin(const std::string& path) {
        client c(port);
        const auto r = c.request(http::verb::get, path);
        EXPECT_EQ(r.result(), http::status::ok) << path << ": " << r.body();
        return r.body();
    }
};

} // namespace

TEST_F(sim_cli, with_ops_n_its_report_shows_the_ops_stop_at_n) {
    start("--rate 100 --ops 150"); // a second and a half of operations
    std::vector<std::uint64_t> seen;
    for (int i = 0; i < 8 && (seen.size() < 3 || seen[seen.size() - 3] != 150); ++i) {
        seen.push_back(next_ops());
        ASSERT_LE(seen.back(), 150u) << sim->output();
        if (seen.size() > 1) {
            EXPECT_GE(seen.back(), seen[seen.size() - 2]) << sim->output();
        }
    }
    // N reached, and the two reports after it (two seconds on) still N.
    ASSERT_GE(seen.size(), 3u) << sim->output();
    EXPECT_EQ(seen[seen.size() - 3], 150u) << sim->output();
    EXPECT_EQ(seen[seen.size() - 2], 150u) << sim->output();
    EXPECT_EQ(seen.back(), 150u) << sim->output();
}

TEST_F(sim_cli, admin_pause_stops_the_ops_count_and_resume_moves_it_again) {
    start("--rate 200");
    std::uint64_t ops = 0;
    for (int i = 0; i < 5 && ops == 0; ++i) ops = next_ops();
    ASSERT_GT(ops, 0u) << sim->output();

    EXPECT_EQ(admin("/admin/pause"), "{\"paused\":true}");
    (void)next_ops(true); // a report begun from now on (an operation under way may still count)
    const std::uint64_t paused_a = next_ops(), paused_b = next_ops();
    EXPECT_EQ(paused_a, paused_b) << "paused, two reports a second apart: " << sim->output();

    EXPECT_EQ(admin("/admin/resume"), "{\"paused\":false}");
    const std::uint64_t resumed_a = next_ops(true), resumed_b = next_ops();
    EXPECT_GE(resumed_a, paused_b) << sim->output();
    EXPECT_GT(resumed_b, resumed_a) << "resumed, the count moves again: " << sim->output();
}
