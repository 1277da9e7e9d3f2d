// acctsync/core/single_writer_counter.hpp — a statistics counter one thread writes and any
// thread reads, without a data race and without a locked instruction on the hot path.
//
// Thread: exactly one writer (add/++/+=); load() from any thread. Cost: the writer's increment
// is a relaxed load, an add and a relaxed store — on x86-64 the same mov/add/mov as a plain
// uint64_t member (no `lock` prefix: there is no read-modify-write, because nobody else writes);
// a reader sees some recent value, never a torn one. Two counters read one after the other may
// come from slightly different instants.
#pragma once

#include <atomic>
#include <cstdint>

namespace acctsync {

class single_writer_counter {
public:
    void add(std::uint64_t n) noexcept { v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
    single_writer_counter& operator++() noexcept {
        add(1);
        return *this;
    }
    single_writer_counter& operator+=(std::uint64_t n) noexcept {
        add(n);
        return *this;
    }
    [[nodiscard]] std::uint64_t load() const noexcept { return v_.load(std::memory_order_relaxed); }

private:
    std::atomic<std::uint64_t> v_{0};
};

static_assert(std::atomic<std::uint64_t>::is_always_lock_free);
static_assert(sizeof(single_writer_counter) == sizeof(std::uint64_t));

} // namespace acctsync
