// acctsync/net/credentials.hpp — an account's API key and private key, where they come from,
// and the signature each request carries.
//
// Sources, in the user's hands, never written anywhere by acctsync:
//   * the environment: BINANCE_API_KEY with BINANCE_API_SECRET (an HMAC key) or with
//     BINANCE_PRIVATE_KEY_FILE (a PEM file: an Ed25519 or RSA private key);
//   * a key file of `name=value` lines (api_key, api_secret or private_key_file; # comments).
// A key file or private-key file that the group or others may read is refused, with a message
// that says how to fix it. Messages name files and variables, never their contents.
//
// Signatures (Binance's rules, spec §3.2): REST HMAC-SHA256 → lowercase hex; RSA
// (PKCS#1 v1.5, SHA-256) and Ed25519 → base64, URL-encoded in a query. WS-API: the same values,
// not URL-encoded (they sit inside JSON). Ed25519 on fapi/dapi REST is UNVERIFIED (spec §3.2).
//
// Threads: a credentials value may be shared read-only by several threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "net/signing.hpp"

namespace acctsync::net {

enum class key_kind : std::uint8_t { hmac, ed25519, rsa };

struct credentials {
    std::string api_key;       // sent as X-MBX-APIKEY; not logged by acctsync either
    key_kind kind = key_kind::hmac;
    secret private_key;        // HMAC secret, 32-byte Ed25519 seed, or RSA PEM

    [[nodiscard]] std::string sign_rest(std::string_view total_params) const;
    [[nodiscard]] std::string sign_wsapi(std::string_view payload) const;
    [[nodiscard]] bool empty() const noexcept { return api_key.empty() || private_key.empty(); }
};

struct credentials_result {
    std::optional<credentials> value;
    std::string error; // when !value: what is missing or wrong, without any secret in it
};

[[nodiscard]] credentials_result credentials_from_env();
[[nodiscard]] credentials_result credentials_from_file(const std::string& path);
// A PEM private key (PKCS#8 Ed25519, or RSA in PKCS#8 / PKCS#1) read from `path`.
[[nodiscard]] credentials_result credentials_with_key_file(std::string api_key, const std::string& path);

} // namespace acctsync::net
