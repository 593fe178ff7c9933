// Whether the undo button on the page of an unsubscribe link may restore what that link
// withdrew. Pure: the caller passes the contact's ledger and suppressions and the time.
//
// Undo is for a click made by mistake, so it is narrow. It is allowed only when
//   - the purpose's current state was ended by a withdrawal that this same link recorded (the
//     delivery its token names), and no event of the purpose came after it, in time or in
//     the order of recording;
//   - that withdrawal is at most `window` old (consent.undo_window; 0 turns undo off);
//   - no suppression covers the purpose except the one that withdrawal added (reason
//     unsubscribed, this purpose only, the withdrawal's own time);
//   - the grant it ended would still count now (a lapsed one is not revived).
// So a withdrawal, objection, complaint, bounce or suppression from anywhere else (a letter,
// the CLI, the API, another message's link) is never lifted by an undo: the person
// subscribes again through the preference page instead.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string_view>

#include "consent/consent_store.hpp"

namespace brevduva::consent {

// The ledger source of events recorded through an unsubscribe link.
inline constexpr std::string_view source_unsubscribe_link = "unsubscribe_link";

enum class UndoVerdict {
    allowed,
    nothing_to_undo,     // the purpose is not withdrawn (or nothing was ever recorded)
    not_this_link,       // the withdrawal came from elsewhere, or something came after it
    window_passed,       // this link's withdrawal is older than the window
    other_suppression,   // another suppression covers the purpose
    nothing_to_restore,  // the grant it ended would not count now (lapsed, say)
};

[[nodiscard]] UndoVerdict judge_undo(std::span<const LedgerEntry> history,
                                     std::span<const Suppression> suppressions,
                                     const PurposeSettings& purpose, const ContactFacts& contact,
                                     std::int64_t delivery_id, TimePoint now,
                                     std::chrono::seconds window);

[[nodiscard]] std::string_view to_string(UndoVerdict verdict);

}  // namespace brevduva::consent
