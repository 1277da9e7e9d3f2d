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
// What it does not see: missed_fill events (the back-fill's trades, which change no book), and
// which events an overrun consumer lost (its gap status and re-seed snapshot are recorded, with
// its consumer mask).
#pragma once

#include <cstdint>
#include <string_view>

#include "core/events.hpp"
#include "parse/snapshot.hpp"

namespace acctsync::net {

class feed_recorder {
public:
    virtual ~feed_recorder() = default;
    // A stream frame as read off connection `connection`, once the parser is done with it:
    // `account` is the account its events were published for (routed by stream name on a
    // shared connection), or -1 when none were (it failed to parse — its parse_error status
    // follows —, or named no account the connection carries, or came on a connection its account
    // had already left).
    virtual void on_frame(int connection, int account, std::int64_t recv_ns, std::string_view payload) noexcept = 0;
    // A snapshot answer as parsed and published to the consumers in `consumer_mask` (all of
    // them, or one overrun consumer's re-seed): `req` is what the parser was given; `wsapi`:
    // the body is a WS-API response frame (parse_wsapi), else a REST body (parse_rest).
    virtual void on_snapshot(const parse::snapshot_request& req, bool wsapi, std::string_view body,
                             std::uint64_t consumer_mask) noexcept = 0;
    // A status event the feed made and published to the consumers in `consumer_mask`.
    virtual void on_status(const event_header& header, const stream_status& status, std::uint64_t consumer_mask) noexcept = 0;
};

} // namespace acctsync::net
