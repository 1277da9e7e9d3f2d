#include "parse/json/book_json.hpp"

#include <algorithm>
#include <vector>

namespace acctsync::parse {

namespace {

void time_or_null(json_object& w, std::string_view k, std::int64_t t) {
    if (t == never) w.null(k);
    else w.num(k, t);
}

} // namespace

void write_book_json(const account_book& book, std::string& out, const book_json_options& opt) {
    const char* nl = opt.pretty ? "\n  " : "";
    std::vector<const balance_entry*> bals;
    for (const auto& b : book.balances())
        if (!opt.skip_zero || !b.wallet_balance.is_zero() || !b.cross_wallet_balance.is_zero()) bals.push_back(&b);
    std::sort(bals.begin(), bals.end(), [](auto* a, auto* b) { return a->asset.view() < b->asset.view(); });
    std::vector<const position_entry*> poss;
    for (const auto& p : book.positions())
        if (!opt.skip_zero || !p.flat()) poss.push_back(&p);
    std::sort(poss.begin(), poss.end(), [](auto* a, auto* b) {
        return a->symbol.view() != b->symbol.view() ? a->symbol.view() < b->symbol.view() : a->side < b->side;
    });
    std::vector<const symbol_entry*> syms;
    for (const auto& s : book.symbols())
        if (s.leverage != 0 || s.margin != margin_type::unknown) syms.push_back(&s);
    std::sort(syms.begin(), syms.end(), [](auto* a, auto* b) { return a->symbol.view() < b->symbol.view(); });

    out += '{';
    out += nl;
    out += "\"balances\":[";
    for (std::size_t i = 0; i < bals.size(); ++i) {
        const balance_entry& b = *bals[i];
        if (i) out += ',';
        out += opt.pretty ? "\n    {" : "{";
        json_object w{out};
        w.str("asset", b.asset.view());
        w.dec("wallet_balance", b.wallet_balance);
        w.dec("cross_wallet_balance", b.cross_wallet_balance);
        if (opt.include_snapshot_only && b.snapshot_fields != 0) {
            w.dec("available_balance", b.available_balance);
            w.dec("unrealized_profit", b.unrealized_profit);
            w.dec("margin_balance", b.margin_balance);
            w.dec("initial_margin", b.initial_margin);
            w.dec("maint_margin", b.maint_margin);
            w.dec("max_withdraw_amount", b.max_withdraw_amount);
        }
        if (opt.include_times) {
            time_or_null(w, "time", b.time_ms);
            time_or_null(w, "snapshot_time", b.snapshot_time_ms);
        }
        out += '}';
    }
    out += "],";
    out += nl;
    out += "\"positions\":[";
    for (std::size_t i = 0; i < poss.size(); ++i) {
        const position_entry& p = *poss[i];
        if (i) out += ',';
        out += opt.pretty ? "\n    {" : "{";
        json_object w{out};
        w.str("symbol", p.symbol.view());
        w.str("side", to_string(p.side));
        w.dec("amount", p.amount);
        w.dec("entry_price", p.entry_price);
        w.dec("break_even_price", p.break_even_price);
        // A valuation at a mark price, not state: left out with the snapshot-only fields (see
        // account_book.hpp, "Unrealized PnL").
        if (opt.include_snapshot_only) w.dec("unrealized_pnl", p.unrealized_pnl);
        w.str("margin_type", to_string(p.margin));
        w.dec("isolated_wallet", p.isolated_wallet);
        if (opt.include_snapshot_only && p.snapshot_fields != 0) {
            w.dec("mark_price", p.mark_price);
            w.dec("liquidation_price", p.liquidation_price);
            w.dec("notional", p.notional);
        }
        if (opt.include_times) {
            time_or_null(w, "time", p.time_ms);
            if (opt.include_snapshot_only) time_or_null(w, "unrealized_pnl_time", p.unrealized_pnl_time_ms);
            time_or_null(w, "snapshot_time", p.snapshot_time_ms);
        }
        out += '}';
    }
    out += "],";
    out += nl;
    out += "\"symbols\":[";
    for (std::size_t i = 0; i < syms.size(); ++i) {
        const symbol_entry& s = *syms[i];
        if (i) out += ',';
        out += opt.pretty ? "\n    {" : "{";
        json_object w{out};
        w.str("symbol", s.symbol.view());
        w.num("leverage", s.leverage);
        if (s.margin != margin_type::unknown) w.str("margin_type", to_string(s.margin));
        if (opt.include_times) time_or_null(w, "leverage_time", s.leverage_time_ms);
        out += '}';
    }
    out += "],";
    out += nl;
    const account_state& a = book.account();
    out += "\"account\":{";
    json_object w{out};
    if (a.multi_assets_time_ms != never) w.boolean("multi_assets", a.multi_assets);
    else w.null("multi_assets");
    if (a.dual_side_time_ms != never) w.boolean("dual_side_position", a.dual_side_position);
    else w.null("dual_side_position");
    out += "}";
    out += opt.pretty ? "\n}" : "}";
}

std::string book_json(const account_book& book, const book_json_options& opt) {
    std::string s;
    write_book_json(book, s, opt);
    return s;
}

} // namespace acctsync::parse
