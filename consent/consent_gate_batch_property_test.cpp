// The worker's batch path (load_gate_facts, three queries for a whole batch) and the single
// path (Eligibility::check, what `consent check` and the pages use) must decide alike for every
// contact, purpose and capitalisation. Random populations mix case variants of the same people,
// ledger events at colliding times, suppressions written under any capitalisation, erasures
// and re-imports; each seed is one population.
#include <gtest/gtest.h>

#include <cctype>
#include <random>
#include <set>

#include "consent/consent_store_test_support.hpp"

namespace brevduva::consent::test {
namespace {

using enum LawfulBasis;

class BatchAndSinglePathsAgree : public StoreFixture, public ::testing::WithParamInterface<int> {
  protected:
    std::mt19937_64 rng{static_cast<std::uint64_t>(GetParam())};

    int below(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); }

    // One of twelve people, spelt with random capitals anywhere.
    std::string spelling() {
        const int person = below(12);
        std::string text = fmt::format("person.{}@kund{}.example.se", person, person % 3);
        for (auto& c : text) {
            if (below(3) == 0) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        }
        return text;
    }

    // Few distinct times, so that grants and endings often share one.
    TimePoint some_time() { return day(below(4)) + std::chrono::hours(below(2)); }

    const PurposeSettings& some_purpose() {
        return purposes_[static_cast<std::size_t>(below(static_cast<int>(purposes_.size())))];
    }

    void random_step() {
        switch (below(10)) {
            case 0:
            case 1: {
                ContactUpdate update;
                update.address = address(spelling());
                if (below(2) == 0) update.organisation = below(2) == 0 ? "Kund AB" : "";
                ASSERT_TRUE(contacts_.upsert(update));
                break;
            }
            case 2:
            case 3:
            case 4:
            case 5: {
                const auto found = contacts_.find(address(spelling()));
                if (!found) break;
                static constexpr Action actions[] = {Action::grant, Action::grant, Action::confirm,
                                                     Action::withdraw, Action::object};
                static constexpr LawfulBasis bases[] = {consent, legitimate_interest, contract};
                (void)append(found->id, actions[below(5)], bases[below(3)], some_time(),
                             some_purpose().name);
                break;
            }
            case 6:
            case 7: {
                static constexpr SuppressionReason reasons[] = {
                    SuppressionReason::unsubscribed, SuppressionReason::hard_bounce,
                    SuppressionReason::complaint, SuppressionReason::manual};
                const std::string scope = below(2) == 0 ? "" : some_purpose().name;
                (void)suppressions_.add(suppressions_.key_for(address(spelling())),
                                        {reasons[below(4)], scope, some_time()}, "test");
                break;
            }
            case 8:
                (void)erase(suppressions_, address(spelling()), "test", some_time());
                break;
            default:
                // A suppression lifted by hand (an erasure's stays unless lifted on purpose).
                (void)suppressions_.remove(suppressions_.key_for(address(spelling())),
                                           below(2) == 0 ? "" : some_purpose().name);
                break;
        }
    }
};

TEST_P(BatchAndSinglePathsAgree, ForEveryContactPurposeAndCapitalisation) {
    for (int step = 0; step < 250; ++step) random_step();

    std::vector<ContactId> everyone;
    contacts_.for_each({}, [&](const Contact& c) { everyone.push_back(c.id); });
    // The twelve people are at most twelve contacts, whatever the capitalisations used.
    EXPECT_LE(everyone.size(), 12U);
    std::shuffle(everyone.begin(), everyone.end(), rng);
    // A batch of some of them, in no particular order, as the worker claims them.
    const std::vector<ContactId> batch(
        everyone.begin(), everyone.begin() + static_cast<std::ptrdiff_t>(everyone.size() / 2 + 1));
    const auto facts = load_gate_facts(suppressions_, batch);
    ASSERT_EQ(facts.size(), batch.size());
    const TimePoint now = day(5);
    for (const ContactId id : batch) {
        const auto contact = contacts_.find(id);
        ASSERT_TRUE(contact);
        const auto& f = facts.at(id);
        for (const auto& purpose : purposes_) {
            const auto batched = decide(ContactFacts{!f.contact.organisation.empty()}, f.events,
                                        f.suppressions, purpose, now);
            const auto single = eligibility_.check(*contact, purpose, now);
            EXPECT_EQ(to_string(batched), to_string(single))
                << "contact " << id << ", purpose " << purpose.name << ", seed " << GetParam();
            // Any capitalisation of the address gets the same answer.
            std::string other = contact->address;
            for (auto& c : other) {
                if (below(2) == 0) {
                    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
                }
            }
            EXPECT_EQ(to_string(eligibility_.check(address(other), purpose, now)),
                      to_string(single))
                << other << ", seed " << GetParam();
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Seeds, BatchAndSinglePathsAgree, ::testing::Range(1, 21));

}  // namespace
}  // namespace brevduva::consent::test
