// The body of the fuzz_ws_frame target (shared with fuzz_regression_test): the frame decoder
// fed the same bytes whole and cut into chunks of sizes the input chooses must yield the same
// messages, control frames and errors, and never read outside what it was given.
//
// Input: byte 0 = how many chunk sizes follow (0-7), then that many sizes (1-256 each, 0 = 1),
// then the stream of server frames. The decoder's limit is small (4096) so limits are reached.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "support/ws_frames.hpp"

namespace acctsync::fuzz {

inline void ws_frame(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return;
    const std::size_t nchunks = data[0] & 7;
    if (size < 1 + nchunks) return;
    std::vector<std::size_t> chunks;
    for (std::size_t i = 0; i < nchunks; ++i) chunks.push_back(data[1 + i] == 0 ? 1 : data[1 + i]);
    const std::string stream(reinterpret_cast<const char*>(data + 1 + nchunks), size - 1 - nchunks);
    const auto whole = test::decode_chunked(stream, {}, 4096);
    const auto cut = test::decode_chunked(stream, chunks.empty() ? std::vector<std::size_t>{1} : chunks, 4096);
    if (!(whole == cut)) __builtin_trap();
}

} // namespace acctsync::fuzz
