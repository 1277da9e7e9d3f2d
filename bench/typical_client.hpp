// bench/typical_client.hpp — the client a team would build from well-known parts, for the
// latency harness to run beside acctsync on the same workload in the same run: Boost.Beast's
// WebSocket over Boost.Asio SSL with OpenSSL 3, nlohmann::json, and a std::map book, all on the
// one thread that reads (the usual design: the read handler parses and applies).
//
// Its interface names no Beast, OpenSSL or nlohmann type: it is compiled apart from acctsync
// (whose include path carries wolfSSL's OpenSSL-compatible headers).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace acctsync::bench {

struct typical_client_options {
    std::uint16_t port = 0;         // 127.0.0.1, TLS, certificate verified for "localhost"
    std::string ca_file;
    std::string target = "/private/ws/bench";
    int pin_core = -1;
};

// Connects, upgrades, then reads until the server closes. For each ACCOUNT_UPDATE frame: parse
// with nlohmann::json, write its balances and positions into std::map books (decimals as double,
// as such clients do), then on_applied(E, read_ns, applied_ns): the frame's "E", when the read
// returned it and when the book had it (steady_clock ns). Returns frames applied; throws on a
// connection failure before the first frame.
std::uint64_t run_typical_client(const typical_client_options& o,
                                 const std::function<void(std::int64_t e, std::int64_t read_ns, std::int64_t applied_ns)>& on_applied,
                                 const std::function<void()>& on_connected);

} // namespace acctsync::bench
