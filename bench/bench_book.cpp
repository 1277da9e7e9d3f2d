// account_book::apply ns/event on realistic traffic (scripted account: fills, funding, deposits,
// leverage, duplicates, stale updates; with and without periodic snapshots).
#include <benchmark/benchmark.h>

#include <vector>

#include "core/account_book.hpp"
#include "tools/scripted_account.hpp"

namespace {

std::vector<acctsync::event> traffic(std::uint32_t resync_every, std::size_t n) {
    acctsync::tools::scripted_account::options opt;
    opt.resync_every = resync_every;
    acctsync::tools::scripted_account script(opt);
    std::vector<acctsync::event> v(n);
    for (auto& e : v) script.next(e);
    return v;
}

// Replaying the same events would make every pass after the first stale; move every time field
// forward between passes (outside the timed region) so each pass is new traffic.
void shift_times(std::vector<acctsync::event>& evs, std::int64_t dt_ms) {
    using namespace acctsync;
    for (auto& e : evs) {
        e.header.event_time_ms += dt_ms;
        e.header.transaction_time_ms += dt_ms;
        e.header.recv_time_ns += dt_ms * 1'000'000;
        switch (e.header.type) {
        case event_type::balance_update: e.payload.balance.update_time_ms += dt_ms; break;
        case event_type::position_update: e.payload.position.update_time_ms += dt_ms; break;
        case event_type::snapshot_begin:
            e.payload.snapshot.as_of_ms += dt_ms;
            e.payload.snapshot.request_sent_ns += dt_ms * 1'000'000;
            break;
        default: break;
        }
    }
}

void run(benchmark::State& state, std::vector<acctsync::event> evs) {
    acctsync::account_book book;
    const std::int64_t span = evs.back().header.transaction_time_ms - evs.front().header.event_time_ms + 1'000'000;
    for (const auto& e : evs) (void)book.apply(e); // warm: every key exists
    for (auto _ : state) {
        state.PauseTiming();
        shift_times(evs, span);
        state.ResumeTiming();
        for (const auto& e : evs) benchmark::DoNotOptimize(book.apply(e));
    }
    state.counters["stale_share"] =
        static_cast<double>(book.counters().stale) / static_cast<double>(book.counters().applied + book.counters().stale);
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(evs.size()));
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(evs.size() * sizeof(acctsync::event)));
}

void BM_book_apply_stream(benchmark::State& state) {
    // 4096 events = 1.3 MB: the size of a ring, so events are cache-warm as they are when drained.
    static const auto evs = traffic(0, 1 << 12); // one opening snapshot, then stream only
    run(state, evs);
}
BENCHMARK(BM_book_apply_stream);

void BM_book_apply_with_snapshots(benchmark::State& state) {
    static const auto evs = traffic(500, 1 << 12); // a disconnect + full snapshot every 500 updates
    run(state, evs);
}
BENCHMARK(BM_book_apply_with_snapshots);

void BM_book_apply_balance_only(benchmark::State& state) {
    std::vector<acctsync::event> evs(1 << 12);
    for (std::size_t i = 0; i < evs.size(); ++i)
        acctsync::make_balance(evs[i], acctsync::market::usdm, i % 2 ? "USDT" : "BNB",
                               acctsync::decimal::from_raw(static_cast<std::int64_t>(i)), acctsync::decimal{},
                               acctsync::decimal{}, {static_cast<std::int64_t>(i) + 1, static_cast<std::int64_t>(i), 0});
    run(state, std::move(evs));
}
BENCHMARK(BM_book_apply_balance_only);

} // namespace

BENCHMARK_MAIN();
