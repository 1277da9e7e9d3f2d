// SPSC ring with the real 320-byte event: cross-thread throughput and round-trip latency, single
// and batched, against moodycamel::ReaderWriterQueue and moodycamel::ConcurrentQueue in the same
// run. One adapter per queue; every adapter moves the same events the same way.
//
// Throughput: a producer thread moves `kEvents` events to the benchmark thread per iteration.
// Every producer writes whole events; the *_single consumers copy each event out, the batched and
// peek consumers read it in place (what a strategy thread applying to its book does).
// RTT: the benchmark thread sends an event through queue A to an echo thread, which returns it
// through queue B; p50/p99/p99.9 of the per-round-trip time are reported as counters.
#include <benchmark/benchmark.h>

#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include <concurrentqueue/concurrentqueue.h>
#include <readerwriterqueue/readerwriterqueue.h>

#include "core/events.hpp"
#include "core/spsc_ring.hpp"

using acctsync::event;

namespace {

constexpr std::size_t kCapacity = 4096;
constexpr std::uint64_t kEvents = 1 << 22;
constexpr std::size_t kBatch = 32;

// Pin both sides (benchmark thread on CPU 0, the other on CPU 1) for every adapter alike: on a
// 2-vCPU VM an unpinned new thread can share a CPU with the spinning one for a while, which
// swamps the measurement.
inline void pin_to(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu % static_cast<int>(std::thread::hardware_concurrency()), &set);
    pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

inline void fill(event& e, std::uint64_t seq) noexcept {
    e.header.type = acctsync::event_type::balance_update;
    e.header.recv_time_ns = static_cast<std::int64_t>(seq);
}

// ---- adapters ------------------------------------------------------------------------------

struct acctsync_single {
    acctsync::spsc_ring<event> q{kCapacity};
    void produce(std::uint64_t n) {
        event e{};
        for (std::uint64_t i = 0; i < n;) {
            fill(e, i);
            i += q.try_push(e) ? 1 : 0;
        }
    }
    std::uint64_t consume(std::uint64_t n) {
        std::uint64_t got = 0, sum = 0;
        event e;
        while (got < n) {
            if (q.try_pop(e)) {
                sum += static_cast<std::uint64_t>(e.header.recv_time_ns);
                ++got;
            }
        }
        return sum;
    }
};

struct acctsync_batched {
    acctsync::spsc_ring<event> q{kCapacity};
    void produce(std::uint64_t n) {
        event proto{};
        fill(proto, 0);
        for (std::uint64_t i = 0; i < n;) {
            if (event* slot = q.claim()) {
                // All 320 bytes are written, as a parser filling the slot in place would; the
                // peers copy a whole event too.
                *slot = proto;
                slot->header.recv_time_ns = static_cast<std::int64_t>(i++);
                if (q.claimed() == kBatch) q.commit();
            } else {
                q.commit();
            }
        }
        q.commit();
    }
    std::uint64_t consume(std::uint64_t n) {
        std::uint64_t got = 0, sum = 0;
        while (got < n)
            got += q.drain([&](const event& e) { sum += static_cast<std::uint64_t>(e.header.recv_time_ns); }, 256);
        return sum;
    }
};

struct rwq_single {
    moodycamel::ReaderWriterQueue<event> q{kCapacity};
    void produce(std::uint64_t n) {
        event e{};
        for (std::uint64_t i = 0; i < n;) {
            fill(e, i);
            i += q.try_enqueue(e) ? 1 : 0;
        }
    }
    std::uint64_t consume(std::uint64_t n) {
        std::uint64_t got = 0, sum = 0;
        event e;
        while (got < n) {
            if (q.try_dequeue(e)) {
                sum += static_cast<std::uint64_t>(e.header.recv_time_ns);
                ++got;
            }
        }
        return sum;
    }
};

// RWQ has no batch API; its closest is peek()+pop() which avoids the copy out.
struct rwq_peek {
    moodycamel::ReaderWriterQueue<event> q{kCapacity};
    void produce(std::uint64_t n) {
        event e{};
        for (std::uint64_t i = 0; i < n;) {
            fill(e, i);
            i += q.try_enqueue(e) ? 1 : 0;
        }
    }
    std::uint64_t consume(std::uint64_t n) {
        std::uint64_t got = 0, sum = 0;
        while (got < n) {
            if (const event* e = q.peek()) {
                sum += static_cast<std::uint64_t>(e->header.recv_time_ns);
                q.pop();
                ++got;
            }
        }
        return sum;
    }
};

struct cq_single {
    moodycamel::ConcurrentQueue<event> q{kCapacity};
    void produce(std::uint64_t n) {
        moodycamel::ProducerToken tok(q);
        event e{};
        for (std::uint64_t i = 0; i < n;) {
            fill(e, i);
            i += q.try_enqueue(tok, e) ? 1 : 0;
        }
    }
    std::uint64_t consume(std::uint64_t n) {
        moodycamel::ConsumerToken tok(q);
        std::uint64_t got = 0, sum = 0;
        event e;
        while (got < n) {
            if (q.try_dequeue(tok, e)) {
                sum += static_cast<std::uint64_t>(e.header.recv_time_ns);
                ++got;
            }
        }
        return sum;
    }
};

struct cq_bulk {
    moodycamel::ConcurrentQueue<event> q{kCapacity};
    void produce(std::uint64_t n) {
        moodycamel::ProducerToken tok(q);
        std::vector<event> buf(kBatch);
        for (std::uint64_t i = 0; i < n;) {
            const std::size_t k = static_cast<std::size_t>(std::min<std::uint64_t>(kBatch, n - i));
            for (std::size_t j = 0; j < k; ++j) fill(buf[j], i + j);
            if (q.try_enqueue_bulk(tok, buf.begin(), k)) i += k;
        }
    }
    std::uint64_t consume(std::uint64_t n) {
        moodycamel::ConsumerToken tok(q);
        std::vector<event> buf(256);
        std::uint64_t got = 0, sum = 0;
        while (got < n) {
            const std::size_t k = q.try_dequeue_bulk(tok, buf.begin(), buf.size());
            for (std::size_t j = 0; j < k; ++j) sum += static_cast<std::uint64_t>(buf[j].header.recv_time_ns);
            got += k;
        }
        return sum;
    }
};

template <class Adapter>
void BM_throughput(benchmark::State& state) {
    // One queue for all passes: the steady state of a long-running process (warm memory).
    auto a = std::make_unique<Adapter>();
    pin_to(0);
    for (auto _ : state) {
        std::thread producer([&] {
            pin_to(1);
            a->produce(kEvents);
        });
        const std::uint64_t sum = a->consume(kEvents);
        producer.join();
        if (sum != kEvents * (kEvents - 1) / 2) state.SkipWithError("lost or reordered events");
        benchmark::DoNotOptimize(sum);
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kEvents));
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(kEvents * sizeof(event)));
}
BENCHMARK_TEMPLATE(BM_throughput, acctsync_batched)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(BM_throughput, acctsync_single)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(BM_throughput, rwq_single)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(BM_throughput, rwq_peek)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(BM_throughput, cq_single)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(BM_throughput, cq_bulk)->UseRealTime()->Unit(benchmark::kMillisecond);

// ---- round trip ------------------------------------------------------------------------------

template <class Q>
struct rtt_ops;

template <>
struct rtt_ops<acctsync::spsc_ring<event>> {
    static std::unique_ptr<acctsync::spsc_ring<event>> make() { return std::make_unique<acctsync::spsc_ring<event>>(kCapacity); }
    static bool send(acctsync::spsc_ring<event>& q, const event& e) {
        event* s = q.claim();
        if (s == nullptr) return false;
        *s = e;
        q.commit();
        return true;
    }
    static bool recv(acctsync::spsc_ring<event>& q, event& e) { return q.try_pop(e); }
};
template <>
struct rtt_ops<moodycamel::ReaderWriterQueue<event>> {
    static std::unique_ptr<moodycamel::ReaderWriterQueue<event>> make() {
        return std::make_unique<moodycamel::ReaderWriterQueue<event>>(kCapacity);
    }
    static bool send(moodycamel::ReaderWriterQueue<event>& q, const event& e) { return q.try_enqueue(e); }
    static bool recv(moodycamel::ReaderWriterQueue<event>& q, event& e) { return q.try_dequeue(e); }
};
template <>
struct rtt_ops<moodycamel::ConcurrentQueue<event>> {
    static std::unique_ptr<moodycamel::ConcurrentQueue<event>> make() {
        return std::make_unique<moodycamel::ConcurrentQueue<event>>(kCapacity);
    }
    static bool send(moodycamel::ConcurrentQueue<event>& q, const event& e) { return q.try_enqueue(e); }
    static bool recv(moodycamel::ConcurrentQueue<event>& q, event& e) { return q.try_dequeue(e); }
};

template <class Q>
void BM_rtt(benchmark::State& state) {
    using ops = rtt_ops<Q>;
    auto there = ops::make();
    auto back = ops::make();
    std::atomic<bool> stop{false};
    pin_to(0);
    std::thread echo([&] {
        pin_to(1);
        event e;
        while (!stop.load(std::memory_order_relaxed)) {
            if (ops::recv(*there, e)) {
                while (!ops::send(*back, e)) {
                }
            }
        }
    });
    constexpr int kRounds = 20000;
    std::vector<std::int64_t> ns;
    ns.reserve(static_cast<std::size_t>(kRounds) * 64);
    event e{};
    for (auto _ : state) {
        for (int i = 0; i < kRounds; ++i) {
            fill(e, static_cast<std::uint64_t>(i));
            const auto t0 = std::chrono::steady_clock::now();
            while (!ops::send(*there, e)) {
            }
            event r;
            while (!ops::recv(*back, r)) {
            }
            const auto t1 = std::chrono::steady_clock::now();
            if (ns.size() < ns.capacity()) ns.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count());
            benchmark::DoNotOptimize(r);
        }
    }
    stop = true;
    echo.join();
    std::sort(ns.begin(), ns.end());
    auto pct = [&](double p) { return static_cast<double>(ns[static_cast<std::size_t>(p * static_cast<double>(ns.size() - 1))]); };
    state.counters["p50_ns"] = pct(0.50);
    state.counters["p99_ns"] = pct(0.99);
    state.counters["p999_ns"] = pct(0.999);
    state.SetItemsProcessed(state.iterations() * kRounds);
}
BENCHMARK_TEMPLATE(BM_rtt, acctsync::spsc_ring<event>)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(BM_rtt, moodycamel::ReaderWriterQueue<event>)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(BM_rtt, moodycamel::ConcurrentQueue<event>)->UseRealTime()->Unit(benchmark::kMillisecond);

} // namespace

BENCHMARK_MAIN();
