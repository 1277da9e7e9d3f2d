// acctsync/net/session.hpp — the user-data session as a state machine with no I/O in it.
//
// The session decides; the feed (net/feed.hpp) does. Inputs are what happened — started, a
// listenKey created or refused, a connection opened, lost or silent, a listenKeyExpired frame,
// a snapshot answered or failed, a keepalive answered — each with the time it happened on an
// injected monotonic clock (milliseconds). Outputs are actions — create the listenKey, keep it
// alive, open or close connection slot k, take a snapshot, publish a status — written into the
// array the caller passes, to be carried out by whoever drives the machine. Nothing here reads
// a clock, a socket or a random device (jitter comes from a seeded generator), so a test drives
// it on a fake clock through days of faults in milliseconds, and TSan sees no threads in it.
//
// Life of a session (spec §1.2, §1.3):
//   acquiring_key → connecting → syncing (snapshot in flight) → live
//   * every reconnect first POSTs the listenKey (Binance answers the live key and extends it, or
//     a new one when it lapsed), so a key that expired while the socket was down never costs a
//     failed handshake;
//   * keepalive (PUT) every keepalive_interval minus up to keepalive_jitter, for the life of the
//     session; a failed PUT is retried with back-off; -1125 ("does not exist") → a new key and
//     new sockets (a gap); listenKeyExpired on the stream → the same;
//   * a connection silent for silence_timeout (no frame, no ping) is closed and replaced;
//   * rotation before Binance's 24 h cut: at rotate_after a second slot is opened on the same
//     key, and once it is open the old one is closed after rotation_overlap — make-before-break,
//     no gap (the book is last-writer-wins, duplicates are harmless; orders are deduplicated by
//     the feed);
//   * redundant = true keeps two connections open all the time, their rotations scheduled about
//     half a lifetime apart and never closer than a quarter (a connection, once open, is given
//     at least a quarter lifetime before its rotation; rotate_now() aside): losing either is no
//     gap, and a rotation (the slot closed, then reopened while the other carries the stream)
//     never meets the other's;
//   * a gap (the last open connection lost, a new key) publishes a status and ends with a
//     fresh snapshot, requested after the new connection is open, so every event the snapshot
//     misses is on the stream;
//   * back-off is exponential with full jitter and honours the exchange's Retry-After; the
//     session never gives up, and status() always says what it waits for.
//
// Threads: one thread (the feed's network thread). No allocation; every call is O(slots).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "core/events.hpp"

namespace acctsync::net {

inline constexpr int max_slots = 2; // connections on one listenKey (rotation or redundancy)

struct session_config {
    std::int64_t keepalive_interval_ms = 30 * 60'000; // PUT at most this long after the last success
    std::int64_t keepalive_jitter_ms = 5 * 60'000;    // ... minus up to this much (spread the load)
    std::int64_t silence_timeout_ms = 240'000;        // Binance pings every 3 min
    std::int64_t rotate_after_ms = 23 * 3'600'000;    // Binance cuts at 24 h
    std::int64_t rotation_overlap_ms = 2'000;         // both connections open this long
    std::int64_t connect_timeout_ms = 20'000;         // no answer to open_connection: failed
    std::int64_t request_timeout_ms = 30'000;         // no answer to a key/snapshot request: failed
    std::int64_t backoff_initial_ms = 250;
    std::int64_t backoff_max_ms = 30'000;
    std::int64_t audit_period_ms = 0;                 // a snapshot while live every so often; 0 = never
    // How stale a venue snapshot may be (UNVERIFIED: Binance does not say whether REST and WS-API
    // answers come from a lagged copy; 0 trusts them to be current). With a lag, a heal snapshot is
    // asked for only this long (plus 5 ms for the clocks' granularity) after the stream resumed,
    // and the feed stamps every snapshot as of this long before its request left, so the book's
    // rules (absent means flat, a time-less register replaced) never act on a stale answer.
    std::int64_t snapshot_lag_ms = 0;
    bool redundant = false;                           // two connections at all times
    std::uint64_t seed = 0x9e3779b97f4a7c15ULL;       // jitter
};

enum class session_state : std::uint8_t {
    stopped,
    acquiring_key, // POST listenKey in flight, or waiting to retry it
    connecting,    // no connection open yet; one is being opened or waits to be retried
    syncing,       // connected; the snapshot that heals the gap is in flight or waits to be retried
    live,          // connected and in sync
};
[[nodiscard]] std::string_view to_string(session_state s) noexcept;

enum class action_type : std::uint8_t {
    create_listen_key,    // POST (or userDataStream.start); answer: on_listen_key()
    keepalive_listen_key, // PUT (or userDataStream.ping); answer: on_keepalive()
    open_connection,      // slot: connect to the stream with the current key; answer: on_opened / on_open_failed
    close_connection,     // slot: close it; nothing is answered (the slot is free at once)
    request_snapshot,     // id: take the configured snapshot; answer: on_snapshot(id, ...)
    publish_status,       // status: tell every consumer (connected, disconnected, gap, ...)
};

struct session_action {
    action_type type;
    std::uint8_t slot = 0;
    stream_status_kind status = stream_status_kind::unknown;
    bool audit = false;               // request_snapshot taken while live (a check, not a heal)
    std::int32_t exchange_code = 0;   // publish_status: the Binance code behind it
    std::uint64_t id = 0;             // request_snapshot / open_connection: answer with this id
    std::string_view reason{};        // publish_status: static text
};

// What the feed reports about a failed request (REST or WS-API).
struct request_failure {
    std::int32_t binance_code = 0;   // -1125, ...
    std::int64_t retry_after_ms = 0; // 429/418 Retry-After (0: none)
};

struct session_health {
    session_state state = session_state::stopped;
    std::string_view waiting_for = "start";
    std::uint64_t connects = 0;      // connections opened
    std::uint64_t reconnects = 0;    // of those, after a loss
    std::uint64_t gaps = 0;          // times events may have been lost (each healed by a snapshot)
    std::uint64_t healed = 0;        // gaps closed by a snapshot
    std::uint64_t keepalives = 0;    // successful PUTs
    std::uint64_t keepalive_failures = 0;
    std::uint64_t rotations = 0;     // make-before-break replacements
    std::uint64_t new_keys = 0;      // keys replaced (-1125, listenKeyExpired)
    std::uint64_t silences = 0;      // connections closed by the silence watchdog
    std::uint64_t drift_rotations = 0; // reconnections because a snapshot found drift
    std::int64_t gap_since_ms = 0;   // when the current gap began (0 = in sync)
    std::uint64_t dropped_actions = 0; // a bug if ever nonzero (max_actions too small)
};

class session {
public:
    static constexpr std::size_t max_actions = 16; // one input never yields more (tick: at most 13)

    explicit session(session_config cfg = {}) noexcept;

    // Every input returns the actions to carry out now, in order, as a span into `out`.
    using actions = std::span<const session_action>;
    [[nodiscard]] actions start(std::int64_t now_ms) noexcept;
    [[nodiscard]] actions stop(std::int64_t now_ms) noexcept;

    [[nodiscard]] actions on_listen_key(std::int64_t now_ms, bool changed) noexcept; // POST answered
    [[nodiscard]] actions on_listen_key_failed(std::int64_t now_ms, request_failure f) noexcept;
    [[nodiscard]] actions on_keepalive(std::int64_t now_ms) noexcept;
    [[nodiscard]] actions on_keepalive_failed(std::int64_t now_ms, request_failure f) noexcept;
    // Connection answers carry the id of the open_connection action they answer; answers for a
    // connection the session already closed (an older id) are ignored.
    [[nodiscard]] actions on_opened(std::int64_t now_ms, int slot, std::uint64_t id) noexcept;
    [[nodiscard]] actions on_open_failed(std::int64_t now_ms, int slot, std::uint64_t id, request_failure f) noexcept;
    [[nodiscard]] actions on_lost(std::int64_t now_ms, int slot, std::uint64_t id) noexcept; // closed, cut or failed
    [[nodiscard]] actions on_listen_key_expired(std::int64_t now_ms, int slot, std::uint64_t id) noexcept;
    [[nodiscard]] actions on_snapshot(std::int64_t now_ms, std::uint64_t id) noexcept; // published whole
    [[nodiscard]] actions on_snapshot_failed(std::int64_t now_ms, std::uint64_t id, request_failure f) noexcept;
    // Timers: call at least every few milliseconds (cheap when nothing is due).
    [[nodiscard]] actions tick(std::int64_t now_ms) noexcept;

    // A frame or a ping arrived on the slot (the silence watchdog's input). Hot path: one store.
    void on_activity(int slot, std::int64_t now_ms) noexcept { slots_[slot].last_activity_ms = now_ms; }
    // A snapshot found drift (events lost while the connection looked healthy, e.g. half-open):
    // the connections are dropped and reopened, a gap like a loss (healed by a fresh snapshot).
    [[nodiscard]] actions on_drift(std::int64_t now_ms) noexcept;
    // Replace the open connection on `slot` (-1: every open one) now, make-before-break as at the
    // 24 h rotation (redundant: while the other carries the stream). Several accounts sharing a
    // connection are moved this way onto a newer one (net/connection_mux.hpp).
    [[nodiscard]] actions rotate_now(std::int64_t now_ms, int slot = -1) noexcept;
    // Check the key now (a keepalive at the next tick): a connection that carried it was refused,
    // and a lapsed key answers -1125 (a new key, new sockets).
    void check_key(std::int64_t now_ms) noexcept;

    [[nodiscard]] const session_health& health() const noexcept { return health_; }
    [[nodiscard]] session_state state() const noexcept { return health_.state; }
    [[nodiscard]] bool slot_open(int slot) const noexcept { return slots_[slot].phase == slot_phase::open; }
    [[nodiscard]] int open_slots() const noexcept;
    // The earliest time tick() has work (for an event-driven wait); INT64_MAX when none.
    [[nodiscard]] std::int64_t next_deadline_ms() const noexcept;
    [[nodiscard]] const session_config& config() const noexcept { return cfg_; }

private:
    enum class slot_phase : std::uint8_t { idle, opening, open, closing_after_overlap };
    struct slot_state {
        slot_phase phase = slot_phase::idle;
        std::int64_t opened_ms = 0;
        std::int64_t last_activity_ms = 0;
        std::int64_t retry_at_ms = 0;     // idle: open again at this time (0 = not wanted)
        std::int64_t deadline_ms = 0;     // opening: give up; closing_after_overlap: close now
        std::int64_t rotate_at_ms = 0;    // open: start the replacement
        std::uint64_t id = 0;             // of the open_connection that made it
        bool replacing = false;           // open, rotation due: its replacement was asked for
    };
    enum class pending : std::uint8_t { none, in_flight, retry };

    void emit(session_action a) noexcept;
    actions flush() noexcept;
    void status(stream_status_kind k, std::string_view reason, std::int32_t code = 0) noexcept;
    void begin_gap(std::int64_t now_ms, stream_status_kind k, std::string_view reason, std::int32_t code = 0) noexcept;
    void request_key(std::int64_t now_ms) noexcept;
    void open_slot(std::int64_t now_ms, int slot) noexcept;
    void close_slot(int slot) noexcept;
    void close_all() noexcept;
    void open_failed(std::int64_t now_ms, int slot, request_failure f) noexcept;
    void lost(std::int64_t now_ms, int slot) noexcept;
    void request_snapshot(std::int64_t now_ms, bool audit) noexcept;
    void schedule_keepalive(std::int64_t now_ms) noexcept;
    void want_connections(std::int64_t now_ms) noexcept; // open what the configuration asks for
    void refresh_state() noexcept;
    [[nodiscard]] std::int64_t backoff(std::uint32_t& attempts, std::int64_t retry_after_ms) noexcept;
    [[nodiscard]] std::uint64_t random() noexcept;
    [[nodiscard]] int wanted_slots() const noexcept { return cfg_.redundant ? 2 : 1; }
    [[nodiscard]] int free_slot() const noexcept;

    session_config cfg_;
    std::array<slot_state, max_slots> slots_{};
    std::array<session_action, max_actions> out_{};
    std::size_t n_out_ = 0;
    session_health health_{};
    std::uint64_t rng_;

    bool have_key_ = false;
    pending key_ = pending::none;
    std::int64_t key_at_ms_ = 0;       // in_flight: deadline; retry: when
    std::uint32_t key_attempts_ = 0;
    std::uint32_t open_attempts_ = 0;

    pending keepalive_ = pending::none;
    std::int64_t keepalive_at_ms_ = 0; // next PUT (none/retry) or its deadline (in_flight)
    std::uint32_t keepalive_attempts_ = 0;

    pending snapshot_ = pending::none;
    bool snapshot_heals_ = false;      // the snapshot in flight was asked for to heal a gap
    std::uint64_t snapshot_id_ = 0;
    std::int64_t snapshot_at_ms_ = 0;
    std::uint32_t snapshot_attempts_ = 0;
    std::uint64_t snapshot_gap_seq_ = 0; // gap_seq_ when the snapshot in flight was asked for
    std::int64_t heal_not_before_ms_ = 0; // the last resume + snapshot_lag_ms: no heal is asked for earlier
    std::uint64_t gap_seq_ = 0;          // gaps begun so far (exact: two in one millisecond differ)
    std::int64_t next_audit_ms_ = 0;
    std::uint64_t next_open_id_ = 0;
    bool started_ = false;
    bool synced_ = false;
    bool had_connection_ = false;
};

} // namespace acctsync::net
