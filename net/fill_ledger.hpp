// acctsync/net/fill_ledger.hpp — which fills the stream delivered, so that a back-fill after a
// gap (GET userTrades) publishes exactly the ones it lost, each once.
//
// The feed's network thread shows it every event it publishes (track()) and hands it the fills
// a back-fill read (hold()); release() then says which of those to publish. The rules:
//   * a fill is known by (symbol, orderId, tradeId), from TRADE_LITE and from any
//     ORDER_TRADE_UPDATE that carries a trade id (TRADE, and CALCULATED: liquidations);
//   * a back-filled fill is decided once the stream's trades *of its symbol* have passed its
//     time (the stream orders each event type by T; symbols are not ordered among themselves),
//     or after `hold_ms` (a quiet symbol): published if the stream never delivered it, dropped
//     if it did; once published it is known, so a second back-fill cannot publish it again;
//   * since_ms(): where a back-fill starts — the last stream (not snapshot) time before the gap,
//     minus a margin (times of different event types interleave); before the stream gave
//     anything, the first snapshot's as-of time (a lower bound of the server clock): every fill
//     since the book was first synced is either known or lost.
// The key table is 4-way set-associative, 256 Ki keys (2 MiB): a key is forgotten when four
// newer ones land in its set — on average after 256 Ki newer fills; the last several thousand
// (more than a back-fill window's 3 pages of 1 000 per symbol) are all but certainly known.
//
// Thread: the feed's network thread only. track() is on the hot path: no allocation, a few
// compares per event (a hash and a 4-entry probe per fill). hold()/release() are the cold path.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/events.hpp"

namespace acctsync::net {

class fill_ledger {
public:
    static constexpr std::size_t max_symbols = 64; // symbols a back-fill asks about
    static constexpr std::int64_t since_margin_ms = 1000;

    fill_ledger();

    // Every published event. Returns false for a back-filled fill the stream had delivered
    // (drop it). `from_snapshot`: the event belongs to a snapshot (its times are as-of times).
    [[nodiscard]] bool track(const event& ev, bool from_snapshot) noexcept;

    // Where a back-fill for a gap beginning now should start; -1 before any stream event or snapshot.
    [[nodiscard]] std::int64_t since_ms() const noexcept {
        if (last_stream_ms_ > 0) return last_stream_ms_ - since_margin_ms;
        return first_snapshot_ms_ > 0 ? first_snapshot_ms_ : -1;
    }
    // The symbols the account traded on the stream or held in a snapshot (at most max_symbols).
    [[nodiscard]] std::vector<symbol_string> symbols() const;

    // Back-filled fills to decide; release() publishes what is decided, into `out`.
    void hold(const std::vector<event>& fills, std::int64_t now_ns, std::int64_t hold_ms = 3000);
    void release(std::int64_t now_ns, std::vector<event>& out);
    [[nodiscard]] bool holding() const noexcept { return !held_.empty(); }

    [[nodiscard]] bool delivered(const symbol_string& s, std::int64_t order_id, std::int64_t trade_id) const noexcept;

private:
    struct symbol_time {
        symbol_string symbol;
        std::int64_t last_trade_ms = 0;
    };
    static std::uint64_t key_of(const symbol_string& s, std::int64_t order_id, std::int64_t trade_id) noexcept;
    void remember(std::uint64_t key) noexcept;
    [[nodiscard]] bool known(std::uint64_t key) const noexcept;
    symbol_time* symbol_entry(const symbol_string& s) noexcept;

    static constexpr std::size_t sets = 65536, ways = 4;
    std::unique_ptr<std::array<std::uint64_t, ways>[]> keys_; // 0 = empty
    std::unique_ptr<std::uint8_t[]> next_way_;               // round-robin victim per set
    std::vector<symbol_time> symbols_;                        // reserved: no allocation in track()
    std::int64_t last_stream_ms_ = 0;
    std::int64_t first_snapshot_ms_ = 0; // as-of time of the first snapshot (not an audit's, later)
    std::vector<event> held_;
    std::int64_t held_deadline_ns_ = 0;
};

} // namespace acctsync::net
