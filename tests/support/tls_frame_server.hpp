// Test and benchmark helper: a one-connection TLS WebSocket server on 127.0.0.1 (wolfSSL's
// server side, blocking, on its own thread) that answers the upgrade and then runs a script
// that writes whatever frames it likes as raw bytes — as fast as the client can take them, for
// the zero-allocation test and the loopback latency benchmark. Every wait is bounded.
#pragma once

#include <wolfssl/options.h> // first, always
#include <wolfssl/ssl.h>
#include <wolfssl/wolfio.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <thread>

#include "net/tls.hpp"
#include "net/ws_client.hpp"

namespace acctsync::test {

// Server frames (unmasked).
inline std::string server_frame(std::uint8_t b0, std::string_view payload) {
    std::string f;
    f.push_back(static_cast<char>(b0));
    const std::uint64_t n = payload.size();
    if (n < 126) {
        f.push_back(static_cast<char>(n));
    } else if (n < 65536) {
        f.push_back(static_cast<char>(126));
        f.push_back(static_cast<char>(n >> 8));
        f.push_back(static_cast<char>(n & 0xFF));
    } else {
        f.push_back(static_cast<char>(127));
        for (int i = 7; i >= 0; --i) f.push_back(static_cast<char>((n >> (8 * i)) & 0xFF));
    }
    f.append(payload);
    return f;
}

class tls_frame_server {
public:
    struct connection {
        WOLFSSL* ssl;
        int fd;
        [[nodiscard]] bool write(std::string_view bytes) const {
            while (!bytes.empty()) {
                const int n = wolfSSL_write(ssl, bytes.data(), static_cast<int>(bytes.size()));
                if (n <= 0) return false;
                bytes.remove_prefix(static_cast<std::size_t>(n));
            }
            return true;
        }
        // Bytes from the client (its pongs, its close), up to `cap`; 0 on timeout or end.
        std::size_t read(char* dst, std::size_t cap) const {
            const int n = wolfSSL_read(ssl, dst, static_cast<int>(cap));
            return n > 0 ? static_cast<std::size_t>(n) : 0;
        }
    };

    tls_frame_server(const std::string& cert, const std::string& key) {
        net::init_tls_library(); // the one process-wide path (see net/tls.hpp)
        ctx_ = wolfSSL_CTX_new(wolfSSLv23_server_method());
        if (ctx_ == nullptr || wolfSSL_CTX_use_certificate_chain_file(ctx_, cert.c_str()) != WOLFSSL_SUCCESS ||
            wolfSSL_CTX_use_PrivateKey_file(ctx_, key.c_str(), WOLFSSL_FILETYPE_PEM) != WOLFSSL_SUCCESS)
            throw std::runtime_error("tls_frame_server: cannot load " + cert);
        listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        const int one = 1;
        (void)setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(listen_fd_, 4) != 0)
            throw std::runtime_error("tls_frame_server: cannot listen");
        socklen_t len = sizeof a;
        (void)getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
        port_ = ntohs(a.sin_port);
    }
    ~tls_frame_server() {
        join();
        ::close(listen_fd_);
        wolfSSL_CTX_free(ctx_);
    }
    tls_frame_server(const tls_frame_server&) = delete;
    tls_frame_server& operator=(const tls_frame_server&) = delete;

    [[nodiscard]] std::uint16_t port() const noexcept { return port_; }

    // Accepts one client on a thread, completes TLS and the upgrade, then runs `script`.
    void serve(std::function<void(const connection&)> script) {
        thread_ = std::thread([this, script = std::move(script)] {
            timeval tv{10, 0}; // accept and every read bounded: 10 s
            (void)setsockopt(listen_fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
            const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
            if (fd < 0) return;
            (void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
            const int one = 1;
            (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            WOLFSSL* ssl = wolfSSL_new(ctx_);
            wolfSSL_set_fd(ssl, fd);
            wolfSSL_SetIOWriteFlags(ssl, MSG_NOSIGNAL);
            if (wolfSSL_accept(ssl) == WOLFSSL_SUCCESS) {
                std::string head;
                char buf[4096];
                while (head.find("\r\n\r\n") == std::string::npos && head.size() < 16384) {
                    const int n = wolfSSL_read(ssl, buf, sizeof buf);
                    if (n <= 0) break;
                    head.append(buf, static_cast<std::size_t>(n));
                }
                const auto k = head.find("Sec-WebSocket-Key: ");
                if (k != std::string::npos) {
                    const auto from = k + 19;
                    const std::string key = head.substr(from, head.find("\r\n", from) - from);
                    const std::string reply = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                                              "Sec-WebSocket-Accept: " + net::websocket_accept(key) + "\r\n\r\n";
                    const connection c{ssl, fd};
                    if (c.write(reply)) script(c);
                }
                (void)wolfSSL_shutdown(ssl);
            }
            wolfSSL_free(ssl);
            ::close(fd);
        });
    }
    void join() {
        if (thread_.joinable()) thread_.join();
    }

private:
    WOLFSSL_CTX* ctx_ = nullptr;
    int listen_fd_ = -1;
    std::uint16_t port_ = 0;
    std::thread thread_;
};

} // namespace acctsync::test
