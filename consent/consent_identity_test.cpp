// One person, one contact: every capitalisation of an address finds the same contact, the same
// ledger and the same suppressions, on the single path (`consent check`, the pages) and on the
// worker's batch path alike; and an erasure under any capitalisation leaves nothing under any
// other.
#include <Poco/Data/Session.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <iterator>

#include "consent/consent_store_test_support.hpp"

namespace brevduva::consent::test {
namespace {

using enum LawfulBasis;
using Poco::Data::Keywords::into;
using Poco::Data::Keywords::now;
using Poco::Data::Keywords::use;

const PurposeSettings& marketing(const std::vector<PurposeSettings>& purposes) {
    return purposes[1];
}

std::string lowered(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

TEST(FoldAddress, LowerCasesTheWholeAddressAndNothingElse) {
    EXPECT_EQ(fold_address(address("Anna.Berg+Nyheter@Kund.Example.SE")),
              "anna.berg+nyheter@kund.example.se");
    EXPECT_EQ(fold_address(address("\"Anna Berg\"@kund.example.se")),
              "\"anna berg\"@kund.example.se");
    // Dots and tags are kept: folding them would guess at other people's mail systems.
    EXPECT_NE(fold_address(address("a.berg@kund.example.se")),
              fold_address(address("aberg@kund.example.se")));
}

TEST_F(StoreFixture, EveryCapitalisationIsOneContactWithItsFirstAddressForSending) {
    const ContactId first = contact("Twin@kund.example.se");
    EXPECT_EQ(contact("twin@kund.example.se"), first);
    EXPECT_EQ(contact("TWIN@KUND.EXAMPLE.SE"), first);
    const auto found = contacts_.find(address("tWiN@kund.example.se"));
    ASSERT_TRUE(found);
    EXPECT_EQ(found->id, first);
    EXPECT_EQ(found->address, "Twin@kund.example.se");
    std::int64_t contacts = 0;
    db_.session() << "SELECT count(*) FROM contacts", into(contacts), now;
    EXPECT_EQ(contacts, 1);
}

TEST_F(StoreFixture, AWithdrawalUnderOneCapitalisationCoversEveryOther) {
    (void)append(contact("Twin@kund.example.se"), Action::grant, consent, day(0));
    (void)append(contact("TWIN@kund.example.se"), Action::withdraw, consent, day(1));
    for (const char* spelling :
         {"Twin@kund.example.se", "twin@kund.example.se", "TWIN@KUND.example.se"}) {
        EXPECT_EQ(to_string(eligibility_.check(address(spelling), marketing(purposes_), day(2))),
                  "withdrawn")
            << spelling;
    }
}

// The worker reads a batch's facts in three queries; a suppression written under any
// capitalisation must reach the contact there too, as it does on the single path.
TEST_F(StoreFixture, TheBatchPathSeesASuppressionOfAnyCapitalisation) {
    const ContactId person = contact("a.person@kund.example.se");
    const ContactId other = contact("b.person@kund.example.se");
    (void)append(person, Action::grant, consent, day(0));
    (void)append(other, Action::grant, consent, day(0));
    ASSERT_TRUE(suppressions_.add(suppressions_.key_for(address("A.Person@Kund.Example.se")),
                                  {SuppressionReason::manual, "", day(1)}, "admin"));
    const std::vector<ContactId> batch{other, person};
    const auto facts = load_gate_facts(suppressions_, batch);
    ASSERT_EQ(facts.size(), 2U);
    const auto decide_for = [&](ContactId id) {
        const auto& f = facts.at(id);
        return to_string(decide(ContactFacts{!f.contact.organisation.empty()}, f.events,
                                f.suppressions, marketing(purposes_), day(2)));
    };
    EXPECT_EQ(decide_for(person), "suppressed:manual");
    EXPECT_EQ(decide_for(other), "send");
}

TEST_F(StoreFixture, AnErasedPersonReimportedUnderAnotherCapitalisationStaysSuppressed) {
    (void)append(contact("Anna@kund.example.se"), Action::grant, consent, day(0));
    (void)erase(suppressions_, address("Anna@kund.example.se"), "dpo", day(1));
    const ContactId again = contact("ANNA@kund.example.se");
    (void)append(again, Action::grant, consent, day(2));
    const std::vector<ContactId> batch{again};
    const auto facts = load_gate_facts(suppressions_, batch);
    const auto& f = facts.at(again);
    EXPECT_EQ(
        to_string(decide(ContactFacts{}, f.events, f.suppressions, marketing(purposes_), day(3))),
        "suppressed:erased");
    EXPECT_EQ(to_string(eligibility_.check(address("anna@kund.example.se"), marketing(purposes_),
                                           day(3))),
              "suppressed:erased");
}

TEST_F(StoreFixture, ErasingAnyCapitalisationLeavesNoByteOfThePersonUnderAnyOther) {
    ContactUpdate update;
    update.address = address("Twin.Tvilling@kund.example.se");
    update.address_given = "Twin.Tvilling@kund.example.se";
    update.name = "Tvillingen Ett";
    update.lists = {"nyheter"};
    const ContactId id = contacts_.upsert(update).value().id;
    (void)append(id, Action::grant, consent, day(0));
    update.address = address("twin.tvilling@KUND.example.se");
    update.address_given = "twin.tvilling@KUND.example.se";
    update.name.reset();
    update.phone = "070-123 45 67";
    ASSERT_EQ(contacts_.upsert(update).value().id, id);

    const auto report =
        erase(suppressions_, address("TWIN.TVILLING@kund.example.se"), "dpo", day(1));
    EXPECT_TRUE(report.contact_found);
    EXPECT_TRUE(report.wal_truncated);
    EXPECT_FALSE(contacts_.find(address("Twin.Tvilling@kund.example.se")));
    for (const auto& file : {db_path(), fs::path(db_path().string() + "-wal")}) {
        std::ifstream in(file, std::ios::binary);
        const std::string bytes =
            lowered({std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()});
        EXPECT_EQ(bytes.find("twin.tvilling"), std::string::npos) << file;
        EXPECT_EQ(bytes.find("tvillingen"), std::string::npos) << file;
        EXPECT_EQ(bytes.find("070-123"), std::string::npos) << file;
    }
}

}  // namespace
}  // namespace brevduva::consent::test
