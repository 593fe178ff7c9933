// The facts the consent gate reasons about: ledger events and suppressions, with the stable
// snake_case names they carry into the database, the CLI and the API. Plain values; the ledger
// row adds the contact and persistence details around ConsentEvent elsewhere (store/).
// A name, once written to a database, never changes: add new names, never rename.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "config/config_settings.hpp"

namespace brevduva::consent {

using TimePoint = std::chrono::system_clock::time_point;
using config::LawfulBasis;
using config::PurposeSettings;

enum class Action {
    grant,     // the person (or a sale, or a contract) gives a basis for this purpose
    confirm,   // the double opt-in link for the latest grant was followed
    withdraw,  // GDPR Art. 7(3): ends the current grant; a later grant restores
    object,    // GDPR Art. 21(2): ends the current grant; legitimate interest never again
};

// One append-only ledger entry for one contact and one purpose.
struct ConsentEvent {
    std::int64_t id = 0;  // ledger order among events with the same time
    std::string purpose;
    Action action = Action::grant;
    LawfulBasis basis = LawfulBasis::consent;
    TimePoint at;
    // Provenance for Art. 7(1) ("able to demonstrate"); the gate does not read these.
    std::string source;    // import file, api, preference_page, unsubscribe_link, ...
    std::string evidence;  // IP, user agent, wording or policy version shown
    std::string actor;     // system or staff user

    friend bool operator==(const ConsentEvent&, const ConsentEvent&) = default;
};

enum class SuppressionReason { unsubscribed, hard_bounce, complaint, objection, erased, manual };

struct Suppression {
    SuppressionReason reason = SuppressionReason::manual;
    std::string purpose;  // empty: every purpose
    TimePoint at;

    [[nodiscard]] bool covers(std::string_view purpose_name) const {
        return purpose.empty() || purpose == purpose_name;
    }
    friend bool operator==(const Suppression&, const Suppression&) = default;
};

[[nodiscard]] std::string_view to_string(Action action);
[[nodiscard]] std::string_view to_string(SuppressionReason reason);
// Named apart from to_string so that it cannot collide through ADL with a to_string that
// config/ may one day declare for its own enum.
[[nodiscard]] std::string_view lawful_basis_name(LawfulBasis basis);

[[nodiscard]] std::optional<Action> parse_action(std::string_view text);
[[nodiscard]] std::optional<SuppressionReason> parse_suppression_reason(std::string_view text);
[[nodiscard]] std::optional<LawfulBasis> parse_lawful_basis(std::string_view text);

}  // namespace brevduva::consent
