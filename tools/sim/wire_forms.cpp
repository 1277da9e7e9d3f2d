#include "tools/sim/wire_forms.hpp"

#include <algorithm>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace acctsync::sim {

namespace {

using json = nlohmann::ordered_json; // keeps the order members are inserted in

struct form {
    bool reorder = false;    // members of every object in a shuffled order
    bool pad = false;        // decimals written with 8 fractional digits
    bool drop_empty = false; // an empty "B" or "P" left out
};

// A decimal as Binance writes one: -?digits[.digits]. Some strings that can look like one are
// not decimals and are never touched: client order ids ("c", "caid": free text), the expiry
// reason code ("er": "0".."9", spec §1.6.3) and listenKeys.
bool never_padded(std::string_view key) { return key == "c" || key == "caid" || key == "er" || key == "listenKey"; }

bool is_decimal(const std::string& s) {
    std::size_t i = s.empty() || s[0] != '-' ? 0 : 1;
    const std::size_t int_start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    if (i == int_start) return false;
    if (i == s.size()) return true;
    if (s[i] != '.') return false;
    const std::size_t frac_start = ++i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    return i == s.size() && i > frac_start;
}

std::string padded(const std::string& s) {
    const auto dot = s.find('.');
    const std::size_t frac = dot == std::string::npos ? 0 : s.size() - dot - 1;
    if (frac >= 8) return s;
    std::string out = s;
    if (dot == std::string::npos) out += '.';
    out.append(8 - frac, '0');
    return out;
}

void vary(json& v, std::string_view key, const form& f, std::mt19937_64& rng) {
    if (v.is_object()) {
        std::vector<std::pair<std::string, json>> members;
        for (auto it = v.begin(); it != v.end(); ++it) {
            if (f.drop_empty && (it.key() == "B" || it.key() == "P") && it.value().is_array() && it.value().empty()) continue;
            members.emplace_back(it.key(), std::move(it.value()));
        }
        if (f.reorder) std::shuffle(members.begin(), members.end(), rng);
        json out = json::object();
        for (auto& [k, x] : members) {
            vary(x, k, f, rng);
            out[k] = std::move(x);
        }
        v = std::move(out);
    } else if (v.is_array()) {
        for (auto& x : v) vary(x, key, f, rng);
    } else if (v.is_string() && f.pad && !never_padded(key)) {
        const auto& s = v.get_ref<const std::string&>();
        if (is_decimal(s)) v = padded(s);
    }
}

// ---- templates of real captures ----------------------------------------------------------------

struct layout {
    std::vector<std::string_view> order;                     // members first, in this order
    std::vector<std::pair<std::string_view, int>> places;    // decimal places of non-zero values
    std::vector<std::pair<std::string_view, const layout*>> children; // member -> layout of it (or its items)
};

// ACCOUNT_UPDATE, the 2026-02 capture (spec §1.6.2):
// {"e":"ACCOUNT_UPDATE","T":…,"E":…,"a":{"B":[{"a":"USDT","wb":"1.73744723","cw":"1.73744723","bc":"0"}],
//  "P":[{"s":"SOLUSDT","pa":"0.1","ep":"80.19","cr":"26.83159999","up":"0","mt":"cross","iw":"0","ps":"BOTH",
//  "ma":"USDT","bep":"80.230095"}],"m":"ORDER"}} — the COIN-M capture of 2022 puts "i" after E.
const layout au_balance{{"a", "wb", "cw", "bc"}, {{"wb", 8}, {"cw", 8}}, {}};
const layout au_position{{"s", "pa", "ep", "cr", "up", "mt", "iw", "ps", "ma", "bep"}, {{"cr", 8}}, {}};
const layout au_body{{"B", "P", "m"}, {}, {{"B", &au_balance}, {"P", &au_position}}};
const layout account_update{{"e", "T", "E", "i", "a"}, {}, {{"a", &au_body}}};
// ORDER_TRADE_UPDATE, the 2024-11 capture (spec §1.6.3): "ap":"90853.20000", "L":"90853.20",
// "n":"0.09085320", "rp":"-1.77340000"; zeros as "0".
const layout otu_order{{"s", "c", "S", "o", "f", "q", "p", "ap", "sp", "x", "X", "i", "l", "z", "L", "n", "N", "T", "t", "b",
                        "a", "m", "R", "wt", "ot", "ps", "cp", "rp", "pP", "si", "ss", "V", "pm", "gtd"},
                       {{"ap", 5}, {"L", 2}, {"n", 8}, {"rp", 8}},
                       {}};
const layout order_trade_update{{"e", "T", "E", "i", "o"}, {}, {{"o", &otu_order}}};
// TRADE_LITE, usdm_trade_lite_01.json (recorded): "p":"2631.90", "L":"2631.90".
const layout trade_lite{{"e", "E", "T", "s", "q", "p", "m", "c", "S", "L", "l", "t", "i"}, {{"p", 2}, {"L", 2}}, {}};
// ACCOUNT_CONFIG_UPDATE, usdm_account_config_update_02/03.json (recorded 2021-04-09).
const layout config_update{{"e", "T", "E", "ac", "ai"}, {}, {}};

const layout* layout_of(const json& ev) {
    if (!ev.is_object() || !ev.contains("e") || !ev["e"].is_string()) return nullptr;
    const auto& e = ev["e"].get_ref<const std::string&>();
    if (e == "ACCOUNT_UPDATE") return &account_update;
    if (e == "ORDER_TRADE_UPDATE") return &order_trade_update;
    if (e == "TRADE_LITE") return &trade_lite;
    if (e == "ACCOUNT_CONFIG_UPDATE") return &config_update;
    return nullptr;
}

bool is_zero_decimal(const std::string& s) { return s.find_first_not_of("-0.") == std::string::npos; }

std::string with_places(const std::string& s, int places) {
    const auto dot = s.find('.');
    const int frac = dot == std::string::npos ? 0 : static_cast<int>(s.size() - dot - 1);
    if (frac >= places) return s; // never truncated
    std::string out = s;
    if (dot == std::string::npos) out += '.';
    out.append(static_cast<std::size_t>(places - frac), '0');
    return out;
}

void apply_layout(json& obj, const layout& l) {
    if (obj.is_array()) {
        for (auto& x : obj) apply_layout(x, l);
        return;
    }
    if (!obj.is_object()) return;
    json out = json::object();
    for (std::string_view k : l.order) {
        const std::string key(k);
        if (obj.contains(key)) out[key] = std::move(obj[key]);
    }
    for (auto it = obj.begin(); it != obj.end(); ++it) // what the template lacks, in the frame's order
        if (!out.contains(it.key())) out[it.key()] = std::move(it.value());
    for (const auto& [k, places] : l.places) {
        const std::string key(k);
        if (!out.contains(key) || !out[key].is_string()) continue;
        const auto& v = out[key].get_ref<const std::string&>();
        if (is_decimal(v) && !is_zero_decimal(v)) out[key] = with_places(v, places);
    }
    for (const auto& [k, child] : l.children) {
        const std::string key(k);
        if (out.contains(key)) apply_layout(out[key], *child);
    }
    obj = std::move(out);
}

json* event_in(json& v) {
    if (v.is_object() && v.contains("stream") && v.contains("data") && v["data"].is_object()) return &v["data"];
    return &v;
}

} // namespace

bool has_sample_form(std::string_view frame) {
    json v = json::parse(frame, nullptr, false);
    return !v.is_discarded() && layout_of(*event_in(v)) != nullptr;
}

std::string sample_wire_form(std::string_view frame) {
    json v = json::parse(frame, nullptr, false);
    if (v.is_discarded() || !v.is_object()) return std::string(frame);
    json* ev = event_in(v);
    const layout* l = layout_of(*ev);
    if (l == nullptr) return std::string(frame);
    apply_layout(*ev, *l);
    try {
        return v.dump();
    } catch (const json::exception&) {
        return std::string(frame);
    }
}

std::string vary_wire_form(std::string_view frame, std::mt19937_64& rng) {
    json v = json::parse(frame, nullptr, false);
    if (v.is_discarded() || !v.is_object()) return std::string(frame);
    // A quarter of the frames a capture has a template for: that capture's form.
    if (rng() % 4 == 0 && layout_of(*event_in(v)) != nullptr) return sample_wire_form(frame);
    std::bernoulli_distribution half(0.5);
    form f;
    f.reorder = half(rng);
    f.pad = half(rng);
    f.drop_empty = half(rng);
    const bool string_time = half(rng);
    if (!f.reorder && !f.pad && !f.drop_empty && !string_time) f.reorder = true; // never the canonical form
    vary(v, {}, f, rng);
    // listenKeyExpired's E as a string, as Binance's documentation shows it (spec §1.6.1).
    if (string_time && v.value("e", "") == "listenKeyExpired" && v.contains("E") && v["E"].is_number_integer())
        v["E"] = std::to_string(v["E"].get<std::int64_t>());
    try {
        return v.dump();
    } catch (const json::exception&) { // text that is not UTF-8: as it came
        return std::string(frame);
    }
}

std::optional<std::string> drop_one_item(std::string_view frame, std::mt19937_64& rng) {
    json v = json::parse(frame, nullptr, false);
    if (v.is_discarded() || !v.is_object()) return std::nullopt;
    json* ev = &v;
    if (v.contains("stream") && v.contains("data") && v["data"].is_object()) ev = &v["data"];
    if (ev->value("e", "") != "ACCOUNT_UPDATE" || !ev->contains("a") || !(*ev)["a"].is_object()) return std::nullopt;
    json& a = (*ev)["a"];
    const auto items_in = [&](const char* k) -> std::size_t { return a.contains(k) && a[k].is_array() ? a[k].size() : 0; };
    const std::size_t b = items_in("B"), p = items_in("P");
    if (b + p < 2) return std::nullopt;
    const std::size_t k = static_cast<std::size_t>(rng() % (b + p));
    if (k < b) a["B"].erase(k);
    else a["P"].erase(k - b);
    try {
        return v.dump();
    } catch (const json::exception&) {
        return std::nullopt;
    }
}

} // namespace acctsync::sim
