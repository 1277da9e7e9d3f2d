// bench/tcp_floor.hpp — this machine's floor for the latency figures: a plain 64-byte TCP
// ping-pong on loopback between two cores, both ends spinning on non-blocking sockets or both
// blocking. Every acctsync figure over loopback is read against it (bench_loopback,
// bench_latency). Round trips in microseconds, timed on the initiating side.
#pragma once

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <thread>
#include <vector>

#include "net/thread_affinity.hpp"

namespace acctsync::bench {

inline void set_nonblocking(int fd, bool on) {
    const int fl = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, on ? (fl | O_NONBLOCK) : (fl & ~O_NONBLOCK));
}

// Reads exactly n bytes, spinning on a non-blocking socket or blocking.
inline bool read_n(int fd, char* p, std::size_t n) {
    while (n > 0) {
        const ssize_t r = ::recv(fd, p, n, 0);
        if (r > 0) {
            p += r;
            n -= static_cast<std::size_t>(r);
        } else if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
            return false;
        }
    }
    return true;
}

// A TCP socket listening on 127.0.0.1 at a free port; `a` gets its address.
inline int loopback_listener(sockaddr_in& a) {
    const int ls = ::socket(AF_INET, SOCK_STREAM, 0);
    a = {};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    (void)::bind(ls, reinterpret_cast<sockaddr*>(&a), sizeof a);
    (void)::listen(ls, 1);
    socklen_t len = sizeof a;
    (void)getsockname(ls, reinterpret_cast<sockaddr*>(&a), &len);
    return ls;
}

inline std::vector<double> tcp_ping_pong(bool spin, int trips, int server_core = 0, int client_core = 1) {
    std::vector<double> out;
    sockaddr_in a{};
    const int ls = loopback_listener(a);
    std::thread echo([&] {
        (void)net::pin_current_thread(client_core);
        const int c = ::socket(AF_INET, SOCK_STREAM, 0);
        if (::connect(c, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return;
        const int one = 1;
        (void)setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        set_nonblocking(c, spin);
        char buf[64];
        while (read_n(c, buf, sizeof buf) && ::send(c, buf, sizeof buf, MSG_NOSIGNAL) == sizeof buf) {
        }
        ::close(c);
    });
    (void)net::pin_current_thread(server_core);
    const int s = ::accept(ls, nullptr, nullptr);
    const int one = 1;
    (void)setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    set_nonblocking(s, spin);
    char buf[64] = {};
    out.reserve(static_cast<std::size_t>(trips));
    for (int i = 0; i < trips + 1000; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        if (::send(s, buf, sizeof buf, MSG_NOSIGNAL) != sizeof buf || !read_n(s, buf, sizeof buf)) break;
        if (i >= 1000) out.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
    }
    ::close(s);
    echo.join();
    ::close(ls);
    return out;
}

} // namespace acctsync::bench
