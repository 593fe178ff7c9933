#include "http/http_admin.hpp"

#include <Poco/Data/Session.h>
#include <Poco/Exception.h>
#include <Poco/JSON/JSONException.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>
#include <Poco/Net/HTMLForm.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/URI.h>
#include <fmt/format.h>
#include <openssl/crypto.h>
#include <spdlog/spdlog.h>

#include <charconv>
#include <sstream>

#include "formats/formats_json.hpp"
#include "http/http_admin_routes.hpp"
#include "http/http_request.hpp"
#include "store/store_time.hpp"

namespace brevduva::http {
namespace detail {

using Poco::Net::HTTPResponse;

Poco::JSON::Object::Ptr AdminRequest::body() {
    if (body_) return body_;
    const auto text = read_body(request, context.max_body_bytes);
    if (!text) throw ApiError(HTTPResponse::HTTP_REQUEST_ENTITY_TOO_LARGE, "the body is too large");
    try {
        const auto parsed = formats::parse_json(text->empty() ? "{}" : *text);
        body_ = parsed.extract<Poco::JSON::Object::Ptr>();
    } catch (const Poco::JSON::JSONException& e) {
        throw ApiError(HTTPResponse::HTTP_BAD_REQUEST,
                       "the body is not usable JSON: " + e.message());
    } catch (const Poco::Exception&) {
        throw ApiError(HTTPResponse::HTTP_BAD_REQUEST, "the body is not a JSON object");
    }
    if (!body_) throw ApiError(HTTPResponse::HTTP_BAD_REQUEST, "the body is not a JSON object");
    return body_;
}

std::string AdminRequest::query(const std::string& name) const {
    const Poco::URI uri(request.getURI());
    for (const auto& [key, value] : uri.getQueryParameters()) {
        if (key == name) return value;
    }
    return {};
}

void send_object(AdminRequest& r, HTTPResponse::HTTPStatus status,
                 const Poco::JSON::Object::Ptr& object) {
    std::ostringstream out;
    Poco::JSON::Stringifier::stringify(object, out);
    out << '\n';
    send_json(r.response, status, out.str());
}

std::optional<std::string> optional_text(const Poco::JSON::Object::Ptr& body,
                                         const std::string& name) {
    if (!body->has(name) || body->isNull(name)) return std::nullopt;
    const auto value = body->get(name);
    if (!value.isString()) {
        throw ApiError(HTTPResponse::HTTP_BAD_REQUEST, name + " must be a string");
    }
    return value.extract<std::string>();
}

std::string text_field(const Poco::JSON::Object::Ptr& body, const std::string& name,
                       bool required) {
    auto value = optional_text(body, name);
    if (!value && required) throw ApiError(HTTPResponse::HTTP_BAD_REQUEST, name + " is required");
    return value.value_or("");
}

consent::EmailAddress email_field(const Poco::JSON::Object::Ptr& body) {
    auto address = consent::normalise_address(text_field(body, "email", true));
    if (!address) {
        throw ApiError(HTTPResponse::HTTP_BAD_REQUEST,
                       "email is not a valid address: " + address.error());
    }
    return std::move(address).value();
}

std::int64_t id_segment(const std::string& segment) {
    std::int64_t id = 0;
    const auto [ptr, ec] = std::from_chars(segment.data(), segment.data() + segment.size(), id);
    if (ec != std::errc{} || ptr != segment.data() + segment.size() || id <= 0) {
        throw ApiError(HTTPResponse::HTTP_NOT_FOUND, "no such resource");
    }
    return id;
}

std::string actor_field(const Poco::JSON::Object::Ptr& body) {
    auto actor = text_field(body, "actor");
    return actor.empty() ? "api" : actor;
}

std::string prometheus_text(AdminContext& context, store::Database& db) {
    using Poco::Data::Keywords::into;
    using Poco::Data::Keywords::now;
    using Poco::Data::Keywords::use;
    std::string out;
    context.metrics.append_prometheus(out, context.tracking.depth());
    if (!db.has_table("deliveries")) return out;
    std::vector<std::string> states;
    std::vector<std::string> reasons;
    std::vector<std::int64_t> counts;
    db.session() << "SELECT state, skip_reason, count(*) FROM deliveries GROUP BY state, "
                    "skip_reason ORDER BY state, skip_reason",
        into(states), into(reasons), into(counts), now;
    out +=
        "# HELP brevduva_messages Deliveries by state (the outcome once finished) and skip "
        "reason.\n# TYPE brevduva_messages gauge\n";
    std::int64_t queued = 0;
    for (std::size_t i = 0; i < states.size(); ++i) {
        out += fmt::format("brevduva_messages{{state=\"{}\",reason=\"{}\"}} {}\n", states[i],
                           reasons[i], counts[i]);
        if (states[i] == "pending" || states[i] == "deferred" || states[i] == "claimed") {
            queued += counts[i];
        }
    }
    out +=
        "# HELP brevduva_queue_depth Deliveries waiting to be sent (pending, deferred, "
        "claimed).\n# TYPE brevduva_queue_depth gauge\n";
    out += fmt::format("brevduva_queue_depth {}\n", queued);
    std::int64_t sent = 0;
    std::string since = store::stored_time(context.clock() - std::chrono::minutes(1));
    db.session() << "SELECT count(*) FROM deliveries WHERE state = 'sent' AND sent_at >= $1",
        into(sent), use(since), now;
    out +=
        "# HELP brevduva_send_rate Messages sent per second over the last minute.\n"
        "# TYPE brevduva_send_rate gauge\n";
    out += fmt::format("brevduva_send_rate {:.3f}\n", static_cast<double>(sent) / 60.0);
    return out;
}

}  // namespace detail

namespace {

using detail::AdminRequest;
using detail::ApiError;
using Poco::Net::HTTPResponse;

std::vector<std::string> split_path(std::string_view path) {
    std::vector<std::string> out;
    while (!path.empty()) {
        const auto slash = path.find('/');
        const auto part = path.substr(0, slash);
        if (!part.empty()) out.emplace_back(part);
        if (slash == std::string_view::npos) break;
        path.remove_prefix(slash + 1);
    }
    return out;
}

void send_error(Poco::Net::HTTPServerResponse& response, HTTPResponse::HTTPStatus status,
                const std::string& message) {
    Poco::JSON::Object::Ptr object = new Poco::JSON::Object;
    object->set("error", message);
    std::ostringstream out;
    Poco::JSON::Stringifier::stringify(object, out);
    out << '\n';
    send_json(response, status, out.str());
}

class AdminHandler : public Poco::Net::HTTPRequestHandler {
  public:
    explicit AdminHandler(AdminContext& context) : context_(context) {}

    void handleRequest(Poco::Net::HTTPServerRequest& request,
                       Poco::Net::HTTPServerResponse& response) override {
        const std::string path = request_path(request);
        try {
            if (path == "/healthz") return healthz(response);
            if (context_.admin_token.empty() ||
                !bearer_matches(request.get("Authorization", ""), context_.admin_token)) {
                context_.metrics.hit(HitKind::admin_unauthorised);
                response.set("WWW-Authenticate", "Bearer realm=\"brevduva admin\"");
                return send_error(response, HTTPResponse::HTTP_UNAUTHORIZED,
                                  "a valid bearer token is required");
            }
            context_.metrics.hit(HitKind::admin);
            auto db = context_.pool.borrow();
            if (path == "/metrics" && request.getMethod() == "GET") {
                return send_text(response, HTTPResponse::HTTP_OK,
                                 "text/plain; version=0.0.4; charset=utf-8",
                                 detail::prometheus_text(context_, *db));
            }
            if (!path.starts_with("/api/v1/")) {
                throw ApiError(HTTPResponse::HTTP_NOT_FOUND, "no such resource");
            }
            AdminRequest r{context_, request, response, split_path(path.substr(8)), *db};
            if (r.segments.empty() || !(detail::route_contacts(r) || detail::route_consent(r) ||
                                        detail::route_campaigns(r))) {
                throw ApiError(HTTPResponse::HTTP_NOT_FOUND, "no such resource");
            }
        } catch (const ApiError& e) {
            if (!response.sent()) send_error(response, e.status(), e.what());
        } catch (const Poco::Exception& e) {
            fail(request, response, e.displayText());
        } catch (const std::exception& e) {
            fail(request, response, e.what());
        }
    }

  private:
    void healthz(Poco::Net::HTTPServerResponse& response) {
        using Poco::Data::Keywords::into;
        using Poco::Data::Keywords::now;
        int one = 0;
        {
            auto db = context_.pool.borrow();
            db->session() << "SELECT 1", into(one), now;
        }
        const auto check = context_.check_public();
        const auto& h = check.health;
        const bool answered = check.answered_in.has_value();
        send_json(response,
                  answered ? HTTPResponse::HTTP_OK : HTTPResponse::HTTP_SERVICE_UNAVAILABLE,
                  fmt::format("{{\"status\":\"{}\",\"database\":\"ok\",\"public_listener\":{{"
                              "\"status\":\"{}\",\"answered_ms\":{},\"connections\":{},"
                              "\"max_connections\":{},\"busy_threads\":{},\"threads\":{},"
                              "\"refused_full\":{},\"refused_per_client\":{},\"timed_out\":{},"
                              "\"malformed\":{}}}}}\n",
                              answered ? "ok" : "unavailable", answered ? "ok" : "not answering",
                              answered ? fmt::format("{:.1f}", check.answered_in->count() / 1000.0)
                                       : "null",
                              h.connections, h.max_connections, h.busy_threads, h.threads,
                              h.refused_full, h.refused_per_client, h.timed_out, h.malformed));
    }

    void fail(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
              const std::string& why) {
        context_.metrics.hit(HitKind::server_error);
        spdlog::error("admin request {} {} failed: {}", request.getMethod(), request_path(request),
                      why);
        if (!response.sent()) {
            send_error(response, HTTPResponse::HTTP_INTERNAL_SERVER_ERROR,
                       "the request failed; see the service log");
        }
    }

    AdminContext& context_;
};

}  // namespace

bool bearer_matches(std::string_view authorization, std::string_view token) {
    constexpr std::string_view scheme = "Bearer ";
    if (token.empty() || !authorization.starts_with(scheme)) return false;
    authorization.remove_prefix(scheme.size());
    if (authorization.size() != token.size()) return false;
    return CRYPTO_memcmp(authorization.data(), token.data(), token.size()) == 0;
}

Poco::Net::HTTPRequestHandler* AdminHandlerFactory::createRequestHandler(
    const Poco::Net::HTTPServerRequest&) {
    return new AdminHandler(context_);
}

}  // namespace brevduva::http
