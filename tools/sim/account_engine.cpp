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

account_engine::account_engine(engine_options opt) : opt_(std::move(opt)), multi_assets_(opt_.multi_assets) {}

std::string account_engine::margin_asset_of(std::string_view symbol) const {
    if (opt_.venue == market::usdm) return opt_.quote;
    const auto cut = symbol.find("USD"); // COIN-M: "BTCUSD_PERP" is margined in BTC
    return std::string(symbol.substr(0, cut == std::string_view::npos ? symbol.size() : cut));
}

void account_engine::list_symbol(std::string_view symbol, std::uint32_t leverage) {
    auto [it, inserted] = symbols_.try_emplace(std::string(symbol));
    if (inserted) it->second.leverage = leverage;
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

void account_engine::stamp(event& ev, std::int64_t t) const {
    ev.header.event_time_ms = t;
    ev.header.transaction_time_ms = t;
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
    stamp(ev, t);
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
    stamp(ev, t);
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

std::string account_engine::account_update(std::vector<event> items) const {
    for (std::size_t i = 0; i < items.size(); ++i) {
        items[i].header.item_index = static_cast<std::uint16_t>(i);
        items[i].header.item_count = static_cast<std::uint16_t>(items.size());
    }
    return frame(items);
}

std::vector<std::string> account_engine::deposit(std::string_view asset, decimal amount, std::int64_t t) {
    if (amount.is_negative() || amount.is_zero()) return {};
    balance& b = balances_[std::string(asset)];
    b.wallet = add(b.wallet, amount);
    b.time = t;
    return {account_update({balance_event(std::string(asset), amount, t, update_reason::deposit)})};
}

std::vector<std::string> account_engine::withdraw(std::string_view asset, decimal amount, std::int64_t t) {
    const auto it = balances_.find(std::string(asset));
    if (amount.is_negative() || amount.is_zero() || it == balances_.end() || it->second.wallet < amount) return {};
    it->second.wallet = sub(it->second.wallet, amount);
    it->second.time = t;
    return {account_update({balance_event(it->first, -amount, t, update_reason::withdraw)})};
}

std::vector<std::string> account_engine::fill(const fill_request& f, std::int64_t t) {
    if (f.qty.is_zero() || f.qty.is_negative() || f.price.is_negative() || f.price.is_zero()) return {};
    const position_side side = opt_.hedge_mode ? f.pos_side : position_side::both;
    if (opt_.hedge_mode && side == position_side::both) return {};
    position& p = position_of(f.symbol, side);
    const symbol_state& sym = symbols_.at(f.symbol);
    const decimal delta = f.side == order_side::buy ? f.qty : -f.qty;
    // Hedge sides never cross zero: a LONG only sells down to flat, a SHORT only buys to flat.
    if (side == position_side::long_side && add(p.amount, delta).is_negative()) return {};
    if (side == position_side::short_side && !add(p.amount, delta).is_negative() && !add(p.amount, delta).is_zero()) return {};

    decimal realized{};
    const decimal old = p.amount;
    const decimal next = add(old, delta);
    if (old.is_zero() || old.is_negative() == delta.is_negative()) { // open or add: weighted entry
        p.entry = div(add(mul(abs(old), p.entry), mul(abs(delta), f.price)), add(abs(old), abs(delta)));
    } else { // reduce, close or flip
        const decimal closing = std::min(abs(old), abs(delta));
        realized = mul(sub(f.price, p.entry), closing);
        if (old.is_negative()) realized = -realized;
        if (next.is_zero()) p.entry = decimal{};
        else if (next.is_negative() != old.is_negative()) p.entry = f.price; // flipped
    }
    p.amount = next;
    p.accumulated = add(p.accumulated, realized);
    p.time = t;
    if (sym.margin == margin_type::isolated) {
        decimal lev = decimal::from_units(sym.leverage);
        p.isolated_wallet = p.amount.is_zero() ? decimal{} : div(mul(abs(p.amount), p.entry), lev);
    }
    const std::string asset = margin_asset_of(f.symbol);
    balance& b = balances_[asset];
    b.wallet = sub(add(b.wallet, realized), f.fee);
    b.time = t;

    std::vector<std::string> out;
    if (opt_.venue == market::usdm) {
        event lite;
        reset_event(lite, event_type::trade_lite, opt_.venue);
        stamp(lite, t);
        auto& x = lite.payload.trade;
        set(x.symbol, f.symbol);
        set(x.client_order_id, f.client_order_id);
        x.orig_qty = f.qty;
        x.price = decimal{};
        x.last_price = f.price;
        x.last_qty = f.qty;
        x.trade_id = f.trade_id;
        x.order_id = f.order_id;
        x.side = f.side;
        out.push_back(frame(lite));
    }
    event order;
    reset_event(order, event_type::order_update, opt_.venue);
    stamp(order, t);
    auto& o = order.payload.order;
    set(o.symbol, f.symbol);
    set(o.client_order_id, f.client_order_id);
    if (opt_.venue == market::coinm) {
        set(o.margin_asset, asset);
        set(o.account_alias, opt_.alias);
    }
    o.side = f.side;
    o.type = o.orig_type = order_type::market;
    o.tif = time_in_force::gtc;
    o.orig_qty = f.qty;
    o.order_id = f.order_id;
    o.trade_time_ms = t;
    o.working = working_type::contract_price;
    o.pos_side = side;
    o.stp = stp_mode::none;
    o.match = price_match::none;
    o.exec = execution_type::new_order;
    o.status = order_status::new_order;
    out.push_back(frame(order));

    std::vector<event> items{balance_event(asset, decimal{}, t, update_reason::order)};
    for (const auto& [k, pos] : positions_) {
        const bool changed = k.first == f.symbol && k.second == side;
        const bool both_row = opt_.hedge_mode && k.first == f.symbol && k.second == position_side::both;
        if (changed || both_row || opt_.venue == market::coinm) items.push_back(position_event(k, t, update_reason::order));
    }
    if (opt_.hedge_mode && opt_.venue == market::usdm) { // the BOTH row is pushed with a changed symbol
        const position_key both{f.symbol, position_side::both};
        positions_.try_emplace(both);
        bool listed = false;
        for (const auto& ev : items)
            listed |= ev.type() == event_type::position_update && ev.payload.position.symbol == f.symbol &&
                      ev.payload.position.side == position_side::both;
        if (!listed) items.insert(items.begin() + 1, position_event(both, t, update_reason::order));
    }
    out.push_back(account_update(std::move(items)));

    o.exec = execution_type::trade;
    o.status = order_status::filled;
    o.last_qty = o.cum_qty = f.qty;
    o.last_price = o.avg_price = f.price;
    o.commission = f.fee;
    set(o.commission_asset, asset);
    o.flags |= order_update::has_commission;
    o.trade_id = f.trade_id;
    o.realized_profit = realized;
    out.push_back(frame(order));
    trades_.push_back({f.symbol, f.trade_id, f.order_id, t, f.side, side, f.price, f.qty, realized, f.fee, asset});
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
    const std::string asset = margin_asset_of(symbol);
    balance& b = balances_[asset];
    b.wallet = add(b.wallet, amount);
    b.time = t;
    std::vector<event> items{balance_event(asset, amount, t, update_reason::funding_fee)};
    if (symbols_.at(k.first).margin == margin_type::isolated) { // isolated: that position too
        it->second.isolated_wallet = add(it->second.isolated_wallet, amount);
        it->second.time = t;
        items[0] = balance_event(asset, amount, t, update_reason::funding_fee);
        items.push_back(position_event(k, t, update_reason::funding_fee));
    }
    return {account_update(std::move(items))};
}

std::vector<std::string> account_engine::set_leverage(std::string_view symbol, std::uint32_t leverage, std::int64_t t) {
    if (leverage == 0 || leverage > 125) return {};
    list_symbol(symbol);
    symbols_[std::string(symbol)].leverage = leverage;
    event ev;
    make_leverage(ev, opt_.venue, symbol, leverage, {t, t, 0});
    return {frame(ev)};
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
    multi_assets_ = on;
    multi_assets_time_ = t;
    event ev;
    make_multi_assets(ev, opt_.venue, on, {t, t, 0});
    return {frame(ev)};
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
    std::vector<event> items;
    for (const auto& [k, p] : positions_)
        if (k.first == s) items.push_back(position_event(k, t, update_reason::margin_type_change));
    return {account_update(std::move(items))};
}

std::vector<std::string> account_engine::margin_call(std::int64_t t) {
    std::vector<event> items;
    bool cross = false;
    for (const auto& [k, p] : positions_) {
        if (p.amount.is_zero()) continue;
        event ev;
        reset_event(ev, event_type::margin_call, opt_.venue);
        ev.header.event_time_ms = t;
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
            items.front().payload.margin.cross_wallet_balance = balance_event(asset, decimal{}, t, update_reason::order).payload.balance.cross_wallet_balance;
            items.front().payload.margin.fields |= margin_call::f_cross_wallet;
        }
    }
    for (std::size_t i = 0; i < items.size(); ++i) {
        items[i].header.item_index = static_cast<std::uint16_t>(i);
        items[i].header.item_count = static_cast<std::uint16_t>(items.size());
    }
    return {frame(items)};
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
