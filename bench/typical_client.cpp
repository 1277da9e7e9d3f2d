#include "bench/typical_client.hpp"

#include <pthread.h>
#include <sched.h>

#include <chrono>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <nlohmann/json.hpp>
#include <openssl/ssl.h>

namespace acctsync::bench {

namespace {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
using tcp = asio::ip::tcp;

std::int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

struct balance {
    double wallet = 0, cross_wallet = 0, change = 0;
    std::int64_t time = 0;
};
struct position {
    double amount = 0, entry = 0, break_even = 0, realized = 0, unrealized = 0, isolated_wallet = 0;
    std::string margin_type;
    std::int64_t time = 0;
};

} // namespace

std::uint64_t run_typical_client(const typical_client_options& o,
                                 const std::function<void(std::int64_t, std::int64_t, std::int64_t)>& on_applied,
                                 const std::function<void()>& on_connected) {
    if (o.pin_core >= 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(o.pin_core, &set);
        (void)pthread_setaffinity_np(pthread_self(), sizeof set, &set);
    }
    asio::io_context io;
    ssl::context ctx(ssl::context::tls_client);
    ctx.set_verify_mode(ssl::verify_peer);
    ctx.load_verify_file(o.ca_file);
    websocket::stream<beast::ssl_stream<tcp::socket>> ws(io, ctx);
    ws.next_layer().set_verify_callback(ssl::host_name_verification("localhost"));
    if (!SSL_set_tlsext_host_name(ws.next_layer().native_handle(), "localhost"))
        throw std::runtime_error("typical client: SNI");
    beast::get_lowest_layer(ws).connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), o.port));
    beast::get_lowest_layer(ws).set_option(tcp::no_delay(true));
    ws.next_layer().handshake(ssl::stream_base::client);
    ws.handshake("localhost", o.target);
    on_connected();

    std::map<std::string, balance> balances;
    std::map<std::pair<std::string, std::string>, position> positions;
    std::uint64_t applied = 0;
    beast::flat_buffer buf;
    for (;;) {
        beast::error_code ec;
        ws.read(buf, ec);
        if (ec) break; // the server's close (or its end)
        const std::int64_t read_ns = now_ns();
        const auto data = buf.cdata();
        const auto j = nlohmann::json::parse(static_cast<const char*>(data.data()),
                                             static_cast<const char*>(data.data()) + data.size(), nullptr, false);
        buf.consume(buf.size());
        if (j.is_discarded() || !j.is_object() || j.value("e", "") != "ACCOUNT_UPDATE") continue;
        const std::int64_t t = j.value("T", std::int64_t{0});
        const auto& a = j["a"];
        for (const auto& b : a["B"]) {
            auto& row = balances[b["a"].get<std::string>()];
            if (t < row.time) continue;
            row.wallet = std::stod(b["wb"].get<std::string>());
            row.cross_wallet = std::stod(b["cw"].get<std::string>());
            row.change = std::stod(b["bc"].get<std::string>());
            row.time = t;
        }
        for (const auto& p : a["P"]) {
            auto& row = positions[{p["s"].get<std::string>(), p["ps"].get<std::string>()}];
            if (t < row.time) continue;
            row.amount = std::stod(p["pa"].get<std::string>());
            row.entry = std::stod(p["ep"].get<std::string>());
            row.break_even = std::stod(p["bep"].get<std::string>());
            row.realized = std::stod(p["cr"].get<std::string>());
            row.unrealized = std::stod(p["up"].get<std::string>());
            row.isolated_wallet = std::stod(p["iw"].get<std::string>());
            row.margin_type = p["mt"].get<std::string>();
            row.time = t;
        }
        ++applied;
        on_applied(j.value("E", std::int64_t{0}), read_ns, now_ns());
    }
    return applied;
}

} // namespace acctsync::bench
