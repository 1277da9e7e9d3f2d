// The simulator over TLS on 127.0.0.1, driven by Boost.Beast clients: certificate and host-name
// verification, Binance's request rules and error codes, the listenKey lifecycle, user-data
// streams (paths, envelope, allow-list semantics), and truth == a mirror built from a REST
// snapshot plus the stream. Every wait is bounded.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <limits>
#include <nlohmann/json.hpp>

#include <map>

#include <chrono>
#include <functional>
#include <set>
#include <thread>

#include "core/account_book.hpp"
#include "core/event_builders.hpp"
#include "tools/sim/asio.hpp"
#include "net/signing.hpp"
#include "parse/json/book_json.hpp"
#include "parse/json/event_json.hpp"
#include "support/payload.hpp"
#include "tools/sim/client.hpp"
#include "tools/sim/account_engine.hpp"
#include "tools/sim/server.hpp"
#include "support/sim_fixture.hpp"
#include "parse/vector_sink.hpp"

using namespace acctsync;
using namespace acctsync::net;
using acctsync::sim::bounded;
using namespace std::chrono_literals;

using namespace acctsync::test;

TEST_F(sim_fixture, TlsIsVerifiedAgainstTheTestCaAndTheHostName) {
    start(0);
    client ok(srv->port());
    EXPECT_EQ(ok.request(http::verb::get, "/fapi/v1/time").result(), http::status::ok);
    EXPECT_THROW(client(srv->port(), ca_dir + "/rogue-ca.pem"), std::exception) << "untrusted CA";
    EXPECT_THROW(client(srv->port(), ca_dir + "/ca.pem", "example.com"), std::exception) << "wrong host name";
}

TEST_F(sim_fixture, ServerTimeAndWeightHeader) {
    start(0);
    client c(srv->port());
    const auto res = c.request(http::verb::get, "/fapi/v1/time");
    ASSERT_EQ(res.result(), http::status::ok);
    EXPECT_NE(res.body().find("\"serverTime\":"), std::string::npos);
    EXPECT_FALSE(res["X-MBX-USED-WEIGHT-1M"].empty());
}

TEST_F(sim_fixture, SignedRequestsFollowBinanceRules) {
    start(0);
    client c(srv->port());
    const std::string key = srv->api_key(0), secret = srv->api_secret(0);
    const auto good = c.request(http::verb::get, signed_target("/fapi/v2/account", secret, wall_ms()), key);
    ASSERT_EQ(good.result(), http::status::ok) << good.body();
    const auto parsed = test::parse_snapshot(good.body(), snapshot_kind::account_v2);
    EXPECT_TRUE(parsed.result.ok()) << parse::error_json(parsed.result);

    auto code_of = [](const http::response<http::string_body>& r) {
        const auto at = r.body().find("\"code\":");
        return at == std::string::npos ? 0 : std::stoi(r.body().substr(at + 7));
    };
    auto bad_sig = c.request(http::verb::get, signed_target("/fapi/v2/account", "wrong-secret", wall_ms()), key);
    EXPECT_EQ(bad_sig.result(), http::status::bad_request);
    EXPECT_EQ(code_of(bad_sig), -1022);
    auto stale = c.request(http::verb::get, signed_target("/fapi/v3/account", secret, wall_ms() - 60000), key);
    EXPECT_EQ(code_of(stale), -1021);
    auto ahead = c.request(http::verb::get, signed_target("/fapi/v3/account", secret, wall_ms() + 5000), key);
    EXPECT_EQ(code_of(ahead), -1021);
    auto missing = c.request(http::verb::get, "/fapi/v2/balance?recvWindow=5000", key);
    EXPECT_EQ(code_of(missing), -1102);
    auto no_key = c.request(http::verb::get, signed_target("/fapi/v2/balance", secret, wall_ms()));
    EXPECT_EQ(no_key.result(), http::status::unauthorized);
    EXPECT_EQ(code_of(no_key), -2014);
    auto unknown_key = c.request(http::verb::get, signed_target("/fapi/v2/balance", secret, wall_ms()), std::string(64, 'A'));
    EXPECT_EQ(code_of(unknown_key), -2015);
    // Another account's key with this account's secret: not valid.
    auto crossed = c.request(http::verb::get, signed_target("/fapi/v2/balance", secret, wall_ms()), srv->api_key(1));
    EXPECT_EQ(code_of(crossed), -1022);
    for (const char* path : {"/fapi/v2/balance", "/fapi/v3/balance", "/fapi/v2/positionRisk", "/fapi/v3/positionRisk",
                             "/fapi/v1/symbolConfig", "/fapi/v1/accountConfig", "/fapi/v3/account"}) {
        const auto r = c.request(http::verb::get, signed_target(path, secret, wall_ms()), key);
        ASSERT_EQ(r.result(), http::status::ok) << path << ": " << r.body();
        const auto p = test::parse_snapshot(r.body(), parse::kind_from_path(path));
        EXPECT_TRUE(p.result.ok()) << path << ": " << parse::error_json(p.result);
    }
}

// The venue's clock is not the machine's: serverTime, E and T run 30 s ahead (then behind), and a
// request stamped with the machine's clock is outside the recvWindow (or 1 s ahead) of it.
TEST_F(sim_fixture, AServerClockOffsetMovesServerTimeAndEventTimesAndTheRecvWindow) {
    for (const std::int64_t offset : {30'000, -30'000}) {
        start(200, market::usdm, [&](sim::server_config& c) { c.clock_offset = std::chrono::milliseconds(offset); });
        client c(srv->port());
        const std::int64_t before = wall_ms();
        const auto time = c.request(http::verb::get, "/fapi/v1/time");
        const std::int64_t after = wall_ms();
        const auto at = time.body().find("\"serverTime\":");
        ASSERT_NE(at, std::string::npos) << time.body();
        const std::int64_t server_time = std::stoll(time.body().substr(at + 13));
        EXPECT_GE(server_time, before + offset);
        EXPECT_LE(server_time, after + offset);

        const std::string key = srv->api_key(0), secret = srv->api_secret(0);
        const auto local = c.request(http::verb::get, signed_target("/fapi/v2/balance", secret, wall_ms()), key);
        EXPECT_EQ(local.result(), http::status::bad_request) << local.body();
        EXPECT_NE(local.body().find("\"code\":-1021"), std::string::npos) << local.body();
        const auto synced = c.request(http::verb::get, signed_target("/fapi/v2/balance", secret, wall_ms() + offset), key);
        EXPECT_EQ(synced.result(), http::status::ok) << "stamped with the venue's clock: " << synced.body();

        beast_ws_client ws(srv->port(), "/private/ws/" + listen_key());
        const std::string frame = ws.next(2000);
        ASSERT_FALSE(frame.empty());
        const auto e_at = frame.find("\"E\":");
        ASSERT_NE(e_at, std::string::npos) << frame;
        const std::int64_t e = std::stoll(frame.substr(e_at + 4));
        EXPECT_NEAR(static_cast<double>(e - wall_ms()), static_cast<double>(offset), 2000.0) << frame;
        srv->stop();
        srv.reset();
    }
}

// Snapshots from a lagged copy: right after two fills are streamed, the balance snapshot still
// shows the account before them; once the lag has passed it shows them.
TEST_F(sim_fixture, SnapshotsAreAnsweredFromALaggedCopyOlderThanTheStream) {
    start(0, market::usdm, [](sim::server_config& c) { c.snapshot_lag = 400ms; });
    client c(srv->port());
    const std::string key = srv->api_key(0), secret = srv->api_secret(0);
    const auto balance = [&] {
        const auto r = c.request(http::verb::get, signed_target("/fapi/v2/balance", secret, wall_ms()), key);
        EXPECT_EQ(r.result(), http::status::ok) << r.body();
        return r.body();
    };
    beast_ws_client ws(srv->port(), "/private/ws/" + listen_key());
    std::this_thread::sleep_for(500ms); // the set-up state is now older than the lag
    const std::string before = balance();
    srv->round_trip(0, "BTCUSDT");
    const std::string streamed = ws.next(2000);
    ASSERT_NE(streamed.find("\"e\":\""), std::string::npos) << "the fills are on the stream: " << streamed;
    EXPECT_EQ(balance(), before) << "the snapshot predates what the stream already said";
    std::this_thread::sleep_for(500ms);
    EXPECT_NE(balance(), before) << "once the lag has passed the fills' fees show";
}

TEST_F(sim_fixture, ListenKeyLifecycle) {
    start(0);
    client c(srv->port());
    const std::string key = srv->api_key(0);
    const auto a = c.request(http::verb::post, "/fapi/v1/listenKey", key);
    const auto b = c.request(http::verb::post, "/fapi/v1/listenKey", key);
    EXPECT_EQ(a.body(), b.body()) << "one key per account: POST returns the live key";
    EXPECT_EQ(c.request(http::verb::put, "/fapi/v1/listenKey", key).body(), a.body()) << "PUT echoes the key";
    EXPECT_EQ(c.request(http::verb::delete_, "/fapi/v1/listenKey", key).body(), "{}");
    const auto gone = c.request(http::verb::put, "/fapi/v1/listenKey", key);
    EXPECT_EQ(gone.result(), http::status::bad_request);
    EXPECT_NE(gone.body().find("-1125"), std::string::npos);
    EXPECT_NE(c.request(http::verb::post, "/fapi/v1/listenKey", key).body(), a.body()) << "a new key after DELETE";
}

TEST_F(sim_fixture, AListenKeyLapsesByTheClockAtTheNextRequestNotAtTheNextTick) {
    start(0.2, market::usdm, [](sim::server_config& c) { c.listen_key_validity = 250ms; }); // a tick every 5 s
    client c(srv->port());
    const std::string api = srv->api_key(0);
    const auto first = c.request(http::verb::post, "/fapi/v1/listenKey", api).body();
    std::this_thread::sleep_for(350ms);
    const auto put = c.request(http::verb::put, "/fapi/v1/listenKey", api);
    EXPECT_EQ(put.result(), http::status::bad_request) << put.body();
    EXPECT_NE(put.body().find("-1125"), std::string::npos) << "the keepalive came after the key's validity";
    const auto second = c.request(http::verb::post, "/fapi/v1/listenKey", api).body();
    EXPECT_NE(second, first) << "POST after the lapse creates a new key";
    EXPECT_EQ(c.request(http::verb::put, "/fapi/v1/listenKey", api).result(), http::status::ok);
    std::this_thread::sleep_for(350ms);
    const std::string lapsed = second.substr(14, second.size() - 16); // {"listenKey":"…"}
    EXPECT_ANY_THROW(beast_ws_client(srv->port(), "/private/ws/" + lapsed)) << "a connect after the lapse is refused";
    EXPECT_NE(listen_key(0), lapsed) << "the lapsed key is replaced, not revived";
}

TEST_F(sim_fixture, TheLegacyUsdmPathAcceptsAndThenSaysNothingWhilePingsGoOn) {
    start(200, market::usdm, [](sim::server_config& c) { c.ping_interval = 150ms; });
    const std::string key = listen_key();
    beast_ws_client legacy(srv->port(), "/ws/" + key); // the handshake succeeds
    beast_ws_client routed(srv->port(), "/private/ws/" + key);
    for (int i = 0; i < 20; ++i) ASSERT_FALSE(routed.next(1000).empty()) << "the /private socket is served";
    srv->expire_listen_key(0);
    int pings = 0;
    legacy.ws.control_callback([&](websocket::frame_type kind, beast::string_view) { pings += kind == websocket::frame_type::ping; });
    EXPECT_TRUE(legacy.next(800).empty()) << "not one frame on the legacy path, not even listenKeyExpired";
    EXPECT_GE(pings, 2) << "while the server's pings go on";
    EXPECT_EQ(srv->current_stats().user_streams, 2u);
}

TEST_F(sim_fixture, UserStreamFramesAllParse) {
    start(300);
    const std::string key = listen_key();
    beast_ws_client raw(srv->port(), "/private/ws/" + key);
    beast_ws_client combined(srv->port(), "/private/stream?listenKey=" + key);
    parse::user_stream_parser parser;
    int frames = 0;
    for (int i = 0; i < 40; ++i) {
        for (beast_ws_client* w : {&raw, &combined}) {
            const std::string f = w->next(3000);
            ASSERT_FALSE(f.empty()) << "no frame within 3 s";
            test::padded in(f);
            parse::vector_sink sink;
            const auto r = parser.parse(in.data(), in.size, {}, sink.sink());
            ASSERT_TRUE(r.ok()) << f << "\n" << parse::error_json(r);
            ASSERT_FALSE(sink.events.empty());
            ++frames;
        }
    }
    EXPECT_EQ(frames, 80);
    EXPECT_GT(srv->current_stats().frames_sent, 0u);
}

TEST_F(sim_fixture, AllowListWithoutListenKeyExpiredNeverSeesExpiry) {
    start(0);
    const std::string key = listen_key();
    beast_ws_client filtered(srv->port(), "/private/ws?listenKey=" + key + "&events=ORDER_TRADE_UPDATE/ACCOUNT_UPDATE");
    beast_ws_client with_expiry(srv->port(), "/private/ws?listenKey=" + key + "&events=ACCOUNT_UPDATE%2FlistenKeyExpired");
    beast_ws_client everything(srv->port(), "/private/ws?listenKey=" + key);
    std::this_thread::sleep_for(200ms); // the sockets are subscribed
    srv->expire_listen_key(0);
    EXPECT_NE(with_expiry.next(3000).find("\"e\":\"listenKeyExpired\""), std::string::npos);
    EXPECT_NE(everything.next(3000).find("\"e\":\"listenKeyExpired\""), std::string::npos);
    EXPECT_TRUE(filtered.next(500).empty()) << "an allow-list without listenKeyExpired never sees expiry";
    srv->pause_scenario(false);
    EXPECT_TRUE(everything.next(300).empty()) << "after expiry the socket stays open and silent";
}

TEST_F(sim_fixture, SeveralAccountsShareOnePrivateStreamNamedByTheirKeys) {
    start(300);
    const std::string k0 = listen_key(0), k1 = listen_key(1);
    beast_ws_client both(srv->port(), "/private/stream?listenKey=" + k0 + "&listenKey=" + k1 + "&events=ACCOUNT_UPDATE/listenKeyExpired");
    std::map<std::string, int> by_stream;
    parse::user_stream_parser parser;
    for (int i = 0; i < 60 && (by_stream.size() < 2 || i < 20); ++i) {
        const std::string f = both.next(3000);
        ASSERT_FALSE(f.empty()) << "no frame within 3 s";
        const auto at = f.find("\"stream\":\"");
        ASSERT_EQ(at, 1u) << f;
        const std::string name = f.substr(11, f.find('"', 11) - 11);
        ++by_stream[name];
        if (name == k1) {
            EXPECT_NE(f.find("\"e\":\"ACCOUNT_UPDATE\""), std::string::npos) << "account 1's allow-list: " << f;
        }
        test::padded in(f);
        parse::vector_sink sink;
        ASSERT_TRUE(parser.parse(in.data(), in.size, {}, sink.sink()).ok()) << f;
    }
    EXPECT_EQ(by_stream.size(), 2u) << "both accounts' frames on the one socket";
    for (const auto& [name, n] : by_stream) EXPECT_TRUE(name == k0 || name == k1) << name;
    // One key lapses: its expiry comes named by that key; the other account's frames go on.
    srv->expire_listen_key(1);
    std::string expired;
    for (int i = 0; i < 500 && expired.empty(); ++i) { // frames already queued come first
        const std::string f = both.next(3000);
        ASSERT_FALSE(f.empty());
        if (f.find("listenKeyExpired") != std::string::npos) expired = f;
    }
    EXPECT_NE(expired.find("\"stream\":\"" + k1 + "\""), std::string::npos) << expired;
    for (int i = 0; i < 20; ++i) {
        const std::string f = both.next(3000);
        ASSERT_FALSE(f.empty());
        EXPECT_NE(f.find("\"stream\":\"" + k0 + "\""), std::string::npos) << "only account 0 is left: " << f;
    }
    // A lapsed key among several: the handshake is refused (-1125).
    EXPECT_THROW(beast_ws_client(srv->port(), "/private/stream?listenKey=" + k0 + "&listenKey=" + k1), std::exception);
    EXPECT_THROW(beast_ws_client(srv->port(), "/private/ws?listenKey=" + k0 + "&listenKey=" + k0), std::exception)
        << "several keys only on /private/stream";
}

// The streams= form (spec §1.1: Binance's JS SDK opens /private/stream?streams=<listenKey>;
// third parties subscribe <listenKey>@EVENT items; COIN-M's combined form is
// /stream?streams=<listenKey>, spec §2): each frame comes in the combined envelope named by the
// item it was subscribed with, and @EVENT items are an allow-list (no listenKeyExpired unless
// listed).
TEST_F(sim_fixture, TheStreamsFormNamesEachStreamAsSubscribed) {
    start(300);
    const std::string k0 = listen_key(0), k1 = listen_key(1);
    beast_ws_client whole(srv->port(), "/private/stream?streams=" + k0);
    beast_ws_client items(srv->port(), "/private/stream?streams=" + k0 + "@ORDER_TRADE_UPDATE%2F" + k0 + "@ACCOUNT_UPDATE");
    beast_ws_client mixed(srv->port(), "/private/stream?streams=" + k0 + "@ACCOUNT_UPDATE/" + k1);
    EXPECT_THROW(beast_ws_client(srv->port(), "/private/ws?streams=" + k0), std::exception) << "streams= is the combined form";
    const auto envelope = [](const std::string& f) { // stream name, event name
        const auto j = nlohmann::json::parse(f);
        return std::pair{j.at("stream").get<std::string>(), j.at("data").at("e").get<std::string>()};
    };
    parse::user_stream_parser parser;
    const auto parses = [&](const std::string& f, market venue = market::usdm) {
        test::padded in(f);
        parse::vector_sink sink;
        return parser.parse(in.data(), in.size, {venue, 0, 0}, sink.sink()).ok() && !sink.events.empty();
    };
    std::set<std::string> types_whole, types_items;
    std::map<std::string, int> names_mixed;
    for (int i = 0; i < 80; ++i) {
        const std::string a = whole.next(3000), b = items.next(3000), m = mixed.next(3000);
        ASSERT_FALSE(a.empty() || b.empty() || m.empty());
        ASSERT_TRUE(parses(a) && parses(b) && parses(m)) << a << "\n" << b << "\n" << m;
        const auto [na, ea] = envelope(a);
        EXPECT_EQ(na, k0) << "a bare key names its stream";
        types_whole.insert(ea);
        const auto [nb, eb] = envelope(b);
        EXPECT_TRUE(eb == "ORDER_TRADE_UPDATE" || eb == "ACCOUNT_UPDATE") << b;
        EXPECT_EQ(nb, k0 + "@" + eb) << "an @EVENT item names its event's stream";
        types_items.insert(eb);
        const auto [nm, em] = envelope(m);
        ++names_mixed[nm];
        if (nm != k1) {
            EXPECT_EQ(nm, k0 + "@ACCOUNT_UPDATE") << m;
            EXPECT_EQ(em, "ACCOUNT_UPDATE");
        }
    }
    EXPECT_GT(types_whole.size(), 2u) << "a bare key gets every event type";
    EXPECT_EQ(types_items.size(), 2u);
    EXPECT_EQ(names_mixed.size(), 2u) << "both accounts on the one socket";
    srv->expire_listen_key(0);
    bool expired_whole = false;
    for (int i = 0; i < 2000 && !expired_whole; ++i) {
        const std::string f = whole.next(3000);
        ASSERT_FALSE(f.empty());
        expired_whole = envelope(f) == std::pair{k0, std::string("listenKeyExpired")};
    }
    EXPECT_TRUE(expired_whole);
    for (std::string f; !(f = items.next(500)).empty();)
        EXPECT_EQ(f.find("listenKeyExpired"), std::string::npos) << "not in the @EVENT allow-list";
    srv->stop();
    srv.reset();

    start(300, market::coinm);
    client c(srv->port());
    const auto lk = c.request(http::verb::post, "/dapi/v1/listenKey", srv->api_key(0));
    const auto at = lk.body().find("\"listenKey\":\"") + 13;
    const std::string key = lk.body().substr(at, lk.body().find('"', at) - at);
    beast_ws_client coinm(srv->port(), "/stream?streams=" + key);
    for (int i = 0; i < 20; ++i) {
        const std::string f = coinm.next(3000);
        ASSERT_FALSE(f.empty());
        EXPECT_EQ(envelope(f).first, key);
        EXPECT_TRUE(parses(f, market::coinm)) << f;
    }
}

class sim_wire_forms : public sim_fixture, public ::testing::WithParamInterface<double> {};

// With every frame in the writer's form (0), and with every frame rewritten into another of
// Binance's forms (1: members reordered, decimals padded, empty B/P left out, string E).
TEST_P(sim_wire_forms, TruthEqualsMirrorFromSnapshotAndStream) {
    start(500, market::usdm, [](sim::server_config& c) { c.wire_variety = GetParam(); });
    const std::string key = listen_key();
    beast_ws_client stream(srv->port(), "/private/ws/" + key);
    std::vector<std::string> frames;
    for (int i = 0; i < 50; ++i) frames.push_back(stream.next(3000));
    // Snapshot while the stream flows: last-writer-wins sorts out the overlap. Binance's advice:
    // account + positionRisk (v2 account rows carry no isolated wallet).
    client c(srv->port());
    account_book book;
    apply_snapshots(c, book, *srv, {"/fapi/v2/account", "/fapi/v2/positionRisk", "/fapi/v1/accountConfig"});
    for (int i = 0; i < 100; ++i) frames.push_back(stream.next(3000));
    srv->pause_scenario(true);
    for (std::string f; !(f = stream.next(500)).empty();) { // drain
        frames.push_back(f);
        ASSERT_LT(frames.size(), 100000u);
    }
    parse::user_stream_parser parser;
    for (const auto& f : frames) {
        ASSERT_FALSE(f.empty());
        test::padded in(f);
        parse::vector_sink sink;
        ASSERT_TRUE(parser.parse(in.data(), in.size, {}, sink.sink()).ok()) << f;
        for (const auto& ev : sink.events) (void)book.apply(ev);
    }
    parse::book_json_options o;
    o.include_snapshot_only = false;
    o.skip_zero = true;
    // The other account's operations never reached this stream; compare account 0 only.
    EXPECT_EQ(parse::book_json(book, o), srv->truth(0));
    EXPECT_TRUE(book.consistent());
    if (GetParam() == 1) {
        int reordered = 0;
        for (const auto& f : frames) reordered += f.rfind(R"({"e":)", 0) != 0;
        EXPECT_GT(reordered, 0) << "the frames came in other forms";
    }
}

INSTANTIATE_TEST_SUITE_P(forms, sim_wire_forms, ::testing::Values(0.0, 1.0));

// A share of the frames comes in the form of the real captures (the members in the 2024-11
// ORDER_TRADE_UPDATE's and the 2026-02 ACCOUNT_UPDATE's order, "ap" with 5 places, "L" with 2,
// "n" and "rp" with 8, wallet balances with 8; zero as "0"), and each parses.
TEST_F(sim_fixture, AShareOfFramesComesInTheFormOfTheRealCaptures) {
    start(400, market::usdm, [](sim::server_config& c) { c.wire_variety = 1; });
    beast_ws_client ws(srv->port(), "/private/ws/" + listen_key());
    const auto keys = [](const nlohmann::ordered_json& o, std::size_t n) {
        std::vector<std::string> k;
        for (auto it = o.begin(); it != o.end() && k.size() < n; ++it) k.push_back(it.key());
        return k;
    };
    const auto places = [](const std::string& v) { return v.find('.') == std::string::npos ? 0 : v.size() - v.find('.') - 1; };
    const std::vector<std::string> order_members{"s", "c", "S", "o", "f", "q", "p", "ap"};
    parse::user_stream_parser parser;
    int orders = 0, updates = 0, frames = 0;
    for (; frames < 600 && (orders < 10 || updates < 10); ++frames) {
        const std::string f = ws.next(3000);
        ASSERT_FALSE(f.empty());
        test::padded in(f);
        parse::vector_sink sink;
        ASSERT_TRUE(parser.parse(in.data(), in.size, {}, sink.sink()).ok()) << f;
        const auto j = nlohmann::ordered_json::parse(f);
        if (keys(j, 3) != std::vector<std::string>{"e", "T", "E"}) continue;
        if (j["e"] == "ORDER_TRADE_UPDATE" && keys(j["o"], 8) == order_members) {
            ++orders;
            const auto& o = j["o"];
            for (const auto& [field, n] : {std::pair<const char*, std::size_t>{"ap", 5}, {"L", 2}, {"n", 8}, {"rp", 8}}) {
                if (!o.contains(field)) continue;
                const std::string v = o[field];
                if (v == "0") continue;
                EXPECT_GE(places(v), n) << field << " in " << f;
                if (std::string(field) == "ap") {
                    EXPECT_EQ(places(v), 5u) << f; // the engine's averages have 5
                }
            }
        } else if (j["e"] == "ACCOUNT_UPDATE" && keys(j["a"], 3) == std::vector<std::string>{"B", "P", "m"} &&
                   (j["a"]["P"].empty() ? !j["a"]["B"].empty() && keys(j["a"]["B"][0], 4) == std::vector<std::string>{"a", "wb", "cw", "bc"}
                                        : keys(j["a"]["P"][0], 3) == std::vector<std::string>{"s", "pa", "ep"})) {
            // (a frame whose members were shuffled matches the capture's top-level order now and
            // then; the template's is the position's too, or for a balance-only frame the balance's)
            ++updates;
            for (const auto& b : j["a"]["B"]) {
                EXPECT_EQ(keys(b, 4), (std::vector<std::string>{"a", "wb", "cw", "bc"})) << f;
                const std::string wb = b["wb"];
                if (wb != "0") {
                    EXPECT_GE(places(wb), 8u) << f;
                }
            }
        }
    }
    EXPECT_GE(orders, 10) << "of " << frames << " frames";
    EXPECT_GE(updates, 10) << "of " << frames << " frames";
}

TEST_F(sim_fixture, WsApiSignedRequestsSessionLogonAndUserDataStream) {
    start(0);
    beast_ws_client api(srv->port(), "/ws-fapi/v1");
    const std::string key = srv->api_key(0), secret = srv->api_secret(0);
    auto call = [&](const std::string& id, const std::string& method, std::vector<std::pair<std::string, std::string>> params,
                    const std::string& sign_with) {
        if (sign_with == "hmac") {
            const auto mac = hmac_sha256_hex(secret, wsapi_payload(params));
            params.emplace_back("signature", std::string(mac.data(), mac.size()));
        } else if (sign_with == "ed25519") {
            params.emplace_back("signature", ed25519_sign_base64(srv->ed25519_seed(0), wsapi_payload(params)));
        }
        std::string p = "{";
        for (std::size_t i = 0; i < params.size(); ++i) {
            if (i) p += ',';
            const bool number = params[i].first == "timestamp" || params[i].first == "recvWindow";
            p += "\"" + params[i].first + "\":" + (number ? params[i].second : "\"" + params[i].second + "\"");
        }
        p += "}";
        api.send("{\"id\":\"" + id + "\",\"method\":\"" + method + "\",\"params\":" + p + "}");
        return api.next(3000);
    };
    const std::string ts = std::to_string(wall_ms());
    parse::wsapi_envelope env;
    const auto status = test::parse_snapshot(call("1", "account.status", {{"apiKey", key}, {"timestamp", ts}}, "hmac"),
                                             snapshot_kind::account_v2, true, &env);
    ASSERT_TRUE(status.result.ok()) << parse::error_json(status.result);
    EXPECT_EQ(env.status, 200);
    EXPECT_EQ(env.id, "\"1\"");
    EXPECT_GT(env.weight_used, 0);
    EXPECT_EQ(status.events.front().type(), event_type::snapshot_begin);

    const auto forged = test::parse_snapshot(call("2", "account.balance", {{"apiKey", key}, {"timestamp", ts}, {"signature", "00"}}, ""),
                                             snapshot_kind::balance_v2, true);
    EXPECT_EQ(forged.result.code, parse::parse_errc::exchange_error);
    EXPECT_EQ(forged.result.exchange_code, -1022);
    EXPECT_EQ(forged.result.http_status, 400);
    const auto anonymous = test::parse_snapshot(call("3", "v2/account.status", {{"timestamp", ts}}, ""), snapshot_kind::account_v3, true);
    EXPECT_EQ(anonymous.result.exchange_code, -2015);

    // session.logon (Ed25519 over the sorted params incl. apiKey), then requests need no signature.
    const std::string logon = call("4", "session.logon", {{"apiKey", srv->ed25519_api_key(0)}, {"timestamp", ts}}, "ed25519");
    EXPECT_NE(logon.find("\"status\":200"), std::string::npos) << logon;
    const auto v3 = test::parse_snapshot(call("5", "v2/account.status", {{"timestamp", std::to_string(wall_ms())}}, ""),
                                         snapshot_kind::account_v3, true);
    EXPECT_TRUE(v3.result.ok()) << parse::error_json(v3.result);
    const auto pos = test::parse_snapshot(call("6", "account.position", {{"timestamp", std::to_string(wall_ms())}}, ""),
                                          snapshot_kind::position_risk_v2, true);
    EXPECT_TRUE(pos.result.ok()) << parse::error_json(pos.result);
    const std::string bad_logon = call("7", "session.logon", {{"apiKey", srv->ed25519_api_key(0)}, {"timestamp", ts}, {"signature", "AAAA"}}, "");
    EXPECT_NE(bad_logon.find("-1022"), std::string::npos) << bad_logon;

    // userDataStream.start: the account's one listenKey, the same the REST POST returns.
    parse::wsapi_envelope lk;
    const auto start_key = test::parse_snapshot(call("8", "userDataStream.start", {{"apiKey", key}}, ""), snapshot_kind::unknown, true, &lk);
    ASSERT_TRUE(start_key.result.ok());
    EXPECT_EQ(std::string(lk.listen_key.view()), listen_key(0));
}

namespace {
const std::string wsapi_status = R"({"id":"s","method":"session.status","params":{}})";

// The HTTP status a WebSocket handshake is answered with (101: upgraded).
unsigned handshake_status(std::uint16_t port, const std::string& target) {
    asio::io_context io;
    auto ctx = make_client_tls_context(ca_dir + "/ca.pem");
    websocket::stream<beast::ssl_stream<tcp::socket>> ws(io, ctx);
    verify_host(ws.next_layer(), "localhost");
    auto& sock = ws.next_layer().next_layer();
    bounded(io, sock, [&](auto h) { sock.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), h); }, 5s);
    bounded(io, sock, [&](auto h) { ws.next_layer().async_handshake(ssl::stream_base::client, h); }, 5s);
    websocket::response_type res;
    try {
        bounded(io, sock, [&](auto h) { ws.async_handshake(res, "localhost", target, h); }, 5s);
    } catch (const beast::system_error&) { // a refused upgrade
    }
    return res.result_int();
}

// The next read ends the connection with an error (true), rather than a message or a wait
// past `limit` (false).
bool ends(beast_ws_client& w, std::chrono::milliseconds limit) {
    beast::flat_buffer buf;
    try {
        bounded(w.io, w.ws.next_layer().next_layer(), [&](auto h) { w.ws.async_read(buf, h); }, limit);
    } catch (const beast::system_error&) {
        return true;
    } catch (const std::runtime_error&) { // timed out
    }
    return false;
}
} // namespace

// Spec §4: the WS-API handshake costs 5 request weight, shared with REST; past the limit the
// handshake is refused 429 (and then 418) as a REST request would be.
TEST_F(sim_fixture, AWsApiHandshakeCostsFiveWeight) {
    start(0, market::usdm, [](sim::server_config& c) {
        c.weight_limit = 12;
        c.ignored_429_before_ban = 1;
        c.ban_duration = 2s;
    });
    if (wall_ms() % 60000 > 55000) std::this_thread::sleep_for(std::chrono::milliseconds(60500 - wall_ms() % 60000)); // one weight minute
    client c(srv->port());
    const auto used = [&] {
        const auto r = c.request(http::verb::get, "/fapi/v1/time");
        return std::stoi(std::string(r["X-MBX-USED-WEIGHT-1M"]));
    };
    const int before = used();
    beast_ws_client first(srv->port(), "/ws-fapi/v1");
    EXPECT_EQ(used(), before + 1 + 5) << "the handshake cost 5, the REST request 1";
    EXPECT_EQ(handshake_status(srv->port(), "/ws-fapi/v1"), 101u) << "weight " << before + 11 << " of 12";
    EXPECT_EQ(handshake_status(srv->port(), "/ws-fapi/v1"), 429u) << "past the limit";
    EXPECT_EQ(handshake_status(srv->port(), "/ws-fapi/v1"), 418u) << "and on: the ban";
    EXPECT_EQ(c.request(http::verb::get, "/fapi/v1/time").result_int(), 418u) << "the ban is shared with REST";
    first.send(wsapi_status);
    EXPECT_NE(first.next(3000).find(R"("id":"s")"), std::string::npos) << "an open connection is not cut by the ban";
}

// Spec §4: the server pings every 3 min and drops a connection with no pong echoing its ping's
// payload within 10 min (shortened here). A client that reads (Beast echoes each ping) stays;
// one that never reads, and one that sends pongs of its own with another payload, are dropped.
TEST_F(sim_fixture, AWsApiConnectionWithoutAnEchoingPongIsDropped) {
    start(0, market::usdm, [](sim::server_config& c) {
        c.ping_interval = 150ms;
        c.pong_timeout = 600ms;
    });
    beast_ws_client lively(srv->port(), "/ws-fapi/v1");
    beast_ws_client silent(srv->port(), "/ws-fapi/v1");
    beast_ws_client unsolicited(srv->port(), "/ws-fapi/v1");
    int pings = 0;
    lively.ws.control_callback([&](websocket::frame_type kind, beast::string_view) { pings += kind == websocket::frame_type::ping; });
    const auto t0 = std::chrono::steady_clock::now();
    auto refused_pong = t0; // when a pong of its own could no longer be written: it was gone
    while (std::chrono::steady_clock::now() < t0 + 1500ms) {
        lively.send(wsapi_status);
        ASSERT_NE(lively.next(1000).find(R"("id":"s")"), std::string::npos) << "the connection that echoes pings is served";
        if (refused_pong == t0) try {
                unsolicited.pong("not-an-echo"); // 4 a second: within the limit
            } catch (const std::exception&) {
                refused_pong = std::chrono::steady_clock::now();
            }
        std::this_thread::sleep_for(250ms);
    }
    if (refused_pong != t0) {
        EXPECT_GE(refused_pong - t0, 550ms) << "not before the pong deadline";
    }
    EXPECT_GE(pings, 5) << "pinged every 150 ms";
    for (beast_ws_client* w : {&silent, &unsolicited}) {
        try {
            w->send(wsapi_status);
        } catch (const std::exception&) { // already gone
        }
        EXPECT_TRUE(ends(*w, 1500ms)) << (w == &silent ? "silent" : "unsolicited pongs") << ": dropped, not answered";
    }
    EXPECT_EQ(srv->current_stats().rate_limit_drops, 0u);
}

// Spec §4: a WS-API connection is valid 24 h (shortened here): it ends with a close frame
// (going away) however busy it is.
TEST_F(sim_fixture, WsApiConnectionsEndAtTheirLifetime) {
    start(0, market::usdm, [](sim::server_config& c) { c.connection_lifetime = 500ms; });
    beast_ws_client api(srv->port(), "/ws-fapi/v1");
    const auto t0 = std::chrono::steady_clock::now();
    int answered = 0;
    for (;;) {
        ASSERT_LT(std::chrono::steady_clock::now() - t0, 5s) << "the connection outlived its lifetime";
        try {
            api.send(wsapi_status);
        } catch (const std::exception&) {
            break;
        }
        if (api.next(1000).empty()) break;
        ++answered;
        std::this_thread::sleep_for(50ms);
    }
    const auto lived = std::chrono::steady_clock::now() - t0;
    EXPECT_GT(answered, 3);
    EXPECT_GE(lived, 400ms);
    EXPECT_LT(lived, 2500ms);
    EXPECT_EQ(api.ws.reason().code, websocket::close_code::going_away);
}

// Spec §4: at most 5 pings/pongs a second from the client; more cut the connection.
TEST_F(sim_fixture, MoreThanFiveWsApiPingsInASecondDropTheConnection) {
    start(0);
    beast_ws_client calm(srv->port(), "/ws-fapi/v1");
    beast_ws_client noisy(srv->port(), "/ws-fapi/v1");
    for (int i = 0; i < 5; ++i) calm.ping("c" + std::to_string(i));
    for (int i = 0; i < 7; ++i) noisy.ping("n" + std::to_string(i));
    try {
        noisy.send(wsapi_status);
    } catch (const std::exception&) {
    }
    EXPECT_TRUE(ends(noisy, 2000ms)) << "seven pings in a second cut the connection";
    calm.send(wsapi_status);
    EXPECT_NE(calm.next(3000).find(R"("id":"s")"), std::string::npos) << "five are within the limit";
    EXPECT_EQ(srv->current_stats().rate_limit_drops, 1u);
}

TEST_F(sim_fixture, PingsAreSentAndASocketThatNeverPongsIsDropped) {
    start(100, market::usdm, [](sim::server_config& c) {
        c.ping_interval = 150ms; // its pongs stay within the 10 messages a second
        c.pong_timeout = 400ms;
    });
    const std::string key = listen_key();
    beast_ws_client lively(srv->port(), "/private/ws/" + key); // reads, so Beast answers every ping
    beast_ws_client silent(srv->port(), "/private/ws/" + key); // reads nothing for a while: no pongs
    const auto until = std::chrono::steady_clock::now() + 1200ms;
    int got = 0;
    while (std::chrono::steady_clock::now() < until) got += !lively.next(1000).empty();
    EXPECT_GT(got, 20);
    int buffered = 0; // what reached it before the drop, then the end (bounded: it must end)
    while (!silent.next(600).empty()) ASSERT_LT(++buffered, 5000) << "the silent socket was never dropped";
    EXPECT_FALSE(lively.next(1000).empty()) << "the socket that answers pings is still served";
    EXPECT_LT(buffered, got + 200) << "the silent socket was dropped";
}

TEST_F(sim_fixture, UnsolicitedPongsDoNotKeepASocketAlive) {
    start(100, market::usdm, [](sim::server_config& c) {
        c.ping_interval = 10s; // no ping within the test: no pong can echo one
        c.pong_timeout = 500ms;
    });
    beast_ws_client w(srv->port(), "/private/ws/" + listen_key());
    const auto t0 = std::chrono::steady_clock::now();
    auto last_pong = t0;
    int frames = 0;
    while (!w.next(1000).empty()) {
        ASSERT_LT(++frames, 5000) << "unsolicited pongs kept the socket alive";
        if (std::chrono::steady_clock::now() - last_pong >= 150ms) { // ~7 messages a second: within the limit
            w.pong("");
            last_pong = std::chrono::steady_clock::now();
        }
    }
    const auto lived = std::chrono::steady_clock::now() - t0;
    EXPECT_GE(lived, 400ms);
    EXPECT_LT(lived, 2500ms) << "dropped at the pong deadline, which the unsolicited pongs did not reset";
    EXPECT_EQ(srv->current_stats().rate_limit_drops, 0u);
}

TEST_F(sim_fixture, MoreThanTenMessagesInASecondDropTheSocket) {
    start(100);
    const std::string key = listen_key();
    beast_ws_client calm(srv->port(), "/private/ws/" + key);
    beast_ws_client noisy(srv->port(), "/private/ws/" + key);
    for (int i = 0; i < 5; ++i) calm.ping("c" + std::to_string(i));
    for (int i = 0; i < 12; ++i) noisy.ping("n" + std::to_string(i)); // Binance: 10 a second
    int buffered = 0;
    while (!noisy.next(1000).empty()) ASSERT_LT(++buffered, 5000) << "the noisy socket was never dropped";
    EXPECT_FALSE(calm.next(1000).empty()) << "five messages are within the limit";
    EXPECT_EQ(srv->current_stats().rate_limit_drops, 1u);
}

TEST_F(sim_fixture, InvalidJsonGetsBinancesCode3ErrorAndADisconnect) {
    start(100);
    const std::string key = listen_key();
    beast_ws_client good(srv->port(), "/private/ws/" + key);
    beast_ws_client bad(srv->port(), "/private/ws/" + key);
    good.send(R"({"method":"LIST_SUBSCRIPTIONS","id":1})"); // JSON: counted, not answered here
    bad.send("not json");
    std::string last;
    int frames = 0;
    for (std::string f; !(f = bad.next(1000)).empty();) {
        last = f;
        ASSERT_LT(++frames, 5000) << "the socket was never closed";
    }
    EXPECT_EQ(last, R"({"error":{"code":3,"msg":"Invalid JSON: expected value at line 1 column 1"}})");
    EXPECT_FALSE(good.next(1000).empty()) << "a JSON message does not end the socket";
    EXPECT_EQ(srv->current_stats().invalid_json_drops, 1u);
}

TEST_F(sim_fixture, AReaderTooSlowForTheStreamIsCutNotBufferedWithoutLimit) {
    start(5000, market::usdm, [](sim::server_config& c) { c.max_send_queue_bytes = 64 * 1024; });
    const std::string key = listen_key();
    beast_ws_client slow(srv->port(), "/private/ws/" + key, 4096); // a small window, and it reads nothing
    beast_ws_client reader(srv->port(), "/private/ws/" + key);
    const auto until = std::chrono::steady_clock::now() + 15s;
    while (srv->current_stats().slow_reader_drops == 0 && std::chrono::steady_clock::now() < until)
        ASSERT_FALSE(reader.next(1000).empty()) << "the reader keeps up, so it keeps its socket";
    EXPECT_EQ(srv->current_stats().slow_reader_drops, 1u) << "only the slow reader is cut";
    int drained = 0; // what its window held, then the end
    while (!slow.next(1000).empty()) ASSERT_LT(++drained, 100000);
    EXPECT_FALSE(reader.next(1000).empty());
}

TEST_F(sim_fixture, ConnectionsEndAtTheirLifetime) {
    start(100, market::usdm, [](sim::server_config& c) { c.connection_lifetime = 500ms; });
    beast_ws_client w(srv->port(), "/private/ws/" + listen_key());
    const auto t0 = std::chrono::steady_clock::now();
    while (!w.next(2000).empty()) {
        ASSERT_LT(std::chrono::steady_clock::now() - t0, 5s);
    }
    const auto lived = std::chrono::steady_clock::now() - t0;
    EXPECT_GE(lived, 400ms);
    EXPECT_LT(lived, 2500ms);
}

TEST_F(sim_fixture, IgnoringRateLimitsGets429ThenA418BanWithRetryAfter) {
    start(0, market::usdm, [](sim::server_config& c) {
        c.weight_limit = 3;
        c.ignored_429_before_ban = 2;
        c.ban_duration = 2s;
    });
    client c(srv->port());
    std::vector<int> statuses;
    std::string retry_after_429, retry_after_418;
    for (int i = 0; i < 8; ++i) {
        const auto r = c.request(http::verb::get, "/fapi/v1/time");
        statuses.push_back(static_cast<int>(r.result_int()));
        if (r.result_int() == 429) retry_after_429 = std::string(r[http::field::retry_after]);
        if (r.result_int() == 418) retry_after_418 = std::string(r[http::field::retry_after]);
        EXPECT_FALSE(r["X-MBX-USED-WEIGHT-1M"].empty());
    }
    // The minute window may roll over between requests; the sequence must still escalate.
    EXPECT_NE(std::find(statuses.begin(), statuses.end(), 429), statuses.end());
    EXPECT_NE(std::find(statuses.begin(), statuses.end(), 418), statuses.end());
    EXPECT_FALSE(retry_after_429.empty());
    EXPECT_EQ(retry_after_418, "2");
}

// Duplicated, broken, oversized and fragmented frames: the parser rejects the broken ones with
// typed errors, the rest reassemble and apply, and the mirror still equals the truth.
TEST_F(sim_fixture, StreamFaultsThatLoseNothingLeaveTheMirrorExact) {
    start(400, market::usdm, [](sim::server_config& c) {
        c.faults = {"duplicate", "malformed", "split", "oversized", "ping_storm"};
        c.fault_rate = 0.15;
    });
    beast_ws_client stream(srv->port(), "/private/ws/" + listen_key());
    client rest(srv->port());
    account_book book;
    apply_snapshots(rest, book, *srv, {"/fapi/v2/account", "/fapi/v2/positionRisk", "/fapi/v1/accountConfig"});
    parse::user_stream_parser parser;
    int errors = 0, oversized = 0, frames = 0;
    auto consume = [&](const std::string& f) {
        test::padded in(f);
        parse::vector_sink sink;
        const auto r = parser.parse(in.data(), in.size, {}, sink.sink());
        if (!r.ok()) {
            ++errors;
            oversized += r.code == parse::parse_errc::oversized;
            return;
        }
        for (const auto& ev : sink.events) (void)book.apply(ev);
        ++frames;
    };
    auto why = [&] {
        const auto st = srv->current_stats();
        return "after " + std::to_string(frames + errors) + " frames; sockets cut: " + std::to_string(st.slow_reader_drops) +
               " slow, " + std::to_string(st.rate_limit_drops) + " over the incoming limit";
    };
    for (int i = 0; i < 300; ++i) {
        const std::string f = stream.next(3000);
        ASSERT_FALSE(f.empty()) << why();
        consume(f);
    }
    srv->pause_scenario(true);
    for (std::string f; !(f = stream.next(500)).empty();) {
        consume(f);
        ASSERT_LT(frames + errors, 100000);
    }
    EXPECT_EQ(srv->current_stats().slow_reader_drops + srv->current_stats().rate_limit_drops, 0u) << why();
    EXPECT_GT(errors, 0) << "broken frames were typed errors";
    EXPECT_GT(oversized, 0);
    EXPECT_GT(srv->current_stats().faults, 10u);
    parse::book_json_options o;
    o.include_snapshot_only = false;
    o.skip_zero = true;
    EXPECT_EQ(parse::book_json(book, o), srv->truth(0));
}

// gap at item level: in hedge mode every fill's ACCOUNT_UPDATE carries the margin asset, the
// symbol's BOTH row and the changed side (spec §1.6.2); with the fault some arrive with one of
// those left out — the rest of the frame intact and parsing, on the bare and the combined form —
// while the connection stays healthy (frames and the server's pings go on).
TEST_F(sim_fixture, AGapCanDropOneItemOfAnAccountUpdate) {
    start(400, market::usdm, [](sim::server_config& c) {
        c.hedge_mode = true;
        c.scenario = "fills";
        c.faults = {"gap"};
        c.fault_rate = 0.5;
        c.ping_interval = 200ms;
    });
    const std::string key = listen_key();
    beast_ws_client bare(srv->port(), "/private/ws/" + key);
    beast_ws_client combined(srv->port(), "/private/stream?listenKey=" + key);
    int pings = 0;
    bare.ws.control_callback([&](websocket::frame_type kind, beast::string_view) { pings += kind == websocket::frame_type::ping; });
    for (beast_ws_client* w : {&bare, &combined}) {
        std::map<std::size_t, int> by_items; // ACCOUNT_UPDATEs by their number of B and P items
        parse::user_stream_parser parser;
        const auto t0 = std::chrono::steady_clock::now();
        for (int i = 0; i < 400 || std::chrono::steady_clock::now() - t0 < 1s; ++i) {
            const std::string f = w->next(3000);
            ASSERT_FALSE(f.empty()) << "the connection stays up";
            if (w == &combined) {
                ASSERT_EQ(f.rfind("{\"stream\":\"" + key + "\",\"data\":{", 0), 0u) << f;
            }
            test::padded in(f);
            parse::vector_sink sink;
            ASSERT_TRUE(parser.parse(in.data(), in.size, {}, sink.sink()).ok()) << f;
            if (f.find(R"("e":"ACCOUNT_UPDATE")") == std::string::npos || f.find(R"("m":"ORDER")") == std::string::npos) continue;
            ++by_items[sink.events.size()];
        }
        EXPECT_EQ(by_items.count(0) + by_items.count(1), 0u) << "an item is left out only of a frame with two or more";
        EXPECT_GT(by_items[2], 0) << "some fills' ACCOUNT_UPDATEs came with one item fewer";
        EXPECT_GT(by_items[3], 0) << "and some whole";
    }
    EXPECT_GE(pings, 3) << "the server's pings went on";
}

// Each fault is counted under its kind: at fault_rate 1 every frame goes out twice, and the
// duplicate counter holds one per frame sent, the total the same, every other kind none.
TEST_F(sim_fixture, AFaultIsCountedUnderItsKind) {
    start(200, market::usdm, [](sim::server_config& c) {
        c.faults = {"duplicate"};
        c.fault_rate = 1;
    });
    beast_ws_client w(srv->port(), "/private/ws/" + listen_key());
    std::uint64_t received = 0;
    for (; received < 40; ++received) ASSERT_FALSE(w.next(3000).empty());
    srv->pause_scenario(true);
    while (!w.next(500).empty()) ++received;
    const auto st = srv->current_stats();
    EXPECT_GE(st.fault_count("duplicate"), 20u);
    EXPECT_EQ(received, 2 * st.fault_count("duplicate"));
    EXPECT_EQ(st.faults, st.fault_count("duplicate"));
    EXPECT_EQ(st.faults_by_kind[sim::fault_index("duplicate")], st.faults);
    EXPECT_EQ(st.fault_count("malformed"), 0u);
    EXPECT_THROW((void)st.fault_count("no_such_kind"), std::invalid_argument);
}

TEST_F(sim_fixture, DroppedConnectionsEndTheStreamEarly) {
    start(300, market::usdm, [](sim::server_config& c) {
        c.faults = {"drop"};
        c.fault_rate = 0.05;
    });
    beast_ws_client w(srv->port(), "/private/ws/" + listen_key());
    int frames = 0;
    const auto t0 = std::chrono::steady_clock::now();
    while (!w.next(2000).empty() && std::chrono::steady_clock::now() - t0 < 10s) ++frames;
    EXPECT_LT(frames, 1000) << "the connection died (no close frame) long before the scenario ended";
    EXPECT_GE(srv->current_stats().faults, 1u);
}

TEST_F(sim_fixture, RestFaultsAreBinanceShapedErrors) {
    start(0, market::usdm, [](sim::server_config& c) {
        c.faults = {"rest_5xx", "rest_429", "rest_418", "skew", "slow_rest"};
        c.fault_rate = 1.0;
        c.slow_rest_delay = 300ms;
    });
    client c(srv->port());
    std::set<int> seen;
    bool slow = false;
    for (int i = 0; i < 40; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        const auto r = c.request(http::verb::get, signed_target("/fapi/v2/balance", srv->api_secret(0), wall_ms()), srv->api_key(0));
        slow |= std::chrono::steady_clock::now() - t0 >= 250ms && r.result_int() == 200;
        seen.insert(static_cast<int>(r.result_int()));
        if (r.result_int() == 429 || r.result_int() == 418) {
            EXPECT_EQ(r[http::field::retry_after], "1");
        }
        if (r.result_int() != 200) {
            EXPECT_NE(r.body().find("\"code\":"), std::string::npos) << r.body();
        }
    }
    EXPECT_TRUE(seen.count(503) && seen.count(429) && seen.count(418) && seen.count(400)) << "5xx, 429, 418 and -1021 all fired";
    EXPECT_TRUE(slow) << "a slow but successful answer";
}

// Each REST failure Binance documents, in its shape on the wire (fault_rate 1: every request).
TEST_F(sim_fixture, EachRestFaultKindHasBinancesShape) {
    struct shape {
        const char* fault;
        unsigned status;
        const char* in_body;
        bool retry_after;
    };
    for (const shape& k : {shape{"rest_unknown", 503, "\"code\":-1000,\"msg\":\"Unknown error, please check your request", false},
                           shape{"rest_1001", 503, "\"code\":-1001,\"msg\":\"Internal error;", false},
                           shape{"rest_1007", 408, "\"code\":-1007,", false},
                           shape{"rest_403", 403, "<html>", false},
                           shape{"rest_ban", 418, "IP banned until", false},
                           shape{"rest_429", 429, "\"code\":-1003", true}}) {
        SCOPED_TRACE(k.fault);
        start(0, market::usdm, [&](sim::server_config& c) {
            c.faults = {k.fault};
            c.fault_rate = 1;
        });
        client c(srv->port());
        const auto r = c.request(http::verb::get, "/fapi/v1/time");
        EXPECT_EQ(static_cast<unsigned>(r.result_int()), k.status);
        EXPECT_NE(r.body().find(k.in_body), std::string::npos) << r.body();
        EXPECT_EQ(!r[http::field::retry_after].empty(), k.retry_after);
        srv->stop();
        srv.reset();
    }
    { // a complete answer whose JSON is cut in half
        start(0, market::usdm, [](sim::server_config& c) { c.faults = {"rest_invalid_json"}; c.fault_rate = 1; });
        client c(srv->port());
        const auto r = c.request(http::verb::get, "/fapi/v1/time");
        EXPECT_EQ(r.result(), http::status::ok);
        EXPECT_FALSE(nlohmann::json::accept(r.body())) << r.body();
        EXPECT_EQ(r.body().rfind("{\"serverTime\":", 0), 0u) << r.body();
        srv->stop();
        srv.reset();
    }
    { // the headers and half the body, then the connection dies: no complete answer to read
        start(0, market::usdm, [](sim::server_config& c) { c.faults = {"rest_cut"}; c.fault_rate = 1; });
        client c(srv->port());
        EXPECT_ANY_THROW((void)c.request(http::verb::get, "/fapi/v1/time"));
        srv->stop();
        srv.reset();
    }
    for (const char* f : {"ws_429", "ws_503"}) { // the stream's handshake refused
        SCOPED_TRACE(f);
        start(0, market::usdm, [&](sim::server_config& c) { c.faults = {f}; c.fault_rate = 1; });
        const std::string key = listen_key();
        EXPECT_ANY_THROW(beast_ws_client(srv->port(), "/private/ws/" + key));
        EXPECT_EQ(srv->current_stats().user_streams, 0u);
        EXPECT_GE(srv->current_stats().faults, 1u);
        srv->stop();
        srv.reset();
    }
}

// "Unknown error" is not a failure: the request was carried out, only its answer was lost. A
// DELETE answered 503 has still deleted the key (the next keepalive gets -1125).
TEST_F(sim_fixture, AnUnknownErrorAnswerMeansTheRequestMayHaveTakenEffect) {
    start(0, market::usdm, [](sim::server_config& c) { c.faults = {"rest_unknown"}; c.fault_rate = 0.5; c.seed = 11; });
    client c(srv->port());
    const std::string api = srv->api_key(0);
    const auto until_answered = [&](http::verb verb) { // the first answer that is not the fault (bounded)
        for (int i = 0; i < 64; ++i) {
            auto r = c.request(verb, "/fapi/v1/listenKey", api);
            if (r.result() != http::status::service_unavailable) return r;
        }
        ADD_FAILURE() << "64 faults in a row";
        return http::response<http::string_body>{};
    };
    bool deleted_under_503 = false;
    for (int round = 0; round < 32 && !deleted_under_503; ++round) {
        ASSERT_EQ(until_answered(http::verb::post).result(), http::status::ok); // a live key
        const auto del = c.request(http::verb::delete_, "/fapi/v1/listenKey", api);
        if (del.result() != http::status::service_unavailable) continue; // deleted and said so: again
        EXPECT_NE(del.body().find("Unknown error"), std::string::npos) << del.body();
        const auto put = until_answered(http::verb::put);
        EXPECT_EQ(put.result(), http::status::bad_request) << put.body();
        EXPECT_NE(put.body().find("-1125"), std::string::npos) << "the DELETE answered 503 was carried out: " << put.body();
        deleted_under_503 = true;
    }
    EXPECT_TRUE(deleted_under_503);
}

// Transport cuts seen by Beast: a reset in the middle of a frame, and a frame header cut after
// its first byte. Each ends the read with an error at once (not a wait for a timeout), and the
// half frame is never handed over as a message.
TEST_F(sim_fixture, TransportCutsEndTheReadWithAnErrorNotAMessage) {
    for (const char* f : {"reset", "header_cut", "tls_cut", "close_notify"}) {
        SCOPED_TRACE(f);
        start(200, market::usdm, [&](sim::server_config& c) {
            c.faults = {f};
            c.fault_rate = 1;
        });
        beast_ws_client ws(srv->port(), "/private/ws/" + listen_key());
        boost::system::error_code got;
        bool timed_out = false;
        int messages = 0;
        const auto t0 = std::chrono::steady_clock::now();
        for (int i = 0; i < 8 && !got && !timed_out; ++i) {
            beast::flat_buffer buf;
            try {
                sim::bounded(ws.io, ws.ws.next_layer().next_layer(), [&](auto h) { ws.ws.async_read(buf, h); }, 3s);
                ++messages;
            } catch (const beast::system_error& e) {
                got = e.code();
            } catch (const std::runtime_error&) {
                timed_out = true;
            }
        }
        EXPECT_FALSE(timed_out);
        EXPECT_TRUE(got.failed());
        EXPECT_EQ(messages, 0) << "the cut message must not arrive";
        EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
        srv->stop();
        srv.reset();
    }
}

// close_open: a close frame (1001), and then the server neither reads nor closes: read below the
// WebSocket layer (Asio's TLS stream), the close frame's bytes arrive and then nothing — no EOF,
// no close_notify — until the venue's pong deadline ends the socket.
TEST_F(sim_fixture, ACloseFrameWithTheTcpLeftOpenLeavesTheClientToEndIt) {
    start(200, market::usdm, [](sim::server_config& c) {
        c.faults = {"close_open"};
        c.fault_rate = 1;
        c.pong_timeout = 2s;
    });
    beast_ws_client ws(srv->port(), "/private/ws/" + listen_key());
    auto& tls = ws.ws.next_layer();
    auto& sock = tls.next_layer();
    std::array<unsigned char, 4> frame{};
    sim::bounded(ws.io, sock, [&](auto h) { asio::async_read(tls, asio::buffer(frame), h); }, 3s);
    EXPECT_EQ(frame, (std::array<unsigned char, 4>{0x88, 0x02, 0x03, 0xe9})) << "a close frame, code 1001";
    // Nothing more, until the pong deadline (2 s after the connect, no pong was ever read) ends
    // the socket: an end, and not before a second has passed since the close frame.
    const auto after_close = std::chrono::steady_clock::now();
    std::array<char, 64> more{};
    EXPECT_THROW(sim::bounded(ws.io, sock, [&](auto h) { tls.async_read_some(asio::buffer(more), h); }, 4000ms),
                 beast::system_error);
    EXPECT_GE(std::chrono::steady_clock::now() - after_close, 1000ms) << "the connection must stay open after the close frame";
}

// WS-API faults seen with Beast: "id": null and -2015 in place of the answer; the connection
// cut with the request unanswered; an answer after slow_rest_delay with its id.
TEST_F(sim_fixture, WsApiFaultsRevokeDropAndDelayTheAnswer) {
    const std::string ping = R"({"id":"7","method":"session.status","params":{}})";
    for (const char* f : {"wsapi_revoked", "wsapi_drop", "wsapi_slow"}) {
        SCOPED_TRACE(f);
        start(0, market::usdm, [&](sim::server_config& c) {
            c.faults = {f};
            c.fault_rate = 1;
            c.slow_rest_delay = 400ms;
        });
        beast_ws_client api(srv->port(), "/ws-fapi/v1");
        const auto t0 = std::chrono::steady_clock::now();
        api.send(ping);
        std::string answer;
        bool failed = false;
        try {
            answer = api.next(3000);
        } catch (const std::exception&) {
            failed = true;
        }
        const auto waited = std::chrono::steady_clock::now() - t0;
        if (std::string_view(f) == "wsapi_revoked") {
            EXPECT_NE(answer.find(R"("id":null)"), std::string::npos) << answer;
            EXPECT_NE(answer.find("-2015"), std::string::npos) << answer;
        } else if (std::string_view(f) == "wsapi_drop") {
            EXPECT_TRUE(failed || answer.empty()) << answer;
            EXPECT_LT(waited, 2s) << "the connection ends; it does not go quiet";
        } else {
            EXPECT_NE(answer.find(R"("id":"7")"), std::string::npos) << answer;
            EXPECT_GE(waited, 400ms);
        }
        srv->stop();
        srv.reset();
    }
}

// POST /fapi/v1/marginType and /fapi/v1/multiAssetsMargin: what Binance refuses is answered with
// its code and pushes nothing on the stream; what it accepts is pushed.
TEST_F(sim_fixture, ModeChangesBinanceRefusesGetTheirCodeAndPushNothing) {
    start(0);
    const std::string key = listen_key();
    beast_ws_client stream(srv->port(), "/private/ws/" + key);
    client c(srv->port());
    auto post = [&](const std::string& path, const std::string& params) {
        return c.request(http::verb::post, signed_target(path, srv->api_secret(0), wall_ms(), params + "&"), srv->api_key(0));
    };
    auto refused = [&](const http::response<http::string_body>& r, int code) {
        EXPECT_EQ(r.result(), http::status::bad_request) << r.body();
        EXPECT_NE(r.body().find("\"code\":" + std::to_string(code)), std::string::npos) << r.body();
    };
    // Frames come in order: had a refused change pushed anything, a later check would read it
    // in place of its own frame (the last one is a leverage change after the last refusals).
    auto accepted = [&](const http::response<http::string_body>& r, const std::string& pushed) {
        EXPECT_EQ(r.result(), http::status::ok) << r.body();
        EXPECT_NE(stream.next(3000).find(pushed), std::string::npos) << pushed;
    };
    refused(post("/fapi/v1/marginType", "symbol=ETHUSDT&marginType=CROSSED"), -4046);
    accepted(post("/fapi/v1/marginType", "symbol=ETHUSDT&marginType=ISOLATED"), "MARGIN_TYPE_CHANGE");
    refused(post("/fapi/v1/multiAssetsMargin", "multiAssetsMargin=true"), -4167);
    accepted(post("/fapi/v1/marginType", "symbol=ETHUSDT&marginType=CROSSED"), "MARGIN_TYPE_CHANGE");
    accepted(post("/fapi/v1/multiAssetsMargin", "multiAssetsMargin=true"), "ACCOUNT_CONFIG_UPDATE");
    refused(post("/fapi/v1/marginType", "symbol=BTCUSDT&marginType=ISOLATED"), -4168);
    refused(post("/fapi/v1/multiAssetsMargin", "multiAssetsMargin=true"), -4171);
    srv->set_leverage(0, "BTCUSDT", 7);
    EXPECT_NE(stream.next(3000).find(R"("l":7)"), std::string::npos) << "the next frame is the leverage change's";
}

namespace {
std::string type_of(const std::string& frame) {
    const auto at = frame.find(R"("e":")") + 5;
    return frame.substr(at, frame.find('"', at) - at);
}
std::int64_t time_of(const std::string& frame) {
    const auto at = frame.find(R"("E":)") + 4;
    return std::stoll(frame.substr(at, frame.find_first_of(",}", at) - at));
}
} // namespace

// reorder: frames of different event types change places, frames of one type never do (Binance
// orders each type by T and E).
TEST_F(sim_fixture, ReorderingCrossesEventTypesAndNeverReordersOneType) {
    start(500, market::usdm, [](sim::server_config& c) {
        c.faults = {"reorder"};
        c.fault_rate = 0.5;
    });
    beast_ws_client ws(srv->port(), "/private/ws/" + listen_key());
    std::map<std::string, std::int64_t> last_of_type;
    std::int64_t last = 0;
    int crossed = 0;
    for (int i = 0; i < 300; ++i) {
        const std::string f = ws.next(3000);
        ASSERT_FALSE(f.empty());
        const std::int64_t e = time_of(f);
        auto& before = last_of_type[type_of(f)];
        EXPECT_GE(e, before) << "reordered within " << type_of(f);
        before = e;
        crossed += e < last;
        last = std::max(last, e);
    }
    EXPECT_GT(crossed, 0) << "an older frame of another type came after a newer one";
}

// late_duplicate: a frame comes again after other frames, not next to itself.
TEST_F(sim_fixture, LateDuplicatesComeBackAfterOtherFrames) {
    start(500, market::usdm, [](sim::server_config& c) {
        c.faults = {"late_duplicate"};
        c.fault_rate = 0.2;
    });
    beast_ws_client ws(srv->port(), "/private/ws/" + listen_key());
    std::vector<std::string> frames;
    for (int i = 0; i < 200; ++i) frames.push_back(ws.next(3000));
    int late = 0;
    for (std::size_t j = 2; j < frames.size(); ++j)
        for (std::size_t i = j >= 7 ? j - 7 : 0; i + 1 < j; ++i) late += !frames[j].empty() && frames[i] == frames[j];
    EXPECT_GT(late, 0);
}

// replay: a new connection starts with the account's last frames, already sent on the old one.
TEST_F(sim_fixture, ANewConnectionMayStartWithAReplayOfTheLastFrames) {
    start(500, market::usdm, [](sim::server_config& c) {
        c.faults = {"replay"};
        c.fault_rate = 0.1; // per connect: 1
    });
    const std::string key = listen_key();
    std::vector<std::string> first;
    {
        beast_ws_client ws(srv->port(), "/private/ws/" + key);
        for (int i = 0; i < 50; ++i) first.push_back(ws.next(3000));
        srv->pause_scenario(true);
        for (std::string f; !(f = ws.next(500)).empty();) first.push_back(f);
    }
    ASSERT_GE(first.size(), 8u);
    beast_ws_client again(srv->port(), "/private/ws/" + key);
    for (std::size_t i = 0; i < 8; ++i) EXPECT_EQ(again.next(3000), first[first.size() - 8 + i]) << i;
}

// lag: every frame on a lagging socket goes out 20–150 ms after its event (the lower bound is
// what is checked: load only adds to it); two sockets on one key see the same frames.
TEST_F(sim_fixture, LaggingConnectionsSeeTheSameEventsLater) {
    start(300, market::usdm, [](sim::server_config& c) {
        c.faults = {"lag"};
        c.fault_rate = 0.1; // per connect: 1
    });
    const std::string key = listen_key();
    beast_ws_client a(srv->port(), "/private/ws/" + key);
    beast_ws_client b(srv->port(), "/private/ws/" + key);
    std::vector<std::string> from_a, from_b;
    std::int64_t least = std::numeric_limits<std::int64_t>::max();
    for (int i = 0; i < 60; ++i) {
        from_a.push_back(a.next(3000));
        ASSERT_FALSE(from_a.back().empty());
        least = std::min(least, wall_ms() - time_of(from_a.back())); // E: the venue's clock, here ours
    }
    for (int i = 0; i < 60; ++i) from_b.push_back(b.next(3000));
    EXPECT_GE(least, 12) << "ms from an event to its frame on a lagging socket (lag ≥ 20 ms; E may run up to 5 ms after T, "
                            "and T 1–2 ms ahead of the clock when an operation's trades take a T each)";
    // b may have joined a frame or two later than a: align on a's first frame that b has.
    const auto at = std::find(from_b.begin(), from_b.end(), from_a[20]);
    ASSERT_NE(at, from_b.end());
    const auto first_in_b = static_cast<std::size_t>(at - from_b.begin());
    for (std::size_t i = 0; 20 + i < from_a.size() && first_in_b + i < from_b.size(); ++i)
        EXPECT_EQ(from_a[20 + i], from_b[first_in_b + i]);
}

TEST_F(sim_fixture, RefusedReconnectsAndDeletedKeys) {
    start(200, market::usdm, [](sim::server_config& c) {
        c.faults = {"refuse"};
        c.fault_rate = 1.0;
        c.refuse_duration = 1s;
    });
    const std::string key = listen_key();
    {
        beast_ws_client w(srv->port(), "/private/ws/" + key);
        for (int i = 0; i < 50 && !w.next(2000).empty(); ++i) {
        }
    }
    EXPECT_THROW(client{srv->port()}, std::exception) << "reconnecting is refused for a while";
    std::this_thread::sleep_for(1200ms);
    EXPECT_NO_THROW(client{srv->port()}) << "and allowed again after";
}

TEST_F(sim_fixture, CoinmVenueServesDapiAndLegacyStreamPath) {
    start(300, market::coinm);
    client c(srv->port());
    auto lk = c.request(http::verb::post, "/dapi/v1/listenKey", srv->api_key(0));
    ASSERT_EQ(lk.result(), http::status::ok) << lk.body();
    const auto at = lk.body().find("\"listenKey\":\"") + 13;
    const std::string key = lk.body().substr(at, lk.body().find('"', at) - at);
    beast_ws_client stream(srv->port(), "/ws/" + key);
    account_book book;
    apply_snapshots(c, book, *srv, {"/dapi/v1/account", "/dapi/v1/positionRisk"}, market::coinm);
    parse::user_stream_parser parser;
    int n = 0;
    auto consume = [&](const std::string& f) {
        test::padded in(f);
        parse::vector_sink sink;
        ASSERT_TRUE(parser.parse(in.data(), in.size, {market::coinm, 0, 0}, sink.sink()).ok()) << f;
        for (const auto& ev : sink.events) (void)book.apply(ev);
        ++n;
    };
    for (int i = 0; i < 100; ++i) consume(stream.next(3000));
    srv->pause_scenario(true);
    for (std::string f; !(f = stream.next(500)).empty() && n < 100000;) consume(f);
    std::string truth = srv->truth(0); // no accountConfig on COIN-M: the mirror knows neither flag
    truth.replace(truth.find("\"account\":"), std::string::npos, "\"account\":{\"multi_assets\":null,\"dual_side_position\":null}}");
    parse::book_json_options o;
    o.include_snapshot_only = false;
    o.skip_zero = true;
    EXPECT_EQ(parse::book_json(book, o), truth);
    EXPECT_EQ(c.request(http::verb::get, "/fapi/v1/time").result(), http::status::not_found) << "a COIN-M venue has no /fapi";
}

// Binance's published fapi HMAC test vector, sent as is to a simulator account holding the
// vector's secret: the signature is accepted (what fails is the 2020 timestamp: -1021), and one
// changed character makes it -1022.
TEST_F(sim_fixture, BinancePublishedSignatureVectorIsAccepted) {
    start(0, market::usdm, [](sim::server_config& c) {
        c.account0_api_key = std::string(64, 'K');
        c.account0_secret = "2b5eb11e18796d12d88f13dc27dbbd02c2cc51ff7059765ed9821957d82bb4d9";
    });
    client c(srv->port());
    const std::string query = "symbol=BTCUSDT&side=BUY&type=LIMIT&quantity=1&price=9000&timeInForce=GTC&recvWindow=5000&timestamp=1591702613943";
    const auto ok_sig = c.request(http::verb::get, "/fapi/v2/balance?" + query + "&signature=3c661234138461fcc7a7d8746c6558c9842d4e10870d2ecbedf7777cad694af9",
                                  std::string(64, 'K'));
    EXPECT_NE(ok_sig.body().find("-1021"), std::string::npos) << ok_sig.body();
    const auto bad_sig = c.request(http::verb::get, "/fapi/v2/balance?" + query + "&signature=3c661234138461fcc7a7d8746c6558c9842d4e10870d2ecbedf7777cad694af8",
                                   std::string(64, 'K'));
    EXPECT_NE(bad_sig.body().find("-1022"), std::string::npos) << bad_sig.body();
}

TEST_F(sim_fixture, DeletedKeyExpiresTheStreamAndKeepaliveGets1125) {
    start(200, market::usdm, [](sim::server_config& c) {
        c.faults = {"key_deleted"};
        c.fault_rate = 0.02;
    });
    beast_ws_client w(srv->port(), "/private/ws/" + listen_key());
    bool expired = false;
    for (int i = 0; i < 2000 && !expired; ++i) {
        const std::string f = w.next(3000);
        ASSERT_FALSE(f.empty());
        expired = f.find("\"e\":\"listenKeyExpired\"") != std::string::npos;
    }
    EXPECT_TRUE(expired);
    client c(srv->port());
    const auto put = c.request(http::verb::put, "/fapi/v1/listenKey", srv->api_key(0));
    EXPECT_NE(put.body().find("-1125"), std::string::npos) << put.body();
    EXPECT_TRUE(w.next(300).empty()) << "silent after expiry";
}

namespace {
nlohmann::json row_for(const nlohmann::json& rows, const std::string& symbol) {
    for (const auto& r : rows)
        if (r.value("symbol", "") == symbol) return r;
    ADD_FAILURE() << "no row for " << symbol << " in " << rows.dump();
    return {};
}
// Account 0 buys 0.5 BTCUSDT at 90853.2 with the mark at 90900 (and a LIMIT order rests).
void open_btc_position(sim::server& srv) {
    srv.operate(0, [](sim::account_engine& e, std::int64_t t) {
        e.set_mark("BTCUSDT", dec("90900"));
        sim::fill_request f;
        f.symbol = "BTCUSDT";
        f.side = order_side::buy;
        f.qty = dec("0.5");
        f.price = dec("90853.2");
        f.fee = dec("0.01");
        f.order_id = f.trade_id = 1;
        auto frames = e.fill(f, t);
        sim::order_request o;
        o.symbol = "BTCUSDT";
        o.qty = dec("0.2");
        o.price = dec("90000");
        o.order_id = 2;
        for (auto& fr : e.place_limit(o, t)) frames.push_back(std::move(fr));
        return frames;
    });
}
} // namespace

// Binance pushes ACCOUNT_UPDATE only when a balance or position changes (spec §1.6.2): `up` is
// valued at the push, and a positionRisk row carries the current mark with the updateTime of the
// last position change. Two snapshots with no fill between: one updateTime, two marks, two
// uPnLs, and no frame for the move; a mirror holds the newest valuation in either arrival order.
TEST_F(sim_fixture, PositionRowsCarryANewerMarkThanTheirUpdateTime) {
    start(0);
    beast_ws_client ws(srv->port(), "/private/ws/" + listen_key());
    std::this_thread::sleep_for(200ms); // the socket subscribed
    open_btc_position(*srv);
    std::string pushed;
    for (int i = 0; i < 10 && pushed.empty(); ++i) {
        const std::string f = ws.next(3000);
        ASSERT_FALSE(f.empty());
        if (f.find("\"ACCOUNT_UPDATE\"") != std::string::npos) pushed = f;
    }
    const auto au = nlohmann::json::parse(pushed);
    const auto& p = au["a"]["P"][0];
    EXPECT_EQ(p["up"], "23.4") << "(90900 - 90853.2) x 0.5 at the push";
    const std::int64_t T = au["T"];

    client c(srv->port());
    const std::string key = srv->api_key(0), secret = srv->api_secret(0);
    const auto risk = [&] {
        const auto r = c.request(http::verb::get, signed_target("/fapi/v2/positionRisk", secret, wall_ms()), key);
        EXPECT_EQ(r.result(), http::status::ok) << r.body();
        return r.body();
    };
    for (std::string f; !(f = ws.next(300)).empty();) {} // the fill's other frames
    const std::string first = risk();
    srv->operate(0, [](sim::account_engine& e, std::int64_t) {
        e.set_mark("BTCUSDT", dec("91000"));
        return std::vector<std::string>{};
    });
    EXPECT_EQ(ws.next(500), "") << "a mark move pushes nothing";
    const std::string second = risk();
    const auto r1 = row_for(nlohmann::json::parse(first), "BTCUSDT"), r2 = row_for(nlohmann::json::parse(second), "BTCUSDT");
    EXPECT_EQ(r1["updateTime"], T);
    EXPECT_EQ(r2["updateTime"], T) << "no position change since the push";
    EXPECT_EQ(r1["markPrice"], "90900");
    EXPECT_EQ(r2["markPrice"], "91000");
    EXPECT_EQ(r1["unRealizedProfit"], "23.4");
    EXPECT_EQ(r2["unRealizedProfit"], "73.4");
    EXPECT_EQ(r2["notional"], "45500");

    // The mirror: the push, then both snapshots (as of their requests), and the other way round.
    const auto book_of = [&](bool push_last) {
        account_book book;
        const auto apply_body = [&](const std::string& body, std::uint64_t id, std::int64_t as_of) {
            const auto parsed = test::parse_snapshot(body, snapshot_kind::position_risk_v2);
            EXPECT_TRUE(parsed.result.ok()) << parse::error_json(parsed.result);
            for (auto ev : parsed.events) {
                if (ev.type() == event_type::snapshot_begin) {
                    ev.payload.snapshot.snapshot_id = id;
                    ev.payload.snapshot.as_of_ms = as_of;
                }
                if (ev.type() == event_type::snapshot_end) ev.payload.snapshot.snapshot_id = id;
                (void)book.apply(ev);
            }
        };
        const auto push = [&] {
            for (const auto& ev : test::parse_user(pushed, market::usdm).events) (void)book.apply(ev);
        };
        if (!push_last) push();
        apply_body(first, 1, T + 100);
        apply_body(second, 2, T + 200);
        if (push_last) push(); // a late duplicate from an overlapping connection
        const auto* pos = book.position("BTCUSDT", position_side::both);
        return pos->unrealized_pnl.to_string() + " " + pos->mark_price.to_string();
    };
    EXPECT_EQ(book_of(false), "73.4 91000");
    EXPECT_EQ(book_of(true), "73.4 91000");
}

// The scenario random-walks every symbol's mark from the samples' levels in small steps, and
// pushes nothing for it: with transfers only, no position row ever changes on the stream, while
// two snapshots half a second apart show the marks moved.
TEST_F(sim_fixture, TheScenarioWalksMarksWithoutPushingThem) {
    start(400, market::usdm, [](sim::server_config& c) { c.scenario = "transfers"; });
    open_btc_position(*srv); // the mark set to 90900 with it
    beast_ws_client ws(srv->port(), "/private/ws/" + listen_key());
    client c(srv->port());
    const auto risk = [&] {
        const auto r = c.request(http::verb::get, signed_target("/fapi/v2/positionRisk", srv->api_secret(0), wall_ms()),
                                 srv->api_key(0));
        EXPECT_EQ(r.result(), http::status::ok) << r.body();
        return nlohmann::json::parse(r.body());
    };
    const auto a = risk();
    int frames = 0;
    const auto until = std::chrono::steady_clock::now() + 600ms;
    while (std::chrono::steady_clock::now() < until) {
        const std::string f = ws.next(200);
        if (f.empty() || f.find("\"ACCOUNT_UPDATE\"") == std::string::npos) continue;
        ++frames;
        EXPECT_NE(f.find("\"P\":[]"), std::string::npos) << "transfers change no position: " << f;
    }
    const auto b = risk();
    EXPECT_GT(frames, 10);
    int moved = 0;
    for (const auto& [sym, level] : {std::pair<const char*, double>{"BTCUSDT", 90900}, {"ETHUSDT", 2631.9}, {"SOLUSDT", 80.19}}) {
        const auto ra = row_for(a, sym), rb = row_for(b, sym);
        moved += ra["markPrice"] != rb["markPrice"];
        EXPECT_NEAR(std::stod(rb["markPrice"].get<std::string>()) / level, 1.0, 0.01) << sym << ": small steps from the samples' level";
        EXPECT_EQ(ra["updateTime"], rb["updateTime"]) << sym;
    }
    EXPECT_GE(moved, 2) << a.dump() << "\n" << b.dump();
    const auto btc = row_for(b, "BTCUSDT");
    const double upnl = std::stod(btc["unRealizedProfit"].get<std::string>());
    EXPECT_NE(upnl, 0.0);
    EXPECT_NEAR(upnl, (std::stod(btc["markPrice"].get<std::string>()) - 90853.2) * 0.5, 1e-6);
}

namespace {
// The keys of a body: "" the top level, "assets" and "positions" their rows' (union), "[]" an
// array body's rows' (union).
using key_sets = std::map<std::string, std::set<std::string>>;
void collect_keys(const nlohmann::json& j, key_sets& k) {
    const auto rows = [&](const nlohmann::json& a, const std::string& name) {
        for (const auto& e : a)
            for (const auto& [key, v] : e.items()) k[name].insert(key);
    };
    if (j.is_array()) return rows(j, "[]");
    for (const auto& [key, v] : j.items()) {
        k[""].insert(key);
        if ((key == "assets" || key == "positions") && v.is_array()) rows(v, key);
    }
}
key_sets sample_keys(std::initializer_list<const char*> files, bool wsapi = false) {
    key_sets k;
    for (const char* f : files) {
        const auto j = nlohmann::json::parse(test::sample(f));
        collect_keys(wsapi ? j["result"] : j, k);
    }
    return k;
}
key_sets literal_keys(const char* body) {
    key_sets k;
    collect_keys(nlohmann::json::parse(body), k);
    return k;
}
// What the sample has that the simulator's body lacks, level by level ("" when nothing).
std::string missing_keys(const key_sets& sample, const key_sets& sim) {
    std::string out;
    for (const auto& [level, keys] : sample) {
        const auto it = sim.find(level);
        for (const auto& key : keys)
            if (it == sim.end() || !it->second.contains(key)) out += (level.empty() ? "" : level + ".") + key + " ";
    }
    return out;
}
// The spec's bodies where no sample file exists (spec §3.5, §3.6).
constexpr const char* usdm_balance_doc =
    R"([{"accountAlias":"SgsR","asset":"USDT","balance":"122607.35137903","crossWalletBalance":"23.72469206","crossUnPnl":"0.00000000","availableBalance":"23.72469206","maxWithdrawAmount":"23.72469206","marginAvailable":true,"updateTime":1617939110373}])";
constexpr const char* coinm_balance_doc =
    R"([{"accountAlias":"SgsR","asset":"BTC","balance":"0.00250000","withdrawAvailable":"0.00250000","crossWalletBalance":"0.00241969","crossUnPnl":"0.00000000","availableBalance":"0.00241969","updateTime":1592468353979}])";
constexpr const char* symbol_config_doc =
    R"([{"symbol":"BTCUSDT","marginType":"CROSSED","isAutoAddMargin":false,"leverage":21,"maxNotionalValue":"1000000"}])";
constexpr const char* account_config_doc =
    R"({"feeTier":0,"canTrade":true,"canDeposit":true,"canWithdraw":true,"dualSidePosition":true,"updateTime":0,"multiAssetsMargin":false,"tradeGroupId":-1})";
} // namespace

// Every REST and WS-API body the simulator serves has every key of the real bodies of its kind
// (the samples of tests/data/samples, the spec's examples where there is no sample), at the top
// level and in its asset and position rows, with an open position and a resting order on the
// account; and acctsync's parser reads each of them.
TEST_F(sim_fixture, EveryRestBodyHasEveryFieldOfTheRealSamples) {
    struct body_case {
        std::string path_or_method; // a REST path, or "ws:" and a WS-API method
        snapshot_kind kind;
        key_sets sample;
    };
    for (const market venue : {market::usdm, market::coinm}) {
        SCOPED_TRACE(to_string(venue));
        const bool usdm = venue == market::usdm;
        start(0, venue);
        srv->operate(0, [usdm](sim::account_engine& e, std::int64_t t) {
            sim::fill_request f;
            f.symbol = usdm ? "BTCUSDT" : "BTCUSD_PERP";
            f.side = order_side::buy;
            f.qty = dec(usdm ? "0.5" : "10");
            f.price = dec("90853.2");
            f.fee = dec("0.0001");
            f.order_id = f.trade_id = 1;
            auto frames = e.fill(f, t);
            sim::order_request o;
            o.symbol = f.symbol;
            o.side = order_side::sell;
            o.qty = dec(usdm ? "0.2" : "3");
            o.price = dec("95000");
            o.order_id = 2;
            for (auto& fr : e.place_limit(o, t)) frames.push_back(std::move(fr));
            return frames;
        });
        std::vector<body_case> cases;
        if (usdm) {
            cases = {
                {"/fapi/v2/account", snapshot_kind::account_v2,
                 sample_keys({"usdm_account_v2_01.json", "usdm_account_v2_02.json", "usdm_account_v2_03.json", "usdm_account_v2_04.json"})},
                {"/fapi/v3/account", snapshot_kind::account_v3, sample_keys({"usdm_account_v3_01.json"})},
                {"/fapi/v2/balance", snapshot_kind::balance_v2, literal_keys(usdm_balance_doc)},
                {"/fapi/v3/balance", snapshot_kind::balance_v3, literal_keys(usdm_balance_doc)},
                {"/fapi/v2/positionRisk", snapshot_kind::position_risk_v2,
                 sample_keys({"usdm_position_risk_01.json", "usdm_position_risk_02.json", "usdm_position_risk_03.json",
                              "usdm_position_risk_04.json"})},
                {"/fapi/v3/positionRisk", snapshot_kind::position_risk_v3, sample_keys({"usdm_position_risk_v3_01.json"})},
                {"/fapi/v1/symbolConfig", snapshot_kind::symbol_config, literal_keys(symbol_config_doc)},
                {"/fapi/v1/accountConfig", snapshot_kind::account_config, literal_keys(account_config_doc)},
                {"ws:account.status", snapshot_kind::account_v2, sample_keys({"wsfapi_account_status_01.json"}, true)},
                {"ws:v2/account.status", snapshot_kind::account_v3, sample_keys({"wsfapi_account_status_v2_01.json"}, true)},
                {"ws:account.balance", snapshot_kind::balance_v2, literal_keys(usdm_balance_doc)},
                {"ws:account.position", snapshot_kind::position_risk_v2,
                 sample_keys({"usdm_position_risk_01.json", "usdm_position_risk_02.json", "usdm_position_risk_04.json"})},
                {"ws:v2/account.position", snapshot_kind::position_risk_v3, sample_keys({"usdm_position_risk_v3_01.json"})},
            };
        } else {
            cases = {
                {"/dapi/v1/account", snapshot_kind::coinm_account, sample_keys({"coinm_account_01.json", "coinm_account_02.json"})},
                {"/dapi/v1/balance", snapshot_kind::coinm_balance, literal_keys(coinm_balance_doc)},
                {"/dapi/v1/positionRisk", snapshot_kind::coinm_position_risk, sample_keys({"coinm_position_risk_01.json"})},
                {"ws:account.status", snapshot_kind::coinm_account, sample_keys({"coinm_wsapi_account_status_01.json"}, true)},
            };
        }
        client c(srv->port());
        beast_ws_client api(srv->port(), usdm ? "/ws-fapi/v1" : "/ws-dapi/v1");
        const std::string key = srv->api_key(0), secret = srv->api_secret(0);
        int id = 0;
        for (const auto& bc : cases) {
            SCOPED_TRACE(bc.path_or_method);
            std::string body;
            const bool ws = bc.path_or_method.rfind("ws:", 0) == 0;
            if (ws) {
                std::vector<std::pair<std::string, std::string>> params{{"apiKey", key}, {"timestamp", std::to_string(wall_ms())}};
                const auto mac = hmac_sha256_hex(secret, wsapi_payload(params));
                api.send(R"({"id":)" + std::to_string(++id) + R"(,"method":")" + bc.path_or_method.substr(3) +
                         R"(","params":{"apiKey":")" + key + R"(","timestamp":)" + params[1].second + R"(,"signature":")" +
                         std::string(mac.data(), mac.size()) + R"("}})");
                body = api.next(3000);
            } else {
                const auto r = c.request(http::verb::get, signed_target(bc.path_or_method, secret, wall_ms()), key);
                ASSERT_EQ(r.result(), http::status::ok) << r.body();
                body = r.body();
            }
            const auto parsed = test::parse_snapshot(body, bc.kind, ws, nullptr, venue);
            EXPECT_TRUE(parsed.result.ok()) << parse::error_json(parsed.result) << "\n" << body;
            const auto j = nlohmann::json::parse(body);
            key_sets got;
            collect_keys(ws ? j["result"] : j, got);
            EXPECT_EQ(missing_keys(bc.sample, got), "") << body;
        }
        srv->stop();
        srv.reset();
    }
}
