#include "consent/consent_undo.hpp"

#include <algorithm>
#include <vector>

namespace brevduva::consent {

namespace {

// The events of the purpose in the fold's order (consent_state.hpp): the last is the one
// that decided the state.
std::vector<ConsentEvent> purpose_events(std::span<const LedgerEntry> history,
                                         std::string_view purpose) {
    std::vector<ConsentEvent> events;
    for (const auto& entry : history) {
        if (entry.event.purpose == purpose) events.push_back(entry.event);
    }
    return events;
}

}  // namespace

UndoVerdict judge_undo(std::span<const LedgerEntry> history,
                       std::span<const Suppression> suppressions, std::string_view purpose,
                       std::int64_t delivery_id, TimePoint now, std::chrono::seconds window) {
    const auto events = purpose_events(history, purpose);
    // The fold's own order (ties included) names the event that decided the state: the undo
    // may only answer that one. Every basis is allowed here, so that no grant is skipped.
    PurposeSettings every_basis;
    every_basis.name = std::string(purpose);
    every_basis.allowed_bases = {LawfulBasis::consent, LawfulBasis::legitimate_interest,
                                 LawfulBasis::contract};
    const ConsentState state = fold(events, every_basis, ContactFacts{true});
    const auto last = std::find_if(history.begin(), history.end(), [&](const LedgerEntry& e) {
        return !events.empty() && e.event.id == state.last_event_id;
    });
    if (last == history.end() ||
        (last->event.action != Action::withdraw && last->event.action != Action::object)) {
        return UndoVerdict::nothing_to_undo;
    }
    if (last->event.action != Action::withdraw || last->event.source != source_unsubscribe_link ||
        delivery_id == 0 || last->delivery_id != delivery_id) {
        return UndoVerdict::not_this_link;
    }
    const TimePoint withdrawn_at = last->event.at;
    if (window.count() <= 0 || now - withdrawn_at > window) return UndoVerdict::window_passed;
    for (const auto& s : suppressions) {
        if (!s.covers(purpose)) continue;
        const bool own = s.reason == SuppressionReason::unsubscribed && s.purpose == purpose &&
                         s.at == withdrawn_at;
        if (!own) return UndoVerdict::other_suppression;
    }
    return UndoVerdict::allowed;
}

std::string_view to_string(UndoVerdict verdict) {
    switch (verdict) {
        case UndoVerdict::allowed:
            return "allowed";
        case UndoVerdict::nothing_to_undo:
            return "nothing_to_undo";
        case UndoVerdict::not_this_link:
            return "not_this_link";
        case UndoVerdict::window_passed:
            return "window_passed";
        case UndoVerdict::other_suppression:
            return "other_suppression";
    }
    return "unknown";
}

}  // namespace brevduva::consent
