// acctsync/parse/json/event_json.hpp — one event as one JSON line (acctsync's own shape, for people
// and tests: `acctsync parse` prints it). Field names are acctsync's, not Binance's; optional
// fields appear only when the message carried them. Not for the hot path (allocates).
#pragma once

#include <string>

#include "core/events.hpp"
#include "parse/parse_error.hpp"

namespace acctsync::parse {

void write_event_json(const event& ev, std::string& out);
[[nodiscard]] std::string event_json(const event& ev);
[[nodiscard]] std::string error_json(const parse_result& r);

} // namespace acctsync::parse
