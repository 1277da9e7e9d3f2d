// acctsync/tools/sim/account_engine.cpp — see account_engine.hpp.
#include "tools/sim/account_engine.hpp"

#include <algorithm>
#include <stdexcept>

#include "core/event_builders.hpp"
#include "tools/sim/binance_writer.hpp"
#include "parse/json/book_json.hpp"
#include "parse/json/json_writer.hpp"

namespace acctsync::sim {

namespace {

decimal add(decimal a, decimal b) {
    decimal r{};
    if (!decimal::add(a, b, r)) throw std::overflow_error("sim: decimal overflow");
    return r;
}
decimal sub(decimal a, decimal b) {
    decimal r{};
    if (!decimal::sub(a, b, r)) throw std::overflow_error("sim: decimal overflow");
    return r;
}
decimal mul(decimal a, decimal b) {
    decimal r{};
    if (!decimal::mul(a, b, r)) throw std::overflow_error("sim: decimal overflow");
    return r;
}
decimal div(decimal a, decimal b) {
    decimal r{};
    if (!decimal::div(a, b, r)) throw std::overflow_error("sim: decimal division");
    return r;
}
decimal abs(decimal a) { return a.is_negative() ? -a : a; }

template <class S>
void set(S& dst, std::string_view v) {
    if (!dst.assign(v)) throw std::invalid_argument("sim: string too long for its event field");
}

std::string frame(std::span<const event> evs) {
    std::string out;
    if (!sim::write_user_frame(evs, out)) throw std::logic_error("sim: not a writable frame");
    return out;
}
std::string frame(const event& ev) { return frame(std::span<const event>(&ev, 1)); }

} // namespace

account_engine::account_engine(engine_options opt)
    : opt_(std::move(opt)), multi_assets_(opt_.multi_assets), rng_(opt_.seed * 0x9E3779B97F4A7C15ULL + 17) {}

std::string account_engine::margin_asset_of(std::string_view symbol) const {
    if (opt_.venue == market::usdm) return opt_.quote;
    const auto cut = symbol.find("USD"); // COIN-M: "BTCUSD_PERP" is margined in BTC
    return std::string(symbol.substr(0, cut == std::string_view::npos ? symbol.size() : cut));
}

namespace {
// Price levels, ticks and steps of the real samples and venues: BTC 90853.2 (the 2024-11
// ORDER_TRADE_UPDATE), ETH 2631.9, SOL 80.19 (the 2026-02 ACCOUNT_UPDATE), ADA 0.385 (positionRisk
// v3); anything else 100.
struct instrument {
    std::string_view base;
    const char* level;
    const char* tick;
    const char* lot; // USDⓈ-M quantity step
};
constexpr instrument instruments[] = {
    {"BTC", "90853.2", "0.1", "0.001"},
    {"ETH", "2631.9", "0.01", "0.001"},
    {"SOL", "80.19", "0.01", "0.01"},
    {"ADA", "0.385", "0.0001", "1"},
};
const instrument& instrument_of(std::string_view symbol) {
    static constexpr instrument other{"", "100", "0.01", "0.001"};
    for (const auto& i : instruments)
        if (symbol.substr(0, i.base.size()) == i.base) return i;
    return other;
}
} // namespace

std::vector<std::string> account_engine::symbols() const {
    std::vector<std::string> out;
    for (const auto& [s, st] : symbols_) out.push_back(s);
    return out;
}

decimal account_engine::mark_price(std::string_view symbol) const {
    const auto it = symbols_.find(std::string(symbol));
    return it == symbols_.end() ? decimal{} : it->second.mark;
}

void account_engine::set_mark(std::string_view symbol, decimal mark) {
    if (mark.is_negative() || mark.is_zero()) throw std::invalid_argument("sim: a mark price must be positive");
    list_symbol(symbol);
    symbols_.at(std::string(symbol)).mark = mark;
}

decimal account_engine::tick_size(std::string_view symbol) const { return dec(instrument_of(symbol).tick); }

decimal account_engine::lot_size(std::string_view symbol) const {
    return opt_.venue == market::coinm ? decimal::from_units(1) : dec(instrument_of(symbol).lot);
}

decimal account_engine::contract_size(const std::string& symbol) const {
    if (opt_.venue != market::coinm) return decimal{};
    return decimal::from_units(symbol.rfind("BTC", 0) == 0 ? 100 : 10);
}

decimal account_engine::upnl_at(const std::string& symbol, const position& p, decimal mark) const {
    if (p.amount.is_zero() || p.entry.is_zero() || mark.is_zero()) return decimal{};
    if (opt_.venue == market::coinm) // amount x size x (1/entry - 1/mark), in the margin asset
        return div(mul(mul(p.amount, contract_size(symbol)), sub(mark, p.entry)), mul(p.entry, mark));
    return mul(sub(mark, p.entry), p.amount);
}

account_engine::valuation account_engine::value(const std::string& symbol, const position& p) const {
    valuation v{};
    const symbol_state& sym = symbols_.at(symbol);
    if (p.amount.is_zero()) return v;
    const decimal lev = decimal::from_units(sym.leverage);
    v.upnl = upnl_at(symbol, p, sym.mark);
    v.notional = opt_.venue == market::coinm ? div(mul(p.amount, contract_size(symbol)), sym.mark) : mul(p.amount, sym.mark);
    v.initial_margin = div(abs(v.notional), lev);
    v.maint_margin = mul(abs(v.notional), dec("0.004"));
    const bool isolated = sym.margin == margin_type::isolated;
    if (isolated) v.isolated_margin = add(p.isolated_wallet, v.upnl);
    // Where the margin behind the position is gone: the isolated wallet, or (cross) the whole
    // cross wallet, less the 0.4% maintenance. UNVERIFIED: Binance's brackets and formula.
    const balance* b = nullptr;
    if (const auto it = balances_.find(margin_asset_of(symbol)); it != balances_.end()) b = &it->second;
    const decimal cushion = isolated ? p.isolated_wallet : (b != nullptr ? b->wallet : decimal{});
    const decimal qty = abs(p.amount);
    decimal per_unit = opt_.venue == market::coinm ? div(mul(cushion, p.entry), mul(qty, contract_size(symbol)))
                                                   : div(cushion, qty); // price move that uses it up
    per_unit = sub(per_unit, mul(p.entry, dec("0.004")));
    if (per_unit.is_negative()) per_unit = decimal{};
    const decimal liq = p.amount.is_negative() ? add(p.entry, per_unit) : sub(p.entry, per_unit);
    v.liquidation = liq.is_negative() ? decimal{} : liq;
    return v;
}

decimal account_engine::open_order_margin(const std::string& symbol, position_side side) const {
    const decimal lev = decimal::from_units(symbols_.at(symbol).leverage);
    decimal m{};
    for (const auto& [id, r] : resting_) {
        if (r.symbol != symbol || (side != position_side::unknown && r.pos_side != side)) continue;
        const decimal qty = sub(r.qty, r.filled);
        const decimal n = opt_.venue == market::coinm ? div(mul(qty, contract_size(symbol)), r.price) : mul(qty, r.price);
        m = add(m, div(n, lev));
    }
    return m;
}

std::pair<decimal, decimal> account_engine::open_notionals(const std::string& symbol, position_side side) const {
    decimal bid{}, ask{};
    for (const auto& [id, r] : resting_) {
        if (r.symbol != symbol || r.pos_side != side) continue;
        const decimal n = mul(sub(r.qty, r.filled), r.price);
        (r.side == order_side::buy ? bid : ask) = add(r.side == order_side::buy ? bid : ask, n);
    }
    return {bid, ask};
}

account_engine::asset_values account_engine::asset_value(const std::string& asset) const {
    asset_values a{};
    for (const auto& [k, p] : positions_) {
        if (margin_asset_of(k.first) != asset) continue;
        const valuation v = value(k.first, p);
        a.upnl = add(a.upnl, v.upnl);
        if (symbols_.at(k.first).margin == margin_type::cross) a.cross_upnl = add(a.cross_upnl, v.upnl);
        a.position_initial = add(a.position_initial, v.initial_margin);
        a.maint = add(a.maint, v.maint_margin);
    }
    for (const auto& [s, sym] : symbols_)
        if (margin_asset_of(s) == asset) a.open_order_initial = add(a.open_order_initial, open_order_margin(s, position_side::unknown));
    const auto it = balances_.find(asset);
    a.margin_balance = add(it == balances_.end() ? decimal{} : it->second.wallet, a.upnl);
    a.available = sub(a.margin_balance, add(a.position_initial, a.open_order_initial));
    if (a.available.is_negative()) a.available = decimal{};
    return a;
}

void account_engine::list_symbol(std::string_view symbol, std::uint32_t leverage) {
    auto [it, inserted] = symbols_.try_emplace(std::string(symbol));
    if (inserted) {
        it->second.leverage = leverage;
        it->second.mark = dec(instrument_of(symbol).level);
    }
    if (opt_.venue == market::coinm) balances_.try_emplace(margin_asset_of(symbol)); // COIN-M pushes every asset
    if (opt_.hedge_mode) {
        positions_.try_emplace({it->first, position_side::long_side});
        positions_.try_emplace({it->first, position_side::short_side});
        if (opt_.venue == market::coinm) positions_.try_emplace({it->first, position_side::both});
    } else {
        positions_.try_emplace({it->first, position_side::both});
    }
}

account_engine::position& account_engine::position_of(const std::string& symbol, position_side side) {
    list_symbol(symbol);
    return positions_[{symbol, side}];
}

// ---- times ------------------------------------------------------------------------------------

account_engine::op_clock account_engine::begin_op(std::int64_t t) {
    op_clock op;
    op.seq = ++op_seq_;
    op.t = std::max(t, last_t_ + 1);
    last_t_ = op.t;
    static constexpr std::int64_t delays[] = {0, 2, 5};
    op.e_delay = delays[rng_() % 3];
    if (prev_e_ >= op.t && rng_() % 2 == 0) op.shared_e = prev_e_;
    return op;
}

std::int64_t account_engine::next_trade_time(op_clock&) { return ++last_t_; }

std::int64_t account_engine::event_time(op_clock& op, wire_kind k, std::int64_t T, std::int64_t candidate) {
    if (candidate < 0) candidate = op.shared_e >= T ? op.shared_e : T + op.e_delay;
    clock_mark& m = marks_[k];
    // Another operation's frames of this type came before: strictly after them (operations share
    // an E only across event types); this operation's: never before.
    const std::int64_t e = m.op == op.seq ? std::max(candidate, m.e) : std::max(candidate, m.e + 1);
    m = {e, op.seq};
    if (k != w_trade_lite) op.e = e;
    return e;
}

void account_engine::stamp(event& ev, op_clock& op, wire_kind k, std::int64_t T, std::int64_t candidate) {
    ev.header.event_time_ms = event_time(op, k, T, candidate);
    ev.header.transaction_time_ms = k == w_margin_call ? 0 : T;
}

void account_engine::end_op(const op_clock& op) {
    if (op.e != 0) prev_e_ = op.e;
}

std::int64_t account_engine::next_trade_id(std::int64_t wanted) {
    last_trade_id_ = std::max(wanted, last_trade_id_ + 1);
    return last_trade_id_;
}

event account_engine::balance_event(const std::string& asset, decimal change, std::int64_t t, update_reason r) const {
    const balance& b = balances_.at(asset);
    // Cross wallet: the wallet less what isolated positions in this asset hold.
    decimal cross = b.wallet;
    for (const auto& [k, p] : positions_)
        if (symbols_.at(k.first).margin == margin_type::isolated && margin_asset_of(k.first) == asset)
            cross = sub(cross, p.isolated_wallet);
    event ev;
    reset_event(ev, event_type::balance_update, opt_.venue);
    ev.header.event_time_ms = ev.header.transaction_time_ms = t;
    auto& x = ev.payload.balance;
    set(x.asset, asset);
    x.wallet_balance = b.wallet;
    x.cross_wallet_balance = cross;
    x.balance_change = change;
    x.fields = balance_update::f_wallet_balance | balance_update::f_cross_wallet_balance | balance_update::f_balance_change;
    x.reason = r;
    x.update_time_ms = t;
    if (opt_.venue == market::coinm) set(x.account_alias, opt_.alias);
    return ev;
}

event account_engine::position_event(const position_key& k, std::int64_t t, update_reason r) const {
    const position& p = positions_.at(k);
    event ev;
    reset_event(ev, event_type::position_update, opt_.venue);
    ev.header.event_time_ms = ev.header.transaction_time_ms = t;
    auto& x = ev.payload.position;
    using f = position_update::field;
    set(x.symbol, k.first);
    x.side = k.second;
    x.amount = p.amount;
    x.entry_price = p.entry;
    x.break_even_price = p.entry;
    x.accumulated_realized = p.accumulated;
    x.unrealized_pnl = upnl_at(k.first, p, symbols_.at(k.first).mark); // valued at this push only
    x.margin = symbols_.at(k.first).margin;
    x.isolated_wallet = p.isolated_wallet;
    set(x.margin_asset, margin_asset_of(k.first));
    x.fields = f::f_amount | f::f_entry_price | f::f_break_even_price | f::f_accumulated_realized | f::f_unrealized_pnl |
               f::f_margin_type | f::f_isolated_wallet | f::f_margin_asset;
    x.reason = r;
    x.update_time_ms = t;
    if (opt_.venue == market::coinm) set(x.account_alias, opt_.alias);
    return ev;
}

std::string account_engine::account_update(std::vector<event> items, op_clock& op, std::int64_t T) {
    const std::int64_t e = event_time(op, w_account, T);
    for (std::size_t i = 0; i < items.size(); ++i) {
        items[i].header.event_time_ms = e;
        items[i].header.transaction_time_ms = T;
        items[i].header.item_index = static_cast<std::uint16_t>(i);
        items[i].header.item_count = static_cast<std::uint16_t>(items.size());
    }
    return frame(items);
}

std::vector<std::string> account_engine::deposit(std::string_view asset, decimal amount, std::int64_t t) {
    if (amount.is_negative() || amount.is_zero()) return {};
    op_clock op = begin_op(t);
    balance& b = balances_[std::string(asset)];
    b.wallet = add(b.wallet, amount);
    b.time = op.t;
    std::vector<std::string> out{account_update({balance_event(std::string(asset), amount, op.t, update_reason::deposit)}, op, op.t)};
    end_op(op);
    return out;
}

std::vector<std::string> account_engine::withdraw(std::string_view asset, decimal amount, std::int64_t t) {
    const auto it = balances_.find(std::string(asset));
    if (amount.is_negative() || amount.is_zero() || it == balances_.end() || it->second.wallet < amount) return {};
    op_clock op = begin_op(t);
    it->second.wallet = sub(it->second.wallet, amount);
    it->second.time = op.t;
    std::vector<std::string> out{account_update({balance_event(it->first, -amount, op.t, update_reason::withdraw)}, op, op.t)};
    end_op(op);
    return out;
}

// ---- orders and trades ------------------------------------------------------------------------

bool account_engine::crosses_zero(const std::string& symbol, position_side side, order_side dir, decimal qty) {
    // Hedge sides never cross zero: a LONG only sells down to flat, a SHORT only buys to flat.
    if (side == position_side::both) return false;
    const decimal next = add(position_of(symbol, side).amount, dir == order_side::buy ? qty : -qty);
    return side == position_side::long_side ? next.is_negative() : !next.is_negative() && !next.is_zero();
}

decimal account_engine::trade(const std::string& symbol, position_side side, order_side dir, decimal qty, decimal price,
                              decimal fee, std::int64_t T, std::int64_t order_id, std::int64_t trade_id) {
    if (opt_.hedge_mode && opt_.venue == market::usdm) positions_.try_emplace({symbol, position_side::both}); // pushed along
    position& p = position_of(symbol, side);
    const symbol_state& sym = symbols_.at(symbol);
    const decimal delta = dir == order_side::buy ? qty : -qty;
    decimal realized{};
    const decimal old = p.amount;
    const decimal next = add(old, delta);
    const bool inverse = opt_.venue == market::coinm;
    if (old.is_zero() || old.is_negative() == delta.is_negative()) { // open or add: weighted entry
        if (old.is_zero()) p.entry = price;
        else if (inverse) // the harmonic mean, weighted by contracts: entry x (o + d) x price / (o x price + d x entry)
            p.entry = mul(p.entry, div(mul(add(abs(old), abs(delta)), price), add(mul(abs(old), price), mul(abs(delta), p.entry))));
        else p.entry = div(add(mul(abs(old), p.entry), mul(abs(delta), price)), add(abs(old), abs(delta)));
    } else { // reduce, close or flip
        const decimal closing = std::min(abs(old), abs(delta));
        realized = inverse ? div(mul(mul(closing, contract_size(symbol)), sub(price, p.entry)), mul(p.entry, price))
                           : mul(sub(price, p.entry), closing);
        if (old.is_negative()) realized = -realized;
        if (next.is_zero()) p.entry = decimal{};
        else if (next.is_negative() != old.is_negative()) p.entry = price; // flipped
    }
    p.amount = next;
    p.accumulated = add(p.accumulated, realized);
    p.time = T;
    p.initialised = true;
    if (sym.margin == margin_type::isolated) {
        decimal lev = decimal::from_units(sym.leverage);
        p.isolated_wallet = p.amount.is_zero() ? decimal{}
                            : inverse          ? div(mul(abs(p.amount), contract_size(symbol)), mul(p.entry, lev))
                                               : div(mul(abs(p.amount), p.entry), lev);
    }
    const std::string asset = margin_asset_of(symbol);
    balance& b = balances_[asset];
    b.wallet = sub(add(b.wallet, realized), fee);
    b.time = T;
    trades_.push_back({symbol, trade_id, order_id, T, dir, side, price, qty, realized, fee, asset});
    return realized;
}

std::vector<event> account_engine::trade_items(const std::string& symbol, position_side side, std::int64_t T) const {
    std::vector<event> items;
    const bool coinm = opt_.venue == market::coinm;
    if (coinm) { // the real capture: every asset, zero ones too
        for (const auto& [asset, b] : balances_) items.push_back(balance_event(asset, decimal{}, T, update_reason::order));
    } else {
        items.push_back(balance_event(margin_asset_of(symbol), decimal{}, T, update_reason::order));
    }
    const bool isolated = symbols_.at(symbol).margin == margin_type::isolated;
    for (const auto& [k, p] : positions_) { // BOTH, LONG, SHORT: the docs' order
        if (k.first != symbol) continue;
        const bool pushed = coinm || k.second == side || (opt_.hedge_mode && k.second == position_side::both) ||
                            (opt_.hedge_mode && isolated && p.initialised);
        if (pushed) items.push_back(position_event(k, T, update_reason::order));
    }
    return items;
}

void account_engine::notionals(const std::string& symbol, order_update& o) const {
    decimal bid{}, ask{};
    for (const auto& [id, r] : resting_) {
        if (r.symbol != symbol) continue;
        const decimal n = mul(sub(r.qty, r.filled), r.price);
        (r.side == order_side::buy ? bid : ask) = add(r.side == order_side::buy ? bid : ask, n);
    }
    o.bid_notional = bid;
    o.ask_notional = ask;
}

event account_engine::order_event(const std::string& symbol, const std::string& client_id, order_side side, position_side ps,
                                  order_type type, decimal qty, decimal price, std::int64_t order_id) const {
    event ev;
    reset_event(ev, event_type::order_update, opt_.venue);
    auto& o = ev.payload.order;
    set(o.symbol, symbol);
    set(o.client_order_id, client_id);
    if (opt_.venue == market::coinm) {
        set(o.margin_asset, margin_asset_of(symbol));
        set(o.account_alias, opt_.alias);
    }
    o.side = side;
    o.type = o.orig_type = type;
    o.tif = time_in_force::gtc;
    o.orig_qty = qty;
    o.price = price;
    o.order_id = order_id;
    o.working = working_type::contract_price;
    o.pos_side = ps;
    o.stp = stp_mode::none;
    o.match = price_match::none;
    o.exec = execution_type::new_order;
    o.status = order_status::new_order;
    return ev;
}

event account_engine::trade_lite_event(const event& order) const {
    const auto& o = order.payload.order;
    event lite;
    reset_event(lite, event_type::trade_lite, opt_.venue);
    auto& x = lite.payload.trade;
    x.symbol = o.symbol;
    x.client_order_id = o.client_order_id;
    x.orig_qty = o.orig_qty;
    x.price = o.price;
    x.last_price = o.last_price;
    x.last_qty = o.last_qty;
    x.trade_id = o.trade_id;
    x.order_id = o.order_id;
    x.side = o.side;
    x.is_maker = (o.flags & order_update::is_maker) != 0;
    return lite;
}

namespace {
// Average price as Binance writes it: 5 decimal places (the 2024-11 capture's "ap":"90853.20000").
decimal average(decimal notional, decimal qty) {
    const std::int64_t a = div(notional, qty).raw(); // prices are positive
    const std::int64_t r = a % 1000;
    return decimal::from_raw(a - r + (r >= 500 ? 1000 : 0));
}
} // namespace

std::vector<std::string> account_engine::fill(const fill_request& f, std::int64_t t) {
    if (f.qty.is_zero() || f.qty.is_negative() || f.price.is_negative() || f.price.is_zero()) return {};
    const position_side side = opt_.hedge_mode ? f.pos_side : position_side::both;
    if (opt_.hedge_mode && side == position_side::both) return {};
    list_symbol(f.symbol);
    if (crosses_zero(f.symbol, side, f.side, f.qty)) return {};
    // The trades: qty split in `trades` parts of whole 0.001s (the last takes the rest), the fee
    // likewise, the price stepping away from f.price (a taker walks the book).
    int n = std::clamp(f.trades, 1, 8);
    const std::int64_t lot = lot_size(f.symbol).raw();
    while (n > 1 && f.qty.raw() / n / lot == 0) --n;
    const std::int64_t part = f.qty.raw() / n / lot * lot, fee_part = f.fee.raw() / n;
    const std::string asset = margin_asset_of(f.symbol);

    op_clock op = begin_op(t);
    event order = order_event(f.symbol, f.client_order_id, f.side, side, order_type::market, f.qty, decimal{}, f.order_id);
    auto& o = order.payload.order;
    o.trade_time_ms = op.t;
    // The observed orders around a fill (spec §1.5, §5.2): NEW, ACCOUNT_UPDATE, TRADE (the real
    // captures); NEW, TRADE, ACCOUNT_UPDATE; ACCOUNT_UPDATE, NEW, TRADE. TRADE_LITE always first.
    const unsigned variant = static_cast<unsigned>(rng_() % 3);
    std::vector<std::string> out;
    decimal cum{}, notional{};
    for (int k = 0; k < n; ++k) {
        const std::int64_t T = k == 0 ? op.t : next_trade_time(op);
        const decimal qty = k + 1 < n ? decimal::from_raw(part) : sub(f.qty, decimal::from_raw(part * (n - 1)));
        const decimal fee = k + 1 < n ? decimal::from_raw(fee_part) : sub(f.fee, decimal::from_raw(fee_part * (n - 1)));
        const decimal step = mul(f.price_step, decimal::from_units(k));
        decimal price = f.side == order_side::buy ? add(f.price, step) : sub(f.price, step);
        if (price.is_negative() || price.is_zero()) price = f.price;
        const std::int64_t trade_id = next_trade_id(k == 0 ? f.trade_id : 0);
        const decimal realized = trade(f.symbol, side, f.side, qty, price, fee, T, f.order_id, trade_id);
        cum = add(cum, qty);
        notional = add(notional, mul(qty, price));

        event tr = order;
        auto& x = tr.payload.order;
        x.exec = execution_type::trade;
        x.status = cum == f.qty ? order_status::filled : order_status::partially_filled;
        x.last_qty = qty;
        x.cum_qty = cum;
        x.last_price = price;
        x.avg_price = average(notional, cum);
        x.commission = fee;
        set(x.commission_asset, asset);
        x.flags |= order_update::has_commission;
        x.trade_id = trade_id;
        x.trade_time_ms = T;
        x.realized_profit = realized;
        if (opt_.venue == market::usdm) { // TRADE_LITE first; its E may be up to 150 ms before its T
            event lite = trade_lite_event(tr);
            const std::int64_t early = rng_() % 2 == 0 ? 0 : static_cast<std::int64_t>(rng_() % 151);
            stamp(lite, op, w_trade_lite, T, T - early);
            out.push_back(frame(lite));
        }
        std::string update = account_update(trade_items(f.symbol, side, T), op, T);
        if (k == 0 && variant == 2) out.push_back(update);
        if (k == 0) {
            stamp(order, op, w_order, op.t);
            out.push_back(frame(order));
        }
        if (variant != 1 && !(k == 0 && variant == 2)) out.push_back(update);
        stamp(tr, op, w_order, T);
        out.push_back(frame(tr));
        if (variant == 1) out.push_back(update);
    }
    end_op(op);
    return out;
}

std::vector<std::string> account_engine::place_limit(const order_request& r, std::int64_t t) {
    if (r.qty.is_zero() || r.qty.is_negative() || r.price.is_zero() || r.price.is_negative() || resting_.count(r.order_id))
        return {};
    const position_side side = opt_.hedge_mode ? r.pos_side : position_side::both;
    if (opt_.hedge_mode && side == position_side::both) return {};
    list_symbol(r.symbol);
    resting_[r.order_id] = {r.symbol, r.client_order_id, r.side, side, r.qty, r.price, decimal{}, decimal{}};
    op_clock op = begin_op(t);
    event ev = order_event(r.symbol, r.client_order_id, r.side, side, order_type::limit, r.qty, r.price, r.order_id);
    ev.payload.order.trade_time_ms = op.t;
    notionals(r.symbol, ev.payload.order);
    stamp(ev, op, w_order, op.t);
    std::vector<std::string> out{frame(ev)};
    end_op(op);
    return out;
}

std::vector<std::string> account_engine::cancel(std::int64_t order_id, std::int64_t t) {
    const auto it = resting_.find(order_id);
    if (it == resting_.end()) return {};
    const resting_order r = it->second;
    resting_.erase(it);
    op_clock op = begin_op(t);
    event ev = order_event(r.symbol, r.client_order_id, r.side, r.pos_side, order_type::limit, r.qty, r.price, order_id);
    auto& o = ev.payload.order;
    o.exec = execution_type::canceled;
    o.status = order_status::canceled;
    o.cum_qty = r.filled;
    o.avg_price = r.avg;
    o.trade_time_ms = op.t;
    notionals(r.symbol, o);
    stamp(ev, op, w_order, op.t);
    std::vector<std::string> out{frame(ev)};
    end_op(op);
    return out;
}

std::vector<std::string> account_engine::fill_resting(std::int64_t order_id, decimal qty, decimal fee, std::int64_t trade_id,
                                                      std::int64_t t) {
    const auto it = resting_.find(order_id);
    if (it == resting_.end()) return {};
    resting_order& r = it->second;
    const decimal left = sub(r.qty, r.filled);
    if (qty.is_zero() || qty.is_negative() || left < qty) qty = left;
    if (crosses_zero(r.symbol, r.pos_side, r.side, qty)) return cancel(order_id, t); // nothing left to reduce
    const std::string symbol = r.symbol, asset = margin_asset_of(symbol);
    op_clock op = begin_op(t);
    const std::int64_t id = next_trade_id(trade_id);
    const decimal realized = trade(symbol, r.pos_side, r.side, qty, r.price, fee, op.t, order_id, id);
    const decimal before = r.filled;
    r.filled = add(r.filled, qty);
    r.avg = average(add(mul(before, r.avg), mul(qty, r.price)), r.filled);
    event tr = order_event(symbol, r.client_order_id, r.side, r.pos_side, order_type::limit, r.qty, r.price, order_id);
    auto& x = tr.payload.order;
    x.exec = execution_type::trade;
    x.status = r.filled == r.qty ? order_status::filled : order_status::partially_filled;
    x.last_qty = qty;
    x.cum_qty = r.filled;
    x.last_price = r.price;
    x.avg_price = r.avg;
    x.commission = fee;
    set(x.commission_asset, asset);
    x.flags |= order_update::has_commission | order_update::is_maker;
    x.trade_id = id;
    x.trade_time_ms = op.t;
    x.realized_profit = realized;
    if (r.filled == r.qty) resting_.erase(it);
    notionals(symbol, x);
    std::vector<std::string> out;
    if (opt_.venue == market::usdm) {
        event lite = trade_lite_event(tr);
        const std::int64_t early = rng_() % 2 == 0 ? 0 : static_cast<std::int64_t>(rng_() % 151);
        stamp(lite, op, w_trade_lite, op.t, op.t - early);
        out.push_back(frame(lite));
    }
    std::string update = account_update(trade_items(symbol, x.pos_side, op.t), op, op.t);
    stamp(tr, op, w_order, op.t);
    if (rng_() % 2 == 0) { // the ACCOUNT_UPDATE before the TRADE (the captures) or after it
        out.push_back(std::move(update));
        out.push_back(frame(tr));
    } else {
        out.push_back(frame(tr));
        out.push_back(std::move(update));
    }
    end_op(op);
    return out;
}

std::vector<std::string> account_engine::liquidate(std::string_view symbol_view, position_side side, decimal price, decimal fee,
                                                   std::int64_t order_id, std::int64_t trade_id, std::int64_t t) {
    const std::string symbol(symbol_view);
    const position_side ps = opt_.hedge_mode ? side : position_side::both;
    const auto pit = positions_.find({symbol, ps});
    if (pit == positions_.end() || pit->second.amount.is_zero() || price.is_zero() || price.is_negative()) return {};
    const decimal qty = abs(pit->second.amount);
    const order_side dir = pit->second.amount.is_negative() ? order_side::buy : order_side::sell;
    const std::string asset = margin_asset_of(symbol);
    op_clock op = begin_op(t);
    const std::int64_t id = next_trade_id(trade_id);
    const decimal realized = trade(symbol, ps, dir, qty, price, fee, op.t, order_id, id);
    // "autoclose-" and digits (spec §1.6.3); LIQUIDATION, or MARKET as a capture shows it.
    const std::string client_id = "autoclose-" + std::to_string(1'000'000'000'000'000 + op.t % 1'000'000'000'000'000);
    event ev = order_event(symbol, client_id, dir, ps, rng_() % 2 == 0 ? order_type::liquidation : order_type::market, qty,
                           decimal{}, order_id);
    auto& x = ev.payload.order;
    x.exec = execution_type::calculated;
    x.status = order_status::filled;
    x.tif = time_in_force::ioc;
    x.last_qty = x.cum_qty = qty;
    x.last_price = x.avg_price = price;
    x.commission = fee;
    set(x.commission_asset, asset);
    x.flags |= order_update::has_commission;
    x.trade_id = id;
    x.trade_time_ms = op.t;
    x.realized_profit = realized;
    notionals(symbol, x);
    std::string update = account_update(trade_items(symbol, ps, op.t), op, op.t);
    stamp(ev, op, w_order, op.t);
    std::vector<std::string> out;
    if (rng_() % 2 == 0) {
        out.push_back(std::move(update));
        out.push_back(frame(ev));
    } else {
        out.push_back(frame(ev));
        out.push_back(std::move(update));
    }
    end_op(op);
    return out;
}

std::vector<std::int64_t> account_engine::open_order_ids() const {
    std::vector<std::int64_t> ids;
    for (const auto& [id, r] : resting_) ids.push_back(id);
    return ids;
}

std::vector<std::pair<std::string, position_side>> account_engine::open_positions() const {
    std::vector<std::pair<std::string, position_side>> out;
    for (const auto& [k, p] : positions_)
        if (!p.amount.is_zero()) out.push_back(k);
    return out;
}

std::string account_engine::income_json(std::string_view income_type, std::int64_t start_time_ms,
                                        std::int64_t end_time_ms, std::size_t limit) const {
    // Binance's shape (Get Income History): symbol, incomeType, income, asset, info, time,
    // tranId (a number on fapi), tradeId (a string).
    std::string out = "[";
    std::size_t n = 0;
    auto row = [&](const trade_record& r, std::string_view type, decimal amount, std::int64_t tran) {
        if (!income_type.empty() && income_type != type) return;
        if (n++ == limit) return;
        if (n > 1) out += ',';
        out += '{';
        parse::json_object o(out);
        o.str("symbol", r.symbol);
        o.str("incomeType", type);
        o.dec("income", amount);
        o.str("asset", r.fee_asset);
        o.str("info", type);
        o.num("time", r.time);
        o.num("tranId", tran);
        o.str("tradeId", std::to_string(r.id));
        out += '}';
    };
    for (const auto& r : trades_) {
        if (r.time < start_time_ms || (end_time_ms > 0 && r.time > end_time_ms)) continue;
        row(r, "COMMISSION", decimal::from_raw(-r.fee.raw()), 2 * r.id);
        if (!r.realized.is_zero()) row(r, "REALIZED_PNL", r.realized, 2 * r.id + 1);
        if (n > limit) break;
    }
    out += ']';
    return out;
}

std::string account_engine::user_trades_json(std::string_view symbol, std::int64_t start_time_ms, std::int64_t from_id,
                                             std::size_t limit) const {
    // GET /fapi/v1/userTrades: one symbol's trades, oldest first, from fromId or startTime.
    std::string out = "[";
    std::size_t n = 0;
    for (const auto& r : trades_) {
        if (r.symbol != symbol || (from_id >= 0 && r.id < from_id) || (from_id < 0 && r.time < start_time_ms)) continue;
        if (n++ == limit) break;
        if (n > 1) out += ',';
        out += '{';
        parse::json_object o(out);
        o.boolean("buyer", r.side == order_side::buy);
        o.dec("commission", r.fee);
        o.str("commissionAsset", r.fee_asset);
        o.num("id", r.id);
        o.boolean("maker", false);
        o.num("orderId", r.order_id);
        o.dec("price", r.price);
        o.dec("qty", r.qty);
        o.dec("quoteQty", mul(r.price, r.qty));
        o.dec("realizedPnl", r.realized);
        o.en("side", r.side);
        o.en("positionSide", r.pos_side);
        o.str("symbol", r.symbol);
        o.num("time", r.time);
        out += '}';
    }
    out += ']';
    return out;
}

std::vector<std::string> account_engine::funding(std::string_view symbol, position_side side, decimal amount, std::int64_t t) {
    const position_key k{std::string(symbol), opt_.hedge_mode ? side : position_side::both};
    const auto it = positions_.find(k);
    if (it == positions_.end() || it->second.amount.is_zero()) return {};
    op_clock op = begin_op(t);
    const std::string asset = margin_asset_of(symbol);
    balance& b = balances_[asset];
    b.wallet = add(b.wallet, amount);
    b.time = op.t;
    std::vector<event> items{balance_event(asset, amount, op.t, update_reason::funding_fee)};
    if (symbols_.at(k.first).margin == margin_type::isolated) { // isolated: that position too
        it->second.isolated_wallet = add(it->second.isolated_wallet, amount);
        it->second.time = op.t;
        items[0] = balance_event(asset, amount, op.t, update_reason::funding_fee);
        items.push_back(position_event(k, op.t, update_reason::funding_fee));
    }
    std::vector<std::string> out{account_update(std::move(items), op, op.t)};
    end_op(op);
    return out;
}

std::vector<std::string> account_engine::set_leverage(std::string_view symbol, std::uint32_t leverage, std::int64_t t) {
    if (leverage == 0 || leverage > 125) return {};
    list_symbol(symbol);
    symbols_[std::string(symbol)].leverage = leverage;
    op_clock op = begin_op(t);
    event ev;
    make_leverage(ev, opt_.venue, symbol, leverage, {op.t, op.t, 0});
    stamp(ev, op, w_config, op.t);
    std::vector<std::string> out{frame(ev)};
    end_op(op);
    return out;
}

namespace {
std::vector<std::string> refused(account_engine::refusal* why, std::int32_t code, std::string msg) {
    if (why != nullptr) *why = {code, std::move(msg)};
    return {};
}
} // namespace

std::vector<std::string> account_engine::set_multi_assets(bool on, std::int64_t t, refusal* why) {
    if (opt_.venue != market::usdm) return refused(why, -1000, "No Multi-Assets mode on COIN-M.");
    if (on == multi_assets_) return refused(why, -4171, "Adjusted Multi-Assets mode is same as current mode.");
    if (on)
        for (const auto& [name, sym] : symbols_)
            if (sym.margin == margin_type::isolated)
                return refused(why, -4167,
                               "Unable to adjust to Multi-Assets mode with symbols of USDⓈ-M Futures under isolated-margin mode.");
    op_clock op = begin_op(t);
    multi_assets_ = on;
    multi_assets_time_ = op.t;
    event ev;
    make_multi_assets(ev, opt_.venue, on, {op.t, op.t, 0});
    stamp(ev, op, w_config, op.t);
    std::vector<std::string> out{frame(ev)};
    end_op(op);
    return out;
}

std::vector<std::string> account_engine::set_margin_type(std::string_view symbol, margin_type m, std::int64_t t, refusal* why) {
    list_symbol(symbol);
    const std::string s(symbol);
    if (symbols_[s].margin == m) return refused(why, -4046, "No need to change margin type.");
    if (m == margin_type::isolated && multi_assets_)
        return refused(why, -4168, "Unable to adjust to isolated-margin mode under the Multi-Assets mode.");
    for (const auto& [k, p] : positions_)
        if (k.first == s && !p.amount.is_zero())
            return refused(why, -4048, "Margin type cannot be changed if there exists position.");
    symbols_[s].margin = m;
    op_clock op = begin_op(t);
    std::vector<event> items;
    for (const auto& [k, p] : positions_)
        if (k.first == s) items.push_back(position_event(k, op.t, update_reason::margin_type_change));
    std::vector<std::string> out{account_update(std::move(items), op, op.t)};
    end_op(op);
    return out;
}

std::vector<std::string> account_engine::margin_call(std::int64_t t) {
    bool any = false;
    for (const auto& [k, p] : positions_) any |= !p.amount.is_zero();
    if (!any) return {};
    op_clock op = begin_op(t);
    const std::int64_t e = event_time(op, w_margin_call, op.t);
    std::vector<event> items;
    bool cross = false;
    for (const auto& [k, p] : positions_) {
        if (p.amount.is_zero()) continue;
        event ev;
        reset_event(ev, event_type::margin_call, opt_.venue);
        ev.header.event_time_ms = e;
        auto& m = ev.payload.margin;
        set(m.symbol, k.first);
        m.side = k.second;
        m.amount = p.amount;
        m.margin = symbols_.at(k.first).margin;
        m.isolated_wallet = p.isolated_wallet;
        m.fields = margin_call::f_isolated_wallet;
        const valuation v = value(k.first, p);
        m.mark_price = symbols_.at(k.first).mark;
        m.unrealized_pnl = v.upnl;
        m.maint_margin = v.maint_margin;
        if (opt_.venue == market::coinm) set(m.account_alias, opt_.alias);
        cross |= m.margin == margin_type::cross;
        items.push_back(ev);
    }
    if (items.empty()) return {};
    if (cross) {
        const std::string asset = margin_asset_of(items.front().payload.margin.symbol.view());
        if (balances_.count(asset)) {
            items.front().payload.margin.cross_wallet_balance = balance_event(asset, decimal{}, op.t, update_reason::order).payload.balance.cross_wallet_balance;
            items.front().payload.margin.fields |= margin_call::f_cross_wallet;
        }
    }
    for (std::size_t i = 0; i < items.size(); ++i) {
        items[i].header.item_index = static_cast<std::uint16_t>(i);
        items[i].header.item_count = static_cast<std::uint16_t>(items.size());
    }
    std::vector<std::string> out{frame(items)};
    end_op(op);
    return out;
}

std::vector<event> account_engine::snapshot_rows(snapshot_kind kind) const {
    std::vector<event> rows;
    const bool v3 = kind == snapshot_kind::account_v3 || kind == snapshot_kind::position_risk_v3;
    const bool account_shape = kind == snapshot_kind::account_v2 || kind == snapshot_kind::account_v3 ||
                               kind == snapshot_kind::coinm_account;
    const bool balance_shape = kind == snapshot_kind::balance_v2 || kind == snapshot_kind::balance_v3 ||
                               kind == snapshot_kind::coinm_balance;
    const bool with_positions = account_shape || kind == snapshot_kind::position_risk_v2 ||
                                kind == snapshot_kind::position_risk_v3 || kind == snapshot_kind::coinm_position_risk;
    if (account_shape || balance_shape) {
        for (const auto& [asset, b] : balances_) {
            event ev = balance_event(asset, decimal{}, b.time, update_reason::unknown);
            auto& x = ev.payload.balance;
            using f = balance_update::field;
            x.source = event_source::snapshot;
            const asset_values a = asset_value(asset);
            x.unrealized_profit = a.upnl;
            x.cross_unpnl = a.cross_upnl;
            x.margin_balance = a.margin_balance;
            x.position_initial_margin = a.position_initial;
            x.open_order_initial_margin = a.open_order_initial;
            x.initial_margin = add(a.position_initial, a.open_order_initial);
            x.maint_margin = a.maint;
            x.available_balance = x.max_withdraw_amount = a.available;
            x.margin_available = true;
            x.fields = f::f_wallet_balance | f::f_cross_wallet_balance | f::f_cross_unpnl | f::f_available_balance |
                       f::f_max_withdraw_amount;
            if (account_shape)
                x.fields |= f::f_unrealized_profit | f::f_margin_balance | f::f_maint_margin | f::f_initial_margin |
                            f::f_position_initial_margin | f::f_open_order_initial_margin;
            // marginAvailable: USDⓈ-M only (COIN-M never had it). The v3 account's REST example
            // lacks it (dropped 2025-08-26 per the SDK, spec §3.5) while the WS-API
            // v2/account.status example, the same body, has it: written for both (a superset).
            if (opt_.venue == market::usdm) x.fields |= f::f_margin_available;
            if (balance_shape) set(x.account_alias, opt_.alias); // "unique account code", both venues
            else x.account_alias.clear();
            rows.push_back(ev);
        }
    }
    if (with_positions) {
        for (const auto& [k, p] : positions_) {
            // v2 lists every symbol (one-way: BOTH; hedge: LONG and SHORT); COIN-M hedge lists all
            // three; v3 only non-flat positions.
            if (v3 && p.amount.is_zero()) continue;
            if (opt_.hedge_mode && opt_.venue == market::usdm && k.second == position_side::both) continue;
            // The row's time is the last position change, while its mark, uPnL, notional and
            // margins are the current ones (see the file comment).
            event ev = position_event(k, p.time, update_reason::unknown);
            auto& x = ev.payload.position;
            using f = position_update::field;
            const valuation v = value(k.first, p);
            x.source = event_source::snapshot;
            x.account_alias.clear();
            x.unrealized_pnl = v.upnl;
            x.mark_price = symbols_.at(k.first).mark;
            x.liquidation_price = v.liquidation;
            x.notional = v.notional;
            x.initial_margin = x.position_initial_margin = v.initial_margin;
            x.open_order_initial_margin = open_order_margin(k.first, k.second);
            x.maint_margin = v.maint_margin;
            x.isolated_margin = v.isolated_margin;
            x.max_notional = opt_.venue == market::coinm ? dec("1000") : dec("1000000");
            x.adl = p.amount.is_zero() ? 0 : v.upnl.is_negative() ? 1 : 2;
            x.leverage = static_cast<std::uint16_t>(symbols_.at(k.first).leverage);
            // Each kind's fields as the real bodies carry them (tests/data/samples, spec §3.5, §3.6).
            switch (kind) {
            case snapshot_kind::account_v2:
                x.fields = f::f_amount | f::f_unrealized_pnl | f::f_entry_price | f::f_break_even_price | f::f_leverage |
                           f::f_margin_type | f::f_initial_margin | f::f_maint_margin | f::f_position_initial_margin |
                           f::f_open_order_initial_margin | f::f_max_notional;
                break;
            case snapshot_kind::account_v3:
                x.fields = f::f_amount | f::f_unrealized_pnl | f::f_isolated_margin | f::f_notional | f::f_isolated_wallet |
                           f::f_initial_margin | f::f_maint_margin;
                break;
            case snapshot_kind::position_risk_v2:
                x.fields = f::f_amount | f::f_entry_price | f::f_break_even_price | f::f_margin_type | f::f_isolated_margin |
                           f::f_leverage | f::f_liquidation_price | f::f_mark_price | f::f_max_notional | f::f_notional |
                           f::f_isolated_wallet | f::f_unrealized_pnl;
                break;
            case snapshot_kind::position_risk_v3:
                x.fields = f::f_amount | f::f_entry_price | f::f_break_even_price | f::f_mark_price | f::f_unrealized_pnl |
                           f::f_liquidation_price | f::f_isolated_margin | f::f_notional | f::f_margin_asset |
                           f::f_isolated_wallet | f::f_initial_margin | f::f_maint_margin | f::f_position_initial_margin |
                           f::f_open_order_initial_margin | f::f_adl;
                break;
            case snapshot_kind::coinm_account:
                x.fields = f::f_amount | f::f_initial_margin | f::f_maint_margin | f::f_unrealized_pnl |
                           f::f_position_initial_margin | f::f_open_order_initial_margin | f::f_leverage | f::f_margin_type |
                           f::f_entry_price | f::f_break_even_price | f::f_max_notional | f::f_notional | f::f_isolated_wallet;
                break;
            default: // coinm_position_risk
                x.fields = f::f_amount | f::f_entry_price | f::f_break_even_price | f::f_mark_price | f::f_unrealized_pnl |
                           f::f_liquidation_price | f::f_leverage | f::f_max_notional | f::f_margin_type |
                           f::f_isolated_margin | f::f_notional | f::f_isolated_wallet;
                break;
            }
            rows.push_back(ev);
        }
    }
    if (kind == snapshot_kind::symbol_config) {
        for (const auto& [s, sym] : symbols_) {
            event ev;
            reset_event(ev, event_type::leverage_update, opt_.venue);
            auto& l = ev.payload.leverage;
            set(l.symbol, s);
            l.leverage = sym.leverage;
            l.margin = sym.margin;
            l.max_notional = dec("1000000");
            l.fields = leverage_update::f_leverage | leverage_update::f_margin_type | leverage_update::f_auto_add_margin |
                       leverage_update::f_max_notional;
            l.source = event_source::snapshot;
            rows.push_back(ev);
        }
    }
    if (kind == snapshot_kind::account_v2 || kind == snapshot_kind::account_config) {
        event ev;
        reset_event(ev, event_type::account_config_update, opt_.venue);
        auto& a = ev.payload.account_config;
        a.multi_assets = multi_assets_;
        a.dual_side_position = opt_.hedge_mode;
        a.fields = account_config_update::f_multi_assets;
        if (kind == snapshot_kind::account_config) a.fields |= account_config_update::f_dual_side_position;
        a.source = event_source::snapshot;
        rows.push_back(ev);
    }
    return rows;
}

std::string account_engine::rest_snapshot(snapshot_kind kind) const {
    const std::vector<event> rows = snapshot_rows(kind);
    // What no event carries: the USDⓈ-M totals (the margin asset's; every asset's in multi-assets
    // mode) and each position row's open-order notionals.
    account_totals t{};
    for (const auto& ev : rows) {
        if (ev.type() != event_type::balance_update) continue;
        const auto& b = ev.payload.balance;
        if (!multi_assets_ && b.asset.view() != opt_.quote) continue;
        for (auto [sum, v] : {std::pair{&t.initial_margin, b.initial_margin}, {&t.maint_margin, b.maint_margin},
                              {&t.wallet_balance, b.wallet_balance}, {&t.unrealized_profit, b.unrealized_profit},
                              {&t.margin_balance, b.margin_balance}, {&t.position_initial_margin, b.position_initial_margin},
                              {&t.open_order_initial_margin, b.open_order_initial_margin},
                              {&t.cross_wallet_balance, b.cross_wallet_balance}, {&t.cross_unpnl, b.cross_unpnl},
                              {&t.available_balance, b.available_balance}, {&t.max_withdraw_amount, b.max_withdraw_amount}})
            *sum = add(*sum, v);
    }
    std::vector<std::pair<decimal, decimal>> open;
    for (const auto& ev : rows)
        if (ev.type() == event_type::position_update)
            open.push_back(open_notionals(std::string(ev.payload.position.symbol.view()), ev.payload.position.side));
    rest_extras x;
    x.totals = &t;
    x.open_notionals = open;
    std::string out;
    if (!sim::write_rest_snapshot(kind, rows, out, x)) throw std::invalid_argument("sim: no such snapshot kind");
    return out;
}

// The truth is written the way the mirror's book is: the engine's state as one complete snapshot
// (balances, positions, leverage, the account's modes) applied to an account_book, and that book
// printed by parse::book_json — so the two can only differ in what the state is, never in how a
// shape is written. Only what the compared shape holds is sent (no valuations, no margins).
std::string account_engine::truth_json() const {
    std::vector<event> rows;
    for (const auto& [asset, b] : balances_) {
        event ev = balance_event(asset, decimal{}, 0, update_reason::unknown);
        ev.payload.balance.source = event_source::snapshot;
        ev.payload.balance.fields = balance_update::f_wallet_balance | balance_update::f_cross_wallet_balance;
        rows.push_back(ev);
    }
    for (const auto& [k, p] : positions_) {
        event ev = position_event(k, 0, update_reason::unknown);
        auto& x = ev.payload.position;
        x.source = event_source::snapshot;
        x.fields = position_update::f_amount | position_update::f_entry_price | position_update::f_break_even_price |
                   position_update::f_margin_type | position_update::f_isolated_wallet;
        rows.push_back(ev);
    }
    for (const auto& [s, sym] : symbols_) {
        event ev;
        reset_event(ev, event_type::leverage_update, opt_.venue);
        set(ev.payload.leverage.symbol, s);
        ev.payload.leverage.leverage = sym.leverage;
        ev.payload.leverage.fields = leverage_update::f_leverage;
        ev.payload.leverage.source = event_source::snapshot;
        rows.push_back(ev);
    }
    event cfg;
    reset_event(cfg, event_type::account_config_update, opt_.venue);
    cfg.payload.account_config.multi_assets = multi_assets_;
    cfg.payload.account_config.dual_side_position = opt_.hedge_mode;
    cfg.payload.account_config.fields = account_config_update::f_multi_assets | account_config_update::f_dual_side_position;
    cfg.payload.account_config.source = event_source::snapshot;
    rows.push_back(cfg);

    account_book book({.assets = 256, .positions = 4096, .symbols = 2048});
    event begin, end;
    reset_event(begin, event_type::snapshot_begin, opt_.venue);
    begin.payload.snapshot.snapshot_id = 1;
    begin.payload.snapshot.as_of_ms = 1;
    begin.payload.snapshot.scope = scope_assets | scope_positions | scope_leverage | scope_account_config;
    end = begin;
    end.header.type = event_type::snapshot_end;
    end.payload.snapshot.complete = true;
    end.payload.snapshot.row_count = static_cast<std::uint32_t>(rows.size());
    (void)book.apply(begin);
    for (const event& r : rows) (void)book.apply(r);
    (void)book.apply(end);
    return parse::book_json(book, {.include_times = false, .include_snapshot_only = false, .skip_zero = true, .pretty = false});
}

account_engine account_engine::state_copy() const {
    account_engine c(opt_);
    c.balances_ = balances_;
    c.positions_ = positions_;
    c.symbols_ = symbols_;
    c.multi_assets_ = multi_assets_;
    c.multi_assets_time_ = multi_assets_time_;
    c.resting_ = resting_; // their margins and notionals are in snapshots
    return c;
}

} // namespace acctsync::sim
