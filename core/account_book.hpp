// acctsync/core/account_book.hpp — the mirrored account: last-writer-wins registers.
//
// ACCOUNT_UPDATE carries absolute values (except `bc`) for the keys that changed, so the book is
// a set of registers — per asset, per (symbol, position side), per symbol (leverage) and per
// account (multi-assets / position mode) — each stamped with the exchange time of the state it
// holds. An update applies iff its time >= the register's time. Hence:
//   * snapshot and stream may interleave in any order: the newest wins, nothing is buffered;
//   * duplicates are idempotent, so overlapping connections can be merged;
//   * a complete snapshot also speaks for the keys it omits: any key absent from it whose
//     register is older than the snapshot's as-of time becomes flat/zero at that time, and a key
//     first seen later with an older stamp is already known to be flat (the scope "horizon").
// Snapshot-only fields (available balance, margins, mark/liquidation price, REST leverage) keep
// their own stamp: the snapshot's as-of time.
//
// Unrealized PnL is a valuation, not a state: it moves with the mark price while nothing on
// the account changes, and Binance pushes `up` only with a position change (valued at its T),
// while a REST/WS-API row carries it valued at the current mark — with the row's updateTime still
// that of the last position change (spec §1.6.2, §3.5). Stamping the row's uPnL with updateTime
// made the mirror depend on arrival order: a snapshot's fresher value and a (duplicate or
// overlapping) push of the same change, both with one updateTime, each overwrote the other. So
// uPnL is a register of its own, stamped with the time it was valued at (a push: T; a row: the
// snapshot's as-of time), and what a trading user reads is the newest valuation the venue gave
// of the position the book holds:
//   * an update that brings a newer position state brings its uPnL, whatever its stamp (it is
//     the only valuation of that state);
//   * an update of the state the book already holds replaces the uPnL iff it was valued later
//     (a row: or at the same time, as a snapshot is taken no earlier than its updateTime) — a
//     snapshot after a push wins, a push replayed after it does not;
//   * an update older than the state brings nothing (it valued another amount).
// Neither is current: for a live figure use the mark price stream, (mark − entry) × amount. A
// mirror's uPnL depends on when it last heard one, so comparisons with the simulator's truth
// leave it out with the snapshot-only fields (parse::book_json_options::include_snapshot_only).
//
// Registers a snapshot carries without a time of its own (leverage, symbol config, multi-assets,
// position mode) cannot be ordered against the stream by exchange time alone: the as-of time is
// the client's estimate of the server clock, and stream T runs ahead of it (T > E in real
// captures). So each also keeps the local time its value became known, and a snapshot replaces
// it when its stamp is newer *or* its request left after that value was received: the value is
// then in the snapshot already, or was overtaken by a change the stream lost in a gap. The
// register's new stamp is then past the replaced T, so a replay of the replaced frame cannot
// bring the old value back. (UNVERIFIED: that a REST/WS-API answer reflects every change pushed
// before the request left. For a venue that answers from a lagged copy the feed stamps each
// snapshot's as-of time and request time that lag earlier — net::session_config::snapshot_lag_ms
// — and the book's rules then hold as written; tests/feed_sim_test.cpp shows both cases.)
//
// Times: stream events use T (E when T is absent); snapshot rows use their updateTime
// (UNVERIFIED: Binance does not document that REST updateTime is the time of the key's last
// change; the tests and the spec's §5.2 procedure assume it), and a row whose updateTime is 0
// or absent the snapshot's as-of time (a v3 account position is sent with 0).
//
// Resync: the book starts out needing a resync. Any gap (disconnect, listenKey expiry, parse
// failure, ring overrun) marks every scope dirty as of its local receive time; a complete
// snapshot whose request left after that time heals the scopes it covers. After a disconnect
// or an expiry the stream itself is down, so the heal also waits for the `resumed` status (the
// first connection open again): a snapshot asked for before it leaves the events between the
// snapshot and the reconnection unaccounted for, and heals nothing.
//
// Drift: while the book is in sync, a snapshot row that changes a register the stream should
// already have changed — a balance or position whose updateTime is older than the snapshot's
// as-of time by more than drift_grace_ms and newer than the register; a key the snapshot
// leaves out while the book holds it non-zero from before that; a leverage or account flag
// that differs from a value received more than drift_grace_ms before the request left — means
// the stream lost events while looking healthy. The snapshot heals it as usual; the book counts
// it and names the keys (drift()). Within the grace the stream may simply not have delivered
// yet, so nothing is claimed.
//
// Threads: one thread owns a book (normally the strategy thread that drains its ring). Nothing
// here is synchronised. No allocation after construction; apply() never throws.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <span>
#include <stdexcept>
#include <string_view>

#include "events.hpp"

namespace acctsync {

inline constexpr std::int64_t never = std::numeric_limits<std::int64_t>::min();

struct balance_entry {
    asset_string asset;
    // stream-shared (stamp: time_ms)
    decimal wallet_balance;
    decimal cross_wallet_balance;
    decimal last_balance_change; // bc of the last stream update that carried one
    std::int64_t time_ms = never;
    // snapshot-only (stamp: snapshot_time_ms)
    decimal available_balance;
    decimal unrealized_profit;
    decimal margin_balance;
    decimal initial_margin;
    decimal maint_margin;
    decimal position_initial_margin;
    decimal open_order_initial_margin;
    decimal max_withdraw_amount;
    decimal cross_unpnl;
    std::int64_t snapshot_time_ms = never;
    std::uint16_t snapshot_fields = 0; // balance_update::field bits ever set by a snapshot
    bool margin_available = false;
    std::uint64_t seen_in_snapshot = 0; // internal: id of the last snapshot that listed this key
};

struct position_entry {
    symbol_string symbol;
    position_side side = position_side::unknown;
    margin_type margin = margin_type::unknown;
    // stream-shared (stamp: time_ms)
    decimal amount;
    decimal entry_price;
    decimal break_even_price;
    decimal accumulated_realized;
    decimal isolated_wallet;
    asset_string margin_asset;
    std::int64_t time_ms = never;
    // the venue's newest valuation of the position held above (stamp: unrealized_pnl_time_ms,
    // the time it was valued at; see "Unrealized PnL" in the file comment)
    decimal unrealized_pnl;
    std::int64_t unrealized_pnl_time_ms = never;
    // snapshot-only (stamp: snapshot_time_ms)
    decimal mark_price;
    decimal liquidation_price;
    decimal notional;
    decimal initial_margin;
    decimal maint_margin;
    decimal isolated_margin;
    decimal position_initial_margin;
    decimal open_order_initial_margin;
    decimal max_notional;
    std::int64_t snapshot_time_ms = never;
    std::uint32_t snapshot_fields = 0; // position_update::field bits ever set by a snapshot
    std::uint8_t adl = 0;
    std::uint64_t seen_in_snapshot = 0;

    [[nodiscard]] bool flat() const noexcept { return amount.is_zero(); }
};

struct symbol_entry {
    symbol_string symbol;
    std::uint32_t leverage = 0; // 0 = unknown
    std::int64_t leverage_time_ms = never;
    std::int64_t leverage_recv_ns = never; // local time the value became known (see register_stamp)
    margin_type margin = margin_type::unknown; // from symbolConfig
    decimal max_notional;
    bool auto_add_margin = false;
    std::int64_t config_time_ms = never;
    std::int64_t config_recv_ns = never;
    std::int64_t positions_horizon_ms = never; // a symbol-filtered complete position snapshot
};

struct account_state {
    bool multi_assets = false;
    std::int64_t multi_assets_time_ms = never; // never = unknown
    std::int64_t multi_assets_recv_ns = never;
    bool dual_side_position = false;
    std::int64_t dual_side_time_ms = never;
    std::int64_t dual_side_recv_ns = never;
};

enum class apply_status : std::uint8_t {
    applied,           // at least one register changed stamp or value
    stale,             // older than the register: ignored, as designed
    not_for_book,      // orders, fills, margin calls: for the user handler, not the mirror
    capacity_exceeded, // the book is full; the key was dropped and the book needs a resync
    unexpected,        // a snapshot row or end outside its begin/end bracket
};

struct book_capacity {
    std::uint32_t assets = 64;
    std::uint32_t positions = 1024; // (symbol, side) pairs
    std::uint32_t symbols = 1024;
};

// What the last snapshot that found drift found (see account_book::drift()).
struct drift_report {
    std::uint64_t snapshot_id = 0;
    std::uint32_t keys = 0;          // registers that differed
    text_string names{};             // the first of them, comma-separated ("USDT,BTCUSDT:LONG,lev:ETHUSDT")
};

struct book_counters {
    std::uint64_t applied = 0;
    std::uint64_t stale = 0;
    std::uint64_t not_for_book = 0;
    std::uint64_t capacity_exceeded = 0;
    std::uint64_t unexpected = 0;
    std::uint64_t gaps = 0;
    std::uint64_t snapshots_completed = 0;
    std::uint64_t flattened = 0;
    std::uint64_t drift_snapshots = 0; // snapshots that found drift (each healed what it found)
    std::uint64_t drift_keys = 0;
};

class account_book {
public:
    // Allocates every table now; nothing is allocated afterwards. Throws on a zero capacity.
    // drift_grace_ms: how long a change may take to reach the stream (see "Drift" above), in
    // [0, 1 day]; throws otherwise.
    explicit account_book(book_capacity cap = {}, std::int64_t drift_grace_ms = 1000);

    [[nodiscard]] apply_status apply(const event& ev) noexcept;

    // ---- queries (owner thread) ----------------------------------------------------------
    [[nodiscard]] const balance_entry* balance(std::string_view asset) const noexcept;
    [[nodiscard]] const position_entry* position(std::string_view symbol, position_side side) const noexcept;
    [[nodiscard]] const symbol_entry* symbol(std::string_view symbol) const noexcept;
    [[nodiscard]] const account_state& account() const noexcept { return account_; }

    // Every key ever seen, in first-seen order (flat/zero entries stay).
    [[nodiscard]] std::span<const balance_entry> balances() const noexcept { return {balances_.get(), n_balances_}; }
    [[nodiscard]] std::span<const position_entry> positions() const noexcept { return {positions_.get(), n_positions_}; }
    [[nodiscard]] std::span<const symbol_entry> symbols() const noexcept { return {symbols_.get(), n_symbols_}; }

    // True between logical updates and outside snapshots: the registers then describe one
    // instant of the account. Read the book only when this holds.
    [[nodiscard]] bool consistent() const noexcept { return !mid_update_ && open_snapshot_ == 0; }
    // Logical updates completed so far (an ACCOUNT_UPDATE of five items counts once).
    [[nodiscard]] std::uint64_t version() const noexcept { return version_; }
    // Scopes (snapshot_scope bits) not yet healed since the last gap; 0 when in sync.
    [[nodiscard]] std::uint8_t dirty_scopes() const noexcept { return dirty_scopes_; }
    [[nodiscard]] bool needs_resync() const noexcept { return dirty_scopes_ != 0 || full_; }
    [[nodiscard]] const book_counters& counters() const noexcept { return counters_; }
    // The last snapshot that found drift (counters().drift_snapshots says whether there was one).
    [[nodiscard]] const drift_report& drift() const noexcept { return drift_; }
    [[nodiscard]] const book_capacity& capacity() const noexcept { return cap_; }

    static constexpr std::uint8_t all_scopes = scope_assets | scope_positions | scope_leverage | scope_account_config;

private:
    // Open-addressing index (linear probing) over a dense entry array. Slots hold entry+1.
    struct index_table {
        std::unique_ptr<std::uint32_t[]> slots;
        std::uint32_t mask = 0;
        void init(std::uint32_t entries);
    };

    apply_status apply_balance(const event_header& h, const balance_update& b) noexcept;
    apply_status apply_position(const event_header& h, const position_update& p) noexcept;
    apply_status apply_leverage(const event_header& h, const leverage_update& l) noexcept;
    apply_status apply_account_config(const event_header& h, const account_config_update& a) noexcept;
    apply_status apply_snapshot_begin(const event_header& h, const snapshot_marker& s) noexcept;
    apply_status apply_snapshot_end(const event_header& h, const snapshot_marker& s) noexcept;
    apply_status apply_status_event(const event_header& h, const stream_status& s) noexcept;

    balance_entry* find_or_add_balance(const asset_string& asset) noexcept;
    position_entry* find_or_add_position(const symbol_string& symbol, position_side side) noexcept;
    symbol_entry* find_or_add_symbol(const symbol_string& symbol) noexcept;
    [[nodiscard]] std::int64_t position_horizon(const symbol_string& symbol) const noexcept;
    void flatten(balance_entry& b, std::int64_t as_of) noexcept;
    void flatten(position_entry& p, std::int64_t as_of) noexcept;
    void set_leverage(symbol_entry& s, std::uint32_t leverage, std::int64_t t, std::int64_t recv_ns) noexcept;
    void mark_full() noexcept;
    void note_drift(std::string_view what, std::string_view name) noexcept;
    void check_timeless_drift(bool differs, std::int64_t reg_recv_ns, std::string_view what, std::string_view name) noexcept;
    void finish_drift(std::uint64_t snapshot_id) noexcept;
    // A snapshot row's time: its updateTime, or, when it has none (0 or absent: v3 account
    // positions of open positions carry "updateTime":0, spec §3.5), the snapshot's as-of time —
    // the row then says what the account held at the request, like a register without a time.
    [[nodiscard]] std::int64_t row_time(std::int64_t update_time_ms) const noexcept {
        return update_time_ms > 0 ? update_time_ms : open_marker_.as_of_ms;
    }
    [[nodiscard]] bool drift_checked() const noexcept { return dirty_scopes_ == 0 && !full_; }
    // Changes older than this should have come on the stream (the open snapshot's as-of - grace).
    [[nodiscard]] std::int64_t drift_horizon() const noexcept {
        return open_marker_.as_of_ms == never ? never : open_marker_.as_of_ms - drift_grace_ms_;
    }

    book_capacity cap_;
    std::unique_ptr<balance_entry[]> balances_;
    std::unique_ptr<position_entry[]> positions_;
    std::unique_ptr<symbol_entry[]> symbols_;
    std::uint32_t n_balances_ = 0, n_positions_ = 0, n_symbols_ = 0;
    index_table balance_index_, position_index_, symbol_index_;
    account_state account_;

    // Completeness horizons: keys unknown to the book are flat/zero as of these times.
    std::int64_t assets_horizon_ms_ = never;
    std::int64_t positions_horizon_ms_ = never;

    // Open snapshot: its internal generation (0 = none); rows stamp entries with it.
    std::uint64_t snapshot_generation_ = 0;
    std::uint64_t open_snapshot_ = 0;
    snapshot_marker open_marker_{};
    std::uint32_t open_rows_ = 0;

    bool mid_update_ = false;
    bool full_ = false;
    std::uint64_t version_ = 0;
    std::uint8_t dirty_scopes_ = all_scopes; // a new book has never been synced
    std::int64_t dirty_since_ns_ = std::numeric_limits<std::int64_t>::min();
    bool resume_pending_ = false; // every connection went down: no snapshot heals until `resumed`
    std::int64_t drift_grace_ms_;
    drift_report drift_{};
    drift_report open_drift_{}; // being gathered by the open snapshot
    book_counters counters_;
};

} // namespace acctsync
