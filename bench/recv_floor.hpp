// bench/recv_floor.hpp — what the kernel alone charges the reader of a one-way stream: the time
// of one recv() of a 560-byte message (an ACCOUNT_UPDATE's TLS record) already waiting in a
// loopback TCP socket, with the kernel's default and with TCP_QUICKACK turned off before each
// read. On a connection that only receives, Linux stays in quick-ACK mode and sends the ACK
// inside the recv (through loopback's whole transmit and receive path); with quick ACKs off it
// is left to the delayed-ACK timer. acctsync keeps the default: delayed ACKs against a sender
// with Nagle on would hold its next small write until the ACK (up to 40 ms), and Binance does
// not document its setting. The writer (CPU 0) sends one message every 100 µs; the reader (CPU 1)
// spins on FIONREAD and times only the recv(). ns per recv.
#pragma once

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

#include "bench/tcp_floor.hpp"
#include "net/thread_affinity.hpp"

namespace acctsync::bench {

inline std::vector<std::int64_t> recv_of_waiting_message(bool quick_ack_off, int messages) {
    const auto now = [] { return std::chrono::steady_clock::now().time_since_epoch().count(); };
    std::vector<std::int64_t> out;
    sockaddr_in a{};
    const int ls = loopback_listener(a);
    const int c = ::socket(AF_INET, SOCK_STREAM, 0);
    if (::connect(c, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return out;
    const int s = ::accept(ls, nullptr, nullptr);
    const int one = 1;
    (void)setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    (void)setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    set_nonblocking(c, true);
    constexpr int size = 560;
    std::thread writer([&] {
        (void)net::pin_current_thread(0);
        char msg[size] = {};
        for (int i = 0; i < messages; ++i) {
            const std::int64_t due = now() + 100'000;
            while (now() < due) std::this_thread::yield();
            if (::send(s, msg, size, MSG_NOSIGNAL) != size) break;
        }
        ::shutdown(s, SHUT_WR);
    });
    (void)net::pin_current_thread(1);
    out.reserve(static_cast<std::size_t>(messages));
    char buf[16384];
    const std::int64_t give_up = now() + 60'000'000'000LL;
    for (int got = 0; got < messages * size && now() < give_up;) {
        int pending = 0;
        if (::ioctl(c, FIONREAD, &pending) != 0 || pending <= 0) continue;
        if (quick_ack_off) {
            const int zero = 0;
            (void)setsockopt(c, IPPROTO_TCP, TCP_QUICKACK, &zero, sizeof zero);
        }
        const std::int64_t t0 = now();
        const ssize_t n = ::recv(c, buf, sizeof buf, 0);
        const std::int64_t t1 = now();
        if (n <= 0) break;
        got += static_cast<int>(n);
        out.push_back(t1 - t0);
    }
    writer.join();
    ::close(c);
    ::close(s);
    ::close(ls);
    return out;
}

} // namespace acctsync::bench
