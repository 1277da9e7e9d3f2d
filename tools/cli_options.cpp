#include "tools/cli_options.hpp"

#include <charconv>
#include <cstdio>
#include <fstream>

#include "parse/json/book_json.hpp"

namespace acctsync::tools {

const char* const venue_flags_help =
    "  --market usdm|coinm   the futures market (default usdm)\n"
    "  --testnet             testnet endpoints instead of mainnet\n"
    "  --snapshot rest|wsapi where snapshots come from (default rest)\n"
    "  --key-file FILE       name=value lines: api_key, api_secret or private_key_file; else the\n"
    "                        environment: BINANCE_API_KEY with BINANCE_API_SECRET (HMAC) or\n"
    "                        BINANCE_PRIVATE_KEY_FILE (Ed25519/RSA). Neither is ever printed or written.\n"
    "  --rest-url URL --ws-url URL --wsapi-url URL\n"
    "                        bases such as https://fapi.binance.com or wss://fstream.binance.com;\n"
    "                        the market's paths are appended\n"
    "  --ca-file PEM         trust these CAs instead of the system's (certificates and host names are\n"
    "                        always verified)\n"
    "  --connect-to ADDR     dial this address instead of the URL's host (its name is still verified)\n";

const char* const output_flags_help =
    "  --json-out FILE       the final book in the canonical book JSON (stream-visible fields, zero rows\n"
    "                        left out, as the simulator's truth)\n"
    "  --json-full           with snapshot-only fields and zero rows\n";

std::optional<std::string> flag_value(int argc, char** argv, int& i, std::string& err) {
    if (i + 1 >= argc) {
        err = std::string(argv[i]) + " needs a value";
        return std::nullopt;
    }
    return std::string(argv[++i]);
}

std::optional<double> non_negative(const std::string& s) {
    double v = 0;
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || p != s.data() + s.size() || v < 0) return std::nullopt;
    return v;
}

bool take_venue_flag(int argc, char** argv, int& i, venue_options& o, std::string& err) {
    const std::string a = argv[i];
    const auto text = [&](std::string& dst) {
        if (auto v = flag_value(argc, argv, i, err)) dst = *v;
        return true;
    };
    if (a == "--market") {
        std::string m;
        text(m);
        if (m == "usdm") o.venue = market::usdm;
        else if (m == "coinm") o.venue = market::coinm;
        else if (err.empty()) err = "--market is usdm or coinm, not '" + m + "'";
        return true;
    }
    if (a == "--snapshot") {
        std::string m;
        text(m);
        if (m == "rest") o.snapshots = net::snapshot_source::rest;
        else if (m == "wsapi") o.snapshots = net::snapshot_source::wsapi;
        else if (err.empty()) err = "--snapshot is rest or wsapi, not '" + m + "'";
        return true;
    }
    if (a == "--testnet") return o.testnet = true;
    if (a == "--key-file") return text(o.key_file);
    if (a == "--rest-url") return text(o.rest_url);
    if (a == "--ws-url") return text(o.ws_url);
    if (a == "--wsapi-url") return text(o.wsapi_url);
    if (a == "--ca-file") return text(o.ca_file);
    if (a == "--connect-to") return text(o.connect_to);
    return false;
}

bool take_output_flag(int argc, char** argv, int& i, output_options& o, std::string& err) {
    const std::string a = argv[i];
    if (a == "--json-out") {
        if (auto v = flag_value(argc, argv, i, err)) o.json_out = *v;
        return true;
    }
    if (a == "--json-full") return o.json_full = true;
    return false;
}

net::feed_config feed_config_of(const venue_options& o, const net::credentials& creds) {
    auto cfg = net::feed_config::for_venue(o.venue, o.testnet);
    cfg.creds = creds;
    cfg.snapshots = o.snapshots;
    if (!o.rest_url.empty()) cfg.rest_url = o.rest_url;
    if (!o.ws_url.empty()) cfg.ws_url = o.ws_url;
    if (!o.wsapi_url.empty()) cfg.wsapi_url = o.wsapi_url;
    if (!o.ca_file.empty()) cfg.tls.ca_file = o.ca_file;
    cfg.connect_to = o.connect_to;
    return cfg;
}

std::optional<net::credentials> load_credentials(const venue_options& o, const char* command) {
    auto creds = o.key_file.empty() ? net::credentials_from_env() : net::credentials_from_file(o.key_file);
    if (!creds.value) {
        std::fprintf(stderr, "acctsync %s: no API key: %s\n  (--key-file FILE, or BINANCE_API_KEY with "
                             "BINANCE_API_SECRET or BINANCE_PRIVATE_KEY_FILE)\n",
                     command, creds.error.c_str());
        return std::nullopt;
    }
    return std::move(*creds.value);
}

std::string book_json_of(const output_options& o, const account_book& book) {
    parse::book_json_options jo;
    jo.include_snapshot_only = o.json_full;
    jo.skip_zero = !o.json_full;
    return parse::book_json(book, jo);
}

bool write_book_json(const output_options& o, const account_book& book, const char* command) {
    if (o.json_out.empty()) return true;
    std::ofstream out(o.json_out, std::ios::binary | std::ios::trunc);
    out << book_json_of(o, book) << '\n';
    if (!out) {
        std::fprintf(stderr, "acctsync %s: cannot write %s\n", command, o.json_out.c_str());
        return false;
    }
    return true;
}

} // namespace acctsync::tools
