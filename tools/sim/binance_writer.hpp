// acctsync/tools/sim/binance_writer.hpp — events -> Binance-shaped JSON.
//
// The inverse of the parsers: the exchange simulator serves what these write, and the round-trip
// tests check write -> parse gives back identical events. User-data frames are written with
// Binance's keys and spellings (decimals as strings in shortest exact form, ids as integers,
// COIN-M alias "i" when the events carry one); only fields the events mark present are written.
// Not for the hot path (appends to a std::string).
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "core/events.hpp"

namespace acctsync::sim {

struct frame_options {
    std::string_view combined_stream; // non-empty: wrap in {"stream":<this>,"data":...}
};

// One user-data frame from one logical update:
//  * balance/position events (one ACCOUNT_UPDATE; E, T, reason and alias from the first event);
//  * one leverage_update or account_config_update (ACCOUNT_CONFIG_UPDATE ac / ai);
//  * one order_update, trade_lite or algo_update;
//  * margin_call events (one MARGIN_CALL; cw from the first that carries it);
//  * one stream_status of kind listen_key_expired (listenKeyExpired).
// Returns false (and writes nothing) for anything else.
bool write_user_frame(std::span<const event> update, std::string& out, const frame_options& opt = {});

// What a body carries that no event does: the USDⓈ-M account totals (top level of account_v2
// and account_v3) and each position row's open-order notionals (bidNotional/askNotional of
// account_v2 and position_risk_v3 rows).
struct account_totals {
    decimal initial_margin, maint_margin, wallet_balance, unrealized_profit, margin_balance, position_initial_margin,
        open_order_initial_margin, cross_wallet_balance, cross_unpnl, available_balance, max_withdraw_amount;
};
struct rest_extras {
    const account_totals* totals = nullptr;                    // null: all zero
    std::span<const std::pair<decimal, decimal>> open_notionals; // bid, ask per position row, in row order
};

// A REST response body of `kind` from snapshot rows (balance/position/leverage/account-config
// events; other events are ignored). account_v2 also writes the multiAssetsMargin row. Every
// field of the real bodies is written (the rows say which of theirs are present); positionRisk
// v2 and COIN-M rows carry "isAutoAddMargin":"false" (a string there), COIN-M balances
// "withdrawAvailable" (the rows' max withdraw amount).
bool write_rest_snapshot(snapshot_kind kind, std::span<const event> rows, std::string& out, const rest_extras& extras = {});

// A Binance error body: {"code":-1125,"msg":"..."}.
void write_error_body(int code, std::string_view msg, std::string& out);

} // namespace acctsync::sim
