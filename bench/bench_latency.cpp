// bench_latency — the latency harness: how long an account update takes from the venue's write
// to a strategy thread's book, for acctsync and for the client a team would otherwise build, on
// the same workload in the same run, read against this machine's floor. tools/bench-latency runs
// it and draws the plot.
//
//   floor       a plain 64-byte TCP ping-pong on loopback between CPU 0 and CPU 1 (bench/tcp_floor.hpp),
//               and a cache line's trip from one core to the other (bench/cache_line_floor.hpp),
//               and the kernel's cost of one recv() of a waiting message (bench/recv_floor.hpp)
//   in process  WebSocket frames already decrypted in memory → acctsync's RFC 6455 decoder →
//               parser → spsc_ring (CPU 1, the network thread's work) → a consumer thread on
//               CPU 0 drains and applies to its account_book. Rates up to saturation; a per-stage
//               breakdown (frame decode, parse and publish, ring hop, apply); heap allocations per
//               event counted over the whole run (every thread).
//               (heap allocations per event, end to end: every thread of the process while the
//               frames flow, the server's included — the same server for both clients)
//   end to end  a TLS 1.3 WebSocket server (wolfSSL, CPU 0) writes frames on a fixed schedule
//               over loopback; acctsync: ws_client busy-polling on CPU 1 → parser → ring → a
//               consumer thread (CPU 0, sharing it with the server, yielding when idle) applies;
//               the typical client (bench/typical_client.hpp: Beast + OpenSSL, nlohmann::json,
//               std::map, on CPU 1) reads, parses and applies on its one thread. Both stamps on
//               one clock (steady_clock, one process); split at the moment the frame was read;
//               and acctsync's path cut into stages in a run of its own (wire, read and
//               decrypt, decode, parse and publish, ring hop and apply; e2e_stage_hists).
//
// Coordinated omission: frame k is due at t0 + k/rate and its latency runs from that scheduled
// time, not from when it was actually written, so a stalled reader (and the writes it holds up)
// counts in full. Percentiles from a log-linear histogram (tools/latency_histogram.hpp).
// The workload: ACCOUNT_UPDATE with one balance and one position (2 events), E = T unique per
// frame, values changing every frame.
//
// Usage: bench_latency [--out DIR] [--quick]   (DIR: latency.txt, the table, and latency.dat,
//        the percentile curves for gnuplot; --quick: fewer frames, for a smoke test)
#include <sched.h>
#include <sys/ioctl.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "bench/cache_line_floor.hpp"
#include "bench/recv_floor.hpp"
#include "bench/tcp_floor.hpp"
#include "bench/typical_client.hpp"
#include "core/account_book.hpp"
#include "core/spsc_ring.hpp"
#include "net/thread_affinity.hpp"
#include "net/ws_client.hpp"
#include "net/ws_frame.hpp"
#include "parse/event_sink.hpp"
#include "parse/user_stream.hpp"
#include "support/counting_allocator.hpp"
#include "support/tls_frame_server.hpp"
#include "tools/latency_histogram.hpp"

using namespace acctsync;

namespace {

const std::string ca_dir = ACCTSYNC_TEST_CA_DIR;
constexpr std::int64_t e_base = 1'700'000'000'000;

std::int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

inline void cpu_relax() { __builtin_ia32_pause(); }

std::string frame_json(std::int64_t k) {
    char b[512];
    const int n = std::snprintf(
        b, sizeof b,
        R"({"e":"ACCOUNT_UPDATE","E":%lld,"T":%lld,"a":{"m":"ORDER","B":[{"a":"USDT","wb":"%lld.12345678","cw":"%lld.12345678","bc":"0.5"}],"P":[{"s":"BTCUSDT","pa":"%lld.001","ep":"9000.00000","bep":"9000.0","cr":"200","up":"0.27327818","mt":"isolated","iw":"0.06391979","ps":"BOTH"}]}})",
        static_cast<long long>(e_base + k), static_cast<long long>(e_base + k), static_cast<long long>(100000 + k % 1000),
        static_cast<long long>(100000 + k % 997), static_cast<long long>(k % 13));
    return std::string(b, static_cast<std::size_t>(n));
}

// A sink onto a ring that waits for room (spinning) instead of failing: a full ring delays the
// producer, which the schedule then counts, and nothing is lost — unless `stop` is set (the
// consumer gave up), when it fails like a full ring. `stamp`, when set, gets the time of each
// commit (the moment the consumer may see the events).
struct ring_sink {
    spsc_ring<event>* ring;
    const std::atomic<bool>* stop;
    std::int64_t* stamp = nullptr;
};

parse::event_sink waiting_sink(ring_sink& rs) {
    return {&rs,
            [](void* r) noexcept -> event* {
                auto* s = static_cast<ring_sink*>(r);
                for (;;) {
                    if (event* e = s->ring->claim()) return e;
                    if (s->stop->load(std::memory_order_relaxed)) return nullptr;
                    cpu_relax();
                }
            },
            [](void* r) noexcept {
                auto* s = static_cast<ring_sink*>(r);
                if (s->stamp != nullptr) *s->stamp = now_ns();
                s->ring->commit();
            },
            [](void* r) noexcept { static_cast<ring_sink*>(r)->ring->abandon(); },
            [](void* r) noexcept { return static_cast<ring_sink*>(r)->ring->free_slots(); }};
}

double rate_of(std::uint64_t frames, std::int64_t from, std::int64_t to) {
    return frames == 0 || to <= from ? 0.0 : static_cast<double>(frames) / (static_cast<double>(to - from) / 1e9);
}

struct result {
    std::string name;
    double rate = 0;          // scheduled frames/s (0 = saturation)
    std::uint64_t frames = 0; // delivered and applied
    std::uint64_t expected = 0;
    double achieved = 0;      // frames/s from the first due time to the last apply
    double allocs_per_event = -1;
    tools::latency_histogram total, first_part, second_part; // ns; parts split at the read
};

std::vector<std::int64_t> schedule(double rate, int n, std::int64_t t0) {
    std::vector<std::int64_t> at(static_cast<std::size_t>(n));
    for (int k = 0; k < n; ++k) at[static_cast<std::size_t>(k)] = rate > 0 ? t0 + static_cast<std::int64_t>(k * 1e9 / rate) : t0;
    return at;
}

// ---- in process -------------------------------------------------------------------------------

struct stage_hists {
    tools::latency_histogram decode, parse_publish, hop, apply;
};

result in_process(double rate, int n, stage_hists* stages) {
    // Every frame as the server sends it (unmasked text frames), back to back in memory.
    std::string wire;
    for (int k = 0; k < n; ++k) wire += test::server_frame(0x81, frame_json(k));
    wire.append(net::ws_padding, '\0');
    const std::size_t wire_size = wire.size() - net::ws_padding;

    spsc_ring<event> ring(1 << 14);
    std::atomic<bool> stop{false};
    ring_sink rs{&ring, &stop};
    const auto sink = waiting_sink(rs);
    parse::user_stream_parser parser;
    net::ws_decoder decoder;
    const auto N = static_cast<std::size_t>(n);
    std::vector<std::int64_t> begun(N), decoded(N), published(N), popped(N), done(N);
    std::atomic<bool> ready{false};
    std::atomic<std::uint64_t> applied_frames{0};

    std::thread consumer([&] {
        (void)net::pin_current_thread(0);
        account_book book;
        std::uint64_t got = 0;
        ready.store(true, std::memory_order_release);
        const std::int64_t give_up = now_ns() + 120'000'000'000;
        while (got < N && now_ns() < give_up) {
            const std::size_t m = ring.drain(
                [&](const event& ev) {
                    const auto k = static_cast<std::size_t>(ev.header.event_time_ms - e_base);
                    if (stages != nullptr && ev.header.item_index == 0) popped[k] = now_ns();
                    (void)book.apply(ev);
                    if (ev.header.last_in_update()) {
                        done[k] = now_ns();
                        ++got;
                    }
                },
                256);
            if (m == 0) cpu_relax();
        }
        applied_frames.store(got, std::memory_order_release);
        stop.store(true, std::memory_order_relaxed); // done or gave up: the producer stops waiting
    });
    (void)net::pin_current_thread(1);
    while (!ready.load(std::memory_order_acquire)) cpu_relax();

    const std::uint64_t allocs_before = g_allocations.load();
    g_counting.store(true);
    const std::int64_t t0 = now_ns() + 1'000'000;
    const auto due = schedule(rate, n, t0);
    std::size_t at = 0;
    for (std::size_t k = 0; k < N; ++k) {
        while (now_ns() < due[k]) cpu_relax();
        if (stages != nullptr) begun[k] = now_ns();
        std::size_t used = 0;
        const auto d = decoder.next(wire.data() + at, wire_size - at, used);
        at += used;
        if (stages != nullptr) decoded[k] = now_ns();
        parse::stream_context ctx;
        ctx.recv_ns = now_ns(); // the feed stamps each frame on receipt
        rs.stamp = stages != nullptr ? &published[k] : nullptr; // at the commit, before the consumer can see it
        (void)parser.parse(d.data, d.size, ctx, sink);
    }
    consumer.join();
    g_counting.store(false);
    const std::uint64_t allocs = g_allocations.load() - allocs_before;

    result r;
    r.name = "acctsync in process";
    r.rate = rate;
    r.expected = N;
    r.frames = applied_frames.load();
    r.allocs_per_event = static_cast<double>(allocs) / static_cast<double>(2 * N);
    std::int64_t last = t0;
    for (std::size_t k = 0; k < N; ++k) {
        if (done[k] == 0) continue;
        r.total.record(done[k] - due[k]);
        last = std::max(last, done[k]);
        if (stages != nullptr) {
            stages->decode.record(decoded[k] - begun[k]);
            stages->parse_publish.record(published[k] - decoded[k]);
            stages->hop.record(popped[k] - published[k]);
            stages->apply.record(done[k] - popped[k]);
        }
    }
    r.achieved = rate_of(r.frames, t0, last);
    return r;
}

// ---- end to end -------------------------------------------------------------------------------

// The server side of one run: after the client is connected, frame k is written at due[k].
struct scheduled_server {
    test::tls_frame_server server{ca_dir + "/server.pem", ca_dir + "/server.key"};
    std::vector<std::string> frames;
    std::vector<std::int64_t> due;
    std::atomic<bool> go{false};

    scheduled_server(double rate, int n) {
        for (int k = 0; k < n; ++k) frames.push_back(test::server_frame(0x81, frame_json(k)));
        due.resize(static_cast<std::size_t>(n));
        server.serve([this, rate, n](const test::tls_frame_server::connection& c) {
            (void)net::pin_current_thread(0);
            const std::int64_t give_up = now_ns() + 30'000'000'000;
            while (!go.load(std::memory_order_acquire) && now_ns() < give_up) std::this_thread::yield();
            const auto at = schedule(rate, n, now_ns() + 20'000'000); // 20 ms for the client to settle
            for (std::size_t k = 0; k < frames.size(); ++k) {
                due[k] = at[k];
                while (now_ns() < at[k]) std::this_thread::yield(); // CPU 0 is shared with acctsync's consumer
                if (!c.write(frames[k])) return;
            }
            (void)c.write(std::string("\x88\x02\x03\xe8", 4)); // close 1000
            char buf[64];
            (void)c.read(buf, sizeof buf); // the client's close (bounded by the server's 10 s timeout)
        });
    }
};

// The end-to-end path cut into its stages (a run of its own: the stamps and the readiness check
// cost time). `wire` = scheduled write → the bytes first seen waiting in the client's socket
// (FIONREAD, checked before each poll while nothing is pending: the venue's encryption and write
// — its thread shares CPU 0 with the consumer —, loopback TCP, and up to one poll's delay),
// `read_decrypt` = → the read that returned them decrypted (recv + wolfSSL's record decryption;
// ws_client::last_receive_ns), `decode` = → the message handed to the handler (RFC 6455,
// UTF-8), `parse_publish` = → the ring's commit, `hop_apply` = → the consumer's book has
// applied it. Only frames whose bytes were seen arriving while the client was idle are split:
// one that arrived between the check and the read, one already waiting when the previous
// frame's handler finished (queued behind it: its wire time would hold the client's own work),
// or one wolfSSL had already taken in with the previous record, is left out.
struct e2e_stage_hists {
    tools::latency_histogram wire, read_decrypt, decode, parse_publish, hop_apply, total;
    std::uint64_t split = 0, frames = 0;
};

result e2e_acctsync(double rate, int n, e2e_stage_hists* stages = nullptr) {
    scheduled_server srv(rate, n);
    const auto N = static_cast<std::size_t>(n);
    std::vector<std::int64_t> read_at(N), done(N);
    std::vector<std::int64_t> arrived, decrypted, published;
    if (stages != nullptr) {
        arrived.assign(N, 0);
        decrypted.assign(N, 0);
        published.assign(N, 0);
    }
    spsc_ring<event> ring(1 << 14);
    std::atomic<bool> stop{false};
    std::atomic<std::uint64_t> applied{0};
    std::thread consumer([&] {
        (void)net::pin_current_thread(0);
        account_book book;
        std::uint64_t got = 0;
        while (got < N && !stop.load(std::memory_order_acquire)) {
            const std::size_t m = ring.drain(
                [&](const event& ev) {
                    (void)book.apply(ev);
                    if (ev.header.last_in_update()) {
                        done[static_cast<std::size_t>(ev.header.event_time_ms - e_base)] = now_ns();
                        applied.store(++got, std::memory_order_release);
                    }
                },
                256);
            if (m == 0) std::this_thread::yield(); // shares CPU 0 with the server
        }
    });
    std::uint64_t read_frames = 0, allocs_before = 0;
    {
        (void)net::pin_current_thread(1);
        net::tls_context tls(net::tls_options{.ca_file = ca_dir + "/ca.pem"});
        net::ws_client_options o;
        o.mode = net::read_mode::busy_poll; // CPU 1 is the network thread's alone
        o.connect_to = "127.0.0.1";
        net::ws_client ws(tls, o);
        if (ws.connect({"localhost", srv.server.port(), "/private/ws/bench"}).ok()) {
            parse::user_stream_parser parser;
            ring_sink rs{&ring, &stop};
            const auto sink = waiting_sink(rs);
            allocs_before = g_allocations.load();
            g_counting.store(true);
            srv.go.store(true, std::memory_order_release);
            std::size_t k = 0;
            std::int64_t seen = 0; // when bytes were first seen waiting (stages only)
            const int fd = ws.tls().fd();
            const std::int64_t give_up = now_ns() + 120'000'000'000;
            while (k < N && now_ns() < give_up) {
                if (stages != nullptr && seen == 0) {
                    int pending = 0;
                    if (::ioctl(fd, FIONREAD, &pending) == 0 && pending > 0) seen = now_ns();
                }
                const auto r = ws.poll([&](const net::ws_message& m) {
                    const std::int64_t t = now_ns();
                    if (k >= N) return;
                    read_at[k] = t; // TCP keeps order: the k-th message is frame k
                    if (stages != nullptr) {
                        arrived[k] = seen > 0 ? seen : 0;
                        decrypted[k] = ws.last_receive_ns();
                        rs.stamp = &published[k];
                    }
                    ++k;
                    parse::stream_context ctx;
                    ctx.recv_ns = t;
                    (void)parser.parse(m.data, m.size, ctx, sink);
                });
                if (r.messages > 0) {
                    seen = 0;
                    // Bytes already waiting now arrived while the client was busy: the next
                    // frame's wait is the client's, not the wire's. Not split (seen = -1).
                    int pending = 0;
                    if (stages != nullptr && ::ioctl(fd, FIONREAD, &pending) == 0 && pending > 0) seen = -1;
                }
                if (!r.error.ok()) break;
            }
            read_frames = k;
            // The server's close.
            for (int i = 0; i < 100 && ws.poll([](const net::ws_message&) {}, 10).error.ok(); ++i) {
            }
        } else {
            srv.go.store(true);
        }
    }
    // Everything read reaches the book: wait (bounded) for the consumer to apply it.
    const std::int64_t wait_until = now_ns() + 5'000'000'000;
    while (applied.load(std::memory_order_acquire) < read_frames && now_ns() < wait_until)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    g_counting.store(false);
    const std::uint64_t allocs = g_allocations.load() - allocs_before;
    stop.store(true, std::memory_order_release);
    consumer.join();
    srv.server.join();
    result r;
    r.name = "acctsync end to end";
    r.allocs_per_event = static_cast<double>(allocs) / static_cast<double>(2 * N);
    r.rate = rate;
    r.expected = N;
    std::int64_t last = srv.due.empty() ? 0 : srv.due[0];
    for (std::size_t k = 0; k < N; ++k) {
        if (done[k] == 0) continue;
        ++r.frames;
        r.total.record(done[k] - srv.due[k]);
        r.first_part.record(read_at[k] - srv.due[k]);
        r.second_part.record(done[k] - read_at[k]);
        last = std::max(last, done[k]);
        if (stages == nullptr) continue;
        ++stages->frames;
        stages->total.record(done[k] - srv.due[k]);
        if (arrived[k] == 0 || arrived[k] > decrypted[k]) continue;
        ++stages->split;
        stages->wire.record(arrived[k] - srv.due[k]);
        stages->read_decrypt.record(decrypted[k] - arrived[k]);
        stages->decode.record(read_at[k] - decrypted[k]);
        stages->parse_publish.record(published[k] - read_at[k]);
        stages->hop_apply.record(done[k] - published[k]);
    }
    r.achieved = rate_of(r.frames, srv.due.empty() ? 0 : srv.due[0], last);
    return r;
}

result e2e_typical(double rate, int n) {
    scheduled_server srv(rate, n);
    const auto N = static_cast<std::size_t>(n);
    std::vector<std::int64_t> read_at(N), done(N);
    bench::typical_client_options o;
    o.port = srv.server.port();
    o.ca_file = ca_dir + "/ca.pem";
    o.pin_core = 1;
    std::uint64_t allocs_before = 0;
    std::thread client([&] {
        try {
            (void)bench::run_typical_client(
                o,
                [&](std::int64_t e, std::int64_t read_ns, std::int64_t applied_ns) {
                    const auto k = static_cast<std::size_t>(e - e_base);
                    if (k >= N) return;
                    read_at[k] = read_ns;
                    done[k] = applied_ns;
                },
                [&] {
                    allocs_before = g_allocations.load();
                    g_counting.store(true);
                    srv.go.store(true, std::memory_order_release);
                });
        } catch (const std::exception& ex) {
            std::fprintf(stderr, "typical client: %s\n", ex.what());
            srv.go.store(true);
        }
    });
    client.join();
    g_counting.store(false);
    const std::uint64_t allocs = g_allocations.load() - allocs_before;
    srv.server.join();
    result r;
    r.name = "typical client end to end";
    r.allocs_per_event = static_cast<double>(allocs) / static_cast<double>(2 * N);
    r.rate = rate;
    r.expected = N;
    std::int64_t last = srv.due.empty() ? 0 : srv.due[0];
    for (std::size_t k = 0; k < N; ++k) {
        if (done[k] == 0) continue;
        ++r.frames;
        r.total.record(done[k] - srv.due[k]);
        r.first_part.record(read_at[k] - srv.due[k]);
        r.second_part.record(done[k] - read_at[k]);
        last = std::max(last, done[k]);
    }
    r.achieved = rate_of(r.frames, srv.due.empty() ? 0 : srv.due[0], last);
    return r;
}

// ---- output ------------------------------------------------------------------------------------

std::string fmt(double v) {
    char b[32];
    if (v >= 100) std::snprintf(b, sizeof b, "%.0f", v);
    else if (v >= 10) std::snprintf(b, sizeof b, "%.1f", v);
    else std::snprintf(b, sizeof b, "%.2f", v);
    return b;
}

constexpr double quantiles[] = {0.5, 0.9, 0.99, 0.999, 0.9999};

std::string row(const tools::latency_histogram& h, double unit) {
    std::string s;
    for (const double q : quantiles) s += " " + std::string(10 - std::min<std::size_t>(10, fmt(static_cast<double>(h.quantile(q)) / unit).size()), ' ') + fmt(static_cast<double>(h.quantile(q)) / unit);
    const std::string m = fmt(static_cast<double>(h.max()) / unit);
    return s + " " + std::string(10 - std::min<std::size_t>(10, m.size()), ' ') + m;
}

// gnuplot data: one block per series, "percentile latency_us" rows (x plotted as 1/(1-q)).
void curve(std::ostream& dat, const std::string& name, const tools::latency_histogram& h) {
    dat << "\"" << name << "\"\n";
    for (double q = 0; q < 0.99999; q = 1 - (1 - q) * 0.9) dat << q << " " << static_cast<double>(h.quantile(q)) / 1000.0 << "\n";
    dat << 0.99999 << " " << static_cast<double>(h.quantile(0.99999)) / 1000.0 << "\n";
    dat << "\n\n";
}

} // namespace

int main(int argc, char** argv) {
    std::string out_dir;
    bool quick = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--out" && i + 1 < argc) out_dir = argv[++i];
        else if (a == "--quick") quick = true;
        else {
            std::fprintf(stderr, "usage: bench_latency [--out DIR] [--quick]\n");
            return 2;
        }
    }
    std::ostringstream txt, dat;
    const auto say = [&](const std::string& s) {
        std::fputs(s.c_str(), stdout);
        std::fflush(stdout);
        txt << s;
    };
    std::ifstream cpu("/proc/cpuinfo");
    std::string line, model = "?";
    while (std::getline(cpu, line))
        if (line.rfind("model name", 0) == 0) {
            model = line.substr(line.find(':') + 2);
            break;
        }
    say("machine: " + model + ", " + std::to_string(std::thread::hardware_concurrency()) + " vCPU\n");
    const std::string head = "  p50        p90        p99        p99.9      p99.99     max\n";
    // A block of labelled percentile rows under the column heads (unit: ns per printed unit).
    const auto table = [&](double unit, std::initializer_list<std::pair<const char*, const tools::latency_histogram*>> rows) {
        say(std::string(40, ' ') + "  " + head);
        for (const auto& [label, h] : rows) {
            const std::string l = label;
            say(l + std::string(l.size() < 40 ? 40 - l.size() : 1, ' ') + row(*h, unit) + "\n");
        }
    };

    // Floor.
    const int trips = quick ? 2000 : 20000;
    tools::latency_histogram floor_spin, floor_block;
    for (const double us : bench::tcp_ping_pong(true, trips)) floor_spin.record(static_cast<std::int64_t>(us * 1000));
    for (const double us : bench::tcp_ping_pong(false, trips)) floor_block.record(static_cast<std::int64_t>(us * 1000));
    say("\n== floor: TCP 64 B ping-pong on loopback, CPU 0 <-> CPU 1, round trip, us\n");
    table(1000, {
        {"busy-poll", &floor_spin},
        {"blocking", &floor_block},
    });
    tools::latency_histogram floor_line;
    for (const std::int64_t ns : bench::cache_line_ping_pong(trips)) floor_line.record(ns);
    say("\n== floor: a cache line from CPU 1 to CPU 0 (half a round trip of two threads bouncing a counter), ns\n");
    table(1, {
        {"one way", &floor_line},
    });
    tools::latency_histogram recv_default, recv_no_quickack;
    const int recvs = quick ? 2000 : 20000;
    for (const std::int64_t ns : bench::recv_of_waiting_message(false, recvs)) recv_default.record(ns);
    for (const std::int64_t ns : bench::recv_of_waiting_message(true, recvs)) recv_no_quickack.record(ns);
    say("\n== the kernel's part of a read: recv() of a 560 B message waiting on loopback TCP, ns (bench/recv_floor.hpp)\n");
    table(1, {
        {"default (the ACK sent inside the recv)", &recv_default},
        {"TCP_QUICKACK off (not used by acctsync)", &recv_no_quickack},
    });

    // In process.
    say("\n== in process: decrypted WebSocket bytes -> book applied on the consumer's core (CPU 1 -> CPU 0),\n"
        "   from each frame's scheduled time, ns; 2 events per frame\n");
    say("frames/s   events/s achieved  allocs/event" + std::string(2, ' ') + head);
    const int ip_n = quick ? 20000 : 400000;
    tools::latency_histogram ip_plot;
    for (const double rate : {100e3, 250e3, 500e3, 1e6, 0.0}) {
        const int n = rate > 0 ? std::min(ip_n, static_cast<int>(rate * (quick ? 0.2 : 1.0))) : ip_n;
        const auto r = in_process(rate, std::max(n, 1000), nullptr);
        char b[128];
        std::snprintf(b, sizeof b, "%-10s %-18s %-12s", rate > 0 ? fmt(rate).c_str() : "max",
                      (fmt(2 * r.achieved / 1e6) + " M").c_str(), fmt(r.allocs_per_event).c_str());
        say(std::string(b) + (rate > 0 ? row(r.total, 1) : "   (saturation: throughput only; queueing is the latency)") +
            (r.frames != r.expected ? "  LOST " + std::to_string(r.expected - r.frames) : "") + "\n");
        if (rate == 250e3) ip_plot = r.total;
    }
    stage_hists st;
    const auto stage_run = in_process(100e3, quick ? 20000 : 200000, &st);
    say("\n== in process, per stage at 100k frames/s, ns (each stage stamped with steady_clock, ~27 ns a stamp:\n"
        "   the stages add up to more than the unstamped figures above)\n");
    table(1, {
        {"total, this run", &stage_run.total},
        {"frame decode (RFC 6455, UTF-8 check)", &st.decode},
        {"parse and publish (into the ring)", &st.parse_publish},
        {"ring hop (publish -> consumer sees it)", &st.hop},
        {"drain and apply (account_book)", &st.apply},
    });

    // End to end.
    say("\n== end to end over loopback TLS 1.3: scheduled write -> consumer's book applied, us\n"
        "   (read: scheduled write -> the frame read and decoded; apply: read -> book applied)\n");
    say("client                     frames/s    part   " + head.substr(0, head.size() - 1) + "     allocs/event\n");
    std::vector<std::pair<result, result>> pairs;
    for (const double rate : {1e3, 10e3, 50e3, 100e3}) {
        const int n = std::max(1000, static_cast<int>(rate * (quick ? 0.2 : 2.0)));
        auto a = e2e_acctsync(rate, std::min(n, 200000));
        auto t = e2e_typical(rate, std::min(n, 200000));
        for (const result* r : {&a, &t}) {
            char b[64];
            std::snprintf(b, sizeof b, "%-26s %-11s", r == &a ? "acctsync" : "typical (Beast+nlohmann)", fmt(rate).c_str());
            say(std::string(b) + "total " + row(r->total, 1000) + "     " + fmt(r->allocs_per_event) +
                (r->frames != r->expected ? "  LOST " + std::to_string(r->expected - r->frames) : "") + "\n");
            say(std::string(38, ' ') + "read  " + row(r->first_part, 1000) + "\n");
            say(std::string(38, ' ') + "apply " + row(r->second_part, 1000) + "\n");
        }
        pairs.emplace_back(std::move(a), std::move(t));
    }
    e2e_stage_hists es;
    const int es_n = quick ? 2000 : 20000;
    (void)e2e_acctsync(10e3, es_n, &es);
    say("\n== acctsync end to end, per stage at 10k frames/s, us (a run of its own, stamped: its stages add up\n"
        "   to more than the unstamped figures above; split: the " + std::to_string(es.split) + " of " +
        std::to_string(es.frames) + " frames whose bytes were seen arriving while the client was idle)\n");
    table(1000, {
        {"total, this run (all frames)", &es.total},
        {"wire (write, encrypt, loopback TCP)", &es.wire},
        {"read and decrypt (recv + wolfSSL)", &es.read_decrypt},
        {"frame decode (RFC 6455, UTF-8 check)", &es.decode},
        {"parse and publish (into the ring)", &es.parse_publish},
        {"ring hop and apply (account_book)", &es.hop_apply},
    });

    say("\n== typical / acctsync, end to end\nframes/s    p50 ratio   p99 ratio   p99.9 ratio\n");
    for (const auto& [a, t] : pairs) {
        const auto ratio = [&](double q) {
            return fmt(static_cast<double>(t.total.quantile(q)) / std::max<double>(1, static_cast<double>(a.total.quantile(q))));
        };
        char b[128];
        std::snprintf(b, sizeof b, "%-11s %-11s %-11s %-11s\n", fmt(a.rate).c_str(), ratio(0.5).c_str(), ratio(0.99).c_str(),
                      ratio(0.999).c_str());
        say(b);
    }

    if (!out_dir.empty()) {
        curve(dat, "acctsync end to end, 10k frames/s", pairs[1].first.total);
        curve(dat, "typical client end to end, 10k frames/s", pairs[1].second.total);
        curve(dat, "acctsync in process, 250k frames/s", ip_plot);
        curve(dat, "floor: TCP ping-pong round trip, busy-poll", floor_spin);
        std::ofstream(out_dir + "/latency.txt") << txt.str();
        std::ofstream(out_dir + "/latency.dat") << dat.str();
    }
    return 0;
}
