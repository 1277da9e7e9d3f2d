// acctsync/parse/user_stream.cpp — see user_stream.hpp. This file chooses the tier that reads a
// frame and reads what lies around the events (the envelope, "e", the frame's own members); the
// members themselves are read by readers expanded from parse/detail/stream_schema.hpp.
#include "parse/user_stream.hpp"

#include <simdjson.h>

#include "core/single_writer_counter.hpp"
#include "parse/detail/direct_reader.hpp"
#include "parse/detail/frame_runner.hpp"
#include "parse/detail/schema_reader.hpp"
#include "parse/detail/stream_schema.hpp"

namespace acctsync::parse {

static_assert(payload_padding == simdjson::SIMDJSON_PADDING, "payload padding must match simdjson's");

using detail::frame_state;
using detail::key_code;
namespace od = simdjson::ondemand;
namespace ss = detail::stream_schema;

namespace {

enum class event_kind : std::uint8_t {
    none,
    account_update,
    account_config_update,
    order_trade_update,
    trade_lite,
    algo_update,
    margin_call,
    listen_key_expired,
    ignored,
    unknown,
};

event_kind kind_of(std::string_view e) noexcept {
    // Length first: one compare for the frequent events.
    switch (e.size()) {
    case 14:
        if (e == "ACCOUNT_UPDATE") return event_kind::account_update;
        break;
    case 18:
        if (e == "ORDER_TRADE_UPDATE") return event_kind::order_trade_update;
        break;
    case 10:
        if (e == "TRADE_LITE") return event_kind::trade_lite;
        break;
    default: break;
    }
    if (e == "ACCOUNT_CONFIG_UPDATE") return event_kind::account_config_update;
    if (e == "ALGO_UPDATE") return event_kind::algo_update;
    if (e == "MARGIN_CALL") return event_kind::margin_call;
    if (e == "listenKeyExpired") return event_kind::listen_key_expired;
    if (e == "STRATEGY_UPDATE" || e == "GRID_UPDATE" || e == "CONDITIONAL_ORDER_TRIGGER_REJECT")
        return event_kind::ignored;
    return event_kind::unknown;
}

// Calls f(schema{}) with the frame schema of a kind (its top-level members).
template <class F>
[[gnu::always_inline]] inline decltype(auto) with_frame_schema(event_kind kind, F&& f) {
    switch (kind) {
    case event_kind::account_update: return f(ss::account_update_frame{});
    case event_kind::order_trade_update: return f(ss::order_frame{});
    case event_kind::trade_lite: return f(ss::trade_lite_frame{});
    case event_kind::account_config_update: return f(ss::account_config_frame{});
    case event_kind::algo_update: return f(ss::algo_frame{});
    case event_kind::margin_call: return f(ss::margin_call_frame{});
    case event_kind::listen_key_expired: return f(ss::listen_key_expired_frame{});
    default: return f(ss::other_frame{});
    }
}

} // namespace

struct user_stream_parser::impl {
    explicit impl(parser_options o) : opt(o), emitter(o.max_batch) {
        if (parser.allocate(opt.max_frame)) throw std::runtime_error("user_stream_parser: cannot allocate");
    }

    parser_options opt;
    od::parser parser;
    // The parsing thread writes these; counters() copies them out on any thread.
    struct live_counters {
        single_writer_counter frames, events, errors, sink_full, unknown_events, ignored_events, split_updates,
            fast_frames, direct_frames;
        std::array<single_writer_counter, 16> by_type{};
    } counters;
    detail::frame_emitter emitter;

    // Per-frame state.
    frame_state hdr;
    event_kind kind = event_kind::none;
    const stream_context* ctx = nullptr;

    // The readers' context (direct_reader.hpp, schema_reader.hpp).
    frame_state& frame() noexcept { return hdr; }
    event* emit(event_type t) noexcept { return emitter.next(t); }

    parse_result run(const char* data, std::size_t size, const stream_context& c, const event_sink& sink) noexcept;
    parse_result publish_fast() noexcept;
    // tier 1
    bool direct_frame(const char* p, const char* end) noexcept;
    bool spaced_frame(const char* p, const char* end) noexcept;
    template <bool Spaced> [[gnu::always_inline]] const char* direct_event(const char* p, const char* end) noexcept;
    // tier 2
    bool fast_frame(detail::reader& rd, detail::fast_cursor& c) noexcept;
    bool fast_event_body(detail::reader& rd, detail::fast_cursor& c) noexcept;
    // tier 3
    bool parse_frame(detail::reader& rd, od::document& doc) noexcept;
    bool parse_event_object(detail::reader& rd, od::object& obj, bool top) noexcept;
    bool envelope(detail::reader& rd, od::object& root) noexcept;
    // tiers 2 and 3
    template <class V, class ReadData>
    bool envelope_member(detail::reader& rd, std::string_view key, V& v, bool& have_data, ReadData&& read_data) noexcept;
    template <class V> bool read_event_name(detail::reader& rd, V& v) noexcept;
    template <class V> bool frame_member(detail::reader& rd, std::string_view key, V& v) noexcept;
    bool end_of_event(detail::reader& rd) noexcept;
    void status_event() noexcept;

    void begin_event(std::string_view name) noexcept;
    void finish(event& ev) noexcept;
    void route_frame() noexcept;
    void stamp(event& ev) noexcept;
    static void finish_cb(void* self, event& ev) noexcept { static_cast<impl*>(self)->finish(ev); }
};

user_stream_parser::user_stream_parser(parser_options opt) : impl_(std::make_unique<impl>(opt)) {}
user_stream_parser::~user_stream_parser() = default;

user_stream_counters user_stream_parser::counters() const noexcept {
    const auto& c = impl_->counters;
    user_stream_counters out;
    out.frames = c.frames.load();
    out.events = c.events.load();
    out.errors = c.errors.load();
    out.sink_full = c.sink_full.load();
    out.unknown_events = c.unknown_events.load();
    out.ignored_events = c.ignored_events.load();
    out.split_updates = c.split_updates.load();
    out.fast_frames = c.fast_frames.load();
    out.direct_frames = c.direct_frames.load();
    for (std::size_t i = 0; i < out.by_type.size(); ++i) out.by_type[i] = c.by_type[i].load();
    return out;
}

parse_result user_stream_parser::parse(const char* data, std::size_t size, const stream_context& ctx,
                                       const event_sink& sink) noexcept {
    return impl_->run(data, size, ctx, sink);
}

parse_result user_stream_parser::impl::run(const char* data, std::size_t size, const stream_context& c,
                                           const event_sink& sink) noexcept {
    ++counters.frames;
    ctx = &c;
    emitter.set_origin(c.venue, c.account);
    hdr.reset(); // pass 2 re-reads the same values; batch publishing needs them from pass 1
    kind = event_kind::none;
    // The fast tiers first. Each publishes only a frame it read completely and within one batch;
    // on anything else it leaves no trace and the next tier reads the frame from the start.
    if (opt.fast_pass && size <= opt.max_frame) [[likely]] {
        emitter.begin(sink, detail::frame_emitter::mode::direct, &impl::finish_cb, this);
        if (direct_frame(data, data + size) && emitter.current_mode() == detail::frame_emitter::mode::direct) [[likely]] {
            ++counters.direct_frames;
            return publish_fast();
        }
        emitter.abandon();
        hdr.reset();
        kind = event_kind::none;
        // its pre-pass sends UTF-8 and escapes straight to On-Demand
        detail::fast_cursor cur(data, size);
        if (!cur.bad() && !cur.compact()) { // whitespace: the direct reader's spaced form
            emitter.begin(sink, detail::frame_emitter::mode::direct, &impl::finish_cb, this);
            if (spaced_frame(data, data + size) && emitter.current_mode() == detail::frame_emitter::mode::direct) {
                ++counters.direct_frames;
                return publish_fast();
            }
            emitter.abandon();
            hdr.reset();
            kind = event_kind::none;
        }
        if (!cur.bad()) {
            parse_result scratch;
            detail::reader frd(data, size, scratch);
            emitter.begin(sink, detail::frame_emitter::mode::direct, &impl::finish_cb, this);
            if (fast_frame(frd, cur) && emitter.current_mode() == detail::frame_emitter::mode::direct) return publish_fast();
            emitter.abandon();
            hdr.reset();
            kind = event_kind::none;
        }
    }
    return detail::run_frame(parser, emitter, sink, opt.max_frame, data, size, &impl::finish_cb, this,
                             {counters.events, counters.errors, counters.sink_full, counters.split_updates},
                             [this](detail::reader& rd, od::document& doc) { return parse_frame(rd, doc); });
}

// A frame a fast tier read whole: its events published in one commit, or none (sink_full).
parse_result user_stream_parser::impl::publish_fast() noexcept {
    parse_result r;
    if (emitter.sink_full()) {
        emitter.abandon();
        ++counters.sink_full;
        r.code = parse_errc::sink_full;
        return r;
    }
    if (ctx->router != nullptr && (hdr.has & frame_state::has_stream)) [[unlikely]] route_frame();
    r.published = emitter.commit_direct([this](event& ev) __attribute__((always_inline)) { stamp(ev); });
    counters.events += r.published;
    ++counters.fast_frames;
    return r;
}

// The frame-level state onto each event, as it is published.
void user_stream_parser::impl::finish(event& ev) noexcept {
    if (ctx->router != nullptr && (hdr.has & frame_state::has_stream) && !hdr.routed) [[unlikely]] route_frame();
    stamp(ev);
}
// The account the envelope's stream name routes the frame to (once per frame).
void user_stream_parser::impl::route_frame() noexcept {
    hdr.account = ctx->router->route(ctx->router->self, hdr.stream);
    hdr.routed = true;
}
inline void user_stream_parser::impl::stamp(event& ev) noexcept {
    if (hdr.routed) [[unlikely]] ev.header.account = hdr.account;
    ev.header.event_time_ms = hdr.E;
    ev.header.transaction_time_ms = hdr.T;
    ev.header.recv_time_ns = ctx->recv_ns;
    ++counters.by_type[static_cast<std::size_t>(ev.header.type)];
    const bool alias = (hdr.has & frame_state::has_alias) != 0;
    switch (ev.header.type) {
    case event_type::balance_update:
        ev.payload.balance.reason = hdr.reason;
        ev.payload.balance.update_time_ms = hdr.T;
        if (alias) ev.payload.balance.account_alias = hdr.alias;
        break;
    case event_type::position_update:
        ev.payload.position.reason = hdr.reason;
        ev.payload.position.update_time_ms = hdr.T;
        if (alias) ev.payload.position.account_alias = hdr.alias;
        break;
    case event_type::order_update:
        if (alias) ev.payload.order.account_alias = hdr.alias;
        break;
    case event_type::stream_status:
        if (ev.payload.status.kind == stream_status_kind::unknown_event) ++counters.unknown_events;
        if (ev.payload.status.kind == stream_status_kind::ignored_event) ++counters.ignored_events;
        break;
    case event_type::margin_call:
        if (alias) ev.payload.margin.account_alias = hdr.alias;
        if (hdr.has & frame_state::has_cross_wallet) {
            ev.payload.margin.cross_wallet_balance = hdr.cross_wallet;
            ev.payload.margin.fields |= margin_call::f_cross_wallet;
        }
        break;
    default: break;
    }
}

// The event's name is known: its kind, and TRADE_LITE's one event (the frame is the trade).
void user_stream_parser::impl::begin_event(std::string_view name) noexcept {
    hdr.event_name = name;
    kind = kind_of(name);
    if (kind == event_kind::trade_lite) (void)emit(event_type::trade_lite);
}

// Checks and status events once every member of an event object has been read.
bool user_stream_parser::impl::end_of_event(detail::reader& rd) noexcept {
    const bool ok = with_frame_schema(kind, [&](auto s) {
        return detail::general::check_required<decltype(s)>(rd, hdr.present);
    });
    if (!ok) return false;
    if (kind == event_kind::trade_lite && (emitter.count() == 0 || emitter.last()->payload.trade.symbol.empty()))
        return rd.fail(parse_errc::missing_field, rd.base(), "s");
    status_event();
    return true;
}

// listenKeyExpired and the events the mirror does not read become a stream status.
void user_stream_parser::impl::status_event() noexcept {
    if (kind != event_kind::listen_key_expired && kind != event_kind::ignored && kind != event_kind::unknown) return;
    event* ev = emit(event_type::stream_status);
    auto& st = ev->payload.status;
    if (kind == event_kind::listen_key_expired) {
        st.kind = stream_status_kind::listen_key_expired;
        if (hdr.has & frame_state::has_listen_key) st.listen_key = hdr.listen_key;
    } else {
        // counted in finish(), when published
        st.kind = kind == event_kind::ignored ? stream_status_kind::ignored_event : stream_status_kind::unknown_event;
        if (!st.detail.assign(hdr.event_name)) st.detail.clear(); // an absurdly long name is still just unknown
    }
}

// ---- tier 1: the direct reader (detail/direct_reader.hpp) -------------------------------------
// Compact frames, "e" first, optionally inside the combined stream's {"stream":…,"data":…}
// envelope (stream first, as Binance writes it).
namespace {
// Up to 8 bytes of a literal as a little-endian word, and the mask of its length.
constexpr std::uint64_t word_of(std::string_view s) noexcept {
    std::uint64_t w = 0;
    for (std::size_t i = 0; i < s.size() && i < 8; ++i) w |= static_cast<std::uint64_t>(static_cast<unsigned char>(s[i])) << (8 * i);
    return w;
}
constexpr std::uint64_t mask_of(std::size_t n) noexcept { return n >= 8 ? ~0ULL : (1ULL << (8 * n)) - 1; }

// The hot event names with their closing quote, compared as words at the name's first byte
// (padded): no scan for the quote, no string compare. The others: nothing (the caller reads the
// name the general way).
[[gnu::always_inline]] inline event_kind hot_kind(const char* p, std::size_t& length) noexcept {
    const std::uint64_t a = acctsync::detail::load8(p), b = acctsync::detail::load8(p + 8);
    if (a == word_of("ACCOUNT_") && (b & mask_of(7)) == word_of("UPDATE\"")) return length = 14, event_kind::account_update;
    if (a == word_of("ORDER_TR") && b == word_of("ADE_UPDA") &&
        (acctsync::detail::load8(p + 16) & mask_of(3)) == word_of("TE\""))
        return length = 18, event_kind::order_trade_update;
    if (a == word_of("TRADE_LI") && (b & mask_of(3)) == word_of("TE\"")) return length = 10, event_kind::trade_lite;
    return event_kind::none;
}
} // namespace

bool user_stream_parser::impl::direct_frame(const char* p, const char* const end) noexcept {
    namespace dr = detail::direct;
    const bool enveloped = (acctsync::detail::load8(p) & mask_of(8)) == word_of("{\"stream") && end - p > 10 &&
                           p[8] == '"' && p[9] == ':';
    if (enveloped) [[unlikely]] {
        p += 10;
        if (!dr::string(p, end, hdr.stream) || end - p < 8 || acctsync::detail::load8(p) != word_of(",\"data\":"))
            return false;
        hdr.has |= frame_state::has_stream;
        p += 8;
    }
    if (end - p < 7 || (acctsync::detail::load8(p) & mask_of(6)) != word_of("{\"e\":\"")) return false;
    p += 6;
    std::size_t length = 0;
    const event_kind hot = hot_kind(p, length);
    if (hot != event_kind::none) [[likely]] {
        if (end - p <= static_cast<std::ptrdiff_t>(length)) return false;
        kind = hot;
        hdr.event_name = {p, length};
        if (kind == event_kind::trade_lite) (void)emit(event_type::trade_lite);
        p += length + 1;
    } else {
        --p;
        std::string_view name;
        if (!dr::string(p, end, name)) return false;
        begin_event(name);
    }
    if ((p = direct_event<false>(p, end)) == nullptr) return false;
    if (enveloped) {
        if (p >= end || *p != '}') return false;
        ++p;
    }
    if (p != end) return false;
    status_event();
    return true;
}

// After the event's name: its other members, by the kind's frame schema; checks what the schema
// cannot say (TRADE_LITE's symbol).
template <bool Spaced>
inline const char* user_stream_parser::impl::direct_event(const char* p, const char* end) noexcept {
    namespace dr = detail::direct;
    p = with_frame_schema(kind, [&](auto s) -> const char* {
        using S = decltype(s);
        if constexpr (std::is_same_v<typename S::body, trade_lite>)
            return dr::members<S, Spaced>(p, end, *this, emitter.last()->payload.trade, false);
        else
            return dr::members<S, Spaced>(p, end, *this, hdr, false);
    });
    if (p == nullptr) return nullptr;
    if (kind == event_kind::trade_lite && emitter.last()->payload.trade.symbol.empty()) return nullptr;
    return p;
}

// The same frames with whitespace between tokens ("e" first, optionally in the envelope with
// "stream" first).
bool user_stream_parser::impl::spaced_frame(const char* p, const char* const end) noexcept {
    namespace dr = detail::direct;
    auto token = [&](char c) {
        dr::skip_ws(p, end);
        if (p >= end || *p != c) return false;
        ++p;
        dr::skip_ws(p, end);
        return true;
    };
    std::string_view key;
    if (!token('{') || !dr::string(p, end, key) || !token(':')) return false;
    const bool enveloped = key == "stream";
    if (enveloped) {
        if (!dr::string(p, end, hdr.stream) || !token(',') || !dr::string(p, end, key) || key != "data" || !token(':') ||
            !token('{') || !dr::string(p, end, key) || !token(':'))
            return false;
        hdr.has |= frame_state::has_stream;
    }
    if (key != "e") return false;
    std::string_view name;
    if (!dr::string(p, end, name)) return false;
    begin_event(name);
    if ((p = direct_event<true>(p, end)) == nullptr) return false;
    if (enveloped && !token('}')) return false;
    dr::skip_ws(p, end);
    if (p != end) return false;
    status_event();
    return true;
}

// ---- tiers 2 and 3: the frame around the event ------------------------------------------------

template <class V>
bool user_stream_parser::impl::read_event_name(detail::reader& rd, V& v) noexcept {
    std::string_view name;
    bool present = false;
    if (!rd.read_string(v, name, present, "e")) return false;
    if (!present) return rd.fail(parse_errc::missing_field, rd.base(), "e");
    begin_event(name);
    return true;
}

// One top-level member of an event object (not "e"), by the kind's frame schema.
template <class V>
bool user_stream_parser::impl::frame_member(detail::reader& rd, std::string_view key, V& v) noexcept {
    return with_frame_schema(kind, [&](auto s) {
        using S = decltype(s);
        if constexpr (std::is_same_v<typename S::body, trade_lite>)
            return detail::general::read_member<S>(rd, key, v, *this, emitter.last()->payload.trade, hdr.present,
                                                   hdr.expect);
        else
            return detail::general::read_member<S>(rd, key, v, *this, hdr, hdr.present, hdr.expect);
    });
}

// One member of the combined-stream envelope {"stream":…,"data":…}: the first "data" is the event
// (read_data reads it), "stream" must be a string, anything else is skipped (validated).
template <class V, class ReadData>
bool user_stream_parser::impl::envelope_member(detail::reader& rd, std::string_view key, V& v, bool& have_data,
                                               ReadData&& read_data) noexcept {
    if (key == "data" && !have_data) return have_data = read_data();
    if (key == "stream") {
        bool present = false;
        if (!rd.read_string(v, hdr.stream, present, "stream")) return false;
        if (present) hdr.has |= frame_state::has_stream;
        return true;
    }
    return rd.skip_value(v, "");
}

// tier 3 (simdjson On-Demand): any frame, and every error.
bool user_stream_parser::impl::parse_frame(detail::reader& rd, od::document& doc) noexcept {
    od::object root;
    if (!detail::document_object(rd, doc, root)) return false;
    return parse_event_object(rd, root, true) && detail::check_at_end(rd, doc);
}

bool user_stream_parser::impl::envelope(detail::reader& rd, od::object& root) noexcept {
    bool have_data = false;
    for (auto f : root) {
        od::field fld;
        if (auto e = std::move(f).get(fld)) return rd.fail_json(e, nullptr, "");
        od::value v = fld.value();
        if (!envelope_member(rd, detail::reader::key_of(fld), v, have_data, [&] {
                od::object data;
                return rd.object_of(v, data, "data") && parse_event_object(rd, data, false);
            }))
            return false;
    }
    if (!have_data) return rd.fail(parse_errc::missing_field, rd.base(), "data");
    return true;
}

bool user_stream_parser::impl::parse_event_object(detail::reader& rd, od::object& obj, bool top) noexcept {
    bool first = true, lookup = false, empty = true;
    auto on_field = [&](od::field& fld) -> bool {
        const auto key = detail::reader::key_of(fld);
        od::value v = fld.value();
        if (key == "e") return rd.skip_value(v, "e");
        return frame_member(rd, key, v);
    };
    // Almost always "e" comes first: one pass. Otherwise find it, then read from the top.
    for (auto f : obj) {
        od::field fld;
        if (auto e = std::move(f).get(fld)) return rd.fail_json(e, nullptr, "");
        empty = false;
        if (first) {
            first = false;
            const auto key = detail::reader::key_of(fld);
            if (key == "e") {
                od::value ev = fld.value();
                if (!read_event_name(rd, ev)) return false;
                continue;
            }
            lookup = true;
            if (top && (key == "stream" || key == "data")) {
                if (auto e = obj.reset().error()) return rd.fail_json(e, nullptr, "");
                return envelope(rd, obj);
            }
            break;
        }
        if (!on_field(fld)) return false;
    }
    if (empty) return rd.fail(parse_errc::missing_field, rd.base(), "e");
    if (lookup) {
        if (auto e = obj.reset().error()) return rd.fail_json(e, nullptr, "");
        od::value ev;
        auto err = obj.find_field_unordered("e").get(ev);
        if (err == simdjson::NO_SUCH_FIELD) return rd.fail(parse_errc::missing_field, rd.base(), "e");
        if (err) return rd.fail_json(err, nullptr, "e");
        if (!read_event_name(rd, ev)) return false;
        if (auto e = obj.reset().error()) return rd.fail_json(e, nullptr, "");
        for (auto f : obj) {
            od::field fld;
            if (auto e = std::move(f).get(fld)) return rd.fail_json(e, nullptr, "");
            if (!on_field(fld)) return false;
        }
    }
    return end_of_event(rd);
}

// tier 2 (fast_json.hpp's cursor): a frame whose first member is "e", or the combined-stream
// envelope around one. false = give up, the caller runs the On-Demand parser instead.
bool user_stream_parser::impl::fast_frame(detail::reader& rd, detail::fast_cursor& c) noexcept {
    if (!c.expect('{')) return false;
    std::string_view key;
    if (c.member(true, key) != 1) return false;
    bool ok = false;
    if (key == "e") {
        ok = fast_event_body(rd, c);
    } else if (key == "stream" || key == "data") {
        bool have_data = false;
        for (bool first = true;; first = false) {
            if (!first) {
                const int r = c.member(false, key);
                if (r < 0) return false;
                if (r == 0) break;
            }
            detail::fast_value v{&c};
            if (!envelope_member(rd, key, v, have_data, [&] {
                    std::string_view first;
                    v.consumed = true;
                    return c.expect('{') && c.member(true, first) == 1 && first == "e" && fast_event_body(rd, c);
                }))
                return false;
        }
        ok = have_data;
    }
    return ok && !rd.failed() && !c.bad() && c.at_end();
}

// After `{"e":` of an event object: the name, the other members, the closing brace.
bool user_stream_parser::impl::fast_event_body(detail::reader& rd, detail::fast_cursor& c) noexcept {
    detail::fast_value ev{&c};
    if (!read_event_name(rd, ev)) return false;
    for (;;) {
        std::string_view key;
        const int r = c.member(false, key);
        if (r < 0) return false;
        if (r == 0) break;
        detail::fast_value v{&c};
        if (key == "e") {
            if (!rd.skip_value(v, "e")) return false;
            continue;
        }
        if (!frame_member(rd, key, v) || !rd.skip_value(v, "")) return false;
    }
    return end_of_event(rd);
}

} // namespace acctsync::parse
