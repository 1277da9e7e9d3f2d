// Test helpers: read payload files and run the parsers into vector sinks.
#pragma once

#include <filesystem>
#include <memory>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "parse/snapshot.hpp"
#include "parse/user_stream.hpp"
#include "parse/vector_sink.hpp"

namespace acctsync::test {

inline std::filesystem::path data_dir() { return std::filesystem::path(ACCTSYNC_SOURCE_DIR) / "tests" / "data"; }

inline std::string read_file(const std::filesystem::path& p) {
    std::ifstream f(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), {}};
}

inline std::string sample(const std::string& name) { return read_file(data_dir() / "samples" / name); }

// The frame as Binance sends it: no whitespace outside strings.
inline std::string minified(const std::string& json) {
    std::string out;
    bool in_string = false, escaped = false;
    for (const char c : json) {
        if (in_string) {
            out += c;
            if (escaped) escaped = false;
            else if (c == '\\') escaped = true;
            else if (c == '"') in_string = false;
        } else if (c == '"') {
            in_string = true;
            out += c;
        } else if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
            out += c;
        }
    }
    return out;
}

// A payload with the padding simdjson needs after it.
struct padded {
    explicit padded(std::string s) : size(s.size()), bytes(std::move(s)) { bytes.resize(size + parse::payload_padding, '\0'); }
    std::size_t size;
    std::string bytes;
    [[nodiscard]] const char* data() const { return bytes.data(); }
};

struct parsed {
    std::shared_ptr<padded> payload; // views in the result (e.g. wsapi_envelope::id) point here
    parse::parse_result result;
    std::vector<event> events;
    std::size_t commits = 0;
};

inline parsed parse_user(const std::string& payload, market venue = market::usdm, std::uint16_t max_batch = 256,
                         std::size_t sink_limit = 0) {
    static parse::user_stream_parser p256({1 << 20, 256});
    parse::user_stream_parser small({1 << 20, max_batch});
    parse::user_stream_parser& p = max_batch == 256 ? p256 : small;
    padded in(payload);
    parse::vector_sink sink(sink_limit);
    parse::stream_context ctx;
    ctx.venue = venue;
    ctx.recv_ns = 42;
    parsed out;
    out.result = p.parse(in.data(), in.size, ctx, sink.sink());
    out.events = std::move(sink.events);
    out.commits = sink.commits;
    return out;
}

inline parsed parse_snapshot(const std::string& payload, snapshot_kind kind, bool wsapi = false,
                             parse::wsapi_envelope* env = nullptr, market venue = market::usdm) {
    static parse::snapshot_parser p;
    auto holder = std::make_shared<padded>(payload);
    const padded& in = *holder;
    parse::vector_sink sink;
    parse::snapshot_request req;
    req.kind = kind;
    req.venue = venue;
    req.snapshot_id = 77;
    req.as_of_ms = 1'700'000'000'000;
    req.request_sent_ns = 5;
    req.recv_ns = 6;
    parsed out;
    out.payload = holder;
    out.result = wsapi ? p.parse_wsapi(in.data(), in.size, req, sink.sink(), env)
                       : p.parse_rest(in.data(), in.size, req, sink.sink());
    out.events = std::move(sink.events);
    out.commits = sink.commits;
    return out;
}

} // namespace acctsync::test
