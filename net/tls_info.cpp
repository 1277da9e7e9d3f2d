#include "net/tls_info.hpp"

#include <wolfssl/options.h> // must precede every other wolfSSL header
#include <wolfssl/version.h>

namespace acctsync::net {

tls_library_info tls_library() noexcept {
    tls_library_info info{};
    info.name = "wolfSSL";
    info.version = LIBWOLFSSL_VERSION_STRING;
#if defined(WOLFSSL_AESNI)
    info.aesni = true;
#endif
#if defined(ACCTSYNC_WOLFSSL_FROM_SOURCE)
    info.from_source = true;
#endif
    return info;
}

} // namespace acctsync::net
