// acctsync's own TLS + WebSocket client against the simulator's Beast server over loopback:
// verification failures as typed errors, the upgrade, session resumption, pings answered and
// sent, the close handshake, and the mirror built through this client equal to the truth —
// with split (continuation) frames, duplicates, broken and oversized frames on the stream.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "core/account_book.hpp"
#include "net/ws_client.hpp"
#include "parse/user_stream.hpp"
#include "support/sim_fixture.hpp"
#include "parse/vector_sink.hpp"

using namespace acctsync;
using namespace acctsync::test;
using namespace std::chrono_literals;
using net::net_errc;

namespace {

net::ws_url sim_url(std::uint16_t port, const std::string& target) {
    return net::ws_url{"localhost", port, target};
}

net::ws_client_options loopback(net::ws_client_options o = {}) {
    o.connect_to = "127.0.0.1";
    return o;
}

// Polls until `done()` or the time limit; returns the connection's verdict (ok while open).
template <class Handler, class Done>
net::net_error pump(net::ws_client& ws, Handler&& on_message, Done&& done, std::chrono::milliseconds limit) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until && !done()) {
        const auto r = ws.poll(on_message, 20);
        if (!r.error.ok()) return r.error;
    }
    return {};
}

struct own_client_fixture : sim_fixture {
    net::tls_context tls{net::tls_options{.ca_file = ca_dir + "/ca.pem"}};
};

} // namespace

TEST_F(own_client_fixture, verification_failures_are_typed_errors) {
    start(0, market::usdm, [](sim::server_config&) {});
    const std::string key = listen_key();
    {
        net::tls_context rogue(net::tls_options{.ca_file = ca_dir + "/rogue-ca.pem"});
        net::ws_client ws(rogue, loopback());
        EXPECT_EQ(ws.connect(sim_url(srv->port(), "/private/ws/" + key)).code, net_errc::tls_untrusted_ca);
    }
    {
        net::ws_client ws(tls, loopback());
        net::ws_url wrong{"example.com", srv->port(), "/private/ws/" + key};
        EXPECT_EQ(ws.connect(wrong).code, net_errc::tls_wrong_host);
    }
    {
        net::ws_client ws(tls, loopback());
        EXPECT_TRUE(ws.connect(sim_url(srv->port(), "/private/ws/" + key)).ok());
        EXPECT_EQ(ws.state(), net::ws_state::open);
    }
}

TEST_F(own_client_fixture, an_expired_certificate_is_rejected) {
    start(0, market::usdm, [](sim::server_config& c) { c.cert_file = ca_dir + "/expired.pem"; });
    net::ws_client ws(tls, loopback());
    EXPECT_EQ(ws.connect(sim_url(srv->port(), "/private/ws/x")).code, net_errc::tls_expired_certificate);
}

TEST_F(own_client_fixture, refused_connections_and_refused_upgrades_are_typed) {
    start(0);
    net::ws_client ws(tls, loopback());
    const auto e = ws.connect(sim_url(srv->port(), "/private/ws/not-a-live-key"));
    EXPECT_EQ(e.code, net_errc::ws_handshake_rejected);
    EXPECT_GE(e.detail, 400);
    EXPECT_EQ(ws.connect(sim_url(1, "/")).code, net_errc::connect_refused);
    EXPECT_FALSE(net::parse_ws_url("ws://plain.example/"));
    EXPECT_FALSE(net::parse_ws_url("wss://host:99999/"));
    const auto u = net::parse_ws_url("wss://fstream.binance.com/private/ws?listenKey=k&events=ORDER_TRADE_UPDATE");
    ASSERT_TRUE(u);
    EXPECT_EQ(u->host, "fstream.binance.com");
    EXPECT_EQ(u->port, 443);
    EXPECT_EQ(u->target, "/private/ws?listenKey=k&events=ORDER_TRADE_UPDATE");
    EXPECT_EQ(net::parse_ws_url("wss://127.0.0.1:8443")->target, "/");
}

TEST_F(own_client_fixture, a_reconnect_resumes_the_tls_session) {
    start(0);
    const std::string key = listen_key();
    net::ws_client ws(tls, loopback());
    ASSERT_TRUE(ws.connect(sim_url(srv->port(), "/private/ws/" + key)).ok());
    EXPECT_FALSE(ws.tls().resumed());
    EXPECT_FALSE(ws.tls().version().empty());
    // TLS 1.3 tickets arrive after the handshake: read for a moment before closing.
    (void)pump(ws, [](const net::ws_message&) {}, [] { return false; }, 200ms);
    ws.close();
    ASSERT_TRUE(ws.connect(sim_url(srv->port(), "/private/ws/" + key)).ok());
    EXPECT_TRUE(ws.tls().resumed()) << ws.tls().version();
}

TEST_F(own_client_fixture, server_pings_are_answered_and_the_connection_lives_on) {
    start(0, market::usdm, [](sim::server_config& c) {
        c.ping_interval = 150ms; // its pongs stay within Binance's 10 messages a second
        c.pong_timeout = 400ms; // a client that did not answer would be dropped within the test
    });
    net::ws_client ws(tls, loopback());
    ASSERT_TRUE(ws.connect(sim_url(srv->port(), "/private/ws/" + listen_key())).ok());
    const auto e = pump(ws, [](const net::ws_message&) {}, [] { return false; }, 1500ms);
    EXPECT_TRUE(e.ok()) << net::to_string(e.code);
    EXPECT_GE(ws.counters().pings_received, 5u);
    EXPECT_EQ(ws.counters().pongs_sent, ws.counters().pings_received);
    EXPECT_EQ(ws.state(), net::ws_state::open);
}

TEST_F(own_client_fixture, own_pings_are_answered_by_the_server) {
    start(0);
    net::ws_client ws(tls, loopback({.ping_interval = 50ms, .pong_timeout = 2000ms}));
    ASSERT_TRUE(ws.connect(sim_url(srv->port(), "/private/ws/" + listen_key())).ok());
    const auto e = pump(ws, [](const net::ws_message&) {}, [&] { return ws.counters().pongs_received >= 3; }, 3000ms);
    EXPECT_TRUE(e.ok()) << net::to_string(e.code);
    EXPECT_GE(ws.counters().pongs_received, 3u);
}

TEST_F(own_client_fixture, the_close_handshake_ends_with_the_servers_answer) {
    start(0);
    net::ws_client ws(tls, loopback());
    ASSERT_TRUE(ws.connect(sim_url(srv->port(), "/private/ws/" + listen_key())).ok());
    ws.close(net::ws_close_code::normal, "bye");
    EXPECT_EQ(ws.state(), net::ws_state::closed);
    EXPECT_EQ(ws.peer_close_code(), net::ws_close_code::normal) << "the server answered our close";
    const auto r = ws.poll([](const net::ws_message&) {});
    EXPECT_EQ(r.error.code, net_errc::ws_closed);
}

TEST_F(own_client_fixture, a_dropped_connection_is_reported_after_the_buffered_messages) {
    start(300, market::usdm, [](sim::server_config& c) {
        c.faults = {"drop"};
        c.fault_rate = 0.05;
    });
    net::ws_client ws(tls, loopback());
    ASSERT_TRUE(ws.connect(sim_url(srv->port(), "/private/ws/" + listen_key())).ok());
    std::size_t messages = 0;
    const auto e = pump(ws, [&](const net::ws_message&) { ++messages; }, [] { return false; }, 10s);
    EXPECT_TRUE(e.code == net_errc::peer_reset || e.code == net_errc::eof) << net::to_string(e.code);
    EXPECT_EQ(ws.state(), net::ws_state::closed);
}

TEST_F(own_client_fixture, a_message_over_the_limit_closes_with_1009) {
    start(400, market::usdm, [](sim::server_config& c) {
        c.faults = {"oversized"}; // an extra 2 MiB frame
        c.fault_rate = 0.1;
    });
    net::ws_client ws(tls, loopback({.max_message = 1 << 20}));
    ASSERT_TRUE(ws.connect(sim_url(srv->port(), "/private/ws/" + listen_key())).ok());
    const auto e = pump(ws, [](const net::ws_message&) {}, [] { return false; }, 10s);
    EXPECT_EQ(e.code, net_errc::ws_message_too_big);
}

// The product path in miniature: this client's views go straight to the parser, no copy.
TEST_F(own_client_fixture, the_mirror_built_through_this_client_equals_the_truth) {
    start(400, market::usdm, [](sim::server_config& c) {
        c.faults = {"duplicate", "malformed", "split", "oversized", "ping_storm"};
        c.fault_rate = 0.15;
    });
    // 4 MiB: the simulator's 2 MiB frames reach the parser, which types them `oversized`.
    net::ws_client ws(tls, loopback({.max_message = 4 << 20, .mode = net::read_mode::busy_poll}));
    ASSERT_TRUE(ws.connect(sim_url(srv->port(), "/private/ws/" + listen_key())).ok());
    client rest(srv->port());
    account_book book;
    apply_snapshots(rest, book, *srv, {"/fapi/v2/account", "/fapi/v2/positionRisk", "/fapi/v1/accountConfig"});
    parse::user_stream_parser parser;
    std::size_t frames = 0, errors = 0;
    auto on_message = [&](const net::ws_message& m) {
        parse::vector_sink sink;
        const auto r = parser.parse(m.data, m.size, {}, sink.sink());
        if (!r.ok()) {
            ++errors;
            return;
        }
        ++frames;
        for (const auto& ev : sink.events) (void)book.apply(ev);
    };
    auto e = pump(ws, on_message, [&] { return frames >= 300; }, 20s);
    ASSERT_TRUE(e.ok()) << net::to_string(e.code);
    srv->pause_scenario(true);
    // drain: until 500 ms pass with nothing new
    for (std::size_t before = SIZE_MAX; before != frames + errors;) {
        before = frames + errors;
        e = pump(ws, on_message, [] { return false; }, 500ms);
        ASSERT_TRUE(e.ok()) << net::to_string(e.code);
    }
    EXPECT_GE(frames, 300u);
    EXPECT_GT(errors, 0u) << "broken and oversized frames were typed parse errors";
    EXPECT_GT(ws.counters().reassembled, 0u) << "split frames were reassembled";
    EXPECT_GT(ws.counters().pings_received, 0u);
    EXPECT_EQ(mirror_json(book), srv->truth(0));
}
