// acctsync/tools/sim/asio.hpp — the one way to include Boost.Asio/Beast with TLS in this project:
// the simulator and its test clients only (acctsync's own transport in net/ uses no Boost).
//
// Boost.Asio's ssl::stream runs over wolfSSL's OpenSSL layer: BOOST_ASIO_USE_WOLFSSL (set by the
// acctsync::net target), <prefix>/include/wolfssl on the include path (so <openssl/ssl.h> is
// wolfSSL's), and <wolfssl/options.h> before anything else. Boost 1.74's awaitable.hpp misses
// #include <utility> under C++20 with GCC 12, hence the first include.
#pragma once

#include <utility>

#include <wolfssl/options.h>

#include <boost/asio.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "net/tls.hpp"

namespace acctsync::net {
namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;
using tcp = boost::asio::ip::tcp;

// A context of the given method, wolfSSL initialised first through the one process-wide path
// (net::init_tls_library: two first initialisations at once deadlock wolfSSL 5.5.4).
inline ssl::context new_tls_context(ssl::context::method m) {
    net::init_tls_library();
    return ssl::context(m);
}

// A TLS client context that verifies the peer against `ca_file` (or the system store when empty).
// There is deliberately no way to turn verification off.
inline ssl::context make_client_tls_context(const std::string& ca_file) {
    ssl::context ctx = new_tls_context(ssl::context::tls_client);
    ctx.set_verify_mode(ssl::verify_peer);
    if (ca_file.empty()) ctx.set_default_verify_paths();
    else ctx.load_verify_file(ca_file);
    return ctx;
}

// SNI and host-name verification for one connection.
template <class Stream>
inline void verify_host(Stream& tls, const std::string& host) {
    SSL_set_tlsext_host_name(tls.native_handle(), host.c_str());
    tls.set_verify_callback(ssl::host_name_verification(host));
}

} // namespace acctsync::net
