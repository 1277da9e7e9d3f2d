// acctsync/tools/sim/scenario.hpp — one random account operation, shared by the simulator's
// scenario loop and the engine's property tests (so both exercise the same traffic).
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "tools/sim/account_engine.hpp"

namespace acctsync::sim {

// op: 0 deposit, 1 withdraw, 2 leverage, 3 funding, 4 margin type, 5 multi-assets, 10 margin
// call, anything else a fill (order/trade id `id`). Returns the frames the operation pushes.
std::vector<std::string> random_operation(account_engine& e, int op, const std::string& symbol, std::mt19937_64& rng,
                                          std::int64_t t, std::int64_t id);

} // namespace acctsync::sim
