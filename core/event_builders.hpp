// acctsync/core/event_builders.hpp — short ways to fill events in place.
//
// The parsers fill events field by field; tests, the demo, benchmarks and users' own simulations
// want one call per event. Each builder writes a complete event into `ev` (usually a claimed ring
// slot) and returns it. Strings that do not fit their inline capacity are an error: the builders
// report it by returning false from the *_into forms; the plain forms are for literals in tests
// and abort on misuse.
//
// Any thread (pure functions over the caller's memory).
#pragma once

#include <cstdlib>
#include <string_view>

#include "events.hpp"

namespace acctsync {

struct stream_times {
    std::int64_t event_ms = 0;       // E
    std::int64_t transaction_ms = 0; // T
    std::int64_t recv_ns = 0;
};

namespace detail {
template <class S>
inline void must_assign(S& dst, std::string_view v) noexcept {
    if (!dst.assign(v)) std::abort(); // builder misuse with an over-long literal
}
inline void stamp(event& ev, const stream_times& t, std::uint16_t index, std::uint16_t count) noexcept {
    ev.header.event_time_ms = t.event_ms;
    ev.header.transaction_time_ms = t.transaction_ms;
    ev.header.recv_time_ns = t.recv_ns;
    ev.header.item_index = index;
    ev.header.item_count = count;
}
} // namespace detail

// ACCOUNT_UPDATE a.B[] item (wb, cw, bc).
inline event& make_balance(event& ev, market venue, std::string_view asset, decimal wallet, decimal cross_wallet,
                           decimal change, const stream_times& t, update_reason reason = update_reason::order,
                           std::uint16_t index = 0, std::uint16_t count = 1) noexcept {
    reset_event(ev, event_type::balance_update, venue);
    detail::stamp(ev, t, index, count);
    auto& b = ev.payload.balance;
    detail::must_assign(b.asset, asset);
    b.wallet_balance = wallet;
    b.cross_wallet_balance = cross_wallet;
    b.balance_change = change;
    b.update_time_ms = t.transaction_ms;
    b.reason = reason;
    b.source = event_source::stream;
    b.fields = balance_update::f_wallet_balance | balance_update::f_cross_wallet_balance | balance_update::f_balance_change;
    return ev;
}

// ACCOUNT_UPDATE a.P[] item (pa, ep, bep, cr, up, mt, iw, ps).
struct position_values {
    decimal amount;
    decimal entry_price;
    decimal break_even_price;
    decimal accumulated_realized;
    decimal unrealized_pnl;
    decimal isolated_wallet;
    margin_type margin = margin_type::cross;
};
inline event& make_position(event& ev, market venue, std::string_view symbol, position_side side,
                            const position_values& v, const stream_times& t,
                            update_reason reason = update_reason::order, std::uint16_t index = 0,
                            std::uint16_t count = 1) noexcept {
    reset_event(ev, event_type::position_update, venue);
    detail::stamp(ev, t, index, count);
    auto& p = ev.payload.position;
    detail::must_assign(p.symbol, symbol);
    p.side = side;
    p.amount = v.amount;
    p.entry_price = v.entry_price;
    p.break_even_price = v.break_even_price;
    p.accumulated_realized = v.accumulated_realized;
    p.unrealized_pnl = v.unrealized_pnl;
    p.isolated_wallet = v.isolated_wallet;
    p.margin = v.margin;
    p.update_time_ms = t.transaction_ms;
    p.reason = reason;
    p.source = event_source::stream;
    using f = position_update::field;
    p.fields = f::f_amount | f::f_entry_price | f::f_break_even_price | f::f_accumulated_realized |
               f::f_unrealized_pnl | f::f_isolated_wallet | f::f_margin_type;
    return ev;
}

// ACCOUNT_CONFIG_UPDATE ac.
inline event& make_leverage(event& ev, market venue, std::string_view symbol, std::uint32_t leverage,
                            const stream_times& t) noexcept {
    reset_event(ev, event_type::leverage_update, venue);
    detail::stamp(ev, t, 0, 1);
    auto& l = ev.payload.leverage;
    detail::must_assign(l.symbol, symbol);
    l.leverage = leverage;
    l.fields = leverage_update::f_leverage;
    l.source = event_source::stream;
    return ev;
}

// ACCOUNT_CONFIG_UPDATE ai.
inline event& make_multi_assets(event& ev, market venue, bool on, const stream_times& t) noexcept {
    reset_event(ev, event_type::account_config_update, venue);
    detail::stamp(ev, t, 0, 1);
    auto& a = ev.payload.account_config;
    a.multi_assets = on;
    a.fields = account_config_update::f_multi_assets;
    a.source = event_source::stream;
    return ev;
}

// Snapshot brackets. Rows in between: the make_* builders above followed by as_snapshot_row().
inline event& make_snapshot_begin(event& ev, market venue, std::uint64_t id, std::int64_t as_of_ms,
                                  std::int64_t request_sent_ns, std::uint8_t scope, snapshot_kind kind,
                                  std::string_view symbol_filter = {}) noexcept {
    reset_event(ev, event_type::snapshot_begin, venue);
    ev.header.event_time_ms = as_of_ms;
    ev.header.recv_time_ns = request_sent_ns;
    auto& s = ev.payload.snapshot;
    s.snapshot_id = id;
    s.as_of_ms = as_of_ms;
    s.request_sent_ns = request_sent_ns;
    s.scope = scope;
    s.kind = kind;
    detail::must_assign(s.symbol_filter, symbol_filter);
    return ev;
}
inline event& make_snapshot_end(event& ev, market venue, std::uint64_t id, std::uint32_t rows, bool complete = true) noexcept {
    reset_event(ev, event_type::snapshot_end, venue);
    auto& s = ev.payload.snapshot;
    s.snapshot_id = id;
    s.row_count = rows;
    s.complete = complete;
    return ev;
}
// Turns a balance/position/leverage/account-config event into a snapshot row stamped `update_time_ms`.
inline event& as_snapshot_row(event& ev, std::int64_t update_time_ms) noexcept {
    ev.header.item_index = 0;
    ev.header.item_count = 1;
    switch (ev.header.type) {
    case event_type::balance_update:
        ev.payload.balance.source = event_source::snapshot;
        ev.payload.balance.update_time_ms = update_time_ms;
        ev.payload.balance.fields &= static_cast<std::uint16_t>(~balance_update::f_balance_change);
        break;
    case event_type::position_update:
        ev.payload.position.source = event_source::snapshot;
        ev.payload.position.update_time_ms = update_time_ms;
        break;
    case event_type::leverage_update: ev.payload.leverage.source = event_source::snapshot; break;
    case event_type::account_config_update: ev.payload.account_config.source = event_source::snapshot; break;
    default: break;
    }
    return ev;
}

inline event& make_stream_status(event& ev, market venue, stream_status_kind kind, std::int64_t recv_ns,
                                 std::string_view detail_text = {}) noexcept {
    reset_event(ev, event_type::stream_status, venue);
    ev.header.recv_time_ns = recv_ns;
    ev.payload.status.kind = kind;
    detail::must_assign(ev.payload.status.detail, detail_text);
    return ev;
}

// Decimal from a literal known to be valid (tests, demo); aborts otherwise.
[[nodiscard]] inline decimal dec(std::string_view s) noexcept {
    decimal d{};
    if (!decimal::parse(s, d)) std::abort();
    return d;
}

} // namespace acctsync
