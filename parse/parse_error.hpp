// acctsync/parse/parse_error.hpp — what a parser says when a payload is not what it should be.
//
// Every failure is typed (code), located (byte offset into the payload) and named (the field,
// as a JSON path like "a.B[].wb"). A failed frame publishes nothing.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/decimal.hpp"

namespace acctsync::parse {

enum class parse_errc : std::uint8_t {
    ok = 0,
    empty_payload,     // zero bytes (or only whitespace)
    oversized,         // larger than the parser's configured maximum frame
    invalid_json,      // malformed: missing/doubled comma, bad literal, comment, ...
    truncated,         // the payload ends inside a value (unclosed string, object or array)
    trailing_content,  // something after the top-level value
    not_an_object,     // top level (or a required member) is not an object/array as required
    wrong_type,        // a field holds the wrong JSON type (object where a string belongs, ...)
    missing_field,     // a required field is absent (e.g. "e", or "a" in ACCOUNT_UPDATE)
    bad_decimal,       // a decimal string that cannot be held exactly (see decimal_errc)
    bad_integer,       // not an integer, or outside int64
    string_too_long,   // longer than the inline capacity of its event field
    too_many_items,    // more items than a logical update can carry (65535)
    sink_full,         // the ring had no room for the whole frame; nothing was published, retry
    exchange_error,    // a Binance error body {"code":..,"msg":..} or WS-API error envelope
    unexpected_shape,  // valid JSON, but not the response this parser was asked for
};

[[nodiscard]] constexpr std::string_view to_string(parse_errc e) noexcept {
    constexpr std::string_view names[] = {"ok",          "empty_payload",   "oversized",      "invalid_json",
                                          "truncated",   "trailing_content", "not_an_object", "wrong_type",
                                          "missing_field", "bad_decimal",    "bad_integer",    "string_too_long",
                                          "too_many_items", "sink_full",     "exchange_error", "unexpected_shape"};
    const auto i = static_cast<std::size_t>(e);
    return i < std::size(names) ? names[i] : "?";
}

struct parse_result {
    parse_errc code = parse_errc::ok;
    std::uint32_t offset = 0;        // byte offset of the failure in the payload
    std::string_view field;          // JSON path of the failing field (static storage)
    decimal_errc decimal = decimal_errc::ok; // detail for bad_decimal
    std::uint8_t json_error = 0;     // simdjson::error_code detail for invalid_json/truncated
    std::int32_t exchange_code = 0;  // exchange_error: Binance's code (-1125, ...)
    std::int32_t http_status = 0;    // exchange_error from a WS-API envelope: its status
    std::uint32_t published = 0;     // events published from this payload

    [[nodiscard]] constexpr bool ok() const noexcept { return code == parse_errc::ok; }
    [[nodiscard]] constexpr explicit operator bool() const noexcept { return ok(); }
};

} // namespace acctsync::parse
