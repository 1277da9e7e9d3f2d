// acctsync-sim-demo — the product path end to end against the exchange simulator, over TLS on
// loopback: acctsync-sim in-process, and net::feed exactly as a trading engine embeds it (its
// network thread reads the private user-data WebSocket and publishes into the consumer's ring,
// its control thread takes the REST or WS-API snapshots); this thread is the strategy thread,
// draining its ring into its account_book.
//
// On a terminal, a live view redrawn in place five times a second: stream state, events/s,
// latency percentiles (the simulator's write of a frame → the book having applied it, both
// stamps on the wall clock of this one process), gaps detected and healed, drift, the modes, the
// balances and the positions by side with their leverage. Not a terminal (or --plain): one
// status line a second. After --duration (or Ctrl-C) the scenario is paused, and once the book
// is in sync it is compared with the simulator's truth. Exit status 0 iff they are equal.
//
//   acctsync-sim-demo [--duration S] [--rate OPS_PER_S] [--faults LIST --fault-rate P] [--hedge]
//                     [--venue usdm|coinm] [--seed S] [--busy-poll] [--snapshot rest|wsapi] [--plain]
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

#include "core/clock.hpp"
#include "core/account_book.hpp"
#include "net/feed.hpp"
#include "parse/json/book_json.hpp"
#include "tools/book_table.hpp"
#include "tools/latency_histogram.hpp"
#include "tools/sim/loopback_feed.hpp"
#include "tools/sim/server.hpp"

using namespace acctsync;

namespace {

volatile std::sig_atomic_t g_stop = 0;
extern "C" void on_signal(int) { g_stop = 1; }

constexpr const char* usage_text =
    "usage: acctsync-sim-demo [--duration S] [--rate OPS_PER_S] [--faults LIST --fault-rate P] [--hedge]\n"
    "                         [--venue usdm|coinm] [--seed S] [--busy-poll] [--snapshot rest|wsapi] [--plain]\n"
    "  --duration S     run the scenario S seconds (default 3; --seconds is the same), then compare\n"
    "  --rate N         simulator operations per second (default 300)\n"
    "  --faults LIST    simulator faults, comma-separated (acctsync-sim --help lists them)\n"
    "  --fault-rate P   the chance of a fault per frame or request\n"
    "  --plain          status lines instead of the live view, also on a terminal\n";

int usage(const std::string& why) {
    if (!why.empty()) std::fprintf(stderr, "acctsync-sim-demo: %s\n", why.c_str());
    std::fputs(usage_text, stderr);
    return 2;
}

std::string mirror_json(const account_book& book) { // the truth's shape
    parse::book_json_options o;
    o.include_snapshot_only = false;
    o.skip_zero = true;
    return parse::book_json(book, o);
}

// A frame's key: its event type (the wire name's family), E and T — unique per operation and
// event type on one account (server_config::on_write; E alone is shared across types). Never 0.
std::int64_t stamp_key(int family, std::int64_t e, std::int64_t t) noexcept {
    const std::uint64_t k = (static_cast<std::uint64_t>(e) * 0x9E3779B97F4A7C15ULL) ^
                            (static_cast<std::uint64_t>(t) * 0xC2B2AE3D27D4EB4FULL) ^ static_cast<std::uint64_t>(family);
    return k == 0 ? 1 : static_cast<std::int64_t>(k);
}
int family_of(std::string_view event_name) noexcept {
    if (event_name == "ACCOUNT_UPDATE") return 1;
    if (event_name == "ACCOUNT_CONFIG_UPDATE") return 2;
    if (event_name == "ORDER_TRADE_UPDATE") return 3;
    if (event_name == "TRADE_LITE") return 4;
    return 0;
}
int family_of(event_type t) noexcept {
    switch (t) {
    case event_type::balance_update: case event_type::position_update: return 1;
    case event_type::leverage_update: case event_type::account_config_update: return 2;
    case event_type::order_update: return 3;
    case event_type::trade_lite: return 4;
    default: return 0;
    }
}

// When the simulator wrote the first frame of each operation and event type, by stamp_key:
// written on the simulator's io thread, read on this one. A slot is overwritten by a later key
// that lands on it (16 384 slots).
class write_stamps {
public:
    // A seqlock without the sequence: the slot's key is cleared before its stamp changes, so a
    // reader that sees the same key before and after reading the stamp read that key's stamp.
    void put(std::int64_t key, std::int64_t ns) noexcept {
        auto& x = slots_[index(key)];
        if (x.e.load(std::memory_order_relaxed) == key) return; // the operation's first frame counts
        x.e.store(0, std::memory_order_relaxed);
        std::atomic_thread_fence(std::memory_order_release);
        x.ns.store(ns, std::memory_order_relaxed);
        x.e.store(key, std::memory_order_release);
    }
    [[nodiscard]] std::int64_t get(std::int64_t key) const noexcept {
        const auto& x = slots_[index(key)];
        if (x.e.load(std::memory_order_acquire) != key) return -1;
        const std::int64_t ns = x.ns.load(std::memory_order_relaxed);
        std::atomic_thread_fence(std::memory_order_acquire);
        return x.e.load(std::memory_order_relaxed) == key ? ns : -1; // rewritten meanwhile: not this key's stamp
    }

private:
    static constexpr std::size_t n = 1 << 14;
    static std::size_t index(std::int64_t key) noexcept { return static_cast<std::size_t>(static_cast<std::uint64_t>(key) >> 40) & (n - 1); }
    struct slot {
        std::atomic<std::int64_t> e{0}, ns{0};
    };
    std::unique_ptr<slot[]> slots_ = std::make_unique<slot[]>(n);
};

std::string us(std::uint64_t ns) {
    char b[32];
    std::snprintf(b, sizeof b, "%.1f", static_cast<double>(ns) / 1000.0);
    return b;
}

std::string latency_line(const tools::latency_histogram& h) {
    if (h.count() == 0) return "latency: none yet";
    return "latency us (sim write -> book applied, " + std::to_string(h.count()) + " updates): p50 " + us(h.quantile(0.5)) +
           "  p90 " + us(h.quantile(0.9)) + "  p99 " + us(h.quantile(0.99)) + "  p99.9 " + us(h.quantile(0.999)) +
           "  max " + us(h.max());
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
    bool busy_poll = false, plain = isatty(STDOUT_FILENO) == 0;
    auto snapshots = net::snapshot_source::rest;
    try {
        for (int i = 1; i < argc; ++i) {
            const std::string a = argv[i];
            auto next = [&]() -> std::string {
                if (i + 1 >= argc) throw std::invalid_argument(a + " needs a value");
                return argv[++i];
            };
            if (a == "--seconds" || a == "--duration") seconds = std::stod(next());
            else if (a == "--rate") sc.rate = std::stod(next());
            else if (a == "--seed") sc.seed = std::stoull(next());
            else if (a == "--hedge") sc.hedge_mode = true;
            else if (a == "--busy-poll") busy_poll = true;
            else if (a == "--plain") plain = true;
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
            else if (a == "--help" || a == "-h") {
                std::fputs(usage_text, stdout);
                return 0;
            } else return usage("unknown option " + a);
        }
    } catch (const std::exception& e) {
        return usage(std::string("bad arguments: ") + e.what());
    }

    try {
        write_stamps stamps;
        sc.on_write = [&stamps](std::string_view name, std::int64_t e, std::int64_t t, std::int64_t ns) {
            if (const int family = family_of(name); family != 0) stamps.put(stamp_key(family, e, t), ns);
        };
        sim::server venue(sc);
        venue.start();
        const std::uint16_t port = venue.port();
        std::printf("acctsync-sim on https://localhost:%u (%s, %s mode, %.0f ops/s%s%s); mirroring account 0 for %.1f s\n",
                    port, sc.venue == market::usdm ? "USD-M" : "COIN-M", sc.hedge_mode ? "hedge" : "one-way", sc.rate,
                    sc.faults.empty() ? "" : ", faults ", sc.faults.empty() ? "" : std::to_string(sc.fault_rate).c_str(),
                    seconds);

        auto cfg = sim::loopback_feed_config(venue, sc.venue, ca_dir + "/ca.pem");
        cfg.snapshots = snapshots;
        cfg.mode = busy_poll ? net::read_mode::busy_poll : net::read_mode::event_driven;
        // The simulator pings every 3 min like Binance; with faults on, notice dead sockets sooner.
        if (!sc.faults.empty()) cfg.session.silence_timeout_ms = 5000;
        net::feed feed(std::move(cfg));
        auto& consumer = feed.consumer(0);
        std::signal(SIGINT, on_signal);
        std::signal(SIGTERM, on_signal);
        feed.start();

        const auto start = std::chrono::steady_clock::now();
        const auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
        std::uint64_t events = 0, last_events = 0;
        double rate_per_s = 0, last_rate_t = 0;
        tools::latency_histogram latency;
        bool in_snapshot = false;
        const auto on_event = [&](const event& ev, const account_book&) {
            ++events;
            switch (ev.header.type) {
            case event_type::snapshot_begin: in_snapshot = true; break;
            case event_type::snapshot_end: in_snapshot = false; break;
            case event_type::balance_update: case event_type::position_update: case event_type::leverage_update:
            case event_type::account_config_update: case event_type::order_update: case event_type::trade_lite:
                if (!in_snapshot && ev.header.last_in_update()) { // a stream update, applied just now
                    const std::int64_t w =
                        stamps.get(stamp_key(family_of(ev.header.type), ev.header.event_time_ms, ev.header.transaction_time_ms));
                    if (w > 0) latency.record(wall_ns() - w);
                }
                break;
            default: break;
            }
        };
        const auto drain = [&] {
            const std::size_t n = consumer.poll(on_event, 1024);
            if (n == 0) std::this_thread::yield(); // a strategy thread spins; yield lets the other threads of this 2-core demo run
        };
        const auto update_rate = [&](double t) {
            if (t - last_rate_t >= 1.0) {
                rate_per_s = static_cast<double>(events - last_events) / (t - last_rate_t);
                last_events = events;
                last_rate_t = t;
            }
        };
        const auto status_line = [&](double t) {
            const auto h = feed.health();
            const auto sn = net::to_string(h.state);
            std::printf("t=%.0fs state=%.*s events/s=%.0f gaps=%llu healed=%llu drift=%llu book=%s p50_us=%s p99_us=%s", t,
                        static_cast<int>(sn.size()), sn.data(), rate_per_s, static_cast<unsigned long long>(h.gaps),
                        static_cast<unsigned long long>(h.healed), static_cast<unsigned long long>(h.drift),
                        consumer.book().needs_resync() ? "dirty" : "in-sync", us(latency.quantile(0.5)).c_str(),
                        us(latency.quantile(0.99)).c_str());
            if (h.state != net::session_state::live)
                std::printf(" waiting_for=\"%.*s\"", static_cast<int>(h.waiting_for.size()), h.waiting_for.data());
            std::printf("\n");
            std::fflush(stdout);
        };
        const auto view = [&](double t) { // redrawn in place: cursor home, clear, the whole screen
            const auto h = feed.health();
            std::string out = "\x1b[H\x1b[2J";
            char line[256];
            std::snprintf(line, sizeof line,
                          "acctsync demo — %s on acctsync-sim, t=%.1f s of %.1f (Ctrl-C ends it)\n"
                          "stream: %s   events/s %.0f   frames %llu   reconnects %llu   book %s\n"
                          "gaps detected %llu, healed %llu   drift %llu   overruns %llu   parse errors %llu\n",
                          sc.venue == market::usdm ? "USD-M" : "COIN-M", t, seconds, std::string(net::to_string(h.state)).c_str(),
                          rate_per_s, static_cast<unsigned long long>(h.frames), static_cast<unsigned long long>(h.reconnects),
                          consumer.book().needs_resync() ? "DIRTY (healing)" : "in sync", static_cast<unsigned long long>(h.gaps),
                          static_cast<unsigned long long>(h.healed), static_cast<unsigned long long>(h.drift),
                          static_cast<unsigned long long>(h.overruns), static_cast<unsigned long long>(h.parse_errors));
            out += line;
            if (h.state != net::session_state::live) {
                out += "waiting for ";
                out += h.waiting_for;
                if (h.gap_since_ns != 0) out += ", events may be missing for " + std::to_string((wall_ns() - h.gap_since_ns) / 1'000'000) + " ms";
                out += "\n";
            }
            out += latency_line(latency) + "\n\n";
            if (consumer.book().consistent()) out += tools::book_table(consumer.book());
            std::fputs(out.c_str(), stdout);
            std::fflush(stdout);
        };
        double next_draw = plain ? 1 : 0.2;
        while (elapsed() < seconds && g_stop == 0) {
            drain();
            const double t = elapsed();
            update_rate(t);
            if (t >= next_draw) {
                if (plain) status_line(next_draw);
                else view(t);
                next_draw += plain ? 1 : 0.2;
            }
        }
        venue.pause_scenario(true);
        if (g_stop != 0) std::printf("\ninterrupted at t=%.1f s: pausing the scenario and comparing\n", elapsed());
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
        std::printf("%s\n", latency_line(latency).c_str());
        std::printf("mirrored book:\n%s", tools::book_table(consumer.book()).c_str());
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
