// acctsync/core/decimal.hpp — exact fixed-point money: int64 with 8 fractional digits.
//
// Binance sends every price, quantity and balance as a decimal string ("6563.60000000",
// "-0.00057000", "0"). They are parsed here without floating point; a value that cannot be
// held exactly (nonzero digit past the 8th fractional place, or magnitude past int64) is an
// error, never rounded. Range: [-92233720368.54775808, 92233720368.54775807].
//
// Thread safety: all functions are pure; call from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <cstring>
#include <string>
#include <string_view>

#include "digits.hpp"

namespace acctsync {

namespace detail {
__extension__ typedef __int128 int128; // GCC/Clang extension; __extension__ keeps -Wpedantic quiet
} // namespace detail

enum class decimal_errc : std::uint8_t {
    ok = 0,
    empty,          // zero-length input, or a lone sign
    invalid_char,   // anything but [-]digits[.digits]: '+', exponent, spaces, a second '.', ...
    missing_digits, // "." / "-.5" / "5." — a side of the point without digits
    overflow,       // magnitude beyond int64 at scale 1e8
    inexact,        // a nonzero digit past the 8th fractional place
};

[[nodiscard]] constexpr std::string_view to_string(decimal_errc e) noexcept {
    switch (e) {
    case decimal_errc::ok: return "ok";
    case decimal_errc::empty: return "empty";
    case decimal_errc::invalid_char: return "invalid_char";
    case decimal_errc::missing_digits: return "missing_digits";
    case decimal_errc::overflow: return "overflow";
    case decimal_errc::inexact: return "inexact";
    }
    return "unknown";
}

// Where parsing stopped and why; offset is the index of the offending byte in the input.
struct decimal_parse_result {
    decimal_errc ec;
    std::uint32_t offset;
    [[nodiscard]] constexpr explicit operator bool() const noexcept { return ec == decimal_errc::ok; }
};

class decimal {
public:
    static constexpr int scale_digits = 8;
    static constexpr std::int64_t scale = 100'000'000;
    // Longest text format() produces: sign, 11 integer digits, point, 8 digits.
    static constexpr std::size_t max_text = 21;

    constexpr decimal() noexcept = default;
    [[nodiscard]] static constexpr decimal from_raw(std::int64_t raw) noexcept { return decimal{raw}; }
    [[nodiscard]] static constexpr decimal from_units(std::int64_t whole) noexcept { return decimal{whole * scale}; }

    [[nodiscard]] constexpr std::int64_t raw() const noexcept { return raw_; }
    [[nodiscard]] constexpr bool is_zero() const noexcept { return raw_ == 0; }
    [[nodiscard]] constexpr bool is_negative() const noexcept { return raw_ < 0; }

    friend constexpr bool operator==(decimal, decimal) noexcept = default;
    friend constexpr auto operator<=>(decimal, decimal) noexcept = default;

    // Exact sums; false on int64 overflow (out unchanged).
    [[nodiscard]] static constexpr bool add(decimal a, decimal b, decimal& out) noexcept {
        std::int64_t r = 0;
        if (__builtin_add_overflow(a.raw_, b.raw_, &r)) return false;
        out.raw_ = r;
        return true;
    }
    [[nodiscard]] static constexpr bool sub(decimal a, decimal b, decimal& out) noexcept {
        std::int64_t r = 0;
        if (__builtin_sub_overflow(a.raw_, b.raw_, &r)) return false;
        out.raw_ = r;
        return true;
    }
    // a * b rounded half-to-even to 8 fractional digits (prices x quantities, fees); false on
    // overflow. Not exact by nature: the caller decides where rounding is acceptable.
    [[nodiscard]] static constexpr bool mul(decimal a, decimal b, decimal& out) noexcept {
        const detail::int128 p = static_cast<detail::int128>(a.raw_) * b.raw_;
        detail::int128 q = p / scale;
        const detail::int128 r = p % scale;
        const detail::int128 half = scale / 2;
        const detail::int128 ar = r < 0 ? -r : r;
        if (ar > half || (ar == half && (q & 1) != 0)) q += (p < 0) ? -1 : 1;
        if (q > INT64_MAX || q < INT64_MIN) return false;
        out.raw_ = static_cast<std::int64_t>(q);
        return true;
    }
    // a / b rounded half-to-even; false on division by zero or overflow.
    [[nodiscard]] static constexpr bool div(decimal a, decimal b, decimal& out) noexcept {
        if (b.raw_ == 0) return false;
        const detail::int128 n = static_cast<detail::int128>(a.raw_) * scale;
        detail::int128 q = n / b.raw_;
        const detail::int128 r = n % b.raw_;
        const detail::int128 ar2 = (r < 0 ? -r : r) * 2;
        const detail::int128 ab = b.raw_ < 0 ? -static_cast<detail::int128>(b.raw_) : b.raw_;
        if (ar2 > ab || (ar2 == ab && (q & 1) != 0)) q += ((n < 0) != (b.raw_ < 0)) ? -1 : 1;
        if (q > INT64_MAX || q < INT64_MIN) return false;
        out.raw_ = static_cast<std::int64_t>(q);
        return true;
    }
    [[nodiscard]] constexpr decimal operator-() const noexcept { return decimal{-raw_}; }

    // Parses the whole of `s`. On error `out` is left unchanged.
    [[nodiscard]] static constexpr decimal_parse_result parse(std::string_view s, decimal& out) noexcept;
    // Parses the decimal that starts at `s` and ends at the first byte that cannot continue it
    // (or at `end`); on success `offset` is that byte's offset. For scanners that find the end
    // of a quoted value and its number in one pass. On error `out` is left unchanged.
    [[nodiscard]] static constexpr decimal_parse_result parse_prefix(const char* s, const char* end, decimal& out) noexcept;

    // The plain form Binance sends, "-?d{1,8}(.d{1,8})?", read 16 bytes at a time (SSSE3; the
    // scalar build eight at a time). Returns the end of the number (the caller checks what
    // follows it), or nullptr when the text is not in that form — more digits, a trailing zero
    // past the 8th place, an error — and parse_prefix, the one full grammar, must decide; `out`
    // is then unchanged. Padded: reads 16 bytes at s whatever the number's length (see
    // core/digits.hpp). Cost: ~30 instructions.
    [[nodiscard]] static const char* parse_plain(const char* s, const char* end, decimal& out) noexcept;

    // Writes the shortest exact text ("6563.6", "0", "-0.00057") to buf; returns its length.
    // buf must hold max_text bytes. Never writes "-0".
    constexpr std::size_t format(char* buf) const noexcept;
    [[nodiscard]] std::string to_string() const {
        char b[max_text];
        return std::string(b, format(b));
    }

private:
    constexpr explicit decimal(std::int64_t raw) noexcept : raw_(raw) {}
    std::int64_t raw_; // uninitialised by default like every POD field; decimal{} is zero
};

static_assert(sizeof(decimal) == 8);

// ---------------------------------------------------------------------------------------------
// details

constexpr decimal_parse_result decimal::parse(std::string_view s, decimal& out) noexcept {
    decimal v;
    const auto r = parse_prefix(s.data(), s.data() + s.size(), v);
    if (!r) return r;
    if (r.offset != s.size()) return {decimal_errc::invalid_char, r.offset};
    out = v;
    return r;
}

constexpr decimal_parse_result decimal::parse_prefix(const char* s, const char* end, decimal& out) noexcept {
    const char* const begin = s;
    const char* p = begin;
    auto at = [&](const char* q) { return static_cast<std::uint32_t>(q - begin); };

    if (p == end) return {decimal_errc::empty, 0};
    const bool negative = (*p == '-');
    if (negative && ++p == end) return {decimal_errc::empty, at(p)};

    // Integer part. Leading zeros are free; at most 11 significant digits fit (92233720368).
    const char* const int_begin = p;
    while (p != end && *p == '0') ++p;
    const char* const sig_begin = p;
    std::uint64_t whole = 0;
    while (p != end && static_cast<unsigned char>(*p - '0') < 10) {
        if (p - sig_begin == 11) return {decimal_errc::overflow, at(p)};
        whole = whole * 10 + static_cast<unsigned>(*p - '0');
        ++p;
    }
    if (p == int_begin) {
        if (p != end && *p == '.') return {decimal_errc::missing_digits, at(p)};
        return {decimal_errc::invalid_char, at(p)};
    }

    std::uint64_t frac = 0;
    if (p != end && *p == '.') {
        ++p;
        const char* const frac_begin = p;
        int n = 0;
        // Fast path: balances carry exactly 8 fraction digits, prices often more than 8 bytes
        // of digits-and-zeros; take eight at once when they are all digits.
        if (end - p >= 8 && detail::all_digits8(detail::load8(p))) {
            frac = detail::digits8(detail::load8(p));
            n = scale_digits;
            p += 8;
        }
        for (; p != end && static_cast<unsigned char>(*p - '0') < 10; ++p) {
            if (n < scale_digits) {
                frac = frac * 10 + static_cast<unsigned>(*p - '0');
                ++n;
            } else if (*p != '0') {
                return {decimal_errc::inexact, at(p)};
            }
        }
        if (p == frac_begin) return {decimal_errc::missing_digits, at(p)};
        frac *= detail::pow10_u64[scale_digits - n];
    }

    // |value| = whole * 1e8 + frac must be <= 2^63 - 1 (or 2^63 when negative).
    constexpr std::uint64_t limit_pos = static_cast<std::uint64_t>(INT64_MAX);
    const std::uint64_t limit = negative ? limit_pos + 1 : limit_pos;
    if (whole > limit / static_cast<std::uint64_t>(scale)) return {decimal_errc::overflow, at(sig_begin)};
    const std::uint64_t mag_whole = whole * static_cast<std::uint64_t>(scale);
    if (frac > limit - mag_whole) return {decimal_errc::overflow, at(sig_begin)};
    const std::uint64_t mag = mag_whole + frac;
    // Two's-complement negate in unsigned space handles INT64_MIN without UB.
    out.raw_ = negative ? static_cast<std::int64_t>(~mag + 1) : static_cast<std::int64_t>(mag);
    return {decimal_errc::ok, at(p)};
}

namespace detail::simd {
#if defined(__SSSE3__)
// parse_plain's shuffles, by (integer digits 1..8) * 9 + (fraction digits 0..8): the integer's
// digits right-aligned in bytes 0..7, the fraction's left-aligned in 8..15 (so the low half
// reads as the fraction scaled to 8 places); -1: pshufb writes zero.
inline constexpr auto decimal_layout = [] {
    struct alignas(16) row {
        std::int8_t b[16];
    };
    struct table {
        row r[81];
    } t{};
    for (int w = 0; w <= 8; ++w)
        for (int f = 0; f <= 8; ++f)
            for (int j = 0; j < 16; ++j) {
                int src = -1;
                if (j < 8 && j - 8 + w >= 0) src = j - 8 + w;
                if (j >= 8 && j - 8 < f) src = w + 1 + (j - 8);
                t.r[w * 9 + f].b[j] = static_cast<std::int8_t>(src);
            }
    return t;
}();
#endif
} // namespace detail::simd

namespace detail {
// parse_plain's magnitude, "d{1,8}(.d{1,8})?" at q: the end of the number, or nullptr. Does not
// look at `end` (the caller does); padded.
[[gnu::always_inline]] inline const char* plain_magnitude(const char* q, std::uint64_t& mag) noexcept {
#if defined(__SSSE3__)
    unsigned digit;
    const __m128i v = simd::digit_values(q, digit);
    const unsigned not_digit = ~digit; // bits 16..31 set
    const auto whole_n = static_cast<unsigned>(__builtin_ctz(not_digit));
    if (whole_n - 1U >= 8U) return nullptr; // none, or more than 8 integer digits
    unsigned frac_n = 0, length = whole_n;
    if (q[whole_n] == '.') {
        frac_n = static_cast<unsigned>(__builtin_ctz(not_digit >> (whole_n + 1)));
        length = whole_n + 1 + frac_n;
        // none, more than 8, or a run that reaches the window's end (it may go on)
        if (frac_n - 1U >= 8U || length >= 16U) return nullptr;
    }
    const __m128i idx = _mm_load_si128(reinterpret_cast<const __m128i*>(simd::decimal_layout.r[whole_n * 9 + frac_n].b));
    mag = simd::value16(_mm_shuffle_epi8(v, idx));
    return q + length;
#else
    unsigned n = 0;
    const std::uint64_t whole = digit_run8(q, n);
    if (n == 0 || n == 8) return nullptr; // none, or possibly more than 8 integer digits
    q += n;
    std::uint64_t frac = 0;
    if (*q == '.') {
        frac = digit_run8(q + 1, n);
        if (n == 0 || static_cast<unsigned char>(q[1 + n] - '0') < 10) return nullptr; // none, or more than 8
        frac *= pow10_u64[8 - n];
        q += 1 + n;
    }
    mag = whole * 100000000ULL + frac;
    return q;
#endif
}
} // namespace detail

[[gnu::always_inline]] inline const char* decimal::parse_plain(const char* s, const char* end, decimal& out) noexcept {
    const bool negative = *s == '-'; // *end is padding: readable
    std::uint64_t mag;
    const char* const q = detail::plain_magnitude(s + negative, mag);
    if (q == nullptr || q > end) return nullptr;
    out.raw_ = negative ? -static_cast<std::int64_t>(mag) : static_cast<std::int64_t>(mag);
    return q;
}

constexpr std::size_t decimal::format(char* buf) const noexcept {
    std::uint64_t mag = raw_ < 0 ? ~static_cast<std::uint64_t>(raw_) + 1 : static_cast<std::uint64_t>(raw_);
    std::uint64_t whole = mag / static_cast<std::uint64_t>(scale);
    std::uint64_t frac = mag % static_cast<std::uint64_t>(scale);
    char tmp[max_text];
    std::size_t n = 0;
    // Fraction digits, trailing zeros dropped (written in reverse, then flipped).
    if (frac != 0) {
        int digits = scale_digits;
        while (frac % 10 == 0) {
            frac /= 10;
            --digits;
        }
        for (int i = 0; i < digits; ++i) {
            tmp[n++] = static_cast<char>('0' + frac % 10);
            frac /= 10;
        }
        tmp[n++] = '.';
    }
    do {
        tmp[n++] = static_cast<char>('0' + whole % 10);
        whole /= 10;
    } while (whole != 0);
    if (raw_ < 0) tmp[n++] = '-';
    for (std::size_t i = 0; i < n; ++i) buf[i] = tmp[n - 1 - i];
    return n;
}

} // namespace acctsync
