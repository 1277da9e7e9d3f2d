// acctsync/core/clock.hpp — the clocks events are stamped with.
//
// wall_ns(): CLOCK_REALTIME in ns — comparable with exchange times (E/T are Unix ms), used for
// event_header::recv_time_ns and snapshot request times. mono_ns(): CLOCK_MONOTONIC in ns — for
// intervals (timeouts, latency measurements) that must not jump with NTP. Both are vDSO calls
// (~20 ns, no syscall). Any thread.
#pragma once

#include <cstdint>
#include <ctime>

namespace acctsync {

[[nodiscard]] inline std::int64_t wall_ns() noexcept {
    timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

[[nodiscard]] inline std::int64_t mono_ns() noexcept {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

[[nodiscard]] constexpr std::int64_t ns_to_ms(std::int64_t ns) noexcept { return ns / 1'000'000; }

} // namespace acctsync
