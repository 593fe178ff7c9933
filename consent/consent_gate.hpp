// The consent gate: whether one message for one purpose may be sent to one contact now. One
// pure function of the contact's ledger events, the suppressions that match the contact, the
// purpose's settings and the time; it runs when a Delivery is about to be sent, never when the
// campaign is queued. The caller passes every event and suppression it has for the contact;
// the gate itself picks out those of this purpose.
//
// The reasons for not sending, in precedence order (the first that applies is reported):
//   1. suppressed:<reason>  a suppression for this purpose or for all purposes, whatever the
//                           ledger says; when several apply, the earliest (then the one first
//                           in SuppressionReason order) is named;
//   2. withdrawn            the last counting event was a withdrawal;
//   3. objected             the last counting event was an objection;
//   4. no_basis             no counting grant at all;
//   5. lapsed               a consent grant older than the purpose's lapse_months;
//   6. unconfirmed          a consent grant still waiting for its double opt-in confirmation.
// 2–4 exclude each other (they are the fold's status). 5 comes before 6 because confirming
// a lapsed grant would not make it count again. The rules themselves are in consent_state.hpp.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "consent/consent_event.hpp"
#include "consent/consent_state.hpp"

namespace brevduva::consent {

enum class SkipKind { none, no_basis, withdrawn, objected, suppressed, unconfirmed, lapsed };

struct SkipReason {
    SkipKind kind = SkipKind::none;
    SuppressionReason suppression = SuppressionReason::manual;  // only when kind is suppressed

    friend bool operator==(const SkipReason& a, const SkipReason& b) {
        return a.kind == b.kind &&
               (a.kind != SkipKind::suppressed || a.suppression == b.suppression);
    }
};

struct Decision {
    bool send = false;
    SkipReason reason;  // kind none when send

    friend bool operator==(const Decision&, const Decision&) = default;
};

[[nodiscard]] Decision decide(const ContactFacts& contact, std::span<const ConsentEvent> events,
                              std::span<const Suppression> suppressions,
                              const PurposeSettings& purpose, TimePoint now);

// The same decision for a state already folded (for callers that hold the fold anyway).
[[nodiscard]] Decision decide(const ConsentState& state, std::span<const Suppression> suppressions,
                              TimePoint now);

// "none", "no_basis", "withdrawn", "objected", "suppressed:hard_bounce", "unconfirmed",
// "lapsed": stable names for the database and the CLI.
[[nodiscard]] std::string to_string(SkipReason reason);
[[nodiscard]] std::optional<SkipReason> parse_skip_reason(std::string_view text);
// "send", or the skip reason.
[[nodiscard]] std::string to_string(const Decision& decision);

}  // namespace brevduva::consent
