// tools/latency_histogram.hpp — a log-linear latency histogram (HdrHistogram's shape, 16 linear
// sub-buckets per power of two: ≤ 6.25 % relative error), fixed size, for the demo's live view
// and the latency harness.
//
// Thread: one writer (record) and readers on the same thread; copy it to hand it elsewhere.
// Cost: record is a count-leading-zeros, a shift and an increment; no allocation ever
// (3.9 KiB inline). Values are nanoseconds (any unit works); negatives count as 0.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>

namespace acctsync::tools {

class latency_histogram {
public:
    static constexpr int sub_bits = 4; // 16 sub-buckets
    static constexpr int sub = 1 << sub_bits;
    static constexpr int buckets = (64 - sub_bits + 1) * sub;

    void record(std::int64_t v) noexcept {
        const std::uint64_t u = v < 0 ? 0 : static_cast<std::uint64_t>(v);
        ++counts_[static_cast<std::size_t>(index_of(u))];
        ++total_;
        max_ = std::max(max_, u);
    }
    void reset() noexcept { *this = latency_histogram{}; }
    [[nodiscard]] std::uint64_t count() const noexcept { return total_; }
    [[nodiscard]] std::uint64_t max() const noexcept { return max_; }

    // The value at quantile q in [0, 1]: the upper edge of the bucket holding it (capped at max).
    [[nodiscard]] std::uint64_t quantile(double q) const noexcept {
        if (total_ == 0) return 0;
        const auto rank = static_cast<std::uint64_t>(q * static_cast<double>(total_ - 1)) + 1;
        std::uint64_t seen = 0;
        for (int i = 0; i < buckets; ++i) {
            seen += counts_[static_cast<std::size_t>(i)];
            if (seen >= rank) return std::min(upper_edge(i), max_);
        }
        return max_;
    }

    static constexpr int index_of(std::uint64_t v) noexcept {
        if (v < sub) return static_cast<int>(v);
        const int msb = 63 - std::countl_zero(v);     // ≥ sub_bits
        const int shift = msb - sub_bits;             // keeps the top sub_bits+1 bits
        return (shift + 1) * sub + static_cast<int>((v >> shift) & (sub - 1));
    }
    static constexpr std::uint64_t upper_edge(int i) noexcept {
        if (i < sub) return static_cast<std::uint64_t>(i);
        const int shift = i / sub - 1;
        const std::uint64_t base = (static_cast<std::uint64_t>(sub) | static_cast<std::uint64_t>(i % sub)) << shift;
        return base + ((std::uint64_t{1} << shift) - 1);
    }

private:
    std::array<std::uint32_t, buckets> counts_{};
    std::uint64_t total_ = 0;
    std::uint64_t max_ = 0;
};

static_assert(latency_histogram::index_of(15) == 15);
static_assert(latency_histogram::index_of(16) == 16 && latency_histogram::upper_edge(16) == 16);
static_assert(latency_histogram::index_of(31) == 31 && latency_histogram::index_of(32) == 32);
static_assert(latency_histogram::upper_edge(latency_histogram::index_of(1000)) >= 1000);
static_assert(latency_histogram::index_of(~std::uint64_t{0}) < latency_histogram::buckets);

} // namespace acctsync::tools
