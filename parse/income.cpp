#include "parse/income.hpp"

#include <algorithm>

#include <simdjson.h>

namespace acctsync::parse {

namespace od = simdjson::ondemand;

namespace {
parse_result failed(parse_errc code, std::string_view field) noexcept {
    parse_result r;
    r.code = code;
    r.field = field;
    return r;
}
} // namespace

parse_result parse_income_symbols(std::string_view body, income_page& out) {
    od::parser parser;
    const simdjson::padded_string padded(body);
    od::document doc;
    if (parser.iterate(padded).get(doc)) return failed(parse_errc::invalid_json, "");
    od::array rows;
    if (doc.get_array().get(rows)) return failed(parse_errc::unexpected_shape, "[]");
    income_page page;
    for (auto item : rows) {
        od::object o;
        if (item.get_object().get(o)) return failed(parse_errc::not_an_object, "[]");
        symbol_string symbol;
        for (auto m : o) {
            od::field fld;
            std::string_view key;
            if (std::move(m).get(fld) || fld.unescaped_key().get(key)) return failed(parse_errc::invalid_json, "[]");
            od::value v = fld.value();
            if (key == "symbol") {
                std::string_view s;
                if (v.get_string().get(s)) return failed(parse_errc::wrong_type, "[].symbol");
                if (!symbol.assign(s)) return failed(parse_errc::string_too_long, "[].symbol");
            } else if (key == "time") {
                std::int64_t t = 0;
                if (v.get_int64().get(t)) return failed(parse_errc::bad_integer, "[].time");
                page.last_time_ms = std::max(page.last_time_ms, t);
            } // other members: skipped by the iteration
        }
        ++page.rows;
        if (!symbol.view().empty() &&
            std::none_of(page.symbols.begin(), page.symbols.end(), [&](const symbol_string& s) { return s == symbol; }))
            page.symbols.push_back(symbol);
    }
    out = std::move(page);
    return {};
}

} // namespace acctsync::parse
