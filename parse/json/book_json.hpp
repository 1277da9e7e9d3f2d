// acctsync/parse/json/book_json.hpp — the account book as JSON, in one canonical shape.
//
// The demo and the CLI print it, and the exchange simulator's admin endpoint returns its truth in
// the same shape, so a test can compare the two byte for byte. Canonical: balances sorted by
// asset, positions by (symbol, side BOTH<LONG<SHORT), symbols by name; decimals in their shortest
// exact form; keys always in the same order. Not for the hot path (allocates).
#pragma once

#include <string>
#include <string_view>

#include "core/account_book.hpp"
#include "parse/json/json_writer.hpp"

namespace acctsync::parse {

struct book_json_options {
    bool include_times = false;      // register stamps (differ between a mirror and the truth)
    bool include_snapshot_only = true; // available balance, margins, mark price, ..., and the
                                       // positions' unrealized PnL (a valuation, not state)
    bool skip_zero = false;          // leave out zero balances and flat positions
    bool pretty = false;             // one entry per line
};

void write_book_json(const account_book& book, std::string& out, const book_json_options& opt = {});
[[nodiscard]] std::string book_json(const account_book& book, const book_json_options& opt = {});


} // namespace acctsync::parse
