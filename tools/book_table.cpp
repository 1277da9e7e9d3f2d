#include "tools/book_table.hpp"

#include <cstdio>

namespace acctsync::tools {

namespace {

std::string dec(const decimal& d) { return d.to_string(); }

void line(std::string& out, const char* fmt, auto... args) {
    char buf[256];
    const int n = std::snprintf(buf, sizeof buf, fmt, args...);
    if (n > 0) out.append(buf, static_cast<std::size_t>(std::min<int>(n, sizeof buf - 1)));
}

} // namespace

std::string book_table(const account_book& book) {
    std::string out;
    const auto& a = book.account();
    const auto flag = [](std::int64_t t, bool v, const char* yes, const char* no) {
        return t == never ? "unknown" : (v ? yes : no);
    };
    line(out, "multi-assets mode: %s    position mode: %s\n", flag(a.multi_assets_time_ms, a.multi_assets, "on", "off"),
         flag(a.dual_side_time_ms, a.dual_side_position, "hedge", "one-way"));
    line(out, "%-8s %22s %22s %22s\n", "asset", "wallet balance", "cross wallet", "available");
    int shown = 0;
    for (const auto& b : book.balances()) {
        if (b.wallet_balance.is_zero() && b.cross_wallet_balance.is_zero()) continue;
        ++shown;
        line(out, "%-8s %22s %22s %22s\n", std::string(b.asset.view()).c_str(), dec(b.wallet_balance).c_str(),
             dec(b.cross_wallet_balance).c_str(),
             b.snapshot_time_ms == never ? "-" : dec(b.available_balance).c_str());
    }
    if (shown == 0) out += "(no balance)\n";
    line(out, "%-14s %-5s %-8s %4s %20s %20s %20s\n", "symbol", "side", "margin", "lev", "amount", "entry price",
         "unrealized pnl");
    shown = 0;
    for (const auto& p : book.positions()) {
        if (p.flat()) continue;
        ++shown;
        const auto* s = book.symbol(p.symbol.view());
        const std::string lev = s != nullptr && s->leverage != 0 ? std::to_string(s->leverage) + "x" : "-";
        line(out, "%-14s %-5s %-8s %4s %20s %20s %20s\n", std::string(p.symbol.view()).c_str(),
             std::string(to_string(p.side)).c_str(),
             p.margin == margin_type::unknown ? "-" : std::string(to_string(p.margin)).c_str(), lev.c_str(),
             dec(p.amount).c_str(), dec(p.entry_price).c_str(), dec(p.unrealized_pnl).c_str());
    }
    if (shown == 0) out += "(no open position)\n";
    return out;
}

} // namespace acctsync::tools
