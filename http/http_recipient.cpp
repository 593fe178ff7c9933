#include "http/http_recipient.hpp"

#include <algorithm>
#include <stdexcept>

namespace brevduva::http {
namespace {

bool is_current(const consent::ConsentState& state) {
    return state.status == consent::ConsentStatus::granted ||
           state.status == consent::ConsentStatus::pending;
}

}  // namespace

bool is_marketing_purpose(std::string_view purpose) { return purpose != "service_status"; }

RecipientConsent::RecipientConsent(store::Database& db,
                                   std::span<const config::PurposeSettings> purposes,
                                   const std::string& suppression_secret)
    : db_(db),
      purposes_(purposes.begin(), purposes.end()),
      contacts_(db, purposes),
      ledger_(db, purposes),
      suppressions_(db, suppression_secret),
      eligibility_(db, purposes, suppressions_) {}

std::optional<consent::Contact> RecipientConsent::contact(std::uint64_t id) {
    if (id == 0 || id > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
    return contacts_.find(static_cast<consent::ContactId>(id));
}

const config::PurposeSettings* RecipientConsent::purpose(std::uint64_t purpose_id) {
    if (purpose_id == 0 || purpose_id > static_cast<std::uint64_t>(INT64_MAX)) return nullptr;
    const auto name = consent::purpose_name(db_, static_cast<std::int64_t>(purpose_id));
    return name ? purpose(*name) : nullptr;
}

const config::PurposeSettings* RecipientConsent::purpose(std::string_view name) const {
    const auto it = std::find_if(purposes_.begin(), purposes_.end(),
                                 [&](const auto& p) { return p.name == name; });
    return it == purposes_.end() ? nullptr : &*it;
}

std::string RecipientConsent::key_of(const consent::Contact& contact) const {
    auto address = consent::normalise_address(contact.address);
    if (!address) throw std::runtime_error("a stored contact address does not normalise");
    return suppressions_.key_for(address.value());
}

std::optional<consent::ConsentState> RecipientConsent::state(const consent::Contact& contact,
                                                             std::string_view purpose) {
    for (auto& s : ledger_.states(contact.id)) {
        if (s.purpose == purpose) return s;
    }
    return std::nullopt;
}

void RecipientConsent::append(const consent::Contact& contact,
                              const config::PurposeSettings& purpose, consent::Action action,
                              config::LawfulBasis basis, std::string_view source,
                              const ActionEvidence& evidence, consent::TimePoint now,
                              std::int64_t delivery_id) {
    consent::LedgerEntry entry;
    entry.contact_id = contact.id;
    entry.event.purpose = purpose.name;
    entry.event.action = action;
    entry.event.basis = basis;
    entry.event.at = now;
    entry.event.source = source;
    entry.event.evidence = evidence.note;
    entry.event.actor = recipient_actor;
    entry.details = {evidence.ip, evidence.user_agent, evidence.wording};
    entry.delivery_id = delivery_id;
    auto appended = ledger_.append(entry);
    if (!appended) {
        throw std::runtime_error("a consent event could not be recorded: " +
                                 std::string(consent::to_string(appended.error())));
    }
}

bool RecipientConsent::withdraw_in_transaction(const consent::Contact& contact,
                                               const config::PurposeSettings& purpose,
                                               std::string_view source,
                                               const ActionEvidence& evidence,
                                               consent::TimePoint now, std::int64_t delivery_id) {
    bool changed = false;
    const auto current = state(contact, purpose.name);
    if (current && is_current(*current)) {
        append(contact, purpose, consent::Action::withdraw,
               current->basis.value_or(config::LawfulBasis::consent), source, evidence, now,
               delivery_id);
        changed = true;
    }
    const consent::Suppression suppression{consent::SuppressionReason::unsubscribed, purpose.name,
                                           now};
    if (suppressions_.add(key_of(contact), suppression, recipient_actor)) changed = true;
    return changed;
}

bool RecipientConsent::restore_in_transaction(const consent::Contact& contact,
                                              const config::PurposeSettings& purpose,
                                              std::string_view source,
                                              const ActionEvidence& evidence,
                                              consent::TimePoint now) {
    bool changed = false;
    const std::string key = key_of(contact);
    // Only the suppression this purpose's unsubscription made is lifted: a complaint, a hard
    // bounce or an erasure stays whatever the page says.
    for (const auto& entry : suppressions_.entries_for_key(key)) {
        if (entry.suppression.purpose == purpose.name &&
            entry.suppression.reason == consent::SuppressionReason::unsubscribed) {
            changed = suppressions_.remove(key, purpose.name) ==
                          consent::SuppressionStore::Removed::removed ||
                      changed;
        }
    }
    const auto current = state(contact, purpose.name);
    if (!current || !is_current(*current)) {
        const auto& allowed = purpose.allowed_bases;
        const bool consent_allowed = std::find(allowed.begin(), allowed.end(),
                                               config::LawfulBasis::consent) != allowed.end();
        if (!consent_allowed && allowed.empty()) return changed;
        append(contact, purpose, consent::Action::grant,
               consent_allowed ? config::LawfulBasis::consent : allowed.front(), source, evidence,
               now, 0);
        changed = true;
    }
    return changed;
}

bool RecipientConsent::withdraw(const consent::Contact& contact,
                                const config::PurposeSettings& purpose, std::string_view source,
                                const ActionEvidence& evidence, consent::TimePoint now,
                                std::int64_t delivery_id) {
    store::Transaction transaction(db_);
    const bool changed =
        withdraw_in_transaction(contact, purpose, source, evidence, now, delivery_id);
    transaction.commit();
    return changed;
}

consent::UndoVerdict RecipientConsent::judge_undo(const consent::Contact& contact,
                                                  const config::PurposeSettings& purpose,
                                                  std::int64_t delivery_id, consent::TimePoint now,
                                                  std::chrono::seconds window) {
    const auto history = ledger_.history(contact.id);
    const auto suppressions = suppressions_.for_key(key_of(contact));
    return consent::judge_undo(history, suppressions, purpose,
                               consent::ContactFacts{!contact.organisation.empty()}, delivery_id,
                               now, window);
}

consent::UndoVerdict RecipientConsent::undo(const consent::Contact& contact,
                                            const config::PurposeSettings& purpose,
                                            std::int64_t delivery_id,
                                            const ActionEvidence& evidence, consent::TimePoint now,
                                            std::chrono::seconds window) {
    store::Transaction transaction(db_);
    consent::lock_contact(db_, contact.id);  // nothing else writes its ledger meanwhile
    const auto verdict = judge_undo(contact, purpose, delivery_id, now, window);
    if (verdict == consent::UndoVerdict::allowed) {
        restore_what_the_link_withdrew(contact, purpose, delivery_id, evidence, now);
    }
    transaction.commit();
    return verdict;
}

// The purpose as it stood before the link's withdrawal comes back: a grant of the same basis
// and, when that grant had been confirmed, its confirmation, both with the undo's evidence;
// and the suppression the withdrawal added is lifted (judge_undo allowed no other).
void RecipientConsent::restore_what_the_link_withdrew(const consent::Contact& contact,
                                                      const config::PurposeSettings& purpose,
                                                      std::int64_t delivery_id,
                                                      const ActionEvidence& evidence,
                                                      consent::TimePoint now) {
    const consent::ContactFacts facts{!contact.organisation.empty()};
    std::vector<consent::ConsentEvent> events = ledger_.events(contact.id);
    const auto withdrawal = consent::fold(events, purpose, facts).last_event_id;
    std::erase_if(events, [&](const auto& e) { return e.id == withdrawal; });
    const consent::ConsentState before = consent::fold(events, purpose, facts);
    (void)suppressions_.remove(key_of(contact), purpose.name);
    append(contact, purpose, consent::Action::grant,
           before.basis.value_or(config::LawfulBasis::consent), source_unsubscribe_link, evidence,
           now, delivery_id);
    if (before.confirmed_at) {
        append(contact, purpose, consent::Action::confirm,
               before.basis.value_or(config::LawfulBasis::consent), source_unsubscribe_link,
               evidence, now, delivery_id);
    }
}

bool RecipientConsent::receives(const consent::Contact& contact,
                                const config::PurposeSettings& purpose, consent::TimePoint now) {
    const auto decision = eligibility_.check(contact, purpose, now);
    return decision.send || decision.reason.kind == consent::SkipKind::unconfirmed;
}

std::vector<PurposeStatus> RecipientConsent::statuses(const consent::Contact& contact,
                                                      consent::TimePoint now) {
    std::vector<PurposeStatus> out;
    const auto states = ledger_.states(contact.id);
    for (const auto& purpose : purposes_) {
        PurposeStatus status;
        status.purpose = purpose.name;
        status.on = receives(contact, purpose, now);
        status.switchable = is_marketing_purpose(purpose.name);
        for (const auto& s : states) {
            if (s.purpose == purpose.name && s.basis && is_current(s)) {
                status.basis = consent::lawful_basis_name(*s.basis);
            }
        }
        out.push_back(std::move(status));
    }
    return out;
}

int RecipientConsent::apply_preferences(const consent::Contact& contact,
                                        const std::set<std::string>& wanted,
                                        const ActionEvidence& evidence, consent::TimePoint now) {
    store::Transaction transaction(db_);
    const auto before = statuses(contact, now);
    int changed = 0;
    for (const auto& status : before) {
        if (!status.switchable) continue;
        const auto* p = purpose(status.purpose);
        const bool want = wanted.contains(status.purpose);
        if (want && !status.on) {
            changed += restore_in_transaction(contact, *p, source_preference_page, evidence, now);
        } else if (!want && status.on) {
            changed +=
                withdraw_in_transaction(contact, *p, source_preference_page, evidence, now, 0);
        }
    }
    transaction.commit();
    return changed;
}

int RecipientConsent::withdraw_all_marketing(const consent::Contact& contact,
                                             const ActionEvidence& evidence,
                                             consent::TimePoint now) {
    store::Transaction transaction(db_);
    int changed = 0;
    for (const auto& p : purposes_) {
        if (!is_marketing_purpose(p.name)) continue;
        changed += withdraw_in_transaction(contact, p, source_preference_page, evidence, now, 0);
    }
    transaction.commit();
    return changed;
}

bool RecipientConsent::confirm(const consent::Contact& contact,
                               const config::PurposeSettings& purpose,
                               const ActionEvidence& evidence, consent::TimePoint now,
                               std::int64_t delivery_id) {
    store::Transaction transaction(db_);
    const auto current = state(contact, purpose.name);
    if (!current || !is_current(*current)) return false;
    if (current->status == consent::ConsentStatus::pending) {
        append(contact, purpose, consent::Action::confirm,
               current->basis.value_or(config::LawfulBasis::consent), source_double_opt_in,
               evidence, now, delivery_id);
    }
    transaction.commit();
    return true;
}

}  // namespace brevduva::http
