// tools/sim/wire_forms: the other wire forms of Binance's frames. Every real stream sample,
// rewritten under 200 seeds, parses to the very events the sample gives (the values never
// change, only their form), and each form does occur.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "parse/json/event_json.hpp"
#include "support/payload.hpp"
#include "tools/sim/wire_forms.hpp"

using namespace acctsync;
using namespace acctsync::test;

namespace {

const char* const stream_samples[] = {
    "usdm_account_update_01.json",       "usdm_account_update_02.json",       "usdm_account_update_03.json",
    "usdm_account_update_04.json",       "usdm_account_update_05.json",       "usdm_account_update_06.json",
    "usdm_order_trade_update_01.json",   "usdm_order_trade_update_02.json",   "usdm_order_trade_update_03.json",
    "usdm_order_trade_update_04.json",   "usdm_order_trade_update_05.json",   "usdm_order_trade_update_06.json",
    "usdm_trade_lite_01.json",           "usdm_trade_lite_02.json",           "usdm_account_config_update_01.json",
    "usdm_account_config_update_02.json", "usdm_account_config_update_03.json", "usdm_margin_call_01.json",
    "usdm_listen_key_expired_01.json",   "coinm_account_update_01.json",      "coinm_order_trade_update_01.json",
    "coinm_margin_call_01.json",         "coinm_margin_call_02.json",         "coinm_listen_key_expired_01.json"};

// The result and the events, in wire order apart from one thing: a reordered ACCOUNT_UPDATE lists
// P before B, so its items come in that order (their index in "item" with them). The book is
// last-writer-wins per key, so the order of distinct keys within one frame does not matter; the
// events are compared as a sorted list with the item index left out.
std::vector<std::string> events_of(const std::string& frame, market venue) {
    const auto p = parse_user(frame, venue);
    std::vector<std::string> out;
    for (const auto& ev : p.events) {
        std::string j = parse::event_json(ev);
        const auto at = j.find("\"item\":[");
        if (at != std::string::npos) j.erase(at + 8, j.find(',', at) - at - 8);
        out.push_back(std::move(j));
    }
    std::sort(out.begin(), out.end());
    out.insert(out.begin(), parse::error_json(p.result));
    return out;
}

} // namespace

TEST(wire_forms, every_sample_in_every_form_parses_to_the_same_events) {
    for (const char* name : stream_samples) {
        SCOPED_TRACE(name);
        const market venue = std::string(name).rfind("coinm", 0) == 0 ? market::coinm : market::usdm;
        const std::string original = minified(sample(name));
        const auto expected = events_of(original, venue);
        ASSERT_GT(expected.size(), 1u) << expected.front();
        std::mt19937_64 rng(1);
        int changed = 0;
        for (int seed = 0; seed < 200; ++seed) {
            const std::string varied = sim::vary_wire_form(original, rng);
            if (varied != original) ++changed;
            ASSERT_EQ(events_of(varied, venue), expected) << varied;
        }
        EXPECT_GT(changed, 80) << "rewrites differ from the canonical bytes (a shuffle can keep the order; a frame may have no decimal to pad)";
    }
}

TEST(wire_forms, each_form_occurs) {
    std::mt19937_64 rng(2);
    const std::string update = R"({"e":"ACCOUNT_UPDATE","E":1,"T":1,"a":{"m":"FUNDING_FEE","B":[{"a":"USDT","wb":"1.5","cw":"0","bc":"-0.25"}],"P":[]}})";
    const std::string expired = R"({"e":"listenKeyExpired","E":1736996475556,"listenKey":"123456"})";
    const std::string order = R"({"e":"ORDER_TRADE_UPDATE","E":1,"T":1,"o":{"s":"BTCUSDT","c":"42","q":"0.001","er":"0"}})";
    bool reordered = false, padded_decimal = false, no_p = false, string_e = false, client_id_kept = true, key_kept = true;
    for (int i = 0; i < 100; ++i) {
        const std::string u = sim::vary_wire_form(update, rng);
        reordered |= u.rfind(R"({"e":)", 0) != 0;
        padded_decimal |= u.find(R"("wb":"1.50000000")") != std::string::npos && u.find(R"("bc":"-0.25000000")") != std::string::npos &&
                          u.find(R"("cw":"0.00000000")") != std::string::npos;
        no_p |= u.find(R"("P")") == std::string::npos;
        EXPECT_NE(u.find(R"("B")"), std::string::npos) << "a B with items stays";
        const std::string x = sim::vary_wire_form(expired, rng);
        string_e |= x.find(R"("E":"1736996475556")") != std::string::npos;
        key_kept &= x.find(R"("listenKey":"123456")") != std::string::npos;
        const std::string o = sim::vary_wire_form(order, rng);
        client_id_kept &= o.find(R"("c":"42")") != std::string::npos && o.find(R"("er":"0")") != std::string::npos;
    }
    EXPECT_TRUE(reordered);
    EXPECT_TRUE(padded_decimal);
    EXPECT_TRUE(no_p);
    EXPECT_TRUE(string_e);
    EXPECT_TRUE(client_id_kept) << "client order ids and the expiry reason code are not decimals, never padded";
    EXPECT_TRUE(key_kept);
    EXPECT_EQ(sim::vary_wire_form("not json", rng), "not json");
}
