// acctsync/net/fill_ledger.cpp — see fill_ledger.hpp for the rules.
#include "net/fill_ledger.hpp"

#include <algorithm>

namespace acctsync::net {

fill_ledger::fill_ledger()
    : keys_(new std::array<std::uint64_t, ways>[sets]()), next_way_(new std::uint8_t[sets]()) {
    symbols_.reserve(max_symbols);
}

std::uint64_t fill_ledger::key_of(const symbol_string& s, std::int64_t order_id, std::int64_t trade_id) noexcept {
    // splitmix64's finaliser over the three parts: sequential ids spread over every set.
    std::uint64_t h = s.hash() + static_cast<std::uint64_t>(order_id) * 0x9E3779B97F4A7C15ULL +
                      static_cast<std::uint64_t>(trade_id) * 0xC2B2AE3D27D4EB4FULL;
    h ^= h >> 30;
    h *= 0xBF58476D1CE4E5B9ULL;
    h ^= h >> 27;
    h *= 0x94D049BB133111EBULL;
    h ^= h >> 31;
    return h | 1; // never 0 (empty)
}

bool fill_ledger::known(std::uint64_t key) const noexcept {
    const auto& set = keys_[key & (sets - 1)];
    return std::find(set.begin(), set.end(), key) != set.end();
}

void fill_ledger::remember(std::uint64_t key) noexcept {
    const std::size_t i = key & (sets - 1);
    auto& set = keys_[i];
    if (std::find(set.begin(), set.end(), key) != set.end()) return;
    set[next_way_[i]] = key;
    next_way_[i] = static_cast<std::uint8_t>((next_way_[i] + 1) % ways);
}

fill_ledger::symbol_time* fill_ledger::symbol_entry(const symbol_string& s) noexcept {
    for (auto& e : symbols_)
        if (e.symbol == s) return &e;
    if (symbols_.size() == max_symbols) return nullptr;
    symbols_.push_back({s, 0}); // within the reserved capacity
    return &symbols_.back();
}

bool fill_ledger::delivered(const symbol_string& s, std::int64_t order_id, std::int64_t trade_id) const noexcept {
    return known(key_of(s, order_id, trade_id));
}

bool fill_ledger::track(const event& ev, bool from_snapshot) noexcept {
    switch (ev.header.type) {
    case event_type::missed_fill: {
        const auto& f = ev.payload.fill;
        const std::uint64_t key = key_of(f.symbol, f.order_id, f.trade_id);
        if (known(key)) return false; // the stream delivered it (or it went out already)
        remember(key);
        return true;
    }
    case event_type::trade_lite: {
        const auto& t = ev.payload.trade;
        remember(key_of(t.symbol, t.order_id, t.trade_id));
        if (auto* s = symbol_entry(t.symbol)) s->last_trade_ms = std::max(s->last_trade_ms, ev.header.transaction_time_ms);
        break;
    }
    case event_type::order_update: {
        const auto& o = ev.payload.order;
        if (o.trade_id != 0) { // TRADE, and CALCULATED (liquidation fills)
            remember(key_of(o.symbol, o.order_id, o.trade_id));
            if (auto* s = symbol_entry(o.symbol)) s->last_trade_ms = std::max(s->last_trade_ms, ev.header.transaction_time_ms);
        }
        break;
    }
    case event_type::position_update:
        if (from_snapshot && !ev.payload.position.amount.is_zero()) (void)symbol_entry(ev.payload.position.symbol);
        break;
    case event_type::snapshot_begin: // the as-of time is on the begin marker
        if (first_snapshot_ms_ == 0) first_snapshot_ms_ = ev.payload.snapshot.as_of_ms;
        break;
    default: break;
    }
    if (!from_snapshot && ev.header.type != event_type::stream_status) {
        const std::int64_t t = ev.header.transaction_time_ms != 0 ? ev.header.transaction_time_ms : ev.header.event_time_ms;
        last_stream_ms_ = std::max(last_stream_ms_, t);
    }
    return true;
}

std::vector<symbol_string> fill_ledger::symbols() const {
    std::vector<symbol_string> out;
    out.reserve(symbols_.size());
    for (const auto& e : symbols_) out.push_back(e.symbol);
    return out;
}

void fill_ledger::hold(const std::vector<event>& fills, std::int64_t now_ns, std::int64_t hold_ms) {
    held_.insert(held_.end(), fills.begin(), fills.end());
    held_deadline_ns_ = now_ns + hold_ms * 1'000'000;
}

void fill_ledger::release(std::int64_t now_ns, std::vector<event>& out) {
    if (held_.empty()) return;
    const bool all = now_ns >= held_deadline_ns_;
    std::size_t kept = 0;
    for (const event& ev : held_) {
        const auto& f = ev.payload.fill;
        const symbol_time* s = nullptr;
        for (const auto& e : symbols_)
            if (e.symbol == f.symbol) s = &e;
        // Strictly past: fills of one order can share a T and arrive as separate frames.
        const bool decided = all || (s != nullptr && s->last_trade_ms > ev.header.transaction_time_ms);
        if (decided) {
            if (!delivered(f.symbol, f.order_id, f.trade_id)) out.push_back(ev);
        } else {
            held_[kept++] = ev;
        }
    }
    held_.resize(kept);
}

} // namespace acctsync::net
