// acctsync/core/inline_string.hpp — fixed-capacity UTF-8 byte strings stored inline in events.
//
// Events cross threads by memcpy through SPSC rings, so strings cannot point anywhere: they
// live inside the event. Bytes are opaque UTF-8 (Binance symbols can be Chinese since
// 2025-10, e.g. "币安人生USDT" = 16 bytes). Unused bytes are always zero, so equality and
// hashing work on whole fixed-size words. Input longer than the capacity is an error; a
// value is never silently truncated.
//
// Capacities (bytes, one more byte holds the length):
//   symbol_string   31  Binance symbols are <= 20 ASCII today; 31 leaves room for CJK names.
//   asset_string    15  assets are <= 10 ASCII ("1000SATS", "BNFCR"); 15 holds 5 CJK chars.
//   client_id_string 47 newClientOrderId is ^[.A-Z:/a-z0-9_-]{1,36}$; system ids add prefixes
//                       ("settlement_autoclose-", "delivery_autoclose-").
//   alias_string    15  COIN-M account alias "i" (seen: 4 and 14 characters).
//   key_string      71  listenKey (64 in practice; not assumed).
//   text_string     63  free-text reasons (ALGO_UPDATE "rm").
//
// Thread safety: plain value type.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <type_traits>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace acctsync {

template <std::size_t Size>
struct inline_string {
    static_assert(Size >= 2 && Size <= 256, "the length must fit one byte");
    static constexpr std::size_t capacity = Size - 1;

    // Public for aggregate/trivial layout; use the members below, not these.
    char bytes_[capacity];
    std::uint8_t size_;

    // Returns false (and leaves *this empty) when s is longer than capacity.
    [[nodiscard]] constexpr bool assign(std::string_view s) noexcept {
        if (s.size() > capacity) {
            clear();
            return false;
        }
        if (std::is_constant_evaluated()) {
            for (std::size_t i = 0; i < s.size(); ++i) bytes_[i] = s[i];
            for (std::size_t i = s.size(); i < capacity; ++i) bytes_[i] = 0;
        } else {
            std::memset(bytes_, 0, capacity); // fixed size: one or two vector stores
            if (!s.empty()) std::memcpy(bytes_, s.data(), s.size());
        }
        size_ = static_cast<std::uint8_t>(s.size());
        return true;
    }
    // The same from a padded buffer: reads Size bytes at s whatever n is (the caller's buffer
    // must have them, as every parser payload does) and writes the whole object in 16-byte
    // masked stores: ~4 instructions per 16 bytes, no call. For the parsers' hot path.
    [[nodiscard, gnu::always_inline]] bool assign_padded(const char* s, std::size_t n) noexcept {
        if (n > capacity) {
            clear();
            return false;
        }
#if defined(__SSE2__)
        if constexpr (Size % 16 == 0) {
            // keep[16 - k .. 32 - k) is k bytes of 0xFF then zeros
            alignas(64) static constexpr unsigned char keep[32] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                                                                   0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
            for (std::size_t c = 0; c < Size; c += 16) {
                const std::size_t k = n > c ? (n - c < 16 ? n - c : 16) : 0;
                const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + c));
                const __m128i m = _mm_loadu_si128(reinterpret_cast<const __m128i*>(keep + 16 - k));
                _mm_storeu_si128(reinterpret_cast<__m128i*>(reinterpret_cast<char*>(this) + c), _mm_and_si128(v, m));
            }
            size_ = static_cast<std::uint8_t>(n);
            return true;
        }
#endif
        return assign({s, n});
    }
    constexpr void clear() noexcept {
        for (auto& b : bytes_) b = 0;
        size_ = 0;
    }
    [[nodiscard]] static constexpr inline_string from(std::string_view s) noexcept {
        inline_string r{};
        (void)r.assign(s);
        return r;
    }

    [[nodiscard]] constexpr std::string_view view() const noexcept { return {bytes_, size_}; }
    [[nodiscard]] constexpr std::size_t size() const noexcept { return size_; }
    [[nodiscard]] constexpr bool empty() const noexcept { return size_ == 0; }
    [[nodiscard]] constexpr const char* data() const noexcept { return bytes_; }

    friend constexpr bool operator==(const inline_string& a, const inline_string& b) noexcept {
        if (std::is_constant_evaluated()) return a.view() == b.view();
        return std::memcmp(&a, &b, sizeof(inline_string)) == 0; // zero padding makes this exact
    }
    friend constexpr bool operator==(const inline_string& a, std::string_view b) noexcept { return a.view() == b; }

    // Fixed-cost hash over the whole padded object (no length-dependent loop).
    [[nodiscard]] std::uint64_t hash() const noexcept {
        constexpr std::size_t words = (sizeof(inline_string) + 7) / 8;
        std::uint64_t w[words] = {};
        std::memcpy(w, this, sizeof(inline_string));
        std::uint64_t h = 0x9E3779B97F4A7C15ULL;
        for (std::size_t i = 0; i < words; ++i) {
            h ^= w[i];
            h *= 0xBF58476D1CE4E5B9ULL;
            h ^= h >> 31;
        }
        return h;
    }
};

using symbol_string = inline_string<32>;
using asset_string = inline_string<16>;
using client_id_string = inline_string<48>;
using alias_string = inline_string<16>;
using key_string = inline_string<72>;
using text_string = inline_string<64>;

static_assert(sizeof(symbol_string) == 32 && sizeof(asset_string) == 16 && sizeof(client_id_string) == 48);

// True when s is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF). The JSON
// parser already validates its input; this is for strings that arrive by other paths.
[[nodiscard]] constexpr bool is_valid_utf8(std::string_view s) noexcept {
    std::size_t i = 0;
    const std::size_t n = s.size();
    while (i < n) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            ++i;
            continue;
        }
        std::size_t len;
        std::uint32_t cp;
        if ((c & 0xE0) == 0xC0) {
            len = 2;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (i + len > n) return false;
        for (std::size_t k = 1; k < len; ++k) {
            const auto cc = static_cast<unsigned char>(s[i + k]);
            if ((cc & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (cc & 0x3F);
        }
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000)) return false;
        if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
        i += len;
    }
    return true;
}

} // namespace acctsync
