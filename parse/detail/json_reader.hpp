// acctsync/parse/detail/json_reader.hpp — internal: strict, allocation-free readers over simdjson
// On-Demand values. Not part of the public API.
//
// Values are read from their raw tokens (pointers into the caller's payload): decimals and ids
// never go through simdjson's string unescaping or double conversion. Because raw tokens bypass
// simdjson's own type checks, every reader validates its token completely, and skip_value()
// walks unread values so that malformed JSON anywhere in a frame is rejected, not skipped.
//
// Error reporting: a reader returns false after recording the failure in the reader's
// parse_result (first failure wins).
#pragma once

#include <simdjson.h>

#include <charconv>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "core/decimal.hpp"

#include <type_traits>
#include "core/enums.hpp"
#include "core/inline_string.hpp"
#include "parse/detail/fast_json.hpp"
#include "parse/parse_error.hpp"

namespace acctsync::parse::detail {

namespace od = simdjson::ondemand;
using acctsync::detail::all_digits8;
using acctsync::detail::digits8;
using acctsync::detail::load8;

// Packs a key of up to 8 bytes into an integer so dispatch can be a switch. At run time the key
// lies inside a padded payload, so one 8-byte load and a mask do it.
[[nodiscard]] constexpr std::uint64_t key_code(std::string_view k) noexcept {
    if (k.size() > 8) return ~0ULL;
    if (!std::is_constant_evaluated()) {
        std::uint64_t c;
        std::memcpy(&c, k.data(), 8);
        return k.size() == 8 ? c : c & ((1ULL << (8 * k.size())) - 1);
    }
    std::uint64_t c = 0;
    for (std::size_t i = 0; i < k.size(); ++i) c |= static_cast<std::uint64_t>(static_cast<unsigned char>(k[i])) << (8 * i);
    return c;
}
consteval std::uint64_t operator""_k(const char* s, std::size_t n) { return key_code({s, n}); }

[[nodiscard]] constexpr bool is_ws(char c) noexcept { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

[[nodiscard]] inline std::string_view trim_right(std::string_view s) noexcept {
    while (!s.empty() && is_ws(s.back())) s.remove_suffix(1);
    return s;
}

// JSON number grammar (RFC 8259), the whole of s.
[[nodiscard]] inline bool is_json_number(std::string_view s) noexcept {
    return number_end(s.data(), s.data() + s.size()) == s.data() + s.size() && !s.empty();
}

// Whether a payload that failed to parse simply stops early: a string or a bracket is still open
// at its end. Only run on the error path (simdjson reports most truncations as a tape error).
[[nodiscard]] inline bool ends_open(const char* p, std::size_t n) noexcept {
    int depth = 0;
    bool in_string = false, escaped = false;
    for (std::size_t i = 0; i < n; ++i) {
        const char c = p[i];
        if (in_string) {
            if (escaped) escaped = false;
            else if (c == '\\') escaped = true;
            else if (c == '"') in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '{' || c == '[') {
            ++depth;
        } else if (c == '}' || c == ']') {
            --depth;
        }
    }
    return in_string || depth > 0;
}

// "null" without a library string compare (this runs for every value).
[[nodiscard]] inline bool is_null_token(std::string_view t) noexcept {
    if (t.size() != 4) return false;
    std::uint32_t w;
    std::memcpy(&w, t.data(), 4);
    return w == 0x6C6C756EU; // "null" little-endian
}

// A decimal integer that fits int64 (optional '-', digits only). Faster than std::from_chars,
// which showed up at ~220 instructions per call under callgrind.
[[nodiscard]] inline bool parse_i64(std::string_view s, std::int64_t& out, const char** stop) noexcept {
    const char* p = s.data();
    const char* const end = p + s.size();
    const bool neg = p != end && *p == '-';
    if (neg) ++p;
    if (p == end || end - p > 19) {
        *stop = p;
        return false;
    }
    std::uint64_t v = 0;
    // Eight digits at a time (ids and ms timestamps have 9-19); the payload is padded.
    while (end - p >= 8) {
        const std::uint64_t w = load8(p);
        if (!all_digits8(w)) break;
        v = v * 100000000ULL + digits8(w);
        p += 8;
    }
    for (; p != end; ++p) {
        const unsigned d = static_cast<unsigned char>(*p) - '0';
        if (d > 9) {
            *stop = p;
            return false;
        }
        v = v * 10 + d; // 19 digits cannot overflow uint64
    }
    const std::uint64_t limit = neg ? 9223372036854775808ULL : 9223372036854775807ULL;
    if (v > limit) {
        *stop = s.data();
        return false;
    }
    out = neg ? static_cast<std::int64_t>(~v + 1) : static_cast<std::int64_t>(v);
    return true;
}

// Margin type spellings: "cross"/"isolated" (ACCOUNT_UPDATE, positionRisk), "CROSSED"/"ISOLATED"
// (MARGIN_CALL, symbolConfig).
[[nodiscard]] inline margin_type margin_type_of(std::string_view s) noexcept {
    if (s == "cross" || s == "CROSSED" || s == "crossed" || s == "CROSS") return margin_type::cross;
    if (s == "isolated" || s == "ISOLATED") return margin_type::isolated;
    return margin_type::unknown;
}

inline std::string_view raw_token(od::value& v) noexcept { return v.raw_json_token(); }
inline simdjson::error_code unescape(od::value& v, std::string_view& out) noexcept { return v.get_string().get(out); }
// The fast cursor gives up on any backslash, so its strings never need unescaping.
inline simdjson::error_code unescape(fast_value&, std::string_view&) noexcept { return simdjson::STRING_ERROR; }

// Type of the container values for each value kind (simdjson On-Demand, or the fast cursor).
template <class V> struct json_types;
template <> struct json_types<od::value> {
    using object = od::object;
    using array = od::array;
};
template <> struct json_types<fast_value> {
    using object = fast_object;
    using array = fast_array;
};

class reader {
public:
    reader(const char* base, std::size_t size, parse_result& r) noexcept : base_(base), size_(size), r_(r) {}

    // Offset of p in the payload; pointers elsewhere (simdjson's unescaped-string buffer) map to
    // the last token read, which is where the offending value starts.
    [[nodiscard]] std::uint32_t offset_of(const char* p) const noexcept {
        if (p >= base_ && p <= base_ + size_) return static_cast<std::uint32_t>(p - base_);
        if (last_token_ >= base_ && last_token_ <= base_ + size_) return static_cast<std::uint32_t>(last_token_ - base_);
        return 0;
    }

    bool fail(parse_errc code, const char* at, std::string_view field) noexcept {
        if (r_.code == parse_errc::ok) {
            r_.code = code;
            r_.offset = offset_of(at);
            r_.field = field;
        }
        return false;
    }
    bool fail_json(simdjson::error_code e, const char* at, std::string_view field) noexcept {
        const parse_errc code = (e == simdjson::INCOMPLETE_ARRAY_OR_OBJECT || e == simdjson::UNCLOSED_STRING)
                                    ? parse_errc::truncated
                                : e == simdjson::CAPACITY ? parse_errc::oversized
                                : e == simdjson::INCORRECT_TYPE ? parse_errc::wrong_type
                                : e == simdjson::SCALAR_DOCUMENT_AS_VALUE ? parse_errc::not_an_object
                                                                : parse_errc::invalid_json;
        if (r_.code == parse_errc::ok) r_.json_error = static_cast<std::uint8_t>(e);
        return fail(code, at, field);
    }
    [[nodiscard]] const parse_result& result() const noexcept { return r_; }
    // Reclassifies a malformed payload that merely ends too early.
    void note_truncation(std::size_t size) noexcept {
        if (r_.code == parse_errc::invalid_json && ends_open(base_, size)) r_.code = parse_errc::truncated;
    }
    void set_exchange(std::int32_t code, std::int32_t status) noexcept {
        r_.exchange_code = code;
        r_.http_status = status;
    }
    [[nodiscard]] bool failed() const noexcept { return r_.code != parse_errc::ok; }
    [[nodiscard]] const char* base() const noexcept { return base_; }

    // Raw token of a scalar value, trailing whitespace trimmed.
    template <class V>
    bool token(V& v, std::string_view& out, std::string_view field) noexcept {
        const std::string_view t = raw_token(v);
        last_token_ = t.data();
        out = trim_right(t);
        if (out.empty()) return fail(parse_errc::invalid_json, t.data(), field);
        return true;
    }

    // String contents of a token known to start with '"'. Escaped strings are unescaped by
    // simdjson into its preallocated string buffer (never the case for Binance's symbols, ids
    // and decimals).
    template <class V>
    bool string_body(V& v, std::string_view tok, std::string_view& out, std::string_view field) noexcept {
        if (tok.size() < 2 || tok.back() != '"') return fail(parse_errc::truncated, tok.data(), field);
        const std::string_view body = tok.substr(1, tok.size() - 2);
        if constexpr (std::is_same_v<V, fast_value>) { // the fast cursor accepts no escapes
            out = body;
            return true;
        }
        if (body.find('\\') == std::string_view::npos) {
            out = body;
            return true;
        }
        if (auto e = unescape(v, out)) return fail_json(e, tok.data(), field);
        return true;
    }

    // "null" => absent (present=false). Decimal strings; a bare JSON number is accepted as its
    // exact text. Anything else is wrong_type.
    template <class V>
    bool read_decimal(V& v, decimal& out, bool& present, std::string_view field) noexcept {
        if constexpr (std::is_same_v<V, fast_value>) {
            if (!v.consumed && v.c->quoted_decimal(out, v.tok)) {
                v.consumed = true;
                present = true;
                return true;
            }
        }
        std::string_view t;
        if (!token(v, t, field)) return false;
        if (is_null_token(t)) {
            present = false;
            return true;
        }
        std::string_view body;
        if (t.front() == '"') {
            if (t.size() < 2 || t.back() != '"') return fail(parse_errc::truncated, t.data(), field);
            body = t.substr(1, t.size() - 2);
        } else if (t.front() == '-' || (t.front() >= '0' && t.front() <= '9')) {
            if (!is_json_number(t)) return fail(parse_errc::invalid_json, t.data(), field);
            body = t;
        } else {
            return fail(parse_errc::wrong_type, t.data(), field);
        }
        const auto pr = decimal::parse(body, out);
        if (!pr) {
            if (r_.code == parse_errc::ok) r_.decimal = pr.ec;
            return fail(parse_errc::bad_decimal, body.data() + pr.offset, field);
        }
        present = true;
        return true;
    }

    // JSON integer, or a quoted integer (REST stringifies some).
    template <class V>
    bool read_int(V& v, std::int64_t& out, bool& present, std::string_view field) noexcept {
        if constexpr (std::is_same_v<V, fast_value>) {
            if (!v.consumed && v.c->integer(out, v.tok)) {
                v.consumed = true;
                present = true;
                return true;
            }
        }
        std::string_view t;
        if (!token(v, t, field)) return false;
        if (is_null_token(t)) {
            present = false;
            return true;
        }
        std::string_view body = t;
        if (t.front() == '"') {
            if (t.size() < 2 || t.back() != '"') return fail(parse_errc::truncated, t.data(), field);
            body = t.substr(1, t.size() - 2);
        } else if (!(t.front() == '-' || (t.front() >= '0' && t.front() <= '9'))) {
            return fail(parse_errc::wrong_type, t.data(), field);
        } else {
            // A bare integer: digits only (checked below); JSON forbids leading zeros.
            const std::size_t d = t.front() == '-' ? 1 : 0;
            if (t.size() > d + 1 && t[d] == '0') return fail(parse_errc::invalid_json, t.data(), field);
            if (t.size() == d) return fail(parse_errc::invalid_json, t.data(), field);
        }
        const char* stop = nullptr;
        if (!parse_i64(body, out, &stop)) return fail(parse_errc::bad_integer, stop, field);
        present = true;
        return true;
    }

    template <class V>
    bool read_bool(V& v, bool& out, bool& present, std::string_view field) noexcept {
        std::string_view t;
        if (!token(v, t, field)) return false;
        if (t == "true" || t == "\"true\"") out = true;
        else if (t == "false" || t == "\"false\"") out = false;
        else if (is_null_token(t)) {
            present = false;
            return true;
        } else if (t.front() == 't' || t.front() == 'f' || t.front() == 'n') return fail(parse_errc::invalid_json, t.data(), field);
        else return fail(parse_errc::wrong_type, t.data(), field);
        present = true;
        return true;
    }

    template <class V>
    bool read_string(V& v, std::string_view& out, bool& present, std::string_view field) noexcept {
        if constexpr (std::is_same_v<V, fast_value>) {
            if (!v.consumed && v.c->peek_raw() == '"' && v.c->plain_string(out)) {
                v.consumed = true;
                v.tok = {out.data() - 1, out.size() + 2};
                present = true;
                return true;
            }
        }
        std::string_view t;
        if (!token(v, t, field)) return false;
        if (is_null_token(t)) {
            present = false;
            return true;
        }
        if (t.front() != '"') {
            if (t.front() == 't' || t.front() == 'f' || t.front() == '-' || (t.front() >= '0' && t.front() <= '9') ||
                t.front() == '{' || t.front() == '[')
                return fail(parse_errc::wrong_type, t.data(), field);
            return fail(parse_errc::invalid_json, t.data(), field);
        }
        if (!string_body(v, t, out, field)) return false;
        present = true;
        return true;
    }

    template <std::size_t N, class V>
    bool read_inline(V& v, inline_string<N>& out, bool& present, std::string_view field) noexcept {
        std::string_view s;
        if (!read_string(v, s, present, field)) return false;
        if (!present) return true;
        if (!out.assign(s)) return fail(parse_errc::string_too_long, s.data(), field);
        return true;
    }

    template <class E, class V>
    bool read_enum(V& v, E& out, bool& present, std::string_view field) noexcept {
        std::string_view s;
        if (!read_string(v, s, present, field)) return false;
        if (present) out = from_wire<E>(s);
        return true;
    }

    // Optional fields: read the value and, when present, set its bit in the payload's mask.
    template <class F, class B, class V>
    bool decimal_field(V& v, decimal& out, F& fields, B bit, std::string_view field) noexcept {
        bool present = false;
        if (!read_decimal(v, out, present, field)) return false;
        if (present) fields = static_cast<F>(fields | bit);
        return true;
    }
    template <class F, class B, class V>
    bool bool_field(V& v, bool& out, F& fields, B bit, std::string_view field) noexcept {
        bool present = false;
        if (!read_bool(v, out, present, field)) return false;
        if (present) fields = static_cast<F>(fields | bit);
        return true;
    }
    template <std::size_t N, class F, class B, class V>
    bool inline_field(V& v, inline_string<N>& out, F& fields, B bit, std::string_view field) noexcept {
        bool present = false;
        if (!read_inline(v, out, present, field)) return false;
        if (present) fields = static_cast<F>(fields | bit);
        return true;
    }
    template <class F, class B, class V>
    bool margin_type_field(V& v, margin_type& out, F& fields, B bit, std::string_view field) noexcept {
        bool present = false;
        if (!read_margin_type(v, out, present, field)) return false;
        if (present) fields = static_cast<F>(fields | bit);
        return true;
    }
    // An integer in [0, max] (leverage, adl, expiry reason).
    template <class T, class V>
    bool small_uint(V& v, T& out, std::int64_t max, bool& present, std::string_view field) noexcept {
        std::int64_t x = 0;
        if (!read_int(v, x, present, field)) return false;
        if (!present) return true;
        if (x < 0 || x > max) return fail(parse_errc::bad_integer, location(v), field);
        out = static_cast<T>(x);
        return true;
    }
    // BOTH / LONG / SHORT; any other spelling is not a position this library can key.
    template <class V>
    bool position_side_field(V& v, position_side& out, std::string_view field) noexcept {
        std::string_view s;
        bool present = false;
        if (!read_string(v, s, present, field)) return false;
        if (!present) return true;
        bool known = false;
        out = from_wire<position_side>(s, &known);
        return known ? true : fail(parse_errc::unexpected_shape, s.data(), field);
    }

    // Margin type spellings: "cross"/"isolated" (ACCOUNT_UPDATE, positionRisk), "CROSSED"/"ISOLATED"
    // (MARGIN_CALL, symbolConfig).
    template <class V>
    bool read_margin_type(V& v, margin_type& out, bool& present, std::string_view field) noexcept {
        std::string_view s;
        if (!read_string(v, s, present, field)) return false;
        if (!present) return true;
        out = margin_type_of(s);
        return true;
    }

    // A value that must be an object / array. A wrong but well-formed JSON value is wrong_type;
    // anything that is not JSON at all (a comment, a stray token) is invalid_json.
    bool object_of(od::value& v, od::object& out, std::string_view field) noexcept {
        if (auto e = v.get_object().get(out)) return e == simdjson::INCORRECT_TYPE ? not_this_type(v, field) : fail_json(e, location(v), field);
        return true;
    }
    bool array_of(od::value& v, od::array& out, std::string_view field) noexcept {
        if (auto e = v.get_array().get(out)) return e == simdjson::INCORRECT_TYPE ? not_this_type(v, field) : fail_json(e, location(v), field);
        return true;
    }
    [[nodiscard]] static bool is_null(od::value& v) noexcept { return is_null_token(trim_right(v.raw_json_token())); }

    // Array elements arrive as simdjson_result<value>.
    bool object_of(simdjson::simdjson_result<od::value>&& r, od::object& out, std::string_view field) noexcept {
        od::value v;
        if (auto e = std::move(r).get(v)) return fail_json(e, nullptr, field);
        return object_of(v, out, field);
    }
    bool not_this_type(od::value& v, std::string_view field) noexcept {
        const std::string_view t = v.raw_json_token();
        const char c = t.empty() ? '\0' : t.front();
        const bool json_value = c == '{' || c == '[' || c == '"' || c == '-' || (c >= '0' && c <= '9') || c == 't' ||
                                c == 'f' || c == 'n';
        return fail(json_value ? parse_errc::wrong_type : parse_errc::invalid_json, t.data(), field);
    }

    // Validates any value completely (objects and arrays recursively, atoms by grammar).
    bool skip_value(od::value& v, std::string_view field, int depth = 0) noexcept {
        if (depth > 64) return fail(parse_errc::invalid_json, nullptr, field);
        od::json_type type;
        if (auto e = v.type().get(type)) return fail_json(e, location(v), field);
        switch (type) {
        case od::json_type::object: {
            od::object o;
            if (auto e = v.get_object().get(o)) return fail_json(e, location(v), field);
            return skip_object(o, field, depth + 1);
        }
        case od::json_type::array: {
            od::array a;
            if (auto e = v.get_array().get(a)) return fail_json(e, location(v), field);
            for (auto el : a) {
                od::value item;
                if (auto e = std::move(el).get(item)) return fail_json(e, nullptr, field);
                if (!skip_value(item, field, depth + 1)) return false;
            }
            return true;
        }
        default: {
            std::string_view t;
            if (!token(v, t, field)) return false;
            if (t.front() == '"') return t.size() >= 2 && t.back() == '"' ? true : fail(parse_errc::truncated, t.data(), field);
            if (t == "true" || t == "false" || t == "null" || is_json_number(t)) return true;
            return fail(parse_errc::invalid_json, t.data(), field);
        }
        }
    }
    bool skip_object(od::object& o, std::string_view field, int depth = 0) noexcept {
        for (auto f : o) {
            od::field fld;
            if (auto e = std::move(f).get(fld)) return fail_json(e, nullptr, field);
            if (!skip_value(fld.value(), field, depth)) return false;
        }
        return true;
    }

    // Key of a field as raw bytes (keys with escapes come back as "\\" and match nothing).
    // An escaped key matches no field we read; it stands for itself as "\\". The view points into
    // a zero-filled 8-byte array because key_code() loads 8 bytes unconditionally (a bare string
    // literal here was a global-buffer-overflow found by the fuzzer).
    [[nodiscard]] static std::string_view escaped_key() noexcept {
        alignas(8) static constexpr char k[8] = {'\\'};
        return {k, 1};
    }

    [[nodiscard]] static std::string_view key_of(od::field& f) noexcept {
        const char* k = f.key().raw();
        std::size_t n = 0;
        while (k[n] != '"') {
            if (k[n] == '\\') return escaped_key();
            ++n;
        }
        return {k, n};
    }

    template <class V>
    [[nodiscard]] static const char* location(V& v) noexcept { return raw_token(v).data(); }

    // ---- the fast cursor's values (fast_json.hpp): same readers, its own structure ----------
    [[nodiscard]] static bool is_null(fast_value& v) noexcept {
        if (!v.consumed && v.c->peek() != 'n') return false;
        return is_null_token(raw_token(v));
    }
    bool skip_value(fast_value& v, std::string_view field) noexcept {
        (void)raw_token(v);
        return v.c->bad() ? fail(parse_errc::invalid_json, nullptr, field) : true;
    }
    bool object_of(fast_value& v, fast_object& out, std::string_view field) noexcept {
        if (v.consumed || v.c->peek() != '{' || !v.c->open('{')) return fail(parse_errc::wrong_type, nullptr, field);
        v.consumed = true;
        out.c = v.c;
        return true;
    }
    bool array_of(fast_value& v, fast_array& out, std::string_view field) noexcept {
        if (v.consumed || v.c->peek() != '[' || !v.c->open('[')) return fail(parse_errc::wrong_type, nullptr, field);
        v.consumed = true;
        out.c = v.c;
        return true;
    }
    // Visits each member as f(key, value); a value f leaves unread is skipped (validated).
    template <class F>
    bool for_each_field(fast_object& o, std::string_view field, F&& f) noexcept {
        for (bool first = true;; first = false) {
            std::string_view key;
            const int r = o.c->member(first, key);
            if (r == 0) return true;
            if (r < 0) return fail(parse_errc::invalid_json, nullptr, field);
            fast_value v{o.c};
            if (!f(key, v)) return false;
            if (!skip_value(v, field)) return false;
        }
    }
    template <class F>
    bool for_each_element(fast_array& a, std::string_view field, F&& f) noexcept {
        for (bool first = true;; first = false) {
            const int r = a.c->element(first);
            if (r == 0) return true;
            if (r < 0) return fail(parse_errc::invalid_json, nullptr, field);
            fast_value v{a.c};
            if (!f(v)) return false;
            if (!skip_value(v, field)) return false;
        }
    }
    // Null check that keeps the On-Demand path's error classification.
    bool null_or_value(fast_value& v, bool& is_null_out, std::string_view) noexcept {
        is_null_out = is_null(v);
        return true;
    }

    // ---- simdjson On-Demand values ------------------------------------------------------------
    template <class F>
    bool for_each_field(od::object& o, std::string_view field, F&& f) noexcept {
        for (auto fi : o) {
            od::field fld;
            if (auto e = std::move(fi).get(fld)) return fail_json(e, nullptr, field);
            od::value v = fld.value();
            if (!f(key_of(fld), v)) return false;
        }
        return true;
    }
    template <class F>
    bool for_each_element(od::array& a, std::string_view field, F&& f) noexcept {
        for (auto el : a) {
            od::value v;
            if (auto e = std::move(el).get(v)) return fail_json(e, nullptr, field);
            if (!f(v)) return false;
        }
        return true;
    }
    bool null_or_value(od::value& v, bool& is_null_out, std::string_view field) noexcept {
        od::json_type t;
        if (auto e = v.type().get(t)) return fail_json(e, nullptr, field);
        is_null_out = t == od::json_type::null;
        return true;
    }

private:
    const char* base_;
    std::size_t size_;
    const char* last_token_ = nullptr;
    parse_result& r_;
};

} // namespace acctsync::parse::detail
