// bench/cache_line_floor.hpp — this machine's floor for the in-process figures: how long a
// cache line takes to go from one core to the other. Two threads pinned to CPU 1 and CPU 0
// bounce a counter through two lines (each written by one side only, as the ring's indices
// are); half a round trip is the one-way transfer a ring hop cannot beat — the consumer sees a
// commit no sooner than the index's line reaches its core, and then its reads of the slot pull
// the event's lines the same way (overlapped with each other, not one after another). Timed on
// the initiating side with steady_clock, so each figure carries half a clock read and each
// spinner's pause; ns.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

#include "net/thread_affinity.hpp"

namespace acctsync::bench {

// One-way times (round trip / 2) of `trips` bounces, ns; a pause of ~1 µs between trips so each
// starts from lines at rest, as a sparse stream's events do.
inline std::vector<std::int64_t> cache_line_ping_pong(int trips) {
    struct alignas(128) line { // 128: the adjacent-line prefetcher must not pair the two
        std::atomic<std::int64_t> v{0};
    };
    line ping, pong;
    std::thread echo([&] {
        (void)net::pin_current_thread(0);
        for (std::int64_t seen = 0; seen < trips;) {
            const std::int64_t v = ping.v.load(std::memory_order_acquire);
            if (v != seen) {
                seen = v;
                pong.v.store(v, std::memory_order_release);
            } else {
                __builtin_ia32_pause();
            }
        }
    });
    (void)net::pin_current_thread(1);
    const auto now = [] { return std::chrono::steady_clock::now().time_since_epoch().count(); };
    std::vector<std::int64_t> out;
    out.reserve(static_cast<std::size_t>(trips));
    for (std::int64_t k = 1; k <= trips; ++k) {
        const std::int64_t rest = now() + 1000;
        while (now() < rest) __builtin_ia32_pause();
        const std::int64_t t0 = now();
        ping.v.store(k, std::memory_order_release);
        while (pong.v.load(std::memory_order_acquire) != k) __builtin_ia32_pause();
        out.push_back((now() - t0) / 2);
    }
    echo.join();
    return out;
}

} // namespace acctsync::bench
