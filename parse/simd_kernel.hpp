// acctsync/parse/simd_kernel.hpp — which simdjson kernel this build parses with.
//
// simdjson On-Demand binds its kernel at compile time (SIMDJSON_BUILTIN_IMPLEMENTATION): built
// without -march it is `fallback` (scalar), with -march=haswell `haswell`, with -march=native
// `icelake` on AVX-512 machines. Startup code and tests check it so a mis-flagged build is loud.
#pragma once

#include <string_view>

namespace acctsync::parse {

// Kernel compiled into this library's On-Demand parsers ("haswell", "icelake", "fallback", ...).
[[nodiscard]] std::string_view builtin_kernel() noexcept;
// Kernel simdjson's runtime dispatch would pick on this CPU (used by the DOM API).
[[nodiscard]] std::string_view best_runtime_kernel() noexcept;

} // namespace acctsync::parse
