// Test helper: a counting allocator for the zero-allocation tests. Include it from exactly one
// .cpp of a test executable: it replaces the global operator new/delete and interposes
// malloc/calloc/realloc (glibc's __libc_* entry points), or, in sanitizer builds, installs the
// sanitizer's allocation hook instead. Allocations count while `g_counting` is set — on every
// thread, or only on `g_count_thread` when that is set (a test whose peer runs in-process).
#pragma once

#include <pthread.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <new>

// The replacement operators below pair operator new with free() on purpose.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

namespace {
std::atomic<std::uint64_t> g_allocations{0};
std::atomic<bool> g_counting{false};
std::atomic<pthread_t> g_count_thread{}; // zero: every thread
inline void count() noexcept {
    if (!g_counting.load(std::memory_order_relaxed)) return;
    const pthread_t only = g_count_thread.load(std::memory_order_relaxed);
    if (only != pthread_t{} && !pthread_equal(only, pthread_self())) return;
    g_allocations.fetch_add(1, std::memory_order_relaxed);
}
} // namespace

#if defined(ACCTSYNC_SANITIZED)
// Sanitizer builds own the allocator; count through their hook instead of replacing it.
// (declared here: GCC does not ship sanitizer/allocator_interface.h; both runtimes export it)
extern "C" int __sanitizer_install_malloc_and_free_hooks(void (*)(const volatile void*, std::size_t),
                                                         void (*)(const volatile void*));
namespace {
extern "C" void __sanitizer_print_stack_trace();
void on_malloc(const volatile void*, std::size_t n) {
    if (g_counting.load(std::memory_order_relaxed) && std::getenv("ACCTSYNC_ALLOC_TRACE")) {
        std::fprintf(stderr, "allocation of %zu bytes while counting:\n", n);
        __sanitizer_print_stack_trace();
    }
    count();
}
void on_free(const volatile void*) {}
const int hooks_installed = __sanitizer_install_malloc_and_free_hooks(on_malloc, on_free);
} // namespace
#else
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

// glibc exposes its allocator under __libc_* names, so malloc itself can be counted too.
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

