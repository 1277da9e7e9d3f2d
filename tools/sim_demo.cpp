// acctsync-sim-demo — acctsync end to end against its exchange simulator, over TLS on loopback.
//
// Starts acctsync-sim in-process (or uses one given with --connect), then:
//   producer thread (the network thread's job, single writer of the ring), on acctsync's own
//     transport (net/rest_client, net/ws_client): POST listenKey, open the private user-data
//     WebSocket, take REST snapshots (/fapi/v2/account, /fapi/v2/positionRisk,
//     /fapi/v1/accountConfig) and parse them and every stream frame (a view into the receive
//     buffer) straight into ring slots; --busy-poll spins on the socket instead of waiting;
//   consumer thread (a strategy thread): drains the ring into an account_book.
// After --seconds the scenario is paused, the stream drained, and the mirrored book is compared
// with the simulator's truth (GET /admin/truth). Exit status 0 iff they are equal.
//
//   acctsync-sim-demo [--seconds N] [--rate OPS_PER_S] [--hedge] [--seed S] [--busy-poll]
#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "core/account_book.hpp"
#include "core/clock.hpp"
#include "core/spsc_ring.hpp"
#include "net/signing.hpp"
#include "parse/book_json.hpp"
#include "parse/snapshot.hpp"
#include "parse/user_stream.hpp"
#include "net/rest_client.hpp"
#include "net/ws_client.hpp"
#include "tools/sim/server.hpp"

using namespace acctsync;

int main(int argc, char** argv) {
    double seconds = 3, rate = 300;
    bool hedge = false, busy_poll = false;
    std::uint64_t seed = 11;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--seconds" && i + 1 < argc) seconds = std::stod(argv[++i]);
        else if (a == "--rate" && i + 1 < argc) rate = std::stod(argv[++i]);
        else if (a == "--seed" && i + 1 < argc) seed = std::stoull(argv[++i]);
        else if (a == "--hedge") hedge = true;
        else if (a == "--busy-poll") busy_poll = true;
        else {
            std::fputs("usage: acctsync-sim-demo [--seconds N] [--rate OPS_PER_S] [--hedge] [--seed S] [--busy-poll]\n", stderr);
            return 2;
        }
    }
    const std::string ca_dir = ACCTSYNC_TEST_CA_DIR;
    sim::server_config cfg;
    cfg.cert_file = ca_dir + "/server.pem";
    cfg.key_file = ca_dir + "/server.key";
    cfg.rate = rate;
    cfg.seed = seed;
    cfg.hedge_mode = hedge;
    try {
        sim::server venue(cfg);
        venue.start();
        const std::uint16_t port = venue.port();
        const std::string api_key = venue.api_key(0);
        const net::secret secret(venue.api_secret(0));
        std::printf("acctsync-sim on https://localhost:%u (%s mode, %.0f ops/s); mirroring account 0 for %.1f s\n", port,
                    hedge ? "hedge" : "one-way", rate, seconds);

        spsc_ring<event> ring(8192);
        account_book book;
        std::atomic<bool> producing{true};
        std::atomic<std::uint64_t> frames{0}, parse_errors{0}, sink_retries{0};
        std::string producer_error;

        std::thread consumer([&] {
            while (producing.load(std::memory_order_acquire) || ring.size_approx() != 0)
                if (ring.drain([&](const event& ev) { (void)book.apply(ev); }, 256) == 0) std::this_thread::yield();
        });

        std::thread producer([&] {
            try {
                // acctsync's own transport: the REST client for listenKey and snapshots, the
                // WebSocket client whose message views go straight into the parser (no copy).
                const auto sink = parse::event_sink::of(ring);
                parse::user_stream_parser stream_parser;
                parse::snapshot_parser snapshot_parser;
                net::tls_context tls(net::tls_options{.ca_file = ca_dir + "/ca.pem"});
                net::rest_config rc;
                rc.base_url = "https://localhost:" + std::to_string(port);
                rc.creds = {api_key, net::key_kind::hmac, net::secret(secret.reveal())};
                rc.http.connect_to = "127.0.0.1";
                net::rest_client rest(tls, rc);
                if (auto r = rest.sync_time(); !r.error.ok()) throw std::runtime_error("time: " + r.error.message);
                std::string listen_key;
                if (auto r = rest.create_listen_key(listen_key); !r.error.ok())
                    throw std::runtime_error("listenKey: " + r.error.message);
                net::ws_client_options wo;
                wo.connect_to = "127.0.0.1";
                wo.mode = busy_poll ? net::read_mode::busy_poll : net::read_mode::event_driven;
                net::ws_client ws(tls, wo);
                if (auto e = ws.connect({"localhost", port, "/private/ws/" + listen_key}); !e.ok())
                    throw std::runtime_error(std::string("stream: ") + std::string(net::to_string(e.code)));
                auto publish = [&](auto&& parse_into_ring) { // a full ring: wait for the consumer, then retry
                    for (;;) {
                        const auto r = parse_into_ring();
                        if (r.code != parse::parse_errc::sink_full) return r;
                        ++sink_retries;
                        std::this_thread::yield();
                    }
                };
                std::uint64_t snapshot_id = 0;
                for (auto kind : {snapshot_kind::account_v2, snapshot_kind::position_risk_v2, snapshot_kind::account_config}) {
                    auto res = rest.snapshot(kind);
                    if (!res.error.ok()) throw std::runtime_error("snapshot: " + res.error.message);
                    const std::size_t n = res.body.size();
                    res.body.resize(n + parse::payload_padding);
                    parse::snapshot_request req;
                    req.kind = kind;
                    req.snapshot_id = ++snapshot_id;
                    req.as_of_ms = res.sent_ms; // the answer describes the account at or after the request
                    req.request_sent_ns = res.sent_ms * 1'000'000;
                    req.recv_ns = wall_ns();
                    const auto r = publish([&] { return snapshot_parser.parse_rest(res.body.data(), n, req, sink); });
                    if (!r) ++parse_errors;
                }
                const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
                auto last_frame = std::chrono::steady_clock::now();
                bool paused = false;
                for (;;) {
                    const auto now = std::chrono::steady_clock::now();
                    if (!paused && now >= until) {
                        venue.pause_scenario(true);
                        paused = true;
                        last_frame = now;
                    }
                    if (now - last_frame > std::chrono::milliseconds(paused ? 500 : 2000)) break; // drained, or silent
                    const auto r = ws.poll(
                        [&](const net::ws_message& m) {
                            const auto pr = publish([&] { return stream_parser.parse(m.data, m.size, {market::usdm, 0, wall_ns()}, sink); });
                            if (!pr) ++parse_errors;
                            ++frames;
                        },
                        20);
                    if (r.messages != 0) last_frame = std::chrono::steady_clock::now();
                    if (!r.error.ok()) throw std::runtime_error(std::string("stream ended: ") + std::string(net::to_string(r.error.code)));
                    if (frames.load() > 10'000'000) throw std::runtime_error("the stream never drained");
                }
                ws.close();
            } catch (const std::exception& e) {
                producer_error = e.what();
            }
            producing.store(false, std::memory_order_release);
        });
        producer.join();
        consumer.join();
        if (!producer_error.empty()) {
            std::fprintf(stderr, "acctsync-sim-demo: %s\n", producer_error.c_str());
            return 1;
        }
        parse::book_json_options o;
        o.include_snapshot_only = false;
        o.skip_zero = true;
        const std::string mirror = parse::book_json(book, o);
        const std::string truth = venue.truth(0);
        const auto st = venue.current_stats();
        std::printf("frames received %llu (simulator sent %llu, %llu operations), parse errors %llu, ring-full retries %llu\n",
                    static_cast<unsigned long long>(frames.load()), static_cast<unsigned long long>(st.frames_sent),
                    static_cast<unsigned long long>(st.operations), static_cast<unsigned long long>(parse_errors.load()),
                    static_cast<unsigned long long>(sink_retries.load()));
        o.pretty = true;
        std::printf("mirrored book:\n%s\n", parse::book_json(book, o).c_str());
        const bool same = mirror == truth;
        std::printf("mirror equals the simulator's truth: %s\n", same ? "yes" : "NO");
        if (!same) std::printf("truth:  %s\nmirror: %s\n", truth.c_str(), mirror.c_str());
        venue.stop();
        return same && parse_errors == 0 ? 0 : 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "acctsync-sim-demo: %s\n", e.what());
        return 1;
    }
}
