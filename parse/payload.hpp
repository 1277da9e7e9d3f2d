// acctsync/parse/payload.hpp — the contract between whoever holds a payload's bytes (the
// WebSocket decoder's receive buffer, a REST body, a capture file) and the parsers: the bytes
// after a payload's end that must be readable.
#pragma once

#include <cstddef>

namespace acctsync::parse {

// Readable bytes every payload must have after its end (simdjson's SIMDJSON_PADDING; the fast
// tiers read 8 and 32 bytes at a time up to it). Their values do not matter.
inline constexpr std::size_t payload_padding = 64;

} // namespace acctsync::parse
