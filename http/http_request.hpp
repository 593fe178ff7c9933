// What every handler needs from a Poco request and response: the client's address (behind a
// reverse proxy on loopback, the last X-Forwarded-For hop), a bounded body, form fields in
// either encoding, and responses with the headers the pages and endpoints always carry.
#pragma once

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace brevduva::http {

// The client's IP address as text. A request arriving from loopback is taken to come through
// the reverse proxy that terminates TLS, and its last X-Forwarded-For entry is the client.
[[nodiscard]] std::string client_address(const Poco::Net::HTTPServerRequest& request);

// The path of the request URI, without the query.
[[nodiscard]] std::string request_path(const Poco::Net::HTTPServerRequest& request);

// The body, or nullopt when it is longer than max_bytes (by Content-Length or as read).
[[nodiscard]] std::optional<std::string> read_body(Poco::Net::HTTPServerRequest& request,
                                                   std::size_t max_bytes);

// Form fields of a urlencoded or multipart/form-data body.
struct FormFields {
    std::string action;
    bool one_click = false;  // List-Unsubscribe=One-Click (RFC 8058)
    std::vector<std::string> purposes;
};
[[nodiscard]] FormFields parse_form(const Poco::Net::HTTPServerRequest& request,
                                    const std::string& body);

// An HTML page with the security headers (CSP, no referrer, no caching, no framing).
void send_page(Poco::Net::HTTPServerResponse& response, Poco::Net::HTTPResponse::HTTPStatus status,
               const std::string& html, bool head_only);
// A JSON body with no caching.
void send_json(Poco::Net::HTTPServerResponse& response, Poco::Net::HTTPResponse::HTTPStatus status,
               const std::string& json);
void send_text(Poco::Net::HTTPServerResponse& response, Poco::Net::HTTPResponse::HTTPStatus status,
               const std::string& content_type, const std::string& text);

}  // namespace brevduva::http
