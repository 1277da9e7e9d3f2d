// Credentials: where keys come from (environment, key file, PEM private-key files), files that
// others may read refused, and signatures equal to OpenSSL's for the same key and payload.
// No message ever carries the secret.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "net/credentials.hpp"
#include "support/payload.hpp"

using namespace acctsync;
using net::key_kind;

namespace {

const std::string payload =
    "symbol=BTCUSDT&side=BUY&type=LIMIT&quantity=1&price=9000&timeInForce=GTC&recvWindow=5000&timestamp=1591702613943";

std::filesystem::path keys_dir() { return test::data_dir() / "keys"; }

// A private copy of a file (git keeps no modes), with the given permission bits.
std::string private_copy(const std::string& name, const std::string& content, mode_t mode = 0600) {
    const auto dir = std::filesystem::temp_directory_path() / ("acctsync-cred-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const auto p = dir / name;
    {
        std::ofstream f(p, std::ios::binary | std::ios::trunc);
        f << content;
    }
    ::chmod(p.c_str(), mode);
    return p.string();
}

std::string trimmed(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    return s;
}

} // namespace

TEST(credentials, an_rsa_signature_equals_openssls) {
    const auto path = private_copy("rsa.pem", test::read_file(keys_dir() / "rsa_test_key.pem"));
    const auto r = net::credentials_with_key_file("KEY", path);
    ASSERT_TRUE(r.value) << r.error;
    EXPECT_EQ(r.value->kind, key_kind::rsa);
    const std::string expected = trimmed(test::read_file(keys_dir() / "rsa_expected.b64"));
    EXPECT_EQ(r.value->sign_wsapi(payload), expected);
    EXPECT_EQ(r.value->sign_rest(payload), net::url_encode(expected)) << "REST: base64 URL-encoded";
}

TEST(credentials, an_ed25519_pkcs8_key_signs_as_openssl_does) {
    const auto path = private_copy("ed.pem", test::read_file(keys_dir() / "ed25519_test_key.pem"));
    const auto r = net::credentials_with_key_file("KEY", path);
    ASSERT_TRUE(r.value) << r.error;
    EXPECT_EQ(r.value->kind, key_kind::ed25519);
    const std::string expected = trimmed(test::read_file(keys_dir() / "ed25519_expected.b64"));
    EXPECT_EQ(r.value->sign_wsapi(payload), expected);
    EXPECT_EQ(r.value->sign_rest(payload), net::url_encode(expected));
}

TEST(credentials, hmac_signs_with_binances_published_vector) {
    net::credentials c{"KEY", key_kind::hmac, net::secret("2b5eb11e18796d12d88f13dc27dbbd02c2cc51ff7059765ed9821957d82bb4d9")};
    EXPECT_EQ(c.sign_rest(payload), "3c661234138461fcc7a7d8746c6558c9842d4e10870d2ecbedf7777cad694af9");
}

TEST(credentials, files_others_may_read_are_refused_with_the_fix) {
    const auto loose = private_copy("loose.pem", test::read_file(keys_dir() / "rsa_test_key.pem"), 0644);
    const auto r = net::credentials_with_key_file("KEY", loose);
    EXPECT_FALSE(r.value);
    EXPECT_NE(r.error.find("chmod 600"), std::string::npos) << r.error;
    const auto loose_file = private_copy("loose.keys", "api_key=A\napi_secret=TOPSECRET\n", 0640);
    const auto f = net::credentials_from_file(loose_file);
    EXPECT_FALSE(f.value);
    EXPECT_EQ(f.error.find("TOPSECRET"), std::string::npos);
}

TEST(credentials, a_key_file_names_the_key_and_its_secret_or_private_key_file) {
    const auto ok = net::credentials_from_file(private_copy("ok.keys", "# test\napi_key = A1\napi_secret = S3CR3T-VALUE\n"));
    ASSERT_TRUE(ok.value) << ok.error;
    EXPECT_EQ(ok.value->api_key, "A1");
    EXPECT_EQ(ok.value->kind, key_kind::hmac);
    EXPECT_EQ(ok.value->private_key.reveal(), "S3CR3T-VALUE");

    const auto pem = private_copy("k.pem", test::read_file(keys_dir() / "ed25519_test_key.pem"));
    const auto with_pem = net::credentials_from_file(private_copy("pem.keys", "api_key=A2\nprivate_key_file=" + pem + "\n"));
    ASSERT_TRUE(with_pem.value) << with_pem.error;
    EXPECT_EQ(with_pem.value->kind, key_kind::ed25519);

    const auto typo = net::credentials_from_file(private_copy("typo.keys", "api_key=A\napi_secert=S3CR3T-VALUE\n"));
    EXPECT_FALSE(typo.value);
    EXPECT_NE(typo.error.find("line 2"), std::string::npos) << typo.error;
    EXPECT_EQ(typo.error.find("S3CR3T"), std::string::npos) << "no secret in a message";
    EXPECT_FALSE(net::credentials_from_file("/nonexistent/acctsync.keys").value);
    const auto not_pem = net::credentials_with_key_file("A", private_copy("junk.pem", "hello"));
    EXPECT_FALSE(not_pem.value);
}

TEST(credentials, the_environment_gives_hmac_or_a_private_key_file) {
    ::setenv("BINANCE_API_KEY", "ENVKEY", 1);
    ::setenv("BINANCE_API_SECRET", "ENVSECRET", 1);
    ::unsetenv("BINANCE_PRIVATE_KEY_FILE");
    auto r = net::credentials_from_env();
    ASSERT_TRUE(r.value) << r.error;
    EXPECT_EQ(r.value->api_key, "ENVKEY");
    EXPECT_EQ(r.value->kind, key_kind::hmac);
    ::setenv("BINANCE_PRIVATE_KEY_FILE", private_copy("env.pem", test::read_file(keys_dir() / "rsa_test_key.pem")).c_str(), 1);
    r = net::credentials_from_env();
    ASSERT_TRUE(r.value) << r.error;
    EXPECT_EQ(r.value->kind, key_kind::rsa);
    ::unsetenv("BINANCE_API_KEY");
    r = net::credentials_from_env();
    EXPECT_FALSE(r.value);
    EXPECT_NE(r.error.find("BINANCE_API_KEY"), std::string::npos);
    ::unsetenv("BINANCE_API_SECRET");
    ::unsetenv("BINANCE_PRIVATE_KEY_FILE");
}

TEST(credentials, url_encoding_keeps_only_unreserved_characters) {
    EXPECT_EQ(net::url_encode("a+b/c=d"), "a%2Bb%2Fc%3Dd");
    EXPECT_EQ(net::url_encode("AZaz09-_.~"), "AZaz09-_.~");
}
