// acctsync/parse/vector_sink.hpp — a growable event sink for the cold path: tools, tests, and the
// feed's control thread collecting a back-fill's trades. It allocates (a deque for the claimed
// slots, a vector for the committed events): never give it to a parser on the hot path; that
// one writes into an spsc_ring (event_sink::of).
#pragma once

#include <cstddef>
#include <deque>
#include <vector>

#include "parse/event_sink.hpp"

namespace acctsync::parse {

// Committed events are
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
