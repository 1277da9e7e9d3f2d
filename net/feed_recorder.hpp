// acctsync/net/feed_recorder.hpp — an observer of everything a feed's books are made from: the
// raw stream frames, the snapshot answers, and the feed's own status events. `acctsync record`
// writes them into a capture (tools/capture.hpp) that `acctsync replay` runs through the same
// parsers into a book, which ends where the live book ended.
//
// Thread: the network thread calls every method, in the order the feed publishes (a frame's
// events, a snapshot's rows and a status reach the rings in this order too), so a capture
// replays in the feed's order. Cost: the implementation's, on the hot path, before the frame is
// parsed — keep it to a copy into memory and write from another thread. The bytes are valid
// only during the call. No recorder (the default): one predicted-not-taken branch per frame.
//
// What it does not see: missed_fill events (the back-fill's trades, which change no book) and
// the statuses a feed sends to one overrun consumer only (that consumer's own re-seed).
#pragma once

#include <cstdint>
#include <string_view>

#include "core/events.hpp"
#include "parse/snapshot.hpp"

namespace acctsync::net {

class feed_recorder {
public:
    virtual ~feed_recorder() = default;
    // A stream frame as read off connection `connection` (account connection/2 when each account
    // has its own; routed by its stream name on a shared one), before it is parsed.
    virtual void on_frame(int connection, std::int64_t recv_ns, std::string_view payload) noexcept = 0;
    // A snapshot answer as parsed and published: `req` is what the parser was given; `wsapi`: the
    // body is a WS-API response frame (parse_wsapi), else a REST body (parse_rest).
    virtual void on_snapshot(const parse::snapshot_request& req, bool wsapi, std::string_view body) noexcept = 0;
    // A status event the feed made and published to every consumer.
    virtual void on_status(const event_header& header, const stream_status& status) noexcept = 0;
};

} // namespace acctsync::net
