#include "net/https_connection.hpp"

#include "net/http_text.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>


namespace acctsync::net {

namespace {

using clock = std::chrono::steady_clock;

// Reads more bytes into `buf` before the deadline. ok with 0 bytes never happens: it waits.
net_error read_more(tls_stream& tls, std::string& buf, clock::time_point deadline) {
    char chunk[16384];
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()).count();
        if (left <= 0) return {net_errc::http_timeout, 0};
        const read_result r = tls.read(chunk, sizeof chunk);
        if (r.bytes > 0) {
            buf.append(chunk, r.bytes);
            return {};
        }
        if (!r.error.ok()) return r.error;
        (void)tls.wait_readable(static_cast<int>(left));
    }
}

} // namespace

std::string_view http_response::header(std::string_view name) const noexcept {
    for (const auto& h : headers)
        if (iequals(h.name, name)) return h.value;
    return {};
}

bool parse_https_base(std::string_view url, https_base& out) {
    constexpr std::string_view scheme = "https://";
    if (url.size() <= scheme.size() || !iequals(url.substr(0, scheme.size()), scheme)) return false;
    url.remove_prefix(scheme.size());
    const std::string_view authority = url.substr(0, url.find_first_of("/?"));
    const auto colon = authority.rfind(':');
    const bool v6 = !authority.empty() && authority.front() == '[';
    std::string_view host = authority;
    out.port = 443;
    if (colon != std::string_view::npos && (!v6 || authority.find(']') < colon)) {
        host = authority.substr(0, colon);
        const std::string_view p = authority.substr(colon + 1);
        unsigned port = 0;
        const auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), port);
        if (ec != std::errc{} || end != p.data() + p.size() || port == 0 || port > 65535) return false;
        out.port = static_cast<std::uint16_t>(port);
    }
    if (v6) {
        if (host.size() < 3 || host.back() != ']') return false;
        host = host.substr(1, host.size() - 2);
    }
    if (host.empty() || host.find('@') != std::string_view::npos) return false;
    out.host = std::string(host);
    return true;
}

https_connection::https_connection(tls_context& tls, std::string host, std::uint16_t port, https_options opt)
    : tls_ctx_(tls), host_(std::move(host)), port_(port), opt_(std::move(opt)) {}

net_error https_connection::request(const http_request& req, http_response& out, bool idempotent) {
    std::string wire;
    wire.reserve(256 + req.target.size() + req.body.size());
    wire.append(req.method).append(" ").append(req.target).append(" HTTP/1.1\r\nHost: ").append(host_);
    if (port_ != 443) wire.append(":").append(std::to_string(port_));
    wire.append("\r\nUser-Agent: acctsync/0.1\r\nAccept: application/json\r\nConnection: keep-alive\r\n");
    for (const auto& h : req.headers) wire.append(h.name).append(": ").append(h.value).append("\r\n");
    if (!req.body.empty() || req.method == "POST" || req.method == "PUT") {
        wire.append("Content-Type: ").append(req.content_type).append("\r\n");
        wire.append("Content-Length: ").append(std::to_string(req.body.size())).append("\r\n");
    }
    wire.append("\r\n").append(req.body);

    for (int attempt = 0;; ++attempt) {
        const bool reused = tls_.open();
        if (!reused) {
            rx_.clear();
            if (auto e = tls_.connect(tls_ctx_, host_, port_, opt_.connect_to); !e.ok()) return e;
            ++connects_;
        }
        bool got_bytes = false;
        const net_error e = exchange(wire, out, got_bytes);
        if (e.ok()) return e;
        tls_.abort();
        rx_.clear();
        // An idle kept-alive connection the server had already closed: nothing was processed.
        if (reused && !got_bytes && idempotent && attempt == 0 && e.code != net_errc::http_timeout) continue;
        return e;
    }
}

net_error https_connection::exchange(const std::string& wire, http_response& out, bool& got_bytes) {
    out = http_response{};
    const auto deadline = clock::now() + opt_.request_timeout;
    if (auto e = tls_.write(wire.data(), wire.size(), opt_.request_timeout); !e.ok()) return e;

    // The head; interim 1xx answers (100 Continue, 103 Early Hints) are skipped: the final
    // answer follows them on the same connection.
    bool http10 = false;
    for (;;) {
        std::size_t head_end = std::string::npos;
        while ((head_end = rx_.find("\r\n\r\n")) == std::string::npos) {
            if (rx_.size() > opt_.max_head) return {net_errc::http_too_large, 0};
            const std::size_t before = rx_.size();
            if (auto e = read_more(tls_, rx_, deadline); !e.ok())
                return (got_bytes && (e.code == net_errc::eof || e.code == net_errc::tls_closed || e.code == net_errc::peer_reset))
                           ? net_error{net_errc::http_truncated, 0}
                           : e;
            got_bytes = got_bytes || rx_.size() > before;
        }
        got_bytes = true;
        const std::string_view head(rx_.data(), head_end);
        const auto eol = head.find("\r\n");
        const std::string_view status_line = head.substr(0, eol);
        if (status_line.size() < 12 || status_line.substr(0, 7) != "HTTP/1." ||
            std::from_chars(status_line.data() + 9, status_line.data() + 12, out.status).ec != std::errc{})
            return {net_errc::http_bad_response, 0};
        http10 = status_line[7] == '0';
        std::string_view rest = eol == std::string_view::npos ? std::string_view{} : head.substr(eol + 2);
        while (!rest.empty()) {
            const auto line_end = rest.find("\r\n");
            const std::string_view line = rest.substr(0, line_end);
            rest = line_end == std::string_view::npos ? std::string_view{} : rest.substr(line_end + 2);
            const auto colon = line.find(':');
            if (colon == std::string_view::npos || colon == 0) return {net_errc::http_bad_response, 0};
            out.headers.push_back({std::string(trim_ows(line.substr(0, colon))), std::string(trim_ows(line.substr(colon + 1)))});
        }
        rx_.erase(0, head_end + 4);
        if (out.status >= 100 && out.status < 200 && out.status != 101) {
            out = http_response{};
            continue;
        }
        break;
    }

    const std::string_view te = out.header("Transfer-Encoding");
    const std::string_view cl = out.header("Content-Length");
    const std::string_view conn = out.header("Connection");
    bool close_after = http10 ? !iequals(conn, "keep-alive") : iequals(conn, "close");
    const auto need = [&](std::size_t n) -> net_error { // at least n bytes in rx_
        while (rx_.size() < n) {
            if (auto e = read_more(tls_, rx_, deadline); !e.ok())
                return e.code == net_errc::http_timeout ? e : net_error{net_errc::http_truncated, 0};
        }
        return {};
    };
    if (!te.empty() && !iequals(te, "identity")) {
        if (!iequals(te, "chunked")) return {net_errc::http_bad_response, 0};
        std::size_t pos = 0;
        for (;;) {
            std::size_t line_end;
            while ((line_end = rx_.find("\r\n", pos)) == std::string::npos) {
                if (rx_.size() - pos > 1024) return {net_errc::http_bad_response, 0};
                if (auto e = need(rx_.size() + 1); !e.ok()) return e;
            }
            std::size_t size = 0;
            const char* first = rx_.data() + pos;
            const auto [p, ec] = std::from_chars(first, rx_.data() + line_end, size, 16);
            if (ec != std::errc{} || p == first) return {net_errc::http_bad_response, 0};
            if (size > opt_.max_body - out.body.size()) return {net_errc::http_too_large, 0}; // no wrap-around
            pos = line_end + 2;
            if (size == 0) { // trailers, up to an empty line
                for (;;) {
                    while ((line_end = rx_.find("\r\n", pos)) == std::string::npos)
                        if (auto e = need(rx_.size() + 1); !e.ok()) return e;
                    const bool empty = line_end == pos;
                    pos = line_end + 2;
                    if (empty) break;
                }
                break;
            }
            if (auto e = need(pos + size + 2); !e.ok()) return e;
            out.body.append(rx_, pos, size);
            if (rx_.compare(pos + size, 2, "\r\n") != 0) return {net_errc::http_bad_response, 0};
            pos += size + 2;
        }
        rx_.erase(0, pos);
    } else if (!cl.empty()) {
        std::size_t size = 0;
        const auto [p, ec] = std::from_chars(cl.data(), cl.data() + cl.size(), size);
        if (ec != std::errc{} || p != cl.data() + cl.size()) return {net_errc::http_bad_response, 0};
        if (size > opt_.max_body) return {net_errc::http_too_large, 0};
        if (auto e = need(size); !e.ok()) return e;
        out.body.assign(rx_, 0, size);
        rx_.erase(0, size);
    } else if (out.status == 204 || out.status == 304 || out.status / 100 == 1) {
        // no body
    } else { // to the end of the connection
        close_after = true;
        for (;;) {
            if (rx_.size() > opt_.max_body) return {net_errc::http_too_large, 0};
            const auto e = read_more(tls_, rx_, deadline);
            if (e.code == net_errc::eof || e.code == net_errc::tls_closed) break;
            if (!e.ok()) return e;
        }
        out.body = std::move(rx_);
        rx_.clear();
    }
    if (close_after) {
        tls_.close();
        rx_.clear();
    }
    return {};
}

} // namespace acctsync::net
