// acctsync/tools/sim/scenario.hpp — one random account operation, shared by the simulator's
// scenario loop and the engine's property tests (so both exercise the same traffic).
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "tools/sim/account_engine.hpp"

namespace acctsync::sim {

// op: 0 deposit, 1 withdraw, 2 leverage, 3 funding, 4 margin type, 5 multi-assets, 6 a MARKET
// fill (one to three trades), 7 a LIMIT order that rests, 8 a trade of a resting order (a part or
// the rest), 9 a cancel (8 and 9 place an order when none rests), 10 margin call, 11 a
// liquidation of an open position; anything else a MARKET fill. Order ids are `id`, trade ids
// from `id` on. Returns the frames the operation pushes.
// Before it, the symbol's mark price takes a small random step (walk_mark; a mark move pushes
// nothing); prices are drawn around the mark (fills within 0.2%, resting orders within 1%,
// liquidations within 0.5%) on the symbol's tick, quantities in its lots (1 to 1000; COIN-M 1 to
// 100 contracts).
inline constexpr int operation_count = 12;
// The symbol's mark moves by up to 3 steps of 0.005% either way (BTC: about 4.5 USD a step).
void walk_mark(account_engine& e, const std::string& symbol, std::mt19937_64& rng);
std::vector<std::string> random_operation(account_engine& e, int op, const std::string& symbol, std::mt19937_64& rng,
                                          std::int64_t t, std::int64_t id);

} // namespace acctsync::sim
