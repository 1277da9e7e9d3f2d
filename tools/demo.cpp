// acctsync-demo — the in-process hot path end to end: a producer thread (standing in for the
// network thread) writes a scripted account's events in place into an SPSC ring; the consumer
// thread (a strategy thread) drains the ring in batches into an account_book. At the end the
// consumer's book is compared with a reference book fed the same events on one thread, and
// printed.
//
//   acctsync-demo [--events N] [--ring SLOTS] [--seed S] [--resync-every U] [--pin]
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>

#include <pthread.h>
#include <sched.h>

#include "core/account_book.hpp"
#include "core/spsc_ring.hpp"
#include "net/tls_info.hpp"
#include "parse/json/book_json.hpp"
#include "parse/simd_kernel.hpp"
#include "tools/scripted_account.hpp"

using namespace acctsync;

namespace {

bool pin_to(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return pthread_setaffinity_np(pthread_self(), sizeof set, &set) == 0;
}

std::uint64_t arg_u64(const char* s, const char* name) {
    std::uint64_t v = 0;
    const auto [p, ec] = std::from_chars(s, s + std::strlen(s), v);
    if (ec != std::errc{} || *p != '\0') {
        std::fprintf(stderr, "acctsync-demo: bad value for %s: %s\n", name, s);
        std::exit(2);
    }
    return v;
}

} // namespace

int main(int argc, char** argv) {
    std::uint64_t n_events = 1'000'000, ring_slots = 4096, seed = 7, resync_every = 20000;
    bool pin = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&] {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "acctsync-demo: %s needs a value\n", a.c_str());
                std::exit(2);
            }
            return arg_u64(argv[++i], a.c_str());
        };
        if (a == "--events") n_events = value();
        else if (a == "--ring") ring_slots = value();
        else if (a == "--seed") seed = value();
        else if (a == "--resync-every") resync_every = value();
        else if (a == "--pin") pin = true;
        else {
            std::fprintf(stderr, "usage: acctsync-demo [--events N] [--ring SLOTS] [--seed S] [--resync-every U] [--pin]\n");
            return 2;
        }
    }

    const auto tls = net::tls_library();
    std::printf("acctsync demo: simdjson kernel %.*s, %.*s %.*s%s\n", static_cast<int>(parse::builtin_kernel().size()),
                parse::builtin_kernel().data(), static_cast<int>(tls.name.size()), tls.name.data(),
                static_cast<int>(tls.version.size()), tls.version.data(), tls.aesni ? " (AES-NI)" : " (no AES-NI)");
    std::printf("events: %llu, ring: %llu slots of %zu bytes, seed %llu\n", static_cast<unsigned long long>(n_events),
                static_cast<unsigned long long>(ring_slots), sizeof(event), static_cast<unsigned long long>(seed));

    tools::scripted_account::options opt;
    opt.seed = seed;
    opt.resync_every = static_cast<std::uint32_t>(resync_every);

    spsc_ring<event> ring(ring_slots);
    account_book book; // owned by the consumer thread
    std::uint64_t consumed = 0, stale = 0;
    std::atomic<std::uint64_t> total{UINT64_MAX}; // set by the producer when it stops

    const auto t0 = std::chrono::steady_clock::now();
    std::thread consumer([&] {
        if (pin) pin_to(1);
        while (consumed < total.load(std::memory_order_acquire)) {
            consumed += ring.drain(
                [&](const event& ev) {
                    if (book.apply(ev) == apply_status::stale) ++stale;
                },
                256);
        }
    });
    {
        if (pin) pin_to(0);
        tools::scripted_account script(opt);
        // Stop at a logical-update boundary so the final book is a consistent instant.
        std::uint64_t i = 0;
        while (i < n_events || !script.at_boundary()) {
            event* slot = ring.claim();
            if (slot != nullptr) {
                script.next(*slot); // written in place, no copy through the producer's stack
                ++i;
                if (ring.claimed() == 32) ring.commit();
            } else {
                ring.commit();
            }
        }
        ring.commit();
        n_events = i;
        total.store(i, std::memory_order_release);
    }
    consumer.join();
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    // Reference: the same events applied on one thread without a ring.
    account_book reference;
    {
        tools::scripted_account script(opt);
        event ev;
        for (std::uint64_t i = 0; i < n_events; ++i) {
            script.next(ev);
            (void)reference.apply(ev);
        }
    }
    parse::book_json_options with_times;
    with_times.include_times = true;
    const bool same = parse::book_json(book, with_times) == parse::book_json(reference, with_times);

    std::printf("moved %llu events in %.3f s (%.1f M events/s through ring + book)\n",
                static_cast<unsigned long long>(consumed), secs, static_cast<double>(consumed) / secs / 1e6);
    const auto& c = book.counters();
    std::printf("applied %llu, stale (ignored by last-writer-wins) %llu, gaps %llu, snapshots %llu, flattened %llu\n",
                static_cast<unsigned long long>(c.applied), static_cast<unsigned long long>(c.stale),
                static_cast<unsigned long long>(c.gaps), static_cast<unsigned long long>(c.snapshots_completed),
                static_cast<unsigned long long>(c.flattened));
    parse::book_json_options pretty;
    pretty.pretty = true;
    std::printf("book:\n%s\n", parse::book_json(book, pretty).c_str());
    const bool ok = same && book.consistent();
    std::printf("matches single-thread reference: %s; needs resync: %s\n", same ? "yes" : "NO",
                book.needs_resync() ? "yes" : "no");
    std::printf("book consistent: %s\n", ok ? "yes" : "NO");
    return ok ? 0 : 1;
}
