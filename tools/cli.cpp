// acctsync — command-line tool.
//
//   acctsync live     the feed against a venue, a status line a second   (tools/cli_live.cpp)
//   acctsync record   the same, and every raw input into a capture file  (tools/cli_live.cpp)
//   acctsync snapshot the account once, as a table or --json            (tools/cli_snapshot.cpp)
//   acctsync replay   a capture through the parsers into a book          (tools/cli_replay.cpp)
//   acctsync parse    payloads or a capture, each event as a JSON line   (here)
//
// `acctsync COMMAND --help` for each; the flags they share mean the same everywhere
// (tools/cli_options.hpp).
//
// parse: a payload (a user-data frame, a REST snapshot body, or a WS-API response) the way the
// library does; each event as one JSON line, or the typed error as one JSON line on stderr,
// exiting non-zero on any error. KIND: user (default), account-v2, account-v3, balance-v2,
// balance-v3, position-risk-v2, position-risk-v3, symbol-config, account-config, coinm-account,
// coinm-balance, coinm-position-risk, or wsapi:METHOD (e.g. wsapi:account.status,
// wsapi:v2/account.position, wsapi:userDataStream.start). --lines: one payload per input line,
// instead of the whole input as one payload. --capture: the input is a capture of acctsync record
// (each frame and snapshot answer parsed as recorded, each status printed as it was published).
// --stats (user frames): a last JSON line on stderr with the parser's counters, including which
// reader took the frames (direct readers, fast cursor, simdjson On-Demand). --on-demand-only: the
// reference reader alone (parser_options::fast_pass = false), to cross-check the fast ones.
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "parse/json/event_json.hpp"
#include "parse/snapshot.hpp"
#include "parse/user_stream.hpp"
#include "tools/capture.hpp"
#include "tools/cli_commands.hpp"
#include "tools/cli_options.hpp"
#include "parse/vector_sink.hpp"

using namespace acctsync;

namespace {

constexpr const char* commands_help =
    "usage: acctsync COMMAND [flags]   (acctsync COMMAND --help)\n"
    "  live      mirror the account from the venue, a status line a second\n"
    "  record    live, and every frame, snapshot answer and status into a capture FILE\n"
    "  snapshot  the account once, as a table or --json\n"
    "  replay    a capture through the parsers into a book; the book's JSON at the end\n"
    "  parse     payloads or a capture, each event as a JSON line\n";

constexpr const char* parse_help =
    "usage: acctsync parse [--kind KIND] [--market usdm|coinm] [--lines | --capture] [--stats] [--on-demand-only] FILE|-\n"
    "  KIND: user (default) | account-v2 | account-v3 | balance-v2 | balance-v3 | position-risk-v2 |\n"
    "        position-risk-v3 | symbol-config | account-config | coinm-account | coinm-balance |\n"
    "        coinm-position-risk | wsapi:METHOD (account.status, v2/account.status, account.balance,\n"
    "        account.position, v2/account.position, userDataStream.start, ...)\n"
    "  --lines           one payload per input line\n"
    "  --capture         FILE is a capture of acctsync record (its market and kinds are in it)\n"
    "  --stats           user frames: the parser's counters as a last JSON line on stderr\n"
    "  --on-demand-only  the reference reader alone, to cross-check the fast ones\n";

int usage() {
    std::fputs(parse_help, stderr);
    return 2;
}

// Every record of a capture: frames and snapshot answers parsed as recorded, statuses printed.
int parse_capture(const std::string& file, const parse::parser_options& opt) {
    std::unique_ptr<tools::capture_reader> rd;
    try {
        rd = std::make_unique<tools::capture_reader>(file);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "acctsync parse: %s\n", e.what());
        return 1;
    }
    parse::user_stream_parser user(opt);
    parse::snapshot_parser snap;
    int status = 0;
    tools::capture_record r;
    while (rd->next(r)) {
        parse::vector_sink out;
        parse::parse_result res;
        if (r.kind == tools::capture_kind::frame) {
            parse::stream_context ctx;
            ctx.venue = rd->venue();
            ctx.account = static_cast<std::uint16_t>(r.frame_account < 0 ? 0 : r.frame_account); // -1: published nothing live
            ctx.recv_ns = r.recv_ns;
            res = user.parse(r.bytes.data(), r.bytes.size(), ctx, out.sink());
        } else if (r.kind == tools::capture_kind::snapshot) {
            res = r.wsapi ? snap.parse_wsapi(r.bytes.data(), r.bytes.size(), r.request, out.sink())
                          : snap.parse_rest(r.bytes.data(), r.bytes.size(), r.request, out.sink());
        } else {
            event ev;
            reset_event(ev, event_type::stream_status, rd->venue(), r.account);
            ev.header.recv_time_ns = r.recv_ns;
            ev.payload.status.kind = r.status;
            ev.payload.status.exchange_code = r.exchange_code;
            (void)ev.payload.status.detail.assign(r.bytes.substr(0, text_string::capacity));
            out.events.push_back(ev);
        }
        for (const auto& ev : out.events) std::printf("%s\n", parse::event_json(ev).c_str());
        if (!res.ok()) {
            std::fprintf(stderr, "%s\n", parse::error_json(res).c_str());
            status = 1;
        }
    }
    if (!rd->error().empty()) {
        std::fprintf(stderr, "acctsync parse: %s: %s\n", file.c_str(), rd->error().c_str());
        return 1;
    }
    return status;
}

int cmd_parse(int argc, char** argv) {
    std::string kind = "user", file;
    market venue = market::usdm;
    bool lines = false, stats = false, on_demand_only = false, capture = false, market_given = false;
    const auto bad = [](const std::string& why) {
        std::fprintf(stderr, "acctsync parse: %s\n", why.c_str());
        return usage();
    };
    for (int i = 0; i < argc; ++i) {
        const std::string a = argv[i];
        std::string err;
        if (a == "--kind") {
            if (auto v = tools::flag_value(argc, argv, i, err)) kind = *v;
        } else if (a == "--market") { // the same flag, and the same words, as every other command's
            if (auto v = tools::flag_value(argc, argv, i, err)) {
                market_given = true;
                if (*v == "usdm") venue = market::usdm;
                else if (*v == "coinm") venue = market::coinm;
                else err = "--market is usdm or coinm, not '" + *v + "'";
            }
        } else if (a == "--lines") lines = true;
        else if (a == "--capture") capture = true;
        else if (a == "--help" || a == "-h") {
            std::fputs(parse_help, stdout);
            return 0;
        } else if (a == "--stats") stats = true;
        else if (a == "--on-demand-only") on_demand_only = true;
        else if (!a.empty() && a[0] == '-' && a != "-") err = "unknown option " + a;
        else if (file.empty()) file = a;
        else err = "one input only (" + file + " and " + a + ")";
        if (!err.empty()) return bad(err);
    }
    if (file.empty()) return usage();
    if (capture) {
        if (kind != "user" || lines || stats || market_given) {
            std::fprintf(stderr, "acctsync parse: --capture reads the market and each record's kind from the capture; "
                                 "--kind, --market, --lines and --stats do not apply\n");
            return 2;
        }
        parse::parser_options opt;
        opt.fast_pass = !on_demand_only;
        return parse_capture(file, opt);
    }

    std::string input;
    if (file == "-") {
        input.assign(std::istreambuf_iterator<char>(std::cin), {});
    } else {
        std::ifstream f(file, std::ios::binary);
        if (!f) {
            std::fprintf(stderr, "acctsync: cannot open %s\n", file.c_str());
            return 2;
        }
        input.assign(std::istreambuf_iterator<char>(f), {});
    }

    const bool wsapi = kind.rfind("wsapi:", 0) == 0;
    snapshot_kind snap_kind = snapshot_kind::unknown;
    if (wsapi) {
        const std::string method = kind.substr(6);
        snap_kind = parse::kind_from_wsapi_method(method, venue);
        if (snap_kind == snapshot_kind::unknown && method.rfind("userDataStream.", 0) != 0) {
            std::fprintf(stderr, "acctsync: unknown WS-API method %s\n", method.c_str());
            return 2;
        }
    } else if (kind != "user") {
        snap_kind = parse::kind_from_name(kind);
        if (snap_kind == snapshot_kind::unknown) {
            std::fprintf(stderr, "acctsync: unknown kind %s\n", kind.c_str());
            return usage();
        }
        if (snap_kind == snapshot_kind::coinm_account || snap_kind == snapshot_kind::coinm_balance ||
            snap_kind == snapshot_kind::coinm_position_risk) {
            if (market_given && venue != market::coinm) {
                std::fprintf(stderr, "acctsync parse: --kind %s is a COIN-M body, not --market usdm\n", kind.c_str());
                return 2;
            }
            venue = market::coinm;
        }
    }

    std::vector<std::string> payloads;
    if (lines) {
        std::istringstream in(input);
        for (std::string l; std::getline(in, l);)
            if (l.find_first_not_of(" \t\r") != std::string::npos) payloads.push_back(l);
    } else {
        payloads.push_back(input);
    }

    parse::parser_options opt;
    opt.fast_pass = !on_demand_only;
    parse::user_stream_parser user(opt);
    parse::snapshot_parser snap;
    int status = 0;
    std::uint64_t snapshot_id = 0;
    for (auto& p : payloads) {
        const std::size_t n = p.size();
        p.resize(n + parse::payload_padding, '\0');
        parse::vector_sink out;
        parse::parse_result r;
        parse::wsapi_envelope env;
        if (kind == "user") {
            parse::stream_context ctx;
            ctx.venue = venue;
            r = user.parse(p.data(), n, ctx, out.sink());
        } else {
            parse::snapshot_request req;
            req.kind = snap_kind;
            req.venue = venue;
            req.snapshot_id = ++snapshot_id;
            r = wsapi ? snap.parse_wsapi(p.data(), n, req, out.sink(), &env) : snap.parse_rest(p.data(), n, req, out.sink());
        }
        for (const auto& ev : out.events) std::printf("%s\n", parse::event_json(ev).c_str());
        if (wsapi && r.ok() && !env.listen_key.empty()) std::printf("{\"listen_key\":\"%.*s\"}\n", static_cast<int>(env.listen_key.size()), env.listen_key.data());
        if (!r.ok()) {
            std::fprintf(stderr, "%s\n", parse::error_json(r).c_str());
            status = 1;
        }
    }
    if (stats && kind == "user") {
        const auto& c = user.counters();
        std::fprintf(stderr,
                     "{\"frames\":%llu,\"events\":%llu,\"errors\":%llu,\"direct_readers\":%llu,\"fast_cursor\":%llu,"
                     "\"on_demand\":%llu,\"unknown_events\":%llu,\"ignored_events\":%llu}\n",
                     static_cast<unsigned long long>(c.frames), static_cast<unsigned long long>(c.events),
                     static_cast<unsigned long long>(c.errors), static_cast<unsigned long long>(c.direct_frames),
                     static_cast<unsigned long long>(c.fast_frames - c.direct_frames),
                     static_cast<unsigned long long>(c.frames - c.fast_frames - c.errors - c.sink_full),
                     static_cast<unsigned long long>(c.unknown_events), static_cast<unsigned long long>(c.ignored_events));
    }
    return status;
}

} // namespace

int main(int argc, char** argv) {
    const std::string cmd = argc >= 2 ? argv[1] : "";
    if (cmd == "parse") return cmd_parse(argc - 2, argv + 2);
    if (cmd == "live") return tools::cmd_live(argc - 2, argv + 2);
    if (cmd == "record") return tools::cmd_record(argc - 2, argv + 2);
    if (cmd == "snapshot") return tools::cmd_snapshot(argc - 2, argv + 2);
    if (cmd == "replay") return tools::cmd_replay(argc - 2, argv + 2);
    if (cmd == "--help" || cmd == "-h" || cmd == "help") {
        std::fputs(commands_help, stdout);
        return 0;
    }
    if (!cmd.empty()) std::fprintf(stderr, "acctsync: unknown command '%s'\n", cmd.c_str());
    std::fputs(commands_help, stderr);
    return 2;
}
