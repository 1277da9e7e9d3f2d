// Loopback round trips between the two cores, with this machine's floor printed beside them:
//   floor    a plain 64-byte TCP ping-pong, both ends spinning on non-blocking sockets, then both
//            ends blocking;
//   acctsync a TLS 1.3 WebSocket connection: the server (CPU 0) writes a compact ACCOUNT_UPDATE
//            frame; the client (CPU 1, acctsync's ws_client) reads, decrypts, decodes, parses it
//            into an spsc_ring and answers with a masked 1-byte text frame, which the server
//            reads. Busy-poll (both ends spin) and event-driven (client in epoll, server blocking).
// Each row: round trips timed on the server side from before its write to after the answer,
// p50 / p99 / p99.9 / max in microseconds. Not a Google Benchmark: a latency distribution.
//
// Usage: bench_loopback [round_trips=20000]
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "core/spsc_ring.hpp"
#include "net/thread_affinity.hpp"
#include "net/ws_client.hpp"
#include "parse/event_sink.hpp"
#include "parse/user_stream.hpp"
#include "bench/tcp_floor.hpp"
#include "support/tls_frame_server.hpp"

using namespace acctsync;
using clk = std::chrono::steady_clock;

namespace {

const std::string ca_dir = ACCTSYNC_TEST_CA_DIR;
const std::string frame_json =
    R"({"e":"ACCOUNT_UPDATE","E":1564745798939,"T":1564745798938,"a":{"m":"ORDER","B":[{"a":"USDT","wb":"122624.12345678","cw":"100.12345678","bc":"50.12345678"}],"P":[{"s":"BTCUSDT","pa":"0.001","ep":"9000.00000","bep":"9000.0","cr":"200","up":"0.2732781800","mt":"isolated","iw":"0.06391979","ps":"BOTH"}]}})";

struct row {
    const char* name;
    std::vector<double> us;
};

void print(const row& r) {
    auto v = r.us;
    std::sort(v.begin(), v.end());
    auto q = [&](double p) { return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))]; };
    std::printf("%-56s %9zu %8.1f %8.1f %8.1f %8.1f\n", r.name, v.size(), q(0.50), q(0.99), q(0.999), v.back());
}

row tcp_floor(bool spin, int trips) {
    return {spin ? "floor: TCP 64 B ping-pong, busy-poll" : "floor: TCP 64 B ping-pong, blocking", bench::tcp_ping_pong(spin, trips)};
}

row tls_ws(net::read_mode mode, int trips) {
    const bool spin = mode == net::read_mode::busy_poll;
    row out{spin ? "acctsync: TLS WebSocket frame -> parsed, busy-poll" : "acctsync: TLS WebSocket frame -> parsed, event-driven", {}};
    out.us.reserve(static_cast<std::size_t>(trips));
    test::tls_frame_server server(ca_dir + "/server.pem", ca_dir + "/server.key");
    const std::string frame = test::server_frame(0x81, frame_json);
    server.serve([&](const test::tls_frame_server::connection& c) {
        (void)net::pin_current_thread(0);
        bench::set_nonblocking(c.fd, spin);
        char ack[64];
        for (int i = 0; i < trips + 1000; ++i) {
            const auto t0 = clk::now();
            if (!c.write(frame)) return;
            // the client's masked 1-byte text frame: 2 + 4 + 1 bytes
            std::size_t got = 0;
            while (got < 7) {
                const int n = wolfSSL_read(c.ssl, ack + got, static_cast<int>(7 - got));
                if (n > 0) got += static_cast<std::size_t>(n);
                else if (wolfSSL_get_error(c.ssl, n) != WOLFSSL_ERROR_WANT_READ) return;
            }
            if (i >= 1000) out.us.push_back(std::chrono::duration<double, std::micro>(clk::now() - t0).count());
        }
        bench::set_nonblocking(c.fd, false);
    });
    std::thread client([&] {
        (void)net::pin_current_thread(1);
        net::tls_context tls(net::tls_options{.ca_file = ca_dir + "/ca.pem"});
        net::ws_client_options o;
        o.mode = mode;
        o.connect_to = "127.0.0.1";
        net::ws_client ws(tls, o);
        if (!ws.connect({"localhost", server.port(), "/private/ws/bench"}).ok()) return;
        spsc_ring<event> ring(4096);
        const parse::event_sink sink = parse::event_sink::of(ring);
        parse::user_stream_parser parser;
        for (int done = 0; done < trips + 1000;) {
            const auto r = ws.poll(
                [&](const net::ws_message& m) {
                    (void)parser.parse(m.data, m.size, {}, sink);
                    (void)ws.send_text("a");
                    ++done;
                },
                100);
            (void)ring.drain([](const event&) {}, 4096);
            if (!r.error.ok()) break;
        }
        ws.close();
    });
    client.join();
    server.join();
    return out;
}

} // namespace

int main(int argc, char** argv) {
    const int trips = argc > 1 ? std::atoi(argv[1]) : 20000;
    std::printf("loopback round trips between CPU 0 and CPU 1, microseconds\n");
    std::printf("%-56s %9s %8s %8s %8s %8s\n", "", "trips", "p50", "p99", "p99.9", "max");
    print(tcp_floor(true, trips));
    print(tls_ws(net::read_mode::busy_poll, trips));
    print(tcp_floor(false, trips));
    print(tls_ws(net::read_mode::event_driven, trips));
    return 0;
}
