// acctsync/parse/detail/stream_schema.hpp — internal: every member of every user-data stream
// event, written once (spec/binance-futures.md §1.5–§1.7 and §2 say what each one means).
//
// The direct reader (tier 1, direct_reader.hpp) and the general readers (tiers 2 and 3,
// schema_reader.hpp) are both expanded from these tables, so a field added here is read by every
// tier the same way. Members are listed in the order Binance sends them (real captures in
// tests/data/samples), which lets the direct reader confirm each key with one compare; members
// we know and do not keep are listed too (`skip`), so they do not leave that path.
//
// frame_state is what a frame says outside its events (E, T, the update reason, the COIN-M
// account alias, ...): members may come in any order, so it is collected first and stamped onto
// every event of the frame when it is published (user_stream.cpp finish()).
#pragma once

#include <cstdint>
#include <string_view>

#include "core/events.hpp"
#include "parse/detail/schema.hpp"

namespace acctsync::parse::detail {

struct frame_state {
    enum has_bit : std::uint8_t {
        has_alias = 1 << 0,
        has_cross_wallet = 1 << 1,
        has_listen_key = 1 << 2,
        has_stream = 1 << 3,
    };
    std::int64_t E;
    std::int64_t T;
    std::uint64_t present;   // which of the frame schema's members were read (required checks)
    std::uint32_t expect;    // the frame schema's member expected next
    update_reason reason;    // a.m
    std::uint8_t has;        // the members below that the frame carried
    bool routed;             // `account` is stream's route (once per frame)
    std::uint16_t account;
    std::string_view event_name;
    std::string_view stream; // the combined envelope's "stream" (into the frame)
    alias_string alias;      // COIN-M "i"
    decimal cross_wallet;    // MARGIN_CALL cw
    key_string listen_key;   // listenKeyExpired

    // Per frame: only what is read unconditionally; the rest is guarded by `has`.
    void reset() noexcept {
        E = T = 0;
        present = 0;
        expect = 0;
        reason = update_reason::unknown;
        has = 0;
        routed = false;
    }
};

namespace stream_schema {
using namespace acctsync::parse::detail::schema;
using fs = frame_state;

// ---- ACCOUNT_UPDATE (§1.6) ---------------------------------------------------------------------
struct balance {
    using body = balance_update;
    using b = balance_update;
    static constexpr std::string_view path = "a.B[]";
    static constexpr auto members = std::tuple{
        required(field("a", &b::asset)),
        field("wb", &b::wallet_balance, &b::fields, b::f_wallet_balance),
        field("cw", &b::cross_wallet_balance, &b::fields, b::f_cross_wallet_balance),
        field("bc", &b::balance_change, &b::fields, b::f_balance_change), // absent in captures before 2020
    };
    static void init(body&) noexcept {} // source: event_source::stream is 0, as reset_event left it
};
static_assert(static_cast<int>(event_source::stream) == 0);

struct position {
    using body = position_update;
    using p = position_update;
    static constexpr std::string_view path = "a.P[]";
    static constexpr auto members = std::tuple{
        required(field("s", &p::symbol)),
        field("pa", &p::amount, &p::fields, p::f_amount),
        field("ep", &p::entry_price, &p::fields, p::f_entry_price),
        field("cr", &p::accumulated_realized, &p::fields, p::f_accumulated_realized),
        field("up", &p::unrealized_pnl, &p::fields, p::f_unrealized_pnl),
        margin("mt", &p::margin, &p::fields, p::f_margin_type),
        field("iw", &p::isolated_wallet, &p::fields, p::f_isolated_wallet),
        strict_side("ps", &p::side), // a side this library cannot key is an error
        field("ma", &p::margin_asset, &p::fields, p::f_margin_asset), // undocumented; the margin asset (§1.6, UNVERIFIED)
        field("bep", &p::break_even_price, &p::fields, p::f_break_even_price),
    };
    // one-way mode rows always say BOTH; UNVERIFIED that ps is never omitted
    static void init(body& x) noexcept { x.side = position_side::both; } // source: stream (0) already
};

struct account_update_body {
    using body = fs;
    static constexpr std::string_view path = "a";
    static constexpr auto members = std::tuple{
        // recorded frames (2021, 2026) end with m; the docs' examples start with it
        events<event_type::balance_update, balance>("B"),
        events<event_type::position_update, position>("P"),
        field("m", &fs::reason),
    };
    static void init(body&) noexcept {}
};

struct account_update_frame {
    using body = fs;
    static constexpr std::string_view path = "";
    static constexpr auto members = std::tuple{
        field("T", &fs::T),
        field("E", &fs::E),
        required(object<account_update_body>("a")),
        field("i", &fs::alias, &fs::has, fs::has_alias), // COIN-M account alias (before "a" there)
    };
};

// ---- ACCOUNT_CONFIG_UPDATE (§1.6.4) ----------------------------------------------------------
struct leverage {
    using body = leverage_update;
    using l = leverage_update;
    static constexpr std::string_view path = "ac";
    static constexpr auto members = std::tuple{
        required(field("s", &l::symbol)),
        bounded("l", &l::leverage, 0xFFFF, &l::fields, l::f_leverage),
    };
    static void init(body& x) noexcept { x.source = event_source::stream; }
};

struct multi_assets {
    using body = account_config_update;
    using a = account_config_update;
    static constexpr std::string_view path = "ai";
    static constexpr auto members = std::tuple{
        required(field("j", &a::multi_assets, &a::fields, a::f_multi_assets)),
    };
    static void init(body& x) noexcept { x.source = event_source::stream; }
};

struct account_config_frame {
    using body = fs;
    static constexpr std::string_view path = "";
    static constexpr auto members = std::tuple{
        field("T", &fs::T),
        field("E", &fs::E),
        field("i", &fs::alias, &fs::has, fs::has_alias),
        any_of(1, event<event_type::leverage_update, leverage>("ac")), // one of the two is the update
        any_of(1, event<event_type::account_config_update, multi_assets>("ai")),
    };
};

// ---- ORDER_TRADE_UPDATE (§1.5) -----------------------------------------------------------------
struct order {
    using body = order_update;
    using o = order_update;
    static constexpr std::string_view path = "o";
    static constexpr auto members = std::tuple{
        required(field("s", &o::symbol)),
        field("c", &o::client_order_id),
        field("S", &o::side),
        field("o", &o::type),
        field("f", &o::tif),
        field("q", &o::orig_qty),
        field("p", &o::price),
        field("ap", &o::avg_price),
        field("sp", &o::stop_price),
        field("x", &o::exec),
        field("X", &o::status),
        required(field("i", &o::order_id)),
        field("l", &o::last_qty),
        field("z", &o::cum_qty),
        field("L", &o::last_price),
        field("ma", &o::margin_asset), // COIN-M
        // the recorded frames' order (2021 testnet, 2024 mainnet); the docs' examples put N before n
        // and rp after ss
        field("n", &o::commission, &o::flags, o::has_commission),
        field("N", &o::commission_asset, &o::flags, o::has_commission), // "will not push if no commission"
        field("T", &o::trade_time_ms),
        field("t", &o::trade_id),
        field("b", &o::bid_notional),
        field("a", &o::ask_notional),
        flag("m", &o::flags, o::is_maker),
        flag("R", &o::flags, o::reduce_only),
        field("wt", &o::working),
        field("ot", &o::orig_type),
        field("ps", &o::pos_side),
        flag("cp", &o::flags, o::close_all),
        field("AP", &o::activation_price), // trailing stops only
        field("cr", &o::callback_rate),
        field("rp", &o::realized_profit),
        flag("pP", &o::flags, o::price_protect),
        skip("si"), // "ignore" (§1.5)
        skip("ss"),
        field("V", &o::stp),
        field("pm", &o::match),
        field("gtd", &o::gtd_ms),
        field("er", &o::expiry_reason), // 0..9 today (§1.5)
        skip("W"),                      // undocumented, null in the 2025 doc example
        lenient_int("M", &o::modify_id), // modifyId: SDK-only (2026-07), type UNVERIFIED (string per SDK)
    };
    static void init(body&) noexcept {}
};

struct order_frame {
    using body = fs;
    static constexpr std::string_view path = "";
    static constexpr auto members = std::tuple{
        field("T", &fs::T),
        field("E", &fs::E),
        field("i", &fs::alias, &fs::has, fs::has_alias),
        required(event<event_type::order_update, order>("o")),
    };
};

// ---- TRADE_LITE (§1.5.1): the trade is the frame itself ---------------------------------------
struct trade_lite_frame {
    using body = trade_lite;
    using t = trade_lite;
    static constexpr std::string_view path = "";
    static constexpr auto members = std::tuple{
        field("E", &fs::E),
        field("T", &fs::T),
        field("s", &t::symbol), // required and non-empty: checked when the frame ends
        field("q", &t::orig_qty),
        field("p", &t::price),
        field("m", &t::is_maker),
        field("c", &t::client_order_id),
        field("S", &t::side),
        field("L", &t::last_price),
        field("l", &t::last_qty),
        field("t", &t::trade_id),
        field("i", &t::order_id),
    };
};

// ---- ALGO_UPDATE (§1.5.2) ----------------------------------------------------------------------
struct algo {
    using body = algo_update;
    using a = algo_update;
    static constexpr std::string_view path = "o";
    static constexpr auto members = std::tuple{
        field("caid", &a::client_algo_id),
        required(field("aid", &a::algo_id)),
        field("at", &a::type),
        field("o", &a::order_kind),
        field("s", &a::symbol),
        field("S", &a::side),
        field("ps", &a::pos_side),
        field("f", &a::tif),
        field("q", &a::quantity),
        field("X", &a::status),
        field("ai", &a::order_id), // a string, empty until triggered
        field("ap", &a::avg_price),
        field("aq", &a::executed_qty),
        field("act", &a::actual_type),
        field("tp", &a::trigger_price),
        field("p", &a::price),
        field("V", &a::stp),
        field("wt", &a::working),
        field("pm", &a::match),
        flag("cp", &a::flags, a::close_all),
        flag("pP", &a::flags, a::price_protect),
        flag("R", &a::flags, a::reduce_only),
        field("tt", &a::trigger_time_ms),
        field("gtd", &a::gtd_ms),
        field("rm", &a::reject_reason),
        // undocumented "ia" (UNVERIFIED meaning) is skipped as an unknown member
    };
    static void init(body&) noexcept {}
};

struct algo_frame {
    using body = fs;
    static constexpr std::string_view path = "";
    static constexpr auto members = std::tuple{
        field("T", &fs::T),
        field("E", &fs::E),
        field("i", &fs::alias, &fs::has, fs::has_alias),
        required(event<event_type::algo_update, algo>("o")),
    };
};

// ---- MARGIN_CALL (§1.7) ------------------------------------------------------------------------
struct margin_call_item {
    using body = margin_call;
    using m = margin_call;
    static constexpr std::string_view path = "p[]";
    static constexpr auto members = std::tuple{
        required(field("s", &m::symbol)),
        field("ps", &m::side),
        field("pa", &m::amount),
        margin("mt", &m::margin),
        field("iw", &m::isolated_wallet, &m::fields, m::f_isolated_wallet),
        field("mp", &m::mark_price),
        field("up", &m::unrealized_pnl),
        field("mm", &m::maint_margin),
    };
    static void init(body&) noexcept {}
};

struct margin_call_frame {
    using body = fs;
    static constexpr std::string_view path = "";
    static constexpr auto members = std::tuple{
        field("E", &fs::E),
        field("T", &fs::T),
        field("i", &fs::alias, &fs::has, fs::has_alias),
        field("cw", &fs::cross_wallet, &fs::has, fs::has_cross_wallet), // crossed margin calls only
        events<event_type::margin_call, margin_call_item>("p"),
    };
};

// ---- listenKeyExpired (§1.2), and events the mirror does not read -----------------------------
struct listen_key_expired_frame {
    using body = fs;
    static constexpr std::string_view path = "";
    static constexpr auto members = std::tuple{
        field("E", &fs::E), // a string in some captures (§1.6: quoted integers are read as integers)
        field("T", &fs::T),
        field("i", &fs::alias, &fs::has, fs::has_alias),
        field("listenKey", &fs::listen_key, &fs::has, fs::has_listen_key),
    };
};

struct other_frame { // STRATEGY_UPDATE, GRID_UPDATE, ..., and names this build does not know
    using body = fs;
    static constexpr std::string_view path = "";
    static constexpr auto members = std::tuple{
        field("T", &fs::T),
        field("E", &fs::E),
        field("i", &fs::alias, &fs::has, fs::has_alias),
    };
};

} // namespace stream_schema
} // namespace acctsync::parse::detail
