// acctsync/parse/detail/schema.hpp — internal: how a JSON object's members are described once,
// so that every reader of it (the direct reader, tier 1; the fast cursor and simdjson On-Demand,
// tiers 2 and 3) is generated from the same table and cannot drift from the others.
//
// A schema is a struct:
//
//     struct order_schema {
//         using body = order_update;              // what its members are written into
//         static constexpr std::string_view path = "o";   // for error messages: "o.q", ...
//         static constexpr auto members = std::tuple{
//             required(field("s", &order_update::symbol)),
//             field("q", &order_update::orig_qty), ...};
//         static void init(body&) noexcept {}    // defaults before the first member
//     };
//
// Members are listed in the order Binance sends them: the direct reader expects each key to be
// the one after the last it read and confirms it with one 8-byte compare; any other order still
// reads the same, a little slower. A member's destination is a data member of the schema's body
// or of the frame's header state (`frame_state`, whatever the parser passes as the frame), told
// apart by the member pointer's class.
//
// Member kinds (what a value may be; every reader honours the same rules):
//   field(k, &C::m)                  decimal, int64, bool, inline string, enum (from_wire), or an
//                                    unsigned integer in [0, max of its type] — by m's type;
//   field(k, &C::m, &C::fields, bit) the same, and `bit` set in `fields` when the value is there;
//   flag(k, &C::flags, bit)          a boolean that sets `bit` when true;
//   margin(k, &C::m[, fields, bit])  "cross"/"CROSSED"/"isolated"/... -> margin_type;
//   strict_side(k, &C::m)            BOTH/LONG/SHORT; any other spelling is an error;
//   bounded(k, &C::m, max[, ...])    an unsigned integer in [0, max];
//   lenient_int(k, &C::m)            kept when it is an integer (quoted or not), else ignored;
//   skip(k)                          a member we know and do not keep (a scalar);
//   object<S>(k)                     a nested object read with schema S into the same body;
//   event<type, S>(k)                an object that becomes one event of `type` (S's body is
//                                    that event's payload);
//   events<type, S>(k)               an array of such objects, one event each.
// required(m) makes the member's absence (or null) a missing_field error; any_of(group, m)
// puts it in a group of which one member must be present.
//
// Threads: compile-time tables; no state.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include "core/decimal.hpp"
#include "core/digits.hpp"
#include "core/events.hpp"
#include "core/inline_string.hpp"

namespace acctsync::parse::detail::schema {

// How a scalar member's value is read.
enum class how : std::uint8_t { plain, flag, margin, strict_side, lenient_int };

template <class C, class T, class F>
struct value_member {
    using owner = C;
    using value_type = T;
    using fields_type = F;
    std::string_view name;
    T C::*dest = nullptr;
    F C::*fields = nullptr; // optional presence mask
    F bit{};
    how kind = how::plain;
    std::uint64_t max = 0; // unsigned integers: the largest value accepted
    std::uint8_t group = 0; // 0: optional; else one member of the group must be present
};

struct skip_member {
    std::string_view name;
    std::uint8_t group = 0;
};

template <class S>
struct object_member {
    using schema = S;
    std::string_view name;
    std::uint8_t group = 0;
};

template <event_type E, class S>
struct event_member {
    using schema = S;
    static constexpr event_type type = E;
    std::string_view name;
    std::uint8_t group = 0;
};

template <event_type E, class S>
struct events_member {
    using schema = S;
    static constexpr event_type type = E;
    std::string_view name;
    std::uint8_t group = 0;
};

template <class T>
inline constexpr std::uint64_t max_of = [] {
    if constexpr (std::is_integral_v<T> && std::is_unsigned_v<T> && !std::is_same_v<T, bool>)
        return static_cast<std::uint64_t>(std::numeric_limits<T>::max());
    else
        return std::uint64_t{0};
}();

template <class C, class T>
constexpr auto field(std::string_view name, T C::*dest) noexcept {
    return value_member<C, T, std::uint8_t>{name, dest, nullptr, 0, how::plain, max_of<T>, 0};
}
template <class C, class T, class F, class B>
constexpr auto field(std::string_view name, T C::*dest, F C::*fields, B bit) noexcept {
    return value_member<C, T, F>{name, dest, fields, static_cast<F>(bit), how::plain, max_of<T>, 0};
}
template <class C, class F, class B>
constexpr auto flag(std::string_view name, F C::*flags, B bit) noexcept {
    return value_member<C, F, F>{name, flags, nullptr, static_cast<F>(bit), how::flag, 0, 0};
}
template <class C>
constexpr auto margin(std::string_view name, margin_type C::*dest) noexcept {
    return value_member<C, margin_type, std::uint8_t>{name, dest, nullptr, 0, how::margin, 0, 0};
}
template <class C, class F, class B>
constexpr auto margin(std::string_view name, margin_type C::*dest, F C::*fields, B bit) noexcept {
    return value_member<C, margin_type, F>{name, dest, fields, static_cast<F>(bit), how::margin, 0, 0};
}
template <class C>
constexpr auto strict_side(std::string_view name, position_side C::*dest) noexcept {
    return value_member<C, position_side, std::uint8_t>{name, dest, nullptr, 0, how::strict_side, 0, 0};
}
template <class C, class T>
constexpr auto bounded(std::string_view name, T C::*dest, std::uint64_t max) noexcept {
    return value_member<C, T, std::uint8_t>{name, dest, nullptr, 0, how::plain, max, 0};
}
template <class C, class T, class F, class B>
constexpr auto bounded(std::string_view name, T C::*dest, std::uint64_t max, F C::*fields, B bit) noexcept {
    return value_member<C, T, F>{name, dest, fields, static_cast<F>(bit), how::plain, max, 0};
}
template <class C>
constexpr auto lenient_int(std::string_view name, std::int64_t C::*dest) noexcept {
    return value_member<C, std::int64_t, std::uint8_t>{name, dest, nullptr, 0, how::lenient_int, 0, 0};
}
constexpr skip_member skip(std::string_view name) noexcept { return {name, 0}; }
template <class S>
constexpr object_member<S> object(std::string_view name) noexcept {
    return {name, 0};
}
template <event_type E, class S>
constexpr event_member<E, S> event(std::string_view name) noexcept {
    return {name, 0};
}
template <event_type E, class S>
constexpr events_member<E, S> events(std::string_view name) noexcept {
    return {name, 0};
}

// One group per required member; the group number only has to be distinct within a schema.
inline constexpr std::uint8_t required_group = 0xFE;
template <class M>
constexpr M required(M m) noexcept {
    m.group = required_group;
    return m;
}
template <class M>
constexpr M any_of(std::uint8_t group, M m) noexcept {
    m.group = group;
    return m;
}

// What kind of member a descriptor is.
template <class M> struct is_value_member : std::false_type {};
template <class C, class T, class F> struct is_value_member<value_member<C, T, F>> : std::true_type {};
template <class M> struct is_object_member : std::false_type {};
template <class S> struct is_object_member<object_member<S>> : std::true_type {};
template <class M> struct is_event_member : std::false_type {};
template <event_type E, class S> struct is_event_member<event_member<E, S>> : std::true_type {};
template <class M> struct is_events_member : std::false_type {};
template <event_type E, class S> struct is_events_member<events_member<E, S>> : std::true_type {};

template <class T>
struct is_inline_string : std::false_type {};
template <std::size_t N>
struct is_inline_string<inline_string<N>> : std::true_type {};

template <class T>
concept wire_enum = std::is_enum_v<T> && requires { enum_traits<T>::names; };

// How a member's value starts in Binance's form — '"' (decimals, text, enums), "[{" (an array
// of event objects), '{' (an object) — so the direct reader can match it with the key.
template <class M>
constexpr std::string_view value_prefix() noexcept {
    if constexpr (is_value_member<M>::value) {
        using T = typename M::value_type;
        // (flags hold an integer type and lenient ints an int64: neither is taken as a string)
        if constexpr (std::is_same_v<T, decimal> || is_inline_string<T>::value || wire_enum<T>) return "\"";
        else return {};
    } else if constexpr (is_events_member<M>::value) {
        return "[{";
    } else if constexpr (is_event_member<M>::value || is_object_member<M>::value) {
        return "{";
    } else {
        return {};
    }
}

// ---- compile-time facts about a schema ---------------------------------------------------------

template <class S>
inline constexpr std::size_t size = std::tuple_size_v<std::remove_cvref_t<decltype(S::members)>>;

template <class S, std::size_t I>
inline constexpr const auto& member = std::get<I>(S::members);

// Error paths ("o.q", "a.B[].wb", "E"), built once: the schema's path, a dot, the member's name.
struct path_text {
    char text[40]{};
    std::uint8_t length = 0;
    [[nodiscard]] constexpr std::string_view view() const noexcept { return {text, length}; }
};
template <class S>
inline constexpr auto paths = [] {
    std::array<path_text, size<S>> out{};
    std::size_t i = 0;
    auto add = [&](std::string_view name) {
        path_text& t = out[i++];
        const std::string_view prefix = S::path;
        for (char c : prefix) t.text[t.length++] = c;
        if (!prefix.empty()) t.text[t.length++] = '.';
        for (char c : name) t.text[t.length++] = c;
    };
    std::apply([&](const auto&... m) { (add(m.name), ...); }, S::members);
    return out;
}();
template <class S, std::size_t I>
[[nodiscard]] constexpr std::string_view path_of() noexcept {
    return paths<S>[I].view();
}

// The member names' codes (key_code packing: up to 8 bytes little-endian; longer: ~0) and the
// direct reader's patterns: the separator and the key, `,"name":`, as a word and a mask, for
// names of up to 4 bytes (longer ones are found the general way).
[[nodiscard]] constexpr std::uint64_t code_of(std::string_view k) noexcept {
    if (k.size() > 8) return ~0ULL;
    std::uint64_t c = 0;
    for (std::size_t i = 0; i < k.size(); ++i) c |= static_cast<std::uint64_t>(static_cast<unsigned char>(k[i])) << (8 * i);
    return c;
}
struct key_pattern {
    std::uint64_t word = 1, mask = 0; // these two never match: no pattern (a longer name, the sentinel)
    std::uint64_t length = 0;         // of `,"name":` (and the value's prefix when `prefixed`)
    bool prefixed = false;
};
// `,"name":` — and how the value starts (value_prefix) when that fits the word too.
template <class M>
constexpr key_pattern make_pattern(std::string_view k, bool with_quote) noexcept {
    key_pattern out{};
    out.length = k.size() + 4;
    if (k.size() > 4) return out;
    std::uint64_t w = static_cast<std::uint64_t>(',') | static_cast<std::uint64_t>('"') << 8;
    for (std::size_t j = 0; j < k.size(); ++j) w |= static_cast<std::uint64_t>(static_cast<unsigned char>(k[j])) << (8 * (j + 2));
    w |= static_cast<std::uint64_t>('"') << (8 * (k.size() + 2));
    w |= static_cast<std::uint64_t>(':') << (8 * (k.size() + 3));
    std::size_t bytes = k.size() + 4;
    constexpr std::string_view prefix = value_prefix<M>();
    if (with_quote && !prefix.empty() && bytes + prefix.size() <= 8) {
        for (char c : prefix) w |= static_cast<std::uint64_t>(static_cast<unsigned char>(c)) << (8 * bytes++);
        out.prefixed = true;
    }
    out.word = w;
    out.mask = bytes == 8 ? ~0ULL : (1ULL << (8 * bytes)) - 1;
    out.length = bytes;
    return out;
}
template <class S>
struct keys {
    static constexpr std::size_t n = size<S>;
    static constexpr auto names = [] {
        std::array<std::string_view, n> out{};
        std::size_t i = 0;
        std::apply([&](const auto&... m) { ((out[i++] = m.name), ...); }, S::members);
        return out;
    }();
    static constexpr auto codes = [] {
        std::array<std::uint64_t, n> out{};
        for (std::size_t i = 0; i < n; ++i) out[i] = code_of(names[i]);
        return out;
    }();
    // The key patterns (for looking a key up) and the chain's (the value's quote included where
    // it can be); n + 1 entries: the last, a sentinel that never matches, is what a reader that
    // has read the last member expects next.
    template <bool WithQuote>
    static constexpr auto make_patterns() noexcept {
        std::array<key_pattern, n + 1> out{};
        std::size_t i = 0;
        std::apply([&](const auto&... m) { ((out[i] = make_pattern<std::remove_cvref_t<decltype(m)>>(m.name, WithQuote), ++i), ...); },
                   S::members);
        return out;
    }
    static constexpr auto patterns = make_patterns<false>();
    static constexpr auto chain_patterns = make_patterns<true>();
    // A perfect hash of the patterns: (pattern word * multiplier) >> shift is a distinct slot
    // for every member with a pattern; the slot holds the member's index + 1 (0: empty). Found
    // at compile time (the multiplier search stops at the first that works).
    struct pattern_hash {
        std::uint64_t multiplier = 0;
        unsigned shift = 0;
        std::array<std::uint8_t, 256> slot{};
    };
    static constexpr pattern_hash hash = [] {
        // Cheap to evaluate (clang's constexpr step limit): collisions are found with a 256-bit
        // occupancy mask; the slots are filled once, for the multiplier that works.
        pattern_hash h{};
        for (unsigned bits = 8; bits >= 6; --bits) { // 256 slots first: fewest attempts
            std::uint64_t m = 0x9E3779B97F4A7C15ULL;
            for (int attempt = 0; attempt < 256; ++attempt) {
                m = m * 6364136223846793005ULL + 1442695040888963407ULL; // next candidate (LCG)
                const std::uint64_t mult = m | 1ULL;
                std::uint64_t used[4] = {0, 0, 0, 0};
                bool ok = true;
                for (std::size_t i = 0; i < n && ok; ++i) {
                    if (patterns[i].mask == 0) continue;
                    const auto k = static_cast<unsigned>((patterns[i].word * mult) >> (64 - bits));
                    const std::uint64_t bit = 1ULL << (k % 64);
                    if (used[k / 64] & bit) ok = false;
                    used[k / 64] |= bit;
                }
                if (!ok) continue;
                h.multiplier = mult;
                h.shift = 64 - bits;
                for (std::size_t i = 0; i < n; ++i)
                    if (patterns[i].mask != 0) h.slot[(patterns[i].word * mult) >> (64 - bits)] = static_cast<std::uint8_t>(i + 1);
                return h;
            }
        }
        return h; // not reached for the schemas in this project (a static_assert below says so)
    }();
    static_assert(hash.multiplier != 0, "no perfect hash for this schema's keys");
    // The member whose pattern is at the start of w (a separator and a key of up to 4 bytes, as
    // loaded from the text), or n: the closing quote found with a zero-byte test, the key's word
    // hashed, the slot's pattern confirmed. ~15 instructions.
    [[nodiscard]] static std::size_t match(std::uint64_t w) noexcept {
        const std::uint64_t x = (w ^ 0x2222222222222222ULL) | 0xFFFFULL; // bytes 0-1: separator, quote
        const std::uint64_t z = (x - 0x0101010101010101ULL) & ~x & 0x8080808080808080ULL;
        if (z == 0) return n;
        const unsigned q = static_cast<unsigned>(__builtin_ctzll(z)) >> 3; // the closing quote: byte 3..7
        if (q > 6) return n;
        const std::uint64_t kw = w & (~0ULL >> (8 * (6 - q))); // through the colon after it
        const std::size_t s = hash.slot[static_cast<std::size_t>((kw * hash.multiplier) >> hash.shift)];
        if (s == 0 || patterns[s - 1].word != kw) return n;
        return s - 1;
    }
    // Member index of a key (`code` = its key_code), searching from `from` onwards first (the
    // member expected next), then from the start; -1 when the schema does not have it.
    [[nodiscard]] static constexpr int find(std::uint64_t code, std::string_view k, std::size_t from) noexcept {
        for (std::size_t i = from; i < n; ++i)
            if (codes[i] == code && (code != ~0ULL || names[i] == k)) return static_cast<int>(i);
        for (std::size_t i = 0; i < from && i < n; ++i)
            if (codes[i] == code && (code != ~0ULL || names[i] == k)) return static_cast<int>(i);
        return -1;
    }
};

// Required groups: the members' group numbers as masks over member indexes.
template <class S>
struct requirements {
    static constexpr auto groups = [] {
        std::array<std::uint8_t, size<S>> out{};
        std::size_t i = 0;
        std::apply([&](const auto&... m) { ((out[i++] = m.group), ...); }, S::members);
        return out;
    }();
    // every mask a present-members set must intersect, and the path reported when it does not
    struct rule {
        std::uint64_t mask = 0;
        std::size_t first = 0;
    };
    static constexpr auto rules = [] {
        std::array<rule, size<S>> out{};
        std::size_t count = 0;
        for (std::size_t i = 0; i < size<S>; ++i) {
            if (groups[i] == 0) continue;
            bool merged = false;
            if (groups[i] != required_group) {
                for (std::size_t r = 0; r < count; ++r) {
                    if (groups[out[r].first] == groups[i]) {
                        out[r].mask |= 1ULL << i;
                        merged = true;
                    }
                }
            }
            if (!merged) out[count++] = {1ULL << i, i};
        }
        return std::pair{out, count};
    }();
    // The first rule a set of present members breaks: its member's index, or -1.
    [[nodiscard]] static constexpr int first_missing(std::uint64_t present) noexcept {
        for (std::size_t r = 0; r < rules.second; ++r)
            if ((present & rules.first[r].mask) == 0) return static_cast<int>(rules.first[r].first);
        return -1;
    }
    static constexpr bool none = rules.second == 0;
};

// The object a member writes into: the schema's body, or the frame state.
template <class C, class Frame, class Body>
[[nodiscard]] constexpr C& target(Frame& frame, Body& body) noexcept {
    if constexpr (std::is_same_v<C, Body>) return body;
    else {
        static_assert(std::is_same_v<C, Frame>, "a member writes into its schema's body or the frame state");
        return frame;
    }
}

// The payload of an event by its C++ type.
template <class P>
[[nodiscard]] P& payload(acctsync::event& ev) noexcept {
    if constexpr (std::is_same_v<P, balance_update>) return ev.payload.balance;
    else if constexpr (std::is_same_v<P, position_update>) return ev.payload.position;
    else if constexpr (std::is_same_v<P, leverage_update>) return ev.payload.leverage;
    else if constexpr (std::is_same_v<P, account_config_update>) return ev.payload.account_config;
    else if constexpr (std::is_same_v<P, order_update>) return ev.payload.order;
    else if constexpr (std::is_same_v<P, trade_lite>) return ev.payload.trade;
    else if constexpr (std::is_same_v<P, algo_update>) return ev.payload.algo;
    else if constexpr (std::is_same_v<P, margin_call>) return ev.payload.margin;
    else static_assert(sizeof(P) == 0, "not an event payload");
}



// Calls f(std::integral_constant<std::size_t, I>) for the I == i (GCC makes a jump table of it).
template <class S, class F>
[[gnu::always_inline]] inline bool visit(std::size_t i, F&& f) {
    return [&]<std::size_t... I>(std::index_sequence<I...>) {
        bool r = false;
        (void)((i == I ? (r = f(std::integral_constant<std::size_t, I>{}), true) : false) || ...);
        return r;
    }(std::make_index_sequence<size<S>>{});
}

} // namespace acctsync::parse::detail::schema
