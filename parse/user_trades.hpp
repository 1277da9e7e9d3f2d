// acctsync/parse/user_trades.hpp — GET /fapi/v1/userTrades (and /dapi/v1/userTrades): the
// account's fills of one symbol, read into missed_fill events when a gap may have lost some.
//
//   [{"buyer":false,"commission":"-0.07819010","commissionAsset":"USDT","id":698759,"maker":false,
//     "orderId":25851813,"price":"7819.01","qty":"0.002","quoteQty":"15.63802",
//     "realizedPnl":"-0.91539999","side":"SELL","positionSide":"SHORT","symbol":"BTCUSDT",
//     "time":1569514978020}]                     (Binance's documented example; COIN-M has
//                                                  baseQty for quoteQty, plus pair and marginAsset)
//
// Cold path (after a gap heals): the body is copied into a padded buffer. Whole or nothing: on a
// failure nothing is published. Unknown members are skipped. Threads: pure function.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "parse/event_sink.hpp"
#include "parse/parse_error.hpp"

namespace acctsync::parse {

[[nodiscard]] parse_result parse_user_trades(std::string_view body, market venue, std::int64_t recv_ns, event_sink sink);

} // namespace acctsync::parse
