// Zero allocation on the network thread: a loopback TLS server writes 1 M user-data frames
// (compact ACCOUNT_UPDATE, ORDER_TRADE_UPDATE, TRADE_LITE, as Binance sends them) with pings
// among them; the client thread reads, decrypts, decodes, answers the pings, parses and
// publishes every frame into an spsc_ring and drains it — and, after warm-up, allocates
// nothing: not acctsync, not wolfSSL (its malloc calls are counted too).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/spsc_ring.hpp"
#include "net/ws_client.hpp"
#include "parse/event_sink.hpp"
#include "parse/user_stream.hpp"
#include "support/payload.hpp"
#include "support/tls_frame_server.hpp"

#include "support/counting_allocator.hpp"

using namespace acctsync;

namespace {

const std::string ca_dir = ACCTSYNC_TEST_CA_DIR;

void run(net::read_mode mode, std::uint64_t total) {
    const std::vector<std::string> payloads = {test::minified(test::sample("usdm_account_update_01.json")),
                                               test::minified(test::sample("usdm_order_trade_update_01.json")),
                                               test::minified(test::sample("usdm_trade_lite_01.json"))};
    std::string batch; // 48 frames
    for (int i = 0; i < 16; ++i)
        for (const auto& p : payloads) batch += test::server_frame(0x81, p);
    const std::uint64_t batches = total / 48;
    const std::uint64_t pings_every = 500; // batches

    test::tls_frame_server server(ca_dir + "/server.pem", ca_dir + "/server.key");
    server.serve([&](const test::tls_frame_server::connection& c) {
        const std::string ping = test::server_frame(0x89, "keepalive");
        for (std::uint64_t b = 0; b < batches; ++b) {
            if (b % pings_every == 0 && !c.write(ping)) return;
            if (!c.write(batch)) return;
        }
        std::string close;
        close.push_back(static_cast<char>(0x03));
        close.push_back(static_cast<char>(0xE8));
        (void)c.write(test::server_frame(0x88, close));
        // Read until the client has closed: closing with its pongs unread would make the kernel
        // reset the connection, and the client lose the frames still in flight.
        char sink[4096];
        while (c.read(sink, sizeof sink) != 0) {
        }
    });

    net::tls_context tls(net::tls_options{.ca_file = ca_dir + "/ca.pem"});
    net::ws_client_options o;
    o.mode = mode;
    o.connect_to = "127.0.0.1";
    net::ws_client ws(tls, o);
    ASSERT_TRUE(ws.connect({"localhost", server.port(), "/private/ws/k"}).ok());
    spsc_ring<event> ring(4096);
    const parse::event_sink sink = parse::event_sink::of(ring);
    parse::user_stream_parser parser;
    std::uint64_t messages = 0, errors = 0, events = 0, counted_from = 0;
    const std::uint64_t warm_up = 20000;
    net::net_error end;
    while (end.ok()) {
        const auto r = ws.poll(
            [&](const net::ws_message& m) {
                if (!parser.parse(m.data, m.size, {}, sink).ok()) ++errors;
                // The last frame is in: the close that follows (a session saved for resumption)
                // is the end of the connection, not the hot path.
                if (++messages == batches * 48) g_counting = false;
            },
            100);
        events += ring.drain([](const event&) {}, 4096);
        if (messages >= warm_up && counted_from == 0) {
            counted_from = messages;
            g_allocations = 0;
            g_count_thread = pthread_self();
            g_counting = true;
        }
        end = r.error;
    }
    g_counting = false;
    g_count_thread = pthread_t{};
    server.join();
    EXPECT_EQ(end.code, net::net_errc::ws_closed);
    EXPECT_EQ(messages, batches * 48);
    EXPECT_EQ(errors, 0u);
    EXPECT_GE(events, messages) << "every frame published at least one event";
    EXPECT_EQ(ws.counters().pongs_sent, (batches + pings_every - 1) / pings_every);
    EXPECT_GT(parser.counters().direct_frames, messages / 2) << "the compact frames took the direct readers";
    EXPECT_EQ(g_allocations.load(), 0u) << "allocations on the network thread over " << (messages - counted_from)
                                        << " frames after warm-up";
}

#if defined(ACCTSYNC_SANITIZED)
constexpr std::uint64_t frames = 200'000;
#else
constexpr std::uint64_t frames = 1'000'000;
#endif

} // namespace

TEST(zero_alloc_network, busy_polling_a_million_frames_allocates_nothing_after_warm_up) {
    run(net::read_mode::busy_poll, frames);
}

TEST(zero_alloc_network, event_driven_reads_allocate_nothing_after_warm_up) { run(net::read_mode::event_driven, frames / 4); }
