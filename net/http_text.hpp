// acctsync/net/http_text.hpp — the text rules of HTTP/1.1 header fields (RFC 9110 §5), shared by
// the WebSocket upgrade (net/ws_client.cpp) and the REST connection (net/https_connection.cpp):
// names compare case-insensitively, values lose optional whitespace at both ends, and list
// values are comma-separated tokens.
//
// Threads: pure functions. Cold path (handshakes and REST answers).
#pragma once

#include <algorithm>
#include <cctype>
#include <string_view>

namespace acctsync::net {

[[nodiscard]] inline bool iequals(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

// A field value without leading/trailing spaces and tabs (and a stray CR at the end).
[[nodiscard]] inline std::string_view trim_ows(std::string_view s) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

// Does a comma-separated field value hold `token` (case-insensitive)?
[[nodiscard]] inline bool has_token(std::string_view value, std::string_view token) noexcept {
    while (!value.empty()) {
        const auto comma = value.find(',');
        if (iequals(trim_ows(value.substr(0, comma)), token)) return true;
        if (comma == std::string_view::npos) break;
        value.remove_prefix(comma + 1);
    }
    return false;
}

} // namespace acctsync::net
