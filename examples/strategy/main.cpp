// examples/strategy/main.cpp — a minimal strategy on acctsync: a feed, and one strategy thread
// that reads the account's balances and positions and prints them when they change.
//
//   BINANCE_API_KEY=… BINANCE_API_SECRET=… strategy [--testnet] [--seconds N]
//       [--rest-url URL --ws-url URL --ca-file PEM --connect-to IP]   (any endpoint, e.g. acctsync-sim)
//
// Exit status: 0 when the book was in sync with the exchange at least once, 1 if never, 2 for a
// bad flag or no key.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>

#include "net/feed.hpp"
#include "parse/json/book_json.hpp"

using namespace acctsync;

int main(int argc, char** argv) {
    bool testnet = false;
    double seconds = 10;
    std::string rest_url, ws_url, ca_file, connect_to;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
        if (a == "--testnet") testnet = true;
        else if (a == "--seconds") seconds = std::stod(next());
        else if (a == "--rest-url") rest_url = next();
        else if (a == "--ws-url") ws_url = next();
        else if (a == "--ca-file") ca_file = next();
        else if (a == "--connect-to") connect_to = next();
        else {
            std::fprintf(stderr, "strategy: unknown flag %s\n", a.c_str());
            return 2;
        }
    }
    auto cfg = net::feed_config::for_venue(market::usdm, testnet);
    if (!rest_url.empty()) cfg.rest_url = rest_url;
    if (!ws_url.empty()) cfg.ws_url = ws_url;
    if (!ca_file.empty()) cfg.tls.ca_file = ca_file;
    cfg.connect_to = connect_to;
    auto creds = net::credentials_from_env();
    if (!creds.value) {
        std::fprintf(stderr, "strategy: %s\n", creds.error.c_str());
        return 2;
    }
    cfg.creds = std::move(*creds.value);

    net::feed feed(cfg); // one consumer: this strategy's ring and book
    feed.start();
    std::atomic<bool> done{false};
    bool synced = false;
    std::thread strategy([&] {
        // The strategy thread: drain, and look at the book when it is in sync. No allocation in
        // poll(); the printing here is the example's, not the feed's.
        parse::book_json_options view;
        std::string last, now;
        while (!done.load(std::memory_order_relaxed)) {
            const std::size_t n = feed.consumer(0).poll(256);
            const account_book& book = feed.consumer(0).book();
            if (n != 0 && book.consistent() && !book.needs_resync()) {
                synced = true;
                now.clear();
                parse::write_book_json(book, now, view);
                if (now != last) {
                    std::printf("book %s\n", now.c_str());
                    last.swap(now);
                }
            }
            if (n == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
    });
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    done = true;
    strategy.join();
    const auto h = feed.health();
    feed.stop();
    std::printf("state %s, frames %llu, gaps %llu, healed %llu, in sync %s\n", std::string(net::to_string(h.state)).c_str(),
                static_cast<unsigned long long>(h.frames), static_cast<unsigned long long>(h.gaps),
                static_cast<unsigned long long>(h.healed), synced ? "yes" : "never");
    if (!synced) {
        const auto e = feed.last_error();
        if (e.count != 0) std::fprintf(stderr, "strategy: last error at %s: %s\n", e.where.c_str(), e.message.c_str());
    }
    return synced ? 0 : 1;
}
