// acctsync snapshot — the account once, from REST (or the WebSocket API), as a table or --json:
// the snapshot a feed starts from (net::snapshot_kinds), parsed by the library's snapshot
// parser into an account_book, with no stream. A failed request is reported with Binance's code
// and message and exit status 1.
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include "core/spsc_ring.hpp"
#include "net/rest_client.hpp"
#include "net/wsapi_client.hpp"
#include "parse/json/event_json.hpp"
#include "parse/event_sink.hpp"
#include "parse/payload.hpp"
#include "parse/snapshot.hpp"
#include "tools/book_table.hpp"
#include "tools/cli_commands.hpp"
#include "tools/cli_options.hpp"

namespace acctsync::tools {

namespace {

std::string snapshot_usage() {
    return std::string("usage: acctsync snapshot [flags]: the account once, as a table (or --json)\n") + venue_flags_help +
           "  --json                the book as JSON on stdout instead of the table\n" + output_flags_help;
}

int usage(const std::string& why) {
    std::fprintf(stderr, "acctsync snapshot: %s\n%s", why.c_str(), snapshot_usage().c_str());
    return 2;
}

std::string describe(const net::rest_error& e) {
    std::string s = std::string(net::to_string(e.code)) + (e.message.empty() ? "" : ": " + e.message);
    if (e.binance_code != 0) s = "code " + std::to_string(e.binance_code) + ": " + s;
    if (e.http_status != 0) s = "HTTP " + std::to_string(e.http_status) + ", " + s;
    return s;
}

} // namespace

int cmd_snapshot(int argc, char** argv) {
    venue_options v;
    output_options out;
    bool json = false;
    for (int i = 0; i < argc; ++i) {
        const std::string a = argv[i];
        std::string err;
        if (take_venue_flag(argc, argv, i, v, err) || take_output_flag(argc, argv, i, out, err)) {
        } else if (a == "--json") json = true;
        else if (a == "--help" || a == "-h") {
            std::fputs(snapshot_usage().c_str(), stdout);
            return 0;
        } else err = "unknown option " + a;
        if (!err.empty()) return usage(err);
    }
    const auto creds = load_credentials(v, "snapshot");
    if (!creds) return 2;
    const auto cfg = feed_config_of(v, *creds);
    try {
        net::tls_context tls(cfg.tls);
        net::rest_config rc;
        rc.base_url = cfg.rest_url;
        rc.venue = cfg.venue;
        rc.creds = cfg.creds;
        rc.recv_window_ms = cfg.recv_window_ms;
        rc.http.connect_to = cfg.connect_to;
        net::rest_client rest(tls, rc);
        std::unique_ptr<net::wsapi_client> wsapi;
        if (cfg.snapshots == net::snapshot_source::wsapi) {
            net::wsapi_config w;
            w.base_url = cfg.wsapi_url;
            w.venue = cfg.venue;
            w.creds = cfg.creds;
            w.recv_window_ms = cfg.recv_window_ms;
            w.ws.connect_to = cfg.connect_to;
            wsapi = std::make_unique<net::wsapi_client>(tls, std::move(w));
        }
        if (const auto t = rest.sync_time(); !t.error.ok()) {
            std::fprintf(stderr, "acctsync snapshot: GET time: %s\n", describe(t.error).c_str());
            return 1;
        }
        account_book book(cfg.book, cfg.drift_grace_ms);
        spsc_ring<event> ring(1 << 16);
        parse::snapshot_parser parser;
        std::uint64_t id = 0;
        for (const auto kind : net::snapshot_kinds(cfg.venue, cfg.snapshots)) {
            const bool by_wsapi = parse::path_of(kind).empty();
            const auto sent_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                     std::chrono::system_clock::now().time_since_epoch()).count();
            std::string body;
            std::int64_t sent_ms = 0;
            if (by_wsapi) {
                wsapi->set_time_offset_ms(rest.time_offset_ms());
                auto r = wsapi->snapshot(kind);
                if (!r.error.ok()) {
                    std::fprintf(stderr, "acctsync snapshot: WS-API %s: %s\n", std::string(to_string(kind)).c_str(),
                                 describe(r.error).c_str());
                    return 1;
                }
                body = std::move(r.frame);
                sent_ms = r.sent_ms;
            } else {
                auto r = rest.snapshot(kind);
                if (!r.error.ok()) {
                    std::fprintf(stderr, "acctsync snapshot: GET %s: %s\n", std::string(parse::path_of(kind)).c_str(),
                                 describe(r.error).c_str());
                    return 1;
                }
                body = std::move(r.body);
                sent_ms = r.sent_ms;
            }
            const std::size_t n = body.size();
            body.resize(n + parse::payload_padding);
            parse::snapshot_request req;
            req.kind = by_wsapi ? parse::kind_from_wsapi_method(
                                      kind == snapshot_kind::wsapi_account_status ? "account.status" : "account.position", cfg.venue)
                                : kind;
            req.venue = cfg.venue;
            req.snapshot_id = ++id;
            req.as_of_ms = sent_ms - rest.time_uncertainty_ms();
            req.request_sent_ns = sent_ns;
            req.recv_ns = sent_ns;
            const auto sink = parse::event_sink::of(ring);
            const auto r = by_wsapi ? parser.parse_wsapi(body.data(), n, req, sink) : parser.parse_rest(body.data(), n, req, sink);
            if (!r.ok()) {
                std::fprintf(stderr, "acctsync snapshot: %s: unparsable answer: %s\n", std::string(to_string(kind)).c_str(),
                             parse::error_json(r).c_str());
                return 1;
            }
            (void)ring.drain([&](const event& ev) { (void)book.apply(ev); });
        }
        if (!write_book_json(out, book, "snapshot")) return 1;
        if (json) std::printf("%s\n", book_json_of(out, book).c_str());
        else std::fputs(book_table(book).c_str(), stdout);
        return 0;
    } catch (const std::exception& e) { // a bad URL, an unreadable CA file
        std::fprintf(stderr, "acctsync snapshot: %s\n", e.what());
        return 2;
    }
}

} // namespace acctsync::tools
