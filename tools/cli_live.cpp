// acctsync live / acctsync record — the feed against a venue, with a status line a second and
// the final book; `record FILE` also writes every raw input of the book into a capture
// (tools/capture.hpp) for `acctsync replay`.
//
//   acctsync live   [venue flags] [--duration S] [--give-up-after S] [--busy-poll] [--pin-core N] [output flags]
//   acctsync record FILE [the same]
//
// Venue and output flags: tools/cli_options.hpp. Exit: 0 when the book was in sync at the end;
// 1 when it was not, when the venue refused the key or the certificate did not verify (retrying
// cannot help), or when the feed never went live within --give-up-after; 2 for a bad command line
// or no key.
//
// The feed underneath never gives up (net/feed.hpp); this tool does, so a script gets an answer.
#include "core/clock.hpp"
#include "tools/cli_commands.hpp"

#include <atomic>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

#include "net/feed.hpp"
#include "parse/json/book_json.hpp"
#include "tools/capture.hpp"
#include "tools/cli_options.hpp"

namespace acctsync::tools {

namespace {

volatile std::sig_atomic_t g_stop = 0;
extern "C" void on_signal(int) { g_stop = 1; }

constexpr const char* live_flags_help =
    "  --duration S          stop after S seconds (default: until Ctrl-C)\n"
    "  --give-up-after S     exit 1 if not live within S seconds of the start (default 30; 0 = never)\n"
    "  --busy-poll           the network thread spins on its sockets instead of waiting in epoll\n"
    "  --pin-core N          pin the network thread to core N\n";

std::string live_usage(bool record) {
    std::string u = record ? "usage: acctsync record FILE [flags]: acctsync live, and every frame, snapshot answer and\n"
                             "       status of the run into the capture FILE (for acctsync replay and acctsync parse --capture)\n"
                           : "usage: acctsync live [flags]: mirror the account, a status line a second\n";
    return u + venue_flags_help + live_flags_help + output_flags_help;
}

int usage(const std::string& why, bool record) {
    std::fprintf(stderr, "acctsync %s: %s\n%s", record ? "record" : "live", why.c_str(), live_usage(record).c_str());
    return 2;
}

struct live_options {
    venue_options venue;
    output_options out;
    std::string capture; // record: the capture file
    bool busy_poll = false;
    double duration = 0, give_up_after = 30;
    int pin_core = -1;
};

// Parses argv into `o`; returns an error message ("help" for --help), or empty when the line is good.
std::string parse_args(int argc, char** argv, live_options& o, bool record) {
    for (int i = 0; i < argc; ++i) {
        const std::string a = argv[i];
        std::string err;
        const auto secs = [&](double& dst) {
            const auto v = flag_value(argc, argv, i, err);
            const auto s = v ? non_negative(*v) : std::nullopt;
            if (s) dst = *s;
            else if (err.empty()) err = a + " needs a number of seconds";
        };
        if (take_venue_flag(argc, argv, i, o.venue, err) || take_output_flag(argc, argv, i, o.out, err)) {
        } else if (a == "--busy-poll") o.busy_poll = true;
        else if (a == "--duration") secs(o.duration);
        else if (a == "--give-up-after") secs(o.give_up_after);
        else if (a == "--pin-core") {
            const auto v = flag_value(argc, argv, i, err);
            int n = -1;
            if (!v || std::from_chars(v->data(), v->data() + v->size(), n).ec != std::errc{} || n < 0)
                err = "--pin-core needs a core number";
            o.pin_core = n;
        } else if (a == "--help" || a == "-h") err = "help";
        else if (record && o.capture.empty() && !a.empty() && a[0] != '-') o.capture = a;
        else err = "unknown option " + a;
        if (!err.empty()) return err;
    }
    if (record && o.capture.empty()) return "which file? acctsync record FILE";
    return {};
}

void write_status(const net::feed& f, const account_book& book, double t, std::uint64_t events_per_s) {
    const auto h = f.health();
    std::printf("t=%.0fs state=%.*s events/s=%llu frames=%llu gaps=%llu healed=%llu last_event_age_ms=%lld book=%s",
                t, static_cast<int>(net::to_string(h.state).size()), net::to_string(h.state).data(),
                static_cast<unsigned long long>(events_per_s), static_cast<unsigned long long>(h.frames),
                static_cast<unsigned long long>(h.gaps), static_cast<unsigned long long>(h.healed),
                static_cast<long long>(h.last_event_age_ms), book.needs_resync() ? "dirty" : "in-sync");
    if (h.state != net::session_state::live) {
        std::printf(" waiting_for=\"%.*s\"", static_cast<int>(h.waiting_for.size()), h.waiting_for.data());
        if (h.gap_since_ns != 0) std::printf(" gap_for_ms=%lld", static_cast<long long>((wall_ns() - h.gap_since_ns) / 1'000'000));
        const auto e = f.last_error();
        if (e.count != 0) std::printf(" last_error=\"%s: %s\"", e.where.c_str(), e.message.c_str());
    }
    std::printf("\n");
    std::fflush(stdout);
}

} // namespace

namespace {

int run_live(int argc, char** argv, bool record) {
    const char* const name = record ? "record" : "live";
    live_options o;
    if (const std::string err = parse_args(argc, argv, o, record); !err.empty()) {
        if (err == "help") {
            std::fputs(live_usage(record).c_str(), stdout);
            return 0;
        }
        return usage(err, record);
    }
    const auto creds = load_credentials(o.venue, name);
    if (!creds) return 2;
    auto cfg = feed_config_of(o.venue, *creds);
    cfg.mode = o.busy_poll ? net::read_mode::busy_poll : net::read_mode::event_driven;
    cfg.pin_core = o.pin_core;
    std::unique_ptr<capture_writer> capture;
    if (record) {
        try {
            capture = std::make_unique<capture_writer>(o.capture, cfg.venue);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "acctsync record: %s\n", e.what());
            return 2;
        }
        cfg.recorder = capture.get();
    }

    std::optional<net::feed> feed;
    try {
        feed.emplace(std::move(cfg));
    } catch (const std::exception& e) { // a bad URL, an unreadable CA file
        std::fprintf(stderr, "acctsync %s: %s\n", name, e.what());
        return 2;
    }
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);

    net::feed& f = *feed;
    auto& consumer = f.consumer(0);
    const auto start = std::chrono::steady_clock::now();
    const auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
    f.start();
    int status = 0;
    bool was_live = false;
    std::uint64_t events = 0, events_at_last_line = 0;
    double next_line = 1;
    while (g_stop == 0) {
        const std::size_t n = consumer.poll([&](const event&, const account_book&) { ++events; }, 1024);
        const double t = elapsed();
        const auto h = f.health();
        was_live = was_live || h.state == net::session_state::live;
        if (o.duration > 0 && t >= o.duration) break;
        if (t < next_line) {
            if (n == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
            continue;
        }
        // Once a second: the status line and the checks that take the feed's error lock.
        write_status(f, consumer.book(), t, events - events_at_last_line);
        if (capture && !capture->flush()) {
            std::fprintf(stderr, "acctsync record: cannot write %s\n", o.capture.c_str());
            status = 1;
            break;
        }
        events_at_last_line = events;
        next_line += 1;
        if (const auto e = f.last_error(); e.permanent && h.state != net::session_state::live) {
            std::fprintf(stderr, "acctsync %s: %s: %s — retrying cannot help: check the key, its permissions and "
                                 "IP whitelist, or the CA file\n",
                         name, e.where.c_str(), e.message.c_str());
            status = 1;
            break;
        }
        if (!was_live && o.give_up_after > 0 && t >= o.give_up_after) {
            const auto e = f.last_error();
            std::fprintf(stderr, "acctsync %s: not live after %.0f s (%s)%s%s%s\n", name, t,
                         std::string(f.health().state == net::session_state::live ? "live" : net::to_string(h.state)).c_str(),
                         e.count ? ": " : "", e.where.c_str(), e.count ? (": " + e.message).c_str() : "");
            status = 1;
            break;
        }
    }
    f.stop();
    (void)consumer.poll(~std::size_t{0}); // what was published before the stop
    const account_book& book = consumer.book();
    if (status == 0 && (book.needs_resync() || !book.consistent())) {
        std::fprintf(stderr, "acctsync %s: the book was not in sync at the end (dirty scopes %u)\n", name,
                     static_cast<unsigned>(book.dirty_scopes()));
        status = 1;
    }
    if (!write_book_json(o.out, book, name)) return 1;
    if (capture) {
        if (!capture->flush()) {
            std::fprintf(stderr, "acctsync record: cannot write %s (or out of memory: the capture is incomplete)\n",
                         o.capture.c_str());
            status = 1;
        }
        std::printf("acctsync record: %llu records in %s\n", static_cast<unsigned long long>(capture->records()),
                    o.capture.c_str());
    }
    std::printf("acctsync %s: %s after %.1f s, %llu events, %llu gaps (%llu healed)\n", name,
                status == 0 ? "in sync" : "NOT in sync", elapsed(), static_cast<unsigned long long>(events),
                static_cast<unsigned long long>(f.health().gaps), static_cast<unsigned long long>(f.health().healed));
    return status;
}

} // namespace

int cmd_live(int argc, char** argv) { return run_live(argc, argv, false); }
int cmd_record(int argc, char** argv) { return run_live(argc, argv, true); }

} // namespace acctsync::tools
