// Random logical updates shaped as the parsers produce them (for write -> parse round trips):
// one ACCOUNT_UPDATE or MARGIN_CALL in ten has 9 to 40 items, more than a parser batch of 8.
#pragma once

#include <random>
#include <string>
#include <vector>

#include "core/event_builders.hpp"

namespace acctsync::test {

class random_events {
public:
    explicit random_events(std::uint64_t seed) : rng_(seed) {}

    decimal dec_() {
        static constexpr std::int64_t p10[] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000};
        if (pick(8) == 0) return decimal{};
        std::int64_t raw = static_cast<std::int64_t>(rng_() % 100'000'000'000'000'000ULL);
        const std::int64_t step = p10[pick(10)];
        raw = raw / step * step;
        return decimal::from_raw(pick(2) ? -raw : raw);
    }
    std::string str(std::size_t max_len, bool utf8 = false) {
        static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.:/";
        std::string s;
        const std::size_t n = 1 + pick(max_len);
        while (s.size() < n) {
            if (utf8 && pick(4) == 0 && s.size() + 3 <= max_len) s += "币";
            else s += alphabet[pick(66)];
        }
        if (s.size() > max_len) s.resize(max_len);
        return s;
    }
    std::uint64_t pick(std::uint64_t n) { return n == 0 ? 0 : rng_() % n; }
    std::int64_t id() { return static_cast<std::int64_t>(rng_() >> 1); }
    // Any value but `other` (its spelling is not kept, so it cannot round-trip).
    template <class E>
    E en(bool allow_unknown = true) {
        const auto n = std::size(enum_traits<E>::names);
        for (;;) {
            const auto v = static_cast<E>(allow_unknown ? pick(n) : 1 + pick(n - 1));
            if (to_string(v) != "OTHER") return v;
        }
    }

    // One logical update of a random kind.
    std::vector<event> update(market venue) {
        const stream_times t{static_cast<std::int64_t>(1'600'000'000'000 + pick(1'000'000'000)), 0, 0};
        stream_times tt = t;
        tt.transaction_ms = t.event_ms - static_cast<std::int64_t>(pick(5));
        std::vector<event> out;
        const alias_string alias = venue == market::coinm ? alias_string::from(str(15)) : alias_string{};
        switch (pick(7)) {
        case 0: { // ACCOUNT_UPDATE
            const auto reason = en<update_reason>(false);
            // One draw in ten more items than a parser batch holds (8 in the tests): 9 to 40, so
            // the update is published in several commits (a split update).
            const bool large = pick(10) == 0;
            const std::size_t nb = large ? pick(9) : pick(4); // large: 0 to 8 balances, the rest positions
            const std::size_t np = large ? 9 + pick(32) - nb : pick(4) + (nb == 0 ? 1 : 0);
            const auto count = static_cast<std::uint16_t>(nb + np);
            for (std::size_t i = 0; i < nb; ++i) {
                event ev;
                make_balance(ev, venue, str(15, true), dec_(), dec_(), dec_(), tt, reason, static_cast<std::uint16_t>(i), count);
                ev.payload.balance.fields = static_cast<std::uint16_t>(1 + pick(7)); // wb/cw/bc subsets
                if (!(ev.payload.balance.fields & balance_update::f_wallet_balance)) ev.payload.balance.wallet_balance = {};
                if (!(ev.payload.balance.fields & balance_update::f_cross_wallet_balance)) ev.payload.balance.cross_wallet_balance = {};
                if (!(ev.payload.balance.fields & balance_update::f_balance_change)) ev.payload.balance.balance_change = {};
                ev.payload.balance.account_alias = alias;
                out.push_back(ev);
            }
            for (std::size_t i = 0; i < np; ++i) {
                event ev;
                position_values v{dec_(), dec_(), dec_(), dec_(), dec_(), dec_(), pick(2) ? margin_type::cross : margin_type::isolated};
                make_position(ev, venue, str(31, true), static_cast<position_side>(1 + pick(3)), v, tt, reason,
                              static_cast<std::uint16_t>(nb + i), count);
                if (pick(2)) {
                    ev.payload.position.margin_asset = asset_string::from(str(15));
                    ev.payload.position.fields |= position_update::f_margin_asset;
                }
                if (pick(3) == 0) { // an old capture without bep
                    ev.payload.position.fields &= ~position_update::f_break_even_price;
                    ev.payload.position.break_even_price = {};
                }
                ev.payload.position.account_alias = alias;
                out.push_back(ev);
            }
            break;
        }
        case 1: {
            event ev;
            if (pick(2)) make_leverage(ev, venue, str(31), 1 + static_cast<std::uint32_t>(pick(125)), tt);
            else make_multi_assets(ev, venue, pick(2), tt);
            out.push_back(ev);
            break;
        }
        case 2: {
            event ev;
            reset_event(ev, event_type::order_update, venue);
            ev.header.event_time_ms = tt.event_ms;
            ev.header.transaction_time_ms = tt.transaction_ms;
            auto& o = ev.payload.order;
            (void)o.symbol.assign(str(31, true));
            (void)o.client_order_id.assign(str(47));
            if (pick(2)) {
                (void)o.commission_asset.assign(str(15));
                o.commission = dec_();
                o.flags |= order_update::has_commission;
            }
            if (venue == market::coinm) (void)o.margin_asset.assign(str(15));
            o.account_alias = alias;
            for (decimal* d : {&o.orig_qty, &o.price, &o.avg_price, &o.stop_price, &o.last_qty, &o.cum_qty, &o.last_price,
                               &o.bid_notional, &o.ask_notional, &o.activation_price, &o.callback_rate, &o.realized_profit})
                *d = dec_();
            o.order_id = id();
            o.trade_id = id();
            o.trade_time_ms = tt.transaction_ms;
            o.gtd_ms = pick(2) ? 0 : id();
            o.modify_id = pick(2) ? 0 : static_cast<std::int64_t>(pick(1'000'000));
            o.side = en<order_side>();
            o.type = en<order_type>();
            o.orig_type = en<order_type>();
            o.tif = en<time_in_force>();
            o.exec = en<execution_type>();
            o.status = en<order_status>();
            o.working = en<working_type>();
            o.pos_side = en<position_side>();
            o.stp = en<stp_mode>();
            o.match = en<price_match>();
            o.expiry_reason = static_cast<std::uint8_t>(pick(12));
            o.flags |= static_cast<std::uint8_t>(pick(16));
            out.push_back(ev);
            break;
        }
        case 3: {
            event ev;
            reset_event(ev, event_type::trade_lite, venue);
            ev.header.event_time_ms = t.event_ms;
            ev.header.transaction_time_ms = t.event_ms + static_cast<std::int64_t>(pick(200));
            auto& x = ev.payload.trade;
            (void)x.symbol.assign(str(31));
            (void)x.client_order_id.assign(str(47));
            x.orig_qty = dec_();
            x.price = dec_();
            x.last_price = dec_();
            x.last_qty = dec_();
            x.trade_id = id();
            x.order_id = id();
            x.side = en<order_side>();
            x.is_maker = pick(2);
            out.push_back(ev);
            break;
        }
        case 4: {
            event ev;
            reset_event(ev, event_type::algo_update, venue);
            ev.header.event_time_ms = tt.event_ms;
            ev.header.transaction_time_ms = tt.transaction_ms;
            auto& a = ev.payload.algo;
            (void)a.client_algo_id.assign(str(47));
            (void)a.symbol.assign(str(31));
            if (pick(2)) (void)a.order_id.assign(std::to_string(pick(1'000'000'000)));
            if (pick(2)) (void)a.reject_reason.assign(str(63));
            for (decimal* d : {&a.quantity, &a.avg_price, &a.executed_qty, &a.trigger_price, &a.price}) *d = dec_();
            a.algo_id = id();
            a.trigger_time_ms = id();
            a.gtd_ms = id();
            a.type = en<algo_type>();
            a.order_kind = en<order_type>();
            a.actual_type = en<order_type>();
            a.side = en<order_side>();
            a.pos_side = en<position_side>();
            a.tif = en<time_in_force>();
            a.status = en<algo_status>();
            a.stp = en<stp_mode>();
            a.working = en<working_type>();
            a.match = en<price_match>();
            a.flags = static_cast<std::uint8_t>(pick(8));
            out.push_back(ev);
            break;
        }
        case 5: {
            const std::size_t n = pick(10) == 0 ? 9 + pick(32) : 1 + pick(3); // sometimes more than a batch
            const decimal cw = dec_();
            const bool has_cw = pick(2);
            for (std::size_t i = 0; i < n; ++i) {
                event ev;
                reset_event(ev, event_type::margin_call, venue);
                ev.header.event_time_ms = t.event_ms;
                ev.header.item_index = static_cast<std::uint16_t>(i);
                ev.header.item_count = static_cast<std::uint16_t>(n);
                auto& m = ev.payload.margin;
                (void)m.symbol.assign(str(31));
                m.account_alias = alias;
                if (has_cw) {
                    m.cross_wallet_balance = cw;
                    m.fields |= margin_call::f_cross_wallet;
                }
                if (pick(2)) {
                    m.isolated_wallet = dec_();
                    m.fields |= margin_call::f_isolated_wallet;
                }
                m.amount = dec_();
                m.mark_price = dec_();
                m.unrealized_pnl = dec_();
                m.maint_margin = dec_();
                m.side = en<position_side>();
                m.margin = pick(2) ? margin_type::cross : margin_type::isolated;
                out.push_back(ev);
            }
            break;
        }
        default: {
            event ev;
            make_stream_status(ev, venue, stream_status_kind::listen_key_expired, 0);
            ev.header.event_time_ms = t.event_ms;
            (void)ev.payload.status.listen_key.assign(str(64));
            out.push_back(ev);
            break;
        }
        }
        return out;
    }

private:
    std::mt19937_64 rng_;
};

} // namespace acctsync::test
