// Test helpers for the `acctsync` binary as a user runs it against acctsync-sim over loopback
// TLS: the simulator with one account whose key is in the environment, the endpoint flags, and
// a bounded run (coreutils `timeout`) that captures stdout and stderr and the exit status; and a
// spawned process (spawned_process) that a test reads line by line and signals while it runs.
// Credentials go through the environment, never the command line.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>

#include "support/sim_fixture.hpp"

extern char** environ;

namespace acctsync::test {

// A program started with `/bin/sh -c "exec COMMAND_LINE"` (so its pid is the program's own and
// a signal reaches it, not a shell), stdout and stderr into one pipe. Every wait is bounded in
// time; the destructor kills and reaps the child if it is still running.
class spawned_process {
public:
    explicit spawned_process(const std::string& command_line) {
        int out[2];
        if (::pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, out[1], 1);
        posix_spawn_file_actions_adddup2(&fa, out[1], 2);
        // The child starts with no blocked signals and SIGINT/SIGTERM at their defaults, whatever
        // the test runner left them at (a background job ignores SIGINT).
        posix_spawnattr_t attr;
        posix_spawnattr_init(&attr);
        sigset_t none, defaults;
        sigemptyset(&none);
        sigemptyset(&defaults);
        sigaddset(&defaults, SIGINT);
        sigaddset(&defaults, SIGTERM);
        posix_spawnattr_setsigmask(&attr, &none);
        posix_spawnattr_setsigdefault(&attr, &defaults);
        posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
        std::string sh = "/bin/sh", dash_c = "-c", line = "exec " + command_line;
        char* argv[] = {sh.data(), dash_c.data(), line.data(), nullptr};
        const int rc = posix_spawn(&pid_, "/bin/sh", &fa, &attr, argv, environ);
        posix_spawnattr_destroy(&attr);
        posix_spawn_file_actions_destroy(&fa);
        ::close(out[1]);
        fd_ = out[0];
        if (rc != 0) {
            ::close(fd_);
            throw std::runtime_error("cannot start " + command_line);
        }
    }
    ~spawned_process() {
        if (running()) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
        ::close(fd_);
    }
    spawned_process(const spawned_process&) = delete;
    spawned_process& operator=(const spawned_process&) = delete;

    [[nodiscard]] pid_t pid() const noexcept { return pid_; }
    [[nodiscard]] bool running() const noexcept { return exit_status_ == not_reaped; }
    // Everything the program wrote so far (stdout and stderr).
    [[nodiscard]] const std::string& output() const noexcept { return output_; }

    // The next complete line written from now on (a line begun before this call is skipped
    // when `fresh`), without its newline; nullopt if none within `limit` or at end of output.
    std::optional<std::string> next_line(std::chrono::milliseconds limit, bool fresh = false) {
        const auto until = std::chrono::steady_clock::now() + limit;
        if (fresh) {
            read_available();
            cursor_ = output_.size();
            if (cursor_ > 0 && output_[cursor_ - 1] != '\n') { // the rest of a line already begun
                if (!wait_for_newline(until)) return std::nullopt;
                cursor_ = output_.find('\n', cursor_) + 1;
            }
        }
        if (!wait_for_newline(until)) return std::nullopt;
        const std::size_t end = output_.find('\n', cursor_);
        std::string line = output_.substr(cursor_, end - cursor_);
        cursor_ = end + 1;
        return line;
    }

    bool signal(int sig) const { return running() && ::kill(pid_, sig) == 0; }

    // Waits up to `limit` for the program to exit and reads the rest of its output. Returns its
    // exit status; -1 when a signal ended it; -2 when it was still running (it is then killed).
    int wait_exit(std::chrono::milliseconds limit) {
        const auto until = std::chrono::steady_clock::now() + limit;
        while (running()) {
            int st = 0;
            if (::waitpid(pid_, &st, WNOHANG) == pid_) {
                exit_status_ = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
                break;
            }
            if (std::chrono::steady_clock::now() >= until) {
                ::kill(pid_, SIGKILL);
                ::waitpid(pid_, nullptr, 0);
                exit_status_ = -2;
                break;
            }
            if (!read_some(20)) std::this_thread::sleep_for(std::chrono::milliseconds(20)); // output closed
        }
        while (!eof_ && std::chrono::steady_clock::now() < until + std::chrono::seconds(1)) read_some(20);
        return exit_status_;
    }

private:
    static constexpr int not_reaped = -3;

    // Reads what is there, waiting up to `ms` for something; false at end of output.
    bool read_some(int ms) {
        if (eof_) return false;
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, ms) <= 0) return true;
        char buf[4096];
        const ssize_t n = ::read(fd_, buf, sizeof buf);
        if (n > 0) output_.append(buf, static_cast<std::size_t>(n));
        else if (n == 0) eof_ = true;
        return !eof_;
    }
    void read_available() {
        while (!eof_) {
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, 0) <= 0) return;
            read_some(0);
        }
    }
    bool wait_for_newline(std::chrono::steady_clock::time_point until) {
        for (;;) {
            if (output_.find('\n', cursor_) != std::string::npos) return true;
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
            if (left.count() <= 0 || !read_some(static_cast<int>(std::min<long long>(left.count(), 100)))) return false;
        }
    }

    pid_t pid_ = -1;
    int fd_ = -1;
    int exit_status_ = not_reaped;
    bool eof_ = false;
    std::string output_;
    std::size_t cursor_ = 0;
};

struct run_result {
    int status = -1;
    std::string output; // stdout and stderr
};

#ifdef ACCTSYNC_CLI
// `acctsync <command> <args>` (args shell-quoted), bounded by timeout_s.
inline run_result run_acctsync(const std::string& command, const std::string& args, int timeout_s = 60,
                               bool with_stderr = true) {
    const std::string cmd = "timeout " + std::to_string(timeout_s) + " " ACCTSYNC_CLI " " + command + " " + args +
                            (with_stderr ? " 2>&1" : " 2>/dev/null");
    run_result r;
    FILE* p = popen(cmd.c_str(), "r");
    if (p == nullptr) return r;
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) r.output.append(buf, n);
    const int st = pclose(p);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return r;
}

// `acctsync <command> <args>` (args shell-quoted) started and left running, for a test that
// reads its output as it comes and signals it.
inline std::unique_ptr<spawned_process> spawn_acctsync(const std::string& command, const std::string& args) {
    return std::make_unique<spawned_process>(ACCTSYNC_CLI " " + command + " " + args);
}
#endif

inline std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

struct cli_fixture : sim_fixture {
    void start_sim(std::uint64_t ops, const std::function<void(sim::server_config&)>& tweak = {}) {
        start(300, market::usdm, [&](sim::server_config& c) {
            c.accounts = 1;
            c.max_operations = ops;
            if (tweak) tweak(c);
        });
        setenv("BINANCE_API_KEY", srv->api_key(0).c_str(), 1);
        setenv("BINANCE_API_SECRET", srv->api_secret(0).c_str(), 1);
        unsetenv("BINANCE_PRIVATE_KEY_FILE");
    }
    std::string endpoints(const std::string& ca = ca_dir + "/ca.pem") const {
        const std::string base = "localhost:" + std::to_string(srv->port());
        return "--rest-url https://" + base + " --ws-url wss://" + base + " --wsapi-url wss://" + base +
               " --connect-to 127.0.0.1 --ca-file " + ca;
    }
    void TearDown() override {
        unsetenv("BINANCE_API_KEY");
        unsetenv("BINANCE_API_SECRET");
        sim_fixture::TearDown();
    }
};

} // namespace acctsync::test
