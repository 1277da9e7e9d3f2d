// tools/sim/wire_forms: the other wire forms of Binance's frames. Every real stream sample,
// rewritten under 200 seeds, parses to the very events the sample gives (the values never
// change, only their form), and each form does occur; the form of the real captures' templates
// reproduces those captures and never changes what a frame says.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "parse/json/event_json.hpp"
#include "support/payload.hpp"
#include "core/event_builders.hpp"
#include "tools/sim/account_engine.hpp"
#include "tools/sim/binance_writer.hpp"
#include "tools/sim/scenario.hpp"
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
        EXPECT_GT(changed, 60) << "rewrites differ from the canonical bytes (a shuffle can keep the order; a frame may have no "
                                  "decimal to pad; a capture in its own template's form is that capture)";
    }
}

TEST(wire_forms, each_form_occurs) {
    std::mt19937_64 rng(2);
    const std::string update = R"({"e":"ACCOUNT_UPDATE","E":1,"T":1,"a":{"m":"FUNDING_FEE","B":[{"a":"USDT","wb":"1.5","cw":"0","bc":"-0.25"}],"P":[]}})";
    const std::string expired = R"({"e":"listenKeyExpired","E":1736996475556,"listenKey":"123456"})";
    const std::string order = R"({"e":"ORDER_TRADE_UPDATE","E":1,"T":1,"o":{"s":"BTCUSDT","c":"42","q":"0.001","er":"0"}})";
    bool reordered = false, padded_decimal = false, no_p = false, string_e = false, client_id_kept = true, key_kept = true,
         sample_form = false;
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
        sample_form |= o == sim::sample_wire_form(order);
    }
    EXPECT_TRUE(sample_form) << "the form of the real captures";
    EXPECT_EQ(sim::sample_wire_form(order), R"({"e":"ORDER_TRADE_UPDATE","T":1,"E":1,"o":{"s":"BTCUSDT","c":"42","q":"0.001","er":"0"}})");
    EXPECT_TRUE(reordered);
    EXPECT_TRUE(padded_decimal);
    EXPECT_TRUE(no_p);
    EXPECT_TRUE(string_e);
    EXPECT_TRUE(client_id_kept) << "client order ids and the expiry reason code are not decimals, never padded";
    EXPECT_TRUE(key_kept);
    EXPECT_EQ(sim::vary_wire_form("not json", rng), "not json");
}

namespace {

// Frames of every kind the simulator's engine writes: USDⓈ-M one-way and hedge, COIN-M.
std::vector<std::pair<std::string, market>> engine_frames() {
    std::vector<std::pair<std::string, market>> out;
    for (int variant = 0; variant < 3; ++variant) {
        sim::engine_options o;
        o.venue = variant == 2 ? market::coinm : market::usdm;
        o.hedge_mode = variant == 1;
        o.seed = 3 + static_cast<std::uint64_t>(variant);
        sim::account_engine e(o);
        const std::vector<std::string> syms = o.venue == market::usdm ? std::vector<std::string>{"BTCUSDT", "ETHUSDT"}
                                                                       : std::vector<std::string>{"BTCUSD_PERP", "ETHUSD_PERP"};
        for (const auto& sym : syms) e.list_symbol(sym);
        (void)e.deposit(e.margin_asset_of(syms[0]), dec("100000"), 1);
        std::mt19937_64 rng(11);
        std::int64_t t = 1'700'000'000'000;
        for (int i = 0; i < 400; ++i) {
            t += 1 + static_cast<std::int64_t>(rng() % 3);
            for (auto& f : sim::random_operation(e, static_cast<int>(rng() % sim::operation_count), syms[rng() % 2], rng, t, i + 1))
                out.emplace_back(std::move(f), o.venue);
        }
    }
    return out;
}

// The member names of a JSON object in order, depth first ("o.ap", "a.B.wb"), and the strings at them.
void walk(const nlohmann::ordered_json& v, const std::string& at, std::vector<std::string>& keys,
          std::map<std::string, std::string>& strings) {
    if (v.is_object()) {
        for (auto it = v.begin(); it != v.end(); ++it) {
            const std::string k = at.empty() ? it.key() : at + "." + it.key();
            keys.push_back(k);
            walk(it.value(), k, keys, strings);
        }
    } else if (v.is_array()) {
        for (std::size_t i = 0; i < v.size(); ++i) walk(v[i], at + "[" + std::to_string(i) + "]", keys, strings);
    } else if (v.is_string()) {
        strings[at] = v.get<std::string>();
    }
}

} // namespace

// The fifth form (templates of the real captures) changes the bytes and never the events: every
// frame the engine writes, bare and in a combined envelope, parses to the canonical frame's events.
TEST(wire_forms, the_sample_form_parses_to_the_canonical_events) {
    int changed = 0, templated = 0;
    for (const auto& [frame, venue] : engine_frames()) {
        const std::string sampled = sim::sample_wire_form(frame);
        ASSERT_EQ(events_of(sampled, venue), events_of(frame, venue)) << frame << "\n" << sampled;
        changed += sampled != frame;
        templated += sim::has_sample_form(frame);
        if (sampled == frame && sim::has_sample_form(frame)) { // only the writer's TRADE_LITE order is already the capture's
            EXPECT_NE(frame.find(R"("e":"TRADE_LITE")"), std::string::npos) << frame;
        }
        const std::string env = R"({"stream":"lk@ACCOUNT_UPDATE","data":)" + frame + "}";
        const std::string sampled_env = sim::sample_wire_form(env);
        ASSERT_EQ(sampled_env.rfind(R"({"stream":"lk@ACCOUNT_UPDATE","data":)", 0), 0u) << sampled_env;
        ASSERT_EQ(events_of(sampled_env, venue), events_of(frame, venue)) << sampled_env;
    }
    EXPECT_GT(templated, 1000);
    EXPECT_GT(changed, templated * 3 / 4) << "frames with a template are rewritten";
}

// The template reproduces the captures: a capture parsed, written by the simulator's writer and
// put in the sample form has the capture's members in the capture's order (members the writer
// adds come after them) and the capture's decimal places for the fields the template pads.
TEST(wire_forms, the_sample_form_is_the_captures_form) {
    const std::vector<std::pair<std::string, market>> captures{
        // spec §1.6.2, the 2026-02 capture; spec §1.6.3, the 2024-11 capture
        {R"({"e":"ACCOUNT_UPDATE","T":1771856732584,"E":1771856732584,"a":{"B":[{"a":"USDT","wb":"1.73744723","cw":"1.73744723","bc":"0"}],"P":[{"s":"SOLUSDT","pa":"0.1","ep":"80.19","cr":"26.83159999","up":"0","mt":"cross","iw":"0","ps":"BOTH","ma":"USDT","bep":"80.230095"}],"m":"ORDER"}})", market::usdm},
        {R"({"e":"ORDER_TRADE_UPDATE","T":1731955175166,"E":1731955175166,"o":{"s":"BTCUSDT","c":"android_WrDCjqlzTWlU9FGcNp1Q","S":"SELL","o":"MARKET","f":"GTC","q":"0.002","p":"0","ap":"90853.20000","sp":"0","x":"TRADE","X":"FILLED","i":482277363667,"l":"0.002","z":"0.002","L":"90853.20","n":"0.09085320","N":"USDT","T":1731955175166,"t":5612520599,"b":"0","a":"0","m":false,"R":true,"wt":"CONTRACT_PRICE","ot":"MARKET","ps":"BOTH","cp":false,"rp":"-1.77340000","pP":false,"si":0,"ss":0,"V":"NONE","pm":"NONE","gtd":0}})", market::usdm},
        {minified(sample("usdm_order_trade_update_04.json")), market::usdm},
        {minified(sample("usdm_order_trade_update_05.json")), market::usdm},
        {minified(sample("usdm_trade_lite_01.json")), market::usdm},
        {minified(sample("usdm_account_config_update_02.json")), market::usdm},
        {minified(sample("usdm_account_config_update_03.json")), market::usdm},
        // COIN-M funding, 2022 (spec §2): the alias after E
        {R"({"e":"ACCOUNT_UPDATE","T":1662105600141,"E":1662105600198,"i":"oCTiSgXqfWFzoC","a":{"B":[{"a":"ADA","wb":"7620.73025767","cw":"7620.73025767","bc":"-0.88984664"}],"P":[],"m":"FUNDING_FEE"}})", market::coinm},
    };
    const std::set<std::string> padded{"a.B[0].wb", "a.B[0].cw", "a.P[0].cr", "o.ap", "o.L", "o.n", "o.rp", "p", "L"};
    for (const auto& [capture, venue] : captures) {
        SCOPED_TRACE(capture);
        const auto parsed = parse_user(capture, venue);
        ASSERT_TRUE(parsed.result.ok());
        std::string canonical;
        ASSERT_TRUE(sim::write_user_frame(parsed.events, canonical));
        const std::string sampled = sim::sample_wire_form(canonical);
        std::vector<std::string> want, got;
        std::map<std::string, std::string> want_strings, got_strings;
        walk(nlohmann::ordered_json::parse(capture), "", want, want_strings);
        walk(nlohmann::ordered_json::parse(sampled), "", got, got_strings);
        const std::set<std::string> in_capture(want.begin(), want.end());
        std::vector<std::string> got_of_capture;
        for (const auto& k : got)
            if (in_capture.count(k)) got_of_capture.push_back(k);
        EXPECT_EQ(got_of_capture, want) << sampled;
        const std::size_t first_extra = std::find_if(got.begin(), got.end(), [&](const std::string& k) { return !in_capture.count(k); }) - got.begin();
        for (std::size_t i = first_extra; i < got.size(); ++i) {
            const auto dot = got[i].rfind('.');
            const std::string parent = dot == std::string::npos ? "" : got[i].substr(0, dot);
            for (std::size_t j = i + 1; j < got.size(); ++j) { // in one object: the capture's members first
                const auto dj = got[j].rfind('.');
                if ((dj == std::string::npos ? "" : got[j].substr(0, dj)) == parent && in_capture.count(got[j]))
                    ADD_FAILURE() << got[j] << " after the writer's own " << got[i];
            }
        }
        for (const auto& [k, v] : want_strings)
            if (padded.count(k)) {
                EXPECT_EQ(got_strings[k], v) << k;
            }
        EXPECT_EQ(events_of(sampled, venue), events_of(capture, venue));
    }
}
