// The fast pass (parse/detail/fast_json.hpp) and the simdjson On-Demand reference path must agree on
// every input: the same events byte for byte, or the same typed error at the same offset. The
// fast pass must also actually read the common frames (else these tests would compare the
// reference with itself), and hand back every form it does not read.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <cctype>
#include <cstdio>
#include <random>
#include <sstream>

#include "tools/sim/binance_writer.hpp"
#include "parse/json/event_json.hpp"
#include "support/payload.hpp"
#include "support/random_events.hpp"
#include "parse/vector_sink.hpp"

using namespace acctsync;

namespace {

struct both {
    parse::user_stream_parser fast{{1 << 20, 8}};
    parse::user_stream_parser reference{{1 << 20, 8, false}};

    std::uint64_t direct() const { return fast.counters().direct_frames; }

    // Parses with both; returns whether the fast pass read the frame itself.
    bool agree(const std::string& payload, market venue = market::usdm) {
        test::padded in(payload);
        parse::vector_sink a, b;
        const parse::stream_context ctx{venue, 3, 77};
        const auto before = fast.counters().fast_frames;
        const auto ra = fast.parse(in.data(), in.size, ctx, a.sink());
        const auto rb = reference.parse(in.data(), in.size, ctx, b.sink());
        const bool read_fast = fast.counters().fast_frames != before;
        EXPECT_EQ(ra.code, rb.code) << payload;
        EXPECT_EQ(ra.offset, rb.offset) << payload;
        EXPECT_EQ(ra.field, rb.field) << payload;
        EXPECT_EQ(ra.decimal, rb.decimal) << payload;
        EXPECT_EQ(ra.json_error, rb.json_error) << payload;
        EXPECT_EQ(ra.published, rb.published) << payload;
        EXPECT_EQ(a.events.size(), b.events.size()) << payload;
        for (std::size_t i = 0; i < std::min(a.events.size(), b.events.size()); ++i) {
            EXPECT_EQ(parse::event_json(a.events[i]), parse::event_json(b.events[i])) << payload;
            EXPECT_EQ(std::memcmp(&a.events[i], &b.events[i], sizeof(event)), 0) << payload;
        }
        if (!ra.ok()) {
            EXPECT_FALSE(read_fast) << "the fast pass never decides an error: " << payload;
        }
        return read_fast;
    }
};

bool is_user_sample(const std::string& name) {
    for (const char* k : {"account_update", "order_trade_update", "trade_lite", "algo_update", "margin_call",
                          "listen_key_expired", "account_config_update"})
        if (name.find(k) != std::string::npos) return true;
    return false;
}

} // namespace

TEST(FastPass, ReadsEveryUserDataSampleItselfAndAgrees) {
    both p;
    int n = 0;
    for (const auto& f : std::filesystem::directory_iterator(test::data_dir() / "samples")) {
        const std::string name = f.path().filename().string();
        if (!is_user_sample(name)) continue;
        const market venue = name.rfind("coinm", 0) == 0 ? market::coinm : market::usdm;
        EXPECT_TRUE(p.agree(test::read_file(f.path()), venue)) << name << " went the slow way";
        ++n;
    }
    EXPECT_GE(n, 25);
}

// Binance's own (compact) form of every ACCOUNT_UPDATE, ORDER_TRADE_UPDATE and TRADE_LITE sample
// goes through the direct readers, and every prefix and one-byte change of it still agrees.
TEST(FastPass, DirectReadersTakeTheCompactHotFramesAndAgree) {
    both p;
    int n = 0;
    for (const auto& f : std::filesystem::directory_iterator(test::data_dir() / "samples")) {
        const std::string name = f.path().filename().string();
        if (name.find("account_update") == std::string::npos && name.find("order_trade_update") == std::string::npos &&
            name.find("trade_lite") == std::string::npos)
            continue;
        if (name.find("config") != std::string::npos) continue;
        const market venue = name.rfind("coinm", 0) == 0 ? market::coinm : market::usdm;
        const std::string frame = test::minified(test::read_file(f.path()));
        const auto before = p.direct();
        EXPECT_TRUE(p.agree(frame, venue)) << name;
        // not theirs: the combined-stream envelope and nulls
        const bool theirs = frame.rfind("{\"e\":", 0) == 0 && frame.find("null") == std::string::npos;
        EXPECT_EQ(p.direct(), before + (theirs ? 1 : 0)) << name;
        ++n;
        for (std::size_t cut = 0; cut < frame.size(); ++cut) p.agree(frame.substr(0, cut), venue);
        for (std::size_t i = 0; i < frame.size(); ++i) {
            for (const char c : {'0', '9', '"', ',', '}', ']', '.', '-', 'x', ' ', '\0'}) {
                std::string m = frame;
                m[i] = c;
                p.agree(m, venue);
            }
        }
    }
    EXPECT_GE(n, 15);
}

// Every event kind the direct reader takes, in Binance's compact form and with whitespace between
// the tokens (a space after each colon and comma, or a pretty-printer's newlines): read by it
// (not handed on), with the reference's events; and every truncation of the spaced form agrees.
TEST(FastPass, DirectReaderTakesEveryKindCompactOrSpaced) {
    both p;
    int n = 0;
    for (const auto& f : std::filesystem::directory_iterator(test::data_dir() / "samples")) {
        const std::string name = f.path().filename().string();
        if (!is_user_sample(name)) continue;
        const market venue = name.rfind("coinm", 0) == 0 ? market::coinm : market::usdm;
        const std::string compact = test::minified(test::read_file(f.path()));
        if (compact.find("null") != std::string::npos) continue; // nulls: the general readers
        std::string spaced, pretty;
        for (const char c : compact) {
            spaced += c;
            pretty += c;
            if (c == ':' || c == ',') spaced += ' ';
            if (c == '{' || c == '[' || c == ',') pretty += "\n  ";
        }
        for (const std::string* frame : {&compact, static_cast<const std::string*>(&spaced), static_cast<const std::string*>(&pretty)}) {
            const auto before = p.direct();
            EXPECT_TRUE(p.agree(*frame, venue)) << name;
            EXPECT_EQ(p.direct(), before + 1) << name << " was not read by the direct reader: " << *frame;
        }
        for (std::size_t cut = 0; cut < spaced.size(); ++cut) p.agree(spaced.substr(0, cut), venue);
        ++n;
    }
    EXPECT_GE(n, 20);
}

TEST(FastPass, AgreesOnEveryPayloadFileAndEveryTruncationOfTheUserSamples) {
    both p;
    int files = 0;
    for (const char* dir : {"samples", "seeds"}) {
        for (const auto& f : std::filesystem::directory_iterator(test::data_dir() / dir)) {
            if (f.path().extension() != ".json") continue;
            const std::string body = test::read_file(f.path());
            p.agree(body);
            ++files;
            if (!is_user_sample(f.path().filename().string())) continue;
            for (std::size_t cut = 0; cut < body.size(); ++cut) p.agree(body.substr(0, cut));
        }
    }
    EXPECT_GE(files, 50);
    std::istringstream lines(test::read_file(test::data_dir() / "captures" / "fill_sequence.jsonl"));
    int read_fast = 0, n = 0;
    for (std::string line; std::getline(lines, line); ++n) read_fast += p.agree(line);
    EXPECT_EQ(read_fast, n); // pretty-printed, whitespace everywhere: still the fast pass
    EXPECT_GE(n, 4);
}

TEST(FastPass, AgreesOnRandomFramesFromTheWriter) {
    both p;
    test::random_events gen(77);
    int read_fast = 0;
    for (int i = 0; i < 5000; ++i) {
        const market venue = gen.pick(2) ? market::usdm : market::coinm;
        std::string json;
        sim::frame_options opt;
        if (gen.pick(4) == 0) opt.combined_stream = "x@ACCOUNT";
        ASSERT_TRUE(sim::write_user_frame(gen.update(venue), json, opt));
        read_fast += p.agree(json, venue);
    }
    // The slow way, on purpose: more than 8 items (the batch here) and UTF-8 symbols ("币").
    EXPECT_GT(read_fast, 3000);
    EXPECT_GT(p.direct(), 400u); // compact hot kinds within one batch: the direct readers
    // Updates of more items than the batch (random_events: one ACCOUNT_UPDATE or MARGIN_CALL in
    // ten) were published in several commits by both tiers.
    EXPECT_GT(p.fast.counters().split_updates, 50u);
    EXPECT_EQ(p.fast.counters().split_updates, p.reference.counters().split_updates);
}

// Forms the fast pass reads, and forms it must hand to the reference (which accepts or rejects).
TEST(FastPass, AgreesOnTheEdgesOfItsSubset) {
    both p;
    const std::string au = R"("e":"ACCOUNT_UPDATE","E":1,"T":2,"a":{"m":"ORDER","B":[{"a":"USDT","wb":"1.5","cw":"1.5","bc":"0"}],"P":[]})";
    struct c {
        std::string json;
        bool fast; // the fast pass reads it itself
    };
    const c cases[] = {
        {"{" + au + "}", true},
        {" \t\r\n{ " + std::string(R"("e" : "ACCOUNT_UPDATE" , "E" : 1 , "a" : { "B" : [ { "a" : "X" , "wb" : "-0" } ] } )") + "}\n ", true},
        {R"({"stream":"k@ACCOUNT","data":{)" + au + "}}", true},
        {R"({"data":{)" + au + R"(},"stream":"s","extra":[1,{"x":null}]})", true},
        {R"({"data":{)" + au + R"(},"data":{"e":"junk"}})", true},
        {"{" + au + R"(,"zz":{"deep":[[[{"a":[true,false,null,-1.5e+3,0,"x"]}]]]}})", true},
        {"{" + au + R"(,"e":"ACCOUNT_UPDATE"})", true},
        {R"({"e":"TRADE_LITE","E":1,"T":2,"s":"BTCUSDT","t":123456789012345678,"i":-5,"m":true})", true},
        {R"({"e":"ORDER_TRADE_UPDATE","E":1,"T":2,"o":{"s":"X","i":1,"q":"0.00000001","p":"92233720368.54775807"}})", true},
        // read by the fast pass through the general readers: quoted and 19-digit integers,
        // nulls, bare numbers where decimals go
        {R"({"e":"TRADE_LITE","E":1,"s":"X","t":1234567890123456789})", true},
        {R"({"e":"TRADE_LITE","E":"1","s":"X"})", true},
        {R"({"e":"ORDER_TRADE_UPDATE","E":1,"o":{"s":"X","i":1,"q":null,"n":null}})", true},
        {R"({"e":"ORDER_TRADE_UPDATE","E":1,"o":{"s":"X","i":1,"q":1.5}})", true},
        // handed back: escapes, non-ASCII, "e" not first
        {R"({"e":"ACCOUNT_UPDATE","E":1,"a":{"B":[{"a":"U\u0053DT","wb":"1"}]}})", false},
        {"{\"e\":\"ACCOUNT_UPDATE\",\"E\":1,\"a\":{\"P\":[{\"s\":\"\xe5\xb8\x81\xe5\xae\x89USDT\",\"pa\":\"1\"}]}}", false},
        {R"({"E":1,"e":"ACCOUNT_UPDATE","a":{}})", false},
        // errors (always the reference's to report)
        {R"({"e":"ACCOUNT_UPDATE","E":1,"a":{"B":[{"a":"X","wb":"1.000000001"}]}})", false},
        {R"({"e":"ACCOUNT_UPDATE","E":01,"a":{}})", false},
        {R"({"e":"ACCOUNT_UPDATE","E":1,,"a":{}})", false},
        {R"({"e":"ACCOUNT_UPDATE","E":1 "a":{}})", false},
        {R"({"e":"ACCOUNT_UPDATE","E":1,"a":{"B":[{"a":"X"}]},})", false},
        {R"({"e":"ACCOUNT_UPDATE","E":1,"a":{"B":[{"a":"X"}]}}x)", false},
        {R"({"e":"ACCOUNT_UPDATE","E":1,"a":{"B":[{"a":"X","zz":tru}]}})", false},
        {R"({"e":"ACCOUNT_UPDATE","E":1,"a":{"B":[{"a":"X","zz":"a)" + std::string(1, '\x01') + R"("}]}})", false},
        {R"({"e":"ACCOUNT_UPDATE","E":1,"a":{"B":[{"a":"X","zz":-}]}})", false},
        {R"({"e":"ACCOUNT_UPDATE","E":1,"a":{"B":[{"a":"X","wb":"1"]}})", false},
        {R"({"e":"ACCOUNT_UPDATE","E":1,"a":{"B":[{"wb":"1"}]}})", false},
        {R"({"e":"ORDER_TRADE_UPDATE","E":1,"o":{"s":"X"}})", false},
        {R"({"e":"TRADE_LITE","E":1,"s":"X","q":"1e5"})", false},
        {std::string("{\"e\":\"TRADE_LITE\",\"E\":1,\"s\":\"X\"}\0", 33), false},
        {"", false},
        {"[]", false},
        // the direct readers' limits (they hand these to the cursor, which reads them)
        {R"({"e":"TRADE_LITE","E":1,"s":"X","q":"12345678901.5","p":"0.123456780","L":"-0","l":"007.10"})", true},
        {R"({"e":"TRADE_LITE","E":1,"s":"X","q":"9999999999.99999999","p":"1234567890"})", true},
        {R"({"e":"TRADE_LITE","E":1,"s":"X","t":9223372036854775807,"i":-9223372036854775808})", true},
        {R"({"e":"TRADE_LITE","E":1,"s":"X","t":9223372036854775808})", false},
        {R"({"e":"TRADE_LITE","E":1,"s":"X","t":-9223372036854775809})", false},
        {R"({"e":"TRADE_LITE","E":1,"s":"X","t":99999999999999999999})", false},
        {R"({"e":"TRADE_LITE","E":1,"s":"X","longkey12":1,"z":[1],"y":{},"x":null,"w":-0.5e-3})", true},
        {R"({"e":"ACCOUNT_UPDATE","E":1,"a":{"B":[],"P":[],"m":"X"},"i":"alias"})", true},
        {R"({"e":"ACCOUNT_UPDATE","E":1,"a":{"B":[{"a":"X"}],"P":[{"s":"Y","ps":"LONG","mt":"isolated","zz":true}]}})", true},
        {R"({"e":"ACCOUNT_UPDATE","E":1,"a":{"B":[{"a":"X"}],"P":[{"s":"Y","ps":"WHAT"}]}})", false},
        {R"({"e":"ORDER_TRADE_UPDATE","E":1,"o":{"s":"X","i":1,"er":256}})", false},
        {R"({"e":"ORDER_TRADE_UPDATE","E":1,"o":{"s":"X","i":1,"er":255,"M":"77","si":0,"W":"x"}})", true},
        {R"({"e":"ORDER_TRADE_UPDATE","E":1,"o":{"s":"X","i":1},"o":{"s":"Y","i":2}})", true},
        {R"({"e":"ORDER_TRADE_UPDATE","E":1,"o":{"s":"X","i":1}}})", false},
        {R"({"e":"ORDER_TRADE_UPDATE","E":1,"o":{"s":"X","i":1})", false},
        {R"({"e":"ORDER_TRADE_UPDATE","E":1,"o":{"s":"X","i":1,}})", false},
    };
    for (const auto& k : cases) EXPECT_EQ(p.agree(k.json), k.fast) << k.json;
}

// Writer frames bent the ways the tiers' subsets end: whitespace somewhere, a member made null,
// an extra unknown member (scalar or nested), a string character written as an escape, a digit
// appended to a number, the frame cut or extended. Every variant must still agree.
TEST(FastPass, AgreesOnWriterFramesBentAtTheEdgesOfEachTier) {
    both p;
    test::random_events gen(4242);
    std::mt19937_64 rng(99);
    auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
    int variants = 0;
    for (int i = 0; i < 3000; ++i) {
        const market venue = gen.pick(2) ? market::usdm : market::coinm;
        std::string json;
        ASSERT_TRUE(sim::write_user_frame(gen.update(venue), json));
        for (int v = 0; v < 4; ++v) {
            std::string m = json;
            const std::size_t at = pick(m.size());
            switch (pick(8)) {
            case 0: m.insert(m.begin() + static_cast<std::ptrdiff_t>(at), " \n\t"[pick(3)]); break;
            case 1: { // a value after some colon becomes null
                const std::size_t c = m.find(':', at);
                if (c == std::string::npos) continue;
                const std::size_t e = m.find_first_of(",}]", c + 1);
                if (e == std::string::npos || m[c + 1] == '{' || m[c + 1] == '[') continue;
                m.replace(c + 1, e - c - 1, "null");
                break;
            }
            case 2: m.insert(m.size() - 1, R"(,"zz":[1,{"y":"q"}])"); break;
            case 3: m.insert(m.size() - 1, R"(,"zz":-1.5E+2)"); break;
            case 4: { // a letter inside some string written as \u00XX
                const std::size_t q = m.find('"', at);
                if (q == std::string::npos || q + 1 >= m.size() || !std::isalpha(static_cast<unsigned char>(m[q + 1])))
                    continue;
                char esc[8];
                std::snprintf(esc, sizeof esc, "\\u%04X", static_cast<unsigned char>(m[q + 1]));
                m.replace(q + 1, 1, esc);
                break;
            }
            case 5: { // a digit appended to some number or decimal string
                const std::size_t d = m.find_first_of("0123456789", at);
                if (d == std::string::npos) continue;
                m.insert(m.begin() + static_cast<std::ptrdiff_t>(d), "0123456789"[pick(10)]);
                break;
            }
            case 6: m.resize(at); break;
            default: m += pick(2) ? "}" : " ";
            }
            p.agree(m, venue);
            ++variants;
        }
    }
    EXPECT_GT(variants, 10000);
}
