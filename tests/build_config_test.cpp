// The build is the fast one: simdjson's compiled-in kernel is not the scalar fallback on a CPU
// with AVX2, and wolfSSL is the AES-NI build from tools/setup and actually encrypts.
#include <gtest/gtest.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/aes.h>

#include <cstring>

#include "net/tls_info.hpp"
#include "parse/simd_kernel.hpp"

TEST(BuildConfig, SimdjsonKernelIsNotFallbackOnAnAvx2Cpu) {
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx2")) GTEST_SKIP() << "this CPU has no AVX2";
    EXPECT_NE(acctsync::parse::builtin_kernel(), "fallback")
        << "simdjson On-Demand compiled without -march: configure with -DACCTSYNC_MARCH=native (or haswell)";
    std::printf("simdjson builtin kernel: %.*s (runtime best: %.*s)\n",
                static_cast<int>(acctsync::parse::builtin_kernel().size()), acctsync::parse::builtin_kernel().data(),
                static_cast<int>(acctsync::parse::best_runtime_kernel().size()),
                acctsync::parse::best_runtime_kernel().data());
}

TEST(BuildConfig, WolfsslIsTheAesNiBuild) {
    const auto info = acctsync::net::tls_library();
    EXPECT_EQ(info.name, "wolfSSL");
    if (!info.from_source) GTEST_SKIP() << "CMake fell back to the system wolfSSL (run tools/setup)";
    EXPECT_TRUE(info.aesni) << "tools/setup must build wolfSSL with --enable-aesni";
    EXPECT_EQ(info.version, "5.5.4");
}

// NIST GCM test case 3 (AES-128, 64-byte plaintext, no AAD): proves the linked wolfCrypt works.
TEST(BuildConfig, WolfcryptAesGcmMatchesNistVector) {
    const unsigned char key[16] = {0xfe, 0xff, 0xe9, 0x92, 0x86, 0x65, 0x73, 0x1c,
                                   0x6d, 0x6a, 0x8f, 0x94, 0x67, 0x30, 0x83, 0x08};
    const unsigned char iv[12] = {0xca, 0xfe, 0xba, 0xbe, 0xfa, 0xce, 0xdb, 0xad, 0xde, 0xca, 0xf8, 0x88};
    const unsigned char pt[64] = {
        0xd9, 0x31, 0x32, 0x25, 0xf8, 0x84, 0x06, 0xe5, 0xa5, 0x59, 0x09, 0xc5, 0xaf, 0xf5, 0x26, 0x9a,
        0x86, 0xa7, 0xa9, 0x53, 0x15, 0x34, 0xf7, 0xda, 0x2e, 0x4c, 0x30, 0x3d, 0x8a, 0x31, 0x8a, 0x72,
        0x1c, 0x3c, 0x0c, 0x95, 0x95, 0x68, 0x09, 0x53, 0x2f, 0xcf, 0x0e, 0x24, 0x49, 0xa6, 0xb5, 0x25,
        0xb1, 0x6a, 0xed, 0xf5, 0xaa, 0x0d, 0xe6, 0x57, 0xba, 0x63, 0x7b, 0x39, 0x1a, 0xaf, 0xd2, 0x55};
    const unsigned char expect_ct_head[8] = {0x42, 0x83, 0x1e, 0xc2, 0x21, 0x77, 0x74, 0x24};
    const unsigned char expect_tag[16] = {0x4d, 0x5c, 0x2a, 0xf3, 0x27, 0xcd, 0x64, 0xa6,
                                          0x2c, 0xf3, 0x5a, 0xbd, 0x2b, 0xa6, 0xfa, 0xb4};
    Aes aes;
    ASSERT_EQ(wc_AesInit(&aes, nullptr, INVALID_DEVID), 0);
    ASSERT_EQ(wc_AesGcmSetKey(&aes, key, sizeof key), 0);
    unsigned char ct[64], tag[16];
    ASSERT_EQ(wc_AesGcmEncrypt(&aes, ct, pt, sizeof pt, iv, sizeof iv, tag, sizeof tag, nullptr, 0), 0);
    EXPECT_EQ(std::memcmp(ct, expect_ct_head, sizeof expect_ct_head), 0);
    EXPECT_EQ(std::memcmp(tag, expect_tag, sizeof tag), 0);
    wc_AesFree(&aes);
}
