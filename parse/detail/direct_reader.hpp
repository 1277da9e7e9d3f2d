// acctsync/parse/detail/direct_reader.hpp — internal: tier 1, a schema's object read straight
// from compact JSON text (as Binance sends it: no whitespace, no escapes, no nulls) into its
// event, in one pass with no index, no DOM and no generic value layer.
//
// Expanded from the schemas (stream_schema.hpp), the same tables the general readers use
// (schema_reader.hpp), so the tiers cannot read a member differently. Anything outside the plain
// form — whitespace, a null, a nested value where a scalar goes, a string with an escape or a
// byte >= 0x80, a missing required member, a number in another form — makes it return nullptr:
// the caller then gives the whole frame to the next tier, which reads it or reports the error.
// So this tier never decides that a frame is bad.
//
// Per member: the key expected next (the one after the member just read) is confirmed with one
// 8-byte compare against `"key":`; another key is looked for among the schema's patterns, then
// the general way. Then a jump to the member's reader. Positions travel by value (a position
// whose address is taken lives in memory and every member would wait on a store and a load).
//
// Context: `cx.frame()` (the frame_state) and `cx.emit(event_type)` (a zeroed event in a sink
// slot, or nullptr). Padding: reads up to 16 bytes past any position before `end` (the payload
// has parse::payload_padding = 64). Thread: the parsing thread; no allocation, no state.
#pragma once

#include <cstdint>
#include <string_view>

#include "parse/detail/fast_json.hpp"
#include "parse/detail/json_reader.hpp"
#include "parse/detail/schema.hpp"

namespace acctsync::parse::detail::direct {

template <class S, class Ctx, class Body>
const char* read_members(const char* p, const char* end, Ctx& cx, Body& body, bool first) noexcept;
template <class S, class Ctx, class Body>
const char* read_members_spaced(const char* p, const char* end, Ctx& cx, Body& body, bool first) noexcept;

// Whitespace between tokens (the spaced form only; the compact one has none).
[[gnu::always_inline]] inline void skip_ws(const char*& p, const char* end) noexcept {
    while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) ++p;
}

// The members of an object of schema S, in the compact form (Spaced = false: the chain below) or
// with whitespace between tokens (Spaced: a plain loop), from just after its '{' (first) or just
// after a member's value, through its '}'.
template <class S, bool Spaced, class Ctx, class Body>
[[gnu::always_inline]] inline const char* members(const char* p, const char* end, Ctx& cx, Body& body, bool first) noexcept {
    if constexpr (Spaced) return read_members_spaced<S>(p, end, cx, body, first);
    else return read_members<S>(p, end, cx, body, first);
}

// One object of schema S that becomes an event of type E; p just after its '{'.
template <event_type E, class S, bool Spaced, class Ctx>
[[gnu::always_inline]] inline const char* read_event_members(const char* p, const char* end, Ctx& cx) noexcept {
    event* ev = cx.emit(E);
    if (ev == nullptr) return nullptr;
    auto& b = schema::payload<typename S::body>(*ev);
    S::init(b);
    return members<S, Spaced>(p, end, cx, b, true);
}

// The value of member I of schema S at p — or just past the start of it (its opening quote,
// "[{" or '{') when AfterPrefix: the key's pattern took that; returns the position after it, or
// nullptr. Spaced: whitespace may stand between the tokens of a nested object or array.
template <class S, std::size_t I, bool AfterPrefix = false, bool Spaced = false, class Ctx, class Body>
[[gnu::always_inline]] inline const char* read_value(const char* p, const char* end, Ctx& cx, Body& body) noexcept {
    using namespace schema;
    constexpr auto& m = member<S, I>;
    using M = std::remove_cvref_t<decltype(m)>;
    constexpr bool AfterQuote = AfterPrefix; // for the string-valued members below
    // the value's opening bytes, unless the key's pattern took them
    auto open = [&](std::string_view prefix) __attribute__((always_inline)) {
        if constexpr (AfterPrefix) return true;
        for (char c : prefix) {
            if (p >= end || *p != c) return false;
            ++p;
        }
        return true;
    };
    if constexpr (std::is_same_v<M, skip_member>) {
        return skip_scalar_at(p, end);
    } else if constexpr (is_events_member<M>::value) {
        if constexpr (!AfterPrefix) {
            if (p >= end || *p != '[') return nullptr;
            ++p;
            if constexpr (Spaced) skip_ws(p, end);
            if (p < end && *p == ']') return p + 1;
            if (p >= end || *p != '{') return nullptr;
            ++p;
        }
        for (;;) { // p: just after an element's '{'
            if ((p = read_event_members<M::type, typename M::schema, Spaced>(p, end, cx)) == nullptr) return nullptr;
            if constexpr (Spaced) skip_ws(p, end);
            if (p >= end) return nullptr;
            if (*p == ']') return p + 1;
            if (*p != ',') return nullptr;
            ++p;
            if constexpr (Spaced) skip_ws(p, end);
            if (p >= end || *p != '{') return nullptr;
            ++p;
        }
    } else if constexpr (is_event_member<M>::value) {
        if (!open("{")) return nullptr;
        return read_event_members<M::type, typename M::schema, Spaced>(p, end, cx);
    } else if constexpr (is_object_member<M>::value) {
        if (!open("{")) return nullptr;
        return members<typename M::schema, Spaced>(p, end, cx, body, true);
    } else {
        using C = typename M::owner;
        using T = typename M::value_type;
        C& obj = target<C>(cx.frame(), body);
        T& dst = obj.*(m.dest);
        if constexpr (m.kind == how::lenient_int) {
            return nullptr; // rare and loosely typed: the general readers
        } else if constexpr (m.kind == how::flag) {
            bool b = false;
            if (!boolean(p, end, b)) return nullptr;
            if (b) dst = static_cast<T>(dst | m.bit);
            return p;
        } else {
            // a string-valued member: its body (past the quote the key's pattern may have taken)
            auto text = [&](std::string_view& s) __attribute__((always_inline)) {
                if constexpr (AfterQuote) return string_body(p, end, s);
                else return string(p, end, s);
            };
            if constexpr (m.kind == how::margin) {
                if constexpr (!AfterQuote) {
                    if (p >= end || *p != '"') return nullptr;
                    ++p;
                }
                if (!enum_body(p, end, dst, margin_type_of)) return nullptr; // "cross", "isolated"; else "CROSSED", ...
            } else if constexpr (m.kind == how::strict_side) {
                if constexpr (!AfterQuote) {
                    if (p >= end || *p != '"') return nullptr;
                    ++p;
                }
                if (!enum_body(p, end, dst) || dst == position_side::unknown) return nullptr;
            } else if constexpr (std::is_same_v<T, decimal>) {
                if constexpr (AfterQuote) {
                    if (!decimal_body(p, end, dst)) return nullptr;
                } else {
                    if (!decimal_string(p, end, dst)) return nullptr;
                }
            } else if constexpr (std::is_same_v<T, std::int64_t>) {
                if (!integer(p, end, dst)) return nullptr;
            } else if constexpr (std::is_same_v<T, bool>) {
                if (!boolean(p, end, dst)) return nullptr;
            } else if constexpr (is_inline_string<T>::value) {
                std::string_view s;
                if (!text(s) || !dst.assign_padded(s.data(), s.size())) return nullptr;
            } else if constexpr (wire_enum<T>) {
                if constexpr (!AfterQuote) {
                    if (p >= end || *p != '"') return nullptr;
                    ++p;
                }
                if (!enum_body(p, end, dst)) return nullptr;
            } else {
                static_assert(std::is_integral_v<T> && std::is_unsigned_v<T>, "a member type the readers know");
                std::int64_t x = 0;
                if (!integer(p, end, x) || x < 0 || static_cast<std::uint64_t>(x) > m.max) return nullptr;
                dst = static_cast<T>(x);
            }
            if constexpr (m.fields != nullptr) obj.*(m.fields) = static_cast<typename M::fields_type>(obj.*(m.fields) | m.bit);
            return p;
        }
    }
}

// ---- the members of an object ----------------------------------------------------------------
// Each member is matched together with the separator before it, `,"key":` (the first one's
// separator is the '{', patched to ',' in the loaded word): one load, one AND and one compare
// confirm both the comma and the key.
//
// The members in the schema's order form a chain: step<I> confirms member I's key, reads its
// value and jumps (a tail call) to step<I + 1> with the next word loaded — straight-line code
// for a frame in Binance's order, ~6 instructions per member besides its value. A step whose
// key is not there (the member is absent, or the order differs) returns to read_members, which
// looks the key up (a perfect hash of the patterns, ~15 instructions), reads that member and
// resumes the chain after it.

struct step_result {
    const char* p;      // nullptr: not in the direct reader's form
    std::uint32_t next; // the member the chain expected when it stopped; `closed`: past the '}'
};
inline constexpr std::uint32_t closed = 0xFFFFFFFFU;

template <class S, std::size_t I, class Ctx, class Body>
[[gnu::noinline]] step_result step(std::uint64_t w, const char* p, const char* end, Ctx& cx, Body& body,
                                   std::uint64_t& present) noexcept {
    using K = schema::keys<S>;
    constexpr schema::key_pattern pat = K::chain_patterns[I]; // [n]: the sentinel, never matches
    if ((w & pat.mask) != pat.word) {
        if (static_cast<char>(w) == '}') return {p + 1, closed};
        return {p, static_cast<std::uint32_t>(I)};
    }
    if constexpr (I < K::n) {
        p = read_value<S, I, pat.prefixed>(p + pat.length, end, cx, body);
        if (p == nullptr) return {nullptr, 0};
        if constexpr (schema::member<S, I>.group != 0) present |= 1ULL << I; // only the required members count
        return step<S, I + 1>(acctsync::detail::load8(p), p, end, cx, body, present);
    } else {
        return {p, static_cast<std::uint32_t>(I)};
    }
}

template <class S, class Ctx, class Body>
using step_fn = step_result (*)(std::uint64_t, const char*, const char*, Ctx&, Body&, std::uint64_t&) noexcept;

// The chain's entry points, by the member expected next.
template <class S, class Ctx, class Body>
inline constexpr auto steps = []<std::size_t... I>(std::index_sequence<I...>) {
    return std::array<step_fn<S, Ctx, Body>, sizeof...(I)>{&step<S, I, Ctx, Body>...};
}(std::make_index_sequence<schema::keys<S>::n + 1>{});

// Where the chain stopped at a key it did not expect: the member is looked up (or skipped, when
// the schema does not have it), read, and the chain resumes after it, until the '}'.
template <class S, class Ctx, class Body>
[[gnu::noinline]] step_result resume(step_result r, const char* end, Ctx& cx, Body& body, std::uint64_t& present,
                                     const char* brace) noexcept {
    using K = schema::keys<S>;
    const char* p = r.p;
    while (r.next != closed) {
        if (p >= end) return {nullptr, 0};
        const std::uint64_t w = acctsync::detail::load8(p) ^ (p == brace ? '{' ^ ',' : 0);
        std::size_t i = K::match(w); // another member of the schema (one was absent, or the order differs)
        if (i < K::n) [[likely]] {
            p += K::patterns[i].length;
        } else { // a name over 4 bytes, or one the schema lacks
            if (static_cast<char>(w) != ',') return {nullptr, 0};
            ++p;
            std::string_view key;
            if (!string(p, end, key) || p >= end || *p != ':') return {nullptr, 0};
            ++p;
            const int found = K::find(key_code(key), key, r.next);
            if (found < 0) { // not the schema's: skipped, then the chain resumes where it stopped
                if ((p = skip_scalar_at(p, end)) == nullptr) return {nullptr, 0};
                r = steps<S, Ctx, Body>[r.next](acctsync::detail::load8(p), p, end, cx, body, present);
                if (r.p == nullptr) return r;
                p = r.p;
                continue;
            }
            i = static_cast<std::size_t>(found);
        }
        const bool ok = schema::visit<S>(i, [&](auto I) {
            return (p = read_value<S, decltype(I)::value>(p, end, cx, body)) != nullptr;
        });
        if (!ok) return {nullptr, 0};
        if constexpr (!schema::requirements<S>::none) present |= 1ULL << i;
        r = steps<S, Ctx, Body>[i + 1](acctsync::detail::load8(p), p, end, cx, body, present);
        if (r.p == nullptr) return r;
        p = r.p;
    }
    return {p, closed};
}

// The members of an object of schema S, from just after its '{' (first) or just after a member's
// value, through its '}'.
template <class S, class Ctx, class Body>
[[gnu::always_inline]] inline const char* read_members(const char* p, const char* end, Ctx& cx, Body& body,
                                                       bool first) noexcept {
    static_assert(schema::keys<S>::n <= 64, "presence is a 64-bit mask");
    std::uint64_t present = 0;
    const char* brace = nullptr; // while the position is here, the word loaded there reads its '{' as ','
    if (p >= end) return nullptr;
    if (first) {
        if (*p == '}') return schema::requirements<S>::none ? p + 1 : nullptr;
        brace = --p;
    }
    step_result r = step<S, 0>(acctsync::detail::load8(p) ^ (brace != nullptr ? '{' ^ ',' : 0), p, end, cx, body, present);
    if (r.next != closed) [[unlikely]] {
        if (r.p == nullptr) return nullptr;
        r = resume<S>(r, end, cx, body, present, brace);
    }
    if constexpr (!schema::requirements<S>::none)
        if (schema::requirements<S>::first_missing(present) >= 0) return nullptr;
    return r.p;
}

// The spaced form: whitespace between tokens (a frame written by a pretty-printer, or with a
// space after each colon). No chain: each key is read, then looked up from the member expected
// next; the values are read by the same readers as the compact form's.
template <class S, class Ctx, class Body>
const char* read_members_spaced(const char* p, const char* end, Ctx& cx, Body& body, bool first) noexcept {
    using K = schema::keys<S>;
    std::uint64_t present = 0;
    std::uint32_t expect = 0;
    for (;; first = false) {
        skip_ws(p, end);
        if (p >= end) return nullptr;
        if (*p == '}') {
            ++p;
            break;
        }
        if (!first) {
            if (*p != ',') return nullptr;
            ++p;
            skip_ws(p, end);
        }
        std::string_view key;
        if (!string(p, end, key)) return nullptr;
        skip_ws(p, end);
        if (p >= end || *p != ':') return nullptr;
        ++p;
        skip_ws(p, end);
        const int found = K::find(key_code(key), key, expect);
        if (found < 0) { // not the schema's: skipped
            if ((p = skip_scalar_at(p, end)) == nullptr) return nullptr;
            continue;
        }
        const auto i = static_cast<std::size_t>(found);
        const bool ok = schema::visit<S>(i, [&](auto I) {
            return (p = read_value<S, decltype(I)::value, false, true>(p, end, cx, body)) != nullptr;
        });
        if (!ok) return nullptr;
        present |= 1ULL << i;
        expect = static_cast<std::uint32_t>(i + 1);
    }
    if constexpr (!schema::requirements<S>::none)
        if (schema::requirements<S>::first_missing(present) >= 0) return nullptr;
    return p;
}

} // namespace acctsync::parse::detail::direct
