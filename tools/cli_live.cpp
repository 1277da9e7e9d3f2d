// acctsync live — the feed against a venue, with a status line a second and the final book.
//
//   acctsync live [--market usdm|coinm] [--testnet] [--snapshot rest|wsapi] [--key-file FILE]
//                 [--rest-url URL] [--ws-url URL] [--wsapi-url URL] [--ca-file PEM] [--connect-to ADDR]
//                 [--duration SECONDS] [--json-out FILE] [--json-full] [--give-up-after SECONDS]
//                 [--busy-poll] [--pin-core N]
//
// Keys: --key-file (name=value lines: api_key, api_secret or private_key_file), else the
// environment (BINANCE_API_KEY with BINANCE_API_SECRET or BINANCE_PRIVATE_KEY_FILE). Neither the
// key nor the secret is ever printed or written. URLs are bases (scheme, host, port); the
// market's paths are appended. Exit: 0 when the book was in sync at the end; 1 when it was not,
// when the venue refused the key or the certificate did not verify (retrying cannot help), or
// when the feed never went live within --give-up-after; 2 for a bad command line or no key.
//
// The feed underneath never gives up (net/feed.hpp); this tool does, so a script gets an answer.
#include "tools/cli_live.hpp"

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
#include "parse/book_json.hpp"

namespace acctsync::tools {

namespace {

volatile std::sig_atomic_t g_stop = 0;
extern "C" void on_signal(int) { g_stop = 1; }

constexpr const char* live_usage =
    "usage: acctsync live [--market usdm|coinm] [--testnet] [--snapshot rest|wsapi] [--key-file FILE]\n"
    "                     [--rest-url URL] [--ws-url URL] [--wsapi-url URL] [--ca-file PEM] [--connect-to ADDR]\n"
    "                     [--duration SECONDS] [--json-out FILE] [--json-full] [--give-up-after SECONDS]\n"
    "                     [--busy-poll] [--pin-core N]\n"
    "  keys: --key-file FILE, or BINANCE_API_KEY with BINANCE_API_SECRET (HMAC) or BINANCE_PRIVATE_KEY_FILE\n"
    "  URLs are bases such as https://fapi.binance.com or wss://fstream.binance.com; paths are appended\n"
    "  --json-out FILE: the final book in the canonical book JSON (stream-visible fields, zero rows left\n"
    "                   out, as the simulator's truth); --json-full adds snapshot-only fields and zero rows\n"
    "  --give-up-after: exit 1 if not live within this many seconds of the start (default 30; 0 = never)\n";

int usage(const std::string& why) {
    std::fprintf(stderr, "acctsync live: %s\n%s", why.c_str(), live_usage);
    return 2;
}

std::optional<double> seconds_of(const char* s) {
    double v = 0;
    const auto [p, ec] = std::from_chars(s, s + std::strlen(s), v);
    if (ec != std::errc{} || *p != '\0' || v < 0) return std::nullopt;
    return v;
}

struct live_options {
    market venue = market::usdm;
    bool testnet = false;
    net::snapshot_source snapshots = net::snapshot_source::rest;
    std::string key_file, rest_url, ws_url, wsapi_url, ca_file, connect_to, json_out;
    bool json_full = false, busy_poll = false;
    double duration = 0, give_up_after = 30;
    int pin_core = -1;
};

// Parses argv into `o`; returns an error message, or empty when the line is good.
std::string parse_args(int argc, char** argv, live_options& o) {
    for (int i = 0; i < argc; ++i) {
        const std::string a = argv[i];
        const auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
        const auto text = [&](std::string& dst) -> std::string {
            const char* v = value();
            if (v == nullptr) return a + " needs a value";
            dst = v;
            return {};
        };
        const auto secs = [&](double& dst) -> std::string {
            const char* v = value();
            const auto s = v ? seconds_of(v) : std::nullopt;
            if (!s) return a + " needs a number of seconds";
            dst = *s;
            return {};
        };
        std::string err;
        if (a == "--market") {
            std::string m;
            err = text(m);
            if (err.empty() && m == "usdm") o.venue = market::usdm;
            else if (err.empty() && m == "coinm") o.venue = market::coinm;
            else if (err.empty()) err = "--market is usdm or coinm, not '" + m + "'";
        } else if (a == "--snapshot") {
            std::string m;
            err = text(m);
            if (err.empty() && m == "rest") o.snapshots = net::snapshot_source::rest;
            else if (err.empty() && m == "wsapi") o.snapshots = net::snapshot_source::wsapi;
            else if (err.empty()) err = "--snapshot is rest or wsapi, not '" + m + "'";
        } else if (a == "--testnet") o.testnet = true;
        else if (a == "--key-file") err = text(o.key_file);
        else if (a == "--rest-url") err = text(o.rest_url);
        else if (a == "--ws-url") err = text(o.ws_url);
        else if (a == "--wsapi-url") err = text(o.wsapi_url);
        else if (a == "--ca-file") err = text(o.ca_file);
        else if (a == "--connect-to") err = text(o.connect_to);
        else if (a == "--json-out") err = text(o.json_out);
        else if (a == "--json-full") o.json_full = true;
        else if (a == "--busy-poll") o.busy_poll = true;
        else if (a == "--duration") err = secs(o.duration);
        else if (a == "--give-up-after") err = secs(o.give_up_after);
        else if (a == "--pin-core") {
            const char* v = value();
            int n = -1;
            if (v == nullptr || std::from_chars(v, v + std::strlen(v), n).ec != std::errc{} || n < 0)
                err = "--pin-core needs a core number";
            o.pin_core = n;
        } else if (a == "--help" || a == "-h") err = "help";
        else err = "unknown option " + a;
        if (!err.empty()) return err;
    }
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
        const auto e = f.last_error();
        if (e.count != 0) std::printf(" last_error=\"%s: %s\"", e.where.c_str(), e.message.c_str());
    }
    std::printf("\n");
    std::fflush(stdout);
}

} // namespace

int cmd_live(int argc, char** argv) {
    live_options o;
    if (const std::string err = parse_args(argc, argv, o); !err.empty()) {
        if (err == "help") {
            std::fputs(live_usage, stdout);
            return 0;
        }
        return usage(err);
    }
    const auto creds = o.key_file.empty() ? net::credentials_from_env() : net::credentials_from_file(o.key_file);
    if (!creds.value) {
        std::fprintf(stderr, "acctsync live: no API key: %s\n  (--key-file FILE, or BINANCE_API_KEY with "
                             "BINANCE_API_SECRET or BINANCE_PRIVATE_KEY_FILE)\n",
                     creds.error.c_str());
        return 2;
    }

    auto cfg = net::feed_config::for_venue(o.venue, o.testnet);
    cfg.creds = *creds.value;
    cfg.snapshots = o.snapshots;
    if (!o.rest_url.empty()) cfg.rest_url = o.rest_url;
    if (!o.ws_url.empty()) cfg.ws_url = o.ws_url;
    if (!o.wsapi_url.empty()) cfg.wsapi_url = o.wsapi_url;
    if (!o.ca_file.empty()) cfg.tls.ca_file = o.ca_file;
    cfg.connect_to = o.connect_to;
    cfg.mode = o.busy_poll ? net::read_mode::busy_poll : net::read_mode::event_driven;
    cfg.pin_core = o.pin_core;

    std::optional<net::feed> feed;
    try {
        feed.emplace(std::move(cfg));
    } catch (const std::exception& e) { // a bad URL, an unreadable CA file
        std::fprintf(stderr, "acctsync live: %s\n", e.what());
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
        events_at_last_line = events;
        next_line += 1;
        if (const auto e = f.last_error(); e.permanent && h.state != net::session_state::live) {
            std::fprintf(stderr, "acctsync live: %s: %s — retrying cannot help: check the key, its permissions and "
                                 "IP whitelist, or the CA file\n",
                         e.where.c_str(), e.message.c_str());
            status = 1;
            break;
        }
        if (!was_live && o.give_up_after > 0 && t >= o.give_up_after) {
            const auto e = f.last_error();
            std::fprintf(stderr, "acctsync live: not live after %.0f s (%s)%s%s%s\n", t,
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
        std::fprintf(stderr, "acctsync live: the book was not in sync at the end (dirty scopes %u)\n",
                     static_cast<unsigned>(book.dirty_scopes()));
        status = 1;
    }
    if (!o.json_out.empty()) {
        parse::book_json_options jo;
        jo.include_snapshot_only = o.json_full;
        jo.skip_zero = !o.json_full;
        std::ofstream out(o.json_out, std::ios::binary | std::ios::trunc);
        out << parse::book_json(book, jo) << '\n';
        if (!out) {
            std::fprintf(stderr, "acctsync live: cannot write %s\n", o.json_out.c_str());
            return 1;
        }
    }
    std::printf("acctsync live: %s after %.1f s, %llu events, %llu gaps (%llu healed)\n",
                status == 0 ? "in sync" : "NOT in sync", elapsed(), static_cast<unsigned long long>(events),
                static_cast<unsigned long long>(f.health().gaps), static_cast<unsigned long long>(f.health().healed));
    return status;
}

} // namespace acctsync::tools
