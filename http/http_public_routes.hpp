// Internal to http/: the public listener's handlers, one function per page, called by the
// router in http_public.cpp once the request passed the size and rate limits.
#pragma once

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include <string>
#include <string_view>

#include "http/http_language.hpp"
#include "http/http_public.hpp"

namespace brevduva::http::detail {

struct PublicRequest {
    PublicContext& context;
    Poco::Net::HTTPServerRequest& request;
    Poco::Net::HTTPServerResponse& response;
    std::string token;   // the path segment after the kind, unchecked
    std::string client;  // client_address()
    bool head = false;

    [[nodiscard]] bool is_post() const;
    [[nodiscard]] std::string accept_language() const;
};

void serve_unsubscribe(PublicRequest& r);
void serve_preferences(PublicRequest& r);
void serve_confirm(PublicRequest& r);
void serve_not_found(PublicRequest& r);
void serve_method_not_allowed(PublicRequest& r);

}  // namespace brevduva::http::detail
