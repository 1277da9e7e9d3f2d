// acctsync/core/enums.hpp — the closed and open enumerations carried in events, with their
// Binance spellings.
//
// Every enum keeps value 0 for "absent/unknown" so a zeroed event is a valid event. Binance adds
// values without notice (reasons, TIFs, price-match modes), so the parsers treat every one of
// these as an open enum: an unseen spelling maps to `other` and is counted, it is never an
// error. `names_of<E>()` lists the wire spellings by value; `from_wire<E>` and `to_string`
// use it. Lookups are linear over <= 20 short names: measured cheaper than hashing here.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace acctsync {

enum class market : std::uint8_t { usdm = 0, coinm = 1 };

enum class position_side : std::uint8_t { unknown = 0, both, long_side, short_side };
enum class margin_type : std::uint8_t { unknown = 0, cross, isolated };
enum class order_side : std::uint8_t { unknown = 0, buy, sell };

// ACCOUNT_UPDATE a.m
enum class update_reason : std::uint8_t {
    unknown = 0,
    deposit,
    withdraw,
    order,
    funding_fee,
    withdraw_reject,
    adjustment,
    insurance_clear,
    admin_deposit,
    admin_withdraw,
    margin_transfer,
    margin_type_change,
    asset_transfer,
    options_premium_fee,
    options_settle_profit,
    auto_exchange,
    coin_swap_deposit,
    coin_swap_withdraw,
    other, // a spelling this build does not know
};

enum class order_type : std::uint8_t {
    unknown = 0,
    limit,
    market,
    stop,
    stop_market,
    take_profit,
    take_profit_market,
    trailing_stop_market,
    liquidation,
    other,
};
enum class time_in_force : std::uint8_t { unknown = 0, gtc, ioc, fok, gtx, gtd, rpi, gte_gtc, other };
enum class execution_type : std::uint8_t { unknown = 0, new_order, canceled, calculated, expired, trade, amendment, other };
enum class order_status : std::uint8_t {
    unknown = 0,
    new_order,
    partially_filled,
    filled,
    canceled,
    expired,
    expired_in_match,
    other,
};
enum class working_type : std::uint8_t { unknown = 0, mark_price, contract_price, other };
enum class stp_mode : std::uint8_t { unknown = 0, none, expire_taker, expire_maker, expire_both, other };
enum class price_match : std::uint8_t {
    unknown = 0,
    none,
    opponent,
    opponent_5,
    opponent_10,
    opponent_20,
    queue,
    queue_5,
    queue_10,
    queue_20,
    other,
};
enum class algo_status : std::uint8_t {
    unknown = 0,
    new_order,
    canceled,
    triggering,
    triggered,
    finished,
    rejected,
    expired,
    other,
};
enum class algo_type : std::uint8_t { unknown = 0, conditional, other };

template <class E>
struct enum_traits; // names: wire spellings indexed by value; `other` has none

#define ACCTSYNC_ENUM_NAMES(E, ...)                                                                  \
    template <>                                                                                      \
    struct enum_traits<E> {                                                                          \
        static constexpr std::string_view names[] = {__VA_ARGS__};                                   \
    };

ACCTSYNC_ENUM_NAMES(market, "USDM", "COINM")
ACCTSYNC_ENUM_NAMES(position_side, "", "BOTH", "LONG", "SHORT")
ACCTSYNC_ENUM_NAMES(margin_type, "", "cross", "isolated")
ACCTSYNC_ENUM_NAMES(order_side, "", "BUY", "SELL")
ACCTSYNC_ENUM_NAMES(update_reason, "", "DEPOSIT", "WITHDRAW", "ORDER", "FUNDING_FEE", "WITHDRAW_REJECT", "ADJUSTMENT",
                    "INSURANCE_CLEAR", "ADMIN_DEPOSIT", "ADMIN_WITHDRAW", "MARGIN_TRANSFER", "MARGIN_TYPE_CHANGE",
                    "ASSET_TRANSFER", "OPTIONS_PREMIUM_FEE", "OPTIONS_SETTLE_PROFIT", "AUTO_EXCHANGE",
                    "COIN_SWAP_DEPOSIT", "COIN_SWAP_WITHDRAW", "OTHER")
ACCTSYNC_ENUM_NAMES(order_type, "", "LIMIT", "MARKET", "STOP", "STOP_MARKET", "TAKE_PROFIT", "TAKE_PROFIT_MARKET",
                    "TRAILING_STOP_MARKET", "LIQUIDATION", "OTHER")
ACCTSYNC_ENUM_NAMES(time_in_force, "", "GTC", "IOC", "FOK", "GTX", "GTD", "RPI", "GTE_GTC", "OTHER")
ACCTSYNC_ENUM_NAMES(execution_type, "", "NEW", "CANCELED", "CALCULATED", "EXPIRED", "TRADE", "AMENDMENT", "OTHER")
ACCTSYNC_ENUM_NAMES(order_status, "", "NEW", "PARTIALLY_FILLED", "FILLED", "CANCELED", "EXPIRED", "EXPIRED_IN_MATCH",
                    "OTHER")
ACCTSYNC_ENUM_NAMES(working_type, "", "MARK_PRICE", "CONTRACT_PRICE", "OTHER")
ACCTSYNC_ENUM_NAMES(stp_mode, "", "NONE", "EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH", "OTHER")
ACCTSYNC_ENUM_NAMES(price_match, "", "NONE", "OPPONENT", "OPPONENT_5", "OPPONENT_10", "OPPONENT_20", "QUEUE",
                    "QUEUE_5", "QUEUE_10", "QUEUE_20", "OTHER")
ACCTSYNC_ENUM_NAMES(algo_status, "", "NEW", "CANCELED", "TRIGGERING", "TRIGGERED", "FINISHED", "REJECTED", "EXPIRED",
                    "OTHER")
ACCTSYNC_ENUM_NAMES(algo_type, "", "CONDITIONAL", "OTHER")
#undef ACCTSYNC_ENUM_NAMES

template <class E>
[[nodiscard]] constexpr std::string_view to_string(E e) noexcept
    requires requires { enum_traits<E>::names; }
{
    const auto i = static_cast<std::size_t>(e);
    constexpr auto n = std::size(enum_traits<E>::names);
    return i < n ? enum_traits<E>::names[i] : std::string_view{"?"};
}

// Maps a wire spelling to its value: empty -> unknown (0); unseen -> `other` when the enum has
// one, else unknown. `known` tells the caller whether the spelling was recognised.
template <class E>
[[nodiscard]] constexpr E from_wire(std::string_view s, bool* known = nullptr) noexcept {
    constexpr auto& names = enum_traits<E>::names;
    constexpr std::size_t n = std::size(names);
    if (!s.empty()) {
        for (std::size_t i = 1; i < n; ++i) {
            if (names[i] == s && names[i] != "OTHER") {
                if (known) *known = true;
                return static_cast<E>(i);
            }
        }
    }
    if (known) *known = s.empty();
    if constexpr (requires { E::other; }) {
        if (!s.empty()) return E::other;
    }
    return static_cast<E>(0);
}

// The same lookup for a spelling inside a padded buffer (16 readable bytes at s whatever n is, as
// in every parser payload): the first 16 bytes compared as two words, with the length, against a
// table built at compile time; no string compare. ~4 instructions per candidate (enums have at
// most 20; the frequent spellings come first). Spellings longer than 16 bytes and unknown ones
// take from_wire. Same results as from_wire, always.
namespace detail {
struct wire_name16 {
    std::uint64_t w0, w1;
    std::uint64_t len; // 0xFF: never matches (the `other` entry, spellings over 16 bytes)
};
template <class E>
inline constexpr auto wire_names16 = [] {
    constexpr auto& names = enum_traits<E>::names;
    std::array<wire_name16, std::size(names)> t{};
    for (std::size_t i = 0; i < t.size(); ++i) {
        const std::string_view n = names[i];
        t[i].len = (i == 0 || n.size() > 16 || n == "OTHER") ? 0xFF : n.size();
        for (std::size_t k = 0; k < n.size() && k < 16; ++k)
            (k < 8 ? t[i].w0 : t[i].w1) |= static_cast<std::uint64_t>(static_cast<unsigned char>(n[k])) << (8 * (k % 8));
    }
    return t;
}();
[[nodiscard]] inline std::uint64_t low_bytes(std::uint64_t w, std::size_t n) noexcept {
    return n >= 8 ? w : w & ((1ULL << (8 * n)) - 1);
}
} // namespace detail

template <class E>
[[nodiscard, gnu::always_inline]] inline E from_wire_padded(const char* s, std::size_t n, bool* known = nullptr) noexcept {
    if (n - 1 < 16) [[likely]] {
        std::uint64_t w0, w1;
        __builtin_memcpy(&w0, s, 8);
        __builtin_memcpy(&w1, s + 8, 8);
        w0 = detail::low_bytes(w0, n);
        w1 = n > 8 ? detail::low_bytes(w1, n - 8) : 0;
        constexpr auto& t = detail::wire_names16<E>;
        for (std::size_t i = 1; i < t.size(); ++i) {
            if (t[i].w0 == w0 && t[i].w1 == w1 && t[i].len == n) {
                if (known) *known = true;
                return static_cast<E>(i);
            }
        }
    }
    return from_wire<E>({s, n}, known); // one over 16 bytes, one this build does not know, or empty
}

} // namespace acctsync
