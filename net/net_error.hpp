// acctsync/net/net_error.hpp — every way the transport can fail, as one typed code.
//
// The transport never throws on the hot path: each operation returns a net_errc (or a result
// carrying one). A code names the rule that failed, so the session can decide what it means
// (reconnect at once, back off, give up on a host) and a user can read it in a status event.
// `detail` carries the number behind the code where there is one: the errno of a socket
// failure, wolfSSL's error code, the HTTP status of a refused upgrade, the close code a peer
// sent.
//
// Threads: plain values.
#pragma once

#include <cstdint>
#include <string_view>

namespace acctsync::net {

enum class net_errc : std::uint8_t {
    ok = 0,
    // ---- name resolution and TCP
    bad_url,              // not wss://host[:port]/path (or https:// for REST)
    resolve_failed,       // getaddrinfo found no address
    connect_refused,      // ECONNREFUSED
    connect_timeout,      // no TCP connection within the limit
    socket_error,         // any other socket failure (detail = errno)
    peer_reset,           // ECONNRESET / EPIPE: the peer or the path dropped the connection
    eof,                  // the TCP stream ended without a TLS close_notify
    // ---- TLS
    tls_untrusted_ca,     // the chain does not end in a trusted CA
    tls_wrong_host,       // the certificate does not name the host we asked for
    tls_expired_certificate, // outside its validity dates (not yet valid counts too)
    tls_handshake_timeout,
    tls_handshake_failed, // any other handshake failure (detail = wolfSSL's code)
    tls_closed,           // the peer sent close_notify
    tls_error,            // a record-layer failure after the handshake (detail = wolfSSL's code)
    // ---- HTTP/1.1 (REST)
    http_bad_response,     // not a parsable HTTP/1.1 response
    http_truncated,        // the connection ended inside the response (a body cut mid-way)
    http_timeout,          // no complete response within the request timeout
    http_too_large,        // a response head or body over the configured limit
    // ---- the WebSocket upgrade
    ws_handshake_rejected, // the server answered other than 101 (detail = HTTP status)
    ws_bad_accept,         // Sec-WebSocket-Accept missing or wrong
    ws_bad_handshake,      // a response that is not a valid upgrade (headers, extensions we did not offer)
    ws_handshake_timeout,
    // ---- RFC 6455 framing (the decoder's verdicts; close code 1002 unless noted)
    ws_reserved_bits,      // RSV1-3 set (no extension was negotiated)
    ws_reserved_opcode,    // opcodes 3-7, 11-15
    ws_masked_frame,       // a server must not mask
    ws_bad_length,         // 64-bit length with the top bit set
    ws_control_too_long,   // control frame payload over 125 bytes
    ws_control_fragmented, // control frame without FIN
    ws_unexpected_continuation, // continuation with no message open
    ws_expected_continuation,   // a new text/binary frame while a fragmented message is open
    ws_bad_close_payload,  // a close frame with a 1-byte payload
    ws_bad_close_code,     // a close code RFC 6455 §7.4 does not allow on the wire
    ws_invalid_utf8,       // text or close reason not UTF-8 (close code 1007)
    ws_message_too_big,    // over the configured limit (close code 1009)
    // ---- the WebSocket connection
    ws_closed,             // the peer closed (detail = its close code, 1005 when it gave none)
    ws_pong_timeout,       // our ping went unanswered past the deadline
    ws_not_open,           // an operation on a connection that is not open
};

[[nodiscard]] std::string_view to_string(net_errc e) noexcept;

// The close code a client sends when it fails the connection for `e` (RFC 6455 §7.4.1), or 0
// when `e` is not a protocol verdict.
[[nodiscard]] std::uint16_t close_code_for(net_errc e) noexcept;

struct net_error {
    net_errc code = net_errc::ok;
    std::int32_t detail = 0;
    [[nodiscard]] constexpr bool ok() const noexcept { return code == net_errc::ok; }
    friend constexpr bool operator==(const net_error&, const net_error&) = default;
};

} // namespace acctsync::net
