// acctsync/net/https_connection.hpp — one kept-alive HTTP/1.1 connection over net/tls.hpp, for
// the REST client (the cold path: snapshots, listenKey, time).
//
// A request reuses the open connection; when there is none it connects first (the TLS session
// is resumed where the server allows). Responses are read by Content-Length, chunked transfer
// coding, or to the end of the connection; `Connection: close` is honoured. Every request is
// bounded by request_timeout, heads and bodies by their limits; each failure is a net_errc
// (http_truncated for a body cut mid-way, http_timeout, http_bad_response, …).
//
// A kept-alive connection may have been closed by the server while idle; a request that fails
// on such a connection before a single byte of response arrived is sent again once on a new
// connection — only when the caller says the request is idempotent.
//
// Threads: one thread (the control thread) per connection. Allocates (strings, headers).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "net/net_error.hpp"
#include "net/tls.hpp"

namespace acctsync::net {

struct http_header {
    std::string name;
    std::string value;
};

struct http_response {
    int status = 0;
    std::vector<http_header> headers;
    std::string body;
    // The first header of that name (case-insensitive), empty when absent.
    [[nodiscard]] std::string_view header(std::string_view name) const noexcept;
};

struct http_request {
    std::string_view method = "GET";
    std::string_view target = "/";
    std::vector<http_header> headers;
    std::string_view body;
    std::string_view content_type = "application/x-www-form-urlencoded";
};

struct https_options {
    std::string connect_to{}; // dial this address instead of the host's (the name is still verified)
    std::chrono::milliseconds request_timeout{10000};
    std::size_t max_head = 64 * 1024;
    std::size_t max_body = 64 * 1024 * 1024;
};

class https_connection {
public:
    https_connection(tls_context& tls, std::string host, std::uint16_t port, https_options opt = {});
    https_connection(const https_connection&) = delete;
    https_connection& operator=(const https_connection&) = delete;

    [[nodiscard]] net_error request(const http_request& req, http_response& out, bool idempotent);
    void close() noexcept { tls_.close(); }

    [[nodiscard]] bool open() const noexcept { return tls_.open(); }
    [[nodiscard]] const std::string& host() const noexcept { return host_; }
    [[nodiscard]] std::uint64_t connects() const noexcept { return connects_; }
    [[nodiscard]] const tls_stream& tls() const noexcept { return tls_; }

private:
    [[nodiscard]] net_error exchange(const std::string& wire, http_response& out, bool& got_bytes);

    tls_context& tls_ctx_;
    std::string host_;
    std::uint16_t port_;
    https_options opt_;
    tls_stream tls_;
    std::string rx_; // bytes read past the last response (a pipelined server's next bytes)
    std::uint64_t connects_ = 0;
};

// The parts of https://host[:port] (a base URL; any path is ignored).
struct https_base {
    std::string host;
    std::uint16_t port = 443;
};
[[nodiscard]] bool parse_https_base(std::string_view url, https_base& out);

} // namespace acctsync::net
