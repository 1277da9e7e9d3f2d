// Test helper: runs tests/peers/ws_peer.js (a TLS WebSocket/HTTPS server on the Node.js `ws`
// package, an implementation acctsync did not write) as a child process for the length of a
// test, and reads the port it listens on. The child exits when its stdin closes; the
// destructor closes it and waits (bounded), killing the child if it lingers.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "net/tls.hpp"

extern char** environ;

namespace acctsync::test {

class node_peer {
public:
    node_peer(const std::string& node, const std::string& node_modules, const std::string& script,
              const std::string& cert, const std::string& key, const std::vector<std::string>& extra = {}) {
        int in[2], out[2];
        if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, in[0], 0);
        posix_spawn_file_actions_adddup2(&fa, out[1], 1);
        std::vector<std::string> args = {node, script, "--cert", cert, "--key", key};
        args.insert(args.end(), extra.begin(), extra.end());
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        std::vector<std::string> env_store = {"NODE_PATH=" + node_modules};
        for (char** e = environ; *e != nullptr; ++e)
            if (std::string_view(*e).substr(0, 10) != "NODE_PATH=") env_store.emplace_back(*e);
        std::vector<char*> envp;
        for (auto& e : env_store) envp.push_back(e.data());
        envp.push_back(nullptr);
        const int rc = posix_spawn(&pid_, node.c_str(), &fa, nullptr, argv.data(), envp.data());
        posix_spawn_file_actions_destroy(&fa);
        ::close(in[0]);
        ::close(out[1]);
        stdin_ = in[1];
        stdout_ = out[0];
        if (rc != 0) throw std::runtime_error("cannot start " + node);
        // "port N\n" within 10 s
        std::string line;
        const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (line.find('\n') == std::string::npos && std::chrono::steady_clock::now() < until) {
            pollfd p{stdout_, POLLIN, 0};
            if (::poll(&p, 1, 100) <= 0) continue;
            char buf[256];
            const ssize_t n = ::read(stdout_, buf, sizeof buf);
            if (n <= 0) break;
            line.append(buf, static_cast<std::size_t>(n));
        }
        if (line.rfind("port ", 0) != 0) throw std::runtime_error("ws_peer did not start: '" + line + "'");
        port_ = static_cast<std::uint16_t>(std::stoi(line.substr(5)));
    }
    ~node_peer() {
        ::close(stdin_);
        ::close(stdout_);
        for (int i = 0; i < 50; ++i) { // up to 5 s
            if (::waitpid(pid_, nullptr, WNOHANG) == pid_) return;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
    }
    node_peer(const node_peer&) = delete;
    node_peer& operator=(const node_peer&) = delete;

    [[nodiscard]] std::uint16_t port() const noexcept { return port_; }

private:
    pid_t pid_ = -1;
    int stdin_ = -1;
    int stdout_ = -1;
    std::uint16_t port_ = 0;
};

#if defined(ACCTSYNC_NODE) && defined(ACCTSYNC_NODE_MODULES) && defined(ACCTSYNC_TEST_CA_DIR)
// tests/peers/ws_peer.js with the test CA's certificate for localhost.
inline std::unique_ptr<node_peer> start_ws_peer(const std::vector<std::string>& extra = {}) {
    const std::string ca = ACCTSYNC_TEST_CA_DIR;
    return std::make_unique<node_peer>(ACCTSYNC_NODE, ACCTSYNC_NODE_MODULES,
                                       std::string(ACCTSYNC_SOURCE_DIR) + "/tests/peers/ws_peer.js", ca + "/server.pem",
                                       ca + "/server.key", extra);
}

// A test suite sharing one peer, and a TLS context that trusts the test CA.
struct ws_peer_suite : ::testing::Test {
    static void SetUpTestSuite() { peer = start_ws_peer().release(); }
    static void TearDownTestSuite() {
        delete peer;
        peer = nullptr;
    }
    static inline node_peer* peer = nullptr;
    net::tls_context tls{net::tls_options{.ca_file = std::string(ACCTSYNC_TEST_CA_DIR) + "/ca.pem"}};
};
#endif

} // namespace acctsync::test
