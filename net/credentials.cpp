#include "net/credentials.hpp"

#include <wolfssl/options.h> // first, always
#include <wolfssl/wolfcrypt/coding.h>

#include <sys/stat.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

namespace acctsync::net {

namespace {

// The DER prefix of a PKCS#8 Ed25519 private key (RFC 8410 §7): SEQUENCE { INTEGER 0,
// SEQUENCE { OID 1.3.101.112 }, OCTET STRING { OCTET STRING (32 bytes) } }.
constexpr unsigned char ed25519_pkcs8_prefix[] = {0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06,
                                                  0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20};

// The file's bytes, or an error when it cannot be read or others may read it.
bool read_private_file(const std::string& path, std::string& out, std::string& error) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        error = "cannot read key file " + path + ": " + std::strerror(errno);
        return false;
    }
    if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        error = "key file " + path + " may be read by group or others; refusing it (chmod 600 " + path + ")";
        return false;
    }
    std::ifstream f(path, std::ios::binary);
    if (!f) {
        error = "cannot open key file " + path;
        return false;
    }
    out.assign(std::istreambuf_iterator<char>(f), {});
    return true;
}

void wipe(std::string& s) {
    volatile char* p = s.data();
    for (std::size_t i = 0; i < s.size(); ++i) p[i] = 0;
    s.clear();
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) s.remove_suffix(1);
    return s;
}

} // namespace

std::string credentials::sign_rest(std::string_view total_params) const {
    switch (kind) {
    case key_kind::hmac: {
        const auto hex = hmac_sha256_hex(private_key.reveal(), total_params);
        return {hex.data(), hex.size()};
    }
    case key_kind::ed25519: return url_encode(ed25519_sign_base64(private_key.reveal(), total_params));
    case key_kind::rsa: return url_encode(rsa_sha256_sign_base64(private_key.reveal(), total_params));
    }
    return {};
}

std::string credentials::sign_wsapi(std::string_view payload) const {
    switch (kind) {
    case key_kind::hmac: {
        const auto hex = hmac_sha256_hex(private_key.reveal(), payload);
        return {hex.data(), hex.size()};
    }
    case key_kind::ed25519: return ed25519_sign_base64(private_key.reveal(), payload);
    case key_kind::rsa: return rsa_sha256_sign_base64(private_key.reveal(), payload);
    }
    return {};
}

credentials_result credentials_with_key_file(std::string api_key, const std::string& path) {
    credentials_result r;
    std::string pem;
    if (!read_private_file(path, pem, r.error)) return r;
    const auto begin = pem.find("-----BEGIN ");
    const auto body_start = pem.find('\n', begin);
    const auto end = pem.find("-----END ", body_start);
    if (begin == std::string::npos || body_start == std::string::npos || end == std::string::npos) {
        wipe(pem);
        r.error = "key file " + path + " is not a PEM private key";
        return r;
    }
    credentials c;
    c.api_key = std::move(api_key);
    // Ed25519 (PKCS#8): keep the 32-byte seed. Anything else must be an RSA key that signs.
    std::string b64;
    for (std::size_t i = body_start; i < end; ++i)
        if (pem[i] != '\n' && pem[i] != '\r' && pem[i] != ' ') b64 += pem[i];
    std::vector<unsigned char> der(b64.size());
    word32 der_len = static_cast<word32>(der.size());
    const bool decoded = Base64_Decode(reinterpret_cast<const byte*>(b64.data()), static_cast<word32>(b64.size()), der.data(), &der_len) == 0;
    wipe(b64);
    if (decoded && der_len == sizeof ed25519_pkcs8_prefix + 32 &&
        std::memcmp(der.data(), ed25519_pkcs8_prefix, sizeof ed25519_pkcs8_prefix) == 0) {
        c.kind = key_kind::ed25519;
        c.private_key = secret(std::string_view(reinterpret_cast<const char*>(der.data()) + sizeof ed25519_pkcs8_prefix, 32));
    } else if (!rsa_sha256_sign_base64(pem, "probe").empty()) {
        c.kind = key_kind::rsa;
        c.private_key = secret(pem);
    } else {
        r.error = "key file " + path + " holds neither an Ed25519 nor an RSA private key";
    }
    std::fill(der.begin(), der.end(), 0);
    wipe(pem);
    if (r.error.empty()) r.value = std::move(c);
    return r;
}

credentials_result credentials_from_env() {
    credentials_result r;
    const char* key = std::getenv("BINANCE_API_KEY");
    const char* hmac = std::getenv("BINANCE_API_SECRET");
    const char* file = std::getenv("BINANCE_PRIVATE_KEY_FILE");
    if (key == nullptr || *key == '\0') {
        r.error = "BINANCE_API_KEY is not set";
        return r;
    }
    if (file != nullptr && *file != '\0') return credentials_with_key_file(key, file);
    if (hmac == nullptr || *hmac == '\0') {
        r.error = "neither BINANCE_API_SECRET nor BINANCE_PRIVATE_KEY_FILE is set";
        return r;
    }
    credentials c;
    c.api_key = key;
    c.kind = key_kind::hmac;
    c.private_key = secret(hmac);
    r.value = std::move(c);
    return r;
}

credentials_result credentials_from_file(const std::string& path) {
    credentials_result r;
    std::string text;
    if (!read_private_file(path, text, r.error)) return r;
    std::string api_key, api_secret, key_file;
    std::string_view rest = text;
    int line_no = 0;
    while (!rest.empty()) {
        ++line_no;
        const auto nl = rest.find('\n');
        const std::string_view line = trim(rest.substr(0, nl));
        rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
        if (line.empty() || line.front() == '#') continue;
        const auto eq = line.find('=');
        const std::string_view name = trim(line.substr(0, eq == std::string_view::npos ? line.size() : eq));
        const std::string_view value = eq == std::string_view::npos ? std::string_view{} : trim(line.substr(eq + 1));
        if (name == "api_key") api_key = value;
        else if (name == "api_secret") api_secret = value;
        else if (name == "private_key_file") key_file = value;
        else {
            r.error = "key file " + path + " line " + std::to_string(line_no) + ": unknown name (expected api_key, api_secret or private_key_file)";
            wipe(text);
            wipe(api_secret);
            return r;
        }
    }
    wipe(text);
    if (api_key.empty()) {
        r.error = "key file " + path + " has no api_key";
    } else if (!key_file.empty()) {
        wipe(api_secret);
        return credentials_with_key_file(api_key, key_file);
    } else if (api_secret.empty()) {
        r.error = "key file " + path + " has neither api_secret nor private_key_file";
    } else {
        credentials c;
        c.api_key = api_key;
        c.private_key = secret(api_secret);
        r.value = std::move(c);
    }
    wipe(api_secret);
    return r;
}

} // namespace acctsync::net
