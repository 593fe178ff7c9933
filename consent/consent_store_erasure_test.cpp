// Suppressions, the eligibility check, export and erasure against a real SQLite database. The
// erasure test reads the raw database files afterwards: no byte of the person may remain.
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "consent/consent_store_test_support.hpp"

namespace brevduva::consent::test {
namespace {

using ::testing::HasSubstr;
using enum LawfulBasis;

std::string file_bytes(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

const PurposeSettings& marketing(const std::vector<PurposeSettings>& purposes) {
    return purposes[1];
}

TEST_F(StoreFixture, SuppressionsAreIdempotentAndAnErasedOneIsKept) {
    const std::string key = suppressions_.key_for(address("anna@example.se"));
    EXPECT_EQ(key.size(), 64U);
    EXPECT_TRUE(suppressions_.add(key, {SuppressionReason::complaint, "", day(0)}, "abuse-desk"));
    EXPECT_FALSE(suppressions_.add(key, {SuppressionReason::manual, "", day(1)}, "admin"));
    EXPECT_TRUE(suppressions_.add(key, {SuppressionReason::manual, "open_tracking", day(2)}, "a"));
    const auto entries = suppressions_.entries_for_key(key);
    ASSERT_EQ(entries.size(), 2U);
    EXPECT_EQ(entries[0].suppression.reason, SuppressionReason::complaint);  // the first stands
    EXPECT_EQ(entries[0].actor, "abuse-desk");
    EXPECT_EQ(suppressions_.remove(key, "open_tracking"), SuppressionStore::Removed::removed);
    EXPECT_EQ(suppressions_.remove(key, "open_tracking"), SuppressionStore::Removed::absent);

    const std::string other = suppressions_.key_for(address("bo@example.se"));
    EXPECT_TRUE(suppressions_.add(other, {SuppressionReason::erased, "", day(3)}, "dpo"));
    EXPECT_EQ(suppressions_.remove(other, ""), SuppressionStore::Removed::kept_erased);
    std::vector<std::string> listed;
    suppressions_.for_each([&](const SuppressionEntry& e) { listed.push_back(e.key); }, 1);
    EXPECT_EQ(listed, (std::vector<std::string>{key, other}));
    EXPECT_EQ(suppressions_.remove(other, "", true), SuppressionStore::Removed::removed);
}

// An unsubscription gives way to a later claim of another reason or by someone else, so that
// the later claim is on record (and an undo of the unsubscription cannot lift it); the
// recipient repeating it changes nothing.
TEST_F(StoreFixture, AnUnsubscriptionGivesWayToALaterClaimOfAnotherKind) {
    const std::string key = suppressions_.key_for(address("bo@example.se"));
    const Suppression link{SuppressionReason::unsubscribed, "product_marketing", day(0)};
    EXPECT_TRUE(suppressions_.add(key, link, "recipient"));
    EXPECT_FALSE(suppressions_.add(
        key, {SuppressionReason::unsubscribed, "product_marketing", day(1)}, "recipient"));
    EXPECT_EQ(suppressions_.for_key(key).front(), link);
    EXPECT_TRUE(suppressions_.add(
        key, {SuppressionReason::unsubscribed, "product_marketing", day(2)}, "kundtjänst"));
    EXPECT_EQ(suppressions_.entries_for_key(key).front().actor, "kundtjänst");
    EXPECT_TRUE(
        suppressions_.add(key, {SuppressionReason::objection, "product_marketing", day(3)}, "dpo"));
    EXPECT_EQ(suppressions_.for_key(key).front().reason, SuppressionReason::objection);
    // Any other reason, once there, stands.
    EXPECT_FALSE(
        suppressions_.add(key, {SuppressionReason::manual, "product_marketing", day(4)}, "admin"));
    EXPECT_EQ(suppressions_.for_key(key).front().reason, SuppressionReason::objection);
}

TEST_F(StoreFixture, EligibilityReadsTheLedgerAndTheSuppressions) {
    const ContactId id = contact("anna@example.se");
    const auto& purpose = marketing(purposes_);
    EXPECT_EQ(to_string(eligibility_.check(address("anna@example.se"), purpose, day(1))),
              "no_basis");
    (void)append(id, Action::grant, consent, day(0));
    EXPECT_EQ(to_string(eligibility_.check(address("anna@example.se"), purpose, day(1))), "send");
    ASSERT_TRUE(suppressions_.add(suppressions_.key_for(address("ANNA@example.se")),
                                  {SuppressionReason::hard_bounce, "", day(1)}, "worker"));
    EXPECT_EQ(to_string(eligibility_.check(address("anna@example.se"), purpose, day(2))),
              "suppressed:hard_bounce");
    EXPECT_EQ(to_string(eligibility_.check(address("stranger@example.se"), purpose, day(2))),
              "no_basis");
}

TEST_F(StoreFixture, ExportHoldsTheContactTheLedgerWithEvidenceAndSuppressions) {
    ContactUpdate update;
    update.address = address("anna@example.se");
    update.name = "Anna Svensson";
    update.organisation = "Exempel AB";
    update.lists = {"news"};
    update.attributes = R"({"city": "Lund"})";
    const ContactId id = contacts_.upsert(update).value().id;
    LedgerEntry entry;
    entry.contact_id = id;
    entry.event = {0, "product_marketing", Action::grant, consent, day(0), "signup", "form", "web"};
    entry.details = {"192.0.2.7", "Mozilla/5.0", "signup form v3"};
    ASSERT_TRUE(ledger_.append(entry));
    ASSERT_TRUE(suppressions_.add(suppressions_.key_for(update.address),
                                  {SuppressionReason::manual, "open_tracking", day(1)}, "admin"));

    Poco::JSON::Parser parser;
    const auto json = parser.parse(export_personal_data(suppressions_, update.address))
                          .extract<Poco::JSON::Object::Ptr>();
    EXPECT_EQ(json->getObject("contact")->getValue<std::string>("name"), "Anna Svensson");
    EXPECT_EQ(json->getObject("contact")->getObject("attributes")->getValue<std::string>("city"),
              "Lund");
    EXPECT_EQ(json->getValue<std::string>("organisation"), "Exempel AB");
    EXPECT_EQ(json->getArray("lists")->getElement<std::string>(0), "news");
    const auto event = json->getArray("consent_events")->getObject(0);
    EXPECT_EQ(event->getValue<std::string>("action"), "grant");
    EXPECT_EQ(event->getValue<std::string>("at"), "2025-01-31T12:00:00.000000Z");
    EXPECT_EQ(event->getObject("evidence")->getValue<std::string>("wording"), "signup form v3");
    EXPECT_EQ(event->getObject("evidence")->getValue<std::string>("ip"), "192.0.2.7");
    EXPECT_EQ(json->getArray("consent_state")->getObject(0)->getValue<std::string>("status"),
              "granted");
    EXPECT_EQ(json->getArray("suppressions")->getObject(0)->getValue<std::string>("purpose"),
              "open_tracking");
    EXPECT_EQ(json->getArray("deliveries")->size(), 0U);  // never in a campaign
}

struct Person {
    std::string address = "zaphod.erasure-probe@raderas.example";
    std::string given = " Zaphod.Erasure-Probe@RADERAS.example ";
    std::string name = "Zaphod Beeblebrox-Erasmusson";
    std::string phone = "+46 70 987 65 43 21";
    std::string postal = "Raderingsvagen 17\n123 45 Glomstaby";
    std::string organisation = "Beeblebrox Enskild Firma";
};

// Everything the person left in the database: several versions of the row, events with
// evidence, lists, view rows.
ContactId fill(ContactStore& contacts, Ledger& ledger, const Person& p) {
    ContactUpdate update;
    update.address = address(p.address);
    update.address_given = p.given;
    update.name = p.name + " Sr";
    update.lists = {"news", "offers"};
    update.organisation = p.organisation;
    const ContactId id = contacts.upsert(update).value().id;
    update.name = p.name;
    update.phone = p.phone;
    update.postal_address = p.postal;
    update.attributes = R"({"nickname": ")" + p.name + R"("})";
    EXPECT_EQ(contacts.upsert(update).value().outcome, UpsertOutcome::updated);
    for (int i = 0; i < 20; ++i) {
        LedgerEntry entry;
        entry.contact_id = id;
        entry.event = {0,
                       "product_marketing",
                       i % 2 ? Action::withdraw : Action::grant,
                       consent,
                       day(i),
                       "admin",
                       "asked by " + p.name + " on " + p.phone,
                       "staff"};
        entry.details = {"198.51.100.23", "agent of " + p.address, "policy v1"};
        EXPECT_TRUE(ledger.append(entry));
    }
    return id;
}

TEST_F(StoreFixture, ErasureLeavesNoByteOfThePersonAndKeepsThemSuppressed) {
    const Person p;
    for (int i = 0; i < 30; ++i) (void)contact(fmt::format("neighbour{}@example.se", i));
    (void)fill(contacts_, ledger_, p);
    const ContactId kept = contact("kept@example.se", p.organisation);
    (void)append(kept, Action::grant, consent, day(0));

    // The scan below would see the person: before the erasure their bytes are on disk.
    const std::string before =
        file_bytes(db_path()) + file_bytes(fs::path(db_path().string() + "-wal"));
    ASSERT_NE(before.find(p.name), std::string::npos);
    ASSERT_NE(before.find(p.address), std::string::npos);

    const auto report = erase(suppressions_, address(p.address), "dpo", day(40));
    EXPECT_TRUE(report.contact_found);
    EXPECT_EQ(report.consent_events, 20);
    EXPECT_EQ(report.consent_states, 1);
    EXPECT_EQ(report.list_memberships, 2);
    EXPECT_TRUE(report.suppression_added);
    EXPECT_FALSE(report.organisation_removed);  // kept@ still belongs to it
    EXPECT_TRUE(report.wal_truncated);

    for (const char* suffix : {"", "-wal", "-shm"}) {
        const auto path = fs::path(db_path().string() + suffix);
        const std::string bytes = file_bytes(path);
        for (const auto& secret : {p.address, p.given, std::string("Zaphod.Erasure-Probe"), p.name,
                                   p.phone, std::string("Raderingsvagen 17"),
                                   std::string("Glomstaby"), std::string("198.51.100.23")}) {
            EXPECT_EQ(bytes.find(secret), std::string::npos)
                << "'" << secret << "' is still in " << path;
        }
    }
    EXPECT_FALSE(contacts_.find(address(p.address)));
    EXPECT_EQ(ledger_.history(kept).size(), 1U);  // other people's ledger is untouched
    EXPECT_TRUE(ledger_.verify().empty());

    // Imported again, the address is a new contact, still suppressed as erased.
    ContactUpdate again;
    again.address = address(p.address);
    const ContactId reborn = contacts_.upsert(again).value().id;
    (void)append(reborn, Action::grant, consent, day(41));
    EXPECT_EQ(to_string(eligibility_.check(address(p.address), marketing(purposes_), day(42))),
              "suppressed:erased");
    EXPECT_EQ(suppressions_.remove(suppressions_.key_for(address(p.address)), ""),
              SuppressionStore::Removed::kept_erased);
}

TEST_F(StoreFixture, ErasingAStrangerStillSuppressesAndRecordsOnlyCounts) {
    ASSERT_TRUE(suppressions_.add(suppressions_.key_for(address("x@example.se")),
                                  {SuppressionReason::unsubscribed, "", day(0)}, "web"));
    const auto report = erase(suppressions_, address("x@example.se"), "dpo", day(1));
    EXPECT_FALSE(report.contact_found);
    EXPECT_TRUE(report.suppression_added);  // unsubscribed was raised to erased
    EXPECT_EQ(suppressions_.for_key(suppressions_.key_for(address("x@example.se")))[0].reason,
              SuppressionReason::erased);
    EXPECT_FALSE(erase(suppressions_, address("x@example.se"), "dpo", day(2)).suppression_added);
    EXPECT_THROW(db_.execute_script("DELETE FROM erasures"), store::StoreError);
    const auto json = export_personal_data(suppressions_, address("x@example.se"));
    EXPECT_THAT(json, HasSubstr("\"contact\": null"));
    EXPECT_THAT(json, HasSubstr("\"reason\": \"erased\""));
}

}  // namespace
}  // namespace brevduva::consent::test
