// The current consent of one contact for one purpose, as a pure fold of its ledger events.
// This is what the materialised "current consent" view stores and what the gate reads; the
// view must always equal fold(events, purpose, contact), so it is rebuilt whenever the events,
// the purpose's settings or the contact's organisation change. No clock: `now` is the gate's.
//
// Rules of the fold (events of other purposes are ignored):
// - events are applied in time order; every event passed in has happened, whatever its
//   time, so clock skew between machines can never hide a withdrawal. Events of the same time
//   are applied grant, confirm, withdraw, object, then by ledger id: a tie fails closed, the
//   withdrawal or objection wins whatever the order in which the events arrived;
// - a grant counts only when its basis is in the purpose's allowed bases; a legitimate-interest
//   grant counts only when the contact has an organisation (if the purpose requires that) and
//   the contact has never objected to this purpose. A grant that does not count is ignored,
//   so it neither replaces nor ends an earlier grant that did;
// - a counting grant becomes the current grant: pending when it is a consent grant and the
//   purpose uses double opt-in, granted otherwise; it clears any earlier confirmation;
// - a confirm confirms the current grant (pending → granted); with no current grant it is
//   ignored, because there is nothing the person could have confirmed;
// - a withdraw ends the current grant whatever its basis (status withdrawn);
// - an object ends the current grant (status objected) and bars legitimate interest for this
//   purpose for good. A later consent or contract grant counts: Art. 21(3) forbids the
//   controller from resting on its own legitimate interest after an objection, but a fresh,
//   specific, affirmative consent is the person's own later choice, and a contract is a new
//   relationship they entered. Neither is the controller overriding the objection;
// - lapse is measured from the grant, not from its confirmation: the grant is the statement
//   whose wording the ledger keeps as evidence, and the earlier start is the cautious one.
//   Only consent lapses; legitimate interest and contract end by withdrawal or objection.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "consent/consent_event.hpp"

namespace brevduva::consent {

struct ContactFacts {
    bool has_organisation = false;  // unknown is false: treated as a natural person
};

enum class ConsentStatus { none, pending, granted, withdrawn, objected };

struct ConsentState {
    std::string purpose;
    ConsentStatus status = ConsentStatus::none;
    // The current grant, while status is pending or granted.
    std::optional<LawfulBasis> basis;
    std::optional<TimePoint> granted_at;
    std::optional<TimePoint> confirmed_at;
    std::optional<TimePoint> lapses_at;  // consent basis and lapse_months > 0
    // When the last grant was ended, while status is withdrawn or objected.
    std::optional<TimePoint> ended_at;
    // The first objection: from then on legitimate interest never counts for this purpose.
    std::optional<TimePoint> objected_at;
    std::int64_t last_event_id = 0;  // the last event of this purpose in fold order

    friend bool operator==(const ConsentState&, const ConsentState&) = default;
};

[[nodiscard]] ConsentState fold(std::span<const ConsentEvent> events,
                                const PurposeSettings& purpose, const ContactFacts& contact);

// `from` plus a number of calendar months at the same time of day; a day that the target
// month lacks becomes its last day (31 January + 1 month = 28 or 29 February).
[[nodiscard]] TimePoint add_months(TimePoint from, int months);

[[nodiscard]] std::string_view to_string(ConsentStatus status);
[[nodiscard]] std::optional<ConsentStatus> parse_consent_status(std::string_view text);

}  // namespace brevduva::consent
