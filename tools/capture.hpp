// tools/capture.hpp — the capture file of `acctsync record`, read by `acctsync replay` and
// `acctsync parse --capture`: every raw input of a feed's books, in the order the feed
// published them (net/feed_recorder.hpp), with the stamps the live run gave them.
//
// Format (text headers, raw payloads; one record per header line, its payload after it):
//
//   acctsync-capture 2 <USDM|COINM>\n
//   F <recv_ns> <connection> <account> <bytes>\n<payload>\n            a stream frame (account -1:
//                                                                   nothing of it was published)
//   S <recv_ns> <account> <rest|wsapi> <kind> <snapshot_id> <as_of_ms> <sent_ns> <consumers> <bytes>\n<body>\n
//   X <recv_ns> <account> <status> <exchange_code> <consumers> <bytes>\n<detail>\n   a status
//   ! <reason> 0\n\n                                                  the recorder lost records here
//
// <consumers> is the mask of the consumers it went to (all, or one overrun consumer's re-seed).
// <kind> and <status> are the enum names of core/events.hpp (position_risk_v2, resumed, ...).
// The length prefix makes any payload legal (newlines, binary); the "\n" after it is a check.
// A capture holds no secret: frames, answers and statuses name neither the API key nor the
// secret (a listenKey appears only inside a listenKeyExpired frame, where Binance put it).
#pragma once

#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>

#include "core/events.hpp"
#include "net/feed_recorder.hpp"
#include "parse/snapshot.hpp"

namespace acctsync::tools {

enum class capture_kind : char { frame = 'F', snapshot = 'S', status = 'X' };

struct capture_record {
    capture_kind kind = capture_kind::frame;
    std::int64_t recv_ns = 0;
    int connection = 0;                 // frame
    int frame_account = -1;             // frame: whose events it published (-1: none)
    std::uint64_t consumers = ~0ULL;    // snapshot, status: the consumers it went to
    parse::snapshot_request request{};  // snapshot (venue, account, kind, id, times)
    bool wsapi = false;                 // snapshot: a WS-API response frame, else a REST body
    std::uint16_t account = 0;          // snapshot, status
    stream_status_kind status = stream_status_kind::unknown; // status
    std::int32_t exchange_code = 0;     // status
    // The payload, inside the reader's buffer, followed by ≥ parse::payload_padding readable bytes.
    std::string_view bytes;
};

// Writes a capture. The feed_recorder methods run on the feed's network thread and append to a
// memory buffer under a mutex (a copy and, now and then, the buffer's growth); flush() — any
// other thread, e.g. once a second — swaps the buffer out and writes it, so the network thread
// never waits on the disk.
class capture_writer final : public net::feed_recorder {
public:
    capture_writer(const std::string& path, market venue); // throws std::runtime_error if it cannot open
    ~capture_writer() override;                            // flushes, closes
    capture_writer(const capture_writer&) = delete;
    capture_writer& operator=(const capture_writer&) = delete;

    void on_frame(int connection, int account, std::int64_t recv_ns, std::string_view payload) noexcept override;
    void on_snapshot(const parse::snapshot_request& req, bool wsapi, std::string_view body,
                     std::uint64_t consumer_mask) noexcept override;
    void on_status(const event_header& header, const stream_status& status, std::uint64_t consumer_mask) noexcept override;

    [[nodiscard]] bool flush();           // false once a write failed
    [[nodiscard]] std::uint64_t records() const;

private:
    void append(std::string_view head, std::string_view payload) noexcept;

    mutable std::mutex mu_;
    std::string pending_;  // filled by the network thread
    std::string writing_;  // flushed by flush()'s caller
    std::uint64_t records_ = 0;
    bool overflow_ = false; // an append could not allocate: the capture is incomplete
    bool marked_ = false;   // the "!" record that says so is in pending_
    std::FILE* file_ = nullptr;
    bool failed_ = false;
};

// Reads a capture held whole in memory (captures are the size of what a run received).
class capture_reader {
public:
    static constexpr int max_accounts = 64;     // more is a damaged capture, not a feed
    // Throws std::runtime_error when the file cannot be read or its first line is not a capture's.
    explicit capture_reader(const std::string& path);
    [[nodiscard]] market venue() const noexcept { return venue_; }
    // The next record; false at the end or on a malformed record (then error() says where).
    [[nodiscard]] bool next(capture_record& r);
    [[nodiscard]] const std::string& error() const noexcept { return error_; }

private:
    std::string text_;
    std::size_t pos_ = 0;
    std::size_t end_ = 0; // text_'s size without the padding
    market venue_ = market::usdm;
    std::string error_;
};

} // namespace acctsync::tools
