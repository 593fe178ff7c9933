// Shared by the HTTP tests: a migrated SQLite database in a temporary folder with one
// contact, one sent campaign with two links and one delivery, secrets in files, and the real
// http::Listeners on loopback ports chosen by the kernel; plus a small HTTP client that
// reports exactly what came back (status, headers, body), never following redirects.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config/config_settings.hpp"
#include "consent/consent_store.hpp"
#include "consent/consent_token.hpp"
#include "http/http_listeners.hpp"
#include "store/store_database.hpp"
#include "tests/tests_process.hpp"

namespace brevduva::tests {

struct HttpReply {
    int status = 0;
    std::multimap<std::string, std::string> headers;  // names lower-cased
    std::string body;

    [[nodiscard]] bool has(const std::string& name) const { return headers.contains(name); }
    [[nodiscard]] std::string header(const std::string& name) const;
};

struct HttpRequestSpec {
    std::string method = "GET";
    std::string path;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
};

// One request on a fresh connection to 127.0.0.1:port.
[[nodiscard]] HttpReply http_request(std::uint16_t port, const HttpRequestSpec& spec);

class HttpFixture {
  public:
    explicit HttpFixture(http::ListenerOptions options = relaxed_options());
    ~HttpFixture();

    // Page rate limits high enough for tests that send hundreds of requests.
    [[nodiscard]] static http::ListenerOptions relaxed_options();

    [[nodiscard]] std::uint16_t public_port() const { return listeners_->public_port(); }
    [[nodiscard]] std::uint16_t admin_port() const { return listeners_->admin_port(); }
    [[nodiscard]] http::Listeners& listeners() { return *listeners_; }
    [[nodiscard]] const std::string& admin_token() const { return admin_token_; }
    [[nodiscard]] std::string suppression_secret() const {
        return "suppression-secret-0123456789abcdef0123456789";
    }
    [[nodiscard]] const TempDir& folder() const { return folder_; }

    // A token for the seeded delivery (campaign, contact, delivery; purpose product_marketing),
    // or for another message to the same person when `delivery` is not 0.
    [[nodiscard]] std::string token(consent::TokenKind kind, std::uint64_t link_id = 0,
                                    std::uint64_t delivery = 0) const;
    [[nodiscard]] std::string path(consent::TokenKind kind, std::uint64_t link_id = 0,
                                   std::uint64_t delivery = 0) const;

    // A fresh connection to the database, for checking what the server wrote.
    [[nodiscard]] store::Database open_database() const;
    [[nodiscard]] std::int64_t count(const std::string& sql) const;

    // Grants (or withdraws) a purpose for the seeded contact, as an admin would.
    void record(const std::string& purpose, consent::Action action);

    std::int64_t contact_id = 0;
    std::int64_t campaign_id = 0;
    std::int64_t delivery_id = 0;
    std::string address = "anna.andersson@kund.example.se";
    std::string first_link = "https://www.example.se/nyheter?utm=1&x=2";

  private:
    TempDir folder_;
    config::Settings settings_;
    std::string admin_token_ = "admin-token-0123456789abcdef";
    std::unique_ptr<consent::TokenKeys> keys_;
    std::unique_ptr<http::Listeners> listeners_;
    std::string postgres_server_;    // BREVDUVA_TEST_POSTGRES, when set
    std::string postgres_database_;  // made for this fixture, dropped at the end
};

}  // namespace brevduva::tests
