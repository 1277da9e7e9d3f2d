// acctsync/parse/rest_reply.hpp — the small REST answers the session acts on: Binance's error
// body {"code":-1021,"msg":"…"}, POST/PUT /listenKey's {"listenKey":"…"}, and /time's
// {"serverTime":…}, and a WS-API response's head. (Snapshot bodies are parse/snapshot.hpp's.)
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
// The head of a WS-API response {"id":…,"status":…,"result"|"error":…,"rateLimits":…}: the
// id as text (a string's characters, a number's digits, "null" for null), the status, and the
// error's code and message when there is one.
struct wsapi_head {
    std::string id;
    std::int32_t status = 0;
    bool has_error = false;
    binance_error_body error;
    std::string listen_key; // result.listenKey (userDataStream.start/ping)
    std::int64_t retry_after_ms = 0; // error.data.retryAfter: when a 429/418 back-off ends (server ms)
};
[[nodiscard]] bool read_wsapi_head(std::string_view frame, wsapi_head& out) noexcept;
// The "serverTime" integer (ms) of a /time answer.
[[nodiscard]] bool read_server_time(std::string_view body, std::int64_t& out) noexcept;

} // namespace acctsync::parse
