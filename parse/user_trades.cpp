#include "parse/user_trades.hpp"

#include <simdjson.h>

#include "core/events.hpp"

namespace acctsync::parse {

namespace od = simdjson::ondemand;

namespace {

parse_result fail(parse_errc code, std::string_view field, event_sink sink) noexcept {
    sink.abandon();
    parse_result r;
    r.code = code;
    r.field = field;
    return r;
}

template <std::size_t N>
bool text(od::value v, inline_string<N>& out, parse_errc& err) noexcept {
    std::string_view s;
    if (v.get_string().get(s)) return (err = parse_errc::wrong_type), false;
    if (!out.assign(s)) return (err = parse_errc::string_too_long), false;
    return true;
}

bool number(od::value v, decimal& out, parse_errc& err) noexcept {
    std::string_view s;
    if (v.get_string().get(s)) return (err = parse_errc::wrong_type), false;
    if (!decimal::parse(s, out)) return (err = parse_errc::bad_decimal), false;
    return true;
}

bool integer(od::value v, std::int64_t& out, parse_errc& err) noexcept {
    if (v.get_int64().get(out)) return (err = parse_errc::bad_integer), false;
    return true;
}

bool flag(od::value v, bool& out, parse_errc& err) noexcept {
    if (v.get_bool().get(out)) return (err = parse_errc::wrong_type), false;
    return true;
}

template <class E>
bool enumeration(od::value v, E& out, parse_errc& err) noexcept {
    std::string_view s;
    if (v.get_string().get(s)) return (err = parse_errc::wrong_type), false;
    out = from_wire<E>(s);
    return true;
}

} // namespace

parse_result parse_user_trades(std::string_view body, market venue, std::int64_t recv_ns, event_sink sink) {
    od::parser parser;
    const simdjson::padded_string padded(body);
    od::document doc;
    if (parser.iterate(padded).get(doc)) return fail(parse_errc::invalid_json, "", sink);
    od::array trades;
    if (doc.get_array().get(trades)) return fail(parse_errc::unexpected_shape, "[]", sink);
    std::uint32_t n = 0;
    for (auto item : trades) {
        od::object o;
        if (item.get_object().get(o)) return fail(parse_errc::not_an_object, "[]", sink);
        event* ev = sink.claim();
        if (ev == nullptr) return fail(parse_errc::sink_full, "", sink);
        reset_event(*ev, event_type::missed_fill, venue);
        ev->header.recv_time_ns = recv_ns;
        ev->header.item_count = 1;
        auto& f = ev->payload.fill;
        bool has_id = false, has_order = false, has_symbol = false, has_time = false;
        for (auto m : o) {
            od::field fld;
            std::string_view key;
            if (std::move(m).get(fld) || fld.unescaped_key().get(key)) return fail(parse_errc::invalid_json, "[]", sink);
            od::value v = fld.value();
            parse_errc err = parse_errc::ok;
            bool ok = true;
            if (key == "symbol") ok = has_symbol = text(v, f.symbol, err);
            else if (key == "id") ok = has_id = integer(v, f.trade_id, err);
            else if (key == "orderId") ok = has_order = integer(v, f.order_id, err);
            else if (key == "time") ok = has_time = integer(v, ev->header.transaction_time_ms, err);
            else if (key == "price") ok = number(v, f.price, err);
            else if (key == "qty") ok = number(v, f.qty, err);
            else if (key == "quoteQty" || key == "baseQty") ok = number(v, f.quote_qty, err);
            else if (key == "realizedPnl") ok = number(v, f.realized_pnl, err);
            else if (key == "commission") ok = number(v, f.commission, err);
            else if (key == "commissionAsset") ok = text(v, f.commission_asset, err);
            else if (key == "side") ok = enumeration(v, f.side, err);
            else if (key == "positionSide") ok = enumeration(v, f.pos_side, err);
            else if (key == "buyer") ok = flag(v, f.buyer, err);
            else if (key == "maker") ok = flag(v, f.maker, err);
            if (!ok) return fail(err, "[]", sink);
        }
        if (!has_id || !has_order || !has_symbol || !has_time) return fail(parse_errc::missing_field, "[].id", sink);
        ev->header.event_time_ms = ev->header.transaction_time_ms;
        ++n;
    }
    sink.commit();
    parse_result r;
    r.published = n;
    return r;
}

} // namespace acctsync::parse
