// acctsync/net/signing.hpp — request signing exactly as Binance futures verifies it.
//
// REST (USER_DATA / TRADE): HMAC-SHA256 over totalParams = query string concatenated directly
// with the form body (no '&' between), in the order sent; lowercase hex; `signature` last.
// WS-API: every param except `signature`, sorted by name, joined k=v&k=v — `apiKey` included.
// session.logon: Ed25519 over that payload, base64. Checked against Binance's published test
// vectors (tests/signing_test.cpp).
//
// Secrets: `secret` keeps key material out of logs and off disk: it prints as "***", copies are
// explicit, memory is wiped when it goes away. Nothing in acctsync writes a secret anywhere.
//
// Threads: pure functions; a secret may be read from several threads.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace acctsync::net {

class secret {
public:
    secret() = default;
    explicit secret(std::string_view s) : bytes_(s) {}
    secret(const secret&) = default;
    secret& operator=(const secret&) = default;
    // A move copies and then wipes the source: std::string's move leaves a short string's bytes
    // in the source's inline buffer, where a wipe after the move would no longer see them.
    secret(secret&& o) : bytes_(o.bytes_) { o.wipe(); }
    secret& operator=(secret&& o) {
        if (this != &o) {
            wipe();
            bytes_ = o.bytes_;
            o.wipe();
        }
        return *this;
    }
    ~secret() { wipe(); }

    [[nodiscard]] std::string_view reveal() const noexcept { return bytes_; } // for the signer only
    [[nodiscard]] bool empty() const noexcept { return bytes_.empty(); }
    [[nodiscard]] static constexpr std::string_view redacted() noexcept { return "***"; }

private:
    void wipe() noexcept;
    std::string bytes_;
};

// HMAC-SHA256(key, message) as 64 lowercase hex characters.
[[nodiscard]] std::array<char, 64> hmac_sha256_hex(std::string_view key, std::string_view message) noexcept;

// REST signature over query + body (Binance's totalParams).
[[nodiscard]] std::string sign_rest(const secret& key, std::string_view query, std::string_view body);

// Verifies a REST/WS-API HMAC signature (hex, case-insensitive as Binance accepts it) in
// constant time. Used by the exchange simulator.
[[nodiscard]] bool verify_hmac_sha256_hex(std::string_view key, std::string_view message,
                                          std::string_view signature_hex) noexcept;

// The WS-API signature payload: params sorted by name (signature excluded), "k=v&k=v".
[[nodiscard]] std::string wsapi_payload(std::vector<std::pair<std::string, std::string>> params);

// Ed25519 over message with a 32-byte private seed; returns the base64 signature (88 chars).
// Returns an empty string if the seed is not 32 bytes. Also derives the public key.
[[nodiscard]] std::string ed25519_sign_base64(std::string_view seed32, std::string_view message);
[[nodiscard]] std::string ed25519_public_key(std::string_view seed32);
[[nodiscard]] bool ed25519_verify_base64(std::string_view public_key32, std::string_view message,
                                         std::string_view signature_base64) noexcept;

// RSASSA-PKCS1-v1_5 with SHA-256 over message, base64 (Binance's RSA keys). `private_key_pem`
// is a PKCS#8 ("PRIVATE KEY") or PKCS#1 ("RSA PRIVATE KEY") PEM. Empty on any failure.
[[nodiscard]] std::string rsa_sha256_sign_base64(std::string_view private_key_pem, std::string_view message);

// base64 without line breaks; percent-encoding of everything but RFC 3986's unreserved
// characters (base64 signatures in a query string).
[[nodiscard]] std::string base64_encode(std::string_view bytes);
[[nodiscard]] std::string url_encode(std::string_view text);

// Hex helpers (for keys given as hex in configuration and test vectors).
[[nodiscard]] std::string from_hex(std::string_view hex);
[[nodiscard]] std::string to_hex(std::string_view bytes);

} // namespace acctsync::net
