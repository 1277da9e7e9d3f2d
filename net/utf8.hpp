// acctsync/net/utf8.hpp — UTF-8 validation for WebSocket text (RFC 6455 §8.1, RFC 3629).
//
// Binance's frames are ASCII; the validator skips ASCII 32 bytes at a time (AVX2) or 16 (SWAR)
// and walks the rest byte by byte through the RFC 3629 ranges (no overlong forms, no
// surrogates, nothing above U+10FFFF). Incremental, so a fragmented message fails on the
// fragment that breaks it, not at its end.
//
// Threads: a validator belongs to one thread. Cost: ~1 cycle per 16–32 ASCII bytes; no
// allocation.
#pragma once

#include <cstddef>
#include <cstdint>

namespace acctsync::net {

class utf8_validator {
public:
    // Feeds the next bytes. Returns false once the bytes so far cannot begin valid UTF-8
    // (sticky until reset()).
    [[nodiscard]] bool feed(const char* data, std::size_t size) noexcept;
    // True when everything fed is valid and no code point is left open.
    [[nodiscard]] bool complete() const noexcept { return !bad_ && need_ == 0; }
    [[nodiscard]] bool failed() const noexcept { return bad_; }
    void reset() noexcept { *this = utf8_validator{}; }

private:
    std::uint8_t need_ = 0;   // continuation bytes still expected
    std::uint8_t lo_ = 0x80;  // range of the next continuation byte
    std::uint8_t hi_ = 0xBF;
    bool bad_ = false;
};

// The whole of data[0, size) is valid UTF-8.
[[nodiscard]] bool utf8_valid(const char* data, std::size_t size) noexcept;

} // namespace acctsync::net
