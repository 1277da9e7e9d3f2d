// acctsync/tools/sim/loopback_feed.hpp — the feed configuration that mirrors one account of a
// running simulator over loopback: its REST, stream and WS-API bases on localhost:<port> dialled
// at 127.0.0.1 (the certificate is still verified for "localhost"), the CA that signed the
// simulator's certificate, and that account's HMAC key. Everything else is the venue's
// default; the demo and the tests adjust timings on the copy they get.
// Cold path (configuration): allocates.
#pragma once

#include <string>

#include "net/feed.hpp"
#include "tools/sim/server.hpp"

namespace acctsync::sim {

inline net::feed_config loopback_feed_config(const server& venue_server, market venue, const std::string& ca_file,
                                             int account = 0) {
    auto c = net::feed_config::for_venue(venue);
    const std::string base = "localhost:" + std::to_string(venue_server.port());
    c.rest_url = "https://" + base;
    c.ws_url = "wss://" + base;
    c.wsapi_url = "wss://" + base;
    c.connect_to = "127.0.0.1";
    c.tls.ca_file = ca_file;
    c.creds = {venue_server.api_key(account), net::key_kind::hmac, net::secret(venue_server.api_secret(account))};
    return c;
}

} // namespace acctsync::sim
