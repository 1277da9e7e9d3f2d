// tools/book_table.hpp — an account book as a text table for people (acctsync snapshot, the
// demo's live view): the account's modes, the non-zero balances, the open positions by side
// with their symbol's leverage. Cold path: builds a std::string.
#pragma once

#include <string>

#include "core/account_book.hpp"

namespace acctsync::tools {

[[nodiscard]] std::string book_table(const account_book& book);

} // namespace acctsync::tools
