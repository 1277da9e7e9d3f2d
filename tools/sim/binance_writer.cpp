// acctsync/tools/sim/binance_writer.cpp — see binance_writer.hpp.
#include "tools/sim/binance_writer.hpp"

#include "parse/json/json_writer.hpp"

namespace acctsync::sim {

using parse::append_decimal;
using parse::append_json_string;
using parse::json_object;

namespace {

using jw = json_object;

std::string_view margin_wire(margin_type m, bool upper) {
    if (m == margin_type::cross) return upper ? "CROSSED" : "cross";
    if (m == margin_type::isolated) return upper ? "ISOLATED" : "isolated";
    return "";
}

void header(jw& w, std::string_view e, const event_header& h, bool with_t) {
    w.str("e", e);
    w.num("E", h.event_time_ms);
    if (with_t) w.num("T", h.transaction_time_ms);
}

void balance_stream(std::string& out, const balance_update& b) {
    using f = balance_update::field;
    out += '{';
    jw w{out};
    w.str("a", b.asset.view());
    if (b.fields & f::f_wallet_balance) w.dec("wb", b.wallet_balance);
    if (b.fields & f::f_cross_wallet_balance) w.dec("cw", b.cross_wallet_balance);
    if (b.fields & f::f_balance_change) w.dec("bc", b.balance_change);
    out += '}';
}

void position_stream(std::string& out, const position_update& p) {
    using f = position_update::field;
    out += '{';
    jw w{out};
    w.str("s", p.symbol.view());
    if (p.fields & f::f_amount) w.dec("pa", p.amount);
    if (p.fields & f::f_entry_price) w.dec("ep", p.entry_price);
    if (p.fields & f::f_break_even_price) w.dec("bep", p.break_even_price);
    if (p.fields & f::f_accumulated_realized) w.dec("cr", p.accumulated_realized);
    if (p.fields & f::f_unrealized_pnl) w.dec("up", p.unrealized_pnl);
    if (p.fields & f::f_margin_type) w.str("mt", margin_wire(p.margin, false));
    if (p.fields & f::f_isolated_wallet) w.dec("iw", p.isolated_wallet);
    w.str("ps", to_string(p.side));
    if (p.fields & f::f_margin_asset) w.str("ma", p.margin_asset.view());
    out += '}';
}

bool account_update(std::span<const event> u, std::string& out) {
    const event& first = u.front();
    jw w{out};
    header(w, "ACCOUNT_UPDATE", first.header, true);
    const alias_string& alias = first.type() == event_type::balance_update ? first.payload.balance.account_alias
                                                                            : first.payload.position.account_alias;
    const update_reason reason =
        first.type() == event_type::balance_update ? first.payload.balance.reason : first.payload.position.reason;
    if (!alias.empty()) w.str("i", alias.view());
    w.key("a");
    out += '{';
    jw a{out};
    if (reason != update_reason::unknown) a.str("m", to_string(reason));
    a.key("B");
    out += '[';
    bool any = false;
    for (const auto& ev : u) {
        if (ev.type() != event_type::balance_update) continue;
        if (any) out += ',';
        balance_stream(out, ev.payload.balance);
        any = true;
    }
    out += ']';
    a.key("P");
    out += '[';
    any = false;
    for (const auto& ev : u) {
        if (ev.type() != event_type::position_update) continue;
        if (any) out += ',';
        position_stream(out, ev.payload.position);
        any = true;
    }
    out += "]}";
    return true;
}

void order(jw& w, std::string& out, const event& ev) {
    const auto& o = ev.payload.order;
    header(w, "ORDER_TRADE_UPDATE", ev.header, true);
    if (!o.account_alias.empty()) w.str("i", o.account_alias.view());
    w.key("o");
    out += '{';
    jw x{out};
    x.str("s", o.symbol.view());
    x.str("c", o.client_order_id.view());
    x.en("S", o.side);
    x.en("o", o.type);
    x.en("f", o.tif);
    x.dec("q", o.orig_qty);
    x.dec("p", o.price);
    x.dec("ap", o.avg_price);
    x.dec("sp", o.stop_price);
    x.en("x", o.exec);
    x.en("X", o.status);
    x.num("i", o.order_id);
    x.dec("l", o.last_qty);
    x.dec("z", o.cum_qty);
    x.dec("L", o.last_price);
    if (o.flags & order_update::has_commission) {
        x.str("N", o.commission_asset.view());
        x.dec("n", o.commission);
    }
    x.num("T", o.trade_time_ms);
    x.num("t", o.trade_id);
    x.dec("b", o.bid_notional);
    x.dec("a", o.ask_notional);
    x.boolean("m", o.flags & order_update::is_maker);
    x.boolean("R", o.flags & order_update::reduce_only);
    x.en("wt", o.working);
    x.en("ot", o.orig_type);
    x.en("ps", o.pos_side);
    x.boolean("cp", o.flags & order_update::close_all);
    x.dec("AP", o.activation_price);
    x.dec("cr", o.callback_rate);
    x.boolean("pP", o.flags & order_update::price_protect);
    x.num("si", 0);
    x.num("ss", 0);
    x.dec("rp", o.realized_profit);
    x.en("V", o.stp);
    x.en("pm", o.match);
    x.num("gtd", o.gtd_ms);
    x.str("er", std::to_string(o.expiry_reason));
    if (!o.margin_asset.empty()) x.str("ma", o.margin_asset.view());
    if (o.modify_id != 0) x.str("M", std::to_string(o.modify_id));
    out += '}';
}

void trade(jw& w, const event& ev) {
    const auto& t = ev.payload.trade;
    header(w, "TRADE_LITE", ev.header, true);
    w.str("s", t.symbol.view());
    w.dec("q", t.orig_qty);
    w.dec("p", t.price);
    w.boolean("m", t.is_maker);
    w.str("c", t.client_order_id.view());
    w.en("S", t.side);
    w.dec("L", t.last_price);
    w.dec("l", t.last_qty);
    w.num("t", t.trade_id);
    w.num("i", t.order_id);
}

void algo(jw& w, std::string& out, const event& ev) {
    const auto& a = ev.payload.algo;
    header(w, "ALGO_UPDATE", ev.header, true);
    w.key("o");
    out += '{';
    jw x{out};
    x.str("caid", a.client_algo_id.view());
    x.num("aid", a.algo_id);
    x.en("at", a.type);
    x.en("o", a.order_kind);
    x.str("s", a.symbol.view());
    x.en("S", a.side);
    x.en("ps", a.pos_side);
    x.en("f", a.tif);
    x.dec("q", a.quantity);
    x.en("X", a.status);
    x.str("ai", a.order_id.view());
    x.dec("ap", a.avg_price);
    x.dec("aq", a.executed_qty);
    x.en("act", a.actual_type);
    x.dec("tp", a.trigger_price);
    x.dec("p", a.price);
    x.en("V", a.stp);
    x.en("wt", a.working);
    x.en("pm", a.match);
    x.boolean("cp", a.flags & algo_update::close_all);
    x.boolean("pP", a.flags & algo_update::price_protect);
    x.boolean("R", a.flags & algo_update::reduce_only);
    x.num("tt", a.trigger_time_ms);
    x.num("gtd", a.gtd_ms);
    if (!a.reject_reason.empty()) x.str("rm", a.reject_reason.view());
    out += '}';
}

void margin(jw& w, std::string& out, std::span<const event> u) {
    header(w, "MARGIN_CALL", u.front().header, false);
    const auto& first = u.front().payload.margin;
    if (!first.account_alias.empty()) w.str("i", first.account_alias.view());
    for (const auto& ev : u) {
        if (ev.payload.margin.fields & margin_call::f_cross_wallet) {
            w.dec("cw", ev.payload.margin.cross_wallet_balance);
            break;
        }
    }
    w.key("p");
    out += '[';
    bool any = false;
    for (const auto& ev : u) {
        const auto& m = ev.payload.margin;
        if (any) out += ',';
        any = true;
        out += '{';
        jw x{out};
        x.str("s", m.symbol.view());
        x.en("ps", m.side);
        x.dec("pa", m.amount);
        if (m.margin != margin_type::unknown) x.str("mt", margin_wire(m.margin, true));
        if (m.fields & margin_call::f_isolated_wallet) x.dec("iw", m.isolated_wallet);
        x.dec("mp", m.mark_price);
        x.dec("up", m.unrealized_pnl);
        x.dec("mm", m.maint_margin);
        out += '}';
    }
    out += ']';
}

} // namespace

bool write_user_frame(std::span<const event> u, std::string& out, const frame_options& opt) {
    if (u.empty()) return false;
    const event_type t = u.front().type();
    for (const auto& ev : u) {
        const bool same_family = ev.type() == t || ((t == event_type::balance_update || t == event_type::position_update) &&
                                                    (ev.type() == event_type::balance_update ||
                                                     ev.type() == event_type::position_update));
        if (!same_family) return false;
    }
    const std::size_t mark = out.size();
    if (!opt.combined_stream.empty()) {
        out += "{\"stream\":";
        append_json_string(out, opt.combined_stream);
        out += ",\"data\":";
    }
    out += '{';
    jw w{out};
    bool ok = true;
    switch (t) {
    case event_type::balance_update:
    case event_type::position_update: ok = account_update(u, out); break;
    case event_type::leverage_update: {
        header(w, "ACCOUNT_CONFIG_UPDATE", u.front().header, true);
        w.key("ac");
        out += "{\"s\":";
        append_json_string(out, u.front().payload.leverage.symbol.view());
        out += ",\"l\":" + std::to_string(u.front().payload.leverage.leverage) + '}';
        ok = u.size() == 1;
        break;
    }
    case event_type::account_config_update:
        header(w, "ACCOUNT_CONFIG_UPDATE", u.front().header, true);
        w.key("ai");
        out += u.front().payload.account_config.multi_assets ? "{\"j\":true}" : "{\"j\":false}";
        ok = u.size() == 1;
        break;
    case event_type::order_update:
        order(w, out, u.front());
        ok = u.size() == 1;
        break;
    case event_type::trade_lite:
        trade(w, u.front());
        ok = u.size() == 1;
        break;
    case event_type::algo_update:
        algo(w, out, u.front());
        ok = u.size() == 1;
        break;
    case event_type::margin_call: margin(w, out, u); break;
    case event_type::stream_status:
        ok = u.size() == 1 && u.front().payload.status.kind == stream_status_kind::listen_key_expired;
        if (ok) {
            w.str("e", "listenKeyExpired");
            w.num("E", u.front().header.event_time_ms);
            w.str("listenKey", u.front().payload.status.listen_key.view());
        }
        break;
    default: ok = false;
    }
    if (!ok) {
        out.resize(mark);
        return false;
    }
    out += '}';
    if (!opt.combined_stream.empty()) out += '}';
    return true;
}

namespace {

void balance_rest(std::string& out, const balance_update& b, bool account_shape, bool coinm_balance = false) {
    using f = balance_update::field;
    out += '{';
    jw w{out};
    if (!account_shape && !b.account_alias.empty()) w.str("accountAlias", b.account_alias.view());
    w.str("asset", b.asset.view());
    if (b.fields & f::f_wallet_balance) w.dec(account_shape ? "walletBalance" : "balance", b.wallet_balance);
    if (coinm_balance) { // GET /dapi/v1/balance (spec §3.6): withdrawAvailable, no maxWithdrawAmount
        if (b.fields & f::f_max_withdraw_amount) w.dec("withdrawAvailable", b.max_withdraw_amount);
        if (b.fields & f::f_cross_wallet_balance) w.dec("crossWalletBalance", b.cross_wallet_balance);
        if (b.fields & f::f_cross_unpnl) w.dec("crossUnPnl", b.cross_unpnl);
        if (b.fields & f::f_available_balance) w.dec("availableBalance", b.available_balance);
        w.num("updateTime", b.update_time_ms);
        out += '}';
        return;
    }
    if (account_shape && (b.fields & f::f_unrealized_profit)) w.dec("unrealizedProfit", b.unrealized_profit);
    if (account_shape && (b.fields & f::f_margin_balance)) w.dec("marginBalance", b.margin_balance);
    if (account_shape && (b.fields & f::f_maint_margin)) w.dec("maintMargin", b.maint_margin);
    if (account_shape && (b.fields & f::f_initial_margin)) w.dec("initialMargin", b.initial_margin);
    if (account_shape && (b.fields & f::f_position_initial_margin)) w.dec("positionInitialMargin", b.position_initial_margin);
    if (account_shape && (b.fields & f::f_open_order_initial_margin))
        w.dec("openOrderInitialMargin", b.open_order_initial_margin);
    if (b.fields & f::f_cross_wallet_balance) w.dec("crossWalletBalance", b.cross_wallet_balance);
    if (b.fields & f::f_cross_unpnl) w.dec("crossUnPnl", b.cross_unpnl);
    if (b.fields & f::f_available_balance) w.dec("availableBalance", b.available_balance);
    if (b.fields & f::f_max_withdraw_amount) w.dec("maxWithdrawAmount", b.max_withdraw_amount);
    if (b.fields & f::f_margin_available) w.boolean("marginAvailable", b.margin_available);
    w.num("updateTime", b.update_time_ms);
    out += '}';
}

void position_rest(std::string& out, const position_update& p, snapshot_kind kind, const std::pair<decimal, decimal>* open) {
    using f = position_update::field;
    const bool risk = kind == snapshot_kind::position_risk_v2 || kind == snapshot_kind::position_risk_v3 ||
                      kind == snapshot_kind::coinm_position_risk;
    out += '{';
    jw w{out};
    w.str("symbol", p.symbol.view());
    w.str("positionSide", to_string(p.side));
    if (p.fields & f::f_amount) w.dec("positionAmt", p.amount);
    if (p.fields & f::f_entry_price) w.dec("entryPrice", p.entry_price);
    if (p.fields & f::f_break_even_price) w.dec("breakEvenPrice", p.break_even_price);
    if (p.fields & f::f_mark_price) w.dec("markPrice", p.mark_price);
    if (p.fields & f::f_unrealized_pnl) w.dec(risk ? "unRealizedProfit" : "unrealizedProfit", p.unrealized_pnl);
    if (p.fields & f::f_liquidation_price) w.dec("liquidationPrice", p.liquidation_price);
    if (p.fields & f::f_isolated_margin) w.dec("isolatedMargin", p.isolated_margin);
    if (p.fields & f::f_notional) w.dec(kind == snapshot_kind::coinm_position_risk || kind == snapshot_kind::coinm_account ? "notionalValue" : "notional",
              p.notional);
    if (p.fields & f::f_margin_asset) w.str("marginAsset", p.margin_asset.view());
    if (p.fields & f::f_isolated_wallet) w.dec("isolatedWallet", p.isolated_wallet);
    if (p.fields & f::f_initial_margin) w.dec("initialMargin", p.initial_margin);
    if (p.fields & f::f_maint_margin) w.dec("maintMargin", p.maint_margin);
    if (p.fields & f::f_position_initial_margin) w.dec("positionInitialMargin", p.position_initial_margin);
    if (p.fields & f::f_open_order_initial_margin) w.dec("openOrderInitialMargin", p.open_order_initial_margin);
    if (p.fields & f::f_adl) w.num("adl", p.adl);
    if (p.fields & f::f_max_notional)
        w.dec(kind == snapshot_kind::coinm_account || kind == snapshot_kind::coinm_position_risk ? "maxQty"
              : risk                                                                            ? "maxNotionalValue"
                                                                                                : "maxNotional",
              p.max_notional);
    if (kind == snapshot_kind::account_v2 || kind == snapshot_kind::position_risk_v3) {
        w.dec("bidNotional", open != nullptr ? open->first : decimal{});
        w.dec("askNotional", open != nullptr ? open->second : decimal{});
    }
    if (p.fields & f::f_leverage) w.str("leverage", std::to_string(p.leverage));
    if (p.fields & f::f_margin_type) {
        if (risk) w.str("marginType", margin_wire(p.margin, false));
        else w.boolean("isolated", p.margin == margin_type::isolated);
    }
    // A string on positionRisk v2 and COIN-M (spec §3.5, §3.6), a boolean on symbolConfig.
    if (kind == snapshot_kind::position_risk_v2 || kind == snapshot_kind::coinm_position_risk)
        w.str("isAutoAddMargin", "false");
    // v3 account rows carry "updateTime":0 even for an open position (the real sample, spec
    // §3.5); positionRisk v3 and the v2 forms carry the time of the last change.
    w.num("updateTime", kind == snapshot_kind::account_v3 ? 0 : p.update_time_ms);
    out += '}';
}

template <class Fn>
void rows_array(std::string& out, std::span<const event> rows, event_type t, Fn&& fn) {
    out += '[';
    bool any = false;
    for (const auto& ev : rows) {
        if (ev.type() != t) continue;
        if (any) out += ',';
        any = true;
        fn(ev);
    }
    out += ']';
}

void totals(std::string& out, const account_totals& t) {
    jw w{out};
    w.dec("totalInitialMargin", t.initial_margin);
    w.dec("totalMaintMargin", t.maint_margin);
    w.dec("totalWalletBalance", t.wallet_balance);
    w.dec("totalUnrealizedProfit", t.unrealized_profit);
    w.dec("totalMarginBalance", t.margin_balance);
    w.dec("totalPositionInitialMargin", t.position_initial_margin);
    w.dec("totalOpenOrderInitialMargin", t.open_order_initial_margin);
    w.dec("totalCrossWalletBalance", t.cross_wallet_balance);
    w.dec("totalCrossUnPnl", t.cross_unpnl);
    w.dec("availableBalance", t.available_balance);
    w.dec("maxWithdrawAmount", t.max_withdraw_amount);
}

} // namespace

bool write_rest_snapshot(snapshot_kind kind, std::span<const event> rows, std::string& out, const rest_extras& extras) {
    std::size_t position_row = 0;
    const auto open_of = [&]() -> const std::pair<decimal, decimal>* {
        const std::size_t i = position_row++;
        return i < extras.open_notionals.size() ? &extras.open_notionals[i] : nullptr;
    };
    switch (kind) {
    case snapshot_kind::balance_v2:
    case snapshot_kind::balance_v3:
    case snapshot_kind::coinm_balance:
        rows_array(out, rows, event_type::balance_update,
                   [&](const event& ev) { balance_rest(out, ev.payload.balance, false, kind == snapshot_kind::coinm_balance); });
        return true;
    case snapshot_kind::position_risk_v2:
    case snapshot_kind::position_risk_v3:
    case snapshot_kind::coinm_position_risk:
        rows_array(out, rows, event_type::position_update,
                   [&](const event& ev) { position_rest(out, ev.payload.position, kind, open_of()); });
        return true;
    case snapshot_kind::symbol_config:
        rows_array(out, rows, event_type::leverage_update, [&](const event& ev) {
            const auto& l = ev.payload.leverage;
            out += '{';
            jw w{out};
            w.str("symbol", l.symbol.view());
            if (l.fields & leverage_update::f_margin_type) w.str("marginType", margin_wire(l.margin, true));
            if (l.fields & leverage_update::f_auto_add_margin) w.boolean("isAutoAddMargin", l.auto_add_margin);
            if (l.fields & leverage_update::f_leverage) w.num("leverage", l.leverage);
            if (l.fields & leverage_update::f_max_notional) w.dec("maxNotionalValue", l.max_notional);
            out += '}';
        });
        return true;
    case snapshot_kind::account_config: {
        out += "{\"feeTier\":0,\"canTrade\":true,\"canDeposit\":true,\"canWithdraw\":true";
        for (const auto& ev : rows) {
            if (ev.type() != event_type::account_config_update) continue;
            const auto& a = ev.payload.account_config;
            if (a.fields & account_config_update::f_dual_side_position)
                out += a.dual_side_position ? ",\"dualSidePosition\":true" : ",\"dualSidePosition\":false";
            if (a.fields & account_config_update::f_multi_assets)
                out += a.multi_assets ? ",\"multiAssetsMargin\":true" : ",\"multiAssetsMargin\":false";
        }
        out += ",\"updateTime\":0,\"tradeGroupId\":-1}";
        return true;
    }
    case snapshot_kind::account_v2:
    case snapshot_kind::account_v3:
    case snapshot_kind::coinm_account: {
        out += '{';
        if (kind == snapshot_kind::account_v2) {
            out += "\"feeTier\":0,\"feeBurn\":true,\"canTrade\":true,\"canDeposit\":true,\"canWithdraw\":true,"
                   "\"updateTime\":0";
            for (const auto& ev : rows)
                if (ev.type() == event_type::account_config_update &&
                    (ev.payload.account_config.fields & account_config_update::f_multi_assets))
                    out += ev.payload.account_config.multi_assets ? ",\"multiAssetsMargin\":true"
                                                                  : ",\"multiAssetsMargin\":false";
            out += ",\"tradeGroupId\":-1,";
        } else if (kind == snapshot_kind::coinm_account) {
            out += "\"canDeposit\":true,\"canTrade\":true,\"canWithdraw\":true,\"feeTier\":0,\"updateTime\":0,";
        }
        if (kind != snapshot_kind::coinm_account) { // the USDⓈ-M totals (spec §3.5)
            totals(out, extras.totals != nullptr ? *extras.totals : account_totals{});
            out += ',';
        }
        out += "\"assets\":";
        rows_array(out, rows, event_type::balance_update, [&](const event& ev) { balance_rest(out, ev.payload.balance, true); });
        out += ",\"positions\":";
        rows_array(out, rows, event_type::position_update,
                   [&](const event& ev) { position_rest(out, ev.payload.position, kind, open_of()); });
        out += '}';
        return true;
    }
    default: return false;
    }
}

void write_error_body(int code, std::string_view msg, std::string& out) {
    out += "{\"code\":" + std::to_string(code) + ",\"msg\":";
    append_json_string(out, msg);
    out += '}';
}

} // namespace acctsync::sim
