// acctsync-sim-demo — the product path end to end against the exchange simulator, over TLS on
// loopback: acctsync-sim in-process, and net::feed exactly as a trading engine embeds it (its
// network thread reads the private user-data WebSocket and publishes into the consumer's ring,
// its control thread takes the REST or WS-API snapshots); this thread is the strategy thread,
// draining its ring into its account_book.
//
// One status line a second; after --seconds the scenario is paused, and once the book is in sync
// it is compared with the simulator's truth (GET /admin/truth). Exit status 0 iff they are equal.
//
//   acctsync-sim-demo [--seconds N] [--rate OPS_PER_S] [--hedge] [--venue usdm|coinm] [--seed S]
//                     [--busy-poll] [--snapshot rest|wsapi] [--faults LIST --fault-rate P]
#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <thread>

#include "core/account_book.hpp"
#include "net/feed.hpp"
#include "parse/book_json.hpp"
#include "tools/sim/server.hpp"

using namespace acctsync;

namespace {

int usage(const std::string& why) {
    if (!why.empty()) std::fprintf(stderr, "acctsync-sim-demo: %s\n", why.c_str());
    std::fputs("usage: acctsync-sim-demo [--seconds N] [--rate OPS_PER_S] [--hedge] [--venue usdm|coinm] [--seed S]\n"
               "                         [--busy-poll] [--snapshot rest|wsapi] [--faults LIST --fault-rate P]\n",
               stderr);
    return 2;
}

std::string mirror_json(const account_book& book) { // the truth's shape
    parse::book_json_options o;
    o.include_snapshot_only = false;
    o.skip_zero = true;
    return parse::book_json(book, o);
}

} // namespace

int main(int argc, char** argv) {
    double seconds = 3;
    const std::string ca_dir = ACCTSYNC_TEST_CA_DIR;
    sim::server_config sc;
    sc.cert_file = ca_dir + "/server.pem";
    sc.key_file = ca_dir + "/server.key";
    sc.rate = 300;
    sc.seed = 11;
    bool busy_poll = false;
    auto snapshots = net::snapshot_source::rest;
    try {
        for (int i = 1; i < argc; ++i) {
            const std::string a = argv[i];
            auto next = [&]() -> std::string {
                if (i + 1 >= argc) throw std::invalid_argument(a + " needs a value");
                return argv[++i];
            };
            if (a == "--seconds") seconds = std::stod(next());
            else if (a == "--rate") sc.rate = std::stod(next());
            else if (a == "--seed") sc.seed = std::stoull(next());
            else if (a == "--hedge") sc.hedge_mode = true;
            else if (a == "--busy-poll") busy_poll = true;
            else if (a == "--venue") {
                const std::string v = next();
                if (v != "usdm" && v != "coinm") return usage("--venue is usdm or coinm");
                sc.venue = v == "usdm" ? market::usdm : market::coinm;
            } else if (a == "--snapshot") {
                const std::string v = next();
                if (v != "rest" && v != "wsapi") return usage("--snapshot is rest or wsapi");
                snapshots = v == "rest" ? net::snapshot_source::rest : net::snapshot_source::wsapi;
            } else if (a == "--faults") sc.faults = sim::split_list(next());
            else if (a == "--fault-rate") sc.fault_rate = std::stod(next());
            else return usage("unknown option " + a);
        }
    } catch (const std::exception& e) {
        return usage(std::string("bad arguments: ") + e.what());
    }

    try {
        sim::server venue(sc);
        venue.start();
        const std::uint16_t port = venue.port();
        std::printf("acctsync-sim on https://localhost:%u (%s, %s mode, %.0f ops/s%s%s); mirroring account 0 for %.1f s\n",
                    port, sc.venue == market::usdm ? "USD-M" : "COIN-M", sc.hedge_mode ? "hedge" : "one-way", sc.rate,
                    sc.faults.empty() ? "" : ", faults ", sc.faults.empty() ? "" : std::to_string(sc.fault_rate).c_str(),
                    seconds);

        auto cfg = net::feed_config::for_venue(sc.venue);
        const std::string base = "localhost:" + std::to_string(port);
        cfg.rest_url = "https://" + base;
        cfg.ws_url = "wss://" + base;
        cfg.wsapi_url = "wss://" + base;
        cfg.connect_to = "127.0.0.1";
        cfg.tls.ca_file = ca_dir + "/ca.pem";
        cfg.creds = {venue.api_key(0), net::key_kind::hmac, net::secret(venue.api_secret(0))};
        cfg.snapshots = snapshots;
        cfg.mode = busy_poll ? net::read_mode::busy_poll : net::read_mode::event_driven;
        // The simulator pings every 3 min like Binance; with faults on, notice dead sockets sooner.
        if (!sc.faults.empty()) cfg.session.silence_timeout_ms = 5000;
        net::feed feed(std::move(cfg));
        auto& consumer = feed.consumer(0);
        feed.start();

        const auto start = std::chrono::steady_clock::now();
        const auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
        std::uint64_t events = 0, last_events = 0;
        double next_line = 1;
        const auto status_line = [&](double t) {
            const auto h = feed.health();
            const auto sn = net::to_string(h.state);
            std::printf("t=%.0fs state=%.*s events/s=%llu gaps=%llu healed=%llu book=%s\n", t, static_cast<int>(sn.size()),
                        sn.data(), static_cast<unsigned long long>(events - last_events),
                        static_cast<unsigned long long>(h.gaps), static_cast<unsigned long long>(h.healed),
                        consumer.book().needs_resync() ? "dirty" : "in-sync");
            std::fflush(stdout);
            last_events = events;
        };
        const auto drain = [&] {
            const std::size_t n = consumer.poll([&](const event&, const account_book&) { ++events; }, 1024);
            if (n == 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
        };
        while (elapsed() < seconds) {
            drain();
            if (elapsed() >= next_line) {
                status_line(next_line);
                next_line += 1;
            }
        }
        venue.pause_scenario(true);
        // The truth stands still now: wait (bounded) until the book is in sync and equal to it.
        const std::string truth_raw = venue.truth(0);
        std::string truth = truth_raw;
        if (sc.venue == market::coinm) // no accountConfig on COIN-M: the mirror knows neither flag
            truth.replace(truth.find("\"account\":"), std::string::npos,
                          "\"account\":{\"multi_assets\":null,\"dual_side_position\":null}}");
        std::string mirror;
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while (std::chrono::steady_clock::now() < deadline) {
            drain();
            const auto& book = consumer.book();
            if (book.consistent() && !book.needs_resync() && feed.health().state == net::session_state::live) {
                mirror = mirror_json(book);
                if (mirror == truth) break;
            }
        }
        feed.stop();
        const auto h = feed.health();
        const auto st = venue.current_stats();
        std::printf("frames received %llu (simulator sent %llu, %llu operations), events %llu, parse errors %llu, "
                    "gaps %llu (healed %llu), reconnects %llu, drift %llu\n",
                    static_cast<unsigned long long>(h.frames), static_cast<unsigned long long>(st.frames_sent),
                    static_cast<unsigned long long>(st.operations), static_cast<unsigned long long>(events),
                    static_cast<unsigned long long>(h.parse_errors), static_cast<unsigned long long>(h.gaps),
                    static_cast<unsigned long long>(h.healed), static_cast<unsigned long long>(h.reconnects),
                    static_cast<unsigned long long>(h.drift));
        parse::book_json_options o;
        o.include_snapshot_only = false;
        o.skip_zero = true;
        o.pretty = true;
        std::printf("mirrored book:\n%s\n", parse::book_json(consumer.book(), o).c_str());
        const bool same = mirror == truth;
        std::printf("mirror equals the simulator's truth: %s\n", same ? "yes" : "NO");
        if (!same) std::printf("truth:  %s\nmirror: %s\n", truth.c_str(), mirror_json(consumer.book()).c_str());
        venue.stop();
        return same ? 0 : 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "acctsync-sim-demo: %s\n", e.what());
        return 1;
    }
}
