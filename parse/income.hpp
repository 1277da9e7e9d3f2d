// acctsync/parse/income.hpp — GET /fapi/v1/income (and /dapi/v1/income): which symbols the
// account traded or was paid on in a window. userTrades needs a symbol per request; this page
// names the symbols a gap may have traded that neither the stream nor a snapshot shows (a
// position opened and closed inside the gap).
//
//   [{"symbol":"","incomeType":"TRANSFER","income":"-0.37500000","asset":"USDT","info":"TRANSFER",
//     "time":1570608000000,"tranId":9689322392,"tradeId":""},
//    {"symbol":"BTCUSDT","incomeType":"COMMISSION","income":"-0.01000000","asset":"USDT",
//     "info":"COMMISSION","time":1570636800000,"tranId":9689322392,"tradeId":"2059192"}]
//                                              (Binance's documented example, Get Income History)
//
// Only what the back-fill needs is read: symbol (empty for account-wide rows) and time; the
// other members are skipped. Cold path; whole or nothing (`out` is left as it was on an error).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "core/events.hpp"
#include "parse/parse_error.hpp"

namespace acctsync::parse {

struct income_page {
    std::vector<symbol_string> symbols; // distinct, in first-seen order
    std::int64_t last_time_ms = 0;      // of the newest row (the next page starts there)
    std::size_t rows = 0;
};

[[nodiscard]] parse_result parse_income_symbols(std::string_view body, income_page& out);

} // namespace acctsync::parse
