// acctsync/parse/user_stream.hpp — user data stream frames -> events, in place, zero-copy.
//
// One entry point for every frame of a USDⓈ-M or COIN-M user data stream, raw ("/ws") or in the
// combined envelope {"stream":…,"data":…}. Dispatches on "e" wherever it stands in the object.
// Writes events straight into the sink's slots and commits once per frame: a frame is
// published whole or not at all. Tolerant where Binance varies (field order, unknown fields,
// null = absent, missing B/P, quoted integers, E as string); strict where correctness needs it
// (malformed JSON anywhere in the frame, wrong types, inexact decimals, over-long strings,
// truncation): a typed parse_result with byte offset and field, and nothing published.
//
// Large updates: an ACCOUNT_UPDATE (or MARGIN_CALL) with more items than `max_batch` is first
// validated whole, then published in several commits of at most max_batch events; every event
// carries item_index/item_count of the one logical update. When the sink cannot take the whole
// frame the parser publishes nothing and returns sink_full (retry when the consumer has drained).
//
// How: three readers in turn (direct readers for compact hot frames, a validating cursor, then
// simdjson On-Demand for everything else and for every error); each reads the frame whole or
// leaves no trace, and all give the same events (README "How a frame is parsed").
//
// Threads: one parser per producer thread. No allocation after construction.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "core/events.hpp"
#include "parse/event_sink.hpp"
#include "parse/parse_error.hpp"
#include "parse/parser_options.hpp"
#include "parse/payload.hpp"

namespace acctsync::parse {

// Several accounts on one combined connection (`/private/stream?listenKey=…&listenKey=…`): the
// envelope's "stream" member names the account. route() maps it to the account index written
// into every event header of the frame (called once per frame, after the whole frame is read,
// so "stream" may stand before or after "data"); unrouted_account marks a name it does not know.
struct stream_router {
    void* self = nullptr;
    std::uint16_t (*route)(void* self, std::string_view stream) noexcept = nullptr;
};
inline constexpr std::uint16_t unrouted_account = 0xFFFF;

struct stream_context {
    market venue = market::usdm;
    std::uint16_t account = 0;  // every event's account, unless the router names another
    std::int64_t recv_ns = 0;   // stamped into every event header
    const stream_router* router = nullptr; // null: no routing (one account per connection)
};


struct user_stream_counters {
    std::uint64_t frames = 0;
    std::uint64_t events = 0;          // published
    std::uint64_t errors = 0;
    std::uint64_t sink_full = 0;
    std::uint64_t unknown_events = 0;  // "e" not known to this build
    std::uint64_t ignored_events = 0;  // STRATEGY_UPDATE, GRID_UPDATE, CONDITIONAL_ORDER_TRIGGER_REJECT
    std::uint64_t split_updates = 0;   // logical updates published in more than one commit
    std::uint64_t fast_frames = 0;     // frames the fast pass read (the others went through simdjson On-Demand)
    std::uint64_t direct_frames = 0;   // of those, frames its direct readers took whole (compact hot kinds)
    std::array<std::uint64_t, 16> by_type{}; // indexed by event_type
};

class user_stream_parser {
public:
    explicit user_stream_parser(parser_options opt = {});
    ~user_stream_parser();
    user_stream_parser(const user_stream_parser&) = delete;
    user_stream_parser& operator=(const user_stream_parser&) = delete;

    // data[0, size) is the frame; data[size, size + payload_padding) must be readable.
    [[nodiscard]] parse_result parse(const char* data, std::size_t size, const stream_context& ctx,
                                     const event_sink& sink) noexcept;

    // Any thread: a copy of the counters, each read with a relaxed load while the parsing thread
    // may be writing them (single_writer_counter: no data race, no cost on the hot path); fields
    // may come from slightly different instants.
    [[nodiscard]] user_stream_counters counters() const noexcept;

    struct impl;

private:
    std::unique_ptr<impl> impl_;
};

} // namespace acctsync::parse
