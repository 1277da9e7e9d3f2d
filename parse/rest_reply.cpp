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

bool error_fields(od::object& o, binance_error_body& out, std::int64_t* retry_after = nullptr) noexcept {
    bool has_code = false;
    for (auto f : o) {
        od::field fld;
        if (std::move(f).get(fld)) return false;
        std::string_view key;
        if (fld.unescaped_key().get(key)) return false;
        if (key == "data" && retry_after != nullptr) {
            od::object data;
            if (fld.value().get_object().get(data)) continue;
            for (auto df : data) {
                od::field dfld;
                if (std::move(df).get(dfld)) return false;
                std::string_view dkey;
                if (dfld.unescaped_key().get(dkey)) return false;
                if (dkey == "retryAfter" && dfld.value().get_int64().get(*retry_after)) *retry_after = 0;
            }
        } else if (key == "code") {
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
}

} // namespace

bool read_wsapi_head(std::string_view frame, wsapi_head& out) noexcept {
    return with_object(frame, [&](od::object& o) {
        bool has_id = false;
        for (auto f : o) {
            od::field fld;
            if (std::move(f).get(fld)) return false;
            std::string_view key;
            if (fld.unescaped_key().get(key)) return false;
            od::value v = fld.value();
            if (key == "id") {
                has_id = true;
                od::json_type t;
                if (v.type().get(t)) return false;
                if (t == od::json_type::string) {
                    std::string_view s;
                    if (v.get_string().get(s)) return false;
                    out.id = std::string(s);
                } else if (t == od::json_type::null) {
                    out.id = "null";
                    (void)v.is_null();
                } else {
                    std::string_view raw;
                    raw = v.raw_json_token();
                    while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\n' || raw.back() == '\r' || raw.back() == '\t')) raw.remove_suffix(1);
                    out.id = std::string(raw);
                }
            } else if (key == "status") {
                std::int64_t st = 0;
                if (v.get_int64().get(st)) return false;
                out.status = static_cast<std::int32_t>(st);
            } else if (key == "result") {
                od::json_type t;
                if (v.type().get(t)) return false;
                if (t == od::json_type::object) {
                    od::object res;
                    if (v.get_object().get(res)) return false;
                    for (auto rf : res) {
                        od::field rfld;
                        if (std::move(rf).get(rfld)) return false;
                        std::string_view rkey;
                        if (rfld.unescaped_key().get(rkey)) return false;
                        if (rkey == "listenKey") {
                            std::string_view k;
                            if (rfld.value().get_string().get(k)) return false;
                            out.listen_key = std::string(k);
                        }
                    }
                }
            } else if (key == "error") {
                // {"code":…,"msg":…,"data":{"serverTime":…,"retryAfter":…}} (data on 429/418 only)
                od::object e;
                if (v.get_object().get(e)) return false;
                out.has_error = error_fields(e, out.error, &out.retry_after_ms);
            }
        }
        return has_id;
    });
}

bool read_error_body(std::string_view body, binance_error_body& out) noexcept {
    return with_object(body, [&](od::object& o) { return error_fields(o, out); });
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
