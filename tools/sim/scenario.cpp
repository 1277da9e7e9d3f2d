#include "tools/sim/scenario.hpp"

#include <algorithm>

namespace acctsync::sim {

namespace {
// Client order ids as the venue sees them: an app's prefix and a random tail (spec §1.6.3; the
// captures show "android_…", "electron_…", "web_…" and bare ids).
std::string client_id(std::mt19937_64& rng) {
    static constexpr const char* prefixes[] = {"", "web_", "android_", "electron_", "x-Cb7ytekJ"};
    static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    std::string s = prefixes[rng() % 5];
    for (int i = 0; i < 20; ++i) s += alphabet[rng() % 62];
    return s;
}
// mark x (1 + bps / 10000), down to the tick.
decimal near(decimal mark, std::int64_t bps, decimal tick) {
    decimal factor{}, price{};
    if (!decimal::add(decimal::from_units(1), decimal::from_raw(bps * 10'000), factor) || !decimal::mul(mark, factor, price))
        return mark;
    const std::int64_t t = std::max<std::int64_t>(tick.raw(), 1);
    const decimal p = decimal::from_raw(price.raw() / t * t);
    return p.is_zero() ? tick : p;
}
} // namespace

void walk_mark(account_engine& e, const std::string& symbol, std::mt19937_64& rng) {
    const decimal mark = e.mark_price(symbol);
    if (mark.is_zero()) return;
    const std::int64_t steps = static_cast<std::int64_t>(rng() % 7) - 3; // 0.5 bp each
    decimal factor{}, next{};
    if (!decimal::add(decimal::from_units(1), decimal::from_raw(steps * 5'000), factor) || !decimal::mul(mark, factor, next) ||
        next.is_zero() || next.is_negative())
        return;
    e.set_mark(symbol, next);
}

std::vector<std::string> random_operation(account_engine& e, int op, const std::string& sym, std::mt19937_64& rng,
                                          std::int64_t t, std::int64_t id) {
    const std::string asset = e.margin_asset_of(sym);
    e.list_symbol(sym);
    walk_mark(e, sym, rng);
    auto raw = [&](std::uint64_t modulo, std::int64_t scale, std::int64_t offset = 0) {
        return decimal::from_raw((static_cast<std::int64_t>(rng() % modulo) + offset) * scale);
    };
    const bool coinm = e.options().venue == market::coinm;
    // A quantity in the symbol's lots; a price within `bps` of the mark, on its tick.
    auto qty = [&] { return raw(coinm ? 100 : 1000, e.lot_size(sym).raw(), 1); };
    auto price = [&](std::int64_t bps) {
        const std::int64_t off = static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(2 * bps + 1)) - bps;
        return near(e.mark_price(sym), off, e.tick_size(sym));
    };
    auto side = [&] { return rng() % 2 ? order_side::buy : order_side::sell; };
    auto pos_side = [&] { return rng() % 2 ? position_side::long_side : position_side::short_side; };
    auto place = [&] {
        order_request o;
        o.symbol = sym;
        o.side = side();
        o.pos_side = pos_side();
        o.qty = qty();
        o.price = price(100);
        o.order_id = id;
        o.client_order_id = client_id(rng);
        return e.place_limit(o, t);
    };
    auto pick = [&](const auto& v) { return v[rng() % v.size()]; };
    switch (op) {
    case 0: return e.deposit(asset, raw(100000, 100000, 1), t);
    case 1: return e.withdraw(asset, raw(1000, 100000, 1), t);
    case 2: return e.set_leverage(sym, 1 + static_cast<std::uint32_t>(rng() % 100), t);
    case 3: return e.funding(sym, pos_side(), raw(2000, 1, -1000), t);
    case 4: return e.set_margin_type(sym, rng() % 2 ? margin_type::cross : margin_type::isolated, t);
    case 5: return e.set_multi_assets(rng() % 2, t);
    case 7: return place();
    case 8: {
        const auto open = e.open_order_ids();
        if (open.empty()) return place();
        // Half the time the rest of the order, else a part (more than is left: the rest).
        return e.fill_resting(pick(open), rng() % 2 ? decimal{} : qty(), raw(100000, 1), id, t);
    }
    case 9: {
        const auto open = e.open_order_ids();
        return open.empty() ? place() : e.cancel(pick(open), t);
    }
    case 10: return e.margin_call(t);
    case 11: {
        const auto open = e.open_positions();
        if (open.empty()) return {};
        const auto& [symbol, ps] = pick(open);
        const decimal at = near(e.mark_price(symbol), static_cast<std::int64_t>(rng() % 101) - 50, e.tick_size(symbol));
        return e.liquidate(symbol, ps, at, raw(100000, 10), id, id, t);
    }
    default: {
        fill_request f;
        f.symbol = sym;
        f.side = side();
        f.pos_side = pos_side();
        f.qty = qty();
        f.price = price(20);
        f.fee = raw(100000, 1);
        f.order_id = f.trade_id = id;
        f.client_order_id = client_id(rng);
        f.trades = 1 + static_cast<int>(rng() % 3);
        f.price_step = decimal::from_raw(static_cast<std::int64_t>(rng() % 5) * e.tick_size(sym).raw()); // 0 to 4 ticks
        return e.fill(f, t);
    }
    }
}

} // namespace acctsync::sim
