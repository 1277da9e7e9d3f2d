// acctsync/net/connection_mux.cpp — see connection_mux.hpp. No I/O, no clock, no allocation.
#include "net/connection_mux.hpp"

namespace acctsync::net {

connection_mux::connection_mux(int accounts, bool shared, options opt) noexcept
    : accounts_(accounts < 1 ? 1 : (accounts > max_accounts ? max_accounts : accounts)), shared_(shared), opt_(opt) {}

void connection_mux::emit(mux_action a) noexcept {
    if (n_out_ < out_.size()) out_[n_out_++] = a;
    else ++dropped_; // a bug if ever nonzero (max_actions too small)
}

connection_mux::actions connection_mux::flush() noexcept {
    const std::size_t n = n_out_;
    n_out_ = 0;
    return {out_.data(), n};
}

void connection_mux::key_pending(int account) noexcept { known_[account] = false; }

void connection_mux::key_known(int account, std::uint64_t gen) noexcept {
    known_[account] = true;
    gen_[account] = gen;
}

bool connection_mux::bound(int conn) const noexcept {
    for (int a = 0; a < accounts_; ++a)
        for (const auto& b : bind_[a])
            if (b.conn == conn) return true;
    return false;
}

bool connection_mux::carries_current(int conn, int account) const noexcept {
    const auto& c = conns_[conn];
    return (c.carries >> account & 1) != 0 && c.gen[account] == gen_[account];
}

int connection_mux::slot_on(int conn, int account) const noexcept {
    for (int k = 0; k < 2; ++k)
        if (bind_[account][k].conn == conn && bind_[account][k].answered) return k;
    return -1;
}

int connection_mux::open_connections() const noexcept {
    int n = 0;
    for (int p = 0; p < connection_count(); ++p) n += conns_[p].phase == conn_phase::open ? 1 : 0;
    return n;
}

// A new connection for (account, slot): with that account's key only (separate), or with every
// known key (shared). -1 when every connection is in use.
int connection_mux::open_new(int account, int slot) noexcept {
    int p = -1;
    if (!shared_) {
        p = 2 * account + slot;
        if (conns_[p].phase != conn_phase::idle) { // not released before being asked for again: start over
            emit({mux_action::close, p, -1, 0, conns_[p].seq});
            conns_[p] = {};
        }
    } else {
        for (int i = 0; i < connection_count() && p < 0; ++i)
            if (conns_[i].phase == conn_phase::idle) p = i;
        if (p < 0) return -1;
    }
    auto& c = conns_[p];
    c = {};
    c.phase = conn_phase::opening;
    c.joinable = shared_;
    c.seq = ++next_seq_;
    for (int a = 0; a < accounts_; ++a)
        if (a == account || (shared_ && known_[a])) {
            c.carries |= 1u << a;
            c.gen[a] = gen_[a];
        }
    emit({mux_action::open, p, -1, 0, 0, c.carries});
    return p;
}

void connection_mux::place(int account, int slot, std::uint64_t id, std::int64_t now_ms, bool may_hold) noexcept {
    int best = -1;
    if (shared_) {
        const int other = bind_[account][slot ^ 1].conn;
        for (int p = 0; p < connection_count(); ++p) {
            const auto& c = conns_[p];
            if (c.phase == conn_phase::idle || !c.joinable || p == other || !carries_current(p, account)) continue;
            if (best < 0 || c.seq > conns_[best].seq) best = p;
        }
        if (best < 0) {
            // Another account's key is on its way: wait for it (up to hold_ms) so that one
            // connection carries both, instead of one now and its replacement in a moment.
            bool waiting = false;
            for (int a = 0; a < accounts_; ++a) waiting = waiting || (a != account && !known_[a]);
            if (waiting && may_hold) {
                if (hold_until_ms_ == 0) hold_until_ms_ = now_ms + opt_.hold_ms;
                if (now_ms < hold_until_ms_) {
                    held_[account][slot] = {true, id};
                    return;
                }
            }
        }
    }
    if (best < 0) best = open_new(account, slot);
    if (best < 0) {
        emit({mux_action::open_failed, -1, account, slot, id});
        return;
    }
    auto& b = bind_[account][slot];
    b = {best, id, conns_[best].phase == conn_phase::open};
    if (b.answered) emit({mux_action::opened, best, account, slot, id});
}

connection_mux::actions connection_mux::want(int account, int slot, std::uint64_t id, std::int64_t now_ms) noexcept {
    unbind(account, slot); // a slot asks again only after giving its connection up; be sure
    held_[account][slot] = {};
    place(account, slot, id, now_ms, true);
    return flush();
}

void connection_mux::unbind(int account, int slot) noexcept {
    const int p = bind_[account][slot].conn;
    if (p < 0) return;
    bind_[account][slot] = {};
    if (!bound(p)) {
        emit({mux_action::close, p, -1, 0, conns_[p].seq});
        conns_[p] = {};
        return;
    }
    if (!conns_[p].joinable) return;
    // Someone left: it is on its way out (rotated away, a lapsed key, drift). Nobody joins it
    // again, and whoever is left on it only is moved to a newer one as soon as there is one.
    conns_[p].joinable = false;
    migrate();
}

// Every account whose connections are all on their way out, and that a newer open connection
// carries, is asked to rotate onto it.
void connection_mux::migrate() noexcept {
    for (int a = 0; a < accounts_; ++a) {
        std::uint64_t newest_bound = 0;
        bool any = false, on_joinable = false;
        for (const auto& b : bind_[a]) {
            if (b.conn < 0 || !b.answered) continue;
            any = true;
            on_joinable = on_joinable || conns_[b.conn].joinable;
            if (conns_[b.conn].seq > newest_bound) newest_bound = conns_[b.conn].seq;
        }
        if (!any || on_joinable) continue;
        bool target = false;
        for (int p = 0; p < connection_count() && !target; ++p) {
            const auto& c = conns_[p];
            target = c.phase == conn_phase::open && c.joinable && c.seq > newest_bound && carries_current(p, a);
        }
        if (!target) continue;
        for (int k = 0; k < 2; ++k)
            if (bind_[a][k].conn >= 0 && bind_[a][k].answered) emit({mux_action::rotate, bind_[a][k].conn, a, k});
    }
}

connection_mux::actions connection_mux::release(int account, int slot) noexcept {
    held_[account][slot] = {};
    unbind(account, slot);
    return flush();
}

connection_mux::actions connection_mux::opened(int conn, std::int64_t now_ms) noexcept {
    auto& c = conns_[conn];
    if (c.phase != conn_phase::opening) return flush();
    c.phase = conn_phase::open;
    c.opened_ms = now_ms;
    for (int a = 0; a < accounts_; ++a)
        for (int k = 0; k < 2; ++k) {
            auto& b = bind_[a][k];
            if (b.conn != conn || b.answered) continue;
            b.answered = true;
            emit({mux_action::opened, conn, a, k, b.id});
        }
    if (shared_) {
        if (!opt_.redundant) retire_covered(conn);
        migrate();
    }
    return flush();
}

// Older joinable connections whose every account `conn` carries with its current key are no
// longer needed: nobody joins them, and migrate() moves their accounts onto `conn`.
void connection_mux::retire_covered(int conn) noexcept {
    for (int p = 0; p < connection_count(); ++p) {
        auto& o = conns_[p];
        if (p == conn || o.phase == conn_phase::idle || !o.joinable || o.seq > conns_[conn].seq) continue;
        bool covered = true;
        for (int a = 0; a < accounts_ && covered; ++a)
            for (const auto& b : bind_[a])
                if (b.conn == p && !carries_current(conn, a)) covered = false;
        if (covered) o.joinable = false;
    }
}

std::uint32_t connection_mux::sharing_with(int account) const noexcept {
    std::uint32_t mask = 1u << account;
    if (!shared_) return mask;
    for (const auto& mine : bind_[account]) {
        if (mine.conn < 0) continue;
        for (int a = 0; a < accounts_; ++a)
            for (const auto& b : bind_[a])
                if (b.conn == mine.conn) mask |= 1u << a;
    }
    return mask;
}

connection_mux::actions connection_mux::failed(int conn, bool refused) noexcept {
    if (conns_[conn].phase == conn_phase::idle) return flush();
    if (refused && shared_ && conns_[conn].phase == conn_phase::opening)
        for (int a = 0; a < accounts_; ++a)
            if (conns_[conn].carries >> a & 1) emit({mux_action::check_key, conn, a});
    for (int a = 0; a < accounts_; ++a)
        for (int k = 0; k < 2; ++k) {
            auto& b = bind_[a][k];
            if (b.conn != conn) continue;
            emit({b.answered ? mux_action::lost : mux_action::open_failed, conn, a, k, b.id});
            b = {};
        }
    conns_[conn] = {};
    return flush();
}

connection_mux::actions connection_mux::tick(std::int64_t now_ms) noexcept {
    if (shared_) { // the backstop for accounts that joined a connection late (their timers run later)
        for (int p = 0; p < connection_count(); ++p) {
            auto& c = conns_[p];
            if (c.phase != conn_phase::open || c.rotating || now_ms - c.opened_ms < opt_.rotate_after_ms) continue;
            c.rotating = true;
            c.joinable = false;
            for (int a = 0; a < accounts_; ++a)
                if (const int k = slot_on(p, a); k >= 0) emit({mux_action::rotate, p, a, k});
        }
    }
    if (hold_until_ms_ == 0) return flush();
    bool waiting = false;
    for (int a = 0; a < accounts_; ++a) waiting = waiting || !known_[a];
    if (waiting && now_ms < hold_until_ms_) {
        bool any = false;
        for (int a = 0; a < accounts_; ++a) any = any || held_[a][0].held || held_[a][1].held;
        if (any) return flush();
    }
    hold_until_ms_ = 0;
    for (int a = 0; a < accounts_; ++a)
        for (int k = 0; k < 2; ++k)
            if (held_[a][k].held) {
                const std::uint64_t id = held_[a][k].id;
                held_[a][k] = {};
                if (!known_[a]) emit({mux_action::open_failed, -1, a, k, id}); // its own key is being renewed
                else place(a, k, id, now_ms, false); // the hold is over: open with the keys known now
            }
    return flush();
}

} // namespace acctsync::net
