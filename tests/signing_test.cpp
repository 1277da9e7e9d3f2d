// Request signing against Binance's published test vectors (spec §3.2, §4) and RFC vectors.
#include <gtest/gtest.h>

#include "net/signing.hpp"

using namespace acctsync::net;

TEST(Signing, RestSignatureMatchesBinanceFapiTestVector) {
    const secret key("2b5eb11e18796d12d88f13dc27dbbd02c2cc51ff7059765ed9821957d82bb4d9");
    EXPECT_EQ(sign_rest(key, "symbol=BTCUSDT&side=BUY&type=LIMIT&quantity=1&price=9000&timeInForce=GTC&recvWindow=5000&timestamp=1591702613943", ""),
              "3c661234138461fcc7a7d8746c6558c9842d4e10870d2ecbedf7777cad694af9");
}

// The doc's mixed example: its published signature reproduces only over the doc's own echo line,
// stray space included ("timestamp= 1591702613943"), and only with query and body concatenated
// directly — the '&'-joined variant gives b2543b4a.... So the no-'&' rule is confirmed by the
// vector; the space is a typo in the doc's request, carried into its signature.
TEST(Signing, RestSignatureConcatenatesQueryAndBodyWithoutAmpersand) {
    const secret key("2b5eb11e18796d12d88f13dc27dbbd02c2cc51ff7059765ed9821957d82bb4d9");
    EXPECT_EQ(sign_rest(key, "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC", "quantity=1&price=9000&recvWindow=5000&timestamp= 1591702613943"),
              "f9d0ae5e813ef6ccf15c2b5a434047a0181cb5a342b903b367ca6d27a66e36f2");
    EXPECT_NE(sign_rest(key, "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&", "quantity=1&price=9000&recvWindow=5000&timestamp= 1591702613943"),
              "f9d0ae5e813ef6ccf15c2b5a434047a0181cb5a342b903b367ca6d27a66e36f2");
    EXPECT_EQ(sign_rest(key, "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC", "quantity=1&price=9000&recvWindow=5000&timestamp=1591702613943"),
              "30baaf0fab549bbeda7f5ef201898b34122da25fd23c646cac2c529aebe670a4") << "without the typo";
}

TEST(Signing, HmacMatchesRfc4231) {
    // RFC 4231 test case 2.
    const auto mac = hmac_sha256_hex("Jefe", "what do ya want for nothing?");
    EXPECT_EQ(std::string(mac.data(), mac.size()), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Signing, VerificationIsCaseInsensitiveAndRejectsTampering) {
    const std::string key = "2b5eb11e18796d12d88f13dc27dbbd02c2cc51ff7059765ed9821957d82bb4d9";
    const std::string msg = "symbol=BTCUSDT&side=BUY&type=LIMIT&quantity=1&price=9000&timeInForce=GTC&recvWindow=5000&timestamp=1591702613943";
    EXPECT_TRUE(verify_hmac_sha256_hex(key, msg, "3c661234138461fcc7a7d8746c6558c9842d4e10870d2ecbedf7777cad694af9"));
    EXPECT_TRUE(verify_hmac_sha256_hex(key, msg, "3C661234138461FCC7A7D8746C6558C9842D4E10870D2ECBEDF7777CAD694AF9"));
    EXPECT_FALSE(verify_hmac_sha256_hex(key, msg + "0", "3c661234138461fcc7a7d8746c6558c9842d4e10870d2ecbedf7777cad694af9"));
    EXPECT_FALSE(verify_hmac_sha256_hex(key, msg, "3c661234138461fcc7a7d8746c6558c9842d4e10870d2ecbedf7777cad694af8"));
    EXPECT_FALSE(verify_hmac_sha256_hex(key, msg, "3c66"));
}

TEST(Signing, WsApiPayloadSortsParamsIncludingApiKeyAndDropsSignature) {
    EXPECT_EQ(wsapi_payload({{"timestamp", "1702920680303"}, {"symbol", "BTCUSDT"},
                             {"apiKey", "xTaDyrmvA9XT2oBHHjy39zyPzKCvMdtH3b9q4xadkAg2dNSJXQGCxzui26L823W2"},
                             {"signature", "x"}}),
              "apiKey=xTaDyrmvA9XT2oBHHjy39zyPzKCvMdtH3b9q4xadkAg2dNSJXQGCxzui26L823W2&symbol=BTCUSDT&timestamp=1702920680303");
}

TEST(Signing, Ed25519MatchesRfc8032AndVerifies) {
    // RFC 8032 §7.1 test 1 (empty message) and test 2 (one byte 0x72).
    const std::string seed = from_hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
    EXPECT_EQ(to_hex(ed25519_public_key(seed)), "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
    const std::string sig = ed25519_sign_base64(seed, "");
    EXPECT_EQ(sig, "5VZDAMNgrHKQhuLMgG6CioSHfx645dl02HPgZSJJAVVfuIIVkKM7rMYeOXAc+bRr0lv18FlbviRlUUFDjnoQCw==");
    EXPECT_TRUE(ed25519_verify_base64(ed25519_public_key(seed), "", sig));
    EXPECT_FALSE(ed25519_verify_base64(ed25519_public_key(seed), "x", sig));
    const std::string seed2 = from_hex("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb");
    EXPECT_EQ(to_hex(ed25519_public_key(seed2)), "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c");
    // the published signature of test 2, not only one that verifies
    const std::string sig2 = ed25519_sign_base64(seed2, std::string(1, '\x72'));
    EXPECT_EQ(sig2, base64_encode(from_hex("92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
                                           "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00")));
    EXPECT_TRUE(ed25519_verify_base64(ed25519_public_key(seed2), std::string(1, '\x72'), sig2));
    EXPECT_TRUE(ed25519_sign_base64("short", "x").empty());
}

// A short secret lives in std::string's inline buffer; moving it away must not leave its bytes
// in the moved-from object's storage, nor must destruction.
TEST(Signing, ShortSecretsLeaveNoBytesBehindWhenMovedOrDestroyed) {
    const std::string text = "k3y-Sh0rt"; // fits the small-string buffer
    alignas(secret) unsigned char storage[sizeof(secret)];
    auto* s = new (storage) secret(text);
    secret moved = std::move(*s);
    EXPECT_EQ(moved.reveal(), text);
    s->~secret();
    const std::string raw(reinterpret_cast<const char*>(storage), sizeof storage);
    // (a moved-from std::string zeroes its first byte and keeps the rest: look for the rest)
    EXPECT_EQ(raw.find(text.substr(1)), std::string::npos) << "the moved-from secret kept its bytes";
    alignas(secret) unsigned char storage2[sizeof(secret)];
    auto* d = new (storage2) secret(text);
    d->~secret();
    const std::string raw2(reinterpret_cast<const char*>(storage2), sizeof storage2);
    EXPECT_EQ(raw2.find(text.substr(1)), std::string::npos) << "a destroyed secret kept its bytes";
}

TEST(Signing, SecretsDoNotPrint) {
    secret s("api-secret-value");
    EXPECT_EQ(secret::redacted(), "***");
    secret moved = std::move(s);
    EXPECT_TRUE(s.empty()); // NOLINT(bugprone-use-after-move): the moved-from secret is wiped
    EXPECT_EQ(moved.reveal(), "api-secret-value");
}
