// acctsync/net/feed.hpp — the public API: a live, exact copy of a Binance futures account.
//
//   net::feed_config cfg = net::feed_config::for_venue(market::usdm);   // mainnet URLs
//   cfg.creds = net::credentials::from_env();
//   cfg.consumers = 2;                                                   // one per strategy thread
//   net::feed f(cfg);
//   f.start();
//   // strategy thread k:
//   for (;;) f.consumer(k).poll([](const event& ev, const account_book& book) { … }, 256);
//   f.stop();
//
// Threads (which thread calls what):
//   * the caller: construct, start(), stop(), destroy; health() from any thread;
//   * several accounts (feed_config::accounts): one session each (net/session.hpp), on one
//     connection per account or all on one shared connection (net/connection_mux.hpp);
//   * the network thread (started by start(), pinned to pin_core when ≥ 0): the session state
//     machine (net/session.hpp), every stream socket's reads, the parsers, and the ONLY producer
//     of every consumer's ring;
//   * the control thread (started by start()): the cold path — REST (listenKey, keepalive,
//     time, snapshots), opening and closing stream sockets — answering the network thread
//     through a mutex-guarded queue it checks with one relaxed load per loop;
//   * consumer k's thread: consumer(k).poll() and consumer(k).book(), nothing else.
//
// Each consumer owns an spsc_ring<event> and an account_book. A frame is parsed once into a
// staging batch on the network thread and copied into every consumer's ring (one 320-byte copy
// per event per consumer). A consumer whose ring stays full for longer than overrun_spin is
// overrun: it loses events from then on, so it gets a gap status as soon as its ring has room
// (its book is dirty from then), and a snapshot taken after that, for it alone, re-seeds it;
// the network thread and the other consumers go on untouched.
//
// Fills lost in a gap: when a gap heals, the control thread reads GET userTrades since the last
// exchange time the stream gave before the gap, for every symbol the account traded on the
// stream or holds in a snapshot, and each fill the stream did not deliver (by symbol, orderId,
// tradeId) is published once as a missed_fill event. (Binance requires a symbol per request:
// a symbol first traded inside the gap, with a flat position at the heal, is not found.)
//
// While two connections are open (rotation, redundancy) each order update, trade and algo
// update reaches the consumers once: the second copy is recognised by its content (a
// direct-mapped table of 64-bit hashes) and dropped. Account updates are not deduplicated: the
// book is last-writer-wins, so a second copy changes nothing.
//
// Allocation: everything at construction and start(); the network thread's loop allocates
// nothing per frame (snapshots and session changes are the cold path and do).
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/account_book.hpp"
#include "core/events.hpp"
#include "core/spsc_ring.hpp"
#include "net/credentials.hpp"
#include "net/feed_recorder.hpp"
#include "net/net_error.hpp"
#include "net/session.hpp"
#include "net/tls.hpp"
#include "net/ws_client.hpp"

namespace acctsync::net {

enum class snapshot_source : std::uint8_t { rest, wsapi };

struct feed_config {
    market venue = market::usdm;
    // Bases (scheme, host, port); the market's paths are appended.
    std::string rest_url = "https://fapi.binance.com";
    std::string ws_url = "wss://fstream.binance.com";
    std::string wsapi_url = "wss://ws-fapi.binance.com";
    // The stream's path: the key is appended, or put where "{key}" stands. USDⓈ-M "/private/ws/",
    // COIN-M and testnet "/ws/" (spec §1.1, §2); also "/private/ws?listenKey={key}&events=
    // ACCOUNT_UPDATE/ORDER_TRADE_UPDATE/listenKeyExpired" (an allow-list: leave out listenKeyExpired
    // and expiry goes unseen) and "/private/stream?listenKey={key}" (the combined envelope).
    std::string ws_path = "/private/ws/";
    snapshot_source snapshots = snapshot_source::rest;
    credentials creds{};
    // Several accounts in one feed: account i's credentials (empty: `creds` is the one account).
    // Each account has its own session, listenKey, snapshots and back-fill; every event carries
    // its account in header.account, and each consumer keeps one book per account.
    std::vector<credentials> accounts{};
    // One connection for every account's key (Binance's "stream mode (multiple listenKeys)",
    // spec §1.1): ws_shared_path with "{keys}" replaced by listenKey=<k1>&listenKey=<k2>…; the
    // combined envelope's stream name routes each frame to its account (UNVERIFIED: the name is
    // the key, or <key>@<EVENT>). false: one connection per account (ws_path).
    bool shared_connection = false;
    std::string ws_shared_path = "/private/stream?{keys}";
    tls_options tls{};
    std::string connect_to{}; // dial this address instead of the hosts' (names are still verified)
    read_mode mode = read_mode::event_driven;
    int pin_core = -1;        // the network thread's core; -1 = not pinned
    session_config session{};
    int consumers = 1;
    std::size_t ring_capacity = 16384; // events per consumer ring
    book_capacity book{};
    std::int64_t overrun_spin_ns = 50'000; // a full ring is waited for this long, then overrun
    // A consumer that overran loses the events published until it has room again. Its book is
    // re-seeded from a snapshot; the order flow it missed (order, trade, algo updates, margin
    // calls, missed fills: what no snapshot brings back) is kept for it, up to this many events
    // (allocated at start), and handed to it after its gap status. Beyond that its handler gets a
    // `gap` status saying how many were not kept (health().overrun_lost).
    std::size_t overrun_kept_events = 4096;
    std::int32_t recv_window_ms = 5000;
    // A 418 that names no Retry-After: how long REST and the WS-API hold back (Binance's bans run
    // from 2 minutes up to 3 days; tests shorten it).
    std::chrono::milliseconds ban_default{120000};
    // How long a change may take to reach the stream; an audit snapshot that shows a change
    // older than this which the stream never delivered is drift (core/account_book.hpp).
    std::int64_t drift_grace_ms = 1000;
    // Sees every raw input of the books, on the network thread (net/feed_recorder.hpp); not
    // owned, outlives the feed's stop(). Null: nothing is recorded.
    feed_recorder* recorder = nullptr;

    // Mainnet (or testnet) endpoints of a market.
    [[nodiscard]] static feed_config for_venue(market venue, bool testnet = false);
};

// The snapshot a feed takes of a market from a source, in the order it takes them: REST
// /fapi/v2/account + positionRisk + accountConfig (USDⓈ-M), /dapi/v1/account + positionRisk
// (COIN-M), or WS-API account.status + account.position + REST accountConfig (the position mode
// has no WS-API method).
[[nodiscard]] std::vector<snapshot_kind> snapshot_kinds(market venue, snapshot_source source);

struct feed_health {
    session_state state = session_state::stopped;
    std::string_view waiting_for = "start"; // what the least advanced account waits for to be live
    std::int64_t gap_since_ns = 0;    // Unix ns (local wall clock) the oldest open gap began; 0 = in sync
    std::uint64_t frames = 0;
    std::uint64_t events = 0;         // published (per consumer copy not counted)
    std::uint64_t parse_errors = 0;
    std::uint64_t reconnects = 0;
    std::uint64_t gaps = 0;
    std::uint64_t healed = 0;
    std::uint64_t overruns = 0;       // consumer overruns (each re-seeded)
    std::uint64_t overrun_kept = 0;   // order-flow events a consumer missed while overrun, handed to it late
    std::uint64_t overrun_lost = 0;   // ... and those beyond overrun_kept_events: lost to it (a gap status says so)
    std::uint64_t duplicates = 0;     // order/trade copies dropped while two connections were open
    std::uint64_t snapshots = 0;      // published
    std::uint64_t keepalives = 0;
    std::uint64_t rotations = 0;
    std::int64_t last_event_age_ms = -1; // since the last frame; -1 = none yet
    std::uint64_t drift = 0;          // snapshots that found drift, summed over the consumers
    std::uint64_t drift_rotations = 0; // connections replaced because of drift
    std::uint64_t backfills = 0;      // userTrades back-fills after a healed gap
    std::uint64_t missed_fills = 0;   // fills a gap lost, published as missed_fill events
    std::uint64_t unrouted = 0;       // events of a shared connection naming no account it carries (dropped)
    // Several accounts: state is the least advanced account's; the counters are sums.
};

// The last request or connection that failed (cold path: read it for a status line or a log).
// The feed itself never gives up; `permanent` says that retrying cannot help until the user acts
// (a rejected API key or signature, a certificate that does not verify), so a tool may stop.
struct feed_error {
    std::string where;           // "listen key", "keepalive", "stream connect", "snapshot"
    std::string message;         // Binance's code and msg, or the transport's verdict; never a secret
    std::int32_t binance_code = 0;
    net_errc transport = net_errc::ok;
    bool permanent = false;
    std::uint64_t count = 0;     // failures so far (0 = none yet)
};

class feed;

class feed_consumer {
public:
    // Consumer thread. Drains up to `limit` events: each is applied to its account's book, then
    // handed to handler(const event&, const account_book&) with that book. Returns how many.
    // No allocation, no lock. A snapshot that found drift is followed by a stream_status `drift`
    // event made here (its detail names the keys; the book is already healed), and the feed
    // replaces the connection.
    template <class Handler>
        requires std::invocable<Handler&, const event&, const account_book&>
    std::size_t poll(Handler&& handler, std::size_t limit = 256) noexcept {
        return ring_.drain(
            [&](const event& ev) {
                const std::size_t a = ev.header.account; // < account_count(): the feed publishes no other
                account_book& book = *books_[a];
                (void)book.apply(ev);
                handler(ev, static_cast<const account_book&>(book));
                if (ev.header.type == event_type::snapshot_end &&
                    book.counters().drift_snapshots != drift_[a].load(std::memory_order_relaxed)) [[unlikely]]
                    handler(drift_event(ev), static_cast<const account_book&>(book));
            },
            limit);
    }
    std::size_t poll(std::size_t limit = 256) noexcept {
        return poll([](const event&, const account_book&) {}, limit);
    }
    [[nodiscard]] const account_book& book(int account = 0) const noexcept { return *books_[static_cast<std::size_t>(account)]; }
    [[nodiscard]] int account_count() const noexcept { return static_cast<int>(books_.size()); }

private:
    friend class feed;
    feed_consumer(std::size_t ring_capacity, book_capacity cap, std::int64_t drift_grace_ms, int accounts,
                  std::size_t kept_capacity)
        : ring_(ring_capacity), drift_(new std::atomic<std::uint64_t>[static_cast<std::size_t>(accounts)]),
          drift_acted_(static_cast<std::size_t>(accounts), 0) {
        kept_.reserve(std::min(kept_capacity, ring_capacity / 2)); // it must fit in the ring with room to spare
        for (int a = 0; a < accounts; ++a) {
            books_.push_back(std::make_unique<account_book>(cap, drift_grace_ms));
            drift_[static_cast<std::size_t>(a)].store(0, std::memory_order_relaxed);
        }
    }
    const event& drift_event(const event& end) noexcept; // consumer thread; publishes drift_

    spsc_ring<event> ring_;
    std::vector<std::unique_ptr<account_book>> books_;
    event drift_ev_{};
    // per account: book.counters().drift_snapshots, for the network thread
    std::unique_ptr<std::atomic<std::uint64_t>[]> drift_;
    // network-thread side
    bool overrun_ = false;                   // losing events until its gap status is in the ring
    std::vector<event> kept_;                // order flow it missed while overrun (reserved: no allocation)
    std::uint64_t kept_lost_ = 0;            // order flow beyond kept_'s capacity, this overrun
    std::vector<std::uint64_t> drift_acted_; // per account: drift_ already answered with a rotation
};

class feed {
public:
    explicit feed(feed_config cfg); // throws on a bad configuration (URLs, no credentials)
    ~feed();                        // stops
    feed(const feed&) = delete;
    feed& operator=(const feed&) = delete;

    void start();
    void stop(); // joins both threads; the consumers' rings keep what was published

    [[nodiscard]] feed_consumer& consumer(int k) noexcept { return *consumers_[static_cast<std::size_t>(k)]; }
    [[nodiscard]] int consumer_count() const noexcept { return static_cast<int>(consumers_.size()); }
    [[nodiscard]] int account_count() const noexcept { return accounts_; }
    [[nodiscard]] feed_health health() const noexcept; // any thread
    [[nodiscard]] feed_error last_error() const;       // any thread (takes a lock, copies strings)
    [[nodiscard]] const feed_config& config() const noexcept { return cfg_; }

    struct impl;

private:
    feed_config cfg_;
    int accounts_ = 1;
    std::vector<std::unique_ptr<feed_consumer>> consumers_;
    std::unique_ptr<impl> impl_;
};

} // namespace acctsync::net
