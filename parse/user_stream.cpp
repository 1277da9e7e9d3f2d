// acctsync/parse/user_stream.cpp — see user_stream.hpp.
#include "parse/user_stream.hpp"

#include <simdjson.h>

#include "parse/frame_runner.hpp"

namespace acctsync::parse {

static_assert(payload_padding == simdjson::SIMDJSON_PADDING, "payload padding must match simdjson's");

using detail::operator""_k;
using detail::key_code;
namespace od = simdjson::ondemand;

namespace {

enum class event_kind : std::uint8_t {
    none,
    account_update,
    account_config_update,
    order_trade_update,
    trade_lite,
    algo_update,
    margin_call,
    listen_key_expired,
    ignored,
    unknown,
};

event_kind kind_of(std::string_view e) noexcept {
    // Length first: one compare for the frequent events.
    switch (e.size()) {
    case 14:
        if (e == "ACCOUNT_UPDATE") return event_kind::account_update;
        break;
    case 18:
        if (e == "ORDER_TRADE_UPDATE") return event_kind::order_trade_update;
        break;
    case 10:
        if (e == "TRADE_LITE") return event_kind::trade_lite;
        break;
    default: break;
    }
    if (e == "ACCOUNT_UPDATE") return event_kind::account_update;
    if (e == "ORDER_TRADE_UPDATE") return event_kind::order_trade_update;
    if (e == "TRADE_LITE") return event_kind::trade_lite;
    if (e == "ACCOUNT_CONFIG_UPDATE") return event_kind::account_config_update;
    if (e == "ALGO_UPDATE") return event_kind::algo_update;
    if (e == "MARGIN_CALL") return event_kind::margin_call;
    if (e == "listenKeyExpired") return event_kind::listen_key_expired;
    if (e == "STRATEGY_UPDATE" || e == "GRID_UPDATE" || e == "CONDITIONAL_ORDER_TRIGGER_REJECT")
        return event_kind::ignored;
    return event_kind::unknown;
}

// Everything one frame says at its top level; applied to every event of the frame at the end
// (fields may come in any order, so "m" or "i" can follow the items they qualify).
struct frame_header {
    std::int64_t E = 0;
    std::int64_t T = 0;
    update_reason reason = update_reason::unknown;
    alias_string alias{};
    bool has_alias = false;
    decimal cross_wallet{}; // MARGIN_CALL cw
    bool has_cross_wallet = false;
    std::string_view event_name;
    key_string listen_key{};
};

} // namespace

struct user_stream_parser::impl {
    explicit impl(parser_options o) : opt(o), emitter(o.max_batch) {
        if (parser.allocate(opt.max_frame)) throw std::runtime_error("user_stream_parser: cannot allocate");
    }

    parser_options opt;
    od::parser parser;
    user_stream_counters counters;
    detail::frame_emitter emitter;

    // Per-frame state.
    frame_header hdr;
    const stream_context* ctx = nullptr;

    parse_result run(const char* data, std::size_t size, const stream_context& c, const event_sink& sink) noexcept;
    bool parse_frame(detail::reader& rd, od::document& doc) noexcept;
    bool parse_event_object(detail::reader& rd, od::object& obj, bool top) noexcept;
    bool envelope(detail::reader& rd, od::object& root) noexcept;
    bool field(detail::reader& rd, event_kind kind, std::string_view key, od::value& v) noexcept;

    bool account_update_body(detail::reader& rd, od::value& v) noexcept;
    bool balance_item(detail::reader& rd, od::object& o) noexcept;
    bool position_item(detail::reader& rd, od::object& o) noexcept;
    bool config_leverage(detail::reader& rd, od::value& v) noexcept;
    bool config_multi_assets(detail::reader& rd, od::value& v) noexcept;
    bool order_body(detail::reader& rd, od::value& v) noexcept;
    bool algo_body(detail::reader& rd, od::value& v) noexcept;
    bool margin_call_items(detail::reader& rd, od::value& v) noexcept;
    bool trade_lite_field(detail::reader& rd, std::string_view key, od::value& v) noexcept;

    event* emit(event_type t) noexcept { return emitter.next(t, ctx->venue, ctx->account); }
    void finish(event& ev) noexcept;
    static void finish_cb(void* self, event& ev) noexcept { static_cast<impl*>(self)->finish(ev); }
};

user_stream_parser::user_stream_parser(parser_options opt) : impl_(std::make_unique<impl>(opt)) {}
user_stream_parser::~user_stream_parser() = default;

const user_stream_counters& user_stream_parser::counters() const noexcept { return impl_->counters; }

parse_result user_stream_parser::parse(const char* data, std::size_t size, const stream_context& ctx,
                                       const event_sink& sink) noexcept {
    return impl_->run(data, size, ctx, sink);
}

parse_result user_stream_parser::impl::run(const char* data, std::size_t size, const stream_context& c,
                                           const event_sink& sink) noexcept {
    ++counters.frames;
    ctx = &c;
    hdr = frame_header{}; // pass 2 re-reads the same values; batch publishing needs them from pass 1
    return detail::run_frame(parser, emitter, sink, opt.max_frame, data, size, &impl::finish_cb, this,
                             {counters.events, counters.errors, counters.sink_full, counters.split_updates},
                             [this](detail::reader& rd, od::document& doc) { return parse_frame(rd, doc); });
}

void user_stream_parser::impl::finish(event& ev) noexcept {
    {
        ev.header.event_time_ms = hdr.E;
        ev.header.transaction_time_ms = hdr.T;
        ev.header.recv_time_ns = ctx->recv_ns;
        ++counters.by_type[static_cast<std::size_t>(ev.header.type)];
        switch (ev.header.type) {
        case event_type::balance_update:
            ev.payload.balance.reason = hdr.reason;
            ev.payload.balance.update_time_ms = hdr.T;
            if (hdr.has_alias) ev.payload.balance.account_alias = hdr.alias;
            break;
        case event_type::position_update:
            ev.payload.position.reason = hdr.reason;
            ev.payload.position.update_time_ms = hdr.T;
            if (hdr.has_alias) ev.payload.position.account_alias = hdr.alias;
            break;
        case event_type::order_update:
            if (hdr.has_alias) ev.payload.order.account_alias = hdr.alias;
            break;
        case event_type::margin_call:
            if (hdr.has_alias) ev.payload.margin.account_alias = hdr.alias;
            if (hdr.has_cross_wallet) {
                ev.payload.margin.cross_wallet_balance = hdr.cross_wallet;
                ev.payload.margin.fields |= margin_call::f_cross_wallet;
            }
            break;
        default: break;
        }
    }
}

bool user_stream_parser::impl::parse_frame(detail::reader& rd, od::document& doc) noexcept {
    od::object root;
    if (!detail::document_object(rd, doc, root)) return false;
    return parse_event_object(rd, root, true) && detail::check_at_end(rd, doc);
}

bool user_stream_parser::impl::envelope(detail::reader& rd, od::object& root) noexcept {
    bool have_data = false;
    for (auto f : root) {
        od::field fld;
        if (auto e = std::move(f).get(fld)) return rd.fail_json(e, nullptr, "");
        const auto key = detail::reader::key_of(fld);
        od::value v = fld.value();
        if (key == "data" && !have_data) {
            od::object data;
            if (!rd.object_of(v, data, "data")) return false;
            if (!parse_event_object(rd, data, false)) return false;
            have_data = true;
        } else if (key == "stream") {
            std::string_view s;
            bool present = false;
            if (!rd.read_string(v, s, present, "stream")) return false;
        } else if (!rd.skip_value(v, "")) {
            return false;
        }
    }
    if (!have_data) return rd.fail(parse_errc::missing_field, rd.base(), "data");
    return true;
}

bool user_stream_parser::impl::parse_event_object(detail::reader& rd, od::object& obj, bool top) noexcept {
    event_kind kind = event_kind::none;
    bool first = true, lookup = false, seen_body = false, empty = true;
    auto on_field = [&](od::field& fld, bool skip_e) -> bool {
        const auto key = detail::reader::key_of(fld);
        od::value v = fld.value();
        if (key == "e") return skip_e ? rd.skip_value(v, "e") : true;
        if ((kind == event_kind::account_update && key == "a") ||
            ((kind == event_kind::order_trade_update || kind == event_kind::algo_update) && key == "o") ||
            (kind == event_kind::account_config_update && (key == "ac" || key == "ai")))
            seen_body = true;
        return field(rd, kind, key, v);
    };
    auto read_e = [&](od::value& v) -> bool {
        std::string_view name;
        bool present = false;
        if (!rd.read_string(v, name, present, "e")) return false;
        if (!present) return rd.fail(parse_errc::missing_field, rd.base(), "e");
        hdr.event_name = name;
        kind = kind_of(name);
        return true;
    };
    // Almost always "e" comes first: one pass. Otherwise find it, then read from the top.
    for (auto f : obj) {
        od::field fld;
        if (auto e = std::move(f).get(fld)) return rd.fail_json(e, nullptr, "");
        empty = false;
        if (first) {
            first = false;
            const auto key = detail::reader::key_of(fld);
            if (key == "e") {
                if (!read_e(fld.value())) return false;
                continue;
            }
            lookup = true;
            if (top && (key == "stream" || key == "data")) {
                if (auto e = obj.reset().error()) return rd.fail_json(e, nullptr, "");
                return envelope(rd, obj);
            }
            break;
        }
        if (!on_field(fld, false)) return false;
    }
    if (empty) return rd.fail(parse_errc::missing_field, rd.base(), "e");
    if (lookup) {
        if (auto e = obj.reset().error()) return rd.fail_json(e, nullptr, "");
        od::value ev;
        auto err = obj.find_field_unordered("e").get(ev);
        if (err == simdjson::NO_SUCH_FIELD) return rd.fail(parse_errc::missing_field, rd.base(), "e");
        if (err) return rd.fail_json(err, nullptr, "e");
        if (!read_e(ev)) return false;
        if (auto e = obj.reset().error()) return rd.fail_json(e, nullptr, "");
        for (auto f : obj) {
            od::field fld;
            if (auto e = std::move(f).get(fld)) return rd.fail_json(e, nullptr, "");
            if (!on_field(fld, true)) return false;
        }
    }

    switch (kind) {
    case event_kind::account_update:
        if (!seen_body) return rd.fail(parse_errc::missing_field, rd.base(), "a");
        break;
    case event_kind::order_trade_update:
    case event_kind::algo_update:
        if (!seen_body) return rd.fail(parse_errc::missing_field, rd.base(), "o");
        break;
    case event_kind::account_config_update:
        if (!seen_body) return rd.fail(parse_errc::missing_field, rd.base(), "ac");
        break;
    case event_kind::trade_lite:
        if (emitter.count() == 0 || emitter.last()->payload.trade.symbol.empty())
            return rd.fail(parse_errc::missing_field, rd.base(), "s");
        break;
    case event_kind::listen_key_expired:
    case event_kind::ignored:
    case event_kind::unknown: {
        event* ev = emit(event_type::stream_status);
        auto& st = ev->payload.status;
        if (kind == event_kind::listen_key_expired) {
            st.kind = stream_status_kind::listen_key_expired;
            st.listen_key = hdr.listen_key;
        } else {
            st.kind = kind == event_kind::ignored ? stream_status_kind::ignored_event : stream_status_kind::unknown_event;
            (kind == event_kind::ignored ? counters.ignored_events : counters.unknown_events) += 1;
            if (!st.detail.assign(hdr.event_name)) st.detail.clear(); // an absurdly long name is still just unknown
        }
        break;
    }
    default: break;
    }
    return true;
}

// ---- per-kind fields -------------------------------------------------------------------------

bool user_stream_parser::impl::field(detail::reader& rd, event_kind kind, std::string_view key, od::value& v) noexcept {
    bool present = false;
    // Common header fields.
    if (key == "E") return rd.read_int(v, hdr.E, present, "E");
    if (key == "T" && kind != event_kind::trade_lite) return rd.read_int(v, hdr.T, present, "T");
    if (key == "i" && kind != event_kind::trade_lite) { // COIN-M account alias
        if (!rd.read_inline(v, hdr.alias, present, "i")) return false;
        hdr.has_alias = present;
        return true;
    }
    switch (kind) {
    case event_kind::account_update:
        if (key == "a") return account_update_body(rd, v);
        break;
    case event_kind::account_config_update:
        if (key == "ac") return config_leverage(rd, v);
        if (key == "ai") return config_multi_assets(rd, v);
        break;
    case event_kind::order_trade_update:
        if (key == "o") return order_body(rd, v);
        break;
    case event_kind::algo_update:
        if (key == "o") return algo_body(rd, v);
        break;
    case event_kind::trade_lite:
        if (key == "T") return rd.read_int(v, hdr.T, present, "T");
        return trade_lite_field(rd, key, v);
    case event_kind::margin_call:
        if (key == "cw") {
            if (!rd.read_decimal(v, hdr.cross_wallet, present, "cw")) return false;
            hdr.has_cross_wallet = present;
            return true;
        }
        if (key == "p") return margin_call_items(rd, v);
        break;
    case event_kind::listen_key_expired:
        if (key == "listenKey") {
            return rd.read_inline(v, hdr.listen_key, present, "listenKey");
        }
        break;
    default: break;
    }
    return rd.skip_value(v, key.size() <= 8 ? key : std::string_view{});
}

bool user_stream_parser::impl::account_update_body(detail::reader& rd, od::value& v) noexcept {
    od::object a;
    if (rd.is_null(v)) return rd.fail(parse_errc::missing_field, detail::reader::location(v), "a");
    if (!rd.object_of(v, a, "a")) return false;
    for (auto f : a) {
        od::field fld;
        if (auto e = std::move(f).get(fld)) return rd.fail_json(e, nullptr, "a");
        const auto key = detail::reader::key_of(fld);
        od::value val = fld.value();
        if (key == "m") {
            bool present = false;
            if (!rd.read_enum(val, hdr.reason, present, "a.m")) return false;
        } else if (key == "B" || key == "P") {
            const bool balances = key == "B";
            const std::string_view path = balances ? "a.B" : "a.P";
            od::json_type t;
            if (auto e = val.type().get(t)) return rd.fail_json(e, nullptr, path);
            if (t == od::json_type::null) {
                if (!rd.skip_value(val, path)) return false;
                continue;
            }
            od::array arr;
            if (!rd.array_of(val, arr, path)) return false;
            for (auto el : arr) {
                od::object item;
                if (!rd.object_of(std::move(el), item, path)) return false;
                if (!(balances ? balance_item(rd, item) : position_item(rd, item))) return false;
            }
        } else if (!rd.skip_value(val, "a")) {
            return false;
        }
    }
    return true;
}

bool user_stream_parser::impl::balance_item(detail::reader& rd, od::object& o) noexcept {
    event* ev = emit(event_type::balance_update);
    auto& b = ev->payload.balance;
    b.source = event_source::stream;
    bool has_asset = false;
    for (auto f : o) {
        od::field fld;
        if (auto e = std::move(f).get(fld)) return rd.fail_json(e, nullptr, "a.B[]");
        od::value v = fld.value();
        bool present = false;
        switch (key_code(detail::reader::key_of(fld))) {
        case "a"_k:
            if (!rd.read_inline(v, b.asset, present, "a.B[].a")) return false;
            has_asset = present;
            break;
        case "wb"_k:
            if (!rd.decimal_field(v, b.wallet_balance, b.fields, balance_update::f_wallet_balance, "a.B[].wb")) return false;
            break;
        case "cw"_k:
            if (!rd.decimal_field(v, b.cross_wallet_balance, b.fields, balance_update::f_cross_wallet_balance, "a.B[].cw")) return false;
            break;
        case "bc"_k:
            if (!rd.decimal_field(v, b.balance_change, b.fields, balance_update::f_balance_change, "a.B[].bc")) return false;
            break;
        default:
            if (!rd.skip_value(v, "a.B[]")) return false;
        }
    }
    if (!has_asset) return rd.fail(parse_errc::missing_field, rd.base(), "a.B[].a");
    return true;
}

bool user_stream_parser::impl::position_item(detail::reader& rd, od::object& o) noexcept {
    event* ev = emit(event_type::position_update);
    auto& p = ev->payload.position;
    using pf = position_update::field;
    p.source = event_source::stream;
    p.side = position_side::both; // one-way mode rows always say BOTH; UNVERIFIED that ps is never omitted
    bool has_symbol = false;
    // dec: an optional decimal field of p (sets its bit when present)
    auto dec = [&](od::value& v, decimal& d, auto bit, std::string_view path) { return rd.decimal_field(v, d, p.fields, bit, path); };
    for (auto f : o) {
        od::field fld;
        if (auto e = std::move(f).get(fld)) return rd.fail_json(e, nullptr, "a.P[]");
        od::value v = fld.value();
        bool present = false;
        switch (key_code(detail::reader::key_of(fld))) {
        case "s"_k:
            if (!rd.read_inline(v, p.symbol, present, "a.P[].s")) return false;
            has_symbol = present;
            break;
        case "pa"_k: if (!dec(v, p.amount, pf::f_amount, "a.P[].pa")) return false; break;
        case "ep"_k: if (!dec(v, p.entry_price, pf::f_entry_price, "a.P[].ep")) return false; break;
        case "bep"_k: if (!dec(v, p.break_even_price, pf::f_break_even_price, "a.P[].bep")) return false; break;
        case "cr"_k: if (!dec(v, p.accumulated_realized, pf::f_accumulated_realized, "a.P[].cr")) return false; break;
        case "up"_k: if (!dec(v, p.unrealized_pnl, pf::f_unrealized_pnl, "a.P[].up")) return false; break;
        case "iw"_k: if (!dec(v, p.isolated_wallet, pf::f_isolated_wallet, "a.P[].iw")) return false; break;
        case "mt"_k:
            if (!rd.margin_type_field(v, p.margin, p.fields, pf::f_margin_type, "a.P[].mt")) return false;
            break;
        case "ps"_k:
            if (!rd.position_side_field(v, p.side, "a.P[].ps")) return false;
            break;
        case "ma"_k:
            if (!rd.inline_field(v, p.margin_asset, p.fields, pf::f_margin_asset, "a.P[].ma")) return false;
            break;
        default:
            if (!rd.skip_value(v, "a.P[]")) return false;
        }
    }
    if (!has_symbol) return rd.fail(parse_errc::missing_field, rd.base(), "a.P[].s");
    return true;
}

bool user_stream_parser::impl::config_leverage(detail::reader& rd, od::value& v) noexcept {
    od::object o;
    if (!rd.object_of(v, o, "ac")) return false;
    event* ev = emit(event_type::leverage_update);
    auto& l = ev->payload.leverage;
    l.source = event_source::stream;
    bool has_symbol = false;
    for (auto f : o) {
        od::field fld;
        if (auto e = std::move(f).get(fld)) return rd.fail_json(e, nullptr, "ac");
        od::value val = fld.value();
        bool present = false;
        const auto key = detail::reader::key_of(fld);
        if (key == "s") {
            if (!rd.read_inline(val, l.symbol, present, "ac.s")) return false;
            has_symbol = present;
        } else if (key == "l") {
            if (!rd.small_uint(val, l.leverage, 0xFFFF, present, "ac.l")) return false;
            if (present) l.fields |= leverage_update::f_leverage;
        } else if (!rd.skip_value(val, "ac")) {
            return false;
        }
    }
    if (!has_symbol) return rd.fail(parse_errc::missing_field, rd.base(), "ac.s");
    return true;
}

bool user_stream_parser::impl::config_multi_assets(detail::reader& rd, od::value& v) noexcept {
    od::object o;
    if (!rd.object_of(v, o, "ai")) return false;
    event* ev = emit(event_type::account_config_update);
    auto& a = ev->payload.account_config;
    a.source = event_source::stream;
    for (auto f : o) {
        od::field fld;
        if (auto e = std::move(f).get(fld)) return rd.fail_json(e, nullptr, "ai");
        od::value val = fld.value();
        if (detail::reader::key_of(fld) == "j") {
            if (!rd.bool_field(val, a.multi_assets, a.fields, account_config_update::f_multi_assets, "ai.j")) return false;
        } else if (!rd.skip_value(val, "ai")) {
            return false;
        }
    }
    if (!(a.fields & account_config_update::f_multi_assets)) return rd.fail(parse_errc::missing_field, rd.base(), "ai.j");
    return true;
}

bool user_stream_parser::impl::order_body(detail::reader& rd, od::value& v) noexcept {
    od::object o;
    if (!rd.object_of(v, o, "o")) return false;
    event* ev = emit(event_type::order_update);
    auto& u = ev->payload.order;
    bool has_symbol = false, has_id = false;
    auto dec = [&](od::value& val, decimal& d, std::string_view path) {
        bool present = false;
        return rd.read_decimal(val, d, present, path);
    };
    auto flag = [&](od::value& val, std::uint8_t bit, std::string_view path) {
        bool present = false, b = false;
        if (!rd.read_bool(val, b, present, path)) return false;
        if (present && b) u.flags |= bit;
        return true;
    };
    auto i64 = [&](od::value& val, std::int64_t& out, std::string_view path, bool* seen = nullptr) {
        bool present = false;
        if (!rd.read_int(val, out, present, path)) return false;
        if (seen) *seen = present;
        return true;
    };
    for (auto f : o) {
        od::field fld;
        if (auto e = std::move(f).get(fld)) return rd.fail_json(e, nullptr, "o");
        od::value val = fld.value();
        bool present = false;
        switch (key_code(detail::reader::key_of(fld))) {
        case "s"_k:
            if (!rd.read_inline(val, u.symbol, present, "o.s")) return false;
            has_symbol = present;
            break;
        case "c"_k: if (!rd.read_inline(val, u.client_order_id, present, "o.c")) return false; break;
        case "S"_k: if (!rd.read_enum(val, u.side, present, "o.S")) return false; break;
        case "o"_k: if (!rd.read_enum(val, u.type, present, "o.o")) return false; break;
        case "ot"_k: if (!rd.read_enum(val, u.orig_type, present, "o.ot")) return false; break;
        case "f"_k: if (!rd.read_enum(val, u.tif, present, "o.f")) return false; break;
        case "x"_k: if (!rd.read_enum(val, u.exec, present, "o.x")) return false; break;
        case "X"_k: if (!rd.read_enum(val, u.status, present, "o.X")) return false; break;
        case "wt"_k: if (!rd.read_enum(val, u.working, present, "o.wt")) return false; break;
        case "ps"_k: if (!rd.read_enum(val, u.pos_side, present, "o.ps")) return false; break;
        case "V"_k: if (!rd.read_enum(val, u.stp, present, "o.V")) return false; break;
        case "pm"_k: if (!rd.read_enum(val, u.match, present, "o.pm")) return false; break;
        case "q"_k: if (!dec(val, u.orig_qty, "o.q")) return false; break;
        case "p"_k: if (!dec(val, u.price, "o.p")) return false; break;
        case "ap"_k: if (!dec(val, u.avg_price, "o.ap")) return false; break;
        case "sp"_k: if (!dec(val, u.stop_price, "o.sp")) return false; break;
        case "l"_k: if (!dec(val, u.last_qty, "o.l")) return false; break;
        case "z"_k: if (!dec(val, u.cum_qty, "o.z")) return false; break;
        case "L"_k: if (!dec(val, u.last_price, "o.L")) return false; break;
        case "n"_k:
            if (!rd.read_decimal(val, u.commission, present, "o.n")) return false;
            if (present) u.flags |= order_update::has_commission;
            break;
        case "N"_k:
            if (!rd.read_inline(val, u.commission_asset, present, "o.N")) return false;
            if (present) u.flags |= order_update::has_commission;
            break;
        case "b"_k: if (!dec(val, u.bid_notional, "o.b")) return false; break;
        case "a"_k: if (!dec(val, u.ask_notional, "o.a")) return false; break;
        case "AP"_k: if (!dec(val, u.activation_price, "o.AP")) return false; break;
        case "cr"_k: if (!dec(val, u.callback_rate, "o.cr")) return false; break;
        case "rp"_k: if (!dec(val, u.realized_profit, "o.rp")) return false; break;
        case "i"_k: if (!i64(val, u.order_id, "o.i", &has_id)) return false; break;
        case "t"_k: if (!i64(val, u.trade_id, "o.t")) return false; break;
        case "T"_k: if (!i64(val, u.trade_time_ms, "o.T")) return false; break;
        case "gtd"_k: if (!i64(val, u.gtd_ms, "o.gtd")) return false; break;
        case "er"_k:
            if (!rd.small_uint(val, u.expiry_reason, 255, present, "o.er")) return false;
            break;
        case "m"_k: if (!flag(val, order_update::is_maker, "o.m")) return false; break;
        case "R"_k: if (!flag(val, order_update::reduce_only, "o.R")) return false; break;
        case "cp"_k: if (!flag(val, order_update::close_all, "o.cp")) return false; break;
        case "pP"_k: if (!flag(val, order_update::price_protect, "o.pP")) return false; break;
        case "ma"_k: if (!rd.read_inline(val, u.margin_asset, present, "o.ma")) return false; break;
        case "M"_k: {
            // modifyId: SDK-only (2026-07), type UNVERIFIED (string per SDK). Kept when numeric.
            std::string_view t;
            if (!rd.token(val, t, "o.M")) return false;
            if (!rd.skip_value(val, "o.M")) return false;
            if (t.size() >= 2 && t.front() == '"') t = t.substr(1, t.size() - 2);
            std::int64_t id = 0;
            const auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), id);
            if (ec == std::errc{} && p == t.data() + t.size()) u.modify_id = id;
            break;
        }
        default:
            if (!rd.skip_value(val, "o")) return false;
        }
    }
    if (!has_symbol) return rd.fail(parse_errc::missing_field, rd.base(), "o.s");
    if (!has_id) return rd.fail(parse_errc::missing_field, rd.base(), "o.i");
    return true;
}

bool user_stream_parser::impl::trade_lite_field(detail::reader& rd, std::string_view key, od::value& v) noexcept {
    if (emitter.count() == 0) emit(event_type::trade_lite);
    auto& t = emitter.last()->payload.trade;
    bool present = false;
    switch (key_code(key)) {
    case "s"_k: return rd.read_inline(v, t.symbol, present, "s");
    case "c"_k: return rd.read_inline(v, t.client_order_id, present, "c");
    case "S"_k: return rd.read_enum(v, t.side, present, "S");
    case "q"_k: return rd.read_decimal(v, t.orig_qty, present, "q");
    case "p"_k: return rd.read_decimal(v, t.price, present, "p");
    case "L"_k: return rd.read_decimal(v, t.last_price, present, "L");
    case "l"_k: return rd.read_decimal(v, t.last_qty, present, "l");
    case "t"_k: return rd.read_int(v, t.trade_id, present, "t");
    case "i"_k: return rd.read_int(v, t.order_id, present, "i");
    case "m"_k: return rd.read_bool(v, t.is_maker, present, "m");
    default: return rd.skip_value(v, key.size() <= 8 ? key : std::string_view{});
    }
}

bool user_stream_parser::impl::algo_body(detail::reader& rd, od::value& v) noexcept {
    od::object o;
    if (!rd.object_of(v, o, "o")) return false;
    event* ev = emit(event_type::algo_update);
    auto& a = ev->payload.algo;
    bool has_id = false;
    auto flag = [&](od::value& val, std::uint8_t bit, std::string_view path) {
        bool present = false, b = false;
        if (!rd.read_bool(val, b, present, path)) return false;
        if (present && b) a.flags |= bit;
        return true;
    };
    for (auto f : o) {
        od::field fld;
        if (auto e = std::move(f).get(fld)) return rd.fail_json(e, nullptr, "o");
        od::value val = fld.value();
        bool present = false;
        switch (key_code(detail::reader::key_of(fld))) {
        case "caid"_k: if (!rd.read_inline(val, a.client_algo_id, present, "o.caid")) return false; break;
        case "aid"_k: if (!rd.read_int(val, a.algo_id, has_id, "o.aid")) return false; break;
        case "at"_k: if (!rd.read_enum(val, a.type, present, "o.at")) return false; break;
        case "o"_k: if (!rd.read_enum(val, a.order_kind, present, "o.o")) return false; break;
        case "act"_k: if (!rd.read_enum(val, a.actual_type, present, "o.act")) return false; break;
        case "s"_k: if (!rd.read_inline(val, a.symbol, present, "o.s")) return false; break;
        case "S"_k: if (!rd.read_enum(val, a.side, present, "o.S")) return false; break;
        case "ps"_k: if (!rd.read_enum(val, a.pos_side, present, "o.ps")) return false; break;
        case "f"_k: if (!rd.read_enum(val, a.tif, present, "o.f")) return false; break;
        case "X"_k: if (!rd.read_enum(val, a.status, present, "o.X")) return false; break;
        case "V"_k: if (!rd.read_enum(val, a.stp, present, "o.V")) return false; break;
        case "wt"_k: if (!rd.read_enum(val, a.working, present, "o.wt")) return false; break;
        case "pm"_k: if (!rd.read_enum(val, a.match, present, "o.pm")) return false; break;
        case "q"_k: if (!rd.read_decimal(val, a.quantity, present, "o.q")) return false; break;
        case "ap"_k: if (!rd.read_decimal(val, a.avg_price, present, "o.ap")) return false; break;
        case "aq"_k: if (!rd.read_decimal(val, a.executed_qty, present, "o.aq")) return false; break;
        case "tp"_k: if (!rd.read_decimal(val, a.trigger_price, present, "o.tp")) return false; break;
        case "p"_k: if (!rd.read_decimal(val, a.price, present, "o.p")) return false; break;
        case "ai"_k: if (!rd.read_inline(val, a.order_id, present, "o.ai")) return false; break;
        case "rm"_k: if (!rd.read_inline(val, a.reject_reason, present, "o.rm")) return false; break;
        case "tt"_k: if (!rd.read_int(val, a.trigger_time_ms, present, "o.tt")) return false; break;
        case "gtd"_k: if (!rd.read_int(val, a.gtd_ms, present, "o.gtd")) return false; break;
        case "cp"_k: if (!flag(val, algo_update::close_all, "o.cp")) return false; break;
        case "pP"_k: if (!flag(val, algo_update::price_protect, "o.pP")) return false; break;
        case "R"_k: if (!flag(val, algo_update::reduce_only, "o.R")) return false; break;
        default:
            if (!rd.skip_value(val, "o")) return false; // incl. undocumented "ia" (UNVERIFIED meaning)
        }
    }
    if (!has_id) return rd.fail(parse_errc::missing_field, rd.base(), "o.aid");
    return true;
}

bool user_stream_parser::impl::margin_call_items(detail::reader& rd, od::value& v) noexcept {
    od::array arr;
    if (!rd.array_of(v, arr, "p")) return false;
    for (auto el : arr) {
        od::object o;
        if (!rd.object_of(std::move(el), o, "p[]")) return false;
        event* ev = emit(event_type::margin_call);
        auto& m = ev->payload.margin;
        bool has_symbol = false;
        for (auto f : o) {
            od::field fld;
            if (auto e = std::move(f).get(fld)) return rd.fail_json(e, nullptr, "p[]");
            od::value val = fld.value();
            bool present = false;
            switch (key_code(detail::reader::key_of(fld))) {
            case "s"_k:
                if (!rd.read_inline(val, m.symbol, present, "p[].s")) return false;
                has_symbol = present;
                break;
            case "ps"_k: if (!rd.read_enum(val, m.side, present, "p[].ps")) return false; break;
            case "pa"_k: if (!rd.read_decimal(val, m.amount, present, "p[].pa")) return false; break;
            case "mt"_k: if (!rd.read_margin_type(val, m.margin, present, "p[].mt")) return false; break;
            case "iw"_k:
                if (!rd.decimal_field(val, m.isolated_wallet, m.fields, margin_call::f_isolated_wallet, "p[].iw")) return false;
                break;
            case "mp"_k: if (!rd.read_decimal(val, m.mark_price, present, "p[].mp")) return false; break;
            case "up"_k: if (!rd.read_decimal(val, m.unrealized_pnl, present, "p[].up")) return false; break;
            case "mm"_k: if (!rd.read_decimal(val, m.maint_margin, present, "p[].mm")) return false; break;
            default:
                if (!rd.skip_value(val, "p[]")) return false;
            }
        }
        if (!has_symbol) return rd.fail(parse_errc::missing_field, rd.base(), "p[].s");
    }
    return true;
}

} // namespace acctsync::parse
