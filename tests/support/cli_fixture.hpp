// Test helpers for the `acctsync` binary as a user runs it against acctsync-sim over loopback
// TLS: the simulator with one account whose key is in the environment, the endpoint flags, and
// a bounded run (coreutils `timeout`) that captures stdout and stderr and the exit status.
// Credentials go through the environment, never the command line.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>

#include "support/sim_fixture.hpp"

namespace acctsync::test {

struct run_result {
    int status = -1;
    std::string output; // stdout and stderr
};

// `acctsync <command> <args>` (args shell-quoted), bounded by timeout_s.
inline run_result run_acctsync(const std::string& command, const std::string& args, int timeout_s = 60,
                               bool with_stderr = true) {
    const std::string cmd = "timeout " + std::to_string(timeout_s) + " " ACCTSYNC_CLI " " + command + " " + args +
                            (with_stderr ? " 2>&1" : " 2>/dev/null");
    run_result r;
    FILE* p = popen(cmd.c_str(), "r");
    if (p == nullptr) return r;
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) r.output.append(buf, n);
    const int st = pclose(p);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return r;
}

inline std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

struct cli_fixture : sim_fixture {
    void start_sim(std::uint64_t ops, const std::function<void(sim::server_config&)>& tweak = {}) {
        start(300, market::usdm, [&](sim::server_config& c) {
            c.accounts = 1;
            c.max_operations = ops;
            if (tweak) tweak(c);
        });
        setenv("BINANCE_API_KEY", srv->api_key(0).c_str(), 1);
        setenv("BINANCE_API_SECRET", srv->api_secret(0).c_str(), 1);
        unsetenv("BINANCE_PRIVATE_KEY_FILE");
    }
    std::string endpoints(const std::string& ca = ca_dir + "/ca.pem") const {
        const std::string base = "localhost:" + std::to_string(srv->port());
        return "--rest-url https://" + base + " --ws-url wss://" + base + " --wsapi-url wss://" + base +
               " --connect-to 127.0.0.1 --ca-file " + ca;
    }
    void TearDown() override {
        unsetenv("BINANCE_API_KEY");
        unsetenv("BINANCE_API_SECRET");
        sim_fixture::TearDown();
    }
};

} // namespace acctsync::test
