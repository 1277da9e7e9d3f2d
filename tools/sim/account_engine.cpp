// acctsync/tools/sim/account_engine.cpp — see account_engine.hpp.
#include "tools/sim/account_engine.hpp"

#include <algorithm>
#include <stdexcept>

#include "core/event_builders.hpp"
#include "tools/sim/binance_writer.hpp"
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

void account_engine::list_symbol(std::string_view symbol, std::uint32_t leverage) {
    auto [it, inserted] = symbols_.try_emplace(std::string(symbol));
    if (inserted) it->second.leverage = leverage;
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
    x.unrealized_pnl = decimal{};
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
    if (old.is_zero() || old.is_negative() == delta.is_negative()) { // open or add: weighted entry
        p.entry = div(add(mul(abs(old), p.entry), mul(abs(delta), price)), add(abs(old), abs(delta)));
    } else { // reduce, close or flip
        const decimal closing = std::min(abs(old), abs(delta));
        realized = mul(sub(price, p.entry), closing);
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
        p.isolated_wallet = p.amount.is_zero() ? decimal{} : div(mul(abs(p.amount), p.entry), lev);
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
    constexpr std::int64_t lot = 100'000; // 0.001
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
        m.mark_price = p.entry;
        m.maint_margin = mul(mul(abs(p.amount), p.entry), dec("0.004"));
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
    const bool with_balances = account_shape || kind == snapshot_kind::balance_v2 || kind == snapshot_kind::balance_v3 ||
                               kind == snapshot_kind::coinm_balance;
    const bool with_positions = account_shape || kind == snapshot_kind::position_risk_v2 ||
                                kind == snapshot_kind::position_risk_v3 || kind == snapshot_kind::coinm_position_risk;
    if (with_balances) {
        for (const auto& [asset, b] : balances_) {
            event ev = balance_event(asset, decimal{}, b.time, update_reason::unknown);
            auto& x = ev.payload.balance;
            x.source = event_source::snapshot;
            x.available_balance = x.max_withdraw_amount = x.cross_wallet_balance;
            x.fields = balance_update::f_wallet_balance | balance_update::f_cross_wallet_balance |
                       balance_update::f_available_balance | balance_update::f_max_withdraw_amount;
            if (opt_.venue == market::usdm && kind != snapshot_kind::balance_v2 && kind != snapshot_kind::balance_v3)
                x.account_alias.clear();
            rows.push_back(ev);
        }
    }
    if (with_positions) {
        for (const auto& [k, p] : positions_) {
            // v2 lists every symbol (one-way: BOTH; hedge: LONG and SHORT); COIN-M hedge lists all
            // three; v3 only non-flat positions.
            if (v3 && p.amount.is_zero()) continue;
            if (opt_.hedge_mode && opt_.venue == market::usdm && k.second == position_side::both) continue;
            event ev = position_event(k, p.time, update_reason::unknown);
            auto& x = ev.payload.position;
            using f = position_update::field;
            x.source = event_source::snapshot;
            x.account_alias.clear();
            x.fields = f::f_amount | f::f_unrealized_pnl;
            if (kind != snapshot_kind::account_v3) x.fields |= f::f_entry_price | f::f_break_even_price;
            if (!v3) {
                x.leverage = static_cast<std::uint16_t>(symbols_.at(k.first).leverage);
                x.fields |= f::f_leverage | f::f_margin_type;
            }
            if (kind != snapshot_kind::account_v2 && kind != snapshot_kind::coinm_account) x.fields |= f::f_isolated_wallet;
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
    std::string out;
    if (!sim::write_rest_snapshot(kind, snapshot_rows(kind), out)) throw std::invalid_argument("sim: no such snapshot kind");
    return out;
}

std::string account_engine::truth_json() const {
    std::string out = "{\"balances\":[";
    bool first = true;
    for (const auto& [asset, b] : balances_) {
        const event ev = balance_event(asset, decimal{}, 0, update_reason::unknown);
        if (b.wallet.is_zero() && ev.payload.balance.cross_wallet_balance.is_zero()) continue;
        if (!first) out += ',';
        first = false;
        out += '{';
        parse::json_object w{out};
        w.str("asset", asset);
        w.dec("wallet_balance", b.wallet);
        w.dec("cross_wallet_balance", ev.payload.balance.cross_wallet_balance);
        out += '}';
    }
    out += "],\"positions\":[";
    first = true;
    for (const auto& [k, p] : positions_) {
        if (p.amount.is_zero()) continue;
        if (!first) out += ',';
        first = false;
        out += '{';
        parse::json_object w{out};
        w.str("symbol", k.first);
        w.str("side", to_string(k.second));
        w.dec("amount", p.amount);
        w.dec("entry_price", p.entry);
        w.dec("break_even_price", p.entry);
        w.dec("unrealized_pnl", decimal{});
        w.str("margin_type", to_string(symbols_.at(k.first).margin));
        w.dec("isolated_wallet", p.isolated_wallet);
        out += '}';
    }
    out += "],\"symbols\":[";
    first = true;
    for (const auto& [s, sym] : symbols_) {
        if (!first) out += ',';
        first = false;
        out += '{';
        parse::json_object w{out};
        w.str("symbol", s);
        w.num("leverage", sym.leverage);
        out += '}';
    }
    out += "],\"account\":{";
    parse::json_object w{out};
    w.boolean("multi_assets", multi_assets_);
    w.boolean("dual_side_position", opt_.hedge_mode);
    out += "}}";
    return out;
}

account_engine account_engine::state_copy() const {
    account_engine c(opt_);
    c.balances_ = balances_;
    c.positions_ = positions_;
    c.symbols_ = symbols_;
    c.multi_assets_ = multi_assets_;
    c.multi_assets_time_ = multi_assets_time_;
    return c;
}

} // namespace acctsync::sim
