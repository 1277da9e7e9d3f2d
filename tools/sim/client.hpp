// acctsync/tools/sim/client.hpp — minimal TLS clients for talking to the simulator from tests
// and demos: HTTPS requests and a user-data WebSocket, every operation bounded in time, host name
// and certificate always verified. (acctsync's own network thread is a later piece of work; this
// is deliberately simple.) One thread per client.
#pragma once

#include <chrono>
#include <stdexcept>
#include <string>

#include "tools/sim/asio.hpp"

namespace acctsync::sim {

using namespace std::chrono_literals;
using net::asio::ip::tcp;
namespace asio = net::asio;
namespace beast = net::beast;
namespace http = net::http;
namespace ssl = net::ssl;
namespace websocket = net::websocket;
using net::make_client_tls_context;
using net::verify_host;

// Runs one asynchronous operation to completion or throws after `limit` (Asio's synchronous
// calls cannot be bounded: they poll() forever even with SO_RCVTIMEO set).
// On timeout the socket is closed and the aborted handler is run before throwing, so no
// handler outlives this frame.
template <class Start>
inline void bounded(asio::io_context& io, tcp::socket& sock, Start&& start, std::chrono::milliseconds limit) {
    bool done = false;
    beast::error_code result;
    start([&](beast::error_code ec, auto&&...) {
        result = ec;
        done = true;
    });
    io.restart();
    io.run_for(limit);
    if (!done) {
        beast::error_code ignored;
        sock.close(ignored);
        io.restart();
        while (!done && io.run_one_for(1s) != 0) {
        }
        throw std::runtime_error("timed out");
    }
    if (result) throw beast::system_error(result);
}

// A TLS client; every operation bounded in time.
struct https_client {
    asio::io_context io;
    ssl::context ctx;
    beast::ssl_stream<tcp::socket> tls;
    https_client(std::uint16_t port, const std::string& ca, const std::string& host = "localhost")
        : ctx(make_client_tls_context(ca)), tls(io, ctx) {
        verify_host(tls, host);
        bounded(io, tls.next_layer(), [&](auto h) { tls.next_layer().async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), h); }, 5s);
        bounded(io, tls.next_layer(), [&](auto h) { tls.async_handshake(ssl::stream_base::client, h); }, 5s);
    }
    http::response<http::string_body> request(http::verb verb, const std::string& target, const std::string& api_key = {}) {
        http::request<http::string_body> req{verb, target, 11};
        req.set(http::field::host, "localhost");
        if (!api_key.empty()) req.set("X-MBX-APIKEY", api_key);
        req.prepare_payload();
        bounded(io, tls.next_layer(), [&](auto h) { http::async_write(tls, req, h); }, 5s);
        beast::flat_buffer buf;
        http::response<http::string_body> res;
        bounded(io, tls.next_layer(), [&](auto h) { http::async_read(tls, buf, res, h); }, 5s);
        return res;
    }
};

struct wss_client {
    asio::io_context io;
    ssl::context ctx;
    websocket::stream<beast::ssl_stream<tcp::socket>> ws;
    // receive_buffer > 0: SO_RCVBUF set before the connect (a small window, for a slow reader).
    wss_client(std::uint16_t port, const std::string& target, const std::string& ca, int receive_buffer = 0)
        : ctx(make_client_tls_context(ca)), ws(io, ctx) {
        verify_host(ws.next_layer(), "localhost");
        if (receive_buffer > 0) {
            ws.next_layer().next_layer().open(tcp::v4());
            ws.next_layer().next_layer().set_option(asio::socket_base::receive_buffer_size(receive_buffer));
        }
        bounded(io, ws.next_layer().next_layer(), [&](auto h) { ws.next_layer().next_layer().async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), h); }, 5s);
        bounded(io, ws.next_layer().next_layer(), [&](auto h) { ws.next_layer().async_handshake(ssl::stream_base::client, h); }, 5s);
        bounded(io, ws.next_layer().next_layer(), [&](auto h) { ws.async_handshake("localhost", target, h); }, 5s);
    }
    void send(const std::string& text) {
        ws.text(true);
        bounded(io, ws.next_layer().next_layer(), [&](auto h) { ws.async_write(asio::buffer(text), h); }, 5s);
    }
    void ping(const std::string& payload) {
        bounded(io, ws.next_layer().next_layer(), [&](auto h) { ws.async_ping(websocket::ping_data(payload.data(), payload.size()), h); }, 5s);
    }
    void pong(const std::string& payload) { // unsolicited unless it echoes a ping
        bounded(io, ws.next_layer().next_layer(), [&](auto h) { ws.async_pong(websocket::ping_data(payload.data(), payload.size()), h); }, 5s);
    }
    // Next frame, or empty after `ms` of silence (the socket is then closed: use it no more).
    std::string next(int ms) {
        beast::flat_buffer buf;
        try {
            bounded(io, ws.next_layer().next_layer(), [&](auto h) { ws.async_read(buf, h); }, std::chrono::milliseconds(ms));
        } catch (const std::exception&) {
            return {};
        }
        return beast::buffers_to_string(buf.data());
    }
};

} // namespace acctsync::sim
