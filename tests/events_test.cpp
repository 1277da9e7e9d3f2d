// Events: fixed-layout PODs, enum spellings round-trip, a reset event reads as "nothing told".
#include <gtest/gtest.h>

#include <cstring>
#include <type_traits>

#include "core/event_builders.hpp"
#include "core/events.hpp"

using namespace acctsync;

TEST(Events, AreTriviallyCopyableStandardLayoutWholeCacheLines) {
    static_assert(std::is_trivially_copyable_v<event>);
    static_assert(std::is_standard_layout_v<event>);
    static_assert(sizeof(event) % 64 == 0);
    static_assert(alignof(event) == 64);
    EXPECT_EQ(sizeof(event), 320u);
    EXPECT_LE(sizeof(order_update), max_payload_size);
    EXPECT_GT(sizeof(event_header) + max_payload_size, sizeof(event) - 64) << "a smaller event would fit";
}

TEST(Events, ResetGivesZeroPayloadAndLoneItem) {
    event ev;
    std::memset(static_cast<void*>(&ev), 0xAB, sizeof ev);
    reset_event(ev, event_type::position_update, market::coinm, 3);
    EXPECT_EQ(ev.type(), event_type::position_update);
    EXPECT_EQ(ev.header.venue, market::coinm);
    EXPECT_EQ(ev.header.account, 3);
    EXPECT_EQ(ev.header.item_count, 1);
    EXPECT_TRUE(ev.header.last_in_update());
    EXPECT_EQ(ev.payload.position.fields, 0u);
    EXPECT_TRUE(ev.payload.position.symbol.empty());
    EXPECT_EQ(ev.payload.position.amount, decimal{});
}

TEST(Events, BuildersFillCompleteEvents) {
    event ev;
    make_balance(ev, market::usdm, "USDT", dec("122624.12345678"), dec("100.12345678"), dec("50.12345678"),
                 {1564745798939, 1564745798938, 7}, update_reason::order, 1, 2);
    EXPECT_EQ(ev.type(), event_type::balance_update);
    EXPECT_EQ(ev.header.transaction_time_ms, 1564745798938);
    EXPECT_EQ(ev.header.item_index, 1);
    EXPECT_TRUE(ev.header.last_in_update());
    EXPECT_EQ(ev.payload.balance.asset.view(), "USDT");
    EXPECT_EQ(ev.payload.balance.wallet_balance.to_string(), "122624.12345678");
    EXPECT_TRUE(ev.payload.balance.fields & balance_update::f_balance_change);
    as_snapshot_row(ev, 99);
    EXPECT_EQ(ev.payload.balance.source, event_source::snapshot);
    EXPECT_FALSE(ev.payload.balance.fields & balance_update::f_balance_change) << "bc is stream-only";
}

TEST(Enums, WireSpellingsRoundTripAndUnknownsAreOpen) {
    for (std::size_t i = 1; i < std::size(enum_traits<update_reason>::names) - 1; ++i) {
        const auto r = static_cast<update_reason>(i);
        bool known = false;
        EXPECT_EQ(from_wire<update_reason>(to_string(r), &known), r);
        EXPECT_TRUE(known);
    }
    bool known = true;
    EXPECT_EQ(from_wire<update_reason>("BRAND_NEW_REASON", &known), update_reason::other);
    EXPECT_FALSE(known);
    EXPECT_EQ(from_wire<update_reason>("", &known), update_reason::unknown);
    EXPECT_EQ(from_wire<position_side>("SHORT"), position_side::short_side);
    EXPECT_EQ(from_wire<position_side>("sideways"), position_side::unknown); // no `other`
    EXPECT_EQ(from_wire<price_match>("QUEUE_20"), price_match::queue_20);
    EXPECT_EQ(from_wire<time_in_force>("GTE_GTC"), time_in_force::gte_gtc);
    EXPECT_EQ(from_wire<order_status>("OTHER"), order_status::other) << "the literal OTHER is not a wire name";
    EXPECT_EQ(to_string(event_type::snapshot_end), "snapshot_end");
    EXPECT_EQ(to_string(stream_status_kind::listen_key_expired), "listen_key_expired");
}
