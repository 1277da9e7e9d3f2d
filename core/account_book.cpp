// acctsync/core/account_book.cpp — see account_book.hpp for the rules.
#include "account_book.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

namespace acctsync {

namespace {

[[nodiscard]] constexpr std::int64_t stream_time(const event_header& h) noexcept {
    return h.transaction_time_ms != 0 ? h.transaction_time_ms : h.event_time_ms;
}

// A snapshot's claim on a register without a time of its own (see the header): returns the
// stamp to give the register, or `never` when the register keeps its value.
[[nodiscard]] constexpr std::int64_t snapshot_stamp(std::int64_t as_of, std::int64_t sent_ns, std::int64_t reg_time,
                                                     std::int64_t reg_recv_ns) noexcept {
    if (as_of >= reg_time) return as_of;
    if (sent_ns >= reg_recv_ns) return reg_time + 1;
    return never;
}

// The stamp an update gives a register without a time of its own: a stream update by T, a
// snapshot row (`snap` = its open marker) by snapshot_stamp. `never` = the register keeps its value.
[[nodiscard]] constexpr std::int64_t timeless_stamp(const event_header& h, const snapshot_marker* snap,
                                                     std::int64_t reg_time, std::int64_t reg_recv_ns) noexcept {
    if (snap != nullptr) return snapshot_stamp(snap->as_of_ms, snap->request_sent_ns, reg_time, reg_recv_ns);
    const std::int64_t t = stream_time(h);
    return t >= reg_time ? t : never;
}

[[nodiscard]] constexpr std::string_view side_suffix(position_side s) noexcept {
    switch (s) {
    case position_side::long_side: return ":LONG";
    case position_side::short_side: return ":SHORT";
    default: return "";
    }
}

[[nodiscard]] inline std::uint64_t position_hash(const symbol_string& s, position_side side) noexcept {
    return s.hash() ^ (static_cast<std::uint64_t>(side) * 0x9E3779B97F4A7C15ULL);
}

} // namespace

void account_book::index_table::init(std::uint32_t entries) {
    const std::uint32_t n = std::bit_ceil(std::max<std::uint32_t>(entries * 2, 8));
    slots = std::make_unique<std::uint32_t[]>(n); // zero = empty
    mask = n - 1;
}

account_book::account_book(book_capacity cap, std::int64_t drift_grace_ms) : cap_(cap), drift_grace_ms_(drift_grace_ms) {
    if (drift_grace_ms < 0 || drift_grace_ms > 86'400'000)
        throw std::invalid_argument("account_book: drift_grace_ms must be in [0, 1 day]");
    if (cap.assets == 0 || cap.positions == 0 || cap.symbols == 0 || cap.assets > (1u << 24) ||
        cap.positions > (1u << 24) || cap.symbols > (1u << 24))
        throw std::invalid_argument("account_book: capacities must be in [1, 2^24]");
    balances_ = std::make_unique<balance_entry[]>(cap.assets);
    positions_ = std::make_unique<position_entry[]>(cap.positions);
    symbols_ = std::make_unique<symbol_entry[]>(cap.symbols);
    balance_index_.init(cap.assets);
    position_index_.init(cap.positions);
    symbol_index_.init(cap.symbols);
}

// ---- lookups ---------------------------------------------------------------------------------

const balance_entry* account_book::balance(std::string_view asset) const noexcept {
    asset_string key{};
    if (!key.assign(asset)) return nullptr;
    for (std::uint64_t i = key.hash();; ++i) {
        const std::uint32_t s = balance_index_.slots[i & balance_index_.mask];
        if (s == 0) return nullptr;
        if (balances_[s - 1].asset == key) return &balances_[s - 1];
    }
}

const position_entry* account_book::position(std::string_view symbol, position_side side) const noexcept {
    symbol_string key{};
    if (!key.assign(symbol)) return nullptr;
    for (std::uint64_t i = position_hash(key, side);; ++i) {
        const std::uint32_t s = position_index_.slots[i & position_index_.mask];
        if (s == 0) return nullptr;
        const position_entry& p = positions_[s - 1];
        if (p.side == side && p.symbol == key) return &p;
    }
}

const symbol_entry* account_book::symbol(std::string_view symbol) const noexcept {
    symbol_string key{};
    if (!key.assign(symbol)) return nullptr;
    for (std::uint64_t i = key.hash();; ++i) {
        const std::uint32_t s = symbol_index_.slots[i & symbol_index_.mask];
        if (s == 0) return nullptr;
        if (symbols_[s - 1].symbol == key) return &symbols_[s - 1];
    }
}

// New keys start flat/zero at the completeness horizon of their scope: a complete snapshot
// already told us they were flat then.
balance_entry* account_book::find_or_add_balance(const asset_string& asset) noexcept {
    for (std::uint64_t i = asset.hash();; ++i) {
        std::uint32_t& s = balance_index_.slots[i & balance_index_.mask];
        if (s == 0) {
            if (n_balances_ == cap_.assets) return nullptr;
            balance_entry& e = balances_[n_balances_];
            e.asset = asset;
            e.time_ms = assets_horizon_ms_;
            e.snapshot_time_ms = assets_horizon_ms_;
            s = ++n_balances_;
            return &e;
        }
        if (balances_[s - 1].asset == asset) return &balances_[s - 1];
    }
}

position_entry* account_book::find_or_add_position(const symbol_string& symbol, position_side side) noexcept {
    for (std::uint64_t i = position_hash(symbol, side);; ++i) {
        std::uint32_t& s = position_index_.slots[i & position_index_.mask];
        if (s == 0) {
            if (n_positions_ == cap_.positions) return nullptr;
            position_entry& e = positions_[n_positions_];
            e.symbol = symbol;
            e.side = side;
            e.time_ms = position_horizon(symbol);
            e.snapshot_time_ms = e.unrealized_pnl_time_ms = e.time_ms;
            s = ++n_positions_;
            return &e;
        }
        position_entry& p = positions_[s - 1];
        if (p.side == side && p.symbol == symbol) return &p;
    }
}

symbol_entry* account_book::find_or_add_symbol(const symbol_string& symbol) noexcept {
    for (std::uint64_t i = symbol.hash();; ++i) {
        std::uint32_t& s = symbol_index_.slots[i & symbol_index_.mask];
        if (s == 0) {
            if (n_symbols_ == cap_.symbols) return nullptr;
            symbol_entry& e = symbols_[n_symbols_];
            e.symbol = symbol;
            s = ++n_symbols_;
            return &e;
        }
        if (symbols_[s - 1].symbol == symbol) return &symbols_[s - 1];
    }
}

std::int64_t account_book::position_horizon(const symbol_string& symbol) const noexcept {
    std::int64_t h = positions_horizon_ms_;
    if (n_symbols_ != 0) {
        if (const symbol_entry* s = this->symbol(symbol.view())) h = std::max(h, s->positions_horizon_ms);
    }
    return h;
}

// Gathers one drifted key into the open snapshot's report (names as far as they fit).
void account_book::note_drift(std::string_view what, std::string_view name) noexcept {
    ++open_drift_.keys;
    char buf[text_string::capacity];
    std::size_t n = open_drift_.names.size();
    const std::size_t need = (n != 0 ? 1 : 0) + what.size() + name.size();
    if (n + need > sizeof buf) return;
    std::memcpy(buf, open_drift_.names.data(), n);
    if (n != 0) buf[n++] = ',';
    std::memcpy(buf + n, what.data(), what.size());
    n += what.size();
    if (!name.empty()) std::memcpy(buf + n, name.data(), name.size());
    n += name.size();
    (void)open_drift_.names.assign({buf, n});
}

void account_book::mark_full() noexcept {
    full_ = true;
    ++counters_.capacity_exceeded;
}

// ---- apply -----------------------------------------------------------------------------------

apply_status account_book::apply(const event& ev) noexcept {
    const event_header& h = ev.header;
    apply_status st;
    switch (h.type) {
    case event_type::balance_update: st = apply_balance(h, ev.payload.balance); break;
    case event_type::position_update: st = apply_position(h, ev.payload.position); break;
    case event_type::leverage_update: st = apply_leverage(h, ev.payload.leverage); break;
    case event_type::account_config_update: st = apply_account_config(h, ev.payload.account_config); break;
    case event_type::snapshot_begin: st = apply_snapshot_begin(h, ev.payload.snapshot); break;
    case event_type::snapshot_end: st = apply_snapshot_end(h, ev.payload.snapshot); break;
    case event_type::stream_status: st = apply_status_event(h, ev.payload.status); break;
    default: st = apply_status::not_for_book; break;
    }
    switch (st) {
    case apply_status::applied: ++counters_.applied; break;
    case apply_status::stale: ++counters_.stale; break;
    case apply_status::not_for_book: ++counters_.not_for_book; break;
    case apply_status::unexpected: ++counters_.unexpected; break;
    case apply_status::capacity_exceeded: break; // counted by mark_full
    }
    // Logical-update boundary (snapshot rows are bracketed by begin/end instead).
    if (h.item_count > 1 && !h.last_in_update()) {
        mid_update_ = true;
    } else {
        mid_update_ = false;
        if (open_snapshot_ == 0) ++version_;
    }
    return st;
}

apply_status account_book::apply_balance(const event_header& h, const balance_update& b) noexcept {
    using f = balance_update::field;
    const bool snap = b.source == event_source::snapshot;
    if (snap && open_snapshot_ == 0) return apply_status::unexpected;
    balance_entry* e = find_or_add_balance(b.asset);
    if (e == nullptr) {
        mark_full();
        return apply_status::capacity_exceeded;
    }
    bool changed = false;
    const std::int64_t t = snap ? row_time(b.update_time_ms) : stream_time(h);
    if (snap && drift_checked() && t > e->time_ms && t < drift_horizon() &&
        (((b.fields & f::f_wallet_balance) && b.wallet_balance != e->wallet_balance) ||
         ((b.fields & f::f_cross_wallet_balance) && b.cross_wallet_balance != e->cross_wallet_balance)))
        note_drift("", e->asset.view()); // changed long ago, and the stream never said so
    if (t >= e->time_ms) {
        if (b.fields & f::f_wallet_balance) e->wallet_balance = b.wallet_balance;
        if (b.fields & f::f_cross_wallet_balance) e->cross_wallet_balance = b.cross_wallet_balance;
        if (b.fields & f::f_balance_change) e->last_balance_change = b.balance_change;
        e->time_ms = t;
        changed = true;
    }
    if (snap) {
        ++open_rows_;
        e->seen_in_snapshot = open_snapshot_;
        const std::int64_t as_of = open_marker_.as_of_ms;
        constexpr std::uint16_t snapshot_only = f::f_available_balance | f::f_unrealized_profit | f::f_margin_balance |
                                                f::f_initial_margin | f::f_maint_margin | f::f_position_initial_margin |
                                                f::f_open_order_initial_margin | f::f_max_withdraw_amount |
                                                f::f_cross_unpnl | f::f_margin_available;
        if ((b.fields & snapshot_only) != 0 && as_of >= e->snapshot_time_ms) {
            if (b.fields & f::f_available_balance) e->available_balance = b.available_balance;
            if (b.fields & f::f_unrealized_profit) e->unrealized_profit = b.unrealized_profit;
            if (b.fields & f::f_margin_balance) e->margin_balance = b.margin_balance;
            if (b.fields & f::f_initial_margin) e->initial_margin = b.initial_margin;
            if (b.fields & f::f_maint_margin) e->maint_margin = b.maint_margin;
            if (b.fields & f::f_position_initial_margin) e->position_initial_margin = b.position_initial_margin;
            if (b.fields & f::f_open_order_initial_margin) e->open_order_initial_margin = b.open_order_initial_margin;
            if (b.fields & f::f_max_withdraw_amount) e->max_withdraw_amount = b.max_withdraw_amount;
            if (b.fields & f::f_cross_unpnl) e->cross_unpnl = b.cross_unpnl;
            if (b.fields & f::f_margin_available) e->margin_available = b.margin_available;
            e->snapshot_fields |= static_cast<std::uint16_t>(b.fields & snapshot_only);
            e->snapshot_time_ms = as_of;
            changed = true;
        }
    }
    return changed ? apply_status::applied : apply_status::stale;
}

apply_status account_book::apply_position(const event_header& h, const position_update& p) noexcept {
    using f = position_update::field;
    const bool snap = p.source == event_source::snapshot;
    if (snap && open_snapshot_ == 0) return apply_status::unexpected;
    position_entry* e = find_or_add_position(p.symbol, p.side);
    if (e == nullptr) {
        mark_full();
        return apply_status::capacity_exceeded;
    }
    bool changed = false;
    const std::int64_t t = snap ? row_time(p.update_time_ms) : stream_time(h);
    if (snap && drift_checked() && t > e->time_ms && t < drift_horizon() &&
        (((p.fields & f::f_amount) && p.amount != e->amount) ||
         ((p.fields & f::f_entry_price) && p.entry_price != e->entry_price) ||
         ((p.fields & f::f_isolated_wallet) && p.isolated_wallet != e->isolated_wallet)))
        note_drift(e->symbol.view(), side_suffix(e->side));
    if (t >= e->time_ms) {
        // uPnL: valued at T (a push) or at the snapshot's as-of time (a row, taken no earlier
        // than its updateTime: it wins a tie with the push of that state); see the header.
        const std::int64_t valued = snap ? std::max(open_marker_.as_of_ms, t) : t;
        const bool later = snap ? valued >= e->unrealized_pnl_time_ms : valued > e->unrealized_pnl_time_ms;
        if ((p.fields & f::f_unrealized_pnl) && (t > e->time_ms || later)) {
            e->unrealized_pnl = p.unrealized_pnl;
            e->unrealized_pnl_time_ms = valued;
        }
        if (p.fields & f::f_amount) e->amount = p.amount;
        if (p.fields & f::f_entry_price) e->entry_price = p.entry_price;
        if (p.fields & f::f_break_even_price) e->break_even_price = p.break_even_price;
        if (p.fields & f::f_accumulated_realized) e->accumulated_realized = p.accumulated_realized;
        if (p.fields & f::f_isolated_wallet) e->isolated_wallet = p.isolated_wallet;
        if (p.fields & f::f_margin_type) e->margin = p.margin;
        if (p.fields & f::f_margin_asset) e->margin_asset = p.margin_asset;
        e->time_ms = t;
        changed = true;
    }
    if (snap) {
        ++open_rows_;
        e->seen_in_snapshot = open_snapshot_;
        const std::int64_t as_of = open_marker_.as_of_ms;
        constexpr std::uint32_t snapshot_only = f::f_mark_price | f::f_liquidation_price | f::f_notional |
                                                f::f_initial_margin | f::f_maint_margin | f::f_isolated_margin |
                                                f::f_position_initial_margin | f::f_open_order_initial_margin |
                                                f::f_max_notional | f::f_adl;
        if ((p.fields & snapshot_only) != 0 && as_of >= e->snapshot_time_ms) {
            if (p.fields & f::f_mark_price) e->mark_price = p.mark_price;
            if (p.fields & f::f_liquidation_price) e->liquidation_price = p.liquidation_price;
            if (p.fields & f::f_notional) e->notional = p.notional;
            if (p.fields & f::f_initial_margin) e->initial_margin = p.initial_margin;
            if (p.fields & f::f_maint_margin) e->maint_margin = p.maint_margin;
            if (p.fields & f::f_isolated_margin) e->isolated_margin = p.isolated_margin;
            if (p.fields & f::f_position_initial_margin) e->position_initial_margin = p.position_initial_margin;
            if (p.fields & f::f_open_order_initial_margin) e->open_order_initial_margin = p.open_order_initial_margin;
            if (p.fields & f::f_max_notional) e->max_notional = p.max_notional;
            if (p.fields & f::f_adl) e->adl = p.adl;
            e->snapshot_fields |= p.fields & snapshot_only;
            e->snapshot_time_ms = as_of;
            changed = true;
        }
        if (p.fields & f::f_leverage) {
            symbol_entry* s = find_or_add_symbol(p.symbol);
            if (s == nullptr) {
                mark_full();
                return apply_status::capacity_exceeded;
            }
            const std::int64_t sent = open_marker_.request_sent_ns;
            const std::int64_t t = snapshot_stamp(as_of, sent, s->leverage_time_ms, s->leverage_recv_ns);
            check_timeless_drift(s->leverage != 0 && s->leverage != p.leverage, s->leverage_recv_ns, "lev:", s->symbol.view());
            if (t != never) {
                set_leverage(*s, p.leverage, t, sent);
                changed = true;
            }
        }
    }
    return changed ? apply_status::applied : apply_status::stale;
}

void account_book::set_leverage(symbol_entry& s, std::uint32_t leverage, std::int64_t t, std::int64_t recv_ns) noexcept {
    s.leverage = leverage;
    s.leverage_time_ms = t;
    s.leverage_recv_ns = recv_ns;
}

apply_status account_book::apply_leverage(const event_header& h, const leverage_update& l) noexcept {
    using f = leverage_update::field;
    const bool snap = l.source == event_source::snapshot;
    if (snap && open_snapshot_ == 0) return apply_status::unexpected;
    if (snap) ++open_rows_;
    symbol_entry* s = find_or_add_symbol(l.symbol);
    if (s == nullptr) {
        mark_full();
        return apply_status::capacity_exceeded;
    }
    // Stream: ordered by T. Snapshot: see snapshot_stamp.
    const std::int64_t recv = snap ? open_marker_.request_sent_ns : h.recv_time_ns;
    const auto stamp = [&](std::int64_t reg_time, std::int64_t reg_recv) {
        return timeless_stamp(h, snap ? &open_marker_ : nullptr, reg_time, reg_recv);
    };
    bool changed = false;
    if (snap && (l.fields & f::f_leverage))
        check_timeless_drift(s->leverage != 0 && s->leverage != l.leverage, s->leverage_recv_ns, "lev:", s->symbol.view());
    if (l.fields & f::f_leverage) {
        if (const std::int64_t t = stamp(s->leverage_time_ms, s->leverage_recv_ns); t != never) {
            set_leverage(*s, l.leverage, t, recv);
            changed = true;
        }
    }
    if (l.fields & (f::f_margin_type | f::f_max_notional | f::f_auto_add_margin)) {
        if (const std::int64_t t = stamp(s->config_time_ms, s->config_recv_ns); t != never) {
            if (l.fields & f::f_margin_type) s->margin = l.margin;
            if (l.fields & f::f_max_notional) s->max_notional = l.max_notional;
            if (l.fields & f::f_auto_add_margin) s->auto_add_margin = l.auto_add_margin;
            s->config_time_ms = t;
            s->config_recv_ns = recv;
            changed = true;
        }
    }
    return changed ? apply_status::applied : apply_status::stale;
}

apply_status account_book::apply_account_config(const event_header& h, const account_config_update& a) noexcept {
    using f = account_config_update::field;
    const bool snap = a.source == event_source::snapshot;
    if (snap && open_snapshot_ == 0) return apply_status::unexpected;
    if (snap) ++open_rows_;
    const std::int64_t recv = snap ? open_marker_.request_sent_ns : h.recv_time_ns;
    const auto stamp = [&](std::int64_t reg_time, std::int64_t reg_recv) {
        return timeless_stamp(h, snap ? &open_marker_ : nullptr, reg_time, reg_recv);
    };
    // One account flag: drift check (snapshots), then the write if the update wins.
    const auto flag = [&](bool present, bool value, bool& reg, std::int64_t& reg_time, std::int64_t& reg_recv,
                          std::string_view name) {
        if (!present) return false;
        if (snap) check_timeless_drift(reg_time != never && reg != value, reg_recv, name, {});
        const std::int64_t t = stamp(reg_time, reg_recv);
        if (t == never) return false;
        reg = value;
        reg_time = t;
        reg_recv = recv;
        return true;
    };
    const bool ma = flag(a.fields & f::f_multi_assets, a.multi_assets, account_.multi_assets,
                         account_.multi_assets_time_ms, account_.multi_assets_recv_ns, "multi_assets");
    const bool ds = flag(a.fields & f::f_dual_side_position, a.dual_side_position, account_.dual_side_position,
                         account_.dual_side_time_ms, account_.dual_side_recv_ns, "dual_side_position");
    return ma || ds ? apply_status::applied : apply_status::stale;
}

apply_status account_book::apply_snapshot_begin(const event_header&, const snapshot_marker& s) noexcept {
    // A begin while another snapshot is open abandons the first (its end never came): its rows
    // stay applied (each was valid on its own) but it proves nothing about absent keys.
    const bool abandoned = open_snapshot_ != 0;
    ++snapshot_generation_;
    open_snapshot_ = snapshot_generation_;
    open_marker_ = s;
    open_rows_ = 0;
    open_drift_ = {};
    return abandoned ? apply_status::unexpected : apply_status::applied;
}

void account_book::flatten(balance_entry& b, std::int64_t as_of) noexcept {
    bool changed = false;
    if (b.time_ms < as_of) {
        b.wallet_balance = b.cross_wallet_balance = b.last_balance_change = decimal{};
        b.time_ms = as_of;
        changed = true;
    }
    if (b.snapshot_time_ms < as_of) {
        b.available_balance = b.unrealized_profit = b.margin_balance = b.initial_margin = b.maint_margin =
            b.position_initial_margin = b.open_order_initial_margin = b.max_withdraw_amount = b.cross_unpnl =
                decimal{};
        b.margin_available = false;
        b.snapshot_time_ms = as_of;
    }
    counters_.flattened += changed; // counts keys whose streamed value was zeroed
}

void account_book::flatten(position_entry& p, std::int64_t as_of) noexcept {
    bool changed = false;
    if (p.time_ms < as_of) {
        p.amount = p.entry_price = p.break_even_price = p.accumulated_realized = p.unrealized_pnl =
            p.isolated_wallet = decimal{};
        p.unrealized_pnl_time_ms = as_of;
        // Absent from the snapshot: its margin type and asset are unknown, exactly as for a key
        // first seen after the snapshot (so every arrival order gives the same register).
        p.margin = margin_type::unknown;
        p.margin_asset.clear();
        p.time_ms = as_of;
        changed = true;
    }
    if (p.snapshot_time_ms < as_of) {
        p.mark_price = p.liquidation_price = p.notional = p.initial_margin = p.maint_margin = p.isolated_margin =
            p.position_initial_margin = p.open_order_initial_margin = p.max_notional = decimal{};
        p.adl = 0;
        p.snapshot_time_ms = as_of;
    }
    counters_.flattened += changed; // counts keys whose streamed value was zeroed
}

apply_status account_book::apply_snapshot_end(const event_header&, const snapshot_marker& s) noexcept {
    if (open_snapshot_ == 0) return apply_status::unexpected;
    const std::uint64_t gen = open_snapshot_;
    const snapshot_marker begin = open_marker_;
    const std::uint32_t rows = open_rows_;
    open_snapshot_ = 0;
    if (s.snapshot_id != begin.snapshot_id) return apply_status::unexpected;
    // A row lost between begin and end would make absent-means-flat a lie.
    if (!s.complete || s.row_count != rows) {
        finish_drift(begin.snapshot_id);
        return apply_status::applied;
    }

    const std::int64_t as_of = begin.as_of_ms;
    const std::int64_t drift_before = drift_horizon();
    if (begin.scope & scope_assets) {
        for (std::uint32_t i = 0; i < n_balances_; ++i) {
            balance_entry& b = balances_[i];
            if (b.seen_in_snapshot == gen) continue;
            if (drift_checked() && b.time_ms < drift_before && !(b.wallet_balance.is_zero() && b.cross_wallet_balance.is_zero()))
                note_drift("", b.asset.view()); // gone long ago, and the stream never said so
            flatten(b, as_of);
        }
        assets_horizon_ms_ = std::max(assets_horizon_ms_, as_of);
    }
    if (begin.scope & scope_positions) {
        if (begin.symbol_filter.empty()) {
            for (std::uint32_t i = 0; i < n_positions_; ++i) {
                position_entry& p = positions_[i];
                if (p.seen_in_snapshot == gen) continue;
                if (drift_checked() && p.time_ms < drift_before && !p.flat()) note_drift(p.symbol.view(), side_suffix(p.side));
                flatten(p, as_of);
            }
            positions_horizon_ms_ = std::max(positions_horizon_ms_, as_of);
        } else {
            for (std::uint32_t i = 0; i < n_positions_; ++i)
                if (positions_[i].seen_in_snapshot != gen && positions_[i].symbol == begin.symbol_filter)
                    flatten(positions_[i], as_of);
            symbol_entry* sym = find_or_add_symbol(begin.symbol_filter);
            if (sym == nullptr) {
                mark_full();
                return apply_status::capacity_exceeded;
            }
            sym->positions_horizon_ms = std::max(sym->positions_horizon_ms, as_of);
        }
    }
    // A symbol-filtered snapshot heals nothing account-wide.
    if (!resume_pending_ && begin.request_sent_ns >= dirty_since_ns_ && begin.symbol_filter.empty())
        dirty_scopes_ = static_cast<std::uint8_t>(dirty_scopes_ & ~begin.scope);
    finish_drift(begin.snapshot_id);
    ++counters_.snapshots_completed;
    return apply_status::applied;
}

void account_book::finish_drift(std::uint64_t snapshot_id) noexcept {
    if (open_drift_.keys == 0) return;
    drift_ = open_drift_;
    drift_.snapshot_id = snapshot_id;
    ++counters_.drift_snapshots;
    counters_.drift_keys += open_drift_.keys;
    open_drift_ = {};
}

// A register without its own time: the snapshot differs from a value known well before the
// request left (beyond the grace), so the stream lost the change.
void account_book::check_timeless_drift(bool differs, std::int64_t reg_recv_ns, std::string_view what,
                                        std::string_view name) noexcept {
    if (differs && drift_checked() && open_marker_.request_sent_ns != never &&
        reg_recv_ns < open_marker_.request_sent_ns - drift_grace_ms_ * 1'000'000)
        note_drift(what, name);
}

apply_status account_book::apply_status_event(const event_header& h, const stream_status& s) noexcept {
    switch (s.kind) {
    case stream_status_kind::disconnected:
    case stream_status_kind::listen_key_expired:
        resume_pending_ = true; // the stream is down: see `resumed`
        [[fallthrough]];
    case stream_status_kind::gap:
    case stream_status_kind::parse_error:
        dirty_scopes_ = all_scopes;
        dirty_since_ns_ = std::max(dirty_since_ns_, h.recv_time_ns);
        ++counters_.gaps;
        return apply_status::applied;
    case stream_status_kind::resumed:
        if (!resume_pending_) return apply_status::not_for_book;
        resume_pending_ = false; // covered from here: a snapshot asked for after this heals
        dirty_since_ns_ = std::max(dirty_since_ns_, h.recv_time_ns);
        return apply_status::applied;
    default: return apply_status::not_for_book;
    }
}

} // namespace acctsync
