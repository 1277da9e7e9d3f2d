// Decimal parse of typical Binance strings: acctsync::decimal vs std::from_chars(double) vs
// strtod, on the same inputs in the same run. (The double parsers also lose exactness; they are
// here as the speed bar a user would otherwise reach for.)
#include <benchmark/benchmark.h>

#include <charconv>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/decimal.hpp"

namespace {

// Shapes seen in the samples: balances with 8 decimals, prices, small quantities, zeros.
const std::vector<std::string>& inputs() {
    static const std::vector<std::string> v = {
        "6563.60000000", "-0.00057000", "0", "122624.12345678", "90853.20", "0.002", "-1.77340000",
        "0.00000000", "21123.05052574", "1.73744723", "80.230095", "-10", "0.1", "64089.20",
        "26.83159999", "100000000"};
    return v;
}

std::size_t total_bytes() {
    std::size_t n = 0;
    for (const auto& s : inputs()) n += s.size();
    return n;
}

void BM_acctsync_decimal(benchmark::State& state) {
    const auto& in = inputs();
    for (auto _ : state) {
        for (const auto& s : in) {
            acctsync::decimal d{};
            auto r = acctsync::decimal::parse(s, d);
            benchmark::DoNotOptimize(r);
            benchmark::DoNotOptimize(d);
        }
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(in.size()));
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(total_bytes()));
}
BENCHMARK(BM_acctsync_decimal);

void BM_from_chars_double(benchmark::State& state) {
    const auto& in = inputs();
    for (auto _ : state) {
        for (const auto& s : in) {
            double d;
            auto r = std::from_chars(s.data(), s.data() + s.size(), d);
            benchmark::DoNotOptimize(r);
            benchmark::DoNotOptimize(d);
        }
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(in.size()));
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(total_bytes()));
}
BENCHMARK(BM_from_chars_double);

void BM_strtod(benchmark::State& state) {
    const auto& in = inputs();
    for (auto _ : state) {
        for (const auto& s : in) {
            char* end;
            double d = std::strtod(s.c_str(), &end);
            benchmark::DoNotOptimize(d);
            benchmark::DoNotOptimize(end);
        }
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(in.size()));
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(total_bytes()));
}
BENCHMARK(BM_strtod);

void BM_acctsync_decimal_format(benchmark::State& state) {
    std::vector<acctsync::decimal> vals;
    for (const auto& s : inputs()) {
        acctsync::decimal d{};
        (void)acctsync::decimal::parse(s, d);
        vals.push_back(d);
    }
    char buf[acctsync::decimal::max_text];
    for (auto _ : state) {
        for (const auto d : vals) {
            benchmark::DoNotOptimize(d.format(buf));
            benchmark::ClobberMemory();
        }
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(vals.size()));
}
BENCHMARK(BM_acctsync_decimal_format);

} // namespace

BENCHMARK_MAIN();
