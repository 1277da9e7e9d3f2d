// acctsync/parse/detail/frame_emitter.hpp — internal: hands a parser the slots for one frame's events
// and publishes them whole.
//
// direct:   slots are claimed from the sink as items are parsed; commit() publishes them all.
//           When a frame needs more than max_batch slots the emitter abandons what it claimed
//           and switches to validate.
// validate: events go to a scratch slot and are only counted (the frame is checked whole).
// publish:  second pass over a validated frame: slots are claimed and committed every
//           max_batch events; item_count is the total known from the first pass.
// Before any slot is published the parser's finish callback stamps it (E/T, reason, alias...:
// fields that may appear anywhere in the frame).
#pragma once

#include <cstdint>
#include <memory>

#include "core/events.hpp"
#include "parse/event_sink.hpp"

namespace acctsync::parse::detail {

class frame_emitter {
public:
    enum class mode : std::uint8_t { direct, validate, publish };
    using finish_fn = void (*)(void* ctx, event& ev) noexcept;

    explicit frame_emitter(std::uint16_t max_batch)
        : max_batch_(max_batch == 0 ? 1 : max_batch), slots_(std::make_unique<event*[]>(max_batch_)) {}

    void begin(const event_sink& sink, mode m, finish_fn finish, void* ctx, std::uint32_t total = 0) noexcept {
        sink_ = &sink;
        mode_ = m;
        finish_ = finish;
        ctx_ = ctx;
        total_ = total;
        n_ = open_ = published_ = 0;
        sink_full_ = false;
        fast_ = m == mode::direct ? max_batch_ : 0;
    }

    // The venue and account every event of the frames to come carries (set once per frame).
    void set_origin(market venue, std::uint16_t account) noexcept {
        venue_ = venue;
        account_ = account;
    }

    // A zeroed event of `type` for the parser to fill. Cost on the common path (direct mode, room
    // in the batch): the sink's claim (one indirect call), the clear, four stores.
    [[nodiscard, gnu::always_inline]] event* next(event_type type) noexcept {
        event* ev;
        if (fast_ != 0) [[likely]] {
            ev = sink_->claim();
            if (ev != nullptr) [[likely]] {
                --fast_;
                slots_[open_++] = ev;
            } else {
                sink_full_ = true;
                fast_ = 0;
                ev = &scratch_;
            }
        } else {
            ev = next_slot();
        }
        reset_event(*ev, type, venue_, account_);
        ev->header.item_index = static_cast<std::uint16_t>(n_);
        ++n_;
        last_ = ev;
        return ev;
    }

    // Publishes the open slots (direct: the whole frame; publish: the last batch).
    std::uint32_t commit() noexcept {
        if (mode_ == mode::direct) total_ = n_;
        flush();
        return published_;
    }
    // The same with the finishing step inlined (direct mode: a frame read whole by one pass).
    template <class Finish>
    [[gnu::always_inline]] std::uint32_t commit_direct(Finish&& finish) noexcept {
        total_ = n_;
        for (std::uint32_t i = 0; i < open_; ++i) {
            slots_[i]->header.item_count = static_cast<std::uint16_t>(total_);
            finish(*slots_[i]);
        }
        if (open_ != 0) sink_->commit();
        published_ += open_;
        open_ = 0;
        return published_;
    }
    void abandon() noexcept {
        if (sink_ != nullptr) sink_->abandon();
        open_ = 0;
        fast_ = 0;
    }

    [[nodiscard]] mode current_mode() const noexcept { return mode_; }
    [[nodiscard]] bool sink_full() const noexcept { return sink_full_; }
    [[nodiscard]] std::uint32_t count() const noexcept { return n_; }
    [[nodiscard]] event* last() const noexcept { return last_; }

private:
    // Every case but direct mode with room: switching to validate, publishing a full batch,
    // a sink that was full.
    [[gnu::noinline]] event* next_slot() noexcept {
        event* ev = &scratch_;
        if (mode_ == mode::direct && n_ == max_batch_) {
            sink_->abandon();
            open_ = 0;
            mode_ = mode::validate;
        }
        if (mode_ != mode::validate && !sink_full_) {
            if (mode_ == mode::publish && open_ == max_batch_) flush();
            if (event* slot = sink_->claim()) {
                ev = slot;
                slots_[open_++] = slot;
            } else {
                sink_full_ = true;
            }
        }
        return ev;
    }
    void flush() noexcept {
        for (std::uint32_t i = 0; i < open_; ++i) {
            slots_[i]->header.item_count = static_cast<std::uint16_t>(total_);
            finish_(ctx_, *slots_[i]);
        }
        if (open_ != 0) sink_->commit();
        published_ += open_;
        open_ = 0;
    }

    std::uint32_t max_batch_;
    std::unique_ptr<event*[]> slots_;
    const event_sink* sink_ = nullptr;
    mode mode_ = mode::direct;
    finish_fn finish_ = nullptr;
    void* ctx_ = nullptr;
    std::uint32_t total_ = 0, n_ = 0, open_ = 0, published_ = 0;
    std::uint32_t fast_ = 0; // direct mode: slots left in the batch (0: next_slot() decides)
    market venue_ = market::usdm;
    std::uint16_t account_ = 0;
    bool sink_full_ = false;
    event* last_ = nullptr;
    event scratch_{};
};

} // namespace acctsync::parse::detail
