// acctsync/core/digits.hpp — the digit kernels every number reader shares: ASCII digits to
// integers eight or sixteen at a time, and the one powers-of-ten table.
//
// Who uses them: decimal::parse_prefix / decimal::parse_plain (core/decimal.hpp) and the
// parsers' integer readers (parse/). One grammar per kind of number lives with its type; these
// are only the arithmetic under them.
//
// Reading past the number: the functions marked "padded" load a fixed 8 or 16 bytes at their
// argument whatever the number's length, so the caller's buffer must have them (every parser
// payload has parse::payload_padding = 64 readable bytes after it). They never let a byte past
// the number change the result.
//
// Cost (x86-64, callgrind): digits8 ~10 instructions; digit_run8 ~20; digit_run16 ~20 for up to
// 16 digits with SSSE3 (the scalar build: two digit_run8). Pure functions; any thread.
#pragma once

#include <cstdint>
#include <cstring>
#include <type_traits>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__SSSE3__)
#include <tmmintrin.h>
#endif

namespace acctsync::detail {

inline constexpr std::uint64_t pow10_u64[] = {1ULL,
                                              10ULL,
                                              100ULL,
                                              1000ULL,
                                              10000ULL,
                                              100000ULL,
                                              1000000ULL,
                                              10000000ULL,
                                              100000000ULL,
                                              1000000000ULL,
                                              10000000000ULL,
                                              100000000000ULL,
                                              1000000000000ULL,
                                              10000000000000ULL,
                                              100000000000000ULL,
                                              1000000000000000ULL,
                                              10000000000000000ULL};

// Eight bytes as a little-endian word: one unaligned load at run time (GCC 12 did not fold the
// byte loop into one, callgrind showed), the byte loop in constant evaluation.
[[nodiscard]] constexpr std::uint64_t load8(const char* p) noexcept {
    if (!std::is_constant_evaluated()) {
        std::uint64_t w;
        std::memcpy(&w, p, 8);
        return w;
    }
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
    return v;
}

// True when all eight bytes are '0'..'9' (SWAR: each byte's high nibble is 3 and adding 6 does
// not carry out of the low nibble).
[[nodiscard]] constexpr bool all_digits8(std::uint64_t v) noexcept {
    return ((v & 0xF0F0F0F0F0F0F0F0ULL) | (((v + 0x0606060606060606ULL) & 0xF0F0F0F0F0F0F0F0ULL) >> 4)) ==
           0x3333333333333333ULL;
}

// Value of eight digit bytes, first byte most significant: pairs, then quads, then the whole.
[[nodiscard]] constexpr std::uint32_t digits8(std::uint64_t v) noexcept {
    v -= 0x3030303030303030ULL;
    v = (v * 10) + (v >> 8);
    v = (((v & 0x000000FF000000FFULL) * 0x000F424000000064ULL) +
         (((v >> 16) & 0x000000FF000000FFULL) * 0x0000271000000001ULL)) >>
        32;
    return static_cast<std::uint32_t>(v);
}

// Padded: the run of ASCII digits at q, up to 8 of them, as a number; n = how many (0..8).
// Bytes >= 0x80 count as non-digits.
[[nodiscard]] inline std::uint32_t digit_run8(const char* q, unsigned& n) noexcept {
    const std::uint64_t w = load8(q);
    // a byte is a digit iff its high nibble is 3 and adding 6 does not carry out of its low nibble
    const std::uint64_t nd = ((w & 0xF0F0F0F0F0F0F0F0ULL) ^ 0x3030303030303030ULL) |
                             (((w + 0x0606060606060606ULL) & 0xF0F0F0F0F0F0F0F0ULL) ^ 0x3030303030303030ULL);
    const std::uint64_t m = (((nd & 0x7F7F7F7F7F7F7F7FULL) + 0x7F7F7F7F7F7F7F7FULL) | nd) & 0x8080808080808080ULL;
    n = m == 0 ? 8U : static_cast<unsigned>(__builtin_ctzll(m) >> 3);
    if (n == 0) return 0;
    if (n == 8) return digits8(w);
    // the n digits to the top of the word, '0' bytes below them: an 8-digit number equal to them
    return digits8((w << (8 * (8 - n))) | (0x3030303030303030ULL >> (8 * n)));
}

#if defined(__SSE2__)
namespace simd {
// The constants, as memory operands. Deliberately not const: GCC would otherwise rebuild each
// one in registers (a broadcast or a 64-bit immediate and a shuffle, three instructions) every
// time instead of reading it as an operand. Nothing writes them.
struct alignas(16) bytes16 {
    std::int8_t b[16];
    [[nodiscard]] __m128i load() const noexcept { return _mm_load_si128(reinterpret_cast<const __m128i*>(b)); }
};
struct alignas(16) words8 {
    std::int16_t w[8];
    [[nodiscard]] __m128i load() const noexcept { return _mm_load_si128(reinterpret_cast<const __m128i*>(w)); }
};
} // namespace simd
#endif

#if defined(__SSSE3__)
namespace simd {
inline bytes16 ascii_zero{{48, 48, 48, 48, 48, 48, 48, 48, 48, 48, 48, 48, 48, 48, 48, 48}};
inline bytes16 nine{{9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9}};
inline bytes16 tens{{10, 1, 10, 1, 10, 1, 10, 1, 10, 1, 10, 1, 10, 1, 10, 1}};
inline words8 hundreds{{100, 1, 100, 1, 100, 1, 100, 1}};
inline words8 ten_thousands{{10000, 1, 10000, 1, 10000, 1, 10000, 1}};

// Digit values (bytes 0..9; 0 where a position is empty) to a number: bytes 0..7 are the high
// eight digits, 8..15 the low eight.
[[nodiscard, gnu::always_inline]] inline std::uint64_t value16(__m128i d) noexcept {
    const __m128i pairs = _mm_maddubs_epi16(d, tens.load());
    const __m128i quads = _mm_madd_epi16(pairs, hundreds.load());
    const __m128i packed = _mm_packs_epi32(quads, quads); // each < 10000: no saturation
    const __m128i eights = _mm_madd_epi16(packed, ten_thousands.load());
    const auto both = static_cast<std::uint64_t>(_mm_cvtsi128_si64(eights));
    return (both & 0xFFFFFFFFULL) * 100000000ULL + (both >> 32);
}
// The 16 bytes at q minus '0', and which of them are digits (bit i: byte i).
[[nodiscard, gnu::always_inline]] inline __m128i digit_values(const char* q, unsigned& digit_mask) noexcept {
    const __m128i v = _mm_sub_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(q)), ascii_zero.load());
    digit_mask = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(v, nine.load()), v)));
    return v;
}
// Shuffle indexes that right-align the first n bytes in 16 (index -1..-16: pshufb writes zero).
inline constexpr auto right_align = [] {
    struct alignas(16) row {
        std::int8_t b[16];
    };
    struct table {
        row r[17];
    } t{};
    for (int n = 0; n <= 16; ++n)
        for (int j = 0; j < 16; ++j) t.r[n].b[j] = static_cast<std::int8_t>(j - 16 + n < 0 ? -1 : j - 16 + n);
    return t;
}();
} // namespace simd
#endif

// Padded: the run of ASCII digits at q and its value when it has at most 16 digits; n = its
// length, up to 16 (n = 16: the run may go on; the value is that of its first 16 digits).
[[nodiscard, gnu::always_inline]] inline std::uint64_t digit_run16(const char* q, unsigned& n) noexcept {
#if defined(__SSSE3__)
    unsigned digit;
    const __m128i v = simd::digit_values(q, digit);
    n = static_cast<unsigned>(__builtin_ctz(~digit)); // ~digit has bits 16..31 set: n <= 16
    const __m128i idx = _mm_load_si128(reinterpret_cast<const __m128i*>(simd::right_align.r[n].b));
    return simd::value16(_mm_shuffle_epi8(v, idx));
#else
    unsigned a = 0, b = 0;
    const std::uint64_t hi = digit_run8(q, a);
    if (a < 8) {
        n = a;
        return hi;
    }
    const std::uint64_t lo = digit_run8(q + 8, b);
    n = 8 + b;
    return hi * pow10_u64[b] + lo;
#endif
}

} // namespace acctsync::detail
