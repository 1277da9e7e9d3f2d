// acctsync/tools/sim/account_engine.hpp — the exchange simulator's authoritative account.
//
// Holds the truth for one futures account (balances, positions in one-way or hedge mode, cross or
// isolated margin, leverage, multi-assets mode) and turns every change into the user-data frames
// Binance would push, in Binance's order and shape:
//   * a deposit/withdrawal pushes only that asset and "P":[];
//   * a fill pushes TRADE_LITE (USDⓈ-M) -> ORDER_TRADE_UPDATE NEW -> ACCOUNT_UPDATE ORDER ->
//     ORDER_TRADE_UPDATE TRADE, all with one E/T; the ACCOUNT_UPDATE carries the margin asset and
//     the changed position, plus the symbol's BOTH row in hedge mode; COIN-M pushes every position
//     and adds the account alias "i";
//   * funding: cross -> the asset only; isolated -> the asset and that position;
//   * margin-type change -> ACCOUNT_UPDATE MARGIN_TYPE_CHANGE with the symbol's rows;
//   * leverage -> ACCOUNT_CONFIG_UPDATE ac; multi-assets -> ACCOUNT_CONFIG_UPDATE ai.
// It also answers REST snapshots from the same state and prints the truth in the shape
// parse::book_json prints a mirror (values only, zero entries left out), so a test or the admin
// endpoint can compare the two byte for byte.
//
// Simplifications (a simulator, not a risk engine): no mark price (unrealized PnL stays 0,
// break-even = entry), isolated wallet = |amount| x entry / leverage, fees in the margin asset.
// One thread at a time.
#pragma once

#include <cstdint>
#include <map>
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
};

struct fill_request {
    std::string symbol;
    order_side side = order_side::buy;
    position_side pos_side = position_side::both; // LONG/SHORT in hedge mode
    decimal qty;
    decimal price;
    decimal fee;
    std::int64_t order_id = 0;
    std::int64_t trade_id = 0;
    std::string client_order_id = "sim";
};

class account_engine {
public:
    explicit account_engine(engine_options opt = {});

    // Each call returns the frames Binance would push for it, in order (empty when refused).
    std::vector<std::string> deposit(std::string_view asset, decimal amount, std::int64_t t);
    std::vector<std::string> withdraw(std::string_view asset, decimal amount, std::int64_t t);
    std::vector<std::string> fill(const fill_request& f, std::int64_t t);
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

    // A copy of the state without the trade log (what snapshots read): the server keeps these to
    // answer snapshots from a lagged copy of the account (server_config::snapshot_lag).
    [[nodiscard]] account_engine state_copy() const;

    // REST body of a snapshot kind, from the current state.
    [[nodiscard]] std::string rest_snapshot(snapshot_kind kind) const;
    // The truth in parse::book_json's shape (include_snapshot_only = false, skip_zero = true).
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
    };
    struct symbol_state {
        std::uint32_t leverage = 20;
        margin_type margin = margin_type::cross;
    };
    using position_key = std::pair<std::string, position_side>;

    event balance_event(const std::string& asset, decimal change, std::int64_t t, update_reason r) const;
    event position_event(const position_key& k, std::int64_t t, update_reason r) const;
    std::string account_update(std::vector<event> items) const; // one ACCOUNT_UPDATE frame, items numbered
    void stamp(event& ev, std::int64_t t) const;
    std::vector<event> snapshot_rows(snapshot_kind kind) const;
    position& position_of(const std::string& symbol, position_side side);

    engine_options opt_;
    std::map<std::string, balance> balances_;
    std::map<position_key, position> positions_;
    std::map<std::string, symbol_state> symbols_;
    bool multi_assets_ = false;
    std::int64_t multi_assets_time_ = 0;
    std::vector<trade_record> trades_;
};

} // namespace acctsync::sim
