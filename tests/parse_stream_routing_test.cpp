// Several accounts on one combined connection: the envelope's "stream" routes every event of a
// frame to its account, on every parser tier, whatever the member order; a name no account
// holds is marked unrouted, and a frame without an envelope keeps the context's account.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "parse/json/event_json.hpp"
#include "support/payload.hpp"
#include "parse/vector_sink.hpp"

using namespace acctsync;
using acctsync::test::padded;

namespace {

struct key_router {
    std::map<std::string, std::uint16_t, std::less<>> keys;
    int calls = 0;
    parse::stream_router router{this, [](void* self, std::string_view stream) noexcept -> std::uint16_t {
                                    auto* r = static_cast<key_router*>(self);
                                    ++r->calls;
                                    const auto at = stream.find('@'); // "<key>" or "<key>@EVENT" (UNVERIFIED)
                                    const auto it = r->keys.find(stream.substr(0, at));
                                    return it == r->keys.end() ? parse::unrouted_account : it->second;
                                }};
};

struct routed {
    parse::parse_result result;
    std::vector<event> events;
};

routed parse_routed(const std::string& frame, key_router& r, bool fast_pass, std::uint16_t max_batch = 256) {
    parse::user_stream_parser p({1 << 20, max_batch, fast_pass});
    padded in(frame);
    parse::vector_sink sink;
    parse::stream_context ctx;
    ctx.account = 7;
    ctx.router = &r.router;
    routed out;
    out.result = p.parse(in.data(), in.size, ctx, sink.sink());
    out.events = std::move(sink.events);
    return out;
}

const std::string kUpdate =
    R"({"e":"ACCOUNT_UPDATE","E":2,"T":1,"a":{"m":"ORDER","B":[{"a":"USDT","wb":"10","cw":"10","bc":"0"}],)"
    R"("P":[{"s":"BTCUSDT","pa":"1","ep":"100","cr":"0","up":"0","mt":"cross","iw":"0","ps":"BOTH"}]}})";

} // namespace

TEST(StreamRouting, EnvelopeStreamNameSetsTheAccountOfEveryEvent) {
    key_router r;
    r.keys = {{"keyA", 0}, {"keyB", 1}, {"keyC", 2}};
    for (const bool fast : {true, false}) {
        for (const char* name : {"keyB", "keyB@ACCOUNT_UPDATE"}) {
            const auto got = parse_routed(std::string(R"({"stream":")") + name + R"(","data":)" + kUpdate + "}", r, fast);
            ASSERT_TRUE(got.result.ok()) << parse::error_json(got.result);
            ASSERT_EQ(got.events.size(), 2u);
            for (const auto& ev : got.events) EXPECT_EQ(ev.header.account, 1) << name << " fast=" << fast;
        }
    }
}

TEST(StreamRouting, StreamAfterDataRoutesTheSameFrame) {
    key_router r;
    r.keys = {{"keyA", 0}, {"keyC", 2}};
    for (const bool fast : {true, false}) {
        const auto got = parse_routed(R"({"data":)" + kUpdate + R"(,"stream":"keyC"})", r, fast);
        ASSERT_TRUE(got.result.ok()) << parse::error_json(got.result);
        ASSERT_EQ(got.events.size(), 2u);
        for (const auto& ev : got.events) EXPECT_EQ(ev.header.account, 2);
    }
}

TEST(StreamRouting, RouterIsAskedOncePerFrameEvenWhenPublishedInBatches) {
    key_router r;
    r.keys = {{"keyB", 1}};
    std::string json = R"({"e":"ACCOUNT_UPDATE","E":9,"T":8,"a":{"B":[{"a":"USDT","wb":"1","cw":"1","bc":"0"}],"P":[)";
    for (int i = 0; i < 40; ++i) {
        if (i) json += ',';
        json += R"({"s":"SYM)" + std::to_string(i) + R"(","pa":"1","ep":"1","cr":"0","up":"0","mt":"cross","iw":"0","ps":"BOTH"})";
    }
    json += R"(],"m":"ORDER"}})";
    const auto got = parse_routed(R"({"stream":"keyB","data":)" + json + "}", r, true, /*max_batch=*/8);
    ASSERT_TRUE(got.result.ok()) << parse::error_json(got.result);
    ASSERT_EQ(got.events.size(), 41u);
    for (const auto& ev : got.events) ASSERT_EQ(ev.header.account, 1);
    EXPECT_EQ(r.calls, 1);
}

TEST(StreamRouting, UnknownStreamNameIsUnroutedAndRawFrameKeepsTheContextAccount) {
    key_router r;
    r.keys = {{"keyA", 0}};
    const auto unknown = parse_routed(R"({"stream":"someoneElse","data":)" + kUpdate + "}", r, true);
    ASSERT_TRUE(unknown.result.ok());
    for (const auto& ev : unknown.events) EXPECT_EQ(ev.header.account, parse::unrouted_account);
    const auto raw = parse_routed(kUpdate, r, true);
    ASSERT_TRUE(raw.result.ok());
    for (const auto& ev : raw.events) EXPECT_EQ(ev.header.account, 7);
    EXPECT_EQ(r.calls, 1) << "no envelope, no routing";
}

TEST(StreamRouting, ListenKeyExpiredIsRoutedToTheAccountWhoseKeyLapsed) {
    key_router r;
    r.keys = {{"keyA", 0}, {"keyB", 1}};
    const auto got = parse_routed(R"({"stream":"keyB","data":{"e":"listenKeyExpired","E":"1736996475556","listenKey":"keyB"}})", r, true);
    ASSERT_TRUE(got.result.ok()) << parse::error_json(got.result);
    ASSERT_EQ(got.events.size(), 1u);
    EXPECT_EQ(got.events[0].payload.status.kind, stream_status_kind::listen_key_expired);
    EXPECT_EQ(got.events[0].header.account, 1);
}
