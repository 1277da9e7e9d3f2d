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

} // namespace

std::string vary_wire_form(std::string_view frame, std::mt19937_64& rng) {
    json v = json::parse(frame, nullptr, false);
    if (v.is_discarded() || !v.is_object()) return std::string(frame);
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
