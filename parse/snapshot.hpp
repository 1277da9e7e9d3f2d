// acctsync/parse/snapshot.hpp — REST and WS-API account snapshots -> snapshot events.
//
// Every snapshot becomes snapshot_begin, rows (balance / position / leverage / account-config
// events with source == snapshot), snapshot_end{complete, row_count}, published whole or not at
// all (large ones in several commits of one logical update, like the stream parser). The scope
// the snapshot speaks for completely follows from its kind (v2 account: assets, positions,
// leverage, account config; v3 account: assets, positions; balance: assets; ...); see
// scope_of(). v3 positionRisk/account rows with positionAmt 0 (symbols that only have open
// orders) are skipped: absent from a complete snapshot already means flat.
//
// Binance error bodies {"code":-1125,"msg":"..."} and WS-API error envelopes become
// exchange_error with the code (and the envelope's status).
//
// Threads: one parser per thread. No allocation after construction.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "core/events.hpp"
#include "parse/event_sink.hpp"
#include "parse/parse_error.hpp"
#include "parse/parser_options.hpp"

namespace acctsync::parse {

struct snapshot_request {
    snapshot_kind kind = snapshot_kind::unknown; // the REST endpoint, or the WS-API method's REST twin
    market venue = market::usdm;
    std::uint16_t account = 0;
    std::uint64_t snapshot_id = 0;
    std::int64_t as_of_ms = 0;        // exchange time the answer describes (server time at response)
    std::int64_t request_sent_ns = 0; // local wall clock when the request left
    std::int64_t recv_ns = 0;
    std::string_view symbol_filter;   // non-empty when the request named one symbol
};

// Completeness scope of a snapshot kind (snapshot_scope bits).
[[nodiscard]] std::uint8_t scope_of(snapshot_kind kind) noexcept;

// "/fapi/v2/account" -> account_v2, "v2/account.status" (+market) -> account_v3, ...;
// unknown -> snapshot_kind::unknown.
[[nodiscard]] snapshot_kind kind_from_path(std::string_view rest_path) noexcept;
// The REST path of a REST kind ("/fapi/v2/account"); empty for WS-API kinds and unknown.
[[nodiscard]] std::string_view path_of(snapshot_kind kind) noexcept;
[[nodiscard]] snapshot_kind kind_from_wsapi_method(std::string_view method, market venue) noexcept;
// CLI names: "account-v2", "position-risk-v3", "coinm-account", ...
[[nodiscard]] snapshot_kind kind_from_name(std::string_view name) noexcept;
[[nodiscard]] std::string_view name_of(snapshot_kind kind) noexcept;

// What a WS-API response envelope said besides its result.
struct wsapi_envelope {
    std::string_view id;        // raw JSON token of "id" (quotes included for strings)
    std::int32_t status = 0;    // HTTP-like status
    std::int32_t weight_used = -1;  // rateLimits REQUEST_WEIGHT count, -1 if absent
    std::int32_t weight_limit = -1;
    key_string listen_key{};    // userDataStream.start/ping result
};

class snapshot_parser {
public:
    explicit snapshot_parser(parser_options opt = {});
    ~snapshot_parser();
    snapshot_parser(const snapshot_parser&) = delete;
    snapshot_parser& operator=(const snapshot_parser&) = delete;

    // A REST response body. data must have payload_padding readable bytes after size.
    [[nodiscard]] parse_result parse_rest(const char* data, std::size_t size, const snapshot_request& req,
                                          const event_sink& sink) noexcept;
    // A WS-API response frame {"id","status","result"|"error","rateLimits"}. req.kind names the
    // shape of "result" (use kind_from_wsapi_method); for userDataStream.* pass unknown and read
    // the listen key from `env`.
    [[nodiscard]] parse_result parse_wsapi(const char* data, std::size_t size, const snapshot_request& req,
                                           const event_sink& sink, wsapi_envelope* env = nullptr) noexcept;

    struct impl;

private:
    std::unique_ptr<impl> impl_;
};

} // namespace acctsync::parse
