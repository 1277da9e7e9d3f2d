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

// A REST response body of `kind` from snapshot rows (balance/position/leverage/account-config
// events; other events are ignored). account_v2 also writes the multiAssetsMargin row.
bool write_rest_snapshot(snapshot_kind kind, std::span<const event> rows, std::string& out);

// A Binance error body: {"code":-1125,"msg":"..."}.
void write_error_body(int code, std::string_view msg, std::string& out);

} // namespace acctsync::sim
