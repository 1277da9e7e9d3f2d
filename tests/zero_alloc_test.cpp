// Zero allocation on the hot path: a counting global operator new (and, outside sanitizer
// builds, malloc/calloc/realloc) sees no allocation across push -> drain -> apply of 10 M events
// on two threads after warm-up.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <thread>

#include "core/account_book.hpp"
#include "core/spsc_ring.hpp"
#include "tools/scripted_account.hpp"

// The replacement operators below pair operator new with free() on purpose.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

namespace {
std::atomic<std::uint64_t> g_allocations{0};
std::atomic<bool> g_counting{false};
inline void count() noexcept {
    if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1, std::memory_order_relaxed);
}
} // namespace

// Replaceable global allocation functions (every form routes through these two).
void* operator new(std::size_t n) {
    count();
    if (void* p = std::malloc(n ? n : 1)) return p;
    throw std::bad_alloc();
}
void* operator new(std::size_t n, std::align_val_t a) {
    count();
    const std::size_t al = static_cast<std::size_t>(a);
    if (void* p = std::aligned_alloc(al, (n + al - 1) / al * al)) return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return ::operator new(n); }
void* operator new[](std::size_t n, std::align_val_t a) { return ::operator new(n, a); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

#if !defined(ACCTSYNC_SANITIZED)
// glibc exposes its allocator under __libc_* names, so malloc itself can be counted too (the
// sanitizers interpose malloc themselves, so this part is left out of their builds).
extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void* malloc(std::size_t n) {
    count();
    return __libc_malloc(n);
}
void* calloc(std::size_t n, std::size_t m) {
    count();
    return __libc_calloc(n, m);
}
void* realloc(void* p, std::size_t n) {
    count();
    return __libc_realloc(p, n);
}
}
#endif

using namespace acctsync;

TEST(ZeroAlloc, CounterSeesAllocations) {
    g_allocations = 0;
    g_counting = true;
    auto* p = new int(3);
    void* m = std::malloc(16);
    g_counting = false;
    delete p;
    std::free(m);
#if defined(ACCTSYNC_SANITIZED)
    EXPECT_GE(g_allocations.load(), 1u);
#else
    EXPECT_GE(g_allocations.load(), 2u);
#endif
}

TEST(ZeroAlloc, PushDrainApplyOfTenMillionEventsAllocatesNothing) {
#if defined(ACCTSYNC_SANITIZED)
    const std::uint64_t n = 1'000'000;
#else
    const std::uint64_t n = 10'000'000;
#endif
    spsc_ring<event> ring(4096);
    account_book book;
    tools::scripted_account::options opt;
    opt.resync_every = 10000; // snapshots, gaps and flattening are on the hot path too
    tools::scripted_account script(opt);

    // Warm-up: touch every key the script uses and every ring slot.
    event ev;
    for (int i = 0; i < 50000; ++i) {
        script.next(ev);
        (void)book.apply(ev);
    }

    std::atomic<bool> start{false};
    std::uint64_t consumed = 0;
    std::thread consumer([&] {
        while (!start.load(std::memory_order_acquire)) {
        }
        while (consumed < n) consumed += ring.drain([&](const event& e) { (void)book.apply(e); }, 256);
    });
    g_allocations = 0;
    g_counting = true;
    start.store(true, std::memory_order_release);
    for (std::uint64_t i = 0; i < n;) {
        if (event* slot = ring.claim()) {
            script.next(*slot);
            ++i;
            if (ring.claimed() == 32) ring.commit();
        } else {
            ring.commit();
        }
    }
    ring.commit();
    consumer.join();
    g_counting = false;
    EXPECT_EQ(consumed, n);
    EXPECT_EQ(g_allocations.load(), 0u) << "allocations on the hot path";
    EXPECT_GT(book.counters().applied, n / 2);
    EXPECT_GT(book.counters().snapshots_completed, n / 50000); // resyncs ran inside the window
}
