#include "net/utf8.hpp"

#include <cstring>

#if defined(__AVX2__)
#include <immintrin.h>
#endif

namespace acctsync::net {

namespace {

// Length of the ASCII run at the start of p[0, n), in steps of the vector width (the tail of
// fewer than 16 bytes is left to the byte loop).
inline std::size_t ascii_prefix(const unsigned char* p, std::size_t n) noexcept {
    std::size_t i = 0;
#if defined(__AVX2__)
    for (; i + 32 <= n; i += 32) {
        const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i));
        if (_mm256_movemask_epi8(v) != 0) return i;
    }
#endif
    for (; i + 16 <= n; i += 16) {
        std::uint64_t a, b;
        std::memcpy(&a, p + i, 8);
        std::memcpy(&b, p + i + 8, 8);
        if (((a | b) & 0x8080808080808080ULL) != 0) return i;
    }
    return i;
}

} // namespace

bool utf8_validator::feed(const char* data, std::size_t size) noexcept {
    if (bad_) return false;
    const auto* p = reinterpret_cast<const unsigned char*>(data);
    std::size_t i = 0;
    while (i < size) {
        if (need_ == 0) {
            i += ascii_prefix(p + i, size - i);
            // byte loop until the next lead byte is dealt with
            while (i < size && need_ == 0) {
                const unsigned char c = p[i++];
                if (c < 0x80) continue;
                // RFC 3629 §4: the lead byte fixes the length and the range of the first
                // continuation byte (which excludes overlong forms, surrogates, > U+10FFFF).
                if (c >= 0xC2 && c <= 0xDF) { need_ = 1; lo_ = 0x80; hi_ = 0xBF; }
                else if (c == 0xE0) { need_ = 2; lo_ = 0xA0; hi_ = 0xBF; }
                else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) { need_ = 2; lo_ = 0x80; hi_ = 0xBF; }
                else if (c == 0xED) { need_ = 2; lo_ = 0x80; hi_ = 0x9F; }
                else if (c == 0xF0) { need_ = 3; lo_ = 0x90; hi_ = 0xBF; }
                else if (c >= 0xF1 && c <= 0xF3) { need_ = 3; lo_ = 0x80; hi_ = 0xBF; }
                else if (c == 0xF4) { need_ = 3; lo_ = 0x80; hi_ = 0x8F; }
                else { bad_ = true; return false; }
                // an ASCII run right after a lead byte is an error the continuation check catches
            }
            continue;
        }
        const unsigned char c = p[i++];
        if (c < lo_ || c > hi_) {
            bad_ = true;
            return false;
        }
        --need_;
        lo_ = 0x80;
        hi_ = 0xBF;
    }
    return true;
}

bool utf8_valid(const char* data, std::size_t size) noexcept {
    const auto* p = reinterpret_cast<const unsigned char*>(data);
    const std::size_t ascii = ascii_prefix(p, size);
    if (ascii == size) return true;
    utf8_validator v;
    return v.feed(data + ascii, size - ascii) && v.complete();
}

} // namespace acctsync::net
