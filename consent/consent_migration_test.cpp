// Migration 0005_identity on a database made by the schema before it (version 4), holding what
// the old keying allowed: three contacts that are one person in three capitalisations, with
// ledgers, lists, deliveries in shared and separate campaigns, opens and clicks. Nothing stored
// may be lost: every event, membership, delivery and tracking row is still there, under the one
// contact that remains; the view equals the fold of the ledger (`consent verify`); ids are
// never reused; the merge is on record. SQLite always; PostgreSQL too when
// BREVDUVA_TEST_POSTGRES names a server (scripts/with-postgres).
#include <Poco/Data/Session.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <random>

#include "config/config_settings.hpp"
#include "consent/consent_migrations.hpp"
#include "consent/consent_store.hpp"
#include "store/store_database.hpp"
#include "store/store_migrate.hpp"

namespace brevduva::consent {
namespace {

namespace fs = std::filesystem;
using Poco::Data::Keywords::into;
using Poco::Data::Keywords::now;
using Poco::Data::Keywords::use;

const std::string secret = "suppression-secret-for-tests-0123456789abcdef";

std::int64_t count(store::Database& db, const std::string& sql) {
    std::int64_t n = 0;
    db.session() << sql, into(n), now;
    return n;
}

std::string text(store::Database& db, const std::string& sql) {
    std::string value;
    db.session() << sql, into(value), now;
    return value;
}

// What schema version 4 held: written as that version's code wrote it.
void seed_version_four(store::Database& db) {
    db.execute_script(R"(
INSERT INTO organisations (id, name, created_at) VALUES (1, 'Kund AB', '2026-01-01T00:00:00.000000Z');
INSERT INTO contacts (id, address, address_given, name, phone, organisation_id, attributes, created_at, updated_at) VALUES
 (1, 'Twin@kund.example.se', 'Twin@kund.example.se', 'Tvilling', '', 1, '{"stad":"Lund","n":null,"o":{"p":1}}', '2026-01-01T00:00:00.000000Z', '2026-01-02T00:00:00.000000Z'),
 (2, 'twin@kund.example.se', ' twin@kund.example.se', '', '070-1', NULL, '{"stad":"Malmö","nivå":"guld","n":5,"o":{"q":2}}', '2026-01-03T00:00:00.000000Z', '2026-01-05T00:00:00.000000Z'),
 (3, 'TWIN@kund.example.se', 'TWIN@kund.example.se', 'T', '', NULL, '{"kod":7}', '2026-01-04T00:00:00.000000Z', '2026-01-04T00:00:00.000000Z'),
 (4, 'solo@kund.example.se', 'solo@kund.example.se', 'Solo', '', NULL, '{}', '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z'),
 (10, 'gone@kund.example.se', 'gone@kund.example.se', '', '', NULL, '{}', '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z');
DELETE FROM contacts WHERE id = 10;
INSERT INTO lists (id, name, created_at) VALUES (1, 'nyheter', '2026-01-01T00:00:00.000000Z'), (2, 'kunder', '2026-01-01T00:00:00.000000Z');
INSERT INTO list_members (list_id, contact_id, added_at) VALUES
 (1, 1, '2026-01-02T00:00:00.000000Z'), (2, 2, '2026-01-03T00:00:00.000000Z'),
 (2, 3, '2026-01-02T12:00:00.000000Z'), (1, 3, '2026-01-01T12:00:00.000000Z'),
 (1, 4, '2026-01-01T00:00:00.000000Z');
INSERT INTO consent_events (id, contact_id, purpose, action, basis, source, evidence, actor, occurred_at, recorded_at) VALUES
 (1, 1, 'product_marketing', 'grant', 'consent', 'crm.csv', 'signup form v3', 'import', '2026-02-01T00:00:00.000000Z', '2026-02-01T00:00:00.000000Z'),
 (2, 2, 'product_marketing', 'withdraw', 'consent', 'unsubscribe_link', 'one-click', 'recipient', '2026-03-01T00:00:00.000000Z', '2026-03-01T00:00:00.000000Z'),
 (3, 3, 'open_tracking', 'grant', 'consent', 'preference_page', 'switch', 'recipient', '2026-02-15T00:00:00.000000Z', '2026-02-15T00:00:00.000000Z'),
 (4, 4, 'product_marketing', 'withdraw', 'consent', 'letter', 'scanned', 'admin', '2026-02-01T00:00:00.000000Z', '2026-02-01T00:00:00.000000Z'),
 (5, 4, 'product_marketing', 'grant', 'consent', 'crm.csv', 'signup form v3', 'import', '2026-02-01T00:00:00.000000Z', '2026-02-02T00:00:00.000000Z');
INSERT INTO campaigns (id, name, purpose, template_folder, audience_lists, state, created_by, created_at, updated_at) VALUES
 (1, 'Vår', 'product_marketing', '/none', '["nyheter"]', 'running', 'test', '2026-03-01T00:00:00.000000Z', '2026-03-01T00:00:00.000000Z'),
 (2, 'Vinter', 'product_marketing', '/none', '["kunder"]', 'finished', 'test', '2026-02-01T00:00:00.000000Z', '2026-02-01T00:00:00.000000Z');
INSERT INTO deliveries (id, campaign_id, contact_id, state, due_at, sent_at, updated_at) VALUES
 (1, 1, 1, 'sent', '2026-03-01T00:00:00.000000Z', '2026-03-01T00:00:01.000000Z', '2026-03-01T00:00:01.000000Z'),
 (2, 1, 2, 'pending', '2026-03-01T00:00:00.000000Z', NULL, '2026-03-01T00:00:00.000000Z'),
 (3, 2, 3, 'sent', '2026-02-01T00:00:00.000000Z', '2026-02-01T00:00:01.000000Z', '2026-02-01T00:00:01.000000Z'),
 (4, 1, 3, 'pending', '2026-03-01T00:00:00.000000Z', NULL, '2026-03-01T00:00:00.000000Z'),
 (5, 1, 4, 'pending', '2026-03-01T00:00:00.000000Z', NULL, '2026-03-01T00:00:00.000000Z'),
 (6, 2, 4, 'sent', '2026-02-01T00:00:00.000000Z', NULL, '2026-02-01T00:00:00.000000Z');
DELETE FROM deliveries WHERE id = 6;
INSERT INTO opens (delivery_id, campaign_id, at, source_class, class_reason, method, user_agent, ip_prefix) VALUES
 (1, 1, '2026-03-02T00:00:00.000000Z', 'human', 'ua', 'GET', 'Thunderbird', '192.0.2.0/24'),
 (3, 2, '2026-02-02T00:00:00.000000Z', 'human', 'ua', 'GET', 'Thunderbird', '192.0.2.0/24');
INSERT INTO clicks (delivery_id, campaign_id, link_id, at, source_class, class_reason, method, user_agent, ip_prefix) VALUES
 (3, 2, 1, '2026-02-02T00:01:00.000000Z', 'human', 'ua', 'GET', 'Thunderbird', '192.0.2.0/24');
)");
    if (db.backend() == store::Backend::postgresql) {
        // Ids written by hand do not move an identity's sequence; version 4 had handed out
        // contact 10 and delivery 6.
        db.execute_script(
            "SELECT setval(pg_get_serial_sequence('contacts', 'id'), 10);"
            "SELECT setval(pg_get_serial_sequence('deliveries', 'id'), 6);"
            "SELECT setval(pg_get_serial_sequence('consent_events', 'id'), 5);"
            "SELECT setval(pg_get_serial_sequence('lists', 'id'), 2);"
            "SELECT setval(pg_get_serial_sequence('organisations', 'id'), 1);"
            "SELECT setval(pg_get_serial_sequence('campaigns', 'id'), 2);");
    }
}

void expect_nothing_lost(store::Database& db) {
    const auto purposes = config::Settings::default_purposes();
    auto all = builtin_migrations(db.backend(), purposes);
    ASSERT_GE(all.size(), 5U);
    const std::vector<store::Migration> version_four(all.begin(), all.begin() + 4);
    (void)store::Migrator(db, version_four).migrate();
    seed_version_four(db);
    Ledger(db, purposes).rebuild();
    ASSERT_TRUE(Ledger(db, purposes).verify().empty());
    // Version 4 folded a tie by id: solo's withdrawal and grant of one time left it granted.
    db.execute_script(
        "UPDATE consent_state SET status = 'granted', basis = 'consent', granted_at ="
        " '2026-02-01T00:00:00.000000Z', lapses_at = '2028-02-01T00:00:00.000000Z', ended_at ="
        " NULL WHERE contact_id = 4 AND purpose = 'product_marketing'");
    ASSERT_FALSE(Ledger(db, purposes).verify().empty());

    (void)store::Migrator(db, all).migrate();
    EXPECT_TRUE(store::Migrator(db, all).migrate().empty());

    // One contact for the person: the oldest, with its own address for sending and what the
    // others held and it lacked.
    EXPECT_EQ(count(db, "SELECT count(*) FROM contacts"), 2);
    EXPECT_EQ(text(db, "SELECT address FROM contacts WHERE id = 1"), "Twin@kund.example.se");
    EXPECT_EQ(text(db, "SELECT folded_address FROM contacts WHERE id = 1"), "twin@kund.example.se");
    EXPECT_EQ(text(db, "SELECT name FROM contacts WHERE id = 1"), "Tvilling");
    EXPECT_EQ(text(db, "SELECT phone FROM contacts WHERE id = 1"), "070-1");
    EXPECT_EQ(text(db, "SELECT created_at FROM contacts WHERE id = 1"),
              "2026-01-01T00:00:00.000000Z");
    Poco::JSON::Parser parser;
    const auto attributes = parser.parse(text(db, "SELECT attributes FROM contacts WHERE id = 1"))
                                .extract<Poco::JSON::Object::Ptr>();
    EXPECT_EQ(attributes->getValue<std::string>("stad"), "Lund");  // its own value wins
    EXPECT_EQ(attributes->getValue<std::string>("nivå"), "guld");
    EXPECT_EQ(attributes->getValue<int>("kod"), 7);
    // Key by key, as they are: its own null and its own nested object stand.
    EXPECT_TRUE(attributes->has("n") && attributes->isNull("n"));
    const auto nested = attributes->getObject("o");
    ASSERT_TRUE(nested);
    EXPECT_TRUE(nested->has("p"));
    EXPECT_FALSE(nested->has("q"));

    // Every event, unchanged, now under the contact that stays.
    EXPECT_EQ(count(db, "SELECT count(*) FROM consent_events"), 5);
    EXPECT_EQ(count(db,
                    "SELECT count(*) FROM consent_events WHERE contact_id = 1 AND id IN "
                    "(1, 2, 3) AND delivery_id IS NULL"),
              3);
    EXPECT_EQ(text(db,
                   "SELECT occurred_at || ' ' || source || ' ' || evidence FROM "
                   "consent_events WHERE id = 2"),
              "2026-03-01T00:00:00.000000Z unsubscribe_link one-click");
    // Lists: the union, each with its earliest time.
    EXPECT_EQ(count(db, "SELECT count(*) FROM list_members WHERE contact_id = 1"), 2);
    EXPECT_EQ(text(db, "SELECT added_at FROM list_members WHERE contact_id = 1 AND list_id = 1"),
              "2026-01-01T12:00:00.000000Z");
    EXPECT_EQ(count(db, "SELECT count(*) FROM list_members"), 3);

    // Deliveries: all kept; of the person's three in campaign 1 the sent one stands and the
    // two waiting are skipped, so the person is not mailed twice.
    EXPECT_EQ(count(db, "SELECT count(*) FROM deliveries"), 5);
    EXPECT_EQ(text(db, "SELECT state || ' ' || contact_id FROM deliveries WHERE id = 1"), "sent 1");
    for (const int id : {2, 4}) {
        EXPECT_EQ(text(db, fmt::format("SELECT state || ' ' || skip_reason || ' ' || contact_id "
                                       "FROM deliveries WHERE id = {}",
                                       id)),
                  "skipped duplicate_contact 1")
            << id;
    }
    EXPECT_EQ(count(db, "SELECT merged_from FROM deliveries WHERE id = 4"), 3);
    EXPECT_EQ(text(db, "SELECT state || ' ' || contact_id FROM deliveries WHERE id = 3"), "sent 1");
    EXPECT_EQ(text(db, "SELECT state FROM deliveries WHERE id = 5"), "pending");
    EXPECT_EQ(count(db, "SELECT count(*) FROM opens"), 2);
    EXPECT_EQ(count(db, "SELECT count(*) FROM clicks WHERE delivery_id = 3"), 1);

    // The merges on record: ids and counts, never an address; part of the contact's history
    // and of the person's own export.
    EXPECT_EQ(count(db, "SELECT count(*) FROM contact_merges WHERE contact_id = 1"), 2);
    const auto merges = Ledger(db, purposes).merges(1);
    ASSERT_EQ(merges.size(), 2U);
    EXPECT_EQ(merges[0].merged_contact_id, 2);
    EXPECT_EQ(merges[0].reason, "case_variant");
    EXPECT_EQ(merges[0].actor, "migration 0005_identity");
    {
        SuppressionStore suppressions(db, secret);
        const auto exported =
            parser
                .parse(export_personal_data(suppressions,
                                            normalise_address("twin@kund.example.se").value()))
                .extract<Poco::JSON::Object::Ptr>();
        EXPECT_EQ(exported->getArray("merged_contacts")->size(), 2U);
        EXPECT_EQ(exported->getArray("consent_events")->size(), 3U);
        parser.reset();
    }
    EXPECT_EQ(count(db,
                    "SELECT consent_events + list_memberships + deliveries FROM "
                    "contact_merges WHERE merged_contact_id = 3"),
              1 + 2 + 2);

    // The view is the fold of the joined ledger: the later withdrawal under another
    // capitalisation ends the grant; the open-tracking grant made under a third now counts.
    EXPECT_TRUE(Ledger(db, purposes).verify().empty());
    SuppressionStore suppressions(db, secret);
    Eligibility eligibility(db, purposes, suppressions);
    const auto at = std::chrono::system_clock::now();
    const auto twin = normalise_address("tWiN@kund.example.se").value();
    EXPECT_EQ(to_string(eligibility.check(twin, purposes[1], at)), "withdrawn");
    EXPECT_EQ(to_string(eligibility.check(twin, purposes[2], at)), "send");
    // And the tie of version 4 is folded again: the withdrawal wins.
    EXPECT_EQ(text(db,
                   "SELECT status FROM consent_state WHERE contact_id = 4 AND purpose ="
                   " 'product_marketing'"),
              "withdrawn");

    // Mail sent before the merge carries the old ids in its links: they find the person.
    ContactStore contacts(db, purposes);
    for (const ContactId old : {2, 3}) {
        const auto found = contacts.find(old);
        ASSERT_TRUE(found) << old;
        EXPECT_EQ(found->id, 1);
    }
    EXPECT_FALSE(contacts.find(ContactId{10})) << "an erased contact stays gone";

    // Ids continue where they were: an erased contact's or a gone delivery's id never returns.
    ContactUpdate update;
    update.address = normalise_address("ny@kund.example.se").value();
    EXPECT_EQ(contacts.upsert(update).value().id, 11);
    update.address = normalise_address("TWIN@KUND.example.se").value();
    EXPECT_EQ(contacts.upsert(update).value().id, 1);
    db.execute_script(
        "INSERT INTO deliveries (campaign_id, contact_id, due_at, updated_at) VALUES "
        "(2, 11, '2026-04-01T00:00:00.000000Z', '2026-04-01T00:00:00.000000Z')");
    EXPECT_EQ(count(db, "SELECT max(id) FROM deliveries"), 7);
    // A campaign queued now still gets one delivery per person.
    EXPECT_THROW(db.execute_script("INSERT INTO deliveries (campaign_id, contact_id, due_at, "
                                   "updated_at) VALUES (1, 1, 'x', 'x')"),
                 store::StoreError);

    // An erasure under any capitalisation takes the merge record with it.
    const auto report =
        erase(suppressions, normalise_address("twin@KUND.example.se").value(), "dpo", at);
    EXPECT_TRUE(report.contact_found);
    EXPECT_EQ(report.consent_events, 3);
    EXPECT_EQ(report.deliveries, 4);
    EXPECT_EQ(count(db, "SELECT count(*) FROM contact_merges"), 0);
    EXPECT_EQ(count(db, "SELECT count(*) FROM contacts WHERE folded_address LIKE 'twin%'"), 0);
}

TEST(ContactMerge, TheIdentityMigrationJoinsCaseVariantsWithoutLosingAnything) {
    const fs::path folder =
        fs::temp_directory_path() /
        fmt::format("brevduva-merge-test-{}-{:08x}", ::getpid(), std::random_device{}());
    fs::create_directories(folder);
    {
        auto db = store::Database::open_sqlite(folder / "brevduva.db", std::chrono::seconds(2));
        expect_nothing_lost(db);
        std::string integrity;
        db.session() << "PRAGMA integrity_check", into(integrity), now;
        EXPECT_EQ(integrity, "ok");
        EXPECT_EQ(count(db, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
    }
    std::error_code ignored;
    fs::remove_all(folder, ignored);
}

TEST(Postgres, TheIdentityMigrationJoinsCaseVariantsWithoutLosingAnything) {
    const char* server = std::getenv("BREVDUVA_TEST_POSTGRES");
    if (server == nullptr || *server == '\0') GTEST_SKIP() << "BREVDUVA_TEST_POSTGRES is not set";
    const std::string name =
        fmt::format("brevduva_merge_{}_{:08x}", ::getpid(), std::random_device{}());
    auto admin = store::Database::open_postgres(server);
    admin.execute_script("CREATE DATABASE " + name);
    {
        auto db = store::Database::open_postgres(std::string(server) + " dbname=" + name);
        expect_nothing_lost(db);
    }
    admin.execute_script("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
}

}  // namespace
}  // namespace brevduva::consent
