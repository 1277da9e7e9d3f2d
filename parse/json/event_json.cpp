// acctsync/parse/json/event_json.cpp — see event_json.hpp.
#include "parse/json/event_json.hpp"

#include <string>

#include "parse/json/json_writer.hpp"

namespace acctsync::parse {


void write_event_json(const event& ev, std::string& out) {
    const auto& h = ev.header;
    out += "{\"type\":";
    append_json_string(out, to_string(h.type));
    json_object o{out, /*first=*/false};
    o.str("venue", to_string(h.venue));
    o.num("account", h.account);
    o.num("E", h.event_time_ms);
    o.num("T", h.transaction_time_ms);
    o.num("recv_ns", h.recv_time_ns);
    o.key("item");
    out += '[' + std::to_string(h.item_index) + ',' + std::to_string(h.item_count) + ']';
    switch (h.type) {
    case event_type::balance_update: {
        const auto& b = ev.payload.balance;
        using f = balance_update::field;
        o.str("source", to_string(b.source));
        o.str("asset", b.asset.view());
        if (b.reason != update_reason::unknown) o.str("reason", to_string(b.reason));
        if (b.fields & f::f_wallet_balance) o.dec("wallet_balance", b.wallet_balance);
        if (b.fields & f::f_cross_wallet_balance) o.dec("cross_wallet_balance", b.cross_wallet_balance);
        if (b.fields & f::f_balance_change) o.dec("balance_change", b.balance_change);
        if (b.fields & f::f_available_balance) o.dec("available_balance", b.available_balance);
        if (b.fields & f::f_unrealized_profit) o.dec("unrealized_profit", b.unrealized_profit);
        if (b.fields & f::f_margin_balance) o.dec("margin_balance", b.margin_balance);
        if (b.fields & f::f_initial_margin) o.dec("initial_margin", b.initial_margin);
        if (b.fields & f::f_maint_margin) o.dec("maint_margin", b.maint_margin);
        if (b.fields & f::f_position_initial_margin) o.dec("position_initial_margin", b.position_initial_margin);
        if (b.fields & f::f_open_order_initial_margin) o.dec("open_order_initial_margin", b.open_order_initial_margin);
        if (b.fields & f::f_max_withdraw_amount) o.dec("max_withdraw_amount", b.max_withdraw_amount);
        if (b.fields & f::f_cross_unpnl) o.dec("cross_unpnl", b.cross_unpnl);
        if (b.fields & f::f_margin_available) o.boolean("margin_available", b.margin_available);
        o.num("update_time", b.update_time_ms);
        o.istr("account_alias", b.account_alias);
        break;
    }
    case event_type::position_update: {
        const auto& p = ev.payload.position;
        using f = position_update::field;
        o.str("source", to_string(p.source));
        o.str("symbol", p.symbol.view());
        o.str("side", to_string(p.side));
        if (p.reason != update_reason::unknown) o.str("reason", to_string(p.reason));
        if (p.fields & f::f_amount) o.dec("amount", p.amount);
        if (p.fields & f::f_entry_price) o.dec("entry_price", p.entry_price);
        if (p.fields & f::f_break_even_price) o.dec("break_even_price", p.break_even_price);
        if (p.fields & f::f_accumulated_realized) o.dec("accumulated_realized", p.accumulated_realized);
        if (p.fields & f::f_unrealized_pnl) o.dec("unrealized_pnl", p.unrealized_pnl);
        if (p.fields & f::f_margin_type) o.str("margin_type", to_string(p.margin));
        if (p.fields & f::f_isolated_wallet) o.dec("isolated_wallet", p.isolated_wallet);
        if (p.fields & f::f_margin_asset) o.str("margin_asset", p.margin_asset.view());
        if (p.fields & f::f_mark_price) o.dec("mark_price", p.mark_price);
        if (p.fields & f::f_liquidation_price) o.dec("liquidation_price", p.liquidation_price);
        if (p.fields & f::f_notional) o.dec("notional", p.notional);
        if (p.fields & f::f_initial_margin) o.dec("initial_margin", p.initial_margin);
        if (p.fields & f::f_maint_margin) o.dec("maint_margin", p.maint_margin);
        if (p.fields & f::f_isolated_margin) o.dec("isolated_margin", p.isolated_margin);
        if (p.fields & f::f_position_initial_margin) o.dec("position_initial_margin", p.position_initial_margin);
        if (p.fields & f::f_open_order_initial_margin) o.dec("open_order_initial_margin", p.open_order_initial_margin);
        if (p.fields & f::f_max_notional) o.dec("max_notional", p.max_notional);
        if (p.fields & f::f_leverage) o.num("leverage", p.leverage);
        if (p.fields & f::f_adl) o.num("adl", p.adl);
        o.num("update_time", p.update_time_ms);
        o.istr("account_alias", p.account_alias);
        break;
    }
    case event_type::leverage_update: {
        const auto& l = ev.payload.leverage;
        o.str("source", to_string(l.source));
        o.str("symbol", l.symbol.view());
        if (l.fields & leverage_update::f_leverage) o.num("leverage", l.leverage);
        if (l.fields & leverage_update::f_margin_type) o.str("margin_type", to_string(l.margin));
        if (l.fields & leverage_update::f_max_notional) o.dec("max_notional", l.max_notional);
        if (l.fields & leverage_update::f_auto_add_margin) o.boolean("auto_add_margin", l.auto_add_margin);
        break;
    }
    case event_type::account_config_update: {
        const auto& a = ev.payload.account_config;
        o.str("source", to_string(a.source));
        if (a.fields & account_config_update::f_multi_assets) o.boolean("multi_assets", a.multi_assets);
        if (a.fields & account_config_update::f_dual_side_position) o.boolean("dual_side_position", a.dual_side_position);
        break;
    }
    case event_type::snapshot_begin:
    case event_type::snapshot_end: {
        const auto& s = ev.payload.snapshot;
        o.num("snapshot_id", static_cast<long long>(s.snapshot_id));
        o.str("kind", to_string(s.kind));
        if (h.type == event_type::snapshot_begin) {
            o.num("as_of", s.as_of_ms);
            o.num("request_sent_ns", s.request_sent_ns);
            o.num("scope", s.scope);
            o.istr("symbol_filter", s.symbol_filter);
        } else {
            o.num("rows", s.row_count);
            o.boolean("complete", s.complete);
        }
        break;
    }
    case event_type::stream_status: {
        const auto& s = ev.payload.status;
        o.str("status", to_string(s.kind));
        o.istr("detail", s.detail);
        o.istr("listen_key", s.listen_key);
        if (s.exchange_code != 0) o.num("exchange_code", s.exchange_code);
        if (s.gap_since_ns != 0) o.num("gap_since_ns", s.gap_since_ns);
        o.istr("waiting_for", s.waiting_for);
        if (s.kind == stream_status_kind::parse_error) {
            o.num("parse_code", s.parse_code);
            o.num("offset", s.byte_offset);
        }
        break;
    }
    case event_type::order_update: {
        const auto& u = ev.payload.order;
        o.str("symbol", u.symbol.view());
        o.str("client_order_id", u.client_order_id.view());
        o.num("order_id", u.order_id);
        o.en("side", u.side);
        o.en("order_type", u.type);
        o.en("orig_type", u.orig_type);
        o.en("tif", u.tif);
        o.en("exec", u.exec);
        o.en("status", u.status);
        o.en("working_type", u.working);
        o.en("position_side", u.pos_side);
        o.en("stp", u.stp);
        o.en("price_match", u.match);
        o.dec("orig_qty", u.orig_qty);
        o.dec("price", u.price);
        o.dec("avg_price", u.avg_price);
        o.dec("stop_price", u.stop_price);
        o.dec("last_qty", u.last_qty);
        o.dec("cum_qty", u.cum_qty);
        o.dec("last_price", u.last_price);
        if (u.flags & order_update::has_commission) {
            o.dec("commission", u.commission);
            o.str("commission_asset", u.commission_asset.view());
        }
        o.dec("bid_notional", u.bid_notional);
        o.dec("ask_notional", u.ask_notional);
        o.dec("activation_price", u.activation_price);
        o.dec("callback_rate", u.callback_rate);
        o.dec("realized_profit", u.realized_profit);
        o.num("trade_id", u.trade_id);
        o.num("trade_time", u.trade_time_ms);
        o.num("gtd", u.gtd_ms);
        o.num("expiry_reason", u.expiry_reason);
        if (u.modify_id != 0) o.num("modify_id", u.modify_id);
        o.boolean("maker", u.flags & order_update::is_maker);
        o.boolean("reduce_only", u.flags & order_update::reduce_only);
        o.boolean("close_all", u.flags & order_update::close_all);
        o.boolean("price_protect", u.flags & order_update::price_protect);
        o.istr("margin_asset", u.margin_asset);
        o.istr("account_alias", u.account_alias);
        break;
    }
    case event_type::trade_lite: {
        const auto& t = ev.payload.trade;
        o.str("symbol", t.symbol.view());
        o.str("client_order_id", t.client_order_id.view());
        o.num("order_id", t.order_id);
        o.num("trade_id", t.trade_id);
        o.en("side", t.side);
        o.dec("orig_qty", t.orig_qty);
        o.dec("price", t.price);
        o.dec("last_price", t.last_price);
        o.dec("last_qty", t.last_qty);
        o.boolean("maker", t.is_maker);
        break;
    }
    case event_type::missed_fill: {
        const auto& t = ev.payload.fill;
        o.str("symbol", t.symbol.view());
        o.num("order_id", t.order_id);
        o.num("trade_id", t.trade_id);
        o.en("side", t.side);
        o.en("position_side", t.pos_side);
        o.dec("price", t.price);
        o.dec("qty", t.qty);
        o.dec("quote_qty", t.quote_qty);
        o.dec("realized_pnl", t.realized_pnl);
        o.dec("commission", t.commission);
        o.istr("commission_asset", t.commission_asset);
        o.boolean("buyer", t.buyer);
        o.boolean("maker", t.maker);
        break;
    }
    case event_type::algo_update: {
        const auto& a = ev.payload.algo;
        o.str("symbol", a.symbol.view());
        o.str("client_algo_id", a.client_algo_id.view());
        o.num("algo_id", a.algo_id);
        o.str("order_id", a.order_id.view());
        o.en("algo_type", a.type);
        o.en("order_type", a.order_kind);
        o.en("actual_type", a.actual_type);
        o.en("side", a.side);
        o.en("position_side", a.pos_side);
        o.en("tif", a.tif);
        o.en("status", a.status);
        o.en("stp", a.stp);
        o.en("working_type", a.working);
        o.en("price_match", a.match);
        o.dec("quantity", a.quantity);
        o.dec("avg_price", a.avg_price);
        o.dec("executed_qty", a.executed_qty);
        o.dec("trigger_price", a.trigger_price);
        o.dec("price", a.price);
        o.num("trigger_time", a.trigger_time_ms);
        o.num("gtd", a.gtd_ms);
        o.boolean("close_all", a.flags & algo_update::close_all);
        o.boolean("price_protect", a.flags & algo_update::price_protect);
        o.boolean("reduce_only", a.flags & algo_update::reduce_only);
        o.istr("reject_reason", a.reject_reason);
        break;
    }
    case event_type::margin_call: {
        const auto& m = ev.payload.margin;
        o.str("symbol", m.symbol.view());
        o.en("side", m.side);
        o.en("margin_type", m.margin);
        o.dec("amount", m.amount);
        if (m.fields & margin_call::f_cross_wallet) o.dec("cross_wallet_balance", m.cross_wallet_balance);
        if (m.fields & margin_call::f_isolated_wallet) o.dec("isolated_wallet", m.isolated_wallet);
        o.dec("mark_price", m.mark_price);
        o.dec("unrealized_pnl", m.unrealized_pnl);
        o.dec("maint_margin", m.maint_margin);
        o.istr("account_alias", m.account_alias);
        break;
    }
    case event_type::none: break;
    }
    out += '}';
}

std::string event_json(const event& ev) {
    std::string s;
    write_event_json(ev, s);
    return s;
}

std::string error_json(const parse_result& r) {
    std::string s = "{\"error\":";
    append_json_string(s, to_string(r.code));
    s += ",\"offset\":" + std::to_string(r.offset);
    s += ",\"field\":";
    append_json_string(s, r.field);
    if (r.code == parse_errc::bad_decimal) {
        s += ",\"decimal\":";
        append_json_string(s, to_string(r.decimal));
    }
    if (r.json_error != 0) s += ",\"json_error\":" + std::to_string(r.json_error);
    if (r.code == parse_errc::exchange_error) {
        s += ",\"exchange_code\":" + std::to_string(r.exchange_code);
        if (r.http_status != 0) s += ",\"status\":" + std::to_string(r.http_status);
    }
    s += '}';
    return s;
}

} // namespace acctsync::parse
