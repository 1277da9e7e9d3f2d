// acctsync/parse/parser_options.hpp — what every parser is configured with (the stream parser,
// the snapshot parser, the internals they share), apart from any one parser's header.
#pragma once

#include <cstddef>
#include <cstdint>

#include "parse/payload.hpp"

namespace acctsync::parse {

struct parser_options {
    std::size_t max_frame = 1 << 20; // larger payloads are `oversized`
    std::uint16_t max_batch = 256;   // events per commit
    // Try the fast scanner first (parse/detail/fast_json.hpp); it hands every frame it cannot read
    // completely to simdjson On-Demand. false = On-Demand only: the reference path, which the
    // differential tests and fuzz target compare the fast one against.
    bool fast_pass = true;
};

} // namespace acctsync::parse
