// acctsync/net/session.cpp — see session.hpp. No I/O, no clock, no allocation.
#include "net/session.hpp"

#include <algorithm>
#include <limits>

namespace acctsync::net {

namespace {
constexpr std::int64_t far_future = std::numeric_limits<std::int64_t>::max();
constexpr std::int32_t listen_key_does_not_exist = -1125;
} // namespace

std::string_view to_string(session_state s) noexcept {
    switch (s) {
    case session_state::stopped: return "stopped";
    case session_state::acquiring_key: return "acquiring_key";
    case session_state::connecting: return "connecting";
    case session_state::syncing: return "syncing";
    case session_state::live: return "live";
    }
    return "?";
}

session::session(session_config cfg) noexcept : cfg_(cfg), rng_(cfg.seed | 1) {}

// ---- plumbing ----------------------------------------------------------------------------------

std::uint64_t session::random() noexcept { // xorshift64*: jitter only, not security
    rng_ ^= rng_ >> 12;
    rng_ ^= rng_ << 25;
    rng_ ^= rng_ >> 27;
    return rng_ * 0x2545F4914F6CDD1DULL;
}

std::int64_t session::backoff(std::uint32_t& attempts, std::int64_t retry_after_ms) noexcept {
    // Full jitter (uniform in [0, min(max, initial·2^n)]): reconnecting clients spread out.
    const std::uint32_t n = std::min<std::uint32_t>(attempts, 30);
    const std::int64_t cap = std::min(cfg_.backoff_max_ms, cfg_.backoff_initial_ms << std::min<std::uint32_t>(n, 20));
    ++attempts;
    const auto d = 1 + static_cast<std::int64_t>(random() % static_cast<std::uint64_t>(cap)); // never "now": a timer
    return std::max(d, retry_after_ms);
}

void session::emit(session_action a) noexcept {
    // Every input emits a bounded number of actions (see max_actions); more would be a bug here.
    if (n_out_ < out_.size()) out_[n_out_++] = a;
    else ++health_.dropped_actions;
}

session::actions session::flush() noexcept {
    refresh_state();
    const std::size_t n = n_out_;
    n_out_ = 0;
    return {out_.data(), n};
}

void session::status(stream_status_kind k, std::string_view reason, std::int32_t code) noexcept {
    session_action a{action_type::publish_status};
    a.status = k;
    a.reason = reason;
    a.exchange_code = code;
    emit(a);
}

void session::begin_gap(std::int64_t now_ms, stream_status_kind k, std::string_view reason, std::int32_t code) noexcept {
    if (synced_) {
        ++health_.gaps;
        synced_ = false;
    }
    health_.gap_since_ms = now_ms;
    ++gap_seq_; // a snapshot heals only if no gap began after it was asked for
    status(k, reason, code);
}

int session::open_slots() const noexcept {
    int n = 0;
    for (const auto& s : slots_) n += (s.phase == slot_phase::open || s.phase == slot_phase::closing_after_overlap) ? 1 : 0;
    return n;
}

int session::free_slot() const noexcept {
    for (int i = 0; i < max_slots; ++i)
        if (slots_[i].phase == slot_phase::idle) return i;
    return -1;
}

void session::refresh_state() noexcept {
    if (!started_) {
        health_.state = session_state::stopped;
        health_.waiting_for = "start";
    } else if (open_slots() == 0) {
        health_.state = have_key_ ? session_state::connecting : session_state::acquiring_key;
        health_.waiting_for = have_key_ ? "the stream connection" : "a listenKey";
    } else if (!synced_) {
        health_.state = session_state::syncing;
        health_.waiting_for = "the snapshot that heals the gap";
    } else {
        health_.state = session_state::live;
        health_.waiting_for = "nothing";
    }
}

// ---- the pieces of behaviour -------------------------------------------------------------------

void session::request_key(std::int64_t now_ms) noexcept {
    have_key_ = false;
    key_ = pending::in_flight;
    key_at_ms_ = now_ms + cfg_.request_timeout_ms;
    emit({action_type::create_listen_key});
}

void session::schedule_keepalive(std::int64_t now_ms) noexcept {
    keepalive_ = pending::none;
    const auto jitter = cfg_.keepalive_jitter_ms > 0
                            ? static_cast<std::int64_t>(random() % static_cast<std::uint64_t>(cfg_.keepalive_jitter_ms + 1))
                            : 0;
    keepalive_at_ms_ = now_ms + std::max<std::int64_t>(1, cfg_.keepalive_interval_ms - jitter);
}

void session::open_slot(std::int64_t now_ms, int slot) noexcept {
    auto& s = slots_[slot];
    s.phase = slot_phase::opening;
    s.deadline_ms = now_ms + cfg_.connect_timeout_ms;
    s.retry_at_ms = 0;
    s.id = ++next_open_id_;
    session_action a{action_type::open_connection};
    a.slot = static_cast<std::uint8_t>(slot);
    a.id = s.id;
    emit(a);
}

void session::close_slot(int slot) noexcept {
    auto& s = slots_[slot];
    if (s.phase == slot_phase::idle) return;
    s.phase = slot_phase::idle;
    s.retry_at_ms = 0;
    session_action a{action_type::close_connection};
    a.slot = static_cast<std::uint8_t>(slot);
    a.id = s.id;
    emit(a);
}

void session::close_all() noexcept {
    for (int i = 0; i < max_slots; ++i) close_slot(i);
}

void session::want_connections(std::int64_t now_ms) noexcept {
    if (!started_ || !have_key_) return;
    // A connection due for rotation does not count: its replacement is wanted.
    int have = 0;
    for (const auto& s : slots_)
        if (s.phase == slot_phase::opening || (s.phase == slot_phase::open && s.rotate_at_ms > now_ms)) ++have;
    for (int i = 0; i < max_slots && have < wanted_slots(); ++i) {
        auto& s = slots_[i];
        if (s.phase != slot_phase::idle || s.retry_at_ms > now_ms) continue;
        open_slot(now_ms, i);
        ++have;
        for (auto& o : slots_) // a connection due for rotation now has its replacement on the way
            if (o.phase == slot_phase::open && o.rotate_at_ms <= now_ms) o.replacing = true;
    }
}

void session::request_snapshot(std::int64_t now_ms, bool audit) noexcept {
    if (!audit && !synced_ && now_ms < heal_not_before_ms_) { // a lagged answer could predate the resume
        snapshot_ = pending::retry;
        snapshot_at_ms_ = heal_not_before_ms_;
        return;
    }
    snapshot_ = pending::in_flight;
    snapshot_at_ms_ = now_ms + cfg_.request_timeout_ms;
    snapshot_gap_seq_ = gap_seq_;
    snapshot_heals_ = !synced_ && open_slots() > 0;
    session_action a{action_type::request_snapshot};
    a.id = ++snapshot_id_;
    a.audit = audit;
    emit(a);
}

// ---- inputs --------------------------------------------------------------------------------------

session::actions session::start(std::int64_t now_ms) noexcept {
    if (started_) return flush();
    started_ = true;
    synced_ = false;
    health_.gap_since_ms = now_ms;
    key_attempts_ = 0;
    request_key(now_ms);
    return flush();
}

session::actions session::stop(std::int64_t) noexcept {
    if (!started_) return flush();
    close_all();
    started_ = false;
    have_key_ = false;
    key_ = keepalive_ = snapshot_ = pending::none;
    return flush();
}

session::actions session::on_listen_key(std::int64_t now_ms, bool changed) noexcept {
    if (!started_ || key_ != pending::in_flight) return flush();
    key_ = pending::none;
    key_attempts_ = 0;
    have_key_ = true;
    if (changed) {
        // Sockets on the old key hear nothing more (spec §1.2): replace them.
        bool any = false;
        for (const auto& s : slots_) any = any || s.phase != slot_phase::idle;
        if (any) {
            close_all();
            ++health_.new_keys;
            begin_gap(now_ms, stream_status_kind::disconnected, "new listenKey: connections replaced");
        }
    }
    schedule_keepalive(now_ms); // POST extends the key's validity like a PUT
    want_connections(now_ms);
    return flush();
}

session::actions session::on_listen_key_failed(std::int64_t now_ms, request_failure f) noexcept {
    if (!started_ || key_ != pending::in_flight) return flush();
    key_ = pending::retry;
    key_at_ms_ = now_ms + backoff(key_attempts_, f.retry_after_ms);
    return flush();
}

session::actions session::on_keepalive(std::int64_t now_ms) noexcept {
    if (!started_ || keepalive_ != pending::in_flight) return flush();
    keepalive_attempts_ = 0;
    ++health_.keepalives;
    schedule_keepalive(now_ms);
    return flush();
}

session::actions session::on_keepalive_failed(std::int64_t now_ms, request_failure f) noexcept {
    if (!started_ || keepalive_ != pending::in_flight) return flush();
    ++health_.keepalive_failures;
    if (f.binance_code == listen_key_does_not_exist) {
        // The key is gone (expired, or DELETEd by another process on the account).
        keepalive_ = pending::none;
        ++health_.new_keys;
        close_all();
        begin_gap(now_ms, stream_status_kind::listen_key_expired, "listenKey does not exist (-1125): new key",
                  listen_key_does_not_exist);
        key_attempts_ = 0;
        request_key(now_ms);
        return flush();
    }
    keepalive_ = pending::retry;
    keepalive_at_ms_ = now_ms + backoff(keepalive_attempts_, f.retry_after_ms);
    return flush();
}

session::actions session::on_opened(std::int64_t now_ms, int slot, std::uint64_t id) noexcept {
    auto& s = slots_[slot];
    if (!started_ || s.phase != slot_phase::opening || s.id != id) return flush();
    s.phase = slot_phase::open;
    s.opened_ms = now_ms;
    s.last_activity_ms = now_ms;
    s.rotate_at_ms = now_ms + cfg_.rotate_after_ms;
    s.replacing = false;
    const int other = slot ^ 1;
    const auto& o = slots_[other];
    if (cfg_.redundant && o.phase == slot_phase::open) {
        // Stagger the two rotations about half a lifetime apart, so they never overlap. A natural
        // distance of a quarter lifetime or more is kept: "correcting" one just short of a half
        // (the two opens took a few ms more or less) would rotate this connection again at once,
        // which is what an exact half did. Closer than a quarter, the other rotates more than three
        // quarters of a lifetime from now, so this one rotates half a lifetime before it: more than
        // a quarter lifetime from now, and before its own natural rotation (never past the cut).
        const std::int64_t half = cfg_.rotate_after_ms / 2, quarter = cfg_.rotate_after_ms / 4;
        if (std::llabs(s.rotate_at_ms - o.rotate_at_ms) < quarter)
            s.rotate_at_ms = std::min(s.rotate_at_ms, std::max(now_ms + quarter, o.rotate_at_ms - half));
    }
    open_attempts_ = 0;
    ++health_.connects;
    if (had_connection_) ++health_.reconnects;
    had_connection_ = true;
    // The first open connection after none ends the outage for the book too: a snapshot asked
    // for before this cannot heal (events between it and this connection are lost).
    if (open_slots() == 1) {
        status(stream_status_kind::resumed, "connected: stream resumed");
        heal_not_before_ms_ = cfg_.snapshot_lag_ms > 0 ? now_ms + cfg_.snapshot_lag_ms + 5 : 0;
    }
    else status(stream_status_kind::connected, "connected (second connection)");
    if (!cfg_.redundant && o.phase == slot_phase::open) {
        // Make-before-break: the replacement is open; keep both for the overlap, then close the old.
        slots_[other].phase = slot_phase::closing_after_overlap;
        slots_[other].deadline_ms = now_ms + cfg_.rotation_overlap_ms;
        ++health_.rotations;
    }
    if (!synced_ && snapshot_ != pending::in_flight) request_snapshot(now_ms, false);
    return flush();
}

session::actions session::on_open_failed(std::int64_t now_ms, int slot, std::uint64_t id, request_failure f) noexcept {
    const auto& s = slots_[slot];
    if (!started_ || s.phase != slot_phase::opening || s.id != id) return flush();
    open_failed(now_ms, slot, f);
    return flush();
}

void session::open_failed(std::int64_t now_ms, int slot, request_failure f) noexcept {
    auto& s = slots_[slot];
    s.phase = slot_phase::idle;
    const std::int64_t at = now_ms + backoff(open_attempts_, f.retry_after_ms);
    if (open_slots() == 0) {
        // Nothing open: go through POST again (a lapsed key is replaced, a live one extended).
        have_key_ = false;
        key_ = pending::retry;
        key_at_ms_ = at;
        s.retry_at_ms = 0;
    } else {
        s.retry_at_ms = at;
    }
}

session::actions session::on_lost(std::int64_t now_ms, int slot, std::uint64_t id) noexcept {
    const auto& s = slots_[slot];
    if (!started_ || s.id != id || s.phase == slot_phase::idle) return flush();
    if (s.phase == slot_phase::opening) open_failed(now_ms, slot, {});
    else lost(now_ms, slot);
    return flush();
}

void session::lost(std::int64_t now_ms, int slot) noexcept {
    auto& s = slots_[slot];
    const bool was_replaced = s.phase == slot_phase::closing_after_overlap;
    close_slot(slot); // the feed releases it (a no-op when it is already closed)
    if (open_slots() == 0) {
        begin_gap(now_ms, stream_status_kind::disconnected, "connection lost: reconnecting");
        have_key_ = false;
        key_ = pending::retry;
        key_at_ms_ = now_ms + backoff(open_attempts_, 0);
    } else if (!was_replaced) {
        s.retry_at_ms = now_ms + backoff(open_attempts_, 0); // the other connection carries the stream
    }
}

session::actions session::on_listen_key_expired(std::int64_t now_ms, int slot, std::uint64_t id) noexcept {
    const auto& s = slots_[slot];
    if (!started_ || s.id != id || s.phase == slot_phase::idle || s.phase == slot_phase::opening) return flush();
    // The key lapsed for every socket on it: nothing more comes on any of them (spec §1.2).
    ++health_.new_keys;
    close_all();
    begin_gap(now_ms, stream_status_kind::listen_key_expired, "listenKeyExpired: new key, reconnecting");
    key_attempts_ = 0;
    request_key(now_ms);
    return flush();
}

session::actions session::on_drift(std::int64_t now_ms) noexcept {
    if (!started_ || open_slots() == 0) return flush();
    // The connections lose events while they look healthy (half-open): drop them, and let the
    // outage run its course — a new key POST, new sockets, `resumed`, a healing snapshot (and the
    // feed's back-fill). Replacing them make-before-break would leave the book claiming sync
    // while the old socket kept losing events until the new one was open.
    ++health_.drift_rotations;
    close_all();
    begin_gap(now_ms, stream_status_kind::disconnected, "an audit found drift: reconnecting");
    have_key_ = false;
    key_ = pending::retry;
    key_at_ms_ = now_ms;
    return flush();
}

session::actions session::rotate_now(std::int64_t now_ms, int slot) noexcept {
    if (!started_) return flush();
    for (int i = 0; i < max_slots; ++i) {
        auto& s = slots_[i];
        if ((slot < 0 || slot == i) && s.phase == slot_phase::open && !s.replacing)
            s.rotate_at_ms = std::min(s.rotate_at_ms, now_ms);
    }
    if (key_ == pending::none) want_connections(now_ms); // redundant: tick() replaces them in turn
    return flush();
}

void session::check_key(std::int64_t now_ms) noexcept {
    if (!started_ || !have_key_ || key_ != pending::none || keepalive_ == pending::in_flight) return;
    keepalive_ = pending::none;
    keepalive_at_ms_ = std::min(keepalive_at_ms_, now_ms);
}

session::actions session::on_snapshot(std::int64_t now_ms, std::uint64_t id) noexcept {
    if (!started_ || snapshot_ != pending::in_flight || id != snapshot_id_) return flush();
    snapshot_ = pending::none;
    snapshot_attempts_ = 0;
    if (!synced_) {
        if (snapshot_heals_ && snapshot_gap_seq_ == gap_seq_) {
            synced_ = true;
            if (health_.gaps != 0) ++health_.healed;
            health_.gap_since_ms = 0;
            next_audit_ms_ = now_ms + cfg_.audit_period_ms;
        } else if (open_slots() > 0) {
            request_snapshot(now_ms, false); // asked for before the latest gap: it cannot heal it
        }
    } else {
        next_audit_ms_ = now_ms + cfg_.audit_period_ms;
    }
    return flush();
}

session::actions session::on_snapshot_failed(std::int64_t now_ms, std::uint64_t id, request_failure f) noexcept {
    if (!started_ || snapshot_ != pending::in_flight || id != snapshot_id_) return flush();
    status(stream_status_kind::snapshot_failed, "snapshot failed: retrying", f.binance_code);
    if (synced_) { // an audit: try again at the next period
        snapshot_ = pending::none;
        next_audit_ms_ = now_ms + cfg_.audit_period_ms;
    } else {
        snapshot_ = pending::retry;
        snapshot_at_ms_ = now_ms + backoff(snapshot_attempts_, f.retry_after_ms);
    }
    return flush();
}

session::actions session::tick(std::int64_t now_ms) noexcept {
    if (!started_) return flush();
    // listenKey: a POST that never answered failed; a retry that is due goes out.
    if (key_ == pending::in_flight && now_ms >= key_at_ms_) {
        key_ = pending::retry;
        key_at_ms_ = now_ms + backoff(key_attempts_, 0);
    } else if (key_ == pending::retry && now_ms >= key_at_ms_) {
        request_key(now_ms);
    }
    // Keepalive for the life of the session.
    if (have_key_ && key_ == pending::none) {
        if (keepalive_ == pending::in_flight && now_ms >= keepalive_at_ms_) {
            ++health_.keepalive_failures;
            keepalive_ = pending::retry;
            keepalive_at_ms_ = now_ms + backoff(keepalive_attempts_, 0);
        } else if (keepalive_ != pending::in_flight && now_ms >= keepalive_at_ms_) {
            keepalive_ = pending::in_flight;
            keepalive_at_ms_ = now_ms + cfg_.request_timeout_ms;
            emit({action_type::keepalive_listen_key});
        }
    }
    // Connections: open timeouts, silence, rotation, the end of an overlap.
    for (int i = 0; i < max_slots; ++i) {
        auto& s = slots_[i];
        switch (s.phase) {
        case slot_phase::opening:
            if (now_ms >= s.deadline_ms) {
                close_slot(i); // cancel it
                open_failed(now_ms, i, {});
            }
            break;
        case slot_phase::open:
            if (now_ms - s.last_activity_ms >= cfg_.silence_timeout_ms) {
                ++health_.silences;
                lost(now_ms, i);
            } else if (now_ms >= s.rotate_at_ms && cfg_.redundant) {
                // The other connection carries the stream while this one is replaced.
                if (slots_[i ^ 1].phase == slot_phase::open) {
                    close_slot(i);
                    s.retry_at_ms = now_ms + 1; // reopened at the next tick
                    ++health_.rotations;
                } else {
                    s.rotate_at_ms = now_ms + cfg_.rotation_overlap_ms; // when the other is back
                }
            }
            break;
        case slot_phase::closing_after_overlap:
            // Closed as planned; if its replacement died meanwhile, that is an outage (lost()).
            if (now_ms >= s.deadline_ms) lost(now_ms, i);
            break;
        case slot_phase::idle: break;
        }
    }
    if (key_ == pending::none) want_connections(now_ms);
    // Snapshots: a heal that failed is retried while connected; audits while live.
    if (snapshot_ == pending::in_flight && now_ms >= snapshot_at_ms_) {
        status(stream_status_kind::snapshot_failed, "snapshot timed out: retrying");
        snapshot_ = synced_ ? pending::none : pending::retry;
        snapshot_at_ms_ = now_ms + backoff(snapshot_attempts_, 0);
        if (synced_) next_audit_ms_ = now_ms + cfg_.audit_period_ms;
    }
    if (snapshot_ == pending::retry && now_ms >= snapshot_at_ms_ && open_slots() > 0) request_snapshot(now_ms, false);
    if (synced_ && snapshot_ == pending::none && cfg_.audit_period_ms > 0 && now_ms >= next_audit_ms_ && open_slots() > 0)
        request_snapshot(now_ms, true);
    return flush();
}

std::int64_t session::next_deadline_ms() const noexcept {
    if (!started_) return far_future;
    std::int64_t t = far_future;
    if (key_ != pending::none) t = std::min(t, key_at_ms_);
    if (have_key_ && key_ == pending::none) t = std::min(t, keepalive_at_ms_);
    for (const auto& s : slots_) {
        switch (s.phase) {
        case slot_phase::opening: t = std::min(t, s.deadline_ms); break;
        case slot_phase::open:
            t = std::min(t, s.last_activity_ms + cfg_.silence_timeout_ms);
            if (!s.replacing) t = std::min(t, s.rotate_at_ms);
            break;
        case slot_phase::closing_after_overlap: t = std::min(t, s.deadline_ms); break;
        case slot_phase::idle:
            if (s.retry_at_ms != 0 && have_key_ && key_ == pending::none) t = std::min(t, s.retry_at_ms);
            break;
        }
    }
    const bool connected = open_slots() > 0;
    if (snapshot_ == pending::in_flight || (snapshot_ == pending::retry && connected)) t = std::min(t, snapshot_at_ms_);
    if (synced_ && snapshot_ == pending::none && cfg_.audit_period_ms > 0 && connected) t = std::min(t, next_audit_ms_);
    return t;
}

} // namespace acctsync::net
