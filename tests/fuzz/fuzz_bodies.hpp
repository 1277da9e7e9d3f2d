// The bodies of the libFuzzer targets, shared with fuzz_regression_test (which replays every
// saved crasher in the normal and sanitizer builds). Each body checks invariants and calls
// __builtin_trap() when one breaks, so the fuzzer reports it as a crash.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "core/account_book.hpp"
#include "core/decimal.hpp"
#include "parse/snapshot.hpp"
#include "parse/user_stream.hpp"
#include "parse/vector_sink.hpp"

namespace acctsync::fuzz {

#define ACCTSYNC_FUZZ_CHECK(cond)                                                                                      \
    do {                                                                                                               \
        if (!(cond)) __builtin_trap();                                                                                 \
    } while (0)

inline void check_events(const parse::parse_result& r, const std::vector<event>& evs) {
    if (!r.ok()) {
        ACCTSYNC_FUZZ_CHECK(evs.empty()); // a failed payload publishes nothing
        return;
    }
    ACCTSYNC_FUZZ_CHECK(r.published == evs.size());
    for (std::size_t i = 0; i < evs.size(); ++i) {
        ACCTSYNC_FUZZ_CHECK(evs[i].header.item_index == i);
        ACCTSYNC_FUZZ_CHECK(evs[i].header.item_count == evs.size());
    }
    account_book book({8, 8, 8}); // small on purpose: the full-book paths get fuzzed too
    for (const auto& e : evs) (void)book.apply(e);
}

// Also differential: the fast pass (on by default) and the On-Demand reference must agree on
// every input, to the byte of every event and the code and offset of every error.
inline void user_event(const std::uint8_t* data, std::size_t size) {
    static parse::user_stream_parser parser({1 << 16, 8}); // small batches: the split path gets fuzzed
    static parse::user_stream_parser reference({1 << 16, 8, false});
    std::string in(reinterpret_cast<const char*>(data), size);
    in.resize(size + parse::payload_padding, '\0');
    parse::vector_sink sink, ref_sink;
    // Both venues (their readers differ: COIN-M aliases, USDⓈ-M-only fields), by the input's length
    // so the bytes themselves stay the frame.
    const market venue = (size & 1) != 0 ? market::coinm : market::usdm;
    const auto r = parser.parse(in.data(), size, {venue, 1, 2}, sink.sink());
    ACCTSYNC_FUZZ_CHECK(r.ok() || r.offset <= size);
    check_events(r, sink.events);
    const auto rr = reference.parse(in.data(), size, {venue, 1, 2}, ref_sink.sink());
    ACCTSYNC_FUZZ_CHECK(r.code == rr.code && r.offset == rr.offset && r.published == rr.published);
    ACCTSYNC_FUZZ_CHECK(r.field == rr.field && r.json_error == rr.json_error && r.decimal == rr.decimal);
    ACCTSYNC_FUZZ_CHECK(sink.events.size() == ref_sink.events.size());
    for (std::size_t i = 0; i < sink.events.size(); ++i)
        ACCTSYNC_FUZZ_CHECK(std::memcmp(&sink.events[i], &ref_sink.events[i], sizeof(event)) == 0);
}

// First byte: the snapshot kind and REST vs WS-API; the rest is the payload.
inline void snapshot(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return;
    static parse::snapshot_parser parser({1 << 16, 8});
    static constexpr snapshot_kind kinds[] = {
        snapshot_kind::account_v2,       snapshot_kind::account_v3,    snapshot_kind::balance_v2,
        snapshot_kind::balance_v3,       snapshot_kind::position_risk_v2, snapshot_kind::position_risk_v3,
        snapshot_kind::symbol_config,    snapshot_kind::account_config, snapshot_kind::coinm_account,
        snapshot_kind::coinm_balance,    snapshot_kind::coinm_position_risk, snapshot_kind::unknown};
    const snapshot_kind kind = kinds[(data[0] & 0x7F) % std::size(kinds)];
    const bool wsapi = (data[0] & 0x80) != 0;
    std::string in(reinterpret_cast<const char*>(data + 1), size - 1);
    const std::size_t n = size - 1;
    in.resize(n + parse::payload_padding, '\0');
    parse::vector_sink sink;
    parse::snapshot_request req;
    req.kind = kind;
    req.snapshot_id = 9;
    req.as_of_ms = 1000;
    parse::wsapi_envelope env;
    const auto r = wsapi ? parser.parse_wsapi(in.data(), n, req, sink.sink(), &env) : parser.parse_rest(in.data(), n, req, sink.sink());
    ACCTSYNC_FUZZ_CHECK(r.ok() || r.offset <= n);
    check_events(r, sink.events);
    if (r.ok() && !sink.events.empty()) {
        ACCTSYNC_FUZZ_CHECK(sink.events.front().type() == event_type::snapshot_begin);
        ACCTSYNC_FUZZ_CHECK(sink.events.back().type() == event_type::snapshot_end);
    }
}

// Decimal: never crashes; what parses formats to text that parses to the same value, and the
// shortest text is never longer than the input's significant part.
inline void decimal_text(const std::uint8_t* data, std::size_t size) {
    const std::string_view s(reinterpret_cast<const char*>(data), size);
    // parse_plain (the fast form, padded) agrees with the full grammar on whatever it accepts.
    {
        std::string padded(s);
        padded.append(64, '\0');
        decimal fast = decimal::from_raw(7), full = decimal::from_raw(9);
        const char* q = decimal::parse_plain(padded.data(), padded.data() + size, fast);
        if (q != nullptr) {
            const auto r = decimal::parse_prefix(padded.data(), padded.data() + size, full);
            ACCTSYNC_FUZZ_CHECK(static_cast<bool>(r) && padded.data() + r.offset == q && full == fast);
        } else {
            ACCTSYNC_FUZZ_CHECK(fast.raw() == 7);
        }
    }
    decimal d = decimal::from_raw(7);
    const auto r = decimal::parse(s, d);
    if (!r) {
        ACCTSYNC_FUZZ_CHECK(d.raw() == 7);
        ACCTSYNC_FUZZ_CHECK(r.offset <= size);
        return;
    }
    char buf[decimal::max_text];
    const std::size_t n = d.format(buf);
    ACCTSYNC_FUZZ_CHECK(n <= decimal::max_text);
    decimal back{};
    ACCTSYNC_FUZZ_CHECK(static_cast<bool>(decimal::parse(std::string_view(buf, n), back)));
    ACCTSYNC_FUZZ_CHECK(back == d);
}

} // namespace acctsync::fuzz
