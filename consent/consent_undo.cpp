#include "consent/consent_undo.hpp"

#include <algorithm>
#include <vector>

namespace brevduva::consent {

namespace {

// The events of one purpose.
std::vector<ConsentEvent> purpose_events(std::span<const LedgerEntry> history,
                                         const std::string& purpose) {
    std::vector<ConsentEvent> events;
    for (const auto& entry : history) {
        if (entry.event.purpose == purpose) events.push_back(entry.event);
    }
    return events;
}

}  // namespace

UndoVerdict judge_undo(std::span<const LedgerEntry> history,
                       std::span<const Suppression> suppressions, const PurposeSettings& purpose,
                       const ContactFacts& contact, std::int64_t delivery_id, TimePoint now,
                       std::chrono::seconds window) {
    std::vector<ConsentEvent> events = purpose_events(history, purpose.name);
    // The fold's own order (ties included) names the event that decided the state: the undo
    // may only answer that one.
    const std::int64_t decisive = fold(events, purpose, contact).last_event_id;
    const auto last = std::find_if(history.begin(), history.end(), [&](const LedgerEntry& e) {
        return !events.empty() && e.event.id == decisive;
    });
    if (last == history.end() ||
        (last->event.action != Action::withdraw && last->event.action != Action::object)) {
        return UndoVerdict::nothing_to_undo;
    }
    if (last->event.action != Action::withdraw || last->event.source != source_unsubscribe_link ||
        delivery_id == 0 || last->delivery_id != delivery_id) {
        return UndoVerdict::not_this_link;
    }
    // Nothing recorded after it either: an event written later but dated earlier (a letter
    // recorded with the day it arrived) is still someone's later word.
    if (std::any_of(events.begin(), events.end(),
                    [&](const ConsentEvent& e) { return e.id > last->event.id; })) {
        return UndoVerdict::not_this_link;
    }
    const TimePoint withdrawn_at = last->event.at;
    if (window.count() <= 0 || now - withdrawn_at > window) return UndoVerdict::window_passed;
    for (const auto& s : suppressions) {
        if (!s.covers(purpose.name)) continue;
        const bool own = s.reason == SuppressionReason::unsubscribed && s.purpose == purpose.name &&
                         s.at == withdrawn_at;
        if (!own) return UndoVerdict::other_suppression;
    }
    // What the withdrawal ended must still stand now: a lapsed grant, or one that would no
    // longer count, is not revived by an undo.
    std::erase_if(events, [&](const ConsentEvent& e) { return e.id == last->event.id; });
    const Decision before = decide(fold(events, purpose, contact), {}, now);
    if (!before.send && before.reason.kind != SkipKind::unconfirmed) {
        return UndoVerdict::nothing_to_restore;
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
        case UndoVerdict::nothing_to_restore:
            return "nothing_to_restore";
    }
    return "unknown";
}

}  // namespace brevduva::consent
