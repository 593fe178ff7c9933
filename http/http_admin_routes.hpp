// Internal to http/: what the admin API's route files share.
#pragma once

#include <Poco/JSON/Object.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "consent/consent_address.hpp"
#include "http/http_admin.hpp"

namespace brevduva::http::detail {

// An answer other than success, with its status; the message is safe to show and to log.
class ApiError : public std::runtime_error {
  public:
    ApiError(Poco::Net::HTTPResponse::HTTPStatus status, const std::string& message)
        : std::runtime_error(message), status_(status) {}
    [[nodiscard]] Poco::Net::HTTPResponse::HTTPStatus status() const { return status_; }

  private:
    Poco::Net::HTTPResponse::HTTPStatus status_;
};

struct AdminRequest {
    AdminRequest(AdminContext& c, Poco::Net::HTTPServerRequest& req,
                 Poco::Net::HTTPServerResponse& resp, std::vector<std::string> path,
                 store::Database& database)
        : context(c), request(req), response(resp), segments(std::move(path)), db(database) {}

    AdminContext& context;
    Poco::Net::HTTPServerRequest& request;
    Poco::Net::HTTPServerResponse& response;
    std::vector<std::string> segments;  // the path after /api/v1, split at '/'
    store::Database& db;

    [[nodiscard]] const std::string& method() const { return request.getMethod(); }
    // The JSON object in the body; ApiError 400 when it is not one.
    [[nodiscard]] Poco::JSON::Object::Ptr body();
    // A query parameter, or empty.
    [[nodiscard]] std::string query(const std::string& name) const;

  private:
    Poco::JSON::Object::Ptr body_;
};

void send_object(AdminRequest& r, Poco::Net::HTTPResponse::HTTPStatus status,
                 const Poco::JSON::Object::Ptr& object);

// Body fields, checked: ApiError 400 naming the field.
[[nodiscard]] std::string text_field(const Poco::JSON::Object::Ptr& body, const std::string& name,
                                     bool required = false);
[[nodiscard]] std::optional<std::string> optional_text(const Poco::JSON::Object::Ptr& body,
                                                       const std::string& name);
[[nodiscard]] consent::EmailAddress email_field(const Poco::JSON::Object::Ptr& body);
[[nodiscard]] std::int64_t id_segment(const std::string& segment);
[[nodiscard]] std::string actor_field(const Poco::JSON::Object::Ptr& body);

// Handled (true) or not a route of this file (false).
bool route_contacts(AdminRequest& r);
bool route_consent(AdminRequest& r);
bool route_campaigns(AdminRequest& r);

// /metrics: the listeners' counters and the queue's figures from the database.
[[nodiscard]] std::string prometheus_text(AdminContext& context, store::Database& db);

}  // namespace brevduva::http::detail
