// acctsync/net/tls_info.hpp — what TLS library this build links, and whether it is the fast one.
//
// Debian's binary wolfSSL is built without AES-NI (AES-128-GCM on a 512-byte record ~3.7 us);
// tools/setup builds 5.5.4 from Debian's source package with --enable-aesni --enable-intelasm
// (~0.13 us). CMake falls back to the binary package loudly; this lets the program and the tests
// see which one they got.
#pragma once

#include <string_view>

namespace acctsync::net {

struct tls_library_info {
    std::string_view name;    // "wolfSSL"
    std::string_view version; // e.g. "5.5.4"
    bool aesni;               // built with WOLFSSL_AESNI
    bool from_source;         // the tools/setup build (not the system package)
};

[[nodiscard]] tls_library_info tls_library() noexcept;

} // namespace acctsync::net
