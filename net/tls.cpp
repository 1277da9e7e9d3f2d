#include "net/tls.hpp"

#include <wolfssl/options.h> // first, always
#include <wolfssl/ssl.h>
#include <wolfssl/error-ssl.h>
#include <wolfssl/wolfio.h>
#include <wolfssl/wolfcrypt/error-crypt.h>

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <mutex>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdexcept>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <unordered_map>

namespace acctsync::net {

namespace {

using clock = std::chrono::steady_clock;

int remaining_ms(clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()).count();
    return left <= 0 ? 0 : static_cast<int>(left);
}

// Waits for `events` on fd until the deadline. false = timed out.
bool wait_fd(int fd, short events, clock::time_point deadline) {
    for (;;) {
        pollfd p{fd, events, 0};
        const int r = ::poll(&p, 1, remaining_ms(deadline));
        if (r > 0) return true;
        if (r == 0) return false;
        if (errno != EINTR) return true; // let the next call report the error
    }
}

bool is_ip_literal(const std::string& host) {
    unsigned char buf[sizeof(in6_addr)];
    return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

net_error from_errno(int e) {
    if (e == ECONNRESET || e == EPIPE || e == ECONNABORTED) return {net_errc::peer_reset, e};
    return {net_errc::socket_error, e};
}

// wolfSSL's verdict on a failed handshake, as a net_errc.
net_error handshake_error(int err, int saved_errno) {
    switch (err) {
    case ASN_NO_SIGNER_E:
    case ASN_SELF_SIGNED_E:
        return {net_errc::tls_untrusted_ca, err};
    case DOMAIN_NAME_MISMATCH:
    case IPADDR_MISMATCH:
        return {net_errc::tls_wrong_host, err};
    case ASN_AFTER_DATE_E:
    case ASN_BEFORE_DATE_E:
        return {net_errc::tls_expired_certificate, err};
    case SOCKET_ERROR_E:
        return saved_errno != 0 ? from_errno(saved_errno) : net_error{net_errc::peer_reset, err};
    case SOCKET_PEER_CLOSED_E:
        return {net_errc::eof, err};
    case WOLFSSL_ERROR_SYSCALL:
        return saved_errno != 0 ? from_errno(saved_errno) : net_error{net_errc::eof, err};
    default:
        return {net_errc::tls_handshake_failed, err};
    }
}

} // namespace

// ---- context -----------------------------------------------------------------------------------

struct tls_context::impl {
    tls_options opt;
    WOLFSSL_CTX* ctx = nullptr;
    std::mutex sessions_mu; // the only lock, taken at connect and close (cold path)
    std::unordered_map<std::string, WOLFSSL_SESSION*> sessions;

    WOLFSSL_SESSION* take_session(const std::string& key) {
        std::lock_guard lk(sessions_mu);
        auto it = sessions.find(key);
        if (it == sessions.end()) return nullptr;
        WOLFSSL_SESSION* s = it->second;
        it->second = nullptr; // the entry stays (reserved), the session is the caller's now
        return s;
    }
    void reserve(const std::string& key) {
        std::lock_guard lk(sessions_mu);
        (void)sessions.try_emplace(key, nullptr);
    }
    void keep_session(const std::string& key, WOLFSSL_SESSION* s) {
        if (s == nullptr) return;
        std::lock_guard lk(sessions_mu);
        auto [it, fresh] = sessions.try_emplace(key, s);
        if (!fresh) {
            if (it->second != nullptr) wolfSSL_SESSION_free(it->second);
            it->second = s;
        }
    }
};

void init_tls_library() {
    static std::once_flag once;
    std::call_once(once, [] { wolfSSL_Init(); });
}

tls_context::tls_context(tls_options opt) : impl_(std::make_unique<impl>()) {
    init_tls_library();
    impl_->opt = std::move(opt);
    impl_->ctx = wolfSSL_CTX_new(impl_->opt.tls13_only ? wolfTLSv1_3_client_method() : wolfSSLv23_client_method());
    if (impl_->ctx == nullptr) throw std::runtime_error("tls: cannot create a wolfSSL context");
    if (!impl_->opt.tls13_only) wolfSSL_CTX_SetMinVersion(impl_->ctx, WOLFSSL_TLSV1_2);
    if (!impl_->opt.cipher_list.empty() &&
        wolfSSL_CTX_set_cipher_list(impl_->ctx, impl_->opt.cipher_list.c_str()) != WOLFSSL_SUCCESS) {
        wolfSSL_CTX_free(impl_->ctx);
        throw std::runtime_error("tls: no usable cipher suite in " + impl_->opt.cipher_list);
    }
    wolfSSL_CTX_set_verify(impl_->ctx, WOLFSSL_VERIFY_PEER, nullptr);
    int r = 0;
    if (impl_->opt.ca_file.empty()) {
        r = wolfSSL_CTX_load_system_CA_certs(impl_->ctx);
        if (r != WOLFSSL_SUCCESS)
            r = wolfSSL_CTX_load_verify_locations(impl_->ctx, "/etc/ssl/certs/ca-certificates.crt", nullptr);
    } else {
        r = wolfSSL_CTX_load_verify_locations(impl_->ctx, impl_->opt.ca_file.c_str(), nullptr);
    }
    if (r != WOLFSSL_SUCCESS) {
        wolfSSL_CTX_free(impl_->ctx);
        throw std::runtime_error("tls: cannot load trusted CAs from " +
                                 (impl_->opt.ca_file.empty() ? std::string("the system store") : impl_->opt.ca_file));
    }
}

tls_context::~tls_context() {
    for (auto& [key, s] : impl_->sessions)
        if (s != nullptr) wolfSSL_SESSION_free(s);
    wolfSSL_CTX_free(impl_->ctx);
}

const tls_options& tls_context::options() const noexcept { return impl_->opt; }

// ---- stream ------------------------------------------------------------------------------------

struct tls_stream::impl {
    tls_context::impl* ctx = nullptr;
    std::string session_key; // host:port
    WOLFSSL* ssl = nullptr;
    WOLFSSL_SESSION* offered = nullptr; // the kept session this connection offered (owned)
    int fd = -1;
    int epfd = -1;
    bool handshaken = false;
    bool resumed = false;
    bool offered_failed = false; // the last handshake failed while offering a session

    void release(bool notify) noexcept {
        if (ssl != nullptr) {
            if (handshaken) {
                if (notify) (void)wolfSSL_shutdown(ssl); // one non-blocking attempt
                // Keep a session from a full handshake only. wolfSSL 5.5.4's session from a
                // *resumed* TLS 1.3 connection fails the next binder check (seen against
                // OpenSSL: "binder does not verify"), so a resumed connection hands back the
                // session it offered (a server that will not take a ticket twice does a full
                // handshake instead, never a failure).
                if (resumed && offered != nullptr) {
                    ctx->keep_session(session_key, offered);
                    offered = nullptr;
                } else {
                    ctx->keep_session(session_key, wolfSSL_get1_session(ssl));
                }
            }
            wolfSSL_free(ssl);
            ssl = nullptr;
        }
        if (offered != nullptr) {
            wolfSSL_SESSION_free(offered);
            offered = nullptr;
        }
        resumed = false;
        if (epfd >= 0) ::close(epfd);
        if (fd >= 0) ::close(fd);
        epfd = fd = -1;
        handshaken = false;
    }
};

tls_stream::tls_stream() : impl_(std::make_unique<impl>()) {}
tls_stream::~tls_stream() { close(); }

net_error tls_stream::connect(tls_context& context, std::string_view host_sv, std::uint16_t port,
                              std::string_view connect_to) {
    net_error e = connect_once(context, host_sv, port, connect_to, true);
    // Resumption is an optimisation: a handshake that failed while offering a kept session (not
    // a verification verdict) is tried once more as a full handshake, and the session dropped.
    if (e.code == net_errc::tls_handshake_failed || e.code == net_errc::peer_reset || e.code == net_errc::eof) {
        if (impl_->offered_failed) e = connect_once(context, host_sv, port, connect_to, false);
    }
    return e;
}

net_error tls_stream::connect_once(tls_context& context, std::string_view host_sv, std::uint16_t port,
                                   std::string_view connect_to, bool resume) {
    close();
    impl_->offered_failed = false;
    impl& s = *impl_;
    s.ctx = &context.internals();
    const tls_options& opt = s.ctx->opt;
    const std::string host(host_sv);
    if (host.empty()) return {net_errc::bad_url, 0};
    s.session_key = host + ":" + std::to_string(port);

    // TCP: every address in turn, non-blocking connect bounded by the timeout.
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    const std::string dial = connect_to.empty() ? host : std::string(connect_to);
    if (getaddrinfo(dial.c_str(), std::to_string(port).c_str(), &hints, &found) != 0 || found == nullptr)
        return {net_errc::resolve_failed, 0};
    const auto tcp_deadline = clock::now() + opt.connect_timeout;
    net_error tcp_err{net_errc::connect_refused, ECONNREFUSED};
    for (addrinfo* a = found; a != nullptr && s.fd < 0; a = a->ai_next) {
        const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) {
            tcp_err = from_errno(errno);
            continue;
        }
        const int one = 1;
        (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (opt.busy_poll_us > 0) (void)setsockopt(fd, SOL_SOCKET, SO_BUSY_POLL, &opt.busy_poll_us, sizeof opt.busy_poll_us);
        int r = ::connect(fd, a->ai_addr, a->ai_addrlen);
        if (r != 0 && errno == EINPROGRESS) {
            if (!wait_fd(fd, POLLOUT, tcp_deadline)) {
                ::close(fd);
                tcp_err = {net_errc::connect_timeout, 0};
                break;
            }
            int so = 0;
            socklen_t len = sizeof so;
            (void)getsockopt(fd, SOL_SOCKET, SO_ERROR, &so, &len);
            r = so == 0 ? 0 : -1;
            errno = so;
        }
        if (r != 0) {
            tcp_err = errno == ECONNREFUSED ? net_error{net_errc::connect_refused, errno} : from_errno(errno);
            ::close(fd);
            continue;
        }
        s.fd = fd;
    }
    freeaddrinfo(found);
    if (s.fd < 0) return tcp_err;

    // TLS: SNI for names, host-name check always, a kept session offered.
    s.ssl = wolfSSL_new(s.ctx->ctx);
    if (s.ssl == nullptr || wolfSSL_set_fd(s.ssl, s.fd) != WOLFSSL_SUCCESS) {
        s.release(false);
        return {net_errc::tls_handshake_failed, 0};
    }
    // A write to a connection the peer has closed must be an error, not a SIGPIPE that ends the
    // embedding process.
    wolfSSL_SetIOWriteFlags(s.ssl, MSG_NOSIGNAL);
    // TLS 1.2 resumption by ticket (RFC 5077): servers that keep no session-ID cache (Node,
    // most load balancers) resume only this way. TLS 1.3 uses tickets anyway.
    (void)wolfSSL_UseSessionTicket(s.ssl);
    if (!is_ip_literal(host))
        (void)wolfSSL_UseSNI(s.ssl, WOLFSSL_SNI_HOST_NAME, host.data(), static_cast<unsigned short>(host.size()));
    if (wolfSSL_check_domain_name(s.ssl, host.c_str()) != WOLFSSL_SUCCESS) {
        s.release(false);
        return {net_errc::tls_handshake_failed, 0};
    }
    if (WOLFSSL_SESSION* kept = resume ? s.ctx->take_session(s.session_key) : nullptr) {
        if (wolfSSL_set_session(s.ssl, kept) == WOLFSSL_SUCCESS) s.offered = kept;
        else wolfSSL_SESSION_free(kept);
    }
    const auto tls_deadline = clock::now() + opt.handshake_timeout;
    for (;;) {
        errno = 0;
        const int r = wolfSSL_connect(s.ssl);
        if (r == WOLFSSL_SUCCESS) break;
        const int saved_errno = errno;
        const int err = wolfSSL_get_error(s.ssl, r);
        if (err == WOLFSSL_ERROR_WANT_READ || err == WOLFSSL_ERROR_WANT_WRITE) {
            if (!wait_fd(s.fd, err == WOLFSSL_ERROR_WANT_READ ? POLLIN : POLLOUT, tls_deadline)) {
                s.release(false);
                return {net_errc::tls_handshake_timeout, 0};
            }
            continue;
        }
        s.offered_failed = s.offered != nullptr;
        s.release(false);
        return handshake_error(err, saved_errno);
    }
    s.handshaken = true;
    s.resumed = wolfSSL_session_reused(s.ssl) == 1;
    s.ctx->reserve(s.session_key); // keeping the session at the end then allocates no map node

    s.epfd = epoll_create1(EPOLL_CLOEXEC);
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP;
    ev.data.fd = s.fd;
    if (s.epfd < 0 || epoll_ctl(s.epfd, EPOLL_CTL_ADD, s.fd, &ev) != 0) {
        const int e = errno;
        s.release(false);
        return {net_errc::socket_error, e};
    }
    return {};
}

read_result tls_stream::read(char* dst, std::size_t capacity) noexcept {
    impl& s = *impl_;
    if (s.ssl == nullptr) return {0, {net_errc::ws_not_open, 0}};
    errno = 0;
    const int n = wolfSSL_read(s.ssl, dst, static_cast<int>(capacity > 0x7fffffff ? 0x7fffffff : capacity));
    if (n > 0) return {static_cast<std::size_t>(n), {}};
    const int saved_errno = errno;
    const int err = wolfSSL_get_error(s.ssl, n);
    switch (err) {
    case WOLFSSL_ERROR_WANT_READ:
    case WOLFSSL_ERROR_WANT_WRITE:
        return {};
    case WOLFSSL_ERROR_ZERO_RETURN:
        return {0, {net_errc::tls_closed, 0}};
    case SOCKET_PEER_CLOSED_E:
        return {0, {net_errc::eof, err}};
    case SOCKET_ERROR_E:
        return {0, saved_errno != 0 ? from_errno(saved_errno) : net_error{net_errc::peer_reset, err}};
    case WOLFSSL_ERROR_SYSCALL: // the OpenSSL-compatible build reports socket ends this way
        return {0, saved_errno != 0 ? from_errno(saved_errno) : net_error{net_errc::eof, err}};
    default:
        if (n == 0 && saved_errno == 0) return {0, {net_errc::eof, err}};
        return {0, {net_errc::tls_error, err}};
    }
}

net_error tls_stream::write(const char* data, std::size_t size, std::chrono::milliseconds limit) noexcept {
    impl& s = *impl_;
    if (s.ssl == nullptr) return {net_errc::ws_not_open, 0};
    const auto deadline = clock::now() + limit;
    while (size > 0) {
        errno = 0;
        const int n = wolfSSL_write(s.ssl, data, static_cast<int>(size));
        if (n > 0) {
            data += n;
            size -= static_cast<std::size_t>(n);
            continue;
        }
        const int saved_errno = errno;
        const int err = wolfSSL_get_error(s.ssl, n);
        if (err == WOLFSSL_ERROR_WANT_WRITE || err == WOLFSSL_ERROR_WANT_READ) {
            if (!wait_fd(s.fd, err == WOLFSSL_ERROR_WANT_WRITE ? POLLOUT : POLLIN, deadline))
                return {net_errc::socket_error, ETIMEDOUT};
            continue;
        }
        if (err == SOCKET_ERROR_E) return saved_errno != 0 ? from_errno(saved_errno) : net_error{net_errc::peer_reset, err};
        if (err == SOCKET_PEER_CLOSED_E) return {net_errc::eof, err};
        if (err == WOLFSSL_ERROR_SYSCALL) return saved_errno != 0 ? from_errno(saved_errno) : net_error{net_errc::eof, err};
        return {net_errc::tls_error, err};
    }
    return {};
}

bool tls_stream::wait_readable(int timeout_ms) noexcept {
    impl& s = *impl_;
    if (s.ssl == nullptr) return false;
    if (wolfSSL_pending(s.ssl) > 0) return true;
    epoll_event ev{};
    const int r = epoll_wait(s.epfd, &ev, 1, timeout_ms);
    return r != 0; // an error also wakes the reader, whose next read() reports it
}

void tls_stream::close() noexcept { impl_->release(true); }
void tls_stream::abort() noexcept { impl_->release(false); }
bool tls_stream::open() const noexcept { return impl_->ssl != nullptr; }
int tls_stream::fd() const noexcept { return impl_->fd; }
bool tls_stream::resumed() const noexcept { return impl_->resumed; }
std::string_view tls_stream::version() const noexcept {
    return impl_->ssl != nullptr ? std::string_view(wolfSSL_get_version(impl_->ssl)) : std::string_view{};
}
std::string_view tls_stream::cipher() const noexcept {
    if (impl_->ssl == nullptr) return {};
    const char* c = wolfSSL_get_cipher_name(impl_->ssl);
    return c != nullptr ? std::string_view(c) : std::string_view{};
}

} // namespace acctsync::net
