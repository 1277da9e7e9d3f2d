// acctsync/tools/sim/wire_forms.hpp — the other wire forms Binance's user-data frames take.
//
// The simulator's frames come from one writer (tools/sim/binance_writer), in one canonical form:
// a parser tested only against it shares its assumptions. Real frames differ (spec §1.6, the real
// captures in tests/data): the members in another order (the 2026-02 capture has "T" before "E"
// and "m" after "B"/"P"), decimals padded to 8 places ("0.00000000") or not ("0"), an empty
// "B" or "P" left out (spec §1.6.2: a crossed funding fee has "no P"), and listenKeyExpired's
// "E" as a string (spec §1.6.1: "Parse both"). vary_wire_form rewrites one frame into such a
// form; each rewrite is drawn from `rng`, so a seed gives the same bytes every run. The values
// are never changed: a mirror built from either form must be the same.
//
// A fifth form comes from templates of real captures (sample_wire_form): their member order and
// their per-field decimal places, vary_wire_form picking it for a share of the frames that have
// a template.
//
// Threads: any (pure apart from rng). Allocates; the simulator's io thread calls it per frame.
#pragma once

#include <optional>
#include <random>
#include <string>
#include <string_view>

namespace acctsync::sim {

// `frame`: one frame as binance_writer wrote it (a JSON object). Returns it in another form;
// text that is not a JSON object comes back as it is.
[[nodiscard]] std::string vary_wire_form(std::string_view frame, std::mt19937_64& rng);

// `frame` (bare or in a {"stream","data"} envelope) written as the real captures write that event
// type: the members in their order — ACCOUNT_UPDATE as the 2026-02 capture (e, T, E, a{B, P, m};
// B items a, wb, cw, bc; P items s, pa, ep, cr, up, mt, iw, ps, ma, bep), ORDER_TRADE_UPDATE as
// the 2024-11 capture, TRADE_LITE as usdm_trade_lite_01.json, ACCOUNT_CONFIG_UPDATE as
// usdm_account_config_update_02/03.json (e, T, E, then ac or ai); the COIN-M alias "i" after E —
// and their decimal places where the captures show them: non-zero wb, cw, cr, n and rp to 8
// places, ap to 5, L (and TRADE_LITE's p) to 2; zero stays "0", as in the captures. Only padding:
// a value with more places keeps them; members the captures lack stay, after the template's
// ones, in the frame's order. Other events (and text that is not such a frame) come back as they are.
[[nodiscard]] std::string sample_wire_form(std::string_view frame);
[[nodiscard]] bool has_sample_form(std::string_view frame);

// The gap fault at item level: `frame` (an ACCOUNT_UPDATE, bare or in a {"stream","data"}
// envelope) with one of its B or P items, drawn from `rng`, left out, everything else as it was
// (the member order too). nullopt when the frame is not an ACCOUNT_UPDATE with two items or more.
[[nodiscard]] std::optional<std::string> drop_one_item(std::string_view frame, std::mt19937_64& rng);

} // namespace acctsync::sim
