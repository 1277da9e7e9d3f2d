// acctsync's WebSocket client against a peer it did not write: the Node.js `ws` package as a
// TLS server (tests/peers/ws_peer.js), scripted through the cases of the Autobahn Testsuite
// that apply to a client without compression — framing and lengths (§1), ping/pong (§2),
// reserved bits (§3), opcodes (§4), fragmentation with interleaved pings (§5), UTF-8 (§6),
// close codes and reasons (§7), limits (§9.1–9.6), and a split frame header (§10-style
// cuts). Where `ws` will not write a broken frame, the peer writes raw bytes. For every case
// the test checks what the client delivered and how it ended, and asks the peer what the
// client sent back (pongs and their payloads, the close code).
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include "net/https_connection.hpp"
#include "net/ws_client.hpp"
#include "support/node_peer.hpp"

using namespace acctsync;
using namespace std::chrono_literals;
using net::net_errc;

namespace {

const std::string ca_dir = ACCTSYNC_TEST_CA_DIR;

std::string hex(const std::string& s) {
    static constexpr char d[] = "0123456789abcdef";
    std::string out;
    for (unsigned char c : s) {
        out += d[c >> 4];
        out += d[c & 15];
    }
    return out;
}
std::string A(std::size_t n) { return std::string(n, '*'); }
std::string B(std::size_t n) { return std::string(n, '\xFE'); }

struct ws_case {
    std::string name;
    std::vector<std::string> messages; // delivered, in order
    net_errc end;                      // how the connection ended
    int end_detail;                    // ws_closed: the peer's code; -1 = not checked
    int client_close;                  // the close code the client sent; 0 = none, -1 = not checked
    std::vector<std::string> pongs = {};
};

ws_case closed_by_peer(std::string name, std::vector<std::string> messages, int code = 1000,
                       std::vector<std::string> pongs = {}) {
    return {std::move(name), std::move(messages), net_errc::ws_closed, code, code, std::move(pongs)};
}
ws_case failed(std::string name, net_errc e, std::vector<std::string> messages = {}) {
    return {std::move(name), std::move(messages), e, -1, net::close_code_for(e)};
}

std::vector<ws_case> cases() {
    std::vector<ws_case> c;
    for (std::size_t n : {0, 125, 126, 127, 128, 65535, 65536}) c.push_back(closed_by_peer("text_" + std::to_string(n), {A(n)}));
    for (std::size_t n : {0, 125, 126, 65536}) c.push_back(closed_by_peer("binary_" + std::to_string(n), {B(n)}));
    c.push_back(closed_by_peer("ping_empty", {}, 1000, {""}));
    c.push_back(closed_by_peer("ping_hello", {}, 1000, {"Hello, World!"}));
    std::string bytes125;
    for (int i = 0; i < 125; ++i) bytes125 += static_cast<char>(i);
    c.push_back(closed_by_peer("ping_125_binary", {}, 1000, {bytes125}));
    c.push_back(closed_by_peer("ping_10_in_a_row", {}, 1000, {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}));
    c.push_back(closed_by_peer("fragmented_text", {"frag1frag2frag3"}));
    c.push_back(closed_by_peer("fragmented_with_ping", {"fragment1fragment2"}, 1000, {"between"}));
    c.push_back(closed_by_peer("fragmented_many_small", {A(1 << 20)}));
    c.push_back(closed_by_peer("utf8_valid", {"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5", "\xf0\x9f\x98\x80 and \xe2\x82\xac"}));
    c.push_back(closed_by_peer("utf8_valid_fragmented", {"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5"}));
    c.push_back(closed_by_peer("close_1000", {}));
    c.push_back(closed_by_peer("close_no_code", {}, 1005));
    for (int code : {3000, 4999, 1001, 1011}) c.push_back(closed_by_peer("close_" + std::to_string(code), {}, code));
    c.push_back(closed_by_peer("big_1mib", {A(1 << 20)}));
    c.push_back(failed("big_over_limit", net_errc::ws_message_too_big));
    c.push_back(closed_by_peer("big_binary_256k", {B(262144)}));
    // raw frames
    for (const char* n : {"rsv1", "rsv2", "rsv3", "rsv_all"}) c.push_back(failed(n, net_errc::ws_reserved_bits));
    c.push_back(failed("rsv_after_good", net_errc::ws_reserved_bits, {"good"}));
    for (int op : {3, 4, 5, 6, 7, 11, 12, 13, 14, 15}) c.push_back(failed("opcode_" + std::to_string(op), net_errc::ws_reserved_opcode));
    c.push_back(failed("masked_server_frame", net_errc::ws_masked_frame));
    c.push_back(failed("ping_126", net_errc::ws_control_too_long));
    c.push_back(failed("ping_fragmented", net_errc::ws_control_fragmented));
    c.push_back(failed("continuation_without_start", net_errc::ws_unexpected_continuation));
    c.push_back(failed("text_inside_fragmented", net_errc::ws_expected_continuation));
    c.push_back(failed("utf8_invalid", net_errc::ws_invalid_utf8));
    c.push_back(failed("utf8_invalid_fragment_first", net_errc::ws_invalid_utf8)); // fails fast: the rest never comes
    c.push_back(failed("close_1_byte", net_errc::ws_bad_close_payload));
    for (int code : {0, 999, 1004, 1005, 1006, 1016, 1100, 2000, 2999, 5000})
        c.push_back(failed("close_code_" + std::to_string(code), net_errc::ws_bad_close_code));
    c.push_back(closed_by_peer("close_code_1002_raw", {}, 1002));
    c.push_back(closed_by_peer("close_code_3999_raw", {}, 3999));
    c.push_back(failed("close_bad_utf8_reason", net_errc::ws_invalid_utf8));
    c.push_back(closed_by_peer("data_after_close", {}));
    c.push_back(closed_by_peer("split_header", {"split"}));
    c.push_back(failed("length_64bit_top_bit", net_errc::ws_bad_length));
    c.push_back(closed_by_peer("ping_then_close_raw", {}, 1000, {"raw-ping"}));
    return c;
}

struct conformance : test::ws_peer_suite {

    std::string report(const std::string& id) {
        net::https_connection http(tls, "localhost", peer->port(), {.connect_to = "127.0.0.1"});
        net::http_response res;
        net::http_request req;
        const std::string target = "/report/" + id;
        req.target = target;
        const auto e = http.request(req, res, true);
        EXPECT_TRUE(e.ok()) << net::to_string(e.code);
        EXPECT_EQ(res.status, 200) << res.body;
        return res.body;
    }
};

} // namespace

TEST_F(conformance, every_case_ends_as_rfc_6455_says) {
    int index = 0;
    for (const auto& k : cases()) {
        SCOPED_TRACE(k.name);
        const std::string id = "t" + std::to_string(index);
        // alternate the read modes: both must behave the same
        net::ws_client_options o;
        o.connect_to = "127.0.0.1";
        o.mode = index++ % 2 == 0 ? net::read_mode::event_driven : net::read_mode::busy_poll;
        o.max_message = 1 << 20;
        net::ws_client ws(tls, o);
        ASSERT_TRUE(ws.connect({"localhost", peer->port(), "/case/" + id + "/" + k.name}).ok());
        std::vector<std::string> got;
        net::net_error end;
        const auto until = std::chrono::steady_clock::now() + 8s;
        while (end.ok() && std::chrono::steady_clock::now() < until) {
            const auto r = ws.poll([&](const net::ws_message& m) { got.emplace_back(m.data, m.size); }, 20);
            end = r.error;
        }
        EXPECT_EQ(got.size(), k.messages.size());
        for (std::size_t i = 0; i < std::min(got.size(), k.messages.size()); ++i)
            EXPECT_TRUE(got[i] == k.messages[i]) << "message " << i << " differs (" << got[i].size() << " bytes)";
        EXPECT_EQ(net::to_string(end.code), net::to_string(k.end));
        if (k.end_detail >= 0) {
            EXPECT_EQ(end.detail, k.end_detail);
        }
        EXPECT_EQ(ws.state(), net::ws_state::closed);

        const std::string rep = report(id);
        if (k.client_close > 0) {
            EXPECT_NE(rep.find("\"close_code\":" + std::to_string(k.client_close)), std::string::npos) << rep;
        }
        std::string pongs = "\"pongs\":[";
        for (std::size_t i = 0; i < k.pongs.size(); ++i) pongs += (i ? ",\"" : "\"") + hex(k.pongs[i]) + "\"";
        pongs += "]";
        EXPECT_NE(rep.find(pongs), std::string::npos) << "expected " << pongs << " in " << rep.substr(0, 300);
        if (k.name == "fragmented_with_ping") {
            EXPECT_NE(rep.find("\"pong:" + hex("between") + "\",\"sent_final_fragment\""), std::string::npos)
                << "the ping was answered before the message was complete: " << rep;
        }
    }
}

TEST_F(conformance, the_handshake_is_refused_for_an_unknown_path_with_its_status) {
    net::ws_client ws(tls, {.connect_to = "127.0.0.1"});
    const auto e = ws.connect({"localhost", peer->port(), "/case/x/no_such_case"});
    EXPECT_EQ(e.code, net_errc::ws_handshake_rejected);
    EXPECT_EQ(e.detail, 404);
}

TEST_F(conformance, own_pings_that_go_unanswered_fail_the_connection_at_the_deadline) {
    net::ws_client_options o;
    o.connect_to = "127.0.0.1";
    o.ping_interval = 50ms;
    o.pong_timeout = 200ms;
    o.close_timeout = 300ms;
    net::ws_client ws(tls, o);
    ASSERT_TRUE(ws.connect({"localhost", peer->port(), "/case/silent/silent_ignores_pings"}).ok());
    const auto t0 = std::chrono::steady_clock::now();
    net::net_error end;
    while (end.ok() && std::chrono::steady_clock::now() - t0 < 5s) end = ws.poll([](const net::ws_message&) {}, 20).error;
    EXPECT_EQ(end.code, net_errc::ws_pong_timeout);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
    EXPECT_EQ(ws.counters().pings_sent, 1u) << "one ping, unanswered";
    EXPECT_NE(report("silent").find("\"close_code\":1001"), std::string::npos) << "closed as going away";
}

TEST_F(conformance, a_server_that_never_speaks_tls_is_a_handshake_timeout) {
    const int ls = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(ls, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    ASSERT_EQ(::listen(ls, 1), 0); // the kernel completes the TCP handshake; nobody answers
    socklen_t len = sizeof a;
    (void)getsockname(ls, reinterpret_cast<sockaddr*>(&a), &len);
    net::tls_context quick(net::tls_options{.ca_file = ca_dir + "/ca.pem", .handshake_timeout = 300ms});
    net::ws_client ws(quick, {.connect_to = "127.0.0.1"});
    const auto t0 = std::chrono::steady_clock::now();
    EXPECT_EQ(ws.connect({"localhost", ntohs(a.sin_port), "/"}).code, net_errc::tls_handshake_timeout);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
    ::close(ls);
}

TEST(conformance_tls12, a_tls12_server_is_spoken_to_in_tls12_and_resumed) {
    const auto peer12 = test::start_ws_peer({"--max-tls", "1.2"});
    test::node_peer& tls12 = *peer12;
    net::tls_context tls(net::tls_options{.ca_file = ca_dir + "/ca.pem"});
    for (int i = 0; i < 2; ++i) {
        net::ws_client ws(tls, {.connect_to = "127.0.0.1"});
        ASSERT_TRUE(ws.connect({"localhost", tls12.port(), "/case/v12-" + std::to_string(i) + "/text_125"}).ok());
        EXPECT_EQ(ws.tls().version(), "TLSv1.2");
        EXPECT_EQ(ws.tls().resumed(), i == 1);
        std::string got;
        net::net_error end;
        for (int k = 0; k < 200 && end.ok(); ++k) end = ws.poll([&](const net::ws_message& m) { got.assign(m.data, m.size); }, 20).error;
        EXPECT_EQ(got, A(125));
        EXPECT_EQ(end.code, net_errc::ws_closed);
    }
    net::tls_context only13(net::tls_options{.ca_file = ca_dir + "/ca.pem", .tls13_only = true});
    net::ws_client ws(only13, {.connect_to = "127.0.0.1"});
    EXPECT_EQ(ws.connect({"localhost", tls12.port(), "/case/v13/text_0"}).code, net_errc::tls_handshake_failed);
}

TEST_F(conformance, long_client_messages_are_framed_with_16_and_64_bit_lengths) {
    for (std::size_t n : {125, 126, 65535, 65536}) {
        SCOPED_TRACE(n);
        net::ws_client ws(tls, {.connect_to = "127.0.0.1"});
        ASSERT_TRUE(ws.connect({"localhost", peer->port(), "/case/echo" + std::to_string(n) + "/echo_once"}).ok());
        const std::string text(n, 'e');
        ASSERT_TRUE(ws.send_text(text).ok());
        std::string back;
        net::net_error end;
        for (int k = 0; k < 250 && end.ok(); ++k) end = ws.poll([&](const net::ws_message& m) { back.assign(m.data, m.size); }, 20).error;
        EXPECT_TRUE(back == text) << "echoed " << back.size() << " bytes";
        EXPECT_EQ(end.code, net_errc::ws_closed);
    }
}
