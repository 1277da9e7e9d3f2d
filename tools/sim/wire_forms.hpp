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

// The gap fault at item level: `frame` (an ACCOUNT_UPDATE, bare or in a {"stream","data"}
// envelope) with one of its B or P items, drawn from `rng`, left out, everything else as it was
// (the member order too). nullopt when the frame is not an ACCOUNT_UPDATE with two items or more.
[[nodiscard]] std::optional<std::string> drop_one_item(std::string_view frame, std::mt19937_64& rng);

} // namespace acctsync::sim
