// acctsync/net/tls.hpp — TLS 1.3/1.2 on wolfSSL under a non-blocking TCP socket: the stream
// socket of the network thread.
//
// Verification is always on and cannot be turned off: the certificate chain must end in a
// trusted CA (the system bundle, or `ca_file` for the simulator and private endpoints), and the
// certificate must name the host asked for (SNI is sent for names). Each failure is its own
// net_errc (untrusted CA, wrong host, expired certificate, handshake timeout, peer reset).
//
// Reads: wolfSSL decrypts each record in its own record buffer and copies the plaintext into
// the caller's buffer — the receive buffer the WebSocket decoder then reads in place, so the
// payload is copied once, by the decryption step, and never again. The socket is non-blocking;
// read() returns what is there now or nothing, never waits. wait_readable() is the
// event-driven mode's wait (epoll); a busy-polling thread just calls read() again.
//
// Resumption: the context keeps the last session per host:port (a TLS 1.3 ticket or a TLS 1.2
// session) and offers it on the next connect to the same place.
//
// Threads: a tls_context may be shared by the connections of one thread; a tls_stream belongs
// to one thread. connect() blocks (bounded by its timeouts) and allocates: start-up and
// reconnect, not the hot path. read()/write() allocate nothing in acctsync; wolfSSL's record
// buffers are its own (see README, cost model).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "net/net_error.hpp"

namespace acctsync::net {

// Initialises wolfSSL for the process, once. Thread-safe and idempotent; wolfSSL_Init itself is
// not (5.5.4 sets up its global mutexes unguarded, and two first calls at once can leave its RNG
// mutex locked for good), and wolfSSL_CTX_new calls it when nothing has. So every wolfSSL user
// in the process — tls_context here, the simulator's Asio contexts — comes through this before
// its first context. Any thread; start-up only.
void init_tls_library();

struct tls_options {
    std::string ca_file{}; // PEM file of trusted CAs; empty = the system's CA bundle
    std::chrono::milliseconds connect_timeout{5000};
    std::chrono::milliseconds handshake_timeout{5000};
    bool tls13_only = false;  // else TLS 1.2 or 1.3, whichever the server prefers
    // AEAD suites with forward secrecy only, AES-128-GCM first: the cheapest record decryption
    // with AES-NI (10 rounds against 14), where the server honours the client's order.
    std::string cipher_list = "TLS13-AES128-GCM-SHA256:TLS13-AES256-GCM-SHA384:TLS13-CHACHA20-POLY1305-SHA256:"
                              "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
                              "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                              "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
    int busy_poll_us = 0;     // SO_BUSY_POLL on the socket (0: left alone)
};

class tls_context {
public:
    // Throws std::runtime_error when the trust store cannot be loaded (configuration time).
    explicit tls_context(tls_options opt = {});
    ~tls_context();
    tls_context(const tls_context&) = delete;
    tls_context& operator=(const tls_context&) = delete;

    [[nodiscard]] const tls_options& options() const noexcept;

    struct impl;
    [[nodiscard]] impl& internals() noexcept { return *impl_; }

private:
    std::unique_ptr<impl> impl_;
};

struct read_result {
    std::size_t bytes = 0; // decrypted bytes written to the buffer; 0 with ok = nothing yet
    net_error error;       // set when the stream is finished (closed or failed)
};

class tls_stream {
public:
    tls_stream();
    ~tls_stream(); // close()
    tls_stream(const tls_stream&) = delete;
    tls_stream& operator=(const tls_stream&) = delete;

    // Resolves `host`, connects (TCP_NODELAY, non-blocking), handshakes with SNI and full
    // verification. `connect_to` (optional) is the address to dial instead of `host`'s — for a
    // gateway or a test that must reach 127.0.0.1 while verifying a name; the certificate is
    // still checked against `host`. Blocks up to connect_timeout + handshake_timeout.
    [[nodiscard]] net_error connect(tls_context& ctx, std::string_view host, std::uint16_t port,
                                    std::string_view connect_to = {});

    // Non-blocking: decrypted bytes now available, at most `capacity`.
    [[nodiscard]] read_result read(char* dst, std::size_t capacity) noexcept;
    // Writes all of it (small control frames, requests): waits for the socket up to `limit`.
    [[nodiscard]] net_error write(const char* data, std::size_t size,
                                  std::chrono::milliseconds limit = std::chrono::milliseconds(1000)) noexcept;
    // Event-driven mode: waits until bytes may be read (or timeout_ms passes; -1 = no limit).
    // Returns at once when wolfSSL already holds decrypted bytes.
    [[nodiscard]] bool wait_readable(int timeout_ms) noexcept;

    void close() noexcept; // close_notify (best effort), then the socket; keeps the session
    void abort() noexcept; // the socket only (a peer that must see a cut)

    [[nodiscard]] bool open() const noexcept;
    [[nodiscard]] int fd() const noexcept;
    [[nodiscard]] bool resumed() const noexcept;       // the handshake resumed a session
    [[nodiscard]] std::string_view version() const noexcept; // "TLSv1.3", "TLSv1.2"
    [[nodiscard]] std::string_view cipher() const noexcept;

    struct impl;

private:
    net_error connect_once(tls_context& ctx, std::string_view host, std::uint16_t port, std::string_view connect_to,
                           bool resume);
    std::unique_ptr<impl> impl_;
};

} // namespace acctsync::net
