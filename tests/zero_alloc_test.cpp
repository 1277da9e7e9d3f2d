// Zero allocation on the hot path: a counting global operator new and malloc/calloc/realloc (in
// sanitizer builds: the sanitizer's allocation hook) sees no allocation across push -> drain ->
// apply of 10 M events on two threads after warm-up, nor while parsing every kind of payload.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "core/account_book.hpp"
#include "core/spsc_ring.hpp"
#include "tools/scripted_account.hpp"
#include "parse/snapshot.hpp"
#include "parse/user_stream.hpp"
#include "support/payload.hpp"

#include "support/counting_allocator.hpp"

using namespace acctsync;

TEST(ZeroAlloc, CounterSeesAllocations) {
    g_allocations = 0;
    g_counting = true;
    static int* volatile p = nullptr; // volatile: the new/delete pair must not be elided
    static void* volatile m = nullptr;
    p = new int(3);
    m = std::malloc(16);
    g_counting = false;
    delete p;
    std::free(m);
    EXPECT_GE(g_allocations.load(), 2u);
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

    std::atomic<bool> start{false}, ready{false};
    std::uint64_t consumed = 0;
    std::thread consumer([&] {
        ready.store(true, std::memory_order_release); // thread start-up (which allocates) is over
        while (!start.load(std::memory_order_acquire)) {
        }
        while (consumed < n) consumed += ring.drain([&](const event& e) { (void)book.apply(e); }, 256);
    });
    while (!ready.load(std::memory_order_acquire)) {
    }
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

namespace {
// The payload without whitespace outside strings: the compact form Binance sends, which the
// fast pass's direct readers take (tier 1).
std::string compact(const std::string& json) {
    std::string out;
    bool in_string = false;
    for (std::size_t i = 0; i < json.size(); ++i) {
        const char c = json[i];
        if (in_string) {
            out += c;
            if (c == '\\' && i + 1 < json.size()) out += json[++i];
            else if (c == '"') in_string = false;
        } else if (c == '"') {
            in_string = true;
            out += c;
        } else if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
            out += c;
        }
    }
    return out;
}
// An ACCOUNT_UPDATE of `n` position items and a MARGIN_CALL of `n` items: more than a batch of 8,
// so each is published in several commits (a split update).
std::string large_account_update(int n) {
    std::string f = R"({"e":"ACCOUNT_UPDATE","E":1771856732584,"T":1771856732584,"a":{"m":"ORDER","B":[{"a":"USDT","wb":"1.73744723","cw":"1.73744723","bc":"0"}],"P":[)";
    for (int i = 0; i < n; ++i)
        f += std::string(i ? "," : "") + R"({"s":"SYM)" + std::to_string(i) +
             R"(USDT","pa":"0.1","ep":"80.19","cr":"26.83159999","up":"0","mt":"cross","iw":"0","ps":"BOTH","ma":"USDT","bep":"80.230095"})";
    return f + "]}}";
}
std::string large_margin_call(int n) {
    std::string f = R"({"e":"MARGIN_CALL","E":1587727187525,"cw":"3.16812045","p":[)";
    for (int i = 0; i < n; ++i)
        f += std::string(i ? "," : "") + R"({"s":"SYM)" + std::to_string(i) +
             R"(USDT","ps":"LONG","pa":"1.327","mt":"CROSSED","iw":"0","mp":"187.17127","up":"-1.166074","mm":"1.614445"})";
    return f + "]}";
}
} // namespace

// Every event kind and every snapshot kind through the parsers into a ring, drained into a book:
// no allocation after warm-up — with compact frames (the direct readers) and updates of more items
// than one batch (published in several commits) among them.
TEST(ZeroAlloc, ParsingEveryKindIntoTheRingAllocatesNothing) {
    struct input {
        std::unique_ptr<test::padded> payload;
        snapshot_kind kind; // unknown = user stream frame
        market venue;
        bool wsapi;
    };
    std::vector<input> inputs;
    for (const char* f : {"usdm_account_update_01.json", "usdm_account_update_06.json", "coinm_account_update_01.json",
                          "usdm_order_trade_update_02.json", "usdm_order_trade_update_04.json", "coinm_order_trade_update_01.json",
                          "usdm_trade_lite_01.json", "usdm_algo_update_01.json", "usdm_margin_call_01.json",
                          "coinm_margin_call_02.json", "usdm_listen_key_expired_01.json", "usdm_account_config_update_01.json",
                          "usdm_account_config_update_03.json"})
        inputs.push_back({std::make_unique<test::padded>(test::sample(f)), snapshot_kind::unknown,
                          f[0] == 'c' ? market::coinm : market::usdm, false});
    for (const char* f : {"usdm_account_update_06.json", "coinm_account_update_01.json", "usdm_order_trade_update_04.json",
                          "coinm_order_trade_update_01.json", "usdm_trade_lite_01.json", "usdm_trade_lite_02.json",
                          "usdm_margin_call_01.json", "usdm_account_config_update_01.json"})
        inputs.push_back({std::make_unique<test::padded>(compact(test::sample(f))), snapshot_kind::unknown,
                          f[0] == 'c' ? market::coinm : market::usdm, false});
    inputs.push_back({std::make_unique<test::padded>(large_account_update(20)), snapshot_kind::unknown, market::usdm, false});
    inputs.push_back({std::make_unique<test::padded>(large_margin_call(12)), snapshot_kind::unknown, market::usdm, false});
    inputs.push_back({std::make_unique<test::padded>(R"({"e":"STRATEGY_UPDATE","E":1,"T":1,"su":{"si":1}})"), snapshot_kind::unknown, market::usdm, false});
    inputs.push_back({std::make_unique<test::padded>(R"({"e":"BRAND_NEW","E":1})"), snapshot_kind::unknown, market::usdm, false});
    const std::pair<const char*, snapshot_kind> snaps[] = {
        {"usdm_account_v2_02.json", snapshot_kind::account_v2}, {"usdm_account_v3_01.json", snapshot_kind::account_v3},
        {"usdm_position_risk_01.json", snapshot_kind::position_risk_v2}, {"usdm_position_risk_v3_01.json", snapshot_kind::position_risk_v3},
        {"coinm_account_01.json", snapshot_kind::coinm_account}, {"coinm_position_risk_01.json", snapshot_kind::coinm_position_risk}};
    for (const auto& [f, k] : snaps)
        inputs.push_back({std::make_unique<test::padded>(test::sample(f)), k, f[0] == 'c' ? market::coinm : market::usdm, false});
    inputs.push_back({std::make_unique<test::padded>(test::sample("wsfapi_account_status_01.json")), snapshot_kind::account_v2, market::usdm, true});
    inputs.push_back({std::make_unique<test::padded>(R"([{"symbol":"BTCUSDT","marginType":"CROSSED","isAutoAddMargin":false,"leverage":21,"maxNotionalValue":"1000000"}])"),
                      snapshot_kind::symbol_config, market::usdm, false});
    inputs.push_back({std::make_unique<test::padded>(R"({"dualSidePosition":true,"multiAssetsMargin":false})"), snapshot_kind::account_config, market::usdm, false});
    inputs.push_back({std::make_unique<test::padded>(R"([{"accountAlias":"SgsR","asset":"USDT","balance":"1","updateTime":1}])"),
                      snapshot_kind::balance_v2, market::usdm, false});
    inputs.push_back({std::make_unique<test::padded>(R"({"e":"ACCOUNT_UPDATE","E":1,"a":{"B":[{"a":"USDT","wb":"0.1234567891"}]}})"),
                      snapshot_kind::unknown, market::usdm, false}); // an error path too

    spsc_ring<event> ring(4096);
    const auto sink = parse::event_sink::of(ring);
    parse::user_stream_parser user{{1 << 20, 8}}; // a batch of 8: the large updates split
    parse::snapshot_parser snap;
    account_book book;
    std::uint64_t published = 0, errors = 0;
    auto one_round = [&](std::uint64_t round) {
        for (const auto& in : inputs) {
            parse::parse_result r;
            if (in.kind == snapshot_kind::unknown) {
                r = user.parse(in.payload->data(), in.payload->size, {in.venue, 0, static_cast<std::int64_t>(round)}, sink);
            } else {
                parse::snapshot_request req;
                req.kind = in.kind;
                req.venue = in.venue;
                req.snapshot_id = round + 1;
                req.as_of_ms = static_cast<std::int64_t>(round);
                r = in.wsapi ? snap.parse_wsapi(in.payload->data(), in.payload->size, req, sink)
                             : snap.parse_rest(in.payload->data(), in.payload->size, req, sink);
            }
            published += r.published;
            errors += !r.ok();
            ring.drain([&](const event& e) { (void)book.apply(e); });
        }
    };
    for (std::uint64_t i = 0; i < 100; ++i) one_round(i); // warm-up
    published = errors = 0;
    const auto before = user.counters();
    g_allocations = 0;
    g_counting = true;
#if defined(ACCTSYNC_SANITIZED)
    const std::uint64_t rounds = 2'000;
#else
    const std::uint64_t rounds = 50'000;
#endif
    for (std::uint64_t i = 0; i < rounds; ++i) one_round(100 + i);
    g_counting = false;
    EXPECT_EQ(g_allocations.load(), 0u) << "allocations while parsing";
    EXPECT_EQ(errors, rounds) << "exactly the one bad frame per round failed";
    EXPECT_GT(published, rounds * 60);
    const auto after = user.counters();
    EXPECT_GE(after.split_updates - before.split_updates, 2 * rounds) << "both large updates split, every round";
    EXPECT_GE(after.direct_frames - before.direct_frames, 4 * rounds) << "compact frames through the direct readers";
}
