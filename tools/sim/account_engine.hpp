// acctsync/tools/sim/account_engine.hpp — the exchange simulator's authoritative account.
//
// Holds the truth for one futures account (balances, positions in one-way or hedge mode, cross or
// isolated margin, leverage, multi-assets mode, resting orders) and turns every change into the
// user-data frames Binance would push, in Binance's orders and shapes (spec §1.5, §1.6, §2, §5.2):
//   * a deposit/withdrawal pushes only that asset and "P":[];
//   * a market fill: TRADE_LITE (USDⓈ-M) first, then ORDER_TRADE_UPDATE NEW, ACCOUNT_UPDATE ORDER
//     and ORDER_TRADE_UPDATE TRADE in one of the observed orders (the 2024-11/2026-02 captures'
//     NEW, ACCOUNT_UPDATE, TRADE; NEW, TRADE, ACCOUNT_UPDATE; ACCOUNT_UPDATE before both, §5.2); an
//     order may fill in several trades, each with its own trade id and T (PARTIALLY_FILLED with
//     cumulative z and average ap, then FILLED), each trade its own TRADE_LITE and ACCOUNT_UPDATE;
//   * a LIMIT order rests: ORDER_TRADE_UPDATE NEW only (b/a: the symbol's open bid/ask
//     notional), no ACCOUNT_UPDATE; later trades fill it as a maker, a cancel pushes
//     ORDER_TRADE_UPDATE CANCELED only;
//   * a liquidation: an "autoclose-<digits>" order, o LIQUIDATION or MARKET, x CALCULATED, X
//     FILLED, and the ACCOUNT_UPDATE (no TRADE_LITE: that stream pushes TRADE executions only);
//   * a trade's ACCOUNT_UPDATE on USDⓈ-M carries the margin asset and the changed position, plus
//     the symbol's BOTH row in hedge mode and, isolated, the other side once initialised (the
//     docs' three-row example); on COIN-M every asset (zero ones too) and only the traded
//     symbol's rows (the real capture), with the account alias "i";
//   * funding: cross -> the asset only; isolated -> the asset and that position;
//   * margin-type change -> ACCOUNT_UPDATE MARGIN_TYPE_CHANGE with the symbol's rows;
//   * leverage -> ACCOUNT_CONFIG_UPDATE ac; multi-assets -> ACCOUNT_CONFIG_UPDATE ai.
// Times: each operation has its own T, later than the account's last (so no two ACCOUNT_UPDATEs
// share a T); its frames' E is T + 0, 2 or 5 ms, or the previous operation's E where the two
// pushed different event types (distinct operations sharing an E); a TRADE_LITE's E may be up to
// 150 ms before its T (the docs' example). E and T never go back within an event type.
// It also answers REST snapshots from the same state and prints the truth in the shape
// parse::book_json prints a mirror (values only, zero entries left out), so a test or the admin
// endpoint can compare the two byte for byte.
//
// Mark prices: each symbol has one, starting at the level of the real samples (BTC 90853.2, ETH
// 2631.9, SOL 80.19, ADA 0.385) and moved by set_mark (the scenario random-walks it in small
// steps, scenario.hpp). A mark move pushes nothing (Binance pushes ACCOUNT_UPDATE only when a
// balance or position changes, spec §1.6.2), so a pushed position carries `up` valued at the
// mark of its push, while a REST/WS-API row carries the current mark, unrealized PnL, notional
// and margins with its updateTime still that of the last position change (the issue's "rows
// whose time is older than the last change of a snapshot-only field").
// Contracts: USDⓈ-M linear (uPnL = (mark - entry) x amount, notional = amount x mark); COIN-M
// inverse, amounts in contracts of 100 USD (BTC) or 10 USD (others), valued in the margin asset
// (uPnL = amount x size x (1/entry - 1/mark), notionalValue = amount x size / mark, entry the
// contract-weighted harmonic mean, realized PnL likewise).
// Snapshot bodies carry every field of the real samples with values consistent with each other:
// initialMargin = |notional| / leverage, maintMargin = |notional| x 0.004, isolatedMargin =
// isolated wallet + uPnL, an asset's unrealizedProfit the sum over its positions (crossUnPnl over
// its cross ones), marginBalance = wallet + uPnL, availableBalance = maxWithdrawAmount =
// marginBalance - initialMargin (never below 0), the USDⓈ-M account totals the margin asset's (all
// assets' in multi-assets mode, each counted as 1 USD: UNVERIFIED).
// Simplifications (a simulator, not a risk engine): break-even = entry, isolated wallet =
// initial margin at entry, fees in the margin asset, liquidation prices from a flat 0.4%
// maintenance rate (UNVERIFIED: Binance's brackets differ), nothing is liquidated by the engine
// itself (the scenario's liquidate() is). One thread at a time.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/events.hpp"

namespace acctsync::sim {

struct engine_options {
    market venue = market::usdm;
    bool hedge_mode = false;
    bool multi_assets = false;
    std::string alias = "SfsR"; // COIN-M account alias
    std::string quote = "USDT"; // USDⓈ-M margin asset
    std::uint64_t seed = 1;     // E - T, shared E's and the order of a fill's frames are drawn from it
};

struct fill_request {
    std::string symbol;
    order_side side = order_side::buy;
    position_side pos_side = position_side::both; // LONG/SHORT in hedge mode
    decimal qty;
    decimal price;
    decimal fee;
    std::int64_t order_id = 0;
    std::int64_t trade_id = 0;   // the first trade's id (the engine keeps trade ids increasing)
    std::string client_order_id = "sim";
    int trades = 1;              // a MARKET order filled in this many trades (qty split, fee too)
    decimal price_step;          // each further trade this much further from `price` (buys up, sells down)
};

// A LIMIT order that rests on the book until traded or cancelled.
struct order_request {
    std::string symbol;
    order_side side = order_side::buy;
    position_side pos_side = position_side::both; // LONG/SHORT in hedge mode
    decimal qty;
    decimal price;
    std::int64_t order_id = 0;
    std::string client_order_id = "sim";
};

class account_engine {
public:
    explicit account_engine(engine_options opt = {});

    // Each call returns the frames Binance would push for it, in order (empty when refused).
    std::vector<std::string> deposit(std::string_view asset, decimal amount, std::int64_t t);
    std::vector<std::string> withdraw(std::string_view asset, decimal amount, std::int64_t t);
    // A MARKET order filled at once (refused when a hedge side would cross zero).
    std::vector<std::string> fill(const fill_request& f, std::int64_t t);
    // A LIMIT order resting (NEW only); refused for a duplicate id or a non-positive qty or price.
    std::vector<std::string> place_limit(const order_request& o, std::int64_t t);
    // One trade of a resting order, as a maker at its price: `qty` of what is left (zero or more
    // than is left: all of it). A hedge side the trade would cross zero cancels the order instead.
    std::vector<std::string> fill_resting(std::int64_t order_id, decimal qty, decimal fee, std::int64_t trade_id,
                                          std::int64_t t);
    std::vector<std::string> cancel(std::int64_t order_id, std::int64_t t);
    // The position (symbol, side) closed by the venue at `price` (refused when it is flat).
    std::vector<std::string> liquidate(std::string_view symbol, position_side side, decimal price, decimal fee,
                                       std::int64_t order_id, std::int64_t trade_id, std::int64_t t);
    [[nodiscard]] std::vector<std::int64_t> open_order_ids() const; // resting orders, oldest first
    [[nodiscard]] std::vector<std::pair<std::string, position_side>> open_positions() const; // non-zero ones
    std::vector<std::string> funding(std::string_view symbol, position_side side, decimal amount, std::int64_t t);
    std::vector<std::string> set_leverage(std::string_view symbol, std::uint32_t leverage, std::int64_t t);
    // Account-mode changes Binance can refuse; a refusal pushes nothing and, when `why` is given,
    // says what the REST answer would be. (Codes from Binance's error-code list, UNVERIFIED
    // against a live answer: -4046 the type already set, -4048 a position open, -4168 isolated
    // under multi-assets mode, -4167 multi-assets mode with an isolated symbol, -4171 the mode
    // already set; COIN-M has no multi-assets mode: -1000.)
    struct refusal {
        std::int32_t code = 0;
        std::string msg;
    };
    std::vector<std::string> set_multi_assets(bool on, std::int64_t t, refusal* why = nullptr);
    std::vector<std::string> set_margin_type(std::string_view symbol, margin_type m, std::int64_t t, refusal* why = nullptr);
    std::vector<std::string> margin_call(std::int64_t t);

    // A symbol tradable on this account (v2 snapshots list every one, flat or not).
    void list_symbol(std::string_view symbol, std::uint32_t leverage = 20);
    [[nodiscard]] std::vector<std::string> symbols() const;
    // The symbol's mark price (listed symbols; 0 otherwise); set_mark moves it and pushes nothing.
    [[nodiscard]] decimal mark_price(std::string_view symbol) const;
    void set_mark(std::string_view symbol, decimal mark);
    // The symbol's price tick and quantity step (COIN-M: whole contracts).
    [[nodiscard]] decimal tick_size(std::string_view symbol) const;
    [[nodiscard]] decimal lot_size(std::string_view symbol) const;

    // A copy of the state without the trade log (what snapshots read): the server keeps these to
    // answer snapshots from a lagged copy of the account (server_config::snapshot_lag).
    [[nodiscard]] account_engine state_copy() const;

    // REST body of a snapshot kind, from the current state.
    [[nodiscard]] std::string rest_snapshot(snapshot_kind kind) const;
    // The truth: the state as one complete snapshot applied to an account_book and written by
    // parse::book_json (include_snapshot_only = false, skip_zero = true: state only, no
    // snapshot-only field and no unrealized PnL) — the mirror's own writer, not a second one.
    [[nodiscard]] std::string truth_json() const;

    // Every fill so far, and GET /fapi/v1/userTrades's body for one symbol (from_id >= 0: trades
    // with id >= from_id; else time >= start_time_ms; at most `limit`, oldest first).
    struct trade_record {
        std::string symbol;
        std::int64_t id = 0, order_id = 0, time = 0;
        order_side side = order_side::buy;
        position_side pos_side = position_side::both;
        decimal price, qty, realized, fee;
        std::string fee_asset;
    };
    [[nodiscard]] const std::vector<trade_record>& trades() const noexcept { return trades_; }
    [[nodiscard]] std::string user_trades_json(std::string_view symbol, std::int64_t start_time_ms, std::int64_t from_id,
                                               std::size_t limit) const;

    // GET /fapi/v1/income's body: a COMMISSION row per fill and a REALIZED_PNL row per fill that
    // realized any, time in [start, end], oldest first, at most `limit` (income_type empty: both).
    [[nodiscard]] std::string income_json(std::string_view income_type, std::int64_t start_time_ms, std::int64_t end_time_ms,
                                          std::size_t limit) const;

    [[nodiscard]] const engine_options& options() const noexcept { return opt_; }
    [[nodiscard]] std::string margin_asset_of(std::string_view symbol) const;

private:
    struct balance {
        decimal wallet;
        decimal cross_wallet;
        std::int64_t time = 0;
    };
    struct position {
        decimal amount;
        decimal entry;
        decimal accumulated;
        decimal isolated_wallet;
        std::int64_t time = 0;
        bool initialised = false; // traded at least once (an isolated hedge side then rides along)
    };
    struct resting_order {
        std::string symbol;
        std::string client_order_id;
        order_side side = order_side::buy;
        position_side pos_side = position_side::both;
        decimal qty, price, filled, avg;
    };
    struct symbol_state {
        std::uint32_t leverage = 20;
        margin_type margin = margin_type::cross;
        decimal mark;
    };
    // A position valued at the current mark (see the file comment).
    struct valuation {
        decimal upnl, notional, initial_margin, maint_margin, isolated_margin, liquidation;
    };
    [[nodiscard]] decimal contract_size(const std::string& symbol) const; // COIN-M; 0 on USDⓈ-M
    [[nodiscard]] decimal upnl_at(const std::string& symbol, const position& p, decimal mark) const;
    [[nodiscard]] valuation value(const std::string& symbol, const position& p) const;
    // The initial margin resting orders of the symbol (and side; unknown: every side) reserve,
    // and their bid and ask notional.
    [[nodiscard]] decimal open_order_margin(const std::string& symbol, position_side side) const;
    [[nodiscard]] std::pair<decimal, decimal> open_notionals(const std::string& symbol, position_side side) const;
    // An asset's snapshot fields (see the file comment).
    struct asset_values {
        decimal upnl, cross_upnl, position_initial, open_order_initial, maint, margin_balance, available;
    };
    [[nodiscard]] asset_values asset_value(const std::string& asset) const;
    using position_key = std::pair<std::string, position_side>;

    // The event types whose E and T are kept in order (one clock each).
    enum wire_kind : unsigned { w_account, w_config, w_order, w_trade_lite, w_margin_call, w_kinds };
    struct op_clock {
        std::uint64_t seq = 0;
        std::int64_t t = 0;        // T of the operation (of its first trade)
        std::int64_t e_delay = 0;  // E - T of its frames: 0, 2 or 5 ms
        std::int64_t shared_e = 0; // the previous operation's E, taken where no type's order forbids it
        std::int64_t e = 0;        // the E of its last frame (not a TRADE_LITE's)
    };
    op_clock begin_op(std::int64_t t);
    std::int64_t next_trade_time(op_clock& op); // another trade of the operation: a later T
    // E for a frame of kind k with transaction time T (candidate < 0: the operation's plan).
    std::int64_t event_time(op_clock& op, wire_kind k, std::int64_t T, std::int64_t candidate = -1);
    void stamp(event& ev, op_clock& op, wire_kind k, std::int64_t T, std::int64_t candidate = -1);
    void end_op(const op_clock& op);
    std::int64_t next_trade_id(std::int64_t wanted);

    event balance_event(const std::string& asset, decimal change, std::int64_t t, update_reason r) const;
    event position_event(const position_key& k, std::int64_t t, update_reason r) const;
    // One ACCOUNT_UPDATE frame, items numbered and stamped.
    std::string account_update(std::vector<event> items, op_clock& op, std::int64_t T);
    // The state change of one trade (position, isolated wallet, wallet, trade log); the realized PnL.
    decimal trade(const std::string& symbol, position_side side, order_side dir, decimal qty, decimal price, decimal fee,
                  std::int64_t T, std::int64_t order_id, std::int64_t trade_id);
    [[nodiscard]] bool crosses_zero(const std::string& symbol, position_side side, order_side dir, decimal qty);
    // A trade's ACCOUNT_UPDATE items (see the file comment).
    std::vector<event> trade_items(const std::string& symbol, position_side side, std::int64_t T) const;
    // The symbol's open bid and ask notional (ORDER_TRADE_UPDATE b and a).
    void notionals(const std::string& symbol, order_update& o) const;
    event order_event(const std::string& symbol, const std::string& client_id, order_side side, position_side ps,
                      order_type type, decimal qty, decimal price, std::int64_t order_id) const;
    event trade_lite_event(const event& order) const;
    std::vector<event> snapshot_rows(snapshot_kind kind) const;
    position& position_of(const std::string& symbol, position_side side);

    engine_options opt_;
    std::map<std::string, balance> balances_;
    std::map<position_key, position> positions_;
    std::map<std::string, symbol_state> symbols_;
    bool multi_assets_ = false;
    std::int64_t multi_assets_time_ = 0;
    std::vector<trade_record> trades_;
    std::map<std::int64_t, resting_order> resting_;
    std::mt19937_64 rng_;
    std::uint64_t op_seq_ = 0;
    std::int64_t last_t_ = 0;  // the last T any frame carried
    std::int64_t prev_e_ = 0;  // the previous operation's E
    struct clock_mark {
        std::int64_t e = 0;
        std::uint64_t op = 0;
    };
    std::array<clock_mark, w_kinds> marks_{};
    std::int64_t last_trade_id_ = 0;
};

} // namespace acctsync::sim
