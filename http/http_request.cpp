#include "http/http_request.hpp"

#include <Poco/Net/HTMLForm.h>
#include <Poco/Net/MessageHeader.h>
#include <Poco/Net/PartHandler.h>

#include <istream>
#include <sstream>

#include "http/http_pages.hpp"

namespace brevduva::http {
namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() &&
           (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
        s.remove_suffix(1);
    }
    return s;
}

// File parts are read and thrown away: the forms have none.
class DiscardParts : public Poco::Net::PartHandler {
  public:
    void handlePart(const Poco::Net::MessageHeader&, std::istream& stream) override {
        char buffer[1024];
        while (stream.read(buffer, sizeof buffer) || stream.gcount() > 0) {
        }
    }
};

}  // namespace

std::string client_address(const Poco::Net::HTTPServerRequest& request) {
    const auto peer = request.clientAddress().host();
    if (peer.isLoopback() && request.has("X-Forwarded-For")) {
        std::string_view hops = request.get("X-Forwarded-For");
        const auto comma = hops.rfind(',');
        if (comma != std::string_view::npos) hops.remove_prefix(comma + 1);
        hops = trim(hops);
        if (!hops.empty() && hops.size() < 64) return std::string(hops);
    }
    return peer.toString();
}

std::string request_path(const Poco::Net::HTTPServerRequest& request) {
    const std::string& uri = request.getURI();
    return uri.substr(0, uri.find('?'));
}

std::optional<std::string> read_body(Poco::Net::HTTPServerRequest& request, std::size_t max_bytes) {
    if (request.hasContentLength() &&
        request.getContentLength64() > static_cast<Poco::Int64>(max_bytes)) {
        return std::nullopt;
    }
    std::string body;
    std::istream& in = request.stream();
    char buffer[4096];
    while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
        body.append(buffer, static_cast<std::size_t>(in.gcount()));
        if (body.size() > max_bytes) return std::nullopt;
    }
    return body;
}

FormFields parse_form(const Poco::Net::HTTPServerRequest& request, const std::string& body) {
    FormFields out;
    if (trim(body) == "List-Unsubscribe=One-Click") out.one_click = true;
    if (body.empty()) return out;
    try {
        Poco::Net::HTMLForm form;
        form.setFieldLimit(50);
        std::istringstream in(body);
        DiscardParts parts;
        form.load(request, in, parts);
        for (const auto& [name, value] : form) {
            if (name == "List-Unsubscribe" && trim(value) == "One-Click") out.one_click = true;
            if (name == "action") out.action = value;
            if (name == "purpose") out.purposes.push_back(value);
        }
    } catch (const Poco::Exception&) {
        // A body that is not a form carries no fields; the bare one-click text is handled above.
    }
    return out;
}

void send_page(Poco::Net::HTTPServerResponse& response, Poco::Net::HTTPResponse::HTTPStatus status,
               const std::string& html, bool head_only) {
    response.setStatus(status);
    response.setContentType("text/html; charset=utf-8");
    response.set("Content-Security-Policy", page_security_policy());
    response.set("Referrer-Policy", "no-referrer");
    response.set("X-Content-Type-Options", "nosniff");
    response.set("X-Frame-Options", "DENY");
    response.set("Cache-Control", "no-store");
    if (head_only) {
        response.setContentLength(static_cast<std::streamsize>(html.size()));
        response.send();
        return;
    }
    response.sendBuffer(html.data(), html.size());
}

void send_json(Poco::Net::HTTPServerResponse& response, Poco::Net::HTTPResponse::HTTPStatus status,
               const std::string& json) {
    send_text(response, status, "application/json", json);
}

void send_text(Poco::Net::HTTPServerResponse& response, Poco::Net::HTTPResponse::HTTPStatus status,
               const std::string& content_type, const std::string& text) {
    response.setStatus(status);
    response.setContentType(content_type);
    response.set("Cache-Control", "no-store");
    response.set("X-Content-Type-Options", "nosniff");
    response.sendBuffer(text.data(), text.size());
}

}  // namespace brevduva::http
