// acctsync/parse/event_sink.hpp — where parsers put events: straight into ring slots.
//
// A sink hands out slots (claim), publishes everything claimed so far (commit) or forgets it
// (abandon). spsc_ring<event> is the production sink: the parser writes each event in place in
// the ring and commits once per frame, so a frame becomes visible whole or not at all. The sink
// is reached through two function pointers (not a template) so the parsers compile once; the
// cost is one indirect call per event.
//
// Thread: the sink's producer thread (the thread that calls the parser).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

#include "core/events.hpp"
#include "core/spsc_ring.hpp"

namespace acctsync::parse {

struct event_sink {
    void* self = nullptr;
    event* (*claim_fn)(void*) noexcept = nullptr;
    void (*commit_fn)(void*) noexcept = nullptr;
    void (*abandon_fn)(void*) noexcept = nullptr;
    std::size_t (*free_fn)(void*) noexcept = nullptr; // optional: slots the sink can still take

    [[nodiscard]] event* claim() const noexcept { return claim_fn(self); }
    [[nodiscard]] std::size_t free_slots() const noexcept { return free_fn ? free_fn(self) : SIZE_MAX; }
    void commit() const noexcept { commit_fn(self); }
    void abandon() const noexcept { abandon_fn(self); }

    [[nodiscard]] static event_sink of(spsc_ring<event>& ring) noexcept {
        return {&ring, [](void* r) noexcept { return static_cast<spsc_ring<event>*>(r)->claim(); },
                [](void* r) noexcept { static_cast<spsc_ring<event>*>(r)->commit(); },
                [](void* r) noexcept { static_cast<spsc_ring<event>*>(r)->abandon(); },
                [](void* r) noexcept { return static_cast<spsc_ring<event>*>(r)->free_slots(); }};
    }
};

// A growable sink for tools and tests (allocates; not for the hot path). Committed events are
// in `events`; a capacity limit (0 = none) simulates a full ring.
class vector_sink {
public:
    explicit vector_sink(std::size_t limit = 0) : limit_(limit) { events.reserve(1024); }
    std::vector<event> events;

    [[nodiscard]] event_sink sink() noexcept {
        return {this,
                [](void* s) noexcept -> event* {
                    auto* v = static_cast<vector_sink*>(s);
                    if (v->limit_ != 0 && v->events.size() + v->pending_ >= v->limit_) return nullptr;
                    if (v->pending_ == v->staging_.size()) v->staging_.emplace_back(); // deque: claimed slots never move
                    return &v->staging_[v->pending_++];
                },
                [](void* s) noexcept {
                    auto* v = static_cast<vector_sink*>(s);
                    v->events.insert(v->events.end(), v->staging_.begin(),
                                     v->staging_.begin() + static_cast<std::ptrdiff_t>(v->pending_));
                    v->pending_ = 0;
                    ++v->commits;
                },
                [](void* s) noexcept { static_cast<vector_sink*>(s)->pending_ = 0; },
                [](void* s) noexcept -> std::size_t {
                    auto* v = static_cast<vector_sink*>(s);
                    return v->limit_ == 0 ? SIZE_MAX : v->limit_ - v->events.size() - v->pending_;
                }};
    }
    std::size_t commits = 0;

private:
    std::size_t limit_;
    std::size_t pending_ = 0;
    std::deque<event> staging_;
};

} // namespace acctsync::parse
