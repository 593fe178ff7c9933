#include "tests/tests_http_support.hpp"

#include <Poco/Data/Session.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdlib>
#include <sstream>

#include "consent/consent_migrations.hpp"
#include "store/store_migrate.hpp"
#include "store/store_time.hpp"

namespace brevduva::tests {
namespace {

using Poco::Data::Keywords::into;
using Poco::Data::Keywords::now;
using Poco::Data::Keywords::use;

std::string lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

}  // namespace

std::string HttpReply::header(const std::string& name) const {
    const auto it = headers.find(lower(name));
    return it == headers.end() ? std::string() : it->second;
}

HttpReply http_request(std::uint16_t port, const HttpRequestSpec& spec) {
    Poco::Net::HTTPClientSession session("127.0.0.1", port);
    session.setTimeout(Poco::Timespan(20, 0));
    Poco::Net::HTTPRequest request(spec.method, spec.path, Poco::Net::HTTPMessage::HTTP_1_1);
    for (const auto& [name, value] : spec.headers) request.set(name, value);
    if (!spec.body.empty() || spec.method == "POST") {
        request.setContentLength(static_cast<std::streamsize>(spec.body.size()));
    }
    std::ostream& out = session.sendRequest(request);
    out << spec.body;
    Poco::Net::HTTPResponse response;
    std::istream& in = session.receiveResponse(response);
    HttpReply reply;
    reply.status = static_cast<int>(response.getStatus());
    for (const auto& [name, value] : response) reply.headers.emplace(lower(name), value);
    if (spec.method != "HEAD") {
        std::ostringstream body;
        Poco::StreamCopier::copyStream(in, body);
        reply.body = body.str();
    }
    return reply;
}

http::ListenerOptions HttpFixture::relaxed_options() {
    http::ListenerOptions options;
    options.public_options.page_rate = {1000, 100'000, 1000};
    return options;
}

HttpFixture::HttpFixture(http::ListenerOptions options) {
    write_file(folder_ / "token_secret", "token-secret-0123456789abcdef0123456789abcdef\n");
    write_file(folder_ / "suppression_secret", suppression_secret() + "\n");
    write_file(folder_ / "admin_token", admin_token_ + "\n");
    settings_.database.sqlite_path = folder_ / "brevduva.db";
    // BREVDUVA_TEST_POSTGRES (a libpq connection string to a server where the user may create
    // databases) runs the same tests on PostgreSQL, in a database made for the fixture.
    if (const char* server = std::getenv("BREVDUVA_TEST_POSTGRES"); server && *server) {
        static std::atomic<int> serial{0};
        postgres_database_ =
            "brevduva_http_" + std::to_string(::getpid()) + "_" + std::to_string(serial++);
        postgres_server_ = server;
        auto admin = store::Database::open_postgres(postgres_server_);
        admin.execute_script("CREATE DATABASE " + postgres_database_);
        settings_.database.postgres_url = postgres_server_ + " dbname=" + postgres_database_;
    }
    settings_.public_url.base_url = "https://mail.example.se";
    settings_.public_url.token_secret.file = folder_ / "token_secret";
    settings_.consent.suppression_secret.file = folder_ / "suppression_secret";
    settings_.http.admin_token.file = folder_ / "admin_token";
    settings_.http.public_listener = {"127.0.0.1", 0};
    settings_.http.admin_listener = {"127.0.0.1", 0};
    settings_.http.threads = 8;
    keys_ = std::make_unique<consent::TokenKeys>(
        1, std::string("token-secret-0123456789abcdef0123456789abcdef"));

    auto db = open_database();
    store::Migrator migrator(db, consent::builtin_migrations(db.backend(), settings_.purposes));
    (void)migrator.migrate();
    consent::ContactStore contacts(db, settings_.purposes);
    consent::ContactUpdate update;
    update.address = consent::normalise_address(address).value();
    update.name = "Anna Andersson";
    update.locale = "sv";
    contact_id = contacts.upsert(update).value().id;
    std::string at = store::stored_time(std::chrono::system_clock::now() - std::chrono::hours(2));
    db.session() << "INSERT INTO campaigns (name, purpose, template_folder, audience_lists, "
                    "state, created_by, created_at, updated_at) VALUES ('Höstnytt', "
                    "'product_marketing', '/tmp/none', '[\"kunder\"]', 'running', 'test', $1, $1)",
        use(at), now;
    db.session() << "SELECT max(id) FROM campaigns", into(campaign_id), now;
    std::string second = "https://www.example.se/kontakt";
    db.session() << "INSERT INTO campaign_links (campaign_id, link_id, url) VALUES ($1, 1, $2), "
                    "($1, 2, $3), ($1, 3, 'javascript:alert(1)')",
        use(campaign_id), use(first_link), use(second), now;
    db.session() << "INSERT INTO deliveries (campaign_id, contact_id, state, due_at, "
                    "open_tracking, click_tracking, sent_at, updated_at) VALUES ($1, $2, 'sent', "
                    "$3, 1, 1, $3, $3)",
        use(campaign_id), use(contact_id), use(at), now;
    db.session() << "SELECT max(id) FROM deliveries", into(delivery_id), now;
    record("product_marketing", consent::Action::grant);
    record("open_tracking", consent::Action::grant);
    record("click_tracking", consent::Action::grant);

    const auto database = settings_.database;
    listeners_ = std::make_unique<http::Listeners>(
        settings_,
        [database] {
            return store::Database::open(database.sqlite_path, database.postgres_url, "",
                                         database.busy_timeout);
        },
        std::move(options));
    listeners_->start();
}

HttpFixture::~HttpFixture() {
    listeners_->stop();
    listeners_.reset();
    if (!postgres_database_.empty()) {
        auto admin = store::Database::open_postgres(postgres_server_);
        admin.execute_script("DROP DATABASE IF EXISTS " + postgres_database_);
    }
}

void HttpFixture::record(const std::string& purpose, consent::Action action) {
    auto db = open_database();
    consent::Ledger ledger(db, settings_.purposes);
    consent::LedgerEntry entry;
    entry.contact_id = contact_id;
    entry.event.purpose = purpose;
    entry.event.action = action;
    entry.event.basis = config::LawfulBasis::consent;
    entry.event.at = std::chrono::system_clock::now() - std::chrono::milliseconds(1);
    entry.event.source = "test";
    entry.event.actor = "test";
    (void)ledger.append(entry).value();
}

std::string HttpFixture::token(consent::TokenKind kind, std::uint64_t link_id,
                               std::uint64_t delivery) const {
    consent::TokenClaims claims;
    claims.kind = kind;
    claims.campaign_id = static_cast<std::uint64_t>(campaign_id);
    claims.contact_id = static_cast<std::uint64_t>(contact_id);
    claims.delivery_id = delivery != 0 ? delivery : static_cast<std::uint64_t>(delivery_id);
    claims.link_id = link_id;
    claims.issued_at = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    if (kind == consent::TokenKind::unsubscribe || kind == consent::TokenKind::preferences ||
        kind == consent::TokenKind::confirm) {
        auto db = open_database();
        claims.purpose_id =
            static_cast<std::uint64_t>(consent::purpose_id(db, "product_marketing"));
    }
    return consent::mint(*keys_, claims);
}

std::string HttpFixture::path(consent::TokenKind kind, std::uint64_t link_id,
                              std::uint64_t delivery) const {
    const std::string t = token(kind, link_id, delivery);
    switch (kind) {
        case consent::TokenKind::open:
            return "/o/" + t + ".gif";
        case consent::TokenKind::click:
            return "/c/" + t;
        case consent::TokenKind::unsubscribe:
            return "/u/" + t;
        case consent::TokenKind::preferences:
            return "/p/" + t;
        case consent::TokenKind::confirm:
            return "/confirm/" + t;
        case consent::TokenKind::bounce:
            break;
    }
    return "/";
}

store::Database HttpFixture::open_database() const {
    return store::Database::open(settings_.database.sqlite_path, settings_.database.postgres_url,
                                 "", settings_.database.busy_timeout);
}

std::int64_t HttpFixture::count(const std::string& sql) const {
    auto db = open_database();
    std::int64_t n = 0;
    db.session() << sql, into(n), now;
    return n;
}

}  // namespace brevduva::tests
