// The consent store against a real SQLite database: contacts merge, the ledger refreshes its
// view in the same transaction, the view always equals the fold, and the database itself
// refuses to change or delete an event.
#include <Poco/Data/Session.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "consent/consent_store_test_support.hpp"

namespace brevduva::consent::test {
namespace {

using ::testing::HasSubstr;
using enum LawfulBasis;

TEST_F(StoreFixture, UpsertCreatesThenMergesThenReportsUnchanged) {
    ContactUpdate update;
    update.address = address("Anna@Example.SE");
    update.address_given = " Anna@Example.SE ";
    update.name = "Anna Svensson";
    update.attributes = R"({"city": "Lund", "tier": 1})";
    update.lists = {"news"};
    auto first = contacts_.upsert(update);
    ASSERT_TRUE(first) << first.error();
    EXPECT_EQ(first.value().outcome, UpsertOutcome::created);

    ContactUpdate more;
    more.address = address("Anna@example.se");
    more.phone = "+46 70 000 00 00";
    more.attributes = R"({"tier": 2})";
    more.lists = {"offers"};
    const auto second = contacts_.upsert(more);
    ASSERT_TRUE(second);
    EXPECT_EQ(second.value().outcome, UpsertOutcome::updated);
    EXPECT_EQ(second.value().id, first.value().id);
    EXPECT_EQ(contacts_.upsert(more).value().outcome, UpsertOutcome::unchanged);

    // The domain folds case; the local part is kept as written (consent_address.hpp).
    const auto stored = contacts_.find(address("Anna@EXAMPLE.se"));
    ASSERT_TRUE(stored);
    EXPECT_EQ(stored->address, "Anna@example.se");
    EXPECT_EQ(stored->address_given, " Anna@Example.SE ");
    EXPECT_EQ(stored->name, "Anna Svensson");  // kept: the second update did not name it
    EXPECT_EQ(stored->phone, "+46 70 000 00 00");
    EXPECT_EQ(stored->attributes, R"({"city":"Lund","tier":2})");
    EXPECT_EQ(stored->lists, (std::vector<std::string>{"news", "offers"}));
    EXPECT_EQ(stored->locale, "sv");
}

TEST_F(StoreFixture, InvalidFieldsAreRefusedWithTheirReason) {
    ContactUpdate update;
    update.address = address("bo@example.se");
    update.name = "Bo\x01";
    EXPECT_THAT(contacts_.upsert(update).error(), HasSubstr("name contains a control character"));
    update.name = "Bo \xC2\x85";  // U+0085, a C1 control
    EXPECT_THAT(contacts_.upsert(update).error(), HasSubstr("control character"));
    update.name = std::string(2000, 'x');
    EXPECT_THAT(contacts_.upsert(update).error(), HasSubstr("longer than 1024 bytes"));
    update.name = "Bo \xFF";
    EXPECT_THAT(contacts_.upsert(update).error(), HasSubstr("not valid UTF-8"));
    update.name = "Bo";
    update.locale = "de";
    EXPECT_THAT(contacts_.upsert(update).error(), HasSubstr("locale 'de' is not sv or en"));
    update.locale = "en";
    update.attributes = "[1, 2]";
    EXPECT_THAT(contacts_.upsert(update).error(), HasSubstr("not a JSON object"));
    update.attributes.reset();
    update.postal_address = "Gatan 1\n123 45 Lund";  // a line break is fine here
    EXPECT_TRUE(contacts_.upsert(update));
    EXPECT_FALSE(contacts_.find(address("nobody@example.se")));
}

TEST_F(StoreFixture, ContactsAreListedByFilterPageByPage) {
    for (int i = 0; i < 7; ++i) {
        ContactUpdate update;
        update.address = address(fmt::format("c{}@example.se", i));
        update.organisation = i % 2 == 0 ? "Even AB" : "Odd AB";
        if (i < 3) update.lists = {"early"};
        ASSERT_TRUE(contacts_.upsert(update));
    }
    std::vector<std::string> seen;
    const auto collect = [&](const Contact& c) { seen.push_back(c.address); };
    contacts_.for_each({}, collect, 2);
    EXPECT_EQ(seen.size(), 7U);
    seen.clear();
    contacts_.for_each({"early", "Even AB"}, collect, 1);
    EXPECT_EQ(seen, (std::vector<std::string>{"c0@example.se", "c2@example.se"}));
    seen.clear();
    contacts_.for_each({"", "Nobody AB"}, collect, 2);
    EXPECT_TRUE(seen.empty());
}

TEST_F(StoreFixture, AppendingAnEventRefreshesTheViewInTheSameTransaction) {
    const ContactId id = contact("anna@example.se");
    const auto granted = append(id, Action::grant, consent, day(0));
    EXPECT_EQ(granted.state.status, ConsentStatus::granted);
    EXPECT_EQ(granted.state.granted_at, day(0));
    EXPECT_EQ(granted.state.lapses_at, add_months(day(0), 24));
    const auto withdrawn = append(id, Action::withdraw, consent, day(3));
    EXPECT_EQ(withdrawn.state.status, ConsentStatus::withdrawn);
    const auto states = ledger_.states(id);
    ASSERT_EQ(states.size(), 1U);
    EXPECT_EQ(states[0], withdrawn.state);
    EXPECT_EQ(states[0].last_event_id, withdrawn.event_id);
    // An older event arriving later is ordered by its time, not by its arrival.
    const auto late = append(id, Action::grant, consent, day(1));
    EXPECT_EQ(late.state.status, ConsentStatus::withdrawn);
    EXPECT_TRUE(ledger_.verify().empty());
}

TEST_F(StoreFixture, AFailedAppendLeavesNothingBehind) {
    const ContactId id = contact("anna@example.se");
    LedgerEntry entry;
    entry.contact_id = id;
    entry.event = {0, "no_such_purpose", Action::grant, consent, day(0), "admin", "", "t"};
    EXPECT_EQ(ledger_.append(entry).error(), LedgerError::unknown_purpose);
    entry.event.purpose = "product_marketing";
    entry.contact_id = id + 100;
    EXPECT_EQ(ledger_.append(entry).error(), LedgerError::unknown_contact);
    EXPECT_TRUE(ledger_.history(id).empty());
    EXPECT_TRUE(ledger_.states(id).empty());
}

TEST_F(StoreFixture, AppendOnceWritesAnEventOnlyOnce) {
    const ContactId id = contact("anna@example.se");
    LedgerEntry entry;
    entry.contact_id = id;
    entry.event = {0, "product_marketing", Action::grant, consent, day(0), "import x.csv", "", "t"};
    ASSERT_TRUE(ledger_.append_once(entry).value());
    EXPECT_FALSE(ledger_.append_once(entry).value());
    EXPECT_EQ(ledger_.history(id).size(), 1U);
}

TEST_F(StoreFixture, HistoryKeepsTheEvidence) {
    const ContactId id = contact("anna@example.se");
    LedgerEntry entry;
    entry.contact_id = id;
    entry.event = {0,      "open_tracking",   Action::grant,     consent,
                   day(0), "preference_page", "checkbox ticked", "system"};
    entry.details = {"192.0.2.7", "Mozilla/5.0 (X11)", "privacy policy v4"};
    ASSERT_TRUE(ledger_.append(entry));
    const auto history = ledger_.history(id);
    ASSERT_EQ(history.size(), 1U);
    EXPECT_EQ(history[0].event.evidence, "checkbox ticked");
    EXPECT_EQ(history[0].details, entry.details);
    EXPECT_EQ(history[0].event.at, day(0));
    EXPECT_EQ(history[0].event.source, "preference_page");
}

TEST_F(StoreFixture, GainingAnOrganisationRefreshesTheView) {
    const ContactId id = contact("info@example.se");
    EXPECT_EQ(append(id, Action::grant, legitimate_interest, day(0), "service_status").state.status,
              ConsentStatus::granted);  // service_status does not need an organisation
    std::vector<PurposeSettings> purposes = purposes_;
    purposes.push_back({"b2b", {legitimate_interest}, false, 0, true});
    Ledger ledger(db_, purposes);
    ContactStore contacts(db_, purposes);
    LedgerEntry entry;
    entry.contact_id = id;
    entry.event = {0, "b2b", Action::grant, legitimate_interest, day(0), "admin", "", "t"};
    EXPECT_EQ(ledger.append(entry).value().state.status, ConsentStatus::none);
    ContactUpdate update;
    update.address = address("info@example.se");
    update.organisation = "Exempel AB";
    ASSERT_TRUE(contacts.upsert(update));
    ASSERT_EQ(ledger.states(id).size(), 2U);
    EXPECT_EQ(ledger.states(id)[0].purpose, "b2b");
    EXPECT_EQ(ledger.states(id)[0].status, ConsentStatus::granted);
    EXPECT_TRUE(ledger.verify().empty());
}

TEST_F(StoreFixture, TheDatabaseRefusesToChangeOrDeleteAnEvent) {
    const ContactId id = contact("anna@example.se");
    (void)append(id, Action::grant, consent, day(0));
    EXPECT_THROW(db_.execute_script("UPDATE consent_events SET action = 'withdraw'"),
                 store::StoreError);
    EXPECT_THROW(db_.execute_script("UPDATE consent_events SET evidence = ''"), store::StoreError);
    try {
        db_.execute_script("DELETE FROM consent_events");
        ADD_FAILURE() << "the delete went through";
    } catch (const store::StoreError& e) {
        EXPECT_THAT(e.what(), HasSubstr("append-only"));
    }
    // Nor can the contact go without its events (no cascade), except by erasure.
    EXPECT_THROW(db_.execute_script("DELETE FROM contacts"), store::StoreError);
    EXPECT_EQ(ledger_.history(id).size(), 1U);
}

TEST_F(StoreFixture, VerifyFindsATamperedViewAndRebuildRepairsIt) {
    const ContactId id = contact("anna@example.se");
    (void)append(id, Action::grant, consent, day(0));
    (void)append(id, Action::withdraw, consent, day(1), "open_tracking");
    EXPECT_TRUE(ledger_.verify().empty());
    db_.execute_script(
        "UPDATE consent_state SET status = 'granted' WHERE purpose = 'open_tracking';"
        "DELETE FROM consent_state WHERE purpose = 'product_marketing';");
    const auto differences = ledger_.verify();
    ASSERT_EQ(differences.size(), 2U);
    EXPECT_THAT(differences[0].describe(),
                HasSubstr("purpose open_tracking: the view has granted"));
    EXPECT_THAT(differences[0].describe(), HasSubstr("the ledger gives withdrawn"));
    EXPECT_FALSE(differences[1].stored);  // product_marketing is missing from the view
    EXPECT_EQ(differences[1].folded->status, ConsentStatus::granted);
    EXPECT_EQ(ledger_.rebuild(), 2U);
    EXPECT_TRUE(ledger_.verify().empty());
}

// Thousands of random operations, then: the stored view equals the fold of the ledger, and a
// rebuild from the ledger writes exactly the rows that were there.
TEST_F(StoreFixture, TheViewAlwaysEqualsTheFoldOfTheLedger) {
    std::mt19937 random(20250131);
    const auto pick = [&](int n) { return static_cast<int>(random() % static_cast<unsigned>(n)); };
    std::vector<ContactId> ids;
    ids.reserve(40);
    for (int i = 0; i < 40; ++i) ids.push_back(contact(fmt::format("p{}@example.se", i)));
    constexpr Action actions[] = {Action::grant, Action::confirm, Action::withdraw, Action::object};
    constexpr LawfulBasis bases[] = {consent, legitimate_interest, contract};
    store::Transaction transaction(db_);  // one transaction: the test runs in a second
    for (int step = 0; step < 3000; ++step) {
        const ContactId id = ids[static_cast<std::size_t>(pick(40))];
        if (pick(20) == 0) {
            ContactUpdate update;
            update.address = address(contacts_.find(id)->address);
            update.organisation = pick(2) == 0 ? "" : "Exempel AB";
            ASSERT_TRUE(contacts_.upsert(update));
            continue;
        }
        (void)append(id, actions[pick(4)], bases[pick(3)], day(pick(900)),
                     purposes_[static_cast<std::size_t>(pick(4))].name);
    }
    transaction.commit();
    const auto differences = ledger_.verify(7);
    EXPECT_TRUE(differences.empty()) << differences.front().describe();
    std::vector<ConsentState> before;
    for (const ContactId id : ids) {
        for (auto& s : ledger_.states(id)) before.push_back(std::move(s));
    }
    EXPECT_EQ(ledger_.rebuild(11), before.size());
    std::vector<ConsentState> after;
    for (const ContactId id : ids) {
        for (auto& s : ledger_.states(id)) after.push_back(std::move(s));
    }
    EXPECT_EQ(after, before);
}

}  // namespace
}  // namespace brevduva::consent::test
