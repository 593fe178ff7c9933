// The admin listener over real HTTP: the bearer token is required everywhere but /healthz;
// contacts, consent events, suppressions, GDPR export and erasure, campaign statistics and
// /metrics answer as the CLI would.
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include <string>

#include "tests/tests_http_support.hpp"

namespace brevduva::tests {
namespace {

using consent::TokenKind;

Poco::JSON::Object::Ptr json(const HttpReply& reply) {
    Poco::JSON::Parser parser;
    return parser.parse(reply.body).extract<Poco::JSON::Object::Ptr>();
}

class HttpAdmin : public ::testing::Test {
  protected:
    HttpReply call(const std::string& method, const std::string& path,
                   const std::string& body = {}) {
        HttpRequestSpec spec{method, path, {{"Authorization", "Bearer " + f.admin_token()}}, body};
        if (!body.empty()) spec.headers.emplace_back("Content-Type", "application/json");
        return http_request(f.admin_port(), spec);
    }

    HttpFixture f;
};

TEST_F(HttpAdmin, RefusesRequestsWithoutTheToken) {
    const std::vector<std::pair<std::string, std::string>> routes{
        {"GET", "/metrics"},
        {"GET", "/api/v1/contacts"},
        {"GET", "/api/v1/contacts/1"},
        {"POST", "/api/v1/gdpr/export"},
        {"POST", "/api/v1/gdpr/erase"},
        {"POST", "/api/v1/suppressions"},
        {"GET", "/api/v1/campaigns/1/stats"},
        {"GET", "/api/v1/nothing"}};
    const std::vector<std::vector<std::pair<std::string, std::string>>> credentials{
        {},
        {{"Authorization", "Bearer wrong-token-0123456789abcdef"}},
        {{"Authorization", "Bearer " + f.admin_token() + "x"}},
        {{"Authorization", f.admin_token()}},
        {{"Authorization", "Basic " + f.admin_token()}},
        {{"Cookie", "token=" + f.admin_token()}}};
    const std::int64_t contacts = f.count("SELECT count(*) FROM contacts");
    for (const auto& [method, path] : routes) {
        for (const auto& headers : credentials) {
            const auto reply = http_request(
                f.admin_port(),
                {method, path, headers, R"({"email":"anna.andersson@kund.example.se"})"});
            EXPECT_EQ(reply.status, 401) << method << " " << path;
            EXPECT_EQ(reply.body.find("anna"), std::string::npos);
        }
    }
    EXPECT_EQ(f.count("SELECT count(*) FROM contacts"), contacts);
    EXPECT_EQ(http_request(f.admin_port(), {"GET", "/healthz", {}, {}}).status, 200);
}

// A body that names a key twice is refused with the key named, before anything acts on it:
// Poco's parser would take the last one, and erase someone other than the one a reviewer or a
// log saw.
TEST_F(HttpAdmin, ABodyWithARepeatedKeyIsRefusedAndNothingIsErased) {
    ASSERT_EQ(call("POST", "/api/v1/contacts", R"({"email":"anna@kund.example.se","name":"Anna"})")
                  .status,
              201);
    const auto erase =
        call("POST", "/api/v1/gdpr/erase",
             R"({"email":"someone@else.example","email":"anna@kund.example.se","actor":"x"})");
    EXPECT_EQ(erase.status, 400) << erase.body;
    EXPECT_NE(erase.body.find("the key 'email' appears twice"), std::string::npos) << erase.body;
    EXPECT_EQ(f.count("SELECT count(*) FROM erasures"), 0);
    EXPECT_EQ(f.count("SELECT count(*) FROM contacts WHERE name = 'Anna'"), 1);
    const auto nested = call("POST", "/api/v1/contacts",
                             R"({"email":"bo@kund.example.se","attributes":{"a":1,"a":2}})");
    EXPECT_EQ(nested.status, 400) << nested.body;
    EXPECT_NE(nested.body.find("the key 'a' appears twice"), std::string::npos) << nested.body;
}

// The API finds one person whatever the capitalisation: the same contact, one ledger.
TEST_F(HttpAdmin, EveryCapitalisationOfAnAddressIsTheSameContact) {
    const auto first =
        call("POST", "/api/v1/contacts",
             R"({"email":"Tvilling@Exempel.se","name":"Tvilling","lists":["kunder"]})");
    ASSERT_EQ(first.status, 201) << first.body;
    const auto id = json(first)->getValue<std::int64_t>("id");
    const auto again =
        call("POST", "/api/v1/contacts", R"({"email":"TVILLING@exempel.SE","phone":"070-1"})");
    EXPECT_EQ(again.status, 200) << again.body;
    EXPECT_EQ(json(again)->getValue<std::int64_t>("id"), id);
    EXPECT_EQ(json(again)->getValue<std::string>("email"), "Tvilling@exempel.se");
    EXPECT_EQ(json(again)->getValue<std::string>("email_given"), "TVILLING@exempel.SE");
    ASSERT_EQ(call("POST", "/api/v1/consent-events",
                   R"({"email":"tvilling@exempel.se","purpose":"product_marketing",)"
                   R"("action":"grant","evidence":"signup form","wording":"v3"})")
                  .status,
              201);
    ASSERT_EQ(call("POST", "/api/v1/consent-events",
                   R"({"email":"TVILLING@EXEMPEL.SE","purpose":"product_marketing",)"
                   R"("action":"withdraw","evidence":"letter"})")
                  .status,
              201);
    const auto check = call("POST", "/api/v1/consent/check",
                            R"({"email":"Tvilling@exempel.se","purpose":"product_marketing"})");
    EXPECT_EQ(json(check)->getValue<std::string>("reason"), "withdrawn") << check.body;
    const auto history = call("GET", "/api/v1/contacts/" + std::to_string(id) + "/consent-events");
    EXPECT_EQ(json(history)->getArray("events")->size(), 2u);
    EXPECT_EQ(json(history)->getArray("merged_contacts")->size(), 0u);
}

TEST_F(HttpAdmin, ContactsConsentAndSuppressions) {
    const auto created = call("POST", "/api/v1/contacts",
                              R"({"email":"Bo@Exempel.SE","name":"Bo Ek","locale":"en",)"
                              R"("organisation":"Exempel AB","lists":["kunder"]})");
    ASSERT_EQ(created.status, 201) << created.body;
    const auto id = json(created)->getValue<std::int64_t>("id");
    const auto read = call("GET", "/api/v1/contacts/" + std::to_string(id));
    EXPECT_EQ(read.status, 200);
    EXPECT_EQ(json(read)->getValue<std::string>("name"), "Bo Ek");

    const auto patched =
        call("PATCH", "/api/v1/contacts/" + std::to_string(id), R"({"phone":"+46 8 123 45"})");
    EXPECT_EQ(patched.status, 200) << patched.body;
    EXPECT_EQ(json(patched)->getValue<std::string>("phone"), "+46 8 123 45");

    const auto listed = call("GET", "/api/v1/contacts?list=kunder&limit=10");
    EXPECT_EQ(listed.status, 200);
    EXPECT_EQ(json(listed)->getArray("contacts")->size(), 1u);

    const auto event = call("POST", "/api/v1/consent-events",
                            R"({"email":"Bo@exempel.se","purpose":"product_marketing",)"
                            R"("action":"grant","evidence":"signup form","wording":"v3"})");
    EXPECT_EQ(event.status, 201) << event.body;
    const auto check = call("POST", "/api/v1/consent/check",
                            R"({"email":"Bo@exempel.se","purpose":"product_marketing"})");
    EXPECT_EQ(json(check)->getValue<std::string>("decision"), "send");

    EXPECT_EQ(call("POST", "/api/v1/suppressions",
                   R"({"email":"Bo@exempel.se","purpose":"product_marketing","reason":"manual"})")
                  .status,
              201);
    const auto skip = call("POST", "/api/v1/consent/check",
                           R"({"email":"Bo@exempel.se","purpose":"product_marketing"})");
    EXPECT_EQ(json(skip)->getValue<std::string>("reason"), "suppressed:manual");
    EXPECT_EQ(call("POST", "/api/v1/suppressions/remove",
                   R"({"email":"Bo@exempel.se","purpose":"product_marketing"})")
                  .status,
              200);
    const auto history = call("GET", "/api/v1/contacts/" + std::to_string(id) + "/consent-events");
    EXPECT_EQ(json(history)->getArray("events")->size(), 1u);

    const auto bad = call("POST", "/api/v1/consent-events",
                          R"({"email":"Bo@exempel.se","purpose":"nope","action":"grant"})");
    EXPECT_EQ(bad.status, 400);
}

TEST_F(HttpAdmin, ExportEraseAndImport) {
    const auto exported =
        call("POST", "/api/v1/gdpr/export", R"({"email":")" + f.address + R"("})");
    EXPECT_EQ(exported.status, 200);
    EXPECT_NE(exported.body.find("Anna Andersson"), std::string::npos);

    // An open and a click stored against the person go with the erasure; the counts stay.
    EXPECT_EQ(http_request(f.public_port(), {"GET",
                                             f.path(TokenKind::open),
                                             {{"User-Agent", "Mozilla/5.0 (X11) Firefox/128.0"}},
                                             {}})
                  .status,
              200);
    EXPECT_EQ(http_request(f.public_port(), {"GET",
                                             f.path(TokenKind::click, 1),
                                             {{"User-Agent", "Mozilla/5.0 (X11) Firefox/128.0"}},
                                             {}})
                  .status,
              302);
    f.listeners().flush_tracking();
    const auto erased = call("POST", "/api/v1/gdpr/erase", R"({"email":")" + f.address + R"("})");
    EXPECT_EQ(erased.status, 200) << erased.body;
    EXPECT_TRUE(json(erased)->getValue<bool>("contact_found"));
    EXPECT_EQ(json(erased)->getValue<int>("opens"), 1);
    EXPECT_EQ(json(erased)->getValue<int>("clicks"), 1);
    EXPECT_EQ(f.count("SELECT count(*) FROM opens") + f.count("SELECT count(*) FROM clicks"), 0);
    EXPECT_EQ(f.count("SELECT sum(hits) FROM tracking_counts"), 2);
    EXPECT_EQ(f.count("SELECT count(*) FROM contacts"), 0);
    // The erased person's unsubscribe link now finds nobody.
    EXPECT_EQ(http_request(f.public_port(), {"GET", f.path(TokenKind::unsubscribe), {}, {}}).status,
              404);

    const auto imported = call("POST", "/api/v1/contacts/import",
                               "email,name,locale\ncarl@exempel.se,Carl,sv\nnot-an-address,X,sv\n");
    EXPECT_EQ(imported.status, 200) << imported.body;
    EXPECT_EQ(json(imported)->getValue<int>("created"), 1);
    EXPECT_EQ(json(imported)->getValue<int>("rejected"), 1);
}

TEST_F(HttpAdmin, StatsSplitHumanAndMachineAndMetrics) {
    const std::string pixel = f.path(TokenKind::open);
    EXPECT_EQ(http_request(f.public_port(),
                           {"GET", pixel, {{"User-Agent", "Mozilla/5.0 (X11) Firefox/128.0"}}, {}})
                  .status,
              200);
    EXPECT_EQ(
        http_request(f.public_port(), {"GET", pixel, {{"User-Agent", "curl/8.0"}}, {}}).status,
        200);
    EXPECT_EQ(http_request(f.public_port(), {"GET",
                                             f.path(TokenKind::click, 1),
                                             {{"User-Agent", "Mozilla/5.0 (X11) Firefox/128.0"}},
                                             {}})
                  .status,
              302);
    f.listeners().flush_tracking();
    const auto stats = call("GET", "/api/v1/campaigns/" + std::to_string(f.campaign_id) + "/stats");
    ASSERT_EQ(stats.status, 200) << stats.body;
    const auto opens = json(stats)->getObject("opens");
    EXPECT_EQ(opens->getValue<int>("human"), 1);
    EXPECT_EQ(opens->getValue<int>("machine"), 1);
    EXPECT_EQ(json(stats)->getObject("clicks")->getValue<int>("human"), 1);
    EXPECT_EQ(json(stats)->getObject("deliveries")->getValue<int>("sent"), 1);

    const auto metrics = call("GET", "/metrics");
    EXPECT_EQ(metrics.status, 200);
    EXPECT_NE(metrics.body.find("brevduva_http_hits_total{kind=\"open\"} 2"), std::string::npos)
        << metrics.body;
    EXPECT_NE(metrics.body.find("brevduva_messages{state=\"sent\",reason=\"\"} 1"),
              std::string::npos);
    EXPECT_NE(metrics.body.find("brevduva_queue_depth 0"), std::string::npos);
    EXPECT_NE(metrics.body.find("brevduva_send_rate"), std::string::npos);
}

TEST_F(HttpAdmin, CampaignsAreCreatedQueuedPausedResumedAndCancelled) {
    ASSERT_EQ(call("PATCH", "/api/v1/contacts/" + std::to_string(f.contact_id),
                   R"({"lists":["nyhetsbrev"]})")
                  .status,
              200);
    const auto created =
        call("POST", "/api/v1/campaigns",
             R"({"name":"Vinter","purpose":"product_marketing","template_folder":")" +
                 std::string(BREVDUVA_SOURCE_DIR) +
                 R"(/templates/examples/nyhetsbrev","lists":["nyhetsbrev"],"actor":"marknad"})");
    ASSERT_EQ(created.status, 201) << created.body;
    const auto id = std::to_string(json(created)->getValue<std::int64_t>("id"));
    EXPECT_EQ(json(created)->getValue<std::string>("state"), "draft");

    const auto queued = call("POST", "/api/v1/campaigns/" + id + "/queue", "{}");
    ASSERT_EQ(queued.status, 200) << queued.body;
    EXPECT_EQ(json(queued)->getValue<int>("queued_recipients"), 1);
    EXPECT_EQ(json(queued)->getValue<std::string>("state"), "scheduled");

    const auto paused = call("POST", "/api/v1/campaigns/" + id + "/pause", "{}");
    EXPECT_TRUE(paused.status == 200 || paused.status == 409) << paused.body;
    const auto cancelled = call("POST", "/api/v1/campaigns/" + id + "/cancel", "{}");
    EXPECT_EQ(cancelled.status, 200) << cancelled.body;
    EXPECT_EQ(json(cancelled)->getValue<std::string>("state"), "cancelled");
    EXPECT_EQ(call("POST", "/api/v1/campaigns/" + id + "/resume", "{}").status, 409);

    const auto status = call("GET", "/api/v1/campaigns/" + id + "/status");
    EXPECT_EQ(status.status, 200) << status.body;
    EXPECT_EQ(json(status)->getObject("deliveries")->getValue<int>("total"), 1);
    EXPECT_EQ(call("GET", "/api/v1/campaigns").status, 200);
    EXPECT_EQ(call("GET", "/api/v1/campaigns/999").status, 404);
    EXPECT_EQ(call("POST", "/api/v1/campaigns/999/pause", "{}").status, 404);
}

}  // namespace
}  // namespace brevduva::tests
