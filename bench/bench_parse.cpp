// Parsing user-data frames: bytes -> published events. acctsync's On-Demand parser (writing
// straight into ring slots) against the same extraction into the same event structs done with
// simdjson DOM, RapidJSON and nlohmann::json — one adapter per library, same inputs, same run.
// Every adapter extracts every field the acctsync parser extracts, converts decimals exactly with
// acctsync::decimal::parse, and copies strings into the same inline strings.
#include <benchmark/benchmark.h>

#include <nlohmann/json.hpp>
#include <rapidjson/document.h>
#include <simdjson.h>

#include <string>
#include <vector>

#include "core/spsc_ring.hpp"
#include "parse/user_stream.hpp"

using namespace acctsync;

namespace {

// Real captures (spec §1.6.2 and §1.6.3, mainnet 2026-02 and 2024-11) and a docs TRADE_LITE.
const std::string k_account_update =
    R"({"e":"ACCOUNT_UPDATE","T":1771856732584,"E":1771856732584,"a":{"B":[{"a":"USDT","wb":"1.73744723","cw":"1.73744723","bc":"0"}],"P":[{"s":"SOLUSDT","pa":"0.1","ep":"80.19","cr":"26.83159999","up":"0","mt":"cross","iw":"0","ps":"BOTH","ma":"USDT","bep":"80.230095"}],"m":"ORDER"}})";
const std::string k_order_trade_update =
    R"({"e":"ORDER_TRADE_UPDATE","T":1731955175166,"E":1731955175166,"o":{"s":"BTCUSDT","c":"android_WrDCjqlzTWlU9FGcNp1Q","S":"SELL","o":"MARKET","f":"GTC","q":"0.002","p":"0","ap":"90853.20000","sp":"0","x":"TRADE","X":"FILLED","i":482277363667,"l":"0.002","z":"0.002","L":"90853.20","n":"0.09085320","N":"USDT","T":1731955175166,"t":5612520599,"b":"0","a":"0","m":false,"R":true,"wt":"CONTRACT_PRICE","ot":"MARKET","ps":"BOTH","cp":false,"rp":"-1.77340000","pP":false,"si":0,"ss":0,"V":"NONE","pm":"NONE","gtd":0}})";
const std::string k_trade_lite =
    R"({"e":"TRADE_LITE","E":1721895408092,"T":1721895408214,"s":"BTCUSDT","q":"0.001","p":"0","m":false,"c":"z8hcUoOsqEdKMeKPSABslD","S":"BUY","L":"64089.20","l":"0.040","t":109100866,"i":8886774})";

std::string padded_copy(const std::string& s) {
    std::string p = s;
    p.resize(s.size() + parse::payload_padding, '\0');
    return p;
}

decimal dec_of(std::string_view s) {
    decimal d{};
    if (!decimal::parse(s, d)) std::abort();
    return d;
}

// ---- the extraction, shared by the three peer adapters (one "view" type per library) -----------

template <class Str, class Int, class Bool>
struct getters {
    Str str;
    Int i64;
    Bool boolean;
};

template <class Obj, class G>
void fill_order(const Obj& top, const Obj& o, event& ev, const G& g) {
    reset_event(ev, event_type::order_update, market::usdm);
    ev.header.event_time_ms = g.i64(top, "E");
    ev.header.transaction_time_ms = g.i64(top, "T");
    auto& u = ev.payload.order;
    (void)u.symbol.assign(g.str(o, "s"));
    (void)u.client_order_id.assign(g.str(o, "c"));
    u.side = from_wire<order_side>(g.str(o, "S"));
    u.type = from_wire<order_type>(g.str(o, "o"));
    u.tif = from_wire<time_in_force>(g.str(o, "f"));
    u.orig_qty = dec_of(g.str(o, "q"));
    u.price = dec_of(g.str(o, "p"));
    u.avg_price = dec_of(g.str(o, "ap"));
    u.stop_price = dec_of(g.str(o, "sp"));
    u.exec = from_wire<execution_type>(g.str(o, "x"));
    u.status = from_wire<order_status>(g.str(o, "X"));
    u.order_id = g.i64(o, "i");
    u.last_qty = dec_of(g.str(o, "l"));
    u.cum_qty = dec_of(g.str(o, "z"));
    u.last_price = dec_of(g.str(o, "L"));
    u.commission = dec_of(g.str(o, "n"));
    (void)u.commission_asset.assign(g.str(o, "N"));
    u.trade_time_ms = g.i64(o, "T");
    u.trade_id = g.i64(o, "t");
    u.bid_notional = dec_of(g.str(o, "b"));
    u.ask_notional = dec_of(g.str(o, "a"));
    if (g.boolean(o, "m")) u.flags |= order_update::is_maker;
    if (g.boolean(o, "R")) u.flags |= order_update::reduce_only;
    u.working = from_wire<working_type>(g.str(o, "wt"));
    u.orig_type = from_wire<order_type>(g.str(o, "ot"));
    u.pos_side = from_wire<position_side>(g.str(o, "ps"));
    if (g.boolean(o, "cp")) u.flags |= order_update::close_all;
    u.realized_profit = dec_of(g.str(o, "rp"));
    if (g.boolean(o, "pP")) u.flags |= order_update::price_protect;
    u.stp = from_wire<stp_mode>(g.str(o, "V"));
    u.match = from_wire<price_match>(g.str(o, "pm"));
    u.gtd_ms = g.i64(o, "gtd");
}

template <class Obj, class G>
void fill_balance(const Obj& top, const Obj& b, event& ev, std::string_view reason, const G& g) {
    reset_event(ev, event_type::balance_update, market::usdm);
    ev.header.event_time_ms = g.i64(top, "E");
    ev.header.transaction_time_ms = g.i64(top, "T");
    auto& x = ev.payload.balance;
    (void)x.asset.assign(g.str(b, "a"));
    x.wallet_balance = dec_of(g.str(b, "wb"));
    x.cross_wallet_balance = dec_of(g.str(b, "cw"));
    x.balance_change = dec_of(g.str(b, "bc"));
    x.reason = from_wire<update_reason>(reason);
}

template <class Obj, class G>
void fill_position(const Obj& top, const Obj& p, event& ev, std::string_view reason, const G& g) {
    reset_event(ev, event_type::position_update, market::usdm);
    ev.header.event_time_ms = g.i64(top, "E");
    ev.header.transaction_time_ms = g.i64(top, "T");
    auto& x = ev.payload.position;
    (void)x.symbol.assign(g.str(p, "s"));
    x.amount = dec_of(g.str(p, "pa"));
    x.entry_price = dec_of(g.str(p, "ep"));
    x.accumulated_realized = dec_of(g.str(p, "cr"));
    x.unrealized_pnl = dec_of(g.str(p, "up"));
    x.margin = g.str(p, "mt") == "cross" ? margin_type::cross : margin_type::isolated;
    x.isolated_wallet = dec_of(g.str(p, "iw"));
    x.side = from_wire<position_side>(g.str(p, "ps"));
    (void)x.margin_asset.assign(g.str(p, "ma"));
    x.break_even_price = dec_of(g.str(p, "bep"));
    x.reason = from_wire<update_reason>(reason);
}

template <class Obj, class G>
void fill_trade(const Obj& t, event& ev, const G& g) {
    reset_event(ev, event_type::trade_lite, market::usdm);
    ev.header.event_time_ms = g.i64(t, "E");
    ev.header.transaction_time_ms = g.i64(t, "T");
    auto& x = ev.payload.trade;
    (void)x.symbol.assign(g.str(t, "s"));
    x.orig_qty = dec_of(g.str(t, "q"));
    x.price = dec_of(g.str(t, "p"));
    x.is_maker = g.boolean(t, "m");
    (void)x.client_order_id.assign(g.str(t, "c"));
    x.side = from_wire<order_side>(g.str(t, "S"));
    x.last_price = dec_of(g.str(t, "L"));
    x.last_qty = dec_of(g.str(t, "l"));
    x.trade_id = g.i64(t, "t");
    x.order_id = g.i64(t, "i");
}

enum class kind { account_update, order_trade_update, trade_lite };
const std::string& input_of(kind k) {
    return k == kind::account_update ? k_account_update : k == kind::order_trade_update ? k_order_trade_update : k_trade_lite;
}

// ---- adapters -------------------------------------------------------------------------------------

// acctsync as shipped: the fast pass, with simdjson On-Demand for what it hands back.
struct acctsync_parser {
    parse::user_stream_parser parser;
    spsc_ring<event> ring{1024};
    std::size_t run(const std::string& padded, std::size_t n) {
        const auto sink = parse::event_sink::of(ring);
        const auto r = parser.parse(padded.data(), n, {}, sink);
        std::size_t got = 0;
        ring.drain([&](const event& e) { got += e.header.item_count != 0; });
        return r.ok() ? got : 0;
    }
};

// acctsync's reference path alone (parser_options::fast_pass = false): simdjson On-Demand.
struct acctsync_ondemand_only : acctsync_parser {
    acctsync_ondemand_only() : acctsync_parser{parse::user_stream_parser({1 << 20, 256, false})} {}
};

// The same frames with a space after every colon (as a pretty-printer or another venue might
// send them): not the direct readers' form, so this measures the fast cursor (tier 2).
struct acctsync_spaced : acctsync_parser {
    std::string spaced;
    std::size_t run(const std::string& padded, std::size_t n) {
        if (spaced.empty()) {
            bool in_string = false;
            for (std::size_t i = 0; i < n; ++i) {
                spaced += padded[i];
                if (padded[i] == '"') in_string = !in_string; // (no escapes in these inputs)
                else if (padded[i] == ':' && !in_string) spaced += ' ';
            }
            spaced_size = spaced.size();
            spaced.resize(spaced_size + parse::payload_padding, '\0');
        }
        return acctsync_parser::run(spaced, spaced_size);
    }
    std::size_t spaced_size = 0;
};

struct simdjson_dom {
    simdjson::dom::parser parser;
    event out[4];
    static auto g() {
        return getters{[](const simdjson::dom::element& o, const char* k) { return std::string_view(o[k]); },
                       [](const simdjson::dom::element& o, const char* k) { return int64_t(o[k]); },
                       [](const simdjson::dom::element& o, const char* k) { return bool(o[k]); }};
    }
    std::size_t run(const std::string& padded, std::size_t n, kind k) {
        simdjson::dom::element doc = parser.parse(padded.data(), n, false);
        if (k == kind::order_trade_update) {
            const simdjson::dom::element o = doc["o"];
            fill_order(doc, o, out[0], g());
            return 1;
        }
        if (k == kind::trade_lite) {
            fill_trade(doc, out[0], g());
            return 1;
        }
        simdjson::dom::element a = doc["a"];
        const std::string_view reason = a["m"];
        std::size_t i = 0;
        for (simdjson::dom::element b : a["B"].get_array()) fill_balance(doc, b, out[i++], reason, g());
        for (simdjson::dom::element p : a["P"].get_array()) fill_position(doc, p, out[i++], reason, g());
        return i;
    }
};

struct rapidjson_dom {
    rapidjson::Document doc;
    event out[4];
    static auto g() {
        return getters{[](const rapidjson::Value& o, const char* k) {
                           const auto& v = o[k];
                           return std::string_view(v.GetString(), v.GetStringLength());
                       },
                       [](const rapidjson::Value& o, const char* k) { return static_cast<std::int64_t>(o[k].GetInt64()); },
                       [](const rapidjson::Value& o, const char* k) { return o[k].GetBool(); }};
    }
    std::size_t run(const std::string& padded, std::size_t n, kind k) {
        doc.Parse(padded.data(), n);
        if (doc.HasParseError()) std::abort();
        const rapidjson::Value& top = doc;
        if (k == kind::order_trade_update) {
            fill_order(top, top["o"], out[0], g());
            return 1;
        }
        if (k == kind::trade_lite) {
            fill_trade(top, out[0], g());
            return 1;
        }
        const auto& a = top["a"];
        const std::string_view reason(a["m"].GetString(), a["m"].GetStringLength());
        std::size_t i = 0;
        for (const auto& b : a["B"].GetArray()) fill_balance(top, b, out[i++], reason, g());
        for (const auto& p : a["P"].GetArray()) fill_position(top, p, out[i++], reason, g());
        return i;
    }
};

struct nlohmann_json {
    event out[4];
    static auto g() {
        return getters{[](const nlohmann::json& o, const char* k) { return std::string_view(o[k].get_ref<const std::string&>()); },
                       [](const nlohmann::json& o, const char* k) { return o[k].get<std::int64_t>(); },
                       [](const nlohmann::json& o, const char* k) { return o[k].get<bool>(); }};
    }
    std::size_t run(const std::string& padded, std::size_t n, kind k) {
        const nlohmann::json doc = nlohmann::json::parse(std::string_view(padded.data(), n));
        if (k == kind::order_trade_update) {
            fill_order(doc, doc["o"], out[0], g());
            return 1;
        }
        if (k == kind::trade_lite) {
            fill_trade(doc, out[0], g());
            return 1;
        }
        const auto& a = doc["a"];
        const std::string_view reason = a["m"].get_ref<const std::string&>();
        std::size_t i = 0;
        for (const auto& b : a["B"]) fill_balance(doc, b, out[i++], reason, g());
        for (const auto& p : a["P"]) fill_position(doc, p, out[i++], reason, g());
        return i;
    }
};

template <class Adapter>
void run_bench(benchmark::State& state, kind k) {
    Adapter a;
    const std::string& raw = input_of(k);
    const std::string in = padded_copy(raw);
    std::size_t events = 0;
    for (auto _ : state) {
        if constexpr (std::is_base_of_v<acctsync_parser, Adapter>) events += a.run(in, raw.size());
        else events += a.run(in, raw.size(), k);
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations())); // frames
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * raw.size()));
    state.counters["events_per_frame"] = static_cast<double>(events) / static_cast<double>(state.iterations());
}

// Every sample of the repository, acctsync only (ns/frame per kind of event).
void BM_acctsync_all_user_samples(benchmark::State& state) {
    parse::user_stream_parser parser;
    spsc_ring<event> ring(1024);
    const auto sink = parse::event_sink::of(ring);
    std::vector<std::pair<std::string, std::size_t>> inputs;
    for (const char* s : {k_account_update.c_str(), k_order_trade_update.c_str(), k_trade_lite.c_str()})
        inputs.emplace_back(padded_copy(s), std::string(s).size());
    std::size_t bytes = 0;
    for (const auto& i : inputs) bytes += i.second;
    for (auto _ : state) {
        for (const auto& [p, n] : inputs) benchmark::DoNotOptimize(parser.parse(p.data(), n, {}, sink));
        ring.drain([](const event&) {});
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * inputs.size()));
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes));
}
BENCHMARK(BM_acctsync_all_user_samples);

// The floor under any On-Demand parser: iterate (stage 1) plus visiting every value's raw token,
// extracting nothing. acctsync's parser = this + reading/validating each value + writing events.
std::size_t walk(simdjson::ondemand::value v) {
    std::size_t s = 0;
    switch (v.type().value_unsafe()) {
    case simdjson::ondemand::json_type::object:
        for (auto f : v.get_object().value_unsafe()) {
            auto fld = std::move(f).value_unsafe();
            s += static_cast<unsigned char>(fld.key().raw()[0]) + walk(fld.value());
        }
        break;
    case simdjson::ondemand::json_type::array:
        for (auto e : v.get_array().value_unsafe()) s += walk(std::move(e).value_unsafe());
        break;
    default: s += v.raw_json_token().size();
    }
    return s;
}
void floor_bench(benchmark::State& state, kind k, bool walk_values) {
    simdjson::ondemand::parser parser;
    if (parser.allocate(1 << 20)) std::abort();
    const std::string& raw = input_of(k);
    const std::string in = padded_copy(raw);
    for (auto _ : state) {
        simdjson::ondemand::document doc;
        if (parser.iterate(simdjson::padded_string_view(in.data(), raw.size(), in.size())).get(doc)) std::abort();
        if (walk_values) {
            std::size_t s = 0;
            for (auto f : doc.get_object().value_unsafe()) s += walk(std::move(f).value_unsafe().value());
            benchmark::DoNotOptimize(s);
        }
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * raw.size()));
}

template <class Adapter>
void register_adapter(const char* name) {
    for (auto [k, kname] : {std::pair{kind::account_update, "account_update_1b1p"}, std::pair{kind::order_trade_update, "order_trade_update"},
                            std::pair{kind::trade_lite, "trade_lite"}})
        benchmark::RegisterBenchmark((std::string("parse/") + kname + "/" + name).c_str(),
                                     [k = k](benchmark::State& st) { run_bench<Adapter>(st, k); });
}

} // namespace

int main(int argc, char** argv) {
    for (auto [k, kname] : {std::pair{kind::account_update, "account_update_1b1p"}, std::pair{kind::order_trade_update, "order_trade_update"},
                            std::pair{kind::trade_lite, "trade_lite"}}) {
        benchmark::RegisterBenchmark((std::string("floor/") + kname + "/ondemand_stage1_only").c_str(),
                                     [k = k](benchmark::State& st) { floor_bench(st, k, false); });
        benchmark::RegisterBenchmark((std::string("floor/") + kname + "/ondemand_walk_all_values").c_str(),
                                     [k = k](benchmark::State& st) { floor_bench(st, k, true); });
    }
    register_adapter<acctsync_parser>("acctsync");
    register_adapter<acctsync_spaced>("acctsync_with_spaces");
    register_adapter<acctsync_ondemand_only>("acctsync_ondemand_only");
    register_adapter<simdjson_dom>("simdjson_dom");
    register_adapter<rapidjson_dom>("rapidjson");
    register_adapter<nlohmann_json>("nlohmann");
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
