// acctsync/parse/snapshot.cpp — see snapshot.hpp.
#include "parse/snapshot.hpp"

#include <simdjson.h>

#include <stdexcept>

#include "parse/detail/frame_runner.hpp"

namespace acctsync::parse {

namespace od = simdjson::ondemand;

namespace {

struct kind_name {
    snapshot_kind kind;
    std::string_view name;
    std::string_view path;
};
constexpr kind_name kind_names[] = {
    {snapshot_kind::account_v2, "account-v2", "/fapi/v2/account"},
    {snapshot_kind::account_v3, "account-v3", "/fapi/v3/account"},
    {snapshot_kind::balance_v2, "balance-v2", "/fapi/v2/balance"},
    {snapshot_kind::balance_v3, "balance-v3", "/fapi/v3/balance"},
    {snapshot_kind::position_risk_v2, "position-risk-v2", "/fapi/v2/positionRisk"},
    {snapshot_kind::position_risk_v3, "position-risk-v3", "/fapi/v3/positionRisk"},
    {snapshot_kind::symbol_config, "symbol-config", "/fapi/v1/symbolConfig"},
    {snapshot_kind::account_config, "account-config", "/fapi/v1/accountConfig"},
    {snapshot_kind::coinm_account, "coinm-account", "/dapi/v1/account"},
    {snapshot_kind::coinm_balance, "coinm-balance", "/dapi/v1/balance"},
    {snapshot_kind::coinm_position_risk, "coinm-position-risk", "/dapi/v1/positionRisk"},
};

// The WS-API methods answer with their REST twin's body.
snapshot_kind rest_twin(snapshot_kind k) noexcept {
    switch (k) {
    case snapshot_kind::wsapi_account_status: return snapshot_kind::account_v2;
    case snapshot_kind::wsapi_account_status_v2: return snapshot_kind::account_v3;
    case snapshot_kind::wsapi_account_balance: return snapshot_kind::balance_v2;
    case snapshot_kind::wsapi_account_position: return snapshot_kind::position_risk_v2;
    default: return k;
    }
}

enum class body_shape : std::uint8_t { none, account_object, balance_rows, position_rows, symbol_config_rows, account_config_object };

body_shape shape_of(snapshot_kind k) noexcept {
    switch (rest_twin(k)) {
    case snapshot_kind::account_v2:
    case snapshot_kind::account_v3:
    case snapshot_kind::coinm_account: return body_shape::account_object;
    case snapshot_kind::balance_v2:
    case snapshot_kind::balance_v3:
    case snapshot_kind::coinm_balance: return body_shape::balance_rows;
    case snapshot_kind::position_risk_v2:
    case snapshot_kind::position_risk_v3:
    case snapshot_kind::coinm_position_risk: return body_shape::position_rows;
    case snapshot_kind::symbol_config: return body_shape::symbol_config_rows;
    case snapshot_kind::account_config: return body_shape::account_config_object;
    default: return body_shape::none;
    }
}

// v3 endpoints list symbols with open orders as zero rows; absent already means flat.
bool skips_zero_rows(snapshot_kind k) noexcept {
    k = rest_twin(k);
    return k == snapshot_kind::position_risk_v3 || k == snapshot_kind::account_v3;
}

} // namespace

std::uint8_t scope_of(snapshot_kind kind) noexcept {
    switch (rest_twin(kind)) {
    case snapshot_kind::account_v2: return scope_assets | scope_positions | scope_leverage | scope_account_config;
    case snapshot_kind::account_v3: return scope_assets | scope_positions;
    case snapshot_kind::balance_v2:
    case snapshot_kind::balance_v3:
    case snapshot_kind::coinm_balance: return scope_assets;
    case snapshot_kind::position_risk_v2:
    case snapshot_kind::coinm_position_risk: return scope_positions | scope_leverage;
    case snapshot_kind::position_risk_v3: return scope_positions;
    case snapshot_kind::symbol_config: return scope_leverage;
    case snapshot_kind::account_config: return scope_account_config;
    // COIN-M has no multi-assets mode and its stream has no event for the account scope, so a
    // gap cannot have hidden a change there: the account snapshot heals that scope too
    // (otherwise a COIN-M book, once dirty, could never be in sync again).
    case snapshot_kind::coinm_account: return scope_assets | scope_positions | scope_leverage | scope_account_config;
    default: return 0;
    }
}

snapshot_kind kind_from_path(std::string_view path) noexcept {
    if (const auto q = path.find('?'); q != std::string_view::npos) path = path.substr(0, q);
    for (const auto& k : kind_names)
        if (k.path == path) return k.kind;
    return snapshot_kind::unknown;
}

std::string_view path_of(snapshot_kind kind) noexcept {
    for (const auto& k : kind_names)
        if (k.kind == kind) return k.path;
    return {};
}

snapshot_kind kind_from_name(std::string_view name) noexcept {
    for (const auto& k : kind_names)
        if (k.name == name) return k.kind;
    if (name == "wsapi-account-status") return snapshot_kind::wsapi_account_status;
    if (name == "wsapi-account-status-v2") return snapshot_kind::wsapi_account_status_v2;
    if (name == "wsapi-account-balance") return snapshot_kind::wsapi_account_balance;
    if (name == "wsapi-account-position") return snapshot_kind::wsapi_account_position;
    return snapshot_kind::unknown;
}

std::string_view name_of(snapshot_kind kind) noexcept {
    for (const auto& k : kind_names)
        if (k.kind == kind) return k.name;
    return to_string(kind);
}

snapshot_kind kind_from_wsapi_method(std::string_view m, market venue) noexcept {
    const bool coinm = venue == market::coinm;
    if (m == "account.status") return coinm ? snapshot_kind::coinm_account : snapshot_kind::account_v2;
    if (m == "v2/account.status") return snapshot_kind::account_v3;
    if (m == "account.balance") return coinm ? snapshot_kind::coinm_balance : snapshot_kind::balance_v2;
    if (m == "v2/account.balance") return snapshot_kind::balance_v3;
    if (m == "account.position") return coinm ? snapshot_kind::coinm_position_risk : snapshot_kind::position_risk_v2;
    if (m == "v2/account.position") return snapshot_kind::position_risk_v3;
    return snapshot_kind::unknown;
}

struct snapshot_parser::impl {
    explicit impl(parser_options o) : opt(o), emitter(o.max_batch) {
        if (parser.allocate(opt.max_frame)) throw std::runtime_error("snapshot_parser: cannot allocate");
    }
    parser_options opt;
    od::parser parser;
    detail::frame_emitter emitter;
    single_writer_counter events, errors, sink_full, split;

    const snapshot_request* req = nullptr;
    snapshot_kind kind = snapshot_kind::unknown;
    std::uint32_t rows = 0;
    wsapi_envelope* env = nullptr;

    static void finish_cb(void* self, event& ev) noexcept {
        auto* s = static_cast<impl*>(self);
        ev.header.recv_time_ns = s->req->recv_ns;
        ev.header.event_time_ms = s->req->as_of_ms;
        if (ev.header.type == event_type::snapshot_end) ev.payload.snapshot.row_count = s->rows;
    }

    event* emit(event_type t) noexcept { return emitter.next(t); }

    parse_result run(const char* data, std::size_t size, const snapshot_request& r, const event_sink& sink,
                     bool wsapi, wsapi_envelope* e) noexcept {
        req = &r;
        emitter.set_origin(r.venue, r.account);
        kind = rest_twin(r.kind);
        env = e;
        return detail::run_frame(parser, emitter, sink, opt.max_frame, data, size, &impl::finish_cb, this,
                                 {events, errors, sink_full, split}, [&](detail::reader& rd, od::document& doc) {
                                     rows = 0;
                                     return wsapi ? wsapi_document(rd, doc) : rest_document(rd, doc);
                                 });
    }

    bool begin_snapshot() noexcept {
        event* ev = emit(event_type::snapshot_begin);
        auto& s = ev->payload.snapshot;
        s.snapshot_id = req->snapshot_id;
        s.as_of_ms = req->as_of_ms;
        s.request_sent_ns = req->request_sent_ns;
        s.scope = scope_of(kind);
        s.kind = req->kind;
        return s.symbol_filter.assign(req->symbol_filter);
    }
    void end_snapshot() noexcept {
        event* ev = emit(event_type::snapshot_end);
        ev->payload.snapshot.snapshot_id = req->snapshot_id;
        ev->payload.snapshot.kind = req->kind;
        ev->payload.snapshot.complete = true;
    }

    bool rest_document(detail::reader& rd, od::document& doc) noexcept {
        od::value root;
        if (auto e = doc.get_value().get(root)) return rd.fail_json(e, rd.base(), "");
        if (!body(rd, root, "")) return false;
        return detail::check_at_end(rd, doc);
    }

    // A snapshot body of this->kind, or a Binance error object.
    bool body(detail::reader& rd, od::value& v, std::string_view path) noexcept {
        od::json_type t;
        if (auto e = v.type().get(t)) return rd.fail_json(e, rd.base(), path);
        const body_shape shape = shape_of(kind);
        if (shape == body_shape::none) return rd.fail(parse_errc::unexpected_shape, rd.base(), "kind");
        if (t == od::json_type::object) {
            od::object o;
            if (!rd.object_of(v, o, path)) return false;
            bool is_error = false;
            for (auto f : o) { // peek the first key: Binance error bodies start with "code"
                od::field fld;
                if (auto e = std::move(f).get(fld)) return rd.fail_json(e, nullptr, path);
                is_error = detail::reader::key_of(fld) == "code";
                break;
            }
            if (auto e = o.reset().error()) return rd.fail_json(e, nullptr, path);
            if (is_error) return error_object(rd, o, 0);
            if (shape == body_shape::account_object) return account_object(rd, o);
            if (shape == body_shape::account_config_object) return account_config_object(rd, o);
            return rd.fail(parse_errc::unexpected_shape, rd.base(), path);
        }
        if (t != od::json_type::array) return rd.fail(parse_errc::not_an_object, rd.base(), path);
        if (shape == body_shape::account_object || shape == body_shape::account_config_object)
            return rd.fail(parse_errc::unexpected_shape, rd.base(), path);
        od::array a;
        if (!rd.array_of(v, a, path)) return false;
        if (!begin_snapshot()) return rd.fail(parse_errc::string_too_long, rd.base(), "symbol");
        for (auto el : a) {
            od::object row;
            if (!rd.object_of(std::move(el), row, "[]")) return false;
            bool ok = shape == body_shape::balance_rows    ? balance_row(rd, row)
                      : shape == body_shape::position_rows ? position_row(rd, row)
                                                           : symbol_config_row(rd, row);
            if (!ok) return false;
        }
        end_snapshot();
        return true;
    }

    bool error_object(detail::reader& rd, od::object& o, std::int32_t status) noexcept {
        std::int64_t code = 0;
        bool has_code = false;
        for (auto f : o) {
            od::field fld;
            if (auto e = std::move(f).get(fld)) return rd.fail_json(e, nullptr, "error");
            od::value v = fld.value();
            const auto key = detail::reader::key_of(fld);
            if (key == "code") {
                if (!rd.read_int(v, code, has_code, "code")) return false;
            } else if (key == "msg") {
                std::string_view msg;
                bool present = false;
                if (!rd.read_string(v, msg, present, "msg")) return false;
            } else if (!rd.skip_value(v, "error")) {
                return false;
            }
        }
        rd.fail(parse_errc::exchange_error, rd.base(), "code");
        rd.set_exchange(static_cast<std::int32_t>(code), status);
        return false;
    }

    bool account_object(detail::reader& rd, od::object& o) noexcept {
        if (!begin_snapshot()) return rd.fail(parse_errc::string_too_long, rd.base(), "symbol");
        for (auto f : o) {
            od::field fld;
            if (auto e = std::move(f).get(fld)) return rd.fail_json(e, nullptr, "");
            od::value v = fld.value();
            const auto key = detail::reader::key_of(fld);
            if (key == "assets" || key == "positions") {
                const bool assets = key == "assets";
                od::array a;
                if (!rd.array_of(v, a, assets ? "assets" : "positions")) return false;
                for (auto el : a) {
                    od::value el_value;
                    if (auto e = std::move(el).get(el_value)) return rd.fail_json(e, nullptr, assets ? "assets[]" : "positions[]");
                    od::object row;
                    if (!rd.object_of(el_value, row, assets ? "assets[]" : "positions[]")) return false;
                    if (!(assets ? balance_row(rd, row) : position_row(rd, row))) return false;
                }
            } else if (key == "multiAssetsMargin" && kind == snapshot_kind::account_v2) {
                bool on = false, present = false;
                if (!rd.read_bool(v, on, present, "multiAssetsMargin")) return false;
                if (present) {
                    event* ev = emit(event_type::account_config_update);
                    ev->payload.account_config.source = event_source::snapshot;
                    ev->payload.account_config.multi_assets = on;
                    ev->payload.account_config.fields = account_config_update::f_multi_assets;
                    ++rows;
                }
            } else if (!rd.skip_value(v, "")) { // totals, feeTier, canTrade, ...
                return false;
            }
        }
        end_snapshot();
        return true;
    }

    bool account_config_object(detail::reader& rd, od::object& o) noexcept {
        if (!begin_snapshot()) return rd.fail(parse_errc::string_too_long, rd.base(), "symbol");
        event* ev = emit(event_type::account_config_update);
        auto& a = ev->payload.account_config;
        a.source = event_source::snapshot;
        ++rows;
        for (auto f : o) {
            od::field fld;
            if (auto e = std::move(f).get(fld)) return rd.fail_json(e, nullptr, "");
            od::value v = fld.value();
            const auto key = detail::reader::key_of(fld);
            if (key == "multiAssetsMargin") {
                if (!rd.bool_field(v, a.multi_assets, a.fields, account_config_update::f_multi_assets, "multiAssetsMargin")) return false;
            } else if (key == "dualSidePosition") {
                if (!rd.bool_field(v, a.dual_side_position, a.fields, account_config_update::f_dual_side_position, "dualSidePosition")) return false;
            } else if (!rd.skip_value(v, "")) {
                return false;
            }
        }
        end_snapshot();
        return true;
    }

    bool balance_row(detail::reader& rd, od::object& o) noexcept {
        event* ev = emit(event_type::balance_update);
        auto& b = ev->payload.balance;
        using f = balance_update::field;
        b.source = event_source::snapshot;
        bool has_asset = false;
    // dec: an optional decimal field of b (sets its bit when present)
    auto dec = [&](od::value& v, decimal& d, auto bit, std::string_view path) { return rd.decimal_field(v, d, b.fields, bit, path); };
        for (auto fi : o) {
            od::field fld;
            if (auto e = std::move(fi).get(fld)) return rd.fail_json(e, nullptr, "assets[]");
            od::value v = fld.value();
            const auto key = detail::reader::key_of(fld);
            bool present = false;
            bool ok = true;
            if (key == "asset") {
                ok = rd.read_inline(v, b.asset, present, "asset");
                has_asset = present;
            } else if (key == "walletBalance" || key == "balance") ok = dec(v, b.wallet_balance, f::f_wallet_balance, "walletBalance");
            else if (key == "crossWalletBalance") ok = dec(v, b.cross_wallet_balance, f::f_cross_wallet_balance, "crossWalletBalance");
            else if (key == "availableBalance") ok = dec(v, b.available_balance, f::f_available_balance, "availableBalance");
            else if (key == "unrealizedProfit") ok = dec(v, b.unrealized_profit, f::f_unrealized_profit, "unrealizedProfit");
            else if (key == "marginBalance") ok = dec(v, b.margin_balance, f::f_margin_balance, "marginBalance");
            else if (key == "initialMargin") ok = dec(v, b.initial_margin, f::f_initial_margin, "initialMargin");
            else if (key == "maintMargin") ok = dec(v, b.maint_margin, f::f_maint_margin, "maintMargin");
            else if (key == "positionInitialMargin") ok = dec(v, b.position_initial_margin, f::f_position_initial_margin, "positionInitialMargin");
            else if (key == "openOrderInitialMargin") ok = dec(v, b.open_order_initial_margin, f::f_open_order_initial_margin, "openOrderInitialMargin");
            else if (key == "maxWithdrawAmount") ok = dec(v, b.max_withdraw_amount, f::f_max_withdraw_amount, "maxWithdrawAmount");
            else if (key == "crossUnPnl") ok = dec(v, b.cross_unpnl, f::f_cross_unpnl, "crossUnPnl");
            else if (key == "marginAvailable") {
                ok = rd.bool_field(v, b.margin_available, b.fields, f::f_margin_available, "marginAvailable");
            } else if (key == "updateTime") ok = rd.read_int(v, b.update_time_ms, present, "updateTime");
            else if (key == "accountAlias") ok = rd.read_inline(v, b.account_alias, present, "accountAlias");
            else ok = rd.skip_value(v, "assets[]"); // withdrawAvailable (dapi), ...
            if (!ok) return false;
        }
        if (!has_asset) return rd.fail(parse_errc::missing_field, rd.base(), "asset");
        ++rows;
        return true;
    }

    bool position_row(detail::reader& rd, od::object& o) noexcept {
        // Parsed into a local event first: v3 zero rows are dropped after validation.
        event local;
        reset_event(local, event_type::position_update, req->venue, req->account);
        auto& p = local.payload.position;
        using f = position_update::field;
        p.source = event_source::snapshot;
        p.side = position_side::both;
        bool has_symbol = false;
    // dec: an optional decimal field of p (sets its bit when present)
    auto dec = [&](od::value& v, decimal& d, auto bit, std::string_view path) { return rd.decimal_field(v, d, p.fields, bit, path); };
        for (auto fi : o) {
            od::field fld;
            if (auto e = std::move(fi).get(fld)) return rd.fail_json(e, nullptr, "positions[]");
            od::value v = fld.value();
            const auto key = detail::reader::key_of(fld);
            bool present = false;
            bool ok = true;
            if (key == "symbol") {
                ok = rd.read_inline(v, p.symbol, present, "symbol");
                has_symbol = present;
            } else if (key == "positionSide") {
                ok = rd.position_side_field(v, p.side, "positionSide");
            } else if (key == "positionAmt") ok = dec(v, p.amount, f::f_amount, "positionAmt");
            else if (key == "entryPrice") ok = dec(v, p.entry_price, f::f_entry_price, "entryPrice");
            else if (key == "breakEvenPrice") ok = dec(v, p.break_even_price, f::f_break_even_price, "breakEvenPrice");
            else if (key == "unrealizedProfit" || key == "unRealizedProfit") ok = dec(v, p.unrealized_pnl, f::f_unrealized_pnl, "unrealizedProfit");
            else if (key == "isolatedWallet") ok = dec(v, p.isolated_wallet, f::f_isolated_wallet, "isolatedWallet");
            else if (key == "markPrice") ok = dec(v, p.mark_price, f::f_mark_price, "markPrice");
            else if (key == "liquidationPrice") ok = dec(v, p.liquidation_price, f::f_liquidation_price, "liquidationPrice");
            else if (key == "notional" || key == "notionalValue") ok = dec(v, p.notional, f::f_notional, "notional");
            else if (key == "initialMargin") ok = dec(v, p.initial_margin, f::f_initial_margin, "initialMargin");
            else if (key == "maintMargin") ok = dec(v, p.maint_margin, f::f_maint_margin, "maintMargin");
            else if (key == "isolatedMargin") ok = dec(v, p.isolated_margin, f::f_isolated_margin, "isolatedMargin");
            else if (key == "positionInitialMargin") ok = dec(v, p.position_initial_margin, f::f_position_initial_margin, "positionInitialMargin");
            else if (key == "openOrderInitialMargin") ok = dec(v, p.open_order_initial_margin, f::f_open_order_initial_margin, "openOrderInitialMargin");
            else if (key == "maxNotional" || key == "maxNotionalValue" || key == "maxQty") ok = dec(v, p.max_notional, f::f_max_notional, "maxNotional");
            else if (key == "marginType") {
                ok = rd.margin_type_field(v, p.margin, p.fields, f::f_margin_type, "marginType");
            } else if (key == "isolated") {
                bool iso = false;
                ok = rd.read_bool(v, iso, present, "isolated");
                if (present) {
                    p.margin = iso ? margin_type::isolated : margin_type::cross;
                    p.fields |= f::f_margin_type;
                }
            } else if (key == "leverage") {
                ok = rd.small_uint(v, p.leverage, 0xFFFF, present, "leverage");
                if (ok && present) p.fields |= f::f_leverage;
            } else if (key == "adl") {
                ok = rd.small_uint(v, p.adl, 255, present, "adl");
                if (ok && present) p.fields |= f::f_adl;
            } else if (key == "marginAsset") {
                ok = rd.inline_field(v, p.margin_asset, p.fields, f::f_margin_asset, "marginAsset");
            } else if (key == "updateTime") ok = rd.read_int(v, p.update_time_ms, present, "updateTime");
            else ok = rd.skip_value(v, "positions[]"); // bidNotional, askNotional, isAutoAddMargin, ...
            if (!ok) return false;
        }
        if (!has_symbol) return rd.fail(parse_errc::missing_field, rd.base(), "symbol");
        if (skips_zero_rows(kind) && p.amount.is_zero()) return true;
        event* ev = emit(event_type::position_update);
        const std::uint16_t index = ev->header.item_index;
        *ev = local;
        ev->header.item_index = index;
        ++rows;
        return true;
    }

    bool symbol_config_row(detail::reader& rd, od::object& o) noexcept {
        event* ev = emit(event_type::leverage_update);
        auto& l = ev->payload.leverage;
        using f = leverage_update::field;
        l.source = event_source::snapshot;
        bool has_symbol = false;
        for (auto fi : o) {
            od::field fld;
            if (auto e = std::move(fi).get(fld)) return rd.fail_json(e, nullptr, "[]");
            od::value v = fld.value();
            const auto key = detail::reader::key_of(fld);
            bool present = false, ok = true;
            if (key == "symbol") {
                ok = rd.read_inline(v, l.symbol, present, "symbol");
                has_symbol = present;
            } else if (key == "leverage") {
                ok = rd.small_uint(v, l.leverage, 0xFFFF, present, "leverage");
                if (ok && present) l.fields |= f::f_leverage;
            } else if (key == "marginType") {
                ok = rd.margin_type_field(v, l.margin, l.fields, f::f_margin_type, "marginType");
            } else if (key == "isAutoAddMargin") {
                ok = rd.bool_field(v, l.auto_add_margin, l.fields, f::f_auto_add_margin, "isAutoAddMargin");
            } else if (key == "maxNotionalValue") {
                ok = rd.decimal_field(v, l.max_notional, l.fields, f::f_max_notional, "maxNotionalValue");
            } else {
                ok = rd.skip_value(v, "[]");
            }
            if (!ok) return false;
        }
        if (!has_symbol) return rd.fail(parse_errc::missing_field, rd.base(), "symbol");
        ++rows;
        return true;
    }

    bool wsapi_document(detail::reader& rd, od::document& doc) noexcept {
        od::object root;
        if (!detail::document_object(rd, doc, root)) return false;
        std::int64_t status = 0;
        bool has_status = false, has_result = false;
        for (auto f : root) {
            od::field fld;
            if (auto e = std::move(f).get(fld)) return rd.fail_json(e, nullptr, "");
            od::value v = fld.value();
            const auto key = detail::reader::key_of(fld);
            if (key == "id") {
                std::string_view t;
                if (!rd.token(v, t, "id")) return false;
                if (!rd.skip_value(v, "id")) return false;
                if (env) env->id = t;
            } else if (key == "status") {
                if (!rd.read_int(v, status, has_status, "status")) return false;
                if (env) env->status = static_cast<std::int32_t>(status);
            } else if (key == "result") {
                has_result = true;
                if (rest_twin(kind) == snapshot_kind::unknown) {
                    if (!listen_key_result(rd, v)) return false;
                } else if (!body(rd, v, "result")) {
                    return false;
                }
            } else if (key == "error") {
                od::object eo;
                if (!rd.object_of(v, eo, "error")) return false;
                return error_object(rd, eo, static_cast<std::int32_t>(status));
            } else if (key == "rateLimits") {
                if (!rate_limits(rd, v)) return false;
            } else if (!rd.skip_value(v, "")) {
                return false;
            }
        }
        if (!has_result) return rd.fail(parse_errc::missing_field, rd.base(), "result");
        return detail::check_at_end(rd, doc);
    }

    bool listen_key_result(detail::reader& rd, od::value& v) noexcept {
        od::object o;
        if (!rd.object_of(v, o, "result")) return false;
        for (auto f : o) {
            od::field fld;
            if (auto e = std::move(f).get(fld)) return rd.fail_json(e, nullptr, "result");
            od::value val = fld.value();
            bool present = false;
            if (detail::reader::key_of(fld) == "listenKey") {
                key_string k{};
                if (!rd.read_inline(val, k, present, "result.listenKey")) return false;
                if (env) env->listen_key = k;
            } else if (!rd.skip_value(val, "result")) {
                return false;
            }
        }
        return true;
    }

    bool rate_limits(detail::reader& rd, od::value& v) noexcept {
        od::array a;
        if (!rd.array_of(v, a, "rateLimits")) return false;
        for (auto el : a) {
            od::object o;
            if (!rd.object_of(std::move(el), o, "rateLimits[]")) return false;
            bool weight = false;
            std::int64_t count = -1, limit = -1;
            for (auto f : o) {
                od::field fld;
                if (auto e = std::move(f).get(fld)) return rd.fail_json(e, nullptr, "rateLimits[]");
                od::value val = fld.value();
                const auto key = detail::reader::key_of(fld);
                bool present = false;
                if (key == "rateLimitType") {
                    std::string_view s;
                    if (!rd.read_string(val, s, present, "rateLimits[].rateLimitType")) return false;
                    weight = s == "REQUEST_WEIGHT";
                } else if (key == "count") {
                    if (!rd.read_int(val, count, present, "rateLimits[].count")) return false;
                } else if (key == "limit") {
                    if (!rd.read_int(val, limit, present, "rateLimits[].limit")) return false;
                } else if (!rd.skip_value(val, "rateLimits[]")) {
                    return false;
                }
            }
            if (weight && env) {
                env->weight_used = static_cast<std::int32_t>(count);
                env->weight_limit = static_cast<std::int32_t>(limit);
            }
        }
        return true;
    }
};

snapshot_parser::snapshot_parser(parser_options opt) : impl_(std::make_unique<impl>(opt)) {}
snapshot_parser::~snapshot_parser() = default;

parse_result snapshot_parser::parse_rest(const char* data, std::size_t size, const snapshot_request& req,
                                         const event_sink& sink) noexcept {
    return impl_->run(data, size, req, sink, false, nullptr);
}

parse_result snapshot_parser::parse_wsapi(const char* data, std::size_t size, const snapshot_request& req,
                                          const event_sink& sink, wsapi_envelope* env) noexcept {
    return impl_->run(data, size, req, sink, true, env);
}

} // namespace acctsync::parse
