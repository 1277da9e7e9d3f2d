// acctsync replay — a capture of `acctsync record` through the same pipeline as the live run:
// each frame through parse::user_stream_parser, each snapshot answer through
// parse::snapshot_parser, each of the feed's status events as it was, into an spsc_ring and
// from it into an account_book per account; at the end, each account's book as JSON (one line
// per account on stdout). With the stamps of the live run, the books end where the live books
// ended (tests/cli_capture_test.cpp checks it). --speed X replays at X times the recorded pace
// (default 1); --max as fast as it can. --consumer K: the book consumer K had (the snapshots and
// statuses that went to it; default 0). Frames the live feed published nothing of (a parse
// error, a key its connection does not carry) are skipped, as they were live; each frame's
// events go to the account they were published for.
//
// Exit: 0 when every book is in sync at the end, 1 when one is not or the capture is malformed,
// 2 for a bad command line.
#include <chrono>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "core/spsc_ring.hpp"
#include "parse/event_sink.hpp"
#include "parse/snapshot.hpp"
#include "parse/user_stream.hpp"
#include "tools/capture.hpp"
#include "tools/cli_commands.hpp"
#include "tools/cli_options.hpp"

namespace acctsync::tools {

namespace {

constexpr const char* replay_flags_help =
    "  --speed X             replay at X times the recorded pace (default 1)\n"
    "  --max                 as fast as possible\n"
    "  --consumer K          the book of the feed's consumer K (default 0)\n";

std::string replay_usage() {
    return std::string("usage: acctsync replay FILE [--speed X | --max] [flags]: a capture of acctsync record through\n"
                       "       the parsers into a book per account; each book's JSON on stdout at the end\n") +
           replay_flags_help + output_flags_help + "  (--json-out FILE: account 0's book)\n";
}

int usage(const std::string& why) {
    std::fprintf(stderr, "acctsync replay: %s\n%s", why.c_str(), replay_usage().c_str());
    return 2;
}

} // namespace

int cmd_replay(int argc, char** argv) {
    std::string file;
    output_options out;
    double speed = 1;
    int consumer = 0;
    for (int i = 0; i < argc; ++i) {
        const std::string a = argv[i];
        std::string err;
        if (take_output_flag(argc, argv, i, out, err)) {
        } else if (a == "--max") speed = 0;
        else if (a == "--speed") {
            const auto v = flag_value(argc, argv, i, err);
            const auto x = v ? non_negative(*v) : std::nullopt;
            if (x && *x > 0) speed = *x;
            else if (err.empty()) err = "--speed needs a factor > 0";
        } else if (a == "--consumer") {
            const auto v = flag_value(argc, argv, i, err);
            const auto x = v ? non_negative(*v) : std::nullopt;
            if (x && *x < 64 && *x == static_cast<int>(*x)) consumer = static_cast<int>(*x);
            else if (err.empty()) err = "--consumer needs a consumer index (0..63)";
        } else if (a == "--help" || a == "-h") {
            std::fputs(replay_usage().c_str(), stdout);
            return 0;
        } else if (file.empty() && !a.empty() && a[0] != '-') file = a;
        else err = "unknown option " + a;
        if (!err.empty()) return usage(err);
    }
    if (file.empty()) return usage("which capture? acctsync replay FILE");
    std::unique_ptr<capture_reader> rd;
    try {
        rd = std::make_unique<capture_reader>(file);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "acctsync replay: %s\n", e.what());
        return 1;
    }
    const market venue = rd->venue();
    parse::user_stream_parser stream;
    parse::snapshot_parser snapshots;
    spsc_ring<event> ring(1 << 16);
    const auto sink = parse::event_sink::of(ring);
    std::vector<std::unique_ptr<account_book>> books;
    auto book_of = [&](std::size_t a) -> account_book& {
        while (books.size() <= a) books.push_back(std::make_unique<account_book>());
        return *books[a];
    };
    book_of(0);
    std::uint64_t records = 0, frames = 0, skipped = 0, frame_errors = 0, snapshot_errors = 0;
    std::int64_t first_ns = 0;
    const auto wall_start = std::chrono::steady_clock::now();
    capture_record r;
    while (rd->next(r)) {
        ++records;
        if (speed > 0) { // the recorded pace, scaled
            if (first_ns == 0) first_ns = r.recv_ns;
            const auto due = wall_start + std::chrono::nanoseconds(static_cast<std::int64_t>(
                                              static_cast<double>(r.recv_ns - first_ns) / speed));
            std::this_thread::sleep_until(due);
        }
        const bool mine = (r.consumers >> consumer & 1) != 0;
        switch (r.kind) {
        case capture_kind::frame: {
            ++frames;
            if (r.frame_account < 0) { // the live feed published nothing of it
                ++skipped;
                break;
            }
            parse::stream_context ctx;
            ctx.venue = venue;
            ctx.account = static_cast<std::uint16_t>(r.frame_account); // as routed live
            ctx.recv_ns = r.recv_ns;
            if (!stream.parse(r.bytes.data(), r.bytes.size(), ctx, sink).ok()) ++frame_errors; // its status follows
            break;
        }
        case capture_kind::snapshot: {
            if (!mine) break;
            const auto res = r.wsapi ? snapshots.parse_wsapi(r.bytes.data(), r.bytes.size(), r.request, sink)
                                     : snapshots.parse_rest(r.bytes.data(), r.bytes.size(), r.request, sink);
            if (!res.ok()) ++snapshot_errors;
            break;
        }
        case capture_kind::status: {
            if (!mine) break;
            event* ev = ring.claim();
            if (ev == nullptr) break; // never: the ring is drained after every record
            reset_event(*ev, event_type::stream_status, venue, r.account);
            ev->header.recv_time_ns = r.recv_ns;
            ev->payload.status.kind = r.status;
            ev->payload.status.exchange_code = r.exchange_code;
            (void)ev->payload.status.detail.assign(r.bytes.substr(0, text_string::capacity));
            ring.commit();
            break;
        }
        }
        (void)ring.drain([&](const event& ev) { (void)book_of(ev.header.account).apply(ev); });
    }
    int status = 0;
    if (!rd->error().empty()) {
        std::fprintf(stderr, "acctsync replay: %s: %s\n", file.c_str(), rd->error().c_str());
        status = 1;
    }
    for (std::size_t a = 0; a < books.size(); ++a) {
        const auto& b = *books[a];
        std::printf("%s\n", book_json_of(out, b).c_str());
        if (b.needs_resync() || !b.consistent()) {
            std::fprintf(stderr, "acctsync replay: account %zu's book is not in sync at the end (dirty scopes %u)\n", a,
                         static_cast<unsigned>(b.dirty_scopes()));
            status = 1;
        }
    }
    if (!write_book_json(out, *books[0], "replay")) status = 1;
    std::fprintf(stderr,
                 "acctsync replay: %llu records, %llu frames (%llu published nothing live, skipped; %llu did not parse), "
                 "%llu unparsable snapshots, %zu account(s)\n",
                 static_cast<unsigned long long>(records), static_cast<unsigned long long>(frames),
                 static_cast<unsigned long long>(skipped), static_cast<unsigned long long>(frame_errors),
                 static_cast<unsigned long long>(snapshot_errors), books.size());
    return status;
}

} // namespace acctsync::tools
