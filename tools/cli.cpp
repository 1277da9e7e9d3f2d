// acctsync — command-line tool.
//
//   acctsync live ...   the feed against a venue (tools/cli_live.cpp; acctsync live --help)
//   acctsync parse [--kind KIND] [--market usdm|coinm] [--lines] [--stats] [--on-demand-only] FILE|-
//
// Parses a payload (a user-data frame, a REST snapshot body, or a WS-API response) the way the
// library does and prints each event as one JSON line, or the typed error as one JSON line on
// stderr, exiting non-zero on any error. KIND: user (default), account-v2, account-v3, balance-v2,
// balance-v3, position-risk-v2, position-risk-v3, symbol-config, account-config, coinm-account,
// coinm-balance, coinm-position-risk, or wsapi:METHOD (e.g. wsapi:account.status,
// wsapi:v2/account.position, wsapi:userDataStream.start). --lines: one payload per input line
// (a capture), instead of the whole input as one payload. --stats (user frames): a last JSON line
// on stderr with the parser's counters, including which reader took the frames (direct readers,
// fast cursor, simdjson On-Demand). --on-demand-only: the reference reader alone
// (parser_options::fast_pass = false), to cross-check the fast ones on a capture.
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "parse/event_json.hpp"
#include "parse/snapshot.hpp"
#include "parse/user_stream.hpp"
#include "tools/cli_live.hpp"

using namespace acctsync;

namespace {

int usage() {
    std::fputs("usage: acctsync live [--market usdm|coinm] [--testnet] [--snapshot rest|wsapi] ... (acctsync live --help)\n"
               "       acctsync parse [--kind KIND] [--market usdm|coinm] [--lines] [--stats] [--on-demand-only] FILE|-\n"
               "  KIND: user (default) | account-v2 | account-v3 | balance-v2 | balance-v3 | position-risk-v2 |\n"
               "        position-risk-v3 | symbol-config | account-config | coinm-account | coinm-balance |\n"
               "        coinm-position-risk | wsapi:METHOD (account.status, v2/account.status, account.balance,\n"
               "        account.position, v2/account.position, userDataStream.start, ...)\n",
               stderr);
    return 2;
}

int cmd_parse(int argc, char** argv) {
    std::string kind = "user", file;
    market venue = market::usdm;
    bool lines = false, stats = false, on_demand_only = false;
    for (int i = 0; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--kind" && i + 1 < argc) kind = argv[++i];
        else if (a == "--market" && i + 1 < argc) {
            const std::string m = argv[++i];
            if (m == "usdm") venue = market::usdm;
            else if (m == "coinm") venue = market::coinm;
            else return usage();
        } else if (a == "--lines") lines = true;
        else if (a == "--stats") stats = true;
        else if (a == "--on-demand-only") on_demand_only = true;
        else if (!a.empty() && a[0] == '-' && a != "-") return usage();
        else if (file.empty()) file = a;
        else return usage();
    }
    if (file.empty()) return usage();

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
            snap_kind == snapshot_kind::coinm_position_risk)
            venue = market::coinm;
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
    if (argc >= 2 && std::strcmp(argv[1], "parse") == 0) return cmd_parse(argc - 2, argv + 2);
    if (argc >= 2 && std::strcmp(argv[1], "live") == 0) return tools::cmd_live(argc - 2, argv + 2);
    return usage();
}
