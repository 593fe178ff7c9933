// What a recipient's pages change: withdrawing a purpose (a withdraw event with evidence and a
// suppression for that purpose), undoing it (a new grant with evidence and the suppression
// lifted), the preference centre's switches and "no marketing at all", and the double opt-in
// confirmation. Each call is one transaction; each change is one ledger event; a call that
// would change nothing writes nothing, so a repeated POST is harmless. No HTTP here: the
// handlers pass the contact, the purpose and the evidence.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "config/config_settings.hpp"
#include "consent/consent_store.hpp"
#include "consent/consent_undo.hpp"
#include "store/store_database.hpp"

namespace brevduva::http {

// Ledger sources (ConsentEvent::source) of the recipient's own actions.
using consent::source_unsubscribe_link;
inline constexpr std::string_view source_preference_page = "preference_page";
inline constexpr std::string_view source_double_opt_in = "double_opt_in_link";
inline constexpr std::string_view recipient_actor = "recipient";

struct ActionEvidence {
    std::string ip;
    std::string user_agent;
    std::string wording;  // what was shown and pressed: "unsubscribe page v1 (sv)"
    std::string note;     // free-text evidence: "one-click POST (RFC 8058)"
};

struct PurposeStatus {
    std::string purpose;
    bool on = false;         // the gate would send now (or waits only for confirmation)
    bool switchable = true;  // false for service_status: not a marketing purpose
    std::string basis;       // the lawful basis of the current grant, if any
};

// Service messages are not marketing: the preference centre shows them but cannot switch
// them off, and "no marketing at all" leaves them.
[[nodiscard]] bool is_marketing_purpose(std::string_view purpose);

class RecipientConsent {
  public:
    RecipientConsent(store::Database& db, std::span<const config::PurposeSettings> purposes,
                     const std::string& suppression_secret);

    [[nodiscard]] std::optional<consent::Contact> contact(std::uint64_t id);
    // The configured purpose a token's purpose number names, or nullptr.
    [[nodiscard]] const config::PurposeSettings* purpose(std::uint64_t purpose_id);
    [[nodiscard]] const config::PurposeSettings* purpose(std::string_view name) const;

    // True when something changed (an event or a new suppression). delivery_id: the message
    // whose link recorded it (0: none), kept with the event.
    bool withdraw(const consent::Contact& contact, const config::PurposeSettings& purpose,
                  std::string_view source, const ActionEvidence& evidence, consent::TimePoint now,
                  std::int64_t delivery_id = 0);

    // The undo button of an unsubscribe link's page: restores the purpose (a grant, and the
    // suppression that link's withdrawal added lifted) when consent::judge_undo allows it for
    // that link (delivery_id) within `window`; otherwise changes nothing. One transaction.
    consent::UndoVerdict undo(const consent::Contact& contact,
                              const config::PurposeSettings& purpose, std::int64_t delivery_id,
                              const ActionEvidence& evidence, consent::TimePoint now,
                              std::chrono::seconds window);
    // What undo() would answer now, without changing anything.
    [[nodiscard]] consent::UndoVerdict judge_undo(const consent::Contact& contact,
                                                  const config::PurposeSettings& purpose,
                                                  std::int64_t delivery_id, consent::TimePoint now,
                                                  std::chrono::seconds window);

    // True when the purpose is on for the person now: the gate would send, or waits only for
    // the double opt-in confirmation.
    [[nodiscard]] bool receives(const consent::Contact& contact,
                                const config::PurposeSettings& purpose, consent::TimePoint now);

    [[nodiscard]] std::vector<PurposeStatus> statuses(const consent::Contact& contact,
                                                      consent::TimePoint now);
    // Turns each marketing purpose on when it is in `wanted`, off otherwise; the number of
    // purposes changed.
    int apply_preferences(const consent::Contact& contact, const std::set<std::string>& wanted,
                          const ActionEvidence& evidence, consent::TimePoint now);
    // Withdraws every marketing purpose; the number changed.
    int withdraw_all_marketing(const consent::Contact& contact, const ActionEvidence& evidence,
                               consent::TimePoint now);

    // Confirms a pending grant; true when the purpose is confirmed now (also when it already
    // was), false when there is nothing to confirm.
    bool confirm(const consent::Contact& contact, const config::PurposeSettings& purpose,
                 const ActionEvidence& evidence, consent::TimePoint now,
                 std::int64_t delivery_id = 0);

  private:
    bool withdraw_in_transaction(const consent::Contact& contact,
                                 const config::PurposeSettings& purpose, std::string_view source,
                                 const ActionEvidence& evidence, consent::TimePoint now,
                                 std::int64_t delivery_id);
    bool restore_in_transaction(const consent::Contact& contact,
                                const config::PurposeSettings& purpose, std::string_view source,
                                const ActionEvidence& evidence, consent::TimePoint now);
    void restore_what_the_link_withdrew(const consent::Contact& contact,
                                        const config::PurposeSettings& purpose,
                                        std::int64_t delivery_id, const ActionEvidence& evidence,
                                        consent::TimePoint now);
    [[nodiscard]] std::optional<consent::ConsentState> state(const consent::Contact& contact,
                                                             std::string_view purpose);
    void append(const consent::Contact& contact, const config::PurposeSettings& purpose,
                consent::Action action, config::LawfulBasis basis, std::string_view source,
                const ActionEvidence& evidence, consent::TimePoint now, std::int64_t delivery_id);
    [[nodiscard]] std::string key_of(const consent::Contact& contact) const;

    store::Database& db_;
    std::vector<config::PurposeSettings> purposes_;
    consent::ContactStore contacts_;
    consent::Ledger ledger_;
    consent::SuppressionStore suppressions_;
    consent::Eligibility eligibility_;
};

}  // namespace brevduva::http
