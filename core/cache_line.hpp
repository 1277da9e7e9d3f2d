// acctsync/core/cache_line.hpp — the project's one cache-line size: what padding and alignment
// separate data that different cores write (the ring's indices, an event's slot). 64 bytes on
// every x86-64 and most AArch64 parts; std::hardware_destructive_interference_size is not used
// because GCC warns that its value may differ between translation units built for other CPUs.
#pragma once

#include <cstddef>

namespace acctsync {

inline constexpr std::size_t cache_line = 64;

} // namespace acctsync
