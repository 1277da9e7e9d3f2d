#include "net/net_error.hpp"

namespace acctsync::net {

std::string_view to_string(net_errc e) noexcept {
    switch (e) {
    case net_errc::ok: return "ok";
    case net_errc::bad_url: return "bad_url";
    case net_errc::resolve_failed: return "resolve_failed";
    case net_errc::connect_refused: return "connect_refused";
    case net_errc::connect_timeout: return "connect_timeout";
    case net_errc::socket_error: return "socket_error";
    case net_errc::peer_reset: return "peer_reset";
    case net_errc::eof: return "eof";
    case net_errc::tls_untrusted_ca: return "tls_untrusted_ca";
    case net_errc::tls_wrong_host: return "tls_wrong_host";
    case net_errc::tls_expired_certificate: return "tls_expired_certificate";
    case net_errc::tls_handshake_timeout: return "tls_handshake_timeout";
    case net_errc::tls_handshake_failed: return "tls_handshake_failed";
    case net_errc::tls_closed: return "tls_closed";
    case net_errc::tls_error: return "tls_error";
    case net_errc::http_bad_response: return "http_bad_response";
    case net_errc::http_truncated: return "http_truncated";
    case net_errc::http_timeout: return "http_timeout";
    case net_errc::http_too_large: return "http_too_large";
    case net_errc::ws_handshake_rejected: return "ws_handshake_rejected";
    case net_errc::ws_bad_accept: return "ws_bad_accept";
    case net_errc::ws_bad_handshake: return "ws_bad_handshake";
    case net_errc::ws_handshake_timeout: return "ws_handshake_timeout";
    case net_errc::ws_reserved_bits: return "ws_reserved_bits";
    case net_errc::ws_reserved_opcode: return "ws_reserved_opcode";
    case net_errc::ws_masked_frame: return "ws_masked_frame";
    case net_errc::ws_bad_length: return "ws_bad_length";
    case net_errc::ws_control_too_long: return "ws_control_too_long";
    case net_errc::ws_control_fragmented: return "ws_control_fragmented";
    case net_errc::ws_unexpected_continuation: return "ws_unexpected_continuation";
    case net_errc::ws_expected_continuation: return "ws_expected_continuation";
    case net_errc::ws_bad_close_payload: return "ws_bad_close_payload";
    case net_errc::ws_bad_close_code: return "ws_bad_close_code";
    case net_errc::ws_invalid_utf8: return "ws_invalid_utf8";
    case net_errc::ws_message_too_big: return "ws_message_too_big";
    case net_errc::ws_closed: return "ws_closed";
    case net_errc::ws_pong_timeout: return "ws_pong_timeout";
    case net_errc::ws_not_open: return "ws_not_open";
    }
    return "unknown";
}

std::uint16_t close_code_for(net_errc e) noexcept {
    switch (e) {
    case net_errc::ws_reserved_bits:
    case net_errc::ws_reserved_opcode:
    case net_errc::ws_masked_frame:
    case net_errc::ws_bad_length:
    case net_errc::ws_control_too_long:
    case net_errc::ws_control_fragmented:
    case net_errc::ws_unexpected_continuation:
    case net_errc::ws_expected_continuation:
    case net_errc::ws_bad_close_payload:
    case net_errc::ws_bad_close_code:
        return 1002;
    case net_errc::ws_invalid_utf8:
        return 1007;
    case net_errc::ws_message_too_big:
        return 1009;
    default:
        return 0;
    }
}

} // namespace acctsync::net
