// acctsync/parse/rest_reply.hpp — the small REST answers the session acts on: Binance's error
// body {"code":-1021,"msg":"…"}, POST/PUT /listenKey's {"listenKey":"…"}, and /time's
// {"serverTime":…}. (Snapshot bodies are parse/snapshot.hpp's.)
//
// Cold path: each call copies the body into a padded buffer. Threads: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace acctsync::parse {

struct binance_error_body {
    std::int32_t code = 0;
    std::string msg;
};

// true when body is an object with an integer "code" (and a string "msg", possibly empty).
[[nodiscard]] bool read_error_body(std::string_view body, binance_error_body& out) noexcept;
// The "listenKey" string of a listenKey answer.
[[nodiscard]] bool read_listen_key(std::string_view body, std::string& out) noexcept;
// The "serverTime" integer (ms) of a /time answer.
[[nodiscard]] bool read_server_time(std::string_view body, std::int64_t& out) noexcept;

} // namespace acctsync::parse
