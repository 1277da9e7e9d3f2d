// Test helpers shared by the tests that run the exchange simulator on 127.0.0.1: the fixture
// that starts it, its listenKey, signed REST targets, and snapshots applied to a book. Every
// wait is bounded (tools/sim/client.hpp).
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "core/account_book.hpp"
#include "tools/sim/asio.hpp"
#include "net/signing.hpp"
#include "parse/json/book_json.hpp"
#include "parse/json/event_json.hpp"
#include "parse/snapshot.hpp"
#include "support/payload.hpp"
#include "tools/sim/client.hpp"
#include "tools/sim/server.hpp"
#include "parse/vector_sink.hpp"

namespace acctsync::test {

namespace http = acctsync::net::http;

inline const std::string ca_dir = ACCTSYNC_TEST_CA_DIR;

inline std::int64_t wall_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

inline std::string signed_target(const std::string& path, const std::string& secret, std::int64_t ts, const std::string& extra = "") {
    const std::string query = extra + "timestamp=" + std::to_string(ts) + "&recvWindow=5000";
    return path + "?" + query + "&signature=" + net::sign_rest(net::secret(secret), query, "");
}

struct client : sim::https_client {
    explicit client(std::uint16_t port, const std::string& ca = ca_dir + "/ca.pem", const std::string& host = "localhost")
        : sim::https_client(port, ca, host) {}
};
struct beast_ws_client : sim::wss_client {
    beast_ws_client(std::uint16_t port, const std::string& target, int receive_buffer = 0)
        : sim::wss_client(port, target, ca_dir + "/ca.pem", receive_buffer) {}
};

// Signed REST snapshots, parsed into the book (as-of = when the request left).
inline void apply_snapshots(client& c, account_book& book, const sim::server& srv, std::initializer_list<const char*> paths,
                     market venue = market::usdm) {
    parse::snapshot_parser snaps;
    std::uint64_t id = 0;
    for (const char* path : paths) {
        const std::int64_t sent = wall_ms();
        const auto r = c.request(http::verb::get, signed_target(path, srv.api_secret(0), sent), srv.api_key(0));
        ASSERT_EQ(r.result(), http::status::ok) << path << ": " << r.body();
        test::padded in(r.body());
        parse::vector_sink sink;
        parse::snapshot_request req;
        req.kind = parse::kind_from_path(path);
        req.venue = venue;
        req.snapshot_id = ++id;
        req.as_of_ms = sent; // the response describes the account at or after the request
        req.request_sent_ns = sent * 1'000'000;
        const auto pr = snaps.parse_rest(in.data(), in.size, req, sink.sink());
        ASSERT_TRUE(pr.ok()) << path << ": " << parse::error_json(pr);
        for (const auto& ev : sink.events) (void)book.apply(ev);
    }
}

struct sim_fixture : ::testing::Test {
    std::unique_ptr<sim::server> srv;
    // The tests' simulator: the test CA's server certificate, two accounts, seed 7.
    static sim::server_config server_config_for(double rate, market venue) {
        sim::server_config cfg;
        cfg.cert_file = ca_dir + "/server.pem";
        cfg.key_file = ca_dir + "/server.key";
        cfg.rate = rate;
        cfg.venue = venue;
        cfg.accounts = 2;
        cfg.seed = 7;
        return cfg;
    }
    void start(double rate = 200, market venue = market::usdm, const std::function<void(sim::server_config&)>& tweak = {}) {
        auto cfg = server_config_for(rate, venue);
        if (tweak) tweak(cfg);
        srv = std::make_unique<sim::server>(cfg);
        srv->start();
    }
    void TearDown() override {
        if (srv) srv->stop();
    }
    std::string listen_key(int account = 0) {
        client c(srv->port());
        const auto res = c.request(http::verb::post, "/fapi/v1/listenKey", srv->api_key(account));
        EXPECT_EQ(res.result(), http::status::ok) << res.body();
        const auto at = res.body().find("\"listenKey\":\"") + 13;
        return res.body().substr(at, res.body().find('"', at) - at);
    }
};


// The book as the simulator's truth writes it (stream-visible fields only, zero rows skipped).
inline std::string mirror_json(const account_book& book) {
    parse::book_json_options o;
    o.include_snapshot_only = false;
    o.skip_zero = true;
    return parse::book_json(book, o);
}

} // namespace acctsync::test
