#include "net/signing.hpp"

#include <wolfssl/options.h> // first, always
#include <wolfssl/wolfcrypt/coding.h>
#include <wolfssl/wolfcrypt/ed25519.h>
#include <wolfssl/wolfcrypt/hmac.h>
#include <wolfssl/wolfcrypt/asn_public.h>
#include <wolfssl/wolfcrypt/sha256.h>
#include <wolfssl/ssl.h>
#include <wolfssl/openssl/rsa.h>
#include <wolfssl/openssl/objects.h>

#include <algorithm>
#include <cstring>

namespace acctsync::net {

void secret::wipe() noexcept {
    if (!bytes_.empty()) {
        volatile char* p = bytes_.data();
        for (std::size_t i = 0; i < bytes_.size(); ++i) p[i] = 0;
        bytes_.clear();
    }
}

std::array<char, 64> hmac_sha256_hex(std::string_view key, std::string_view message) noexcept {
    static constexpr char digits[] = "0123456789abcdef";
    std::array<char, 64> out{};
    Hmac h;
    unsigned char mac[WC_SHA256_DIGEST_SIZE];
    if (wc_HmacInit(&h, nullptr, INVALID_DEVID) != 0 ||
        wc_HmacSetKey(&h, WC_SHA256, reinterpret_cast<const byte*>(key.data()), static_cast<word32>(key.size())) != 0 ||
        wc_HmacUpdate(&h, reinterpret_cast<const byte*>(message.data()), static_cast<word32>(message.size())) != 0 ||
        wc_HmacFinal(&h, mac) != 0) {
        wc_HmacFree(&h);
        return out; // all zero bytes: never a valid signature
    }
    wc_HmacFree(&h);
    for (int i = 0; i < WC_SHA256_DIGEST_SIZE; ++i) {
        out[static_cast<std::size_t>(2 * i)] = digits[mac[i] >> 4];
        out[static_cast<std::size_t>(2 * i + 1)] = digits[mac[i] & 15];
    }
    std::memset(mac, 0, sizeof mac);
    return out;
}

std::string sign_rest(const secret& key, std::string_view query, std::string_view body) {
    std::string total;
    total.reserve(query.size() + body.size());
    total.append(query).append(body);
    const auto hex = hmac_sha256_hex(key.reveal(), total);
    return {hex.data(), hex.size()};
}

bool verify_hmac_sha256_hex(std::string_view key, std::string_view message, std::string_view sig) noexcept {
    if (sig.size() != 64) return false;
    const auto expect = hmac_sha256_hex(key, message);
    unsigned diff = 0;
    for (std::size_t i = 0; i < 64; ++i) {
        char c = sig[i];
        if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
        diff |= static_cast<unsigned>(static_cast<unsigned char>(c) ^ static_cast<unsigned char>(expect[i]));
    }
    return diff == 0;
}

std::string wsapi_payload(std::vector<std::pair<std::string, std::string>> params) {
    params.erase(std::remove_if(params.begin(), params.end(), [](const auto& p) { return p.first == "signature"; }),
                 params.end());
    std::sort(params.begin(), params.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::string out;
    for (const auto& [k, v] : params) {
        if (!out.empty()) out += '&';
        out += k;
        out += '=';
        out += v;
    }
    return out;
}

namespace {
bool make_key(ed25519_key& key, std::string_view seed) {
    if (seed.size() != ED25519_KEY_SIZE) return false;
    if (wc_ed25519_init(&key) != 0) return false;
    byte pub[ED25519_PUB_KEY_SIZE];
    if (wc_ed25519_import_private_only(reinterpret_cast<const byte*>(seed.data()), ED25519_KEY_SIZE, &key) != 0 ||
        wc_ed25519_make_public(&key, pub, sizeof pub) != 0 ||
        wc_ed25519_import_private_key(reinterpret_cast<const byte*>(seed.data()), ED25519_KEY_SIZE, pub, sizeof pub, &key) != 0) {
        wc_ed25519_free(&key);
        return false;
    }
    return true;
}

std::string base64(const unsigned char* p, std::size_t n) {
    word32 len = static_cast<word32>((n + 2) / 3 * 4 + 4);
    std::string out(len, '\0');
    if (Base64_Encode_NoNl(p, static_cast<word32>(n), reinterpret_cast<byte*>(out.data()), &len) != 0) return {};
    out.resize(len);
    return out;
}
} // namespace

std::string base64_encode(std::string_view bytes) {
    return base64(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
}

std::string url_encode(std::string_view text) {
    static constexpr char digits[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size() * 3);
    for (const char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
            c == '.' || c == '~') {
            out += ch;
        } else {
            out += '%';
            out += digits[c >> 4];
            out += digits[c & 15];
        }
    }
    return out;
}

// Through the library's own allocating RSA object, never an RsaKey on our stack: an RsaKey
// holds eight mp_ints whose size the installed options.h does not pin down (measured here: the
// AES-NI build's code writes 8 504 bytes into what options.h declares as 8 440), so only
// wolfSSL may size it.
std::string rsa_sha256_sign_base64(std::string_view pem, std::string_view message) {
    std::string out;
    std::vector<unsigned char> der(pem.size() + 16);
    const int der_len = wc_KeyPemToDer(reinterpret_cast<const unsigned char*>(pem.data()), static_cast<int>(pem.size()),
                                       der.data(), static_cast<int>(der.size()), nullptr);
    if (der_len <= 0) return out;
    unsigned char digest[WC_SHA256_DIGEST_SIZE];
    WOLFSSL_RSA* rsa = wolfSSL_RSA_new();
    if (rsa != nullptr &&
        wolfSSL_RSA_LoadDer_ex(rsa, der.data(), der_len, WOLFSSL_RSA_LOAD_PRIVATE) == WOLFSSL_SUCCESS &&
        wc_Sha256Hash(reinterpret_cast<const byte*>(message.data()), static_cast<word32>(message.size()), digest) == 0) {
        std::vector<unsigned char> sig(static_cast<std::size_t>(wolfSSL_RSA_size(rsa)));
        unsigned int sig_len = static_cast<unsigned int>(sig.size());
        if (!sig.empty() && wolfSSL_RSA_sign(NID_sha256, digest, sizeof digest, sig.data(), &sig_len, rsa) == WOLFSSL_SUCCESS)
            out = base64(sig.data(), sig_len);
    }
    if (rsa != nullptr) wolfSSL_RSA_free(rsa);
    std::fill(der.begin(), der.end(), 0);
    return out;
}

std::string ed25519_sign_base64(std::string_view seed, std::string_view message) {
    ed25519_key key;
    if (!make_key(key, seed)) return {};
    byte sig[ED25519_SIG_SIZE];
    word32 sig_len = sizeof sig;
    const int rc = wc_ed25519_sign_msg(reinterpret_cast<const byte*>(message.data()), static_cast<word32>(message.size()),
                                       sig, &sig_len, &key);
    wc_ed25519_free(&key);
    if (rc != 0) return {};
    return base64(sig, sig_len);
}

std::string ed25519_public_key(std::string_view seed) {
    ed25519_key key;
    if (!make_key(key, seed)) return {};
    byte pub[ED25519_PUB_KEY_SIZE];
    word32 len = sizeof pub;
    const int rc = wc_ed25519_export_public(&key, pub, &len);
    wc_ed25519_free(&key);
    if (rc != 0) return {};
    return std::string(reinterpret_cast<const char*>(pub), len);
}

bool ed25519_verify_base64(std::string_view pub, std::string_view message, std::string_view sig_b64) noexcept {
    if (pub.size() != ED25519_PUB_KEY_SIZE || sig_b64.size() > 128) return false;
    byte sig[96];
    word32 sig_len = sizeof sig;
    if (Base64_Decode(reinterpret_cast<const byte*>(sig_b64.data()), static_cast<word32>(sig_b64.size()), sig, &sig_len) != 0 ||
        sig_len != ED25519_SIG_SIZE)
        return false;
    ed25519_key key;
    if (wc_ed25519_init(&key) != 0) return false;
    int ok = 0;
    const bool imported = wc_ed25519_import_public(reinterpret_cast<const byte*>(pub.data()), ED25519_PUB_KEY_SIZE, &key) == 0;
    const int rc = imported ? wc_ed25519_verify_msg(sig, sig_len, reinterpret_cast<const byte*>(message.data()),
                                                    static_cast<word32>(message.size()), &ok, &key)
                            : -1;
    wc_ed25519_free(&key);
    return rc == 0 && ok == 1;
}

std::string from_hex(std::string_view hex) {
    auto nib = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    if (hex.size() % 2 != 0) return {};
    std::string out(hex.size() / 2, '\0');
    for (std::size_t i = 0; i < out.size(); ++i) {
        const int hi = nib(hex[2 * i]), lo = nib(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) return {};
        out[i] = static_cast<char>(hi * 16 + lo);
    }
    return out;
}

std::string to_hex(std::string_view bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (const unsigned char c : bytes) {
        out += digits[c >> 4];
        out += digits[c & 15];
    }
    return out;
}

} // namespace acctsync::net
