// TLS for relay connections on Poco::NetSSL (OpenSSL). One Context per relay: certificates are
// verified against the system store or the relay's ca_file, at least TLS 1.2, and the relay's
// host name (or IP address) is part of OpenSSL's own chain check, so a certificate for another
// host fails the handshake itself. A certificate that fails is refused by a handler of ours that
// never asks anyone: Poco's default would prompt on the console. With verify_certificate: false
// nothing is checked (config check warns about it).
#pragma once

#include <Poco/Net/Context.h>

#include <string>

#include "config/config_settings.hpp"

namespace brevduva::smtp {

// A client context for the relay; nullptr for tls: none. Throws std::runtime_error when the
// CA file cannot be used.
[[nodiscard]] Poco::Net::Context::Ptr make_tls_context(const config::RelaySettings& relay);

// The name to send as SNI: the host, or empty when it is an IP address (RFC 6066 §3).
[[nodiscard]] std::string sni_host(const std::string& host);

// Why the last certificate was refused on this thread ("hostname mismatch", "self-signed
// certificate", ...), for the Outcome's text; empty when none was.
void clear_certificate_error();
[[nodiscard]] std::string last_certificate_error();

}  // namespace brevduva::smtp
