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

} // namespace acctsync::parse
