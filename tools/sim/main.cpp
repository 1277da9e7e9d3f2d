// acctsync-sim — a local Binance futures venue over TLS on loopback (see tools/sim/server.hpp).
//
//   acctsync-sim [--listen 127.0.0.1:PORT] [--accounts N] [--rate OPS_PER_S] [--seed S] [--scenario NAME]
//                [--burst N] [--ops N] [--faults LIST --fault-rate P] [--clock-offset-ms MS]
//                [--snapshot-lag-ms MS] [--wire-variety P]
//                [--duration SECONDS] [--venue usdm|coinm] [--hedge] [--cert PEM --key PEM]
//                [--api-key K --api-secret S]   (account 0's credentials instead of generated ones)
//
// Prints the credentials of each account once, then one status line per second.
#include <charconv>
#include <stdexcept>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>

#include "tools/sim/server.hpp"

namespace {
int usage(const std::string& why = {}) {
    if (!why.empty()) std::fprintf(stderr, "acctsync-sim: %s\n", why.c_str());
    std::fputs("usage: acctsync-sim [--listen HOST:PORT] [--accounts N] [--rate OPS_PER_S] [--seed S] [--duration S]\n"
               "                    [--venue usdm|coinm] [--hedge] [--testnet-paths] [--cert PEM --key PEM]\n"
               "                    [--api-key K --api-secret S] [--scenario NAME] [--burst N] [--ops N]\n"
               "                    [--faults LIST --fault-rate P] [--clock-offset-ms MS]\n"
               "                    [--snapshot-lag-ms MS] [--wire-variety P]\n"
               "  --wire-variety P: this share of frames in Binance's other wire forms (member order, padding, ...)\n"
               "  --ops N: the scenario stops after N operations (GET /admin/pause and /admin/resume stop and resume it)\n",
               stderr);
    std::fputs("  scenarios:", stderr);
    for (auto s : acctsync::sim::scenarios) std::fprintf(stderr, " %.*s", static_cast<int>(s.size()), s.data());
    std::fputs("\n  faults:", stderr);
    for (auto f : acctsync::sim::fault_kinds) std::fprintf(stderr, " %.*s", static_cast<int>(f.size()), f.data());
    std::fputs("\n", stderr);
    return 2;
}
} // namespace

int main(int argc, char** argv) {
    acctsync::sim::server_config cfg;
    const std::string ca_dir = ACCTSYNC_TEST_CA_DIR;
    cfg.cert_file = ca_dir + "/server.pem";
    cfg.key_file = ca_dir + "/server.key";
    double duration = 0;
    std::string api_key, api_secret;
    try {
        for (int i = 1; i < argc; ++i) {
            const std::string a = argv[i];
            auto next = [&]() -> std::string {
                if (i + 1 >= argc) throw std::invalid_argument(a + " needs a value");
                return argv[++i];
            };
            if (a == "--listen") {
                const std::string v = next();
                const auto colon = v.rfind(':');
                if (colon == std::string::npos) return usage();
                cfg.host = v.substr(0, colon);
                cfg.port = static_cast<std::uint16_t>(std::stoi(v.substr(colon + 1)));
            } else if (a == "--accounts") cfg.accounts = std::stoi(next());
            else if (a == "--rate") cfg.rate = std::stod(next());
            else if (a == "--seed") cfg.seed = std::stoull(next());
            else if (a == "--duration") duration = std::stod(next());
            else if (a == "--venue") {
                const std::string v = next();
                if (v == "usdm") cfg.venue = acctsync::market::usdm;
                else if (v == "coinm") cfg.venue = acctsync::market::coinm;
                else return usage();
            } else if (a == "--hedge") cfg.hedge_mode = true;
            else if (a == "--testnet-paths") cfg.testnet_legacy_paths = true;
            else if (a == "--api-key") api_key = next();
            else if (a == "--api-secret") api_secret = next();
            else if (a == "--faults") cfg.faults = acctsync::sim::split_list(next());
            else if (a == "--fault-rate") cfg.fault_rate = std::stod(next());
            else if (a == "--scenario") cfg.scenario = next();
            else if (a == "--burst") cfg.burst = std::stoi(next());
            else if (a == "--ops") cfg.max_operations = std::stoull(next());
            else if (a == "--clock-offset-ms") cfg.clock_offset = std::chrono::milliseconds(std::stoll(next()));
            else if (a == "--snapshot-lag-ms") cfg.snapshot_lag = std::chrono::milliseconds(std::stoll(next()));
            else if (a == "--wire-variety") cfg.wire_variety = std::stod(next());
            else if (a == "--cert") cfg.cert_file = next();
            else if (a == "--key") cfg.key_file = next();
            else return usage("unknown option " + a);
        }
    } catch (const std::invalid_argument& e) { // std::stoi and friends, and a missing value
        return usage(std::string("bad arguments: ") + e.what());
    } catch (const std::out_of_range& e) {
        return usage(std::string("a number out of range: ") + e.what());
    }
    if (cfg.host != "127.0.0.1" && cfg.host != "localhost" && cfg.host != "::1") {
        std::fputs("acctsync-sim: listens on loopback only\n", stderr);
        return 2;
    }
    try {
        cfg.account0_api_key = api_key;
        cfg.account0_secret = api_secret;
        acctsync::sim::server srv(cfg);
        srv.start();
        std::printf("acctsync-sim listening on https://%s:%u (%s, %d account%s, %.0f ops/s, seed %llu)\n", cfg.host.c_str(),
                    srv.port(), cfg.venue == acctsync::market::usdm ? "USD-M" : "COIN-M", cfg.accounts,
                    cfg.accounts == 1 ? "" : "s", cfg.rate, static_cast<unsigned long long>(cfg.seed));
        // Generated credentials are test-only and printed so a client can be pointed at the
        // simulator; a secret given with --api-secret is never printed.
        for (int i = 0; i < cfg.accounts; ++i) {
            if (i == 0 && !api_secret.empty()) std::printf("account 0: api key %s (your secret)\n", srv.api_key(0).c_str());
            else std::printf("account %d: api key %s, generated test secret %s\n", i, srv.api_key(i).c_str(), srv.api_secret(i).c_str());
        }
        std::fflush(stdout);
        const auto start = std::chrono::steady_clock::now();
        for (int s = 1;; ++s) {
            std::this_thread::sleep_until(start + std::chrono::seconds(s));
            const auto st = srv.current_stats();
            std::printf("t=%ds frames=%llu ops=%llu connections=%llu rest=%llu faults=%llu\n", s,
                        static_cast<unsigned long long>(st.frames_sent), static_cast<unsigned long long>(st.operations),
                        static_cast<unsigned long long>(st.connections), static_cast<unsigned long long>(st.rest_requests),
                        static_cast<unsigned long long>(st.faults));
            std::fflush(stdout);
            if (duration > 0 && s >= duration) break;
        }
        srv.stop();
    } catch (const std::invalid_argument& e) { // the server's own checks (fault kinds, scenario)
        return usage(e.what());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "acctsync-sim: %s\n", e.what());
        return 1;
    }
    return 0;
}
