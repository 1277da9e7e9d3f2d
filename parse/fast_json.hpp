// acctsync/parse/fast_json.hpp — internal: a single-pass, validating JSON cursor for the hot path.
//
// Why it exists: simdjson On-Demand's stage 1 alone costs 87–180 ns per user-data frame on this
// machine class (AVX2, no AVX-512; measured in bench/bench_parse.cpp), more than the whole
// per-frame budget. Binance frames are small, flat and plain, so one forward pass over the bytes
// that validates as it goes is cheaper than indexing them first.
//
// Contract (what keeps it safe): the cursor accepts only a strict subset of JSON — no escapes in
// strings, no bytes >= 0x80, no control characters, numbers by the RFC 8259 grammar, depth <= 32.
// Anything outside that subset, and every error, makes the fast pass give up; the caller then runs
// the simdjson On-Demand parser on the same frame, which is the reference: it reports the typed
// error or handles the rare form (escapes, UTF-8 symbols, "e" not first, ...). So the fast pass
// never decides an error, and a differential fuzz target (tests/fuzz/fuzz_user_event.cpp) checks
// that whenever it accepts a frame, the On-Demand parser accepts it too with identical events.
//
// The cursor reads at most 16 bytes past its current position while inside [begin, end), so the
// payload needs the same padding simdjson needs (payload_padding = 64).
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

#include "core/decimal.hpp"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace acctsync::parse::detail {

class fast_cursor {
public:
    fast_cursor(const char* data, std::size_t size) noexcept : p_(data), end_(data + size) {}

    [[nodiscard]] bool bad() const noexcept { return bad_; }
    bool give_up() noexcept {
        bad_ = true;
        return false;
    }

    // Binance sends no whitespace: one compare in the common case.
    void ws() noexcept {
        if (p_ < end_ && static_cast<unsigned char>(*p_) <= ' ') skip_ws();
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
        const auto r = decimal::parse_prefix(p_ + 1, end_, out);
        const char* q = p_ + 1 + r.offset;
        if (!r || q >= end_ || *q != '"') return false;
        ++q;
        if (!delimiter(q)) return false;
        tok = {p_, static_cast<std::size_t>(q - p_)};
        p_ = q;
        return true;
    }
    // A bare JSON integer that fits int64.
    bool integer(std::int64_t& out, std::string_view& tok) noexcept {
        const char* q = p_;
        const bool neg = q < end_ && *q == '-';
        if (neg) ++q;
        const char* const digits = q;
        std::uint64_t v = 0;
        while (q < end_ && static_cast<unsigned char>(*q - '0') < 10) v = v * 10 + static_cast<unsigned>(*q++ - '0');
        const auto n = q - digits;
        if (n == 0 || n > 18 || (*digits == '0' && n > 1) || !delimiter(q)) return false; // 19 digits: the general way
        out = neg ? -static_cast<std::int64_t>(v) : static_cast<std::int64_t>(v);
        tok = {p_, static_cast<std::size_t>(q - p_)};
        p_ = q;
        return true;
    }

    // Object member prologue. first: after '{' (a key or '}'); otherwise after a value (',' key
    // or '}'). Returns 1 with the key read and the cursor at the value, 0 when the object closed,
    // -1 (given up) otherwise.
    int member(bool first, std::string_view& key) noexcept {
        ws();
        if (p_ >= end_) return give_up(), -1;
        if (*p_ == '}') {
            ++p_;
            return 0;
        }
        if (!first) {
            if (*p_ != ',') return give_up(), -1;
            ++p_;
            ws();
        }
        // Keys are one to a few bytes: a byte loop beats the vector scan.
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
    int element(bool first) noexcept {
        ws();
        if (p_ >= end_) return give_up(), -1;
        if (*p_ == ']') {
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
    // RFC 8259: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
    bool number() noexcept {
        auto digit = [&] { return p_ < end_ && *p_ >= '0' && *p_ <= '9'; };
        if (p_ < end_ && *p_ == '-') ++p_;
        if (!digit()) return give_up();
        if (*p_ == '0') ++p_;
        else while (digit()) ++p_;
        if (p_ < end_ && *p_ == '.') {
            ++p_;
            if (!digit()) return give_up();
            while (digit()) ++p_;
        }
        if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
            ++p_;
            if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
            if (!digit()) return give_up();
            while (digit()) ++p_;
        }
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

} // namespace acctsync::parse::detail
