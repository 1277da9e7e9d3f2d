// acctsync/parse/user_stream.cpp — see user_stream.hpp.
#include "parse/user_stream.hpp"

#include <simdjson.h>

#include "core/single_writer_counter.hpp"
#include "parse/detail/frame_runner.hpp"

namespace acctsync::parse {

static_assert(payload_padding == simdjson::SIMDJSON_PADDING, "payload padding must match simdjson's");

using detail::operator""_k;
using detail::key_code;
namespace od = simdjson::ondemand;

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

// Everything one frame says at its top level; applied to every event of the frame at the end
// (fields may come in any order, so "m" or "i" can follow the items they qualify).
struct frame_header {
    std::int64_t E = 0;
    std::int64_t T = 0;
    update_reason reason = update_reason::unknown;
    alias_string alias{};
    bool has_alias = false;
    decimal cross_wallet{}; // MARGIN_CALL cw
    bool has_cross_wallet = false;
    std::string_view event_name;
    key_string listen_key{};
    std::string_view stream{};   // the combined envelope's "stream" (into the frame)
    bool has_stream = false;
    bool routed = false;         // `account` below is stream's route (once per frame)
    std::uint16_t account = 0;
};

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
    frame_header hdr;
    const stream_context* ctx = nullptr;

    parse_result run(const char* data, std::size_t size, const stream_context& c, const event_sink& sink) noexcept;
    bool fast_frame(detail::reader& rd, detail::fast_cursor& c) noexcept;
    bool direct_frame(const char* p, const char* end) noexcept;
    // Each takes the position by value and returns the new one, or nullptr: a position whose
    // address is taken lives in memory, and every member would wait on a store and a load.
    const char* direct_account_update(const char* p, const char* end) noexcept;
    const char* direct_balance(const char* p, const char* end) noexcept;
    const char* direct_position(const char* p, const char* end) noexcept;
    const char* direct_order(const char* p, const char* end) noexcept;
    [[gnu::always_inline]] const char* direct_trade_lite_field(const char* p, const char* end, std::uint64_t k) noexcept;
    bool fast_event_body(detail::reader& rd, detail::fast_cursor& c) noexcept;
    bool parse_frame(detail::reader& rd, od::document& doc) noexcept;
    bool parse_event_object(detail::reader& rd, od::object& obj, bool top) noexcept;
    bool envelope(detail::reader& rd, od::object& root) noexcept;
    template <class V, class ReadData>
    bool envelope_member(detail::reader& rd, std::string_view key, V& v, bool& have_data, ReadData&& read_data) noexcept;
    bool end_of_event(detail::reader& rd, event_kind kind, bool seen_body) noexcept;

    // Per-kind readers, for simdjson On-Demand values and for the fast cursor's values alike.
    template <class V> bool read_event_name(detail::reader& rd, V& v, event_kind& kind) noexcept;
    template <class V> bool field(detail::reader& rd, event_kind kind, std::string_view key, V& v) noexcept;
    template <class V> bool account_update_body(detail::reader& rd, V& v) noexcept;
    template <class O> bool balance_item(detail::reader& rd, O& o) noexcept;
    template <class O> bool position_item(detail::reader& rd, O& o) noexcept;
    template <class V> bool config_leverage(detail::reader& rd, V& v) noexcept;
    template <class V> bool config_multi_assets(detail::reader& rd, V& v) noexcept;
    template <class V> bool order_body(detail::reader& rd, V& v) noexcept;
    template <class V> bool algo_body(detail::reader& rd, V& v) noexcept;
    template <class V> bool margin_call_items(detail::reader& rd, V& v) noexcept;
    template <class V> bool trade_lite_field(detail::reader& rd, std::uint64_t k, std::string_view key, V& v) noexcept;

    event* emit(event_type t) noexcept { return emitter.next(t, ctx->venue, ctx->account); }
    void finish(event& ev) noexcept;
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
    hdr = frame_header{}; // pass 2 re-reads the same values; batch publishing needs them from pass 1
    // Fast pass first (fast_json.hpp). It publishes only a frame it read completely and within one
    // batch; on anything else it leaves no trace and the On-Demand parser below decides.
    if (opt.fast_pass && size <= opt.max_frame) {
        parse_result scratch;
        detail::reader frd(data, size, scratch);
        // One tier's attempt: publishes nothing itself; on failure it leaves no trace.
        auto attempt = [&](auto&& read_frame) {
            emitter.begin(sink, detail::frame_emitter::mode::direct, &impl::finish_cb, this);
            if (read_frame() && emitter.current_mode() == detail::frame_emitter::mode::direct) return true;
            emitter.abandon();
            hdr = frame_header{};
            return false;
        };
        detail::fast_cursor cur(data, size); // its pre-pass sends UTF-8 and escapes straight to On-Demand
        bool read = false;
        if (!cur.bad()) {
            if (cur.compact() && (read = attempt([&] { return direct_frame(data, data + size); }))) ++counters.direct_frames;
            if (!read) read = attempt([&] { return fast_frame(frd, cur); });
        }
        if (read) {
            parse_result r;
            if (emitter.sink_full()) {
                emitter.abandon();
                ++counters.sink_full;
                r.code = parse_errc::sink_full;
                return r;
            }
            r.published = emitter.commit();
            counters.events += r.published;
            ++counters.fast_frames;
            return r;
        }
    }
    return detail::run_frame(parser, emitter, sink, opt.max_frame, data, size, &impl::finish_cb, this,
                             {counters.events, counters.errors, counters.sink_full, counters.split_updates},
                             [this](detail::reader& rd, od::document& doc) { return parse_frame(rd, doc); });
}

void user_stream_parser::impl::finish(event& ev) noexcept {
    {
        if (ctx->router != nullptr && hdr.has_stream) [[unlikely]] {
            if (!hdr.routed) {
                hdr.account = ctx->router->route(ctx->router->self, hdr.stream);
                hdr.routed = true;
            }
            ev.header.account = hdr.account;
        }
        ev.header.event_time_ms = hdr.E;
        ev.header.transaction_time_ms = hdr.T;
        ev.header.recv_time_ns = ctx->recv_ns;
        ++counters.by_type[static_cast<std::size_t>(ev.header.type)];
        switch (ev.header.type) {
        case event_type::balance_update:
            ev.payload.balance.reason = hdr.reason;
            ev.payload.balance.update_time_ms = hdr.T;
            if (hdr.has_alias) ev.payload.balance.account_alias = hdr.alias;
            break;
        case event_type::position_update:
            ev.payload.position.reason = hdr.reason;
            ev.payload.position.update_time_ms = hdr.T;
            if (hdr.has_alias) ev.payload.position.account_alias = hdr.alias;
            break;
        case event_type::order_update:
            if (hdr.has_alias) ev.payload.order.account_alias = hdr.alias;
            break;
        case event_type::stream_status:
            if (ev.payload.status.kind == stream_status_kind::unknown_event) ++counters.unknown_events;
            if (ev.payload.status.kind == stream_status_kind::ignored_event) ++counters.ignored_events;
            break;
        case event_type::margin_call:
            if (hdr.has_alias) ev.payload.margin.account_alias = hdr.alias;
            if (hdr.has_cross_wallet) {
                ev.payload.margin.cross_wallet_balance = hdr.cross_wallet;
                ev.payload.margin.fields |= margin_call::f_cross_wallet;
            }
            break;
        default: break;
        }
    }
}

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

// One member of the combined-stream envelope {"stream":…,"data":…}: the first "data" is the event
// (read_data reads it), "stream" must be a string, anything else is skipped (validated).
template <class V, class ReadData>
bool user_stream_parser::impl::envelope_member(detail::reader& rd, std::string_view key, V& v, bool& have_data,
                                               ReadData&& read_data) noexcept {
    if (key == "data" && !have_data) return have_data = read_data();
    if (key == "stream") {
        bool present = false;
        if (!rd.read_string(v, hdr.stream, present, "stream")) return false;
        hdr.has_stream = present;
        return true;
    }
    return rd.skip_value(v, "");
}

namespace {
// The member that carries an event's body (its absence is missing_field).
bool is_body_key(event_kind kind, std::uint64_t k) noexcept {
    switch (kind) {
    case event_kind::account_update: return k == "a"_k;
    case event_kind::order_trade_update:
    case event_kind::algo_update: return k == "o"_k;
    case event_kind::account_config_update: return k == "ac"_k || k == "ai"_k;
    default: return false;
    }
}
} // namespace

template <class V>
bool user_stream_parser::impl::read_event_name(detail::reader& rd, V& v, event_kind& kind) noexcept {
    std::string_view name;
    bool present = false;
    if (!rd.read_string(v, name, present, "e")) return false;
    if (!present) return rd.fail(parse_errc::missing_field, rd.base(), "e");
    hdr.event_name = name;
    kind = kind_of(name);
    return true;
}

bool user_stream_parser::impl::parse_event_object(detail::reader& rd, od::object& obj, bool top) noexcept {
    event_kind kind = event_kind::none;
    bool first = true, lookup = false, seen_body = false, empty = true;
    auto on_field = [&](od::field& fld) -> bool {
        const auto key = detail::reader::key_of(fld);
        od::value v = fld.value();
        if (key == "e") return rd.skip_value(v, "e");
        seen_body |= is_body_key(kind, key_code(key));
        return field(rd, kind, key, v);
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
                if (!read_event_name(rd, ev, kind)) return false;
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
        if (!read_event_name(rd, ev, kind)) return false;
        if (auto e = obj.reset().error()) return rd.fail_json(e, nullptr, "");
        for (auto f : obj) {
            od::field fld;
            if (auto e = std::move(f).get(fld)) return rd.fail_json(e, nullptr, "");
            if (!on_field(fld)) return false;
        }
    }
    return end_of_event(rd, kind, seen_body);
}

// The fast pass (fast_json.hpp): a frame whose first member is "e", or the combined-stream
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
    event_kind kind = event_kind::none;
    detail::fast_value ev{&c};
    if (!read_event_name(rd, ev, kind)) return false;
    bool seen_body = false;
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
        seen_body |= is_body_key(kind, key_code(key));
        if (!field(rd, kind, key, v) || !rd.skip_value(v, "")) return false;
    }
    return end_of_event(rd, kind, seen_body);
}

// Checks and status events once every member of an event object has been read.
bool user_stream_parser::impl::end_of_event(detail::reader& rd, event_kind kind, bool seen_body) noexcept {
    switch (kind) {
    case event_kind::account_update:
        if (!seen_body) return rd.fail(parse_errc::missing_field, rd.base(), "a");
        break;
    case event_kind::order_trade_update:
    case event_kind::algo_update:
        if (!seen_body) return rd.fail(parse_errc::missing_field, rd.base(), "o");
        break;
    case event_kind::account_config_update:
        if (!seen_body) return rd.fail(parse_errc::missing_field, rd.base(), "ac");
        break;
    case event_kind::trade_lite:
        if (emitter.count() == 0 || emitter.last()->payload.trade.symbol.empty())
            return rd.fail(parse_errc::missing_field, rd.base(), "s");
        break;
    case event_kind::listen_key_expired:
    case event_kind::ignored:
    case event_kind::unknown: {
        event* ev = emit(event_type::stream_status);
        auto& st = ev->payload.status;
        if (kind == event_kind::listen_key_expired) {
            st.kind = stream_status_kind::listen_key_expired;
            st.listen_key = hdr.listen_key;
        } else {
            // counted in finish(), when published
            st.kind = kind == event_kind::ignored ? stream_status_kind::ignored_event : stream_status_kind::unknown_event;
            if (!st.detail.assign(hdr.event_name)) st.detail.clear(); // an absurdly long name is still just unknown
        }
        break;
    }
    default: break;
    }
    return true;
}

// ---- direct readers: compact frames of the hot kinds, one pass, no layers ----------------------
// A third tier in front of the fast cursor, for the frames that matter most (ACCOUNT_UPDATE,
// ORDER_TRADE_UPDATE, TRADE_LITE) in the form Binance sends them: no whitespace, no escapes, no
// nulls, "e" first. Each member is read straight into its event; anything else (a null, an
// object where a scalar goes, an unknown member that is not a scalar, a symbol too long...)
// returns false, and the fast cursor reads the frame from the start. Same events, byte for
// byte, as the other two tiers: tests/parse_fast_pass_test.cpp and the fuzz target check it.

bool user_stream_parser::impl::direct_frame(const char* p, const char* end) noexcept {
    namespace dr = detail::direct;
    static constexpr char head[] = "{\"e\":";
    if (end - p < 6 || std::memcmp(p, head, 5) != 0) return false;
    p += 5;
    std::string_view name;
    if (!dr::string(p, end, name)) return false;
    const event_kind kind = kind_of(name);
    if (kind != event_kind::account_update && kind != event_kind::order_trade_update && kind != event_kind::trade_lite)
        return false;
    hdr.event_name = name;
    if (kind == event_kind::trade_lite) emit(event_type::trade_lite);
    bool seen_body = false, more = true;
    if (!dr::next(p, end, '}', more)) return false;
    while (more) {
        std::uint64_t k;
        if (!dr::key(p, end, k)) return false;
        switch (k) {
        case "E"_k: if (!dr::integer(p, end, hdr.E)) return false; break;
        case "T"_k: if (!dr::integer(p, end, hdr.T)) return false; break;
        default:
            if (kind == event_kind::trade_lite) {
                if ((p = direct_trade_lite_field(p, end, k)) == nullptr) return false;
            } else if (kind == event_kind::account_update && k == "a"_k) {
                if ((p = direct_account_update(p, end)) == nullptr) return false;
                seen_body = true;
            } else if (kind == event_kind::order_trade_update && k == "o"_k) {
                if ((p = direct_order(p, end)) == nullptr) return false;
                seen_body = true;
            } else if (k == "i"_k) { // COIN-M account alias
                std::string_view s;
                if (!dr::string(p, end, s) || !hdr.alias.assign(s)) return false;
                hdr.has_alias = true;
            } else if (k == "e"_k) {
                return false; // a second "e": the general readers validate it
            } else if (!dr::skip_scalar(p, end)) {
                return false;
            }
        }
        if (!dr::next(p, end, '}', more)) return false;
    }
    if (p != end) return false;
    if (kind == event_kind::trade_lite) return !emitter.last()->payload.trade.symbol.empty();
    return seen_body;
}

const char* user_stream_parser::impl::direct_account_update(const char* p, const char* end) noexcept {
    namespace dr = detail::direct;
    const bool ok = dr::members(p, end, [&](std::uint64_t k) {
        switch (k) {
        case "m"_k: {
            std::string_view s;
            if (!dr::string(p, end, s)) return false;
            hdr.reason = from_wire<update_reason>(s);
            return true;
        }
        case "B"_k: return dr::elements(p, end, [&] { return (p = direct_balance(p, end)) != nullptr; });
        case "P"_k: return dr::elements(p, end, [&] { return (p = direct_position(p, end)) != nullptr; });
        default: return dr::skip_scalar(p, end);
        }
    });
    return ok ? p : nullptr;
}

const char* user_stream_parser::impl::direct_balance(const char* p, const char* end) noexcept {
    namespace dr = detail::direct;
    auto& b = emit(event_type::balance_update)->payload.balance;
    b.source = event_source::stream;
    bool has_asset = false;
    const bool ok = dr::members(p, end, [&](std::uint64_t k) {
        balance_update::field bit{};
        decimal* d = nullptr;
        switch (k) {
        case "a"_k: {
            std::string_view s;
            return has_asset = dr::string(p, end, s) && b.asset.assign(s);
        }
        case "wb"_k: d = &b.wallet_balance, bit = balance_update::f_wallet_balance; break;
        case "cw"_k: d = &b.cross_wallet_balance, bit = balance_update::f_cross_wallet_balance; break;
        case "bc"_k: d = &b.balance_change, bit = balance_update::f_balance_change; break;
        default: return dr::skip_scalar(p, end);
        }
        if (!dr::decimal_string(p, end, *d)) return false;
        b.fields |= bit;
        return true;
    });
    return ok && has_asset ? p : nullptr;
}

const char* user_stream_parser::impl::direct_position(const char* p, const char* end) noexcept {
    namespace dr = detail::direct;
    using pf = position_update::field;
    auto& u = emit(event_type::position_update)->payload.position;
    u.source = event_source::stream;
    u.side = position_side::both;
    bool has_symbol = false;
    const bool ok = dr::members(p, end, [&](std::uint64_t k) {
        pf bit{};
        decimal* d = nullptr;
        std::string_view s;
        switch (k) {
        case "s"_k: return has_symbol = dr::string(p, end, s) && u.symbol.assign(s);
        case "pa"_k: d = &u.amount, bit = pf::f_amount; break;
        case "ep"_k: d = &u.entry_price, bit = pf::f_entry_price; break;
        case "bep"_k: d = &u.break_even_price, bit = pf::f_break_even_price; break;
        case "cr"_k: d = &u.accumulated_realized, bit = pf::f_accumulated_realized; break;
        case "up"_k: d = &u.unrealized_pnl, bit = pf::f_unrealized_pnl; break;
        case "iw"_k: d = &u.isolated_wallet, bit = pf::f_isolated_wallet; break;
        case "mt"_k:
            if (!dr::string(p, end, s)) return false;
            u.margin = detail::margin_type_of(s);
            u.fields |= pf::f_margin_type;
            return true;
        case "ps"_k: {
            if (!dr::string(p, end, s)) return false;
            bool known = false;
            u.side = from_wire<position_side>(s, &known);
            return known;
        }
        case "ma"_k:
            if (!dr::string(p, end, s) || !u.margin_asset.assign(s)) return false;
            u.fields |= pf::f_margin_asset;
            return true;
        default: return dr::skip_scalar(p, end);
        }
        if (!dr::decimal_string(p, end, *d)) return false; // the six decimals share one reader
        u.fields |= bit;
        return true;
    });
    return ok && has_symbol ? p : nullptr;
}

const char* user_stream_parser::impl::direct_order(const char* p, const char* end) noexcept {
    namespace dr = detail::direct;
    auto& u = emit(event_type::order_update)->payload.order;
    bool has_symbol = false, has_id = false;
    auto flag = [&](std::uint8_t bit) __attribute__((always_inline)) {
        bool b = false;
        if (!dr::boolean(p, end, b)) return false;
        if (b) u.flags |= bit;
        return true;
    };
    auto text = [&](auto& out) __attribute__((always_inline)) {
        std::string_view s;
        return dr::string(p, end, s) && out.assign(s);
    };
    auto en = [&](auto& out) __attribute__((always_inline)) {
        std::string_view s;
        if (!dr::string(p, end, s)) return false;
        out = from_wire<std::remove_reference_t<decltype(out)>>(s);
        return true;
    };
    const bool read = dr::members(p, end, [&](std::uint64_t k) {
        bool ok = true;
        switch (k) {
        case "s"_k: ok = has_symbol = text(u.symbol); break;
        case "c"_k: ok = text(u.client_order_id); break;
        case "S"_k: ok = en(u.side); break;
        case "o"_k: ok = en(u.type); break;
        case "ot"_k: ok = en(u.orig_type); break;
        case "f"_k: ok = en(u.tif); break;
        case "x"_k: ok = en(u.exec); break;
        case "X"_k: ok = en(u.status); break;
        case "wt"_k: ok = en(u.working); break;
        case "ps"_k: ok = en(u.pos_side); break;
        case "V"_k: ok = en(u.stp); break;
        case "pm"_k: ok = en(u.match); break;
        case "q"_k: ok = dr::decimal_string(p, end, u.orig_qty); break;
        case "p"_k: ok = dr::decimal_string(p, end, u.price); break;
        case "ap"_k: ok = dr::decimal_string(p, end, u.avg_price); break;
        case "sp"_k: ok = dr::decimal_string(p, end, u.stop_price); break;
        case "l"_k: ok = dr::decimal_string(p, end, u.last_qty); break;
        case "z"_k: ok = dr::decimal_string(p, end, u.cum_qty); break;
        case "L"_k: ok = dr::decimal_string(p, end, u.last_price); break;
        case "n"_k:
            ok = dr::decimal_string(p, end, u.commission);
            u.flags |= order_update::has_commission;
            break;
        case "N"_k:
            ok = text(u.commission_asset);
            u.flags |= order_update::has_commission;
            break;
        case "b"_k: ok = dr::decimal_string(p, end, u.bid_notional); break;
        case "a"_k: ok = dr::decimal_string(p, end, u.ask_notional); break;
        case "AP"_k: ok = dr::decimal_string(p, end, u.activation_price); break;
        case "cr"_k: ok = dr::decimal_string(p, end, u.callback_rate); break;
        case "rp"_k: ok = dr::decimal_string(p, end, u.realized_profit); break;
        case "i"_k: ok = has_id = dr::integer(p, end, u.order_id); break;
        case "t"_k: ok = dr::integer(p, end, u.trade_id); break;
        case "T"_k: ok = dr::integer(p, end, u.trade_time_ms); break;
        case "gtd"_k: ok = dr::integer(p, end, u.gtd_ms); break;
        case "er"_k: {
            std::int64_t x = 0;
            ok = dr::integer(p, end, x) && x >= 0 && x <= 255;
            u.expiry_reason = static_cast<std::uint8_t>(x);
            break;
        }
        case "m"_k: ok = flag(order_update::is_maker); break;
        case "R"_k: ok = flag(order_update::reduce_only); break;
        case "cp"_k: ok = flag(order_update::close_all); break;
        case "pP"_k: ok = flag(order_update::price_protect); break;
        case "ma"_k: ok = text(u.margin_asset); break;
        case "M"_k: return false; // modifyId (type UNVERIFIED): the general readers
        default: ok = dr::skip_scalar(p, end);
        }
        return ok;
    });
    return read && has_symbol && has_id ? p : nullptr;
}

inline const char* user_stream_parser::impl::direct_trade_lite_field(const char* p, const char* end, std::uint64_t k) noexcept {
    namespace dr = detail::direct;
    auto& t = emitter.last()->payload.trade;
    std::string_view s;
    bool ok = false;
    switch (k) {
    case "s"_k: ok = dr::string(p, end, s) && t.symbol.assign(s); break;
    case "c"_k: ok = dr::string(p, end, s) && t.client_order_id.assign(s); break;
    case "S"_k:
        ok = dr::string(p, end, s);
        t.side = from_wire<order_side>(s);
        break;
    case "q"_k: ok = dr::decimal_string(p, end, t.orig_qty); break;
    case "p"_k: ok = dr::decimal_string(p, end, t.price); break;
    case "L"_k: ok = dr::decimal_string(p, end, t.last_price); break;
    case "l"_k: ok = dr::decimal_string(p, end, t.last_qty); break;
    case "t"_k: ok = dr::integer(p, end, t.trade_id); break;
    case "i"_k: ok = dr::integer(p, end, t.order_id); break;
    case "m"_k: ok = dr::boolean(p, end, t.is_maker); break;
    default: ok = dr::skip_scalar(p, end);
    }
    return ok ? p : nullptr;
}

// ---- per-kind fields (one code for both value kinds: simdjson On-Demand and the fast cursor) ----

template <class V>
bool user_stream_parser::impl::field(detail::reader& rd, event_kind kind, std::string_view key, V& v) noexcept {
    bool present = false;
    // Keys are compared as integers (this runs for every member), in case labels only: clang 14
    // does not evaluate a consteval "_k" in a comparison inside a template.
    const std::uint64_t k = key_code(key);
    switch (k) {
    case "E"_k: return rd.read_int(v, hdr.E, present, "E");
    case "T"_k: return rd.read_int(v, hdr.T, present, "T");
    default: break;
    }
    if (kind == event_kind::trade_lite) return trade_lite_field(rd, k, key, v);
    switch (k) {
    case "a"_k:
        if (kind == event_kind::account_update) return account_update_body(rd, v);
        break;
    case "ac"_k:
        if (kind == event_kind::account_config_update) return config_leverage(rd, v);
        break;
    case "ai"_k:
        if (kind == event_kind::account_config_update) return config_multi_assets(rd, v);
        break;
    case "o"_k:
        if (kind == event_kind::order_trade_update) return order_body(rd, v);
        if (kind == event_kind::algo_update) return algo_body(rd, v);
        break;
    case "cw"_k:
        if (kind == event_kind::margin_call) {
            if (!rd.read_decimal(v, hdr.cross_wallet, present, "cw")) return false;
            hdr.has_cross_wallet = present;
            return true;
        }
        break;
    case "p"_k:
        if (kind == event_kind::margin_call) return margin_call_items(rd, v);
        break;
    case "i"_k: { // COIN-M account alias (TRADE_LITE's "i" is its order id)
        if (!rd.read_inline(v, hdr.alias, present, "i")) return false;
        hdr.has_alias = present;
        return true;
    }
    default:
        if (kind == event_kind::listen_key_expired && key == "listenKey")
            return rd.read_inline(v, hdr.listen_key, present, "listenKey");
    }
    return rd.skip_value(v, key.size() <= 8 ? key : std::string_view{});
}

template <class V>
bool user_stream_parser::impl::account_update_body(detail::reader& rd, V& v) noexcept {
    typename detail::json_types<V>::object a;
    if (rd.is_null(v)) return rd.fail(parse_errc::missing_field, detail::reader::location(v), "a");
    if (!rd.object_of(v, a, "a")) return false;
    return rd.for_each_field(a, "a", [&](std::string_view key, V& val) -> bool {
        if (key == "m") {
            bool present = false;
            return rd.read_enum(val, hdr.reason, present, "a.m");
        }
        if (key == "B" || key == "P") {
            const bool balances = key == "B";
            const std::string_view path = balances ? "a.B" : "a.P";
            bool null = false;
            if (!rd.null_or_value(val, null, path)) return false;
            if (null) return rd.skip_value(val, path);
            typename detail::json_types<V>::array arr;
            if (!rd.array_of(val, arr, path)) return false;
            return rd.for_each_element(arr, path, [&](V& el) -> bool {
                typename detail::json_types<V>::object item;
                if (!rd.object_of(el, item, path)) return false;
                return balances ? balance_item(rd, item) : position_item(rd, item);
            });
        }
        return rd.skip_value(val, "a");
    });
}

template <class O>
bool user_stream_parser::impl::balance_item(detail::reader& rd, O& o) noexcept {
    event* ev = emit(event_type::balance_update);
    auto& b = ev->payload.balance;
    b.source = event_source::stream;
    bool has_asset = false;
    const bool ok = rd.for_each_field(o, "a.B[]", [&](std::string_view key, auto& v) -> bool {
        bool present = false;
        switch (key_code(key)) {
        case "a"_k:
            if (!rd.read_inline(v, b.asset, present, "a.B[].a")) return false;
            has_asset = present;
            return true;
        case "wb"_k: return rd.decimal_field(v, b.wallet_balance, b.fields, balance_update::f_wallet_balance, "a.B[].wb");
        case "cw"_k:
            return rd.decimal_field(v, b.cross_wallet_balance, b.fields, balance_update::f_cross_wallet_balance, "a.B[].cw");
        case "bc"_k: return rd.decimal_field(v, b.balance_change, b.fields, balance_update::f_balance_change, "a.B[].bc");
        default: return rd.skip_value(v, "a.B[]");
        }
    });
    if (!ok) return false;
    if (!has_asset) return rd.fail(parse_errc::missing_field, rd.base(), "a.B[].a");
    return true;
}

template <class O>
bool user_stream_parser::impl::position_item(detail::reader& rd, O& o) noexcept {
    event* ev = emit(event_type::position_update);
    auto& p = ev->payload.position;
    using pf = position_update::field;
    p.source = event_source::stream;
    p.side = position_side::both; // one-way mode rows always say BOTH; UNVERIFIED that ps is never omitted
    bool has_symbol = false;
    const bool ok = rd.for_each_field(o, "a.P[]", [&](std::string_view key, auto& v) -> bool {
        bool present = false;
        switch (key_code(key)) {
        case "s"_k:
            if (!rd.read_inline(v, p.symbol, present, "a.P[].s")) return false;
            has_symbol = present;
            return true;
        case "pa"_k: return rd.decimal_field(v, p.amount, p.fields, pf::f_amount, "a.P[].pa");
        case "ep"_k: return rd.decimal_field(v, p.entry_price, p.fields, pf::f_entry_price, "a.P[].ep");
        case "bep"_k: return rd.decimal_field(v, p.break_even_price, p.fields, pf::f_break_even_price, "a.P[].bep");
        case "cr"_k: return rd.decimal_field(v, p.accumulated_realized, p.fields, pf::f_accumulated_realized, "a.P[].cr");
        case "up"_k: return rd.decimal_field(v, p.unrealized_pnl, p.fields, pf::f_unrealized_pnl, "a.P[].up");
        case "iw"_k: return rd.decimal_field(v, p.isolated_wallet, p.fields, pf::f_isolated_wallet, "a.P[].iw");
        case "mt"_k: return rd.margin_type_field(v, p.margin, p.fields, pf::f_margin_type, "a.P[].mt");
        case "ps"_k: return rd.position_side_field(v, p.side, "a.P[].ps");
        case "ma"_k: return rd.inline_field(v, p.margin_asset, p.fields, pf::f_margin_asset, "a.P[].ma");
        default: return rd.skip_value(v, "a.P[]");
        }
    });
    if (!ok) return false;
    if (!has_symbol) return rd.fail(parse_errc::missing_field, rd.base(), "a.P[].s");
    return true;
}

template <class V>
bool user_stream_parser::impl::config_leverage(detail::reader& rd, V& v) noexcept {
    typename detail::json_types<V>::object o;
    if (!rd.object_of(v, o, "ac")) return false;
    event* ev = emit(event_type::leverage_update);
    auto& l = ev->payload.leverage;
    l.source = event_source::stream;
    bool has_symbol = false;
    const bool ok = rd.for_each_field(o, "ac", [&](std::string_view key, V& val) -> bool {
        bool present = false;
        if (key == "s") {
            if (!rd.read_inline(val, l.symbol, present, "ac.s")) return false;
            has_symbol = present;
            return true;
        }
        if (key == "l") {
            if (!rd.small_uint(val, l.leverage, 0xFFFF, present, "ac.l")) return false;
            if (present) l.fields |= leverage_update::f_leverage;
            return true;
        }
        return rd.skip_value(val, "ac");
    });
    if (!ok) return false;
    if (!has_symbol) return rd.fail(parse_errc::missing_field, rd.base(), "ac.s");
    return true;
}

template <class V>
bool user_stream_parser::impl::config_multi_assets(detail::reader& rd, V& v) noexcept {
    typename detail::json_types<V>::object o;
    if (!rd.object_of(v, o, "ai")) return false;
    event* ev = emit(event_type::account_config_update);
    auto& a = ev->payload.account_config;
    a.source = event_source::stream;
    const bool ok = rd.for_each_field(o, "ai", [&](std::string_view key, V& val) -> bool {
        if (key == "j") return rd.bool_field(val, a.multi_assets, a.fields, account_config_update::f_multi_assets, "ai.j");
        return rd.skip_value(val, "ai");
    });
    if (!ok) return false;
    if (!(a.fields & account_config_update::f_multi_assets)) return rd.fail(parse_errc::missing_field, rd.base(), "ai.j");
    return true;
}

template <class V>
bool user_stream_parser::impl::order_body(detail::reader& rd, V& v) noexcept {
    typename detail::json_types<V>::object o;
    if (!rd.object_of(v, o, "o")) return false;
    event* ev = emit(event_type::order_update);
    auto& u = ev->payload.order;
    bool has_symbol = false, has_id = false;
    auto dec = [&](V& val, decimal& d, std::string_view path) {
        bool present = false;
        return rd.read_decimal(val, d, present, path);
    };
    auto flag = [&](V& val, std::uint8_t bit, std::string_view path) {
        bool present = false, b = false;
        if (!rd.read_bool(val, b, present, path)) return false;
        if (present && b) u.flags |= bit;
        return true;
    };
    auto i64 = [&](V& val, std::int64_t& out, std::string_view path, bool* seen = nullptr) {
        bool present = false;
        if (!rd.read_int(val, out, present, path)) return false;
        if (seen) *seen = present;
        return true;
    };
    const bool ok = rd.for_each_field(o, "o", [&](std::string_view key, V& val) -> bool {
        bool present = false;
        switch (key_code(key)) {
        case "s"_k:
            if (!rd.read_inline(val, u.symbol, present, "o.s")) return false;
            has_symbol = present;
            return true;
        case "c"_k: return rd.read_inline(val, u.client_order_id, present, "o.c");
        case "S"_k: return rd.read_enum(val, u.side, present, "o.S");
        case "o"_k: return rd.read_enum(val, u.type, present, "o.o");
        case "ot"_k: return rd.read_enum(val, u.orig_type, present, "o.ot");
        case "f"_k: return rd.read_enum(val, u.tif, present, "o.f");
        case "x"_k: return rd.read_enum(val, u.exec, present, "o.x");
        case "X"_k: return rd.read_enum(val, u.status, present, "o.X");
        case "wt"_k: return rd.read_enum(val, u.working, present, "o.wt");
        case "ps"_k: return rd.read_enum(val, u.pos_side, present, "o.ps");
        case "V"_k: return rd.read_enum(val, u.stp, present, "o.V");
        case "pm"_k: return rd.read_enum(val, u.match, present, "o.pm");
        case "q"_k: return dec(val, u.orig_qty, "o.q");
        case "p"_k: return dec(val, u.price, "o.p");
        case "ap"_k: return dec(val, u.avg_price, "o.ap");
        case "sp"_k: return dec(val, u.stop_price, "o.sp");
        case "l"_k: return dec(val, u.last_qty, "o.l");
        case "z"_k: return dec(val, u.cum_qty, "o.z");
        case "L"_k: return dec(val, u.last_price, "o.L");
        case "n"_k:
            if (!rd.read_decimal(val, u.commission, present, "o.n")) return false;
            if (present) u.flags |= order_update::has_commission;
            return true;
        case "N"_k:
            if (!rd.read_inline(val, u.commission_asset, present, "o.N")) return false;
            if (present) u.flags |= order_update::has_commission;
            return true;
        case "b"_k: return dec(val, u.bid_notional, "o.b");
        case "a"_k: return dec(val, u.ask_notional, "o.a");
        case "AP"_k: return dec(val, u.activation_price, "o.AP");
        case "cr"_k: return dec(val, u.callback_rate, "o.cr");
        case "rp"_k: return dec(val, u.realized_profit, "o.rp");
        case "i"_k: return i64(val, u.order_id, "o.i", &has_id);
        case "t"_k: return i64(val, u.trade_id, "o.t");
        case "T"_k: return i64(val, u.trade_time_ms, "o.T");
        case "gtd"_k: return i64(val, u.gtd_ms, "o.gtd");
        case "er"_k: return rd.small_uint(val, u.expiry_reason, 255, present, "o.er");
        case "m"_k: return flag(val, order_update::is_maker, "o.m");
        case "R"_k: return flag(val, order_update::reduce_only, "o.R");
        case "cp"_k: return flag(val, order_update::close_all, "o.cp");
        case "pP"_k: return flag(val, order_update::price_protect, "o.pP");
        case "ma"_k: return rd.read_inline(val, u.margin_asset, present, "o.ma");
        case "M"_k: {
            // modifyId: SDK-only (2026-07), type UNVERIFIED (string per SDK). Kept when numeric.
            std::string_view t;
            if (!rd.token(val, t, "o.M")) return false;
            if (!rd.skip_value(val, "o.M")) return false;
            if (t.size() >= 2 && t.front() == '"') t = t.substr(1, t.size() - 2);
            std::int64_t id = 0;
            const auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), id);
            if (ec == std::errc{} && p == t.data() + t.size()) u.modify_id = id;
            return true;
        }
        default: return rd.skip_value(val, "o");
        }
    });
    if (!ok) return false;
    if (!has_symbol) return rd.fail(parse_errc::missing_field, rd.base(), "o.s");
    if (!has_id) return rd.fail(parse_errc::missing_field, rd.base(), "o.i");
    return true;
}

template <class V>
bool user_stream_parser::impl::trade_lite_field(detail::reader& rd, std::uint64_t k, std::string_view key, V& v) noexcept {
    if (emitter.count() == 0) emit(event_type::trade_lite);
    auto& t = emitter.last()->payload.trade;
    bool present = false;
    switch (k) {
    case "s"_k: return rd.read_inline(v, t.symbol, present, "s");
    case "c"_k: return rd.read_inline(v, t.client_order_id, present, "c");
    case "S"_k: return rd.read_enum(v, t.side, present, "S");
    case "q"_k: return rd.read_decimal(v, t.orig_qty, present, "q");
    case "p"_k: return rd.read_decimal(v, t.price, present, "p");
    case "L"_k: return rd.read_decimal(v, t.last_price, present, "L");
    case "l"_k: return rd.read_decimal(v, t.last_qty, present, "l");
    case "t"_k: return rd.read_int(v, t.trade_id, present, "t");
    case "i"_k: return rd.read_int(v, t.order_id, present, "i");
    case "m"_k: return rd.read_bool(v, t.is_maker, present, "m");
    default: return rd.skip_value(v, key.size() <= 8 ? key : std::string_view{});
    }
}

template <class V>
bool user_stream_parser::impl::algo_body(detail::reader& rd, V& v) noexcept {
    typename detail::json_types<V>::object o;
    if (!rd.object_of(v, o, "o")) return false;
    event* ev = emit(event_type::algo_update);
    auto& a = ev->payload.algo;
    bool has_id = false;
    auto flag = [&](V& val, std::uint8_t bit, std::string_view path) {
        bool present = false, b = false;
        if (!rd.read_bool(val, b, present, path)) return false;
        if (present && b) a.flags |= bit;
        return true;
    };
    const bool ok = rd.for_each_field(o, "o", [&](std::string_view key, V& val) -> bool {
        bool present = false;
        switch (key_code(key)) {
        case "caid"_k: return rd.read_inline(val, a.client_algo_id, present, "o.caid");
        case "aid"_k: return rd.read_int(val, a.algo_id, has_id, "o.aid");
        case "at"_k: return rd.read_enum(val, a.type, present, "o.at");
        case "o"_k: return rd.read_enum(val, a.order_kind, present, "o.o");
        case "act"_k: return rd.read_enum(val, a.actual_type, present, "o.act");
        case "s"_k: return rd.read_inline(val, a.symbol, present, "o.s");
        case "S"_k: return rd.read_enum(val, a.side, present, "o.S");
        case "ps"_k: return rd.read_enum(val, a.pos_side, present, "o.ps");
        case "f"_k: return rd.read_enum(val, a.tif, present, "o.f");
        case "X"_k: return rd.read_enum(val, a.status, present, "o.X");
        case "V"_k: return rd.read_enum(val, a.stp, present, "o.V");
        case "wt"_k: return rd.read_enum(val, a.working, present, "o.wt");
        case "pm"_k: return rd.read_enum(val, a.match, present, "o.pm");
        case "q"_k: return rd.read_decimal(val, a.quantity, present, "o.q");
        case "ap"_k: return rd.read_decimal(val, a.avg_price, present, "o.ap");
        case "aq"_k: return rd.read_decimal(val, a.executed_qty, present, "o.aq");
        case "tp"_k: return rd.read_decimal(val, a.trigger_price, present, "o.tp");
        case "p"_k: return rd.read_decimal(val, a.price, present, "o.p");
        case "ai"_k: return rd.read_inline(val, a.order_id, present, "o.ai");
        case "rm"_k: return rd.read_inline(val, a.reject_reason, present, "o.rm");
        case "tt"_k: return rd.read_int(val, a.trigger_time_ms, present, "o.tt");
        case "gtd"_k: return rd.read_int(val, a.gtd_ms, present, "o.gtd");
        case "cp"_k: return flag(val, algo_update::close_all, "o.cp");
        case "pP"_k: return flag(val, algo_update::price_protect, "o.pP");
        case "R"_k: return flag(val, algo_update::reduce_only, "o.R");
        default: return rd.skip_value(val, "o"); // incl. undocumented "ia" (UNVERIFIED meaning)
        }
    });
    if (!ok) return false;
    if (!has_id) return rd.fail(parse_errc::missing_field, rd.base(), "o.aid");
    return true;
}

template <class V>
bool user_stream_parser::impl::margin_call_items(detail::reader& rd, V& v) noexcept {
    typename detail::json_types<V>::array arr;
    if (!rd.array_of(v, arr, "p")) return false;
    return rd.for_each_element(arr, "p[]", [&](V& el) -> bool {
        typename detail::json_types<V>::object o;
        if (!rd.object_of(el, o, "p[]")) return false;
        event* ev = emit(event_type::margin_call);
        auto& m = ev->payload.margin;
        bool has_symbol = false;
        const bool ok = rd.for_each_field(o, "p[]", [&](std::string_view key, V& val) -> bool {
            bool present = false;
            switch (key_code(key)) {
            case "s"_k:
                if (!rd.read_inline(val, m.symbol, present, "p[].s")) return false;
                has_symbol = present;
                return true;
            case "ps"_k: return rd.read_enum(val, m.side, present, "p[].ps");
            case "pa"_k: return rd.read_decimal(val, m.amount, present, "p[].pa");
            case "mt"_k: return rd.read_margin_type(val, m.margin, present, "p[].mt");
            case "iw"_k:
                return rd.decimal_field(val, m.isolated_wallet, m.fields, margin_call::f_isolated_wallet, "p[].iw");
            case "mp"_k: return rd.read_decimal(val, m.mark_price, present, "p[].mp");
            case "up"_k: return rd.read_decimal(val, m.unrealized_pnl, present, "p[].up");
            case "mm"_k: return rd.read_decimal(val, m.maint_margin, present, "p[].mm");
            default: return rd.skip_value(val, "p[]");
            }
        });
        if (!ok) return false;
        if (!has_symbol) return rd.fail(parse_errc::missing_field, rd.base(), "p[].s");
        return true;
    });
}

} // namespace acctsync::parse
