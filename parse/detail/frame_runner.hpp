// acctsync/parse/detail/frame_runner.hpp — internal: the two-pass "whole frame or nothing" driver
// shared by the stream and snapshot parsers.
//
// Pass 1 parses the document with the emitter in direct mode: events land in sink slots and are
// committed together. If the frame needs more than one batch, pass 1 only validates and counts;
// pass 2 re-parses and publishes in batches (after checking the sink can take all of it).
#pragma once

#include <simdjson.h>

#include "core/single_writer_counter.hpp"

#include "parse/detail/frame_emitter.hpp"
#include "parse/detail/json_reader.hpp"
#include "parse/parser_options.hpp"

namespace acctsync::parse::detail {

struct frame_counters {
    single_writer_counter& events;
    single_writer_counter& errors;
    single_writer_counter& sink_full;
    single_writer_counter& split_updates;
};

template <class ParseDocument>
parse_result run_frame(od::parser& parser, frame_emitter& emitter, const event_sink& sink, std::size_t max_frame,
                       const char* data, std::size_t size, frame_emitter::finish_fn finish, void* finish_ctx,
                       frame_counters c, ParseDocument&& parse_document) noexcept {
    parse_result r;
    reader rd(data, size, r);
    if (size > max_frame) {
        rd.fail(parse_errc::oversized, data + max_frame, "");
        ++c.errors;
        return r;
    }
    emitter.begin(sink, frame_emitter::mode::direct, finish, finish_ctx);
    for (int pass = 0; pass < 2; ++pass) {
        od::document doc;
        if (auto err = parser.iterate(simdjson::padded_string_view(data, size, size + payload_padding)).get(doc)) {
            rd.fail_json(err, data, "");
        } else {
            (void)parse_document(rd, doc);
            if (rd.failed() && r.offset == 0) {
                const char* loc = nullptr;
                if (!doc.current_location().get(loc)) r.offset = rd.offset_of(loc);
            }
        }
        if (rd.failed()) {
            rd.note_truncation(size);
            emitter.abandon();
            ++c.errors;
            return r;
        }
        if (emitter.sink_full()) {
            emitter.abandon();
            ++c.sink_full;
            rd.fail(parse_errc::sink_full, data, "");
            return r;
        }
        if (emitter.current_mode() != frame_emitter::mode::validate) break; // published (direct) or done (publish)
        const std::uint32_t n = emitter.count();
        if (n > 0xFFFF) {
            rd.fail(parse_errc::too_many_items, data, "");
            ++c.errors;
            return r;
        }
        if (sink.free_slots() < n) {
            ++c.sink_full;
            rd.fail(parse_errc::sink_full, data, "");
            return r;
        }
        ++c.split_updates;
        emitter.begin(sink, frame_emitter::mode::publish, finish, finish_ctx, n);
    }
    r.published = emitter.commit();
    c.events += r.published;
    return r;
}

// The top-level value as an object (a JSON array or scalar there is not_an_object).
inline bool document_object(reader& rd, od::document& doc, od::object& out) noexcept {
    if (auto e = doc.get_object().get(out)) {
        if (e == simdjson::INCORRECT_TYPE) return rd.fail(parse_errc::not_an_object, rd.base(), "");
        return rd.fail_json(e, rd.base(), "");
    }
    return true;
}

// Trailing bytes after the top-level value (simdjson 3.0 has no document::at_end()).
inline bool check_at_end(reader& rd, od::document& doc) noexcept {
    const char* loc = nullptr;
    if (!doc.current_location().get(loc)) return rd.fail(parse_errc::trailing_content, loc, "");
    return true;
}

} // namespace acctsync::parse::detail
