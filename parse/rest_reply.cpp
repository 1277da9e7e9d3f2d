#include "parse/rest_reply.hpp"

#include <simdjson.h>

namespace acctsync::parse {

namespace od = simdjson::ondemand;

namespace {

// Runs `read(object)` over body parsed as one JSON object; false on any JSON error.
template <class Read>
bool with_object(std::string_view body, Read&& read) noexcept {
    od::parser parser;
    const simdjson::padded_string padded(body);
    od::document doc;
    if (parser.iterate(padded).get(doc)) return false;
    od::object o;
    if (doc.get_object().get(o)) return false;
    return read(o);
}

} // namespace

bool read_error_body(std::string_view body, binance_error_body& out) noexcept {
    return with_object(body, [&](od::object& o) {
        bool has_code = false;
        for (auto f : o) {
            od::field fld;
            if (std::move(f).get(fld)) return false;
            std::string_view key;
            if (fld.unescaped_key().get(key)) return false;
            if (key == "code") {
                std::int64_t c = 0;
                if (fld.value().get_int64().get(c)) return false;
                out.code = static_cast<std::int32_t>(c);
                has_code = true;
            } else if (key == "msg") {
                std::string_view m;
                if (fld.value().get_string().get(m)) return false;
                out.msg = std::string(m);
            }
        }
        return has_code;
    });
}

bool read_listen_key(std::string_view body, std::string& out) noexcept {
    return with_object(body, [&](od::object& o) {
        std::string_view k;
        if (o["listenKey"].get_string().get(k) || k.empty()) return false;
        out = std::string(k);
        return true;
    });
}

bool read_server_time(std::string_view body, std::int64_t& out) noexcept {
    return with_object(body, [&](od::object& o) { return !o["serverTime"].get_int64().get(out); });
}

} // namespace acctsync::parse
