#include "tools/sim/scenario.hpp"

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
} // namespace

std::vector<std::string> random_operation(account_engine& e, int op, const std::string& sym, std::mt19937_64& rng,
                                          std::int64_t t, std::int64_t id) {
    const std::string asset = e.margin_asset_of(sym);
    auto raw = [&](std::uint64_t modulo, std::int64_t scale, std::int64_t offset = 0) {
        return decimal::from_raw((static_cast<std::int64_t>(rng() % modulo) + offset) * scale);
    };
    auto side = [&] { return rng() % 2 ? order_side::buy : order_side::sell; };
    auto pos_side = [&] { return rng() % 2 ? position_side::long_side : position_side::short_side; };
    auto place = [&] {
        order_request o;
        o.symbol = sym;
        o.side = side();
        o.pos_side = pos_side();
        o.qty = raw(1000, 100000, 1);
        o.price = raw(100000, 1000000, 1000);
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
        return e.fill_resting(pick(open), rng() % 2 ? decimal{} : raw(1000, 100000, 1), raw(100000, 1), id, t);
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
        return e.liquidate(symbol, ps, raw(100000, 1000000, 1000), raw(100000, 10), id, id, t);
    }
    default: {
        fill_request f;
        f.symbol = sym;
        f.side = side();
        f.pos_side = pos_side();
        f.qty = raw(1000, 100000, 1);
        f.price = raw(100000, 1000000, 1000);
        f.fee = raw(100000, 1);
        f.order_id = f.trade_id = id;
        f.client_order_id = client_id(rng);
        f.trades = 1 + static_cast<int>(rng() % 3);
        f.price_step = raw(5, 1000000); // 0 to 0.04
        return e.fill(f, t);
    }
    }
}

} // namespace acctsync::sim
