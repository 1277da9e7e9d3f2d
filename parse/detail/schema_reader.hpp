// acctsync/parse/detail/schema_reader.hpp — internal: tiers 2 and 3, a schema's object read
// through the general value layer: the fast cursor's values (fast_json.hpp) and simdjson
// On-Demand's (json_reader.hpp) alike, with every error typed (code, offset, the member's path).
//
// Expanded from the same schemas as the direct reader (direct_reader.hpp), so both read every
// member the same way; what differs is only what they accept: this reader takes any member
// order, whitespace, nulls (as absent), quoted integers, escapes and UTF-8 (tier 3), and it is
// the one that decides a frame is bad.
//
// Context: `cx.frame()` (the frame_state) and `cx.emit(event_type)`. Thread: the parsing thread.
#pragma once

#include <charconv>
#include <cstdint>
#include <string_view>

#include "parse/detail/json_reader.hpp"
#include "parse/detail/schema.hpp"

namespace acctsync::parse::detail::general {

template <class S, class O, class Ctx, class Body>
bool read_object(reader& rd, O& o, Ctx& cx, Body& body) noexcept;

// The required-member rules of S against the members read: the first one broken is the error.
template <class S>
[[nodiscard]] bool check_required(reader& rd, std::uint64_t present) noexcept {
    if constexpr (schema::requirements<S>::none) {
        return true;
    } else {
        const int m = schema::requirements<S>::first_missing(present);
        return m < 0 || rd.fail(parse_errc::missing_field, rd.base(), schema::paths<S>[static_cast<std::size_t>(m)].view());
    }
}

// An object value that becomes an event of type E read with schema S.
template <event_type E, class S, class V, class Ctx>
bool read_event(reader& rd, V& v, std::string_view path, Ctx& cx) noexcept {
    typename json_types<V>::object o;
    if (!rd.object_of(v, o, path)) return false;
    event* ev = cx.emit(E);
    auto& b = schema::payload<typename S::body>(*ev);
    S::init(b);
    return read_object<S>(rd, o, cx, b);
}

// The value of member I of schema S; `present` = it was there and not null.
template <class S, std::size_t I, class V, class Ctx, class Body>
bool read_value(reader& rd, V& v, Ctx& cx, Body& body, bool& present) noexcept {
    using namespace schema;
    constexpr auto& m = member<S, I>;
    using M = std::remove_cvref_t<decltype(m)>;
    constexpr std::string_view path = path_of<S, I>();
    if constexpr (std::is_same_v<M, skip_member>) {
        present = true;
        return rd.skip_value(v, path);
    } else if constexpr (is_events_member<M>::value) {
        bool null = false;
        if (!rd.null_or_value(v, null, path)) return false;
        if (null) return rd.skip_value(v, path); // absent
        typename json_types<V>::array arr;
        if (!rd.array_of(v, arr, path)) return false;
        present = true;
        using E = typename M::schema;
        return rd.for_each_element(arr, E::path, [&](V& el) -> bool {
            return read_event<M::type, E>(rd, el, E::path, cx);
        });
    } else if constexpr (is_event_member<M>::value || is_object_member<M>::value) {
        if (rd.is_null(v)) { // absent: an error only where the member is required
            if (m.group == required_group) return rd.fail(parse_errc::missing_field, reader::location(v), path);
            return rd.skip_value(v, path);
        }
        present = true;
        if constexpr (is_event_member<M>::value) {
            return read_event<M::type, typename M::schema>(rd, v, path, cx);
        } else {
            typename json_types<V>::object o;
            return rd.object_of(v, o, path) && read_object<typename M::schema>(rd, o, cx, body);
        }
    } else {
        using C = typename M::owner;
        using T = typename M::value_type;
        C& obj = target<C>(cx.frame(), body);
        T& dst = obj.*(m.dest);
        if constexpr (m.kind == how::lenient_int) {
            // kept when numeric (quoted or bare); anything else is ignored, not an error
            std::string_view t;
            if (!rd.token(v, t, path)) return false;
            if (!rd.skip_value(v, path)) return false;
            if (t.size() >= 2 && t.front() == '"') t = t.substr(1, t.size() - 2);
            std::int64_t id = 0;
            const auto [q, ec] = std::from_chars(t.data(), t.data() + t.size(), id);
            if (ec == std::errc{} && q == t.data() + t.size()) dst = id;
            present = true;
            return true;
        } else if constexpr (m.kind == how::flag) {
            bool b = false;
            if (!rd.read_bool(v, b, present, path)) return false;
            if (present && b) dst = static_cast<T>(dst | m.bit);
            return true;
        } else {
            if constexpr (m.kind == how::margin) {
                if (!rd.read_margin_type(v, dst, present, path)) return false;
            } else if constexpr (m.kind == how::strict_side) {
                std::string_view s;
                if (!rd.read_string(v, s, present, path)) return false;
                if (present) {
                    bool known = false;
                    dst = from_wire<position_side>(s, &known);
                    if (!known) return rd.fail(parse_errc::unexpected_shape, s.data(), path);
                }
            } else if constexpr (std::is_same_v<T, decimal>) {
                if (!rd.read_decimal(v, dst, present, path)) return false;
            } else if constexpr (std::is_same_v<T, std::int64_t>) {
                if (!rd.read_int(v, dst, present, path)) return false;
            } else if constexpr (std::is_same_v<T, bool>) {
                if (!rd.read_bool(v, dst, present, path)) return false;
            } else if constexpr (is_inline_string<T>::value) {
                if (!rd.read_inline(v, dst, present, path)) return false;
            } else if constexpr (wire_enum<T>) {
                if (!rd.read_enum(v, dst, present, path)) return false;
            } else {
                static_assert(std::is_integral_v<T> && std::is_unsigned_v<T>, "a member type the readers know");
                if (!rd.small_uint(v, dst, static_cast<std::int64_t>(m.max), present, path)) return false;
            }
            if constexpr (m.fields != nullptr)
                if (present) obj.*(m.fields) = static_cast<typename M::fields_type>(obj.*(m.fields) | m.bit);
            return true;
        }
    }
}

// One member (key, value) of an object of schema S. `present` collects the members read,
// `expect` is the member expected next (searched first).
template <class S, class V, class Ctx, class Body>
bool read_member(reader& rd, std::string_view key, V& v, Ctx& cx, Body& body, std::uint64_t& present,
                 std::uint32_t& expect) noexcept {
    using K = schema::keys<S>;
    const int i = K::find(key_code(key), key, expect);
    if (i < 0) { // a member the schema does not know: skipped, validated
        if constexpr (S::path.empty()) return rd.skip_value(v, key.size() <= 8 ? key : std::string_view{});
        else return rd.skip_value(v, S::path);
    }
    bool here = false;
    const bool ok = schema::visit<S>(static_cast<std::size_t>(i), [&](auto I) {
        return read_value<S, decltype(I)::value>(rd, v, cx, body, here);
    });
    if (!ok) return false;
    if (here) present |= 1ULL << i;
    expect = static_cast<std::uint32_t>(i + 1);
    return true;
}

template <class S, class O, class Ctx, class Body>
bool read_object(reader& rd, O& o, Ctx& cx, Body& body) noexcept {
    std::uint64_t present = 0;
    std::uint32_t expect = 0;
    const bool ok = rd.for_each_field(o, S::path, [&](std::string_view key, auto& v) -> bool {
        return read_member<S>(rd, key, v, cx, body, present, expect);
    });
    return ok && check_required<S>(rd, present);
}

} // namespace acctsync::parse::detail::general
