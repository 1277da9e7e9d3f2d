// acctsync/tools/scripted_account.hpp — a deterministic stream of account events.
//
// Stands in for the exchange until the simulator exists, and afterwards for tests and benchmarks
// that need realistic traffic without sockets: an opening snapshot, then seeded logical updates
// shaped like Binance's (a fill = balance + position items with one E/T; funding = balance only;
// deposits; leverage and multi-assets changes), with duplicates and stale (older) updates mixed in
// as a merged second connection would produce them, and every `resync_every` updates a disconnect
// followed by a fresh complete snapshot of the truth.
//
// next() writes one event into caller memory (a claimed ring slot) and never allocates.
// One thread at a time.
#pragma once

#include <array>
#include <cstdint>

#include "core/event_builders.hpp"

namespace acctsync::tools {

class scripted_account {
public:
    struct options {
        std::uint64_t seed = 1;
        market venue = market::usdm;
        std::uint32_t resync_every = 5000; // logical updates between forced disconnect + snapshot
        std::int64_t start_ms = 1'760'000'000'000;
    };

    scripted_account() : scripted_account(options{}) {}
    explicit scripted_account(options opt) : opt_(opt), rng_(opt.seed * 0x9E3779B97F4A7C15ULL + 1), t_ms_(opt.start_ms) {
        wallet_ = {dec("10000"), dec("2.5"), dec("0.1")};
        lev_ = {20, 10, 5, 3};
        queue_snapshot();
    }

    void next(event& ev) noexcept {
        if (next_ == n_pending_) refill();
        ev = pending_[next_++];
        ++produced_;
    }

    [[nodiscard]] std::uint64_t produced() const noexcept { return produced_; }
    // True when the last event returned closed a logical update or snapshot.
    [[nodiscard]] bool at_boundary() const noexcept { return next_ == n_pending_; }
    [[nodiscard]] std::uint64_t logical_updates() const noexcept { return updates_; }

    static constexpr std::array<std::string_view, 3> assets = {"USDT", "BNB", "BTC"};
    // The fourth is a CJK symbol (UTF-8), the third is in hedge mode (LONG and SHORT rows).
    static constexpr std::array<std::string_view, 4> symbols = {"BTCUSDT", "ETHUSDT", "SOLUSDT", "币安人生USDT"};

private:
    // positions: 0 BTC BOTH, 1 ETH BOTH, 2 SOL LONG, 3 SOL SHORT, 4 CJK BOTH; hedge SOL also has a BOTH row.
    static constexpr int n_pos = 6;
    static constexpr std::array<int, n_pos> pos_symbol = {0, 1, 2, 2, 2, 3};
    static constexpr std::array<position_side, n_pos> pos_side = {position_side::both, position_side::both,
                                                                  position_side::long_side, position_side::short_side,
                                                                  position_side::both, position_side::both};

    std::uint64_t rand() noexcept { // splitmix64
        std::uint64_t z = (rng_ += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }
    stream_times tick() noexcept {
        t_ms_ += 1 + static_cast<std::int64_t>(rand() % 3);
        return {t_ms_ + 1, t_ms_, t_ms_ * 1'000'000};
    }
    event& push() noexcept { return pending_[n_pending_++]; }

    void emit_balance(int a, const stream_times& t, update_reason r, decimal change, std::uint16_t i, std::uint16_t n) {
        make_balance(push(), opt_.venue, assets[a], wallet_[a], wallet_[a], change, t, r, i, n);
        wallet_time_[a] = t.transaction_ms;
    }
    void emit_position(int p, const stream_times& t, std::uint16_t i, std::uint16_t n) {
        position_values v{};
        v.amount = amount_[p];
        v.entry_price = entry_[p];
        v.break_even_price = entry_[p];
        make_position(push(), opt_.venue, symbols[pos_symbol[p]], pos_side[p], v, t, update_reason::order, i, n);
        pos_time_[p] = t.transaction_ms;
    }

    void refill() noexcept {
        n_pending_ = next_ = 0;
        ++updates_;
        if (opt_.resync_every != 0 && updates_ % opt_.resync_every == 0) {
            make_stream_status(push(), opt_.venue, stream_status_kind::disconnected, t_ms_ * 1'000'000, "scripted");
            queue_snapshot();
            return;
        }
        const std::uint64_t r = rand() % 100;
        if (r < 60) { // fill: USDT fee + position move
            const int p = static_cast<int>(rand() % n_pos);
            if (p == 4) { // the hedge BOTH row only moves with its LONG/SHORT rows
                refill_duplicate();
                return;
            }
            const auto qty = static_cast<std::int64_t>(rand() % 2000) - 1000; // +-0.001000 units
            std::int64_t next = amount_[p].raw() + qty * 100;
            if (pos_side[p] == position_side::long_side && next < 0) next = -next; // LONG >= 0
            if (pos_side[p] == position_side::short_side && next > 0) next = -next; // SHORT <= 0
            amount_[p] = decimal::from_raw(next);
            entry_[p] = amount_[p].is_zero() ? decimal{} : decimal::from_raw(100 * decimal::scale + static_cast<std::int64_t>(rand() % 1000) * 1000);
            wallet_[0] = decimal::from_raw(wallet_[0].raw() - 12345);
            const stream_times t = tick();
            const bool hedge = pos_symbol[p] == 2;
            const std::uint16_t n = hedge ? 3 : 2;
            emit_balance(0, t, update_reason::order, decimal{}, 0, n);
            if (hedge) emit_position(4, t, 1, n); // Binance pushes the BOTH row with a changed symbol
            emit_position(p, t, static_cast<std::uint16_t>(n - 1), n);
        } else if (r < 75) { // funding (cross): balance only
            wallet_[0] = decimal::from_raw(wallet_[0].raw() + static_cast<std::int64_t>(rand() % 20000) - 10000);
            emit_balance(0, tick(), update_reason::funding_fee, decimal{}, 0, 1);
        } else if (r < 83) { // deposit
            const int a = static_cast<int>(rand() % assets.size());
            const auto amt = static_cast<std::int64_t>(rand() % 100000) * 1000;
            wallet_[a] = decimal::from_raw(wallet_[a].raw() + amt);
            emit_balance(a, tick(), update_reason::deposit, decimal::from_raw(amt), 0, 1);
        } else if (r < 88) { // leverage
            const int s = static_cast<int>(rand() % symbols.size());
            lev_[s] = 1 + static_cast<std::uint32_t>(rand() % 125);
            const stream_times t = tick();
            make_leverage(push(), opt_.venue, symbols[s], lev_[s], t);
            lev_time_[s] = t.transaction_ms;
        } else if (r < 90) { // multi-assets toggle
            multi_ = !multi_;
            const stream_times t = tick();
            make_multi_assets(push(), opt_.venue, multi_, t);
            multi_time_ = t.transaction_ms;
        } else if (r < 96) {
            refill_duplicate();
        } else { // stale: an older value for USDT from a lagging second connection
            stream_times t{wallet_time_[0] - 1, wallet_time_[0] - 1, t_ms_ * 1'000'000};
            make_balance(push(), opt_.venue, assets[0], dec("1"), dec("1"), decimal{}, t, update_reason::order, 0, 1);
        }
        last_count_ = n_pending_;
        for (int i = 0; i < n_pending_; ++i) last_[i] = pending_[i];
    }

    void refill_duplicate() noexcept {
        if (last_count_ == 0) {
            emit_balance(0, tick(), update_reason::funding_fee, decimal{}, 0, 1);
            return;
        }
        for (int i = 0; i < last_count_; ++i) push() = last_[i];
    }

    void queue_snapshot() noexcept {
        const std::int64_t as_of = ++t_ms_;
        const std::uint64_t id = ++snapshot_id_;
        make_snapshot_begin(push(), opt_.venue, id, as_of, as_of * 1'000'000 + 1, account_book::all_scopes,
                            snapshot_kind::account_v2);
        std::uint32_t rows = 0;
        const stream_times none{};
        for (int a = 0; a < static_cast<int>(assets.size()); ++a) {
            as_snapshot_row(make_balance(push(), opt_.venue, assets[a], wallet_[a], wallet_[a], decimal{}, none),
                            wallet_time_[a]);
            ++rows;
        }
        for (int p = 0; p < n_pos; ++p) {
            if (amount_[p].is_zero()) continue; // v3-style: flat positions are omitted
            position_values v{};
            v.amount = amount_[p];
            v.entry_price = entry_[p];
            v.break_even_price = entry_[p];
            as_snapshot_row(make_position(push(), opt_.venue, symbols[pos_symbol[p]], pos_side[p], v, none), pos_time_[p]);
            ++rows;
        }
        for (int s = 0; s < static_cast<int>(symbols.size()); ++s) {
            as_snapshot_row(make_leverage(push(), opt_.venue, symbols[s], lev_[s], none), 0);
            ++rows;
        }
        as_snapshot_row(make_multi_assets(push(), opt_.venue, multi_, none), 0);
        ++rows;
        make_snapshot_end(push(), opt_.venue, id, rows, true);
    }

    options opt_;
    std::uint64_t rng_;
    std::int64_t t_ms_;
    std::uint64_t snapshot_id_ = 0;
    std::uint64_t produced_ = 0;
    std::uint64_t updates_ = 0;

    std::array<decimal, 3> wallet_{};
    std::array<std::int64_t, 3> wallet_time_{};
    std::array<decimal, n_pos> amount_{};
    std::array<decimal, n_pos> entry_{};
    std::array<std::int64_t, n_pos> pos_time_{};
    std::array<std::uint32_t, 4> lev_{};
    std::array<std::int64_t, 4> lev_time_{};
    bool multi_ = false;
    std::int64_t multi_time_ = 0;

    static constexpr int max_pending = 24;
    event pending_[max_pending];
    int n_pending_ = 0;
    int next_ = 0;
    event last_[4];
    int last_count_ = 0;
};

} // namespace acctsync::tools
