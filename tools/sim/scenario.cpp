#include "tools/sim/scenario.hpp"

namespace acctsync::sim {

std::vector<std::string> random_operation(account_engine& e, int op, const std::string& sym, std::mt19937_64& rng,
                                          std::int64_t t, std::int64_t id) {
    const std::string asset = e.margin_asset_of(sym);
    auto raw = [&](std::uint64_t modulo, std::int64_t scale, std::int64_t offset = 0) {
        return decimal::from_raw((static_cast<std::int64_t>(rng() % modulo) + offset) * scale);
    };
    switch (op) {
    case 0: return e.deposit(asset, raw(100000, 100000, 1), t);
    case 1: return e.withdraw(asset, raw(1000, 100000, 1), t);
    case 2: return e.set_leverage(sym, 1 + static_cast<std::uint32_t>(rng() % 100), t);
    case 3:
        return e.funding(sym, rng() % 2 ? position_side::long_side : position_side::short_side, raw(2000, 1, -1000), t);
    case 4: return e.set_margin_type(sym, rng() % 2 ? margin_type::cross : margin_type::isolated, t);
    case 5: return e.set_multi_assets(rng() % 2, t);
    case 10: return e.margin_call(t);
    default: {
        fill_request f;
        f.symbol = sym;
        f.side = rng() % 2 ? order_side::buy : order_side::sell;
        f.pos_side = rng() % 2 ? position_side::long_side : position_side::short_side;
        f.qty = raw(1000, 100000, 1);
        f.price = raw(100000, 1000000, 1000);
        f.fee = raw(100000, 1);
        f.order_id = f.trade_id = id;
        return e.fill(f, t);
    }
    }
}

} // namespace acctsync::sim
