// acctsync/core/events.hpp — the fixed-layout POD events that cross the SPSC rings.
//
// One `event` is one slot of a ring: a 32-byte common header and a payload union, 320 bytes in
// all (five cache lines; the largest payload, order_update, needs 284 bytes). Events are
// trivially copyable and standard layout so the network thread writes them in place into ring
// slots and strategy threads read them without any decoding.
//
// Batches: one exchange message can become several events (an ACCOUNT_UPDATE with two balances
// and three positions is five). Every event of such a logical update shares the header's E/T
// and carries item_index/item_count, so a consumer knows where the update ends; the book only
// exposes a consistent view after the last item. A snapshot is bracketed by snapshot_begin and
// snapshot_end, its rows in between (balance/position/leverage/account_config events with
// source == snapshot).
//
// Optional fields: payloads carry a `fields` bitmask saying which members the message held
// (a stream balance has no availableBalance; an old capture has no `bc`). Absent means
// "not told", never zero.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

#if defined(__SSE2__)
#include <immintrin.h>
#endif

#include "cache_line.hpp"
#include "decimal.hpp"
#include "enums.hpp"
#include "inline_string.hpp"

namespace acctsync {

enum class event_type : std::uint8_t {
    none = 0,
    // account mirror
    balance_update,        // ACCOUNT_UPDATE a.B[] item, or a snapshot asset row
    position_update,       // ACCOUNT_UPDATE a.P[] item, or a snapshot position row
    leverage_update,       // ACCOUNT_CONFIG_UPDATE ac, or a snapshot symbol-config row
    account_config_update, // ACCOUNT_CONFIG_UPDATE ai (multi-assets mode), or accountConfig snapshot
    snapshot_begin,
    snapshot_end,
    stream_status, // connectivity, gaps, parse errors, unknown events
    // orders and risk (parsed now, mirrored by later issues)
    order_update, // ORDER_TRADE_UPDATE
    trade_lite,   // TRADE_LITE
    algo_update,  // ALGO_UPDATE
    margin_call,  // MARGIN_CALL p[] item
    missed_fill,  // a fill a gap lost, back-filled from REST userTrades (not on the stream)
};

enum class event_source : std::uint8_t { stream = 0, snapshot = 1 };

struct event_header {
    event_type type;
    market venue;
    std::uint16_t account;    // index of the account in this process (0 for one account)
    std::uint16_t item_index; // position of this event in its logical update
    std::uint16_t item_count; // events in the logical update (1 for a lone event)
    std::int64_t event_time_ms;       // E (exchange clock)
    std::int64_t transaction_time_ms; // T (exchange clock; 0 when the message has none)
    std::int64_t recv_time_ns;        // local wall clock when the frame was read

    [[nodiscard]] constexpr bool last_in_update() const noexcept { return item_index + 1 >= item_count; }
};
static_assert(sizeof(event_header) == 32);

// ---- account mirror payloads -----------------------------------------------------------------

struct balance_update {
    enum field : std::uint16_t {
        f_wallet_balance = 1 << 0,
        f_cross_wallet_balance = 1 << 1,
        f_balance_change = 1 << 2,
        f_available_balance = 1 << 3,
        f_unrealized_profit = 1 << 4,
        f_margin_balance = 1 << 5,
        f_initial_margin = 1 << 6,
        f_maint_margin = 1 << 7,
        f_position_initial_margin = 1 << 8,
        f_open_order_initial_margin = 1 << 9,
        f_max_withdraw_amount = 1 << 10,
        f_cross_unpnl = 1 << 11,
        f_margin_available = 1 << 12,
    };
    asset_string asset;
    decimal wallet_balance;       // wb | walletBalance | balance
    decimal cross_wallet_balance; // cw | crossWalletBalance
    decimal balance_change;       // bc (stream only; a delta that excludes PnL and fees)
    // snapshot-only
    decimal available_balance;
    decimal unrealized_profit;
    decimal margin_balance;
    decimal initial_margin;
    decimal maint_margin;
    decimal position_initial_margin;
    decimal open_order_initial_margin;
    decimal max_withdraw_amount;
    decimal cross_unpnl;
    std::int64_t update_time_ms; // snapshot row updateTime (stream: = T)
    alias_string account_alias;  // COIN-M "i" / accountAlias
    std::uint16_t fields;
    update_reason reason;
    event_source source;
    bool margin_available;
};

struct position_update {
    enum field : std::uint32_t {
        f_amount = 1 << 0,
        f_entry_price = 1 << 1,
        f_break_even_price = 1 << 2,
        f_accumulated_realized = 1 << 3,
        f_unrealized_pnl = 1 << 4,
        f_margin_type = 1 << 5,
        f_isolated_wallet = 1 << 6,
        f_margin_asset = 1 << 7,
        f_mark_price = 1 << 8,
        f_liquidation_price = 1 << 9,
        f_notional = 1 << 10,
        f_initial_margin = 1 << 11,
        f_maint_margin = 1 << 12,
        f_isolated_margin = 1 << 13,
        f_position_initial_margin = 1 << 14,
        f_open_order_initial_margin = 1 << 15,
        f_max_notional = 1 << 16,
        f_leverage = 1 << 17,
        f_adl = 1 << 18,
    };
    symbol_string symbol;
    decimal amount;               // pa | positionAmt (signed; 0 = flat)
    decimal entry_price;          // ep | entryPrice
    decimal break_even_price;     // bep | breakEvenPrice
    decimal accumulated_realized; // cr
    decimal unrealized_pnl;       // up | unRealizedProfit | unrealizedProfit (point in time)
    decimal isolated_wallet;      // iw | isolatedWallet
    // snapshot-only
    decimal mark_price;
    decimal liquidation_price;
    decimal notional;
    decimal initial_margin;
    decimal maint_margin;
    decimal isolated_margin;
    decimal position_initial_margin;
    decimal open_order_initial_margin;
    decimal max_notional; // maxNotional | maxNotionalValue | maxQty (COIN-M)
    std::int64_t update_time_ms;
    asset_string margin_asset;  // ma | marginAsset
    alias_string account_alias; // COIN-M "i"
    std::uint32_t fields;
    std::uint16_t leverage; // snapshot rows that carry it (v2 account/positionRisk, dapi)
    std::uint8_t adl;
    position_side side;
    margin_type margin;
    update_reason reason;
    event_source source;
};

struct leverage_update {
    enum field : std::uint8_t {
        f_leverage = 1 << 0,
        f_margin_type = 1 << 1,
        f_max_notional = 1 << 2,
        f_auto_add_margin = 1 << 3,
    };
    symbol_string symbol;
    decimal max_notional;
    std::uint32_t leverage;
    std::uint8_t fields;
    margin_type margin;
    bool auto_add_margin;
    event_source source;
};

struct account_config_update {
    enum field : std::uint8_t { f_multi_assets = 1 << 0, f_dual_side_position = 1 << 1 };
    std::uint8_t fields;
    bool multi_assets;       // ai.j | multiAssetsMargin
    bool dual_side_position; // accountConfig dualSidePosition (hedge mode); no stream event exists
    event_source source;
};

// Which registers a snapshot speaks for completely (bitmask).
enum snapshot_scope : std::uint8_t {
    scope_assets = 1 << 0,
    scope_positions = 1 << 1,
    scope_leverage = 1 << 2,
    scope_account_config = 1 << 3,
};

enum class snapshot_kind : std::uint8_t {
    unknown = 0,
    account_v2,
    account_v3,
    balance_v2,
    balance_v3,
    position_risk_v2,
    position_risk_v3,
    symbol_config,
    account_config,
    coinm_account,
    coinm_balance,
    coinm_position_risk,
    wsapi_account_status,
    wsapi_account_status_v2,
    wsapi_account_balance,
    wsapi_account_position,
};

// Payload of snapshot_begin and snapshot_end.
struct snapshot_marker {
    std::uint64_t snapshot_id;
    std::int64_t as_of_ms;          // exchange time the snapshot describes the account at
    std::int64_t request_sent_ns;   // local wall clock when the request left (heals gaps seen before it)
    std::uint32_t row_count;        // end: rows published between begin and end
    std::uint8_t scope;             // snapshot_scope bits
    snapshot_kind kind;
    bool complete;                  // end: every row arrived; false aborts completeness
    symbol_string symbol_filter;    // non-empty when the request named one symbol
};

enum class stream_status_kind : std::uint8_t {
    unknown = 0,
    connected,
    disconnected,
    listen_key_expired,
    gap,           // events may have been lost (ring overrun, rotation without overlap, ...)
    parse_error,   // a frame failed to parse; nothing of it was published
    unknown_event, // an "e" this build does not know; counted, not an error
    ignored_event, // a known event the mirror does not use (STRATEGY_UPDATE, GRID_UPDATE, ...)
    snapshot_failed,
    resumed,       // a connection is open again after none was: the stream is covered from here on,
                   // so a snapshot asked for after this heals the gap (before it, it cannot)
    drift,         // a snapshot found keys the stream should have changed and did not (events lost
                   // while the connection looked healthy); detail names them; the snapshot healed them
};

struct stream_status {
    stream_status_kind kind;
    std::uint8_t parse_code;   // parse::error_code value for parse_error (0 otherwise)
    std::uint16_t reserved;
    std::uint32_t byte_offset; // parse_error: offset of the failing byte in the payload
    std::int32_t exchange_code; // a Binance error code (-1125, ...) when one caused this
    std::uint32_t count;        // events of this kind so far on this stream
    text_string detail;         // parse_error: failing field; unknown_event: its "e"; else a reason
    key_string listen_key;      // listen_key_expired: the key
    // The feed's statuses (not the parser's): since when the account's book may be missing events
    // (Unix ns, the local wall clock; 0 = in sync when this was published), and what the session is
    // waiting for to be live ("the stream connection", "the snapshot that heals the gap", "nothing").
    std::int64_t gap_since_ns;
    inline_string<32> waiting_for;
};

// ---- orders and risk payloads ------------------------------------------------------------------

struct order_update {
    enum flag : std::uint8_t {
        is_maker = 1 << 0,
        reduce_only = 1 << 1,
        close_all = 1 << 2,
        price_protect = 1 << 3,
        has_commission = 1 << 4, // N/n were present
    };
    symbol_string symbol;             // s
    client_id_string client_order_id; // c
    asset_string commission_asset;    // N
    asset_string margin_asset;        // ma (COIN-M)
    alias_string account_alias;       // i (COIN-M)
    decimal orig_qty;         // q
    decimal price;            // p
    decimal avg_price;        // ap
    decimal stop_price;       // sp
    decimal last_qty;         // l
    decimal cum_qty;          // z
    decimal last_price;       // L
    decimal commission;       // n
    decimal bid_notional;     // b
    decimal ask_notional;     // a
    decimal activation_price; // AP
    decimal callback_rate;    // cr
    decimal realized_profit;  // rp
    std::int64_t order_id;    // i
    std::int64_t trade_id;    // t
    std::int64_t trade_time_ms; // o.T
    std::int64_t gtd_ms;      // gtd
    std::int64_t modify_id;   // M (SDK-only, UNVERIFIED)
    order_side side;          // S
    order_type type;          // o
    order_type orig_type;     // ot
    time_in_force tif;        // f
    execution_type exec;      // x
    order_status status;      // X
    working_type working;     // wt
    position_side pos_side;   // ps
    stp_mode stp;             // V
    price_match match;        // pm
    std::uint8_t expiry_reason; // er
    std::uint8_t flags;
};

struct trade_lite {
    symbol_string symbol;             // s
    client_id_string client_order_id; // c
    decimal orig_qty;   // q
    decimal price;      // p
    decimal last_price; // L
    decimal last_qty;   // l
    std::int64_t trade_id; // t
    std::int64_t order_id; // i
    order_side side;       // S
    bool is_maker;         // m
};

struct algo_update {
    enum flag : std::uint8_t { close_all = 1 << 0, price_protect = 1 << 1, reduce_only = 1 << 2 };
    client_id_string client_algo_id; // caid
    symbol_string symbol;            // s
    inline_string<24> order_id;      // ai: a string, empty until triggered
    text_string reject_reason;       // rm
    decimal quantity;      // q
    decimal avg_price;     // ap
    decimal executed_qty;  // aq
    decimal trigger_price; // tp
    decimal price;         // p
    std::int64_t algo_id;  // aid
    std::int64_t trigger_time_ms; // tt
    std::int64_t gtd_ms;          // gtd
    algo_type type;          // at
    order_type order_kind;   // o
    order_type actual_type;  // act
    order_side side;         // S
    position_side pos_side;  // ps
    time_in_force tif;       // f
    algo_status status;      // X
    stp_mode stp;            // V
    working_type working;    // wt
    price_match match;       // pm
    std::uint8_t flags;
};

struct margin_call {
    enum field : std::uint8_t { f_cross_wallet = 1 << 0, f_isolated_wallet = 1 << 1 };
    symbol_string symbol;       // p[].s
    alias_string account_alias; // i (COIN-M)
    decimal cross_wallet_balance; // cw (crossed margin calls only)
    decimal amount;        // pa
    decimal isolated_wallet; // iw
    decimal mark_price;    // mp
    decimal unrealized_pnl; // up
    decimal maint_margin;  // mm
    position_side side;    // ps
    margin_type margin;    // mt ("CROSSED" here)
    std::uint8_t fields;
};

// A fill the stream lost in a gap, read back from GET /fapi/v1/userTrades (/dapi/v1) after the
// gap healed: header T = the trade's time. Published once per (symbol, orderId, tradeId) that the
// stream did not deliver. The book does not apply it (the healing snapshot holds its effect).
struct missed_fill {
    symbol_string symbol;       // symbol
    asset_string commission_asset; // commissionAsset
    decimal price;              // price
    decimal qty;                // qty
    decimal quote_qty;          // quoteQty (COIN-M: baseQty)
    decimal realized_pnl;       // realizedPnl
    decimal commission;         // commission (sign as Binance sends it)
    std::int64_t trade_id;      // id
    std::int64_t order_id;      // orderId
    order_side side;            // side
    position_side pos_side;     // positionSide
    bool buyer;                 // buyer
    bool maker;                 // maker
};

// ---- the ring slot --------------------------------------------------------------------------

struct alignas(cache_line) event {
    event_header header;
    union payload_t {
        balance_update balance;
        position_update position;
        leverage_update leverage;
        account_config_update account_config;
        snapshot_marker snapshot;
        stream_status status;
        order_update order;
        trade_lite trade;
        algo_update algo;
        margin_call margin;
        missed_fill fill;
    } payload;

    [[nodiscard]] constexpr event_type type() const noexcept { return header.type; }
};

inline constexpr std::size_t max_payload_size = sizeof(event::payload_t);

static_assert(std::is_trivially_copyable_v<event>);
static_assert(std::is_standard_layout_v<event>);
static_assert(std::is_trivially_default_constructible_v<event>);
static_assert(sizeof(event) % cache_line == 0, "an event is a whole number of cache lines");
static_assert(sizeof(event) == 320, "five cache lines: grow only when a payload needs it");
static_assert(sizeof(event) - 64 < sizeof(event_header) + max_payload_size,
              "as small as the largest payload allows");
static_assert(offsetof(event, payload) == sizeof(event_header));

template <>
struct enum_traits<event_type> {
    static constexpr std::string_view names[] = {"none",          "balance_update", "position_update",
                                                 "leverage_update", "account_config_update", "snapshot_begin",
                                                 "snapshot_end",  "stream_status",  "order_update",
                                                 "trade_lite",    "algo_update",    "margin_call",
                                                 "missed_fill"};
};
template <>
struct enum_traits<stream_status_kind> {
    static constexpr std::string_view names[] = {"unknown",       "connected",     "disconnected",
                                                 "listen_key_expired", "gap",      "parse_error",
                                                 "unknown_event", "ignored_event", "snapshot_failed",
                                                 "resumed",       "drift"};
};
template <>
struct enum_traits<snapshot_kind> {
    static constexpr std::string_view names[] = {
        "unknown",          "account_v2",       "account_v3",    "balance_v2",    "balance_v3",
        "position_risk_v2", "position_risk_v3", "symbol_config", "account_config", "coinm_account",
        "coinm_balance",    "coinm_position_risk", "wsapi_account_status", "wsapi_account_status_v2",
        "wsapi_account_balance", "wsapi_account_position"};
};
template <>
struct enum_traits<event_source> {
    static constexpr std::string_view names[] = {"stream", "snapshot"};
};

// Starts a fresh event in a slot: header set, payload zeroed (so absent fields read as zero and
// equality by bytes is meaningful).
// Cost: ten 32-byte stores with AVX (twenty 16-byte with SSE2), written out: a memset call, or
// the `rep stos` GCC makes of it, costs three to five times that per event.
inline void reset_event(event& ev, event_type type, market venue, std::uint16_t account = 0) noexcept {
#if defined(__AVX__)
    const __m256i zero = _mm256_setzero_si256();
#pragma GCC unroll 10
    for (std::size_t i = 0; i < sizeof(event); i += 32)
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(reinterpret_cast<char*>(&ev) + i), zero);
#elif defined(__SSE2__)
    const __m128i zero = _mm_setzero_si128();
#pragma GCC unroll 20
    for (std::size_t i = 0; i < sizeof(event); i += 16)
        _mm_storeu_si128(reinterpret_cast<__m128i*>(reinterpret_cast<char*>(&ev) + i), zero);
#else
    std::memset(static_cast<void*>(&ev), 0, sizeof(event));
#endif
    ev.header.type = type;
    ev.header.venue = venue;
    ev.header.account = account;
    ev.header.item_count = 1;
}

} // namespace acctsync
