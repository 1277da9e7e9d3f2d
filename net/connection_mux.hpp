// acctsync/net/connection_mux.hpp — which stream connection carries which account: no I/O.
//
// A feed with several accounts runs one session (net/session.hpp) per account; each asks for
// connections on its own slots, as if it were alone. The mux decides which real connection
// answers each ask:
//   * separate: account a's slot k is connection 2a+k, carrying a's key only;
//   * shared: one connection carries every account's key (Binance's
//     `/private/stream?listenKey=A&listenKey=B…`), and the sessions' slots are bound to it.
//     An ask joins the newest joinable connection that carries the account's current key (not
//     the one its other slot is on), else a new connection is opened with every known key —
//     after a short hold while another account's key is still being fetched, so that a start
//     or an outage ends in one connection, not one per key. A connection someone leaves is no
//     longer joinable (it is being rotated away, lost a key, or drifted). When a newer
//     connection opens, every account still on an older one is asked to rotate onto it
//     (make-before-break, no gap), so that one account's new key costs the others nothing and
//     the old connection closes once its last account has left. Without redundancy, a newer
//     connection that carries the current keys of everyone on an older one retires the older
//     one the same way (two connections opened around a hold end as one). A connection older
//     than rotate_after is rotated away whoever joined it late (an account's own rotation
//     timer starts when it joined, not when the connection opened, and Binance cuts at 24 h).
//   * a shared handshake refused (one lapsed key refuses them all, as acctsync-sim does) asks
//     every account it carried to check its key (a keepalive now: -1125 → a new key).
// Answers to the sessions (opened, open failed, lost, rotate) and the work for the feed (open a
// connection with these accounts' keys, close one) come back as actions, like the session's.
//
// Threads: the feed's network thread. No allocation; every call is O(accounts × connections).
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <span>

namespace acctsync::net {

inline constexpr int max_accounts = 16;
inline constexpr int max_stream_connections = 2 * max_accounts; // separate mode: two per account

struct mux_action {
    enum kind : std::uint8_t {
        open,        // feed: connect `conn` carrying the current keys of the accounts in `accounts`
        close,       // feed: close `conn` (`id`: the seq_of() it was opened with)
        opened,      // session of `account`: on_opened(slot, id)
        open_failed, // session of `account`: on_open_failed(slot, id)
        lost,        // session of `account`: on_lost(slot, id)
        rotate,      // session of `account`: rotate_now(slot)
        check_key,   // session of `account`: keepalive_now() (its key may have lapsed)
    } what;
    int conn = -1;
    int account = -1;
    int slot = 0;
    std::uint64_t id = 0;         // the session's open id (close: the connection's seq)
    std::uint32_t accounts = 0;
};

class connection_mux {
public:
    static constexpr std::size_t max_actions = 8 * max_accounts + 8; // opened + rotate for every slot, and some
    using actions = std::span<const mux_action>;

    struct options {
        std::int64_t hold_ms = 3000;                  // shared: wait this long for a pending key
        std::int64_t rotate_after_ms = 23 * 3'600'000; // a connection this old is rotated away
        bool redundant = false;                       // sessions keep two connections each
    };
    connection_mux(int accounts, bool shared, options opt) noexcept;
    connection_mux(int accounts, bool shared) noexcept : connection_mux(accounts, shared, options{}) {}

    // The account's listenKey is being fetched (its session asked for one) / is known; `gen`
    // counts the distinct key values the account has had (a connection carries one of them).
    void key_pending(int account) noexcept;
    void key_known(int account, std::uint64_t gen) noexcept;

    // A session's asks (its open_connection / close_connection actions).
    [[nodiscard]] actions want(int account, int slot, std::uint64_t id, std::int64_t now_ms) noexcept;
    [[nodiscard]] actions release(int account, int slot) noexcept;
    // What happened to a connection.
    [[nodiscard]] actions opened(int conn, std::int64_t now_ms) noexcept;
    // Did not open, or was lost; `refused`: the handshake was answered with an HTTP error.
    [[nodiscard]] actions failed(int conn, bool refused = false) noexcept;
    // The accounts bound to any connection `account` is bound to, itself included (bit mask):
    // what one account's drift says about a shared connection applies to all of them.
    [[nodiscard]] std::uint32_t sharing_with(int account) const noexcept;
    // Asks held back for a key are retried (call every loop; cheap when none is held).
    [[nodiscard]] actions tick(std::int64_t now_ms) noexcept;

    // The slot of `account` answered on `conn` (its events count there), or -1.
    [[nodiscard]] int slot_on(int conn, int account) const noexcept;
    // Sessions bound to `conn` (answered), for activity: f(account, slot).
    template <class F> void for_each_bound(int conn, F&& f) const noexcept {
        for (int a = 0; a < accounts_; ++a)
            for (int k = 0; k < 2; ++k)
                if (bind_[a][k].conn == conn && bind_[a][k].answered) f(a, k);
    }
    [[nodiscard]] bool in_use(int conn) const noexcept { return conns_[conn].phase != conn_phase::idle; }
    // Connections the feed provides (each a ws_client with ~2 MiB of buffers, allocated at
    // construction): separate, two per account; shared, the steady one or two (redundant) plus
    // room for replacements while accounts move (all in use: an ask fails and is retried).
    [[nodiscard]] int connection_count() const noexcept {
        return shared_ ? std::min(max_stream_connections / 2, 2 * accounts_ + 2) : 2 * accounts_;
    }
    [[nodiscard]] int open_connections() const noexcept;
    [[nodiscard]] bool shared() const noexcept { return shared_; }
    [[nodiscard]] std::uint64_t seq_of(int conn) const noexcept { return conns_[conn].seq; } // the open it answers
    [[nodiscard]] std::uint32_t carries(int conn) const noexcept { return conns_[conn].carries; }
    [[nodiscard]] std::uint64_t dropped_actions() const noexcept { return dropped_; }

private:
    enum class conn_phase : std::uint8_t { idle, opening, open };
    struct connection {
        conn_phase phase = conn_phase::idle;
        bool joinable = false;
        bool rotating = false;                        // past rotate_after: its accounts were asked to move
        std::int64_t opened_ms = 0;
        std::uint64_t seq = 0;                        // creation order (newest joins first)
        std::uint32_t carries = 0;                    // accounts whose key it was opened with
        std::array<std::uint64_t, max_accounts> gen{}; // ... and which of their keys
    };
    struct binding {
        int conn = -1;
        std::uint64_t id = 0;
        bool answered = false; // on_opened sent
    };
    struct held_ask {
        bool held = false;
        std::uint64_t id = 0;
    };

    void emit(mux_action a) noexcept;
    actions flush() noexcept;
    void place(int account, int slot, std::uint64_t id, std::int64_t now_ms, bool may_hold) noexcept;
    void unbind(int account, int slot) noexcept;
    void migrate() noexcept;
    void retire_covered(int conn) noexcept;
    [[nodiscard]] bool bound(int conn) const noexcept;
    [[nodiscard]] bool carries_current(int conn, int account) const noexcept;
    [[nodiscard]] int open_new(int account, int slot) noexcept;

    int accounts_;
    bool shared_;
    options opt_;
    std::int64_t hold_until_ms_ = 0; // 0: no hold running
    std::uint64_t next_seq_ = 0;
    std::array<connection, max_stream_connections> conns_{};
    std::array<std::array<binding, 2>, max_accounts> bind_{};
    std::array<std::array<held_ask, 2>, max_accounts> held_{};
    std::array<bool, max_accounts> known_{};
    std::array<std::uint64_t, max_accounts> gen_{};
    std::array<mux_action, max_actions> out_{};
    std::size_t n_out_ = 0;
    std::uint64_t dropped_ = 0;
};

} // namespace acctsync::net
