// acctsync/parse/detail/fast_json.hpp — internal: the user-data parser's two fast tiers.
//   fast_cursor — a single-pass, validating JSON cursor (tier 2: any event kind);
//   direct::    — readers for compact frames of the hot kinds (tier 1; user_stream.cpp direct_*).
//
// Why they exist: simdjson On-Demand's stage 1 alone costs 87–190 ns per user-data frame on this
// machine class (AVX2, no AVX-512; measured in bench/bench_parse.cpp), more than the whole
// per-frame budget. Binance frames are small, flat and plain, so one forward pass over the bytes
// that validates as it goes is cheaper than indexing them first.
//
// Contract (what keeps it safe): both accept only a strict subset of JSON — no escapes in
// strings, no bytes >= 0x80, no control characters, numbers by the RFC 8259 grammar, depth <= 32.
// Anything outside that subset, and every error, makes them give up; the caller then runs the
// next tier and finally the simdjson On-Demand parser, which is the reference: it reports the
// typed error or handles the rare form (escapes, UTF-8 symbols, "e" not first, ...). So the fast
// tiers never decide an error, and the user-event fuzz target (tests/fuzz/fuzz_bodies.hpp) and
// tests/parse_fast_pass_test.cpp check that whatever they accept, the On-Demand parser accepts
// too, with identical events.
//
// Both read at most 16 bytes past a position inside [begin, end), so the payload needs the
// padding simdjson needs (payload_padding = 64).
#pragma once

#include <array>
#include <cstdint>
#include <utility>
#include <cstring>
#include <string_view>

#include "core/decimal.hpp"
#include "core/enums.hpp"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace acctsync::parse::detail {

// Past the JSON number (RFC 8259: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?) that starts at
// p, or nullptr when none does. The one copy of the grammar: the cursor, the direct readers and
// is_json_number (json_reader.hpp) all use it.
[[nodiscard]] inline const char* number_end(const char* p, const char* end) noexcept {
    auto digit = [&] { return p < end && static_cast<unsigned char>(*p - '0') < 10; };
    if (p < end && *p == '-') ++p;
    if (!digit()) return nullptr;
    if (*p == '0') ++p;
    else while (digit()) ++p;
    if (p < end && *p == '.') {
        ++p;
        if (!digit()) return nullptr;
        while (digit()) ++p;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        ++p;
        if (p < end && (*p == '+' || *p == '-')) ++p;
        if (!digit()) return nullptr;
        while (digit()) ++p;
    }
    return p;
}

namespace direct {
// Value readers shared by the direct readers and the cursor: each reads one value at p and
// advances p past it, or returns false and leaves p alone. What may follow the value is the
// caller's to check.

// A quoted decimal: '"', the number in the plain form decimal::parse_plain reads, '"'. Any
// other form is false (the caller's slower path reads it with the full grammar).
// decimal_body: the same from just after the opening quote.
[[gnu::always_inline]] inline bool decimal_body(const char*& p, const char* end, decimal& out) noexcept {
    // "0": a third of the decimals in Binance's frames (bc, iw, up, the notionals of a market
    // order, its price): one 16-bit compare.
    std::uint16_t head;
    std::memcpy(&head, p, 2);
    if (head == ('0' | '"' << 8) && p + 1 < end) {
        out = decimal{};
        p += 2;
        return true;
    }
    std::uint64_t mag;
    if (*p == '-') [[unlikely]] {
        const char* const q = acctsync::detail::plain_magnitude(p + 1, mag);
        if (q == nullptr || q >= end || *q != '"') return false;
        out = decimal::from_raw(-static_cast<std::int64_t>(mag));
        p = q + 1;
        return true;
    }
    const char* const q = acctsync::detail::plain_magnitude(p, mag);
    if (q == nullptr || q >= end || *q != '"') return false;
    out = decimal::from_raw(static_cast<std::int64_t>(mag));
    p = q + 1;
    return true;
}
[[gnu::always_inline]] inline bool decimal_string(const char*& p, const char* end, decimal& out) noexcept {
    if (p >= end || *p != '"') return false;
    ++p;
    if (decimal_body(p, end, out)) return true;
    --p;
    return false;
}

// A bare integer that fits int64 (up to 19 digits; no leading zero). Ids and ms times have 9 to 19
// digits: one 16-byte kernel (core/digits.hpp), then at most three more, one at a time.
// unsigned_integer: the magnitude at q (no sign), or nullptr.
[[gnu::always_inline]] inline const char* unsigned_integer(const char* q, std::uint64_t& v, std::uint64_t limit) noexcept {
    unsigned n;
    v = acctsync::detail::digit_run16(q, n);
    if (n == 0 || (*q == '0' && n > 1)) return nullptr;
    if (n == 16) [[unlikely]] {
        for (int i = 0; i < 3 && static_cast<unsigned char>(q[n] - '0') < 10; ++i, ++n) v = v * 10 + static_cast<unsigned>(q[n] - '0');
        // 19 digits fit in uint64 (no wrap)
        if (static_cast<unsigned char>(q[n] - '0') < 10 || v > limit) return nullptr;
    }
    return q + n;
}
[[gnu::always_inline]] inline bool integer(const char*& p, const char* end, std::int64_t& out) noexcept {
    std::uint64_t v;
    if (*p == '-') [[unlikely]] { // *end is padding: readable
        const char* const q = unsigned_integer(p + 1, v, 0x8000000000000000ULL);
        if (q == nullptr || q > end) return false;
        out = static_cast<std::int64_t>(~v + 1);
        p = q;
        return true;
    }
    const char* const q = unsigned_integer(p, v, 0x7FFFFFFFFFFFFFFFULL);
    if (q == nullptr || q > end) return false;
    out = static_cast<std::int64_t>(v);
    p = q;
    return true;
}

[[gnu::always_inline]] inline bool boolean(const char*& p, const char* end, bool& out) noexcept {
    if (end - p >= 4 && std::memcmp(p, "true", 4) == 0) {
        out = true;
        p += 4;
        return true;
    }
    if (end - p >= 5 && std::memcmp(p, "false", 5) == 0) {
        out = false;
        p += 5;
        return true;
    }
    return false;
}

// "key": of up to 7 bytes, found with one 8-byte load (padding readable): w = the 8 bytes after
// the opening quote, n = the key's length; p moves past the colon. False leaves p alone.
[[gnu::always_inline]] inline bool short_key(const char*& p, const char* end, std::uint64_t& w, unsigned& n) noexcept {
    if (p >= end || *p != '"') return false;
    w = acctsync::detail::load8(p + 1);
    const std::uint64_t x = w ^ 0x2222222222222222ULL; // a zero byte where w has '"'
    const std::uint64_t z = (x - 0x0101010101010101ULL) & ~x & 0x8080808080808080ULL;
    if (z == 0) return false;
    n = static_cast<unsigned>(__builtin_ctzll(z) >> 3);
    const char* const colon = p + 2 + n;
    if (colon >= end || *colon != ':') return false;
    p = colon + 1;
    return true;
}
[[gnu::always_inline]] inline bool key_text(const char*& p, const char* end, std::string_view& key) noexcept {
    const char* const start = p;
    std::uint64_t w;
    unsigned n;
    if (!short_key(p, end, w, n)) return false;
    key = {start + 1, n};
    return true;
}
} // namespace direct

class fast_cursor {
public:
    // One vector pass over the frame first: a byte >= 0x80 or a backslash anywhere gives up at
    // once (UTF-8 and escapes are the reference parser's), and a frame without control bytes
    // (Binance sends no whitespace) lets string scans look for the closing quote only.
    fast_cursor(const char* data, std::size_t size) noexcept : p_(data), end_(data + size) {
#if defined(__SSE2__)
        const __m128i bslash = _mm_set1_epi8('\\'), space = _mm_set1_epi8(0x21);
        __m128i hi = _mm_setzero_si128(), low = _mm_setzero_si128();
        std::size_t i = 0;
        for (; i + 16 <= size; i += 16) {
            const __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + i));
            hi = _mm_or_si128(hi, _mm_or_si128(c, _mm_cmpeq_epi8(c, bslash))); // sign bit: >= 0x80 or '\\'
            low = _mm_or_si128(low, _mm_cmplt_epi8(c, space));                  // also set by >= 0x80
        }
        if (i < size) { // the tail, masked: bytes past the end are padding
            const __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + i));
            const unsigned keep = (1U << (size - i)) - 1U;
            const auto m1 = static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(c, _mm_cmpeq_epi8(c, bslash)))) & keep;
            const auto m2 = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmplt_epi8(c, space))) & keep;
            if (m1 != 0) bad_ = true;
            if (m2 != 0) ctrl_ = true;
        }
        if (_mm_movemask_epi8(hi) != 0) bad_ = true;
        if (_mm_movemask_epi8(low) != 0) ctrl_ = true;
#else
        for (std::size_t i = 0; i < size; ++i) {
            const auto u = static_cast<unsigned char>(data[i]);
            if (u >= 0x80 || u == '\\') bad_ = true;
            if (u <= 0x20) ctrl_ = true;
        }
#endif
    }

    [[nodiscard]] bool bad() const noexcept { return bad_; }
    // No byte <= 0x20 anywhere (no whitespace, no control bytes): the direct readers' domain.
    [[nodiscard]] bool compact() const noexcept { return !ctrl_; }
    bool give_up() noexcept {
        bad_ = true;
        return false;
    }

    // Binance sends no whitespace: one compare in the common case.
    // (*p_ at end_ is padding: readable, and skip_ws() stops at end_.)
    void ws() noexcept {
        if (ctrl_ && static_cast<unsigned char>(*p_) <= ' ') skip_ws();
    }
    // Consumes c (after whitespace) or gives up.
    bool expect(char c) noexcept {
        ws();
        if (p_ < end_ && *p_ == c) {
            ++p_;
            return true;
        }
        return give_up();
    }
    [[nodiscard]] char peek() noexcept {
        ws();
        return p_ < end_ ? *p_ : '\0';
    }
    [[nodiscard]] char peek_raw() const noexcept { return p_ < end_ ? *p_ : '\0'; }
    // Only whitespace left.
    [[nodiscard]] bool at_end() noexcept {
        ws();
        return p_ == end_;
    }

    // A string at the cursor ('"' next): its body, without quotes. Gives up on escapes, control
    // characters, bytes >= 0x80 and on a missing closing quote.
    bool string(std::string_view& out) noexcept {
        if (p_ >= end_ || *p_ != '"') return give_up();
        const char* const s = ++p_;
#if defined(__SSE2__)
        if (!ctrl_) { // no escapes, no control bytes, no UTF-8 in this frame: the next quote ends it
            for (const char* q = s; q < end_; q += 16) {
                const auto qm = static_cast<unsigned>(_mm_movemask_epi8(
                    _mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(q)), _mm_set1_epi8('"'))));
                if (qm != 0) {
                    const char* const e = q + __builtin_ctz(qm);
                    if (e >= end_) return give_up();
                    out = {s, static_cast<std::size_t>(e - s)};
                    p_ = e + 1;
                    return true;
                }
            }
            return give_up();
        }
        const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\'), space = _mm_set1_epi8(0x20);
        for (const char* q = s; q < end_; q += 16) {
            const __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(q));
            const unsigned qm = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(c, quote)));
            // signed compare: 0x00-0x1F and 0x80-0xFF are both "less than 0x20"
            const unsigned bm = static_cast<unsigned>(
                _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(c, bslash), _mm_cmplt_epi8(c, space))));
            if (qm != 0) {
                const unsigned i = static_cast<unsigned>(__builtin_ctz(qm));
                if ((bm & ((1U << i) - 1U)) != 0 || q + i >= end_) return give_up();
                out = {s, static_cast<std::size_t>(q + i - s)};
                p_ = q + i + 1;
                return true;
            }
            if (bm != 0) return give_up();
        }
        return give_up();
#else
        for (const char* q = s; q < end_; ++q) {
            const auto u = static_cast<unsigned char>(*q);
            if (u == '"') {
                out = {s, static_cast<std::size_t>(q - s)};
                p_ = q + 1;
                return true;
            }
            if (u == '\\' || u < 0x20 || u >= 0x80) return give_up();
        }
        return give_up();
#endif
    }

    // Typed fast paths. Each reads the whole value or nothing: false leaves the cursor where it
    // was (not given up), and the caller reads the value the general way.
    //
    // A quoted decimal, "-?digits[.digits]": the digits end the string, so no string scan.
    bool quoted_decimal(decimal& out, std::string_view& tok) noexcept {
        if (p_ >= end_ || *p_ != '"') return false;
        const char* q = p_;
        if (!direct::decimal_string(q, end_, out)) { // not the plain form: the full grammar
            const auto r = decimal::parse_prefix(p_ + 1, end_, out);
            q = p_ + 1 + r.offset;
            if (!r || q >= end_ || *q != '"') return false;
            ++q;
        }
        return accept(q, tok);
    }

    // A string that is all plain bytes (see string()), consumed; false leaves the cursor.
    bool plain_string(std::string_view& out) noexcept {
        const char* const save = p_;
        const bool was_bad = bad_;
        if (string(out)) return true;
        p_ = save;
        bad_ = was_bad;
        return false;
    }

    // A bare JSON integer that fits int64.
    bool integer(std::int64_t& out, std::string_view& tok) noexcept {
        const char* q = p_;
        return direct::integer(q, end_, out) && accept(q, tok);
    }

    // Object member prologue. first: after '{' (a key or '}'); otherwise after a value (',' key
    // or '}'). Returns 1 with the key read and the cursor at the value, 0 when the object closed,
    // -1 (given up) otherwise.
    int member(bool first, std::string_view& key) noexcept {
        const int r = item(first, '}');
        if (r != 1) return r;
        if (!ctrl_) { // compact frame (no whitespace anywhere): keys of up to 7 bytes in one load
            if (direct::key_text(p_, end_, key)) return 1;
            if (!string(key) || !expect(':')) return -1;
            return 1;
        }
        if (p_ >= end_ || *p_ != '"') return give_up(), -1;
        const char* const k = ++p_;
        for (;; ++p_) {
            if (p_ >= end_) return give_up(), -1;
            const auto u = static_cast<unsigned char>(*p_);
            if (u == '"') break;
            if (u == '\\' || u < 0x20 || u >= 0x80) return give_up(), -1;
        }
        key = {k, static_cast<std::size_t>(p_ - k)};
        ++p_;
        if (!expect(':')) return -1;
        ws();
        return 1;
    }
    // Array element prologue, same protocol (']' closes).
    int element(bool first) noexcept { return item(first, ']'); }
    bool open(char c) noexcept {
        if (p_ < end_ && *p_ == c) {
            ++p_;
            return true;
        }
        return give_up();
    }

    // Any value at the cursor, validated and consumed; returns its text (a string with its quotes;
    // a container whole). Empty (and given up) when it is not in the accepted subset.
    std::string_view value(int depth = 0) noexcept {
        const char* const s = p_;
        if (p_ >= end_) return give_up(), std::string_view{};
        bool ok;
        switch (*p_) {
        case '"': {
            std::string_view body;
            ok = string(body);
            break;
        }
        case '{':
        case '[': ok = container(depth); break;
        case 't': ok = word("true", 4); break;
        case 'f': ok = word("false", 5); break;
        case 'n': ok = word("null", 4); break;
        default: ok = number();
        }
        return ok ? std::string_view{s, static_cast<std::size_t>(p_ - s)} : std::string_view{};
    }

private:
    // A typed reader ended its value at q: taken if a delimiter follows (tok = its text).
    bool accept(const char* q, std::string_view& tok) noexcept {
        if (!delimiter(q)) return false;
        tok = {p_, static_cast<std::size_t>(q - p_)};
        p_ = q;
        return true;
    }
    // ',' then the next item, or `close`: 1, or 0 (closed), or -1 (given up).
    int item(bool first, char close) noexcept {
        ws();
        if (p_ >= end_) return give_up(), -1;
        if (*p_ == close) {
            ++p_;
            return 0;
        }
        if (!first) {
            if (*p_ != ',') return give_up(), -1;
            ++p_;
            ws();
        }
        return 1;
    }
    [[gnu::noinline]] void skip_ws() noexcept {
        while (p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
    }
    [[gnu::noinline]] bool container(int depth) noexcept {
        if (depth >= 32) return give_up();
        const bool obj = *p_++ == '{';
        for (bool first = true;; first = false) {
            std::string_view key;
            const int r = obj ? member(first, key) : element(first);
            if (r < 0) return false;
            if (r == 0) return true;
            if (value(depth + 1).empty()) return false;
        }
    }
    bool word(const char* w, std::size_t n) noexcept {
        if (static_cast<std::size_t>(end_ - p_) < n || std::memcmp(p_, w, n) != 0) return give_up();
        p_ += n;
        return delimiter() ? true : give_up();
    }
    bool number() noexcept {
        const char* const q = number_end(p_, end_);
        if (q == nullptr) return give_up();
        p_ = q;
        return delimiter() ? true : give_up();
    }
    // What may follow a scalar: whitespace, ',', '}', ']' or the end.
    [[nodiscard]] bool delimiter() const noexcept { return delimiter(p_); }
    [[nodiscard]] bool delimiter(const char* q) const noexcept {
        if (q == end_) return true;
        const char c = *q;
        return c == ',' || c == '}' || c == ']' || c == ' ' || c == '\n' || c == '\r' || c == '\t';
    }

    const char* p_;
    const char* const end_;
    bool bad_ = false;
    bool ctrl_ = false; // the frame has bytes <= 0x20: whitespace (or control bytes, invalid in strings)
};

// A value not yet read: handlers read it as a scalar token, open it as an object or array, or
// leave it (the walker then skips it, validated).
struct fast_value {
    fast_cursor* c;
    bool consumed = false;
    std::string_view tok{};
};
struct fast_object {
    fast_cursor* c = nullptr;
};
struct fast_array {
    fast_cursor* c = nullptr;
};

inline std::string_view raw_token(fast_value& v) noexcept {
    if (!v.consumed) {
        v.tok = v.c->value();
        v.consumed = true;
    }
    return v.tok;
}

// ---- direct readers --------------------------------------------------------------------------
// For compact frames that passed fast_cursor's pre-pass (no byte <= 0x20, no backslash, no byte
// >= 0x80 anywhere, so every '"' ends a string). Each reads one value at p, advances p past it and
// returns true, or returns false (the caller then gives the whole frame to the fast cursor). They
// keep the position in a local pointer, which the compiler holds in a register.
namespace direct {

// "key": (up to 7 bytes) as key_code() packs it.
[[gnu::always_inline]] inline bool key(const char*& p, const char* end, std::uint64_t& k) noexcept {
    std::uint64_t w;
    unsigned n;
    if (!short_key(p, end, w, n)) return false;
    k = n == 0 ? 0 : w & (~0ULL >> (64 - 8 * n));
    return true;
}

// "..." (its body): plain bytes only — no backslash, no control byte, no byte >= 0x80 (escapes
// and UTF-8 are the reference parser's); anything else is false. The direct reader runs without
// the cursor's pre-pass, so this is where its strings are checked.
#if defined(__SSE2__)
// string_body's constants, read as operands (not const: see core/digits.hpp's).
inline acctsync::detail::simd::bytes16 string_quote{{34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34}};
inline acctsync::detail::simd::bytes16 string_backslash{{92, 92, 92, 92, 92, 92, 92, 92, 92, 92, 92, 92, 92, 92, 92, 92}};
inline acctsync::detail::simd::bytes16 string_space{{32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32}};
#endif
// string_body: the same from just after the opening quote.
[[gnu::always_inline]] inline bool string_body(const char*& p, const char* end, std::string_view& out) noexcept {
    const char* const s = p;
    for (const char* q = s; q < end; q += 16) {
#if defined(__SSE2__)
        const __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(q));
        const auto qm = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(c, string_quote.load())));
        // signed compare: 0x00-0x1F and 0x80-0xFF are both "less than 0x20"
        const auto bad = static_cast<unsigned>(_mm_movemask_epi8(
            _mm_or_si128(_mm_cmpeq_epi8(c, string_backslash.load()), _mm_cmplt_epi8(c, string_space.load()))));
        if (qm == 0) {
            if (bad != 0) return false;
            continue;
        }
        const unsigned i = static_cast<unsigned>(__builtin_ctz(qm));
        if ((bad & ((1U << i) - 1U)) != 0) return false;
        const char* const e = q + i;
#else
        const char* e = q;
        for (; e < q + 16 && *e != '"'; ++e) {
            const auto u = static_cast<unsigned char>(*e);
            if (u == '\\' || u < 0x20 || u >= 0x80) return false;
        }
        if (e == q + 16) continue;
#endif
        if (e >= end) return false;
        out = {s, static_cast<std::size_t>(e - s)};
        p = e + 1;
        return true;
    }
    return false;
}
[[gnu::always_inline]] inline bool string(const char*& p, const char* end, std::string_view& out) noexcept {
    if (p >= end || *p != '"') return false;
    ++p;
    if (string_body(p, end, out)) return true;
    --p;
    return false;
}

// An enum's spelling from just after its opening quote: the known spellings (with their closing
// quote) are compared as words straight from the text, no scan for the quote first: ~4
// instructions per candidate, in the enum's order. A spelling this build does not know (or one
// over 15 bytes) is read the general way and maps to `other` as from_wire says.
template <class E>
struct quoted_spellings {
    struct entry {
        std::uint64_t w0, m0, w1, m1;
        std::size_t length; // with the closing quote
        E value;
    };
    static constexpr std::size_t count = [] {
        std::size_t c = 0;
        for (std::size_t i = 1; i < std::size(enum_traits<E>::names); ++i) {
            const std::string_view n = enum_traits<E>::names[i];
            if (!n.empty() && n.size() <= 15 && n != "OTHER") ++c;
        }
        return c;
    }();
    static constexpr auto table = [] {
        std::array<entry, count> t{};
        std::size_t c = 0;
        for (std::size_t i = 1; i < std::size(enum_traits<E>::names); ++i) {
            const std::string_view n = enum_traits<E>::names[i];
            if (n.empty() || n.size() > 15 || n == "OTHER") continue;
            entry& e = t[c++];
            e.length = n.size() + 1;
            e.value = static_cast<E>(i);
            for (std::size_t k = 0; k <= n.size(); ++k) {
                const std::uint64_t byte = k < n.size() ? static_cast<unsigned char>(n[k]) : '"';
                (k < 8 ? e.w0 : e.w1) |= byte << (8 * (k % 8));
                (k < 8 ? e.m0 : e.m1) |= 0xFFULL << (8 * (k % 8));
            }
        }
        return t;
    }();
};
// The same with another mapping for the spellings enum_traits does not list (margin types).
template <class E, class Other>
[[gnu::always_inline]] inline bool enum_body(const char*& p, const char* end, E& out, Other&& other) noexcept {
    using T = quoted_spellings<E>;
    const std::uint64_t a = acctsync::detail::load8(p), b = acctsync::detail::load8(p + 8);
    const bool found = [&]<std::size_t... I>(std::index_sequence<I...>) {
        return ((((a & T::table[I].m0) == T::table[I].w0 && (b & T::table[I].m1) == T::table[I].w1) &&
                 (out = T::table[I].value, p += T::table[I].length, true)) ||
                ...);
    }(std::make_index_sequence<T::count>{});
    if (found) return p <= end;
    std::string_view s;
    if (!string_body(p, end, s)) return false;
    out = other(s);
    return true;
}
template <class E>
[[gnu::always_inline]] inline bool enum_body(const char*& p, const char* end, E& out) noexcept {
    return enum_body(p, end, out, [](std::string_view s) { return from_wire<E>(s); });
}

// A member this reader does not keep: a string, a number or true/false (anything else: false).
// Out of line, so it takes and returns the position by value (nullptr: not one of those).
inline const char* skip_scalar_at(const char* p, const char* end) noexcept;
[[gnu::always_inline]] inline bool skip_scalar(const char*& p, const char* end) noexcept {
    const char* const q = skip_scalar_at(p, end);
    if (q == nullptr) return false;
    p = q;
    return true;
}
inline const char* skip_scalar_at(const char* p, const char* end) noexcept {
    if (p >= end) return nullptr;
    if (*p == '"') {
        std::string_view s;
        return string(p, end, s) ? p : nullptr;
    }
    if (*p == 't' || *p == 'f') {
        bool b;
        return boolean(p, end, b) ? p : nullptr;
    }
    return number_end(p, end);
}

// After a member: ',' (another follows: true, more=true) or the closing `close` (more=false).
[[gnu::always_inline]] inline bool next(const char*& p, const char* end, char close, bool& more) noexcept {
    if (p >= end) return false;
    if (*p == ',') {
        ++p;
        more = true;
        return true;
    }
    if (*p == close) {
        ++p;
        more = false;
        return true;
    }
    return false;
}

// '{' members '}' (none is fine): f(key code) reads each member's value.
template <class F>
[[gnu::always_inline]] inline bool members(const char*& p, const char* end, F&& f) noexcept {
    if (p >= end || *p != '{') return false;
    ++p;
    bool more = true;
    if (p < end && *p == '}') more = (++p, false);
    while (more) {
        std::uint64_t k;
        if (!key(p, end, k) || !f(k) || !next(p, end, '}', more)) return false;
    }
    return true;
}
// '[' elements ']' (none is fine): f() reads each element.
template <class F>
[[gnu::always_inline]] inline bool elements(const char*& p, const char* end, F&& f) noexcept {
    if (p >= end || *p != '[') return false;
    ++p;
    bool more = true;
    if (p < end && *p == ']') more = (++p, false);
    while (more)
        if (!f() || !next(p, end, ']', more)) return false;
    return true;
}

} // namespace direct

} // namespace acctsync::parse::detail
