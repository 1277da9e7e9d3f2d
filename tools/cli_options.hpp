// tools/cli_options.hpp — the flags every `acctsync` command shares, parsed in one place so that
// one flag means one thing in every command (live, record, snapshot, replay, parse).
//
//   venue:   --market usdm|coinm  --testnet  --snapshot rest|wsapi  --key-file FILE
//            --rest-url URL  --ws-url URL  --wsapi-url URL  --ca-file PEM  --connect-to ADDR
//   output:  --json-out FILE (the final book, canonical book JSON)  --json-full (with snapshot-only
//            fields and zero rows)
#pragma once

#include <optional>
#include <string>

#include "core/account_book.hpp"
#include "net/credentials.hpp"
#include "net/feed.hpp"

namespace acctsync::tools {

// The help text of the shared flags, for each command's --help.
extern const char* const venue_flags_help;
extern const char* const output_flags_help;

struct venue_options {
    market venue = market::usdm;
    bool testnet = false;
    net::snapshot_source snapshots = net::snapshot_source::rest;
    std::string key_file, rest_url, ws_url, wsapi_url, ca_file, connect_to;
};

struct output_options {
    std::string json_out;
    bool json_full = false;
};

// Reads argv[i] (and its value, advancing i) when it is a venue or output flag. Returns true when
// it was one; `err` is set when its value is wrong.
bool take_venue_flag(int argc, char** argv, int& i, venue_options& o, std::string& err);
bool take_output_flag(int argc, char** argv, int& i, output_options& o, std::string& err);

// A flag's value: the next argument, or an error naming the flag.
std::optional<std::string> flag_value(int argc, char** argv, int& i, std::string& err);
// A non-negative number of seconds (or a speed factor).
std::optional<double> non_negative(const std::string& s);

// The feed configuration of these venue options (URLs, TLS, snapshot source) and credentials.
net::feed_config feed_config_of(const venue_options& o, const net::credentials& creds);
// The credentials: --key-file, else the environment; nullopt after printing why to stderr.
std::optional<net::credentials> load_credentials(const venue_options& o, const char* command);

// Writes the book's JSON (output_options) to o.json_out when set; false (after a message) when
// it cannot be written.
bool write_book_json(const output_options& o, const account_book& book, const char* command);
std::string book_json_of(const output_options& o, const account_book& book);

} // namespace acctsync::tools
