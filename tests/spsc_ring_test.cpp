// SPSC ring: edges (empty, full, wrap), in-place claim/commit, batch paths, and a two-thread
// stress of the real event type checking order and completeness.
#include <gtest/gtest.h>

#include <stdexcept>

#include <cstdlib>
#include <thread>
#include <vector>

#include "core/events.hpp"
#include "core/spsc_ring.hpp"

using namespace acctsync;

namespace {
std::uint64_t stress_events() {
    // The sanitizer passes (10-50x slower) use a smaller count; the plain build runs >= 50 M.
    if (const char* e = std::getenv("ACCTSYNC_STRESS_EVENTS")) return std::strtoull(e, nullptr, 10);
#if defined(ACCTSYNC_SANITIZED)
    return 2'000'000;
#else
    return 50'000'000;
#endif
}
} // namespace

TEST(SpscRing, RoundsCapacityUpToPowerOfTwo) {
    EXPECT_EQ(spsc_ring<int>(1).capacity(), 2u);
    EXPECT_EQ(spsc_ring<int>(5).capacity(), 8u);
    EXPECT_EQ(spsc_ring<int>(1024).capacity(), 1024u);
}

TEST(SpscRing, AnImpossibleCapacityIsRefusedBeforeAnythingIsAllocated) {
    // 2^41 events of 320 bytes would be 640 TiB: the check must come first, as a typed
    // configuration error, not as a failed (or, under a sanitizer, fatal) allocation.
    EXPECT_THROW(spsc_ring<event>(std::size_t{1} << 41), std::invalid_argument);
}

TEST(SpscRing, EmptyRingYieldsNothing) {
    spsc_ring<int> r(8);
    EXPECT_EQ(r.front(), nullptr);
    int v = 0;
    EXPECT_FALSE(r.try_pop(v));
    EXPECT_EQ(r.drain([](int) { FAIL(); }), 0u);
    EXPECT_EQ(r.size_approx(), 0u);
}

TEST(SpscRing, FullRingRefusesUntilConsumerFreesASlot) {
    spsc_ring<int> r(4);
    for (int i = 0; i < 4; ++i) EXPECT_TRUE(r.try_push(i));
    EXPECT_FALSE(r.try_push(99));
    EXPECT_EQ(r.claim(), nullptr);
    EXPECT_EQ(r.free_slots(), 0u);
    int v = -1;
    ASSERT_TRUE(r.try_pop(v));
    EXPECT_EQ(v, 0);
    EXPECT_TRUE(r.try_push(4));
    EXPECT_FALSE(r.try_push(5));
    std::vector<int> got;
    r.drain([&](int x) { got.push_back(x); });
    EXPECT_EQ(got, (std::vector<int>{1, 2, 3, 4}));
}

TEST(SpscRing, WrapsAroundManyTimesInOrder) {
    spsc_ring<std::uint64_t> r(8);
    std::uint64_t next_in = 0, next_out = 0;
    for (int round = 0; round < 10000; ++round) {
        const int n = 1 + round % 7;
        for (int i = 0; i < n; ++i) ASSERT_TRUE(r.try_push(next_in++));
        r.drain([&](std::uint64_t x) { ASSERT_EQ(x, next_out++); }, static_cast<std::size_t>(1 + round % 5));
        while (r.drain([&](std::uint64_t x) { ASSERT_EQ(x, next_out++); }) != 0) {
        }
    }
    EXPECT_EQ(next_in, next_out);
}

TEST(SpscRing, ClaimedSlotsAreInvisibleUntilCommit) {
    spsc_ring<int> r(8);
    *r.claim() = 1;
    *r.claim() = 2;
    EXPECT_EQ(r.claimed(), 2u);
    EXPECT_EQ(r.front(), nullptr) << "nothing published yet";
    r.commit();
    EXPECT_EQ(r.size_approx(), 2u);
    std::vector<int> got;
    r.drain([&](int x) { got.push_back(x); });
    EXPECT_EQ(got, (std::vector<int>{1, 2}));
}

TEST(SpscRing, AbandonDropsAHalfWrittenBatch) {
    spsc_ring<int> r(8);
    ASSERT_TRUE(r.try_push(1));
    *r.claim() = 2;
    *r.claim() = 3;
    r.abandon(); // e.g. the frame failed to parse after two events were written
    *r.claim() = 4;
    r.commit();
    std::vector<int> got;
    r.drain([&](int x) { got.push_back(x); });
    EXPECT_EQ(got, (std::vector<int>{1, 4}));
}

TEST(SpscRing, ClaimStopsAtCapacityCountingUncommittedSlots) {
    spsc_ring<int> r(4);
    for (int i = 0; i < 4; ++i) ASSERT_NE(r.claim(), nullptr);
    EXPECT_EQ(r.claim(), nullptr);
    r.commit();
    EXPECT_EQ(r.size_approx(), 4u);
}

TEST(SpscRing, DrainHonoursLimitAndFrontPop) {
    spsc_ring<int> r(16);
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(r.try_push(i));
    int sum = 0;
    EXPECT_EQ(r.drain([&](int x) { sum += x; }, 3), 3u);
    EXPECT_EQ(sum, 0 + 1 + 2);
    const int* f = r.front();
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(*f, 3);
    r.pop();
    EXPECT_EQ(r.drain([&](int x) { sum += x; }), 6u);
}

// Producer writes events in place in batches of up to 32; consumer drains in batches of up to
// 64 and checks every sequence number arrives exactly once, in order, with its payload intact.
TEST(SpscRing, TwoThreadStressOfRealEventsKeepsOrderAndLosesNothing) {
    const std::uint64_t n = stress_events();
    spsc_ring<event> r(1024);
    std::uint64_t received = 0, bad = 0;
    std::thread consumer([&] {
        while (received < n) {
            r.drain(
                [&](const event& ev) {
                    const auto seq = static_cast<std::uint64_t>(ev.header.recv_time_ns);
                    bad += (seq != received) | (ev.header.event_time_ms != static_cast<std::int64_t>(seq * 3)) |
                           (ev.payload.order.order_id != static_cast<std::int64_t>(~seq));
                    ++received;
                },
                64);
        }
    });
    std::uint64_t sent = 0;
    while (sent < n) {
        event* slot = r.claim();
        if (slot == nullptr) {
            r.commit();
            continue;
        }
        slot->header.type = event_type::order_update;
        slot->header.recv_time_ns = static_cast<std::int64_t>(sent);
        slot->header.event_time_ms = static_cast<std::int64_t>(sent * 3);
        slot->payload.order.order_id = static_cast<std::int64_t>(~sent);
        ++sent;
        if (r.claimed() == 32) r.commit();
    }
    r.commit();
    consumer.join();
    EXPECT_EQ(received, n);
    EXPECT_EQ(bad, 0u);
}

TEST(SpscRing, TwoThreadStressWithTryPushAndTryPop) {
    const std::uint64_t n = stress_events() / 10;
    spsc_ring<std::uint64_t> r(64);
    std::uint64_t expected = 0;
    bool ok = true;
    std::thread consumer([&] {
        std::uint64_t v;
        while (expected < n) {
            if (r.try_pop(v)) {
                ok &= (v == expected);
                ++expected;
            }
        }
    });
    for (std::uint64_t i = 0; i < n;) i += r.try_push(i) ? 1 : 0;
    consumer.join();
    EXPECT_TRUE(ok);
    EXPECT_EQ(expected, n);
}
