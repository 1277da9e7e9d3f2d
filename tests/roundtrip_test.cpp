// Writer and parsers are inverses: random events -> Binance-shaped JSON -> parse -> the same
// events, byte for byte; and every snapshot sample -> events -> REST body -> the same events.
#include <gtest/gtest.h>

#include <cstring>

#include "tools/sim/binance_writer.hpp"
#include "parse/json/event_json.hpp"
#include "support/payload.hpp"
#include "support/random_events.hpp"
#include "parse/vector_sink.hpp"

using namespace acctsync;

TEST(RoundTrip, RandomUserEventsSurviveWriteThenParse) {
    test::random_events gen(2026);
    parse::user_stream_parser parser;
    int frames = 0;
    for (int i = 0; i < 20000; ++i) {
        const market venue = gen.pick(2) ? market::usdm : market::coinm;
        const std::vector<event> update = gen.update(venue);
        std::string json;
        sim::frame_options opt;
        if (gen.pick(4) == 0) opt.combined_stream = "x@ACCOUNT";
        ASSERT_TRUE(sim::write_user_frame(update, json, opt)) << i;
        test::padded in(json);
        parse::vector_sink sink;
        parse::stream_context ctx;
        ctx.venue = venue;
        const auto r = parser.parse(in.data(), in.size, ctx, sink.sink());
        ASSERT_TRUE(r.ok()) << json << "\n" << parse::error_json(r);
        ASSERT_EQ(sink.events.size(), update.size()) << json;
        for (std::size_t k = 0; k < update.size(); ++k) {
            ASSERT_EQ(parse::event_json(sink.events[k]), parse::event_json(update[k])) << json;
            ASSERT_EQ(std::memcmp(&sink.events[k], &update[k], sizeof(event)), 0) << json;
        }
        ++frames;
    }
    EXPECT_EQ(frames, 20000);
}

TEST(RoundTrip, SnapshotSamplesSurviveParseWriteParse) {
    const std::pair<const char*, snapshot_kind> files[] = {
        {"usdm_account_v2_01.json", snapshot_kind::account_v2},   {"usdm_account_v2_02.json", snapshot_kind::account_v2},
        {"usdm_account_v2_03.json", snapshot_kind::account_v2},   {"usdm_account_v2_04.json", snapshot_kind::account_v2},
        {"usdm_account_v3_01.json", snapshot_kind::account_v3},   {"usdm_position_risk_01.json", snapshot_kind::position_risk_v2},
        {"usdm_position_risk_02.json", snapshot_kind::position_risk_v2}, {"usdm_position_risk_03.json", snapshot_kind::position_risk_v2},
        {"usdm_position_risk_04.json", snapshot_kind::position_risk_v2}, {"usdm_position_risk_v3_01.json", snapshot_kind::position_risk_v3},
        {"coinm_account_01.json", snapshot_kind::coinm_account},  {"coinm_account_02.json", snapshot_kind::coinm_account},
        {"coinm_position_risk_01.json", snapshot_kind::coinm_position_risk},
    };
    for (const auto& [file, kind] : files) {
        const market venue = std::string_view(file).rfind("coinm", 0) == 0 ? market::coinm : market::usdm;
        const auto first = test::parse_snapshot(test::sample(file), kind, false, nullptr, venue);
        ASSERT_TRUE(first.result.ok()) << file;
        std::string body;
        ASSERT_TRUE(sim::write_rest_snapshot(kind, first.events, body)) << file;
        const auto second = test::parse_snapshot(body, kind, false, nullptr, venue);
        ASSERT_TRUE(second.result.ok()) << file << ": " << body << "\n" << parse::error_json(second.result);
        // Rows keep their content; the writer groups rows by type, so compare as sets per type.
        ASSERT_EQ(second.events.size(), first.events.size()) << file << ": " << body;
        for (const auto& a : first.events) {
            bool found = false;
            for (const auto& b : second.events) {
                event x = a, y = b;
                x.header.item_index = y.header.item_index = 0;
                if (std::memcmp(&x, &y, sizeof(event)) == 0) found = true;
            }
            EXPECT_TRUE(found) << file << ": " << parse::event_json(a) << "\n" << body;
        }
    }
}

TEST(RoundTrip, HandWrittenSnapshotKindsSurvive) {
    const std::pair<std::string, snapshot_kind> bodies[] = {
        {R"([{"accountAlias":"SgsR","asset":"USDT","balance":"122607.35137903","crossWalletBalance":"23.72469206","crossUnPnl":"0","availableBalance":"23.72469206","maxWithdrawAmount":"23.72469206","marginAvailable":true,"updateTime":1617939110373}])",
         snapshot_kind::balance_v2},
        {R"([{"symbol":"BTCUSDT","marginType":"CROSSED","isAutoAddMargin":false,"leverage":21,"maxNotionalValue":"1000000"}])",
         snapshot_kind::symbol_config},
        {R"({"feeTier":0,"canTrade":true,"canDeposit":true,"canWithdraw":true,"dualSidePosition":true,"updateTime":0,"multiAssetsMargin":false,"tradeGroupId":-1})",
         snapshot_kind::account_config},
    };
    for (const auto& [json, kind] : bodies) {
        const auto first = test::parse_snapshot(json, kind);
        ASSERT_TRUE(first.result.ok());
        std::string body;
        ASSERT_TRUE(sim::write_rest_snapshot(kind, first.events, body));
        const auto second = test::parse_snapshot(body, kind);
        ASSERT_TRUE(second.result.ok()) << body;
        ASSERT_EQ(second.events.size(), first.events.size());
        for (std::size_t i = 0; i < first.events.size(); ++i)
            EXPECT_EQ(std::memcmp(&first.events[i], &second.events[i], sizeof(event)), 0) << body;
    }
    std::string err;
    sim::write_error_body(-1125, "This listenKey does not exist.", err);
    EXPECT_EQ(test::parse_snapshot(err, snapshot_kind::balance_v2).result.exchange_code, -1125);
}
