// Ledger::verify and Ledger::rebuild: the whole view against the fold of the whole ledger,
// a page of contacts at a time, so memory holds one page of events and view rows.
#include <Poco/Data/Session.h>
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <utility>

#include "consent/consent_store.hpp"
#include "consent/consent_store_sql.hpp"

namespace brevduva::consent {
using Poco::Data::Keywords::into;
using Poco::Data::Keywords::now;
using Poco::Data::Keywords::use;

namespace {

using Key = std::pair<ContactId, std::string>;  // contact and purpose

struct ContactPage {
    std::vector<std::int64_t> ids;
    std::vector<int> has_organisation;
};

// Calls visit with each page of contacts (ids ascending) until there are no more.
template <typename Visit>
void for_each_page(store::Database& db, std::size_t page_size, Visit visit) {
    std::int64_t after = 0;
    auto limit = static_cast<std::int64_t>(std::max<std::size_t>(page_size, 1));
    for (;;) {
        ContactPage page;
        db.session() << "SELECT id, CASE WHEN organisation_id IS NULL THEN 0 ELSE 1 END"
                        " FROM contacts WHERE id > $1 ORDER BY id LIMIT $2",
            use(after), use(limit), into(page.ids), into(page.has_organisation), now;
        if (page.ids.empty()) return;
        visit(page);
        after = page.ids.back();
    }
}

// The fold of every event of the page's contacts, for the configured purposes that have events.
std::map<Key, ConsentState> fold_page(store::Database& db, const ContactPage& page,
                                      std::span<const PurposeSettings> purposes) {
    std::vector<std::int64_t> ids, contacts;
    std::vector<std::string> names, actions, bases, times;
    std::int64_t first = page.ids.front(), last = page.ids.back();
    db.session() << "SELECT id, contact_id, purpose, action, basis, occurred_at"
                    " FROM consent_events WHERE contact_id BETWEEN $1 AND $2"
                    " ORDER BY contact_id, purpose, occurred_at, id",
        use(first), use(last), into(ids), into(contacts), into(names), into(actions), into(bases),
        into(times), now;
    std::map<Key, std::vector<ConsentEvent>> grouped;
    for (std::size_t i = 0; i < ids.size(); ++i) {
        const auto action = parse_action(actions[i]);
        const auto basis = parse_lawful_basis(bases[i]);
        if (!action || !basis) {
            throw store::StoreError(fmt::format("consent event {} is malformed", ids[i]));
        }
        grouped[{contacts[i], names[i]}].push_back(
            {ids[i], names[i], *action, *basis, detail::read_stored_time(times[i]), {}, {}, {}});
    }
    std::map<ContactId, bool> organisation;
    for (std::size_t i = 0; i < page.ids.size(); ++i) {
        organisation[page.ids[i]] = page.has_organisation[i] != 0;
    }
    std::map<Key, ConsentState> folded;
    for (const auto& [key, events] : grouped) {
        const auto settings =
            std::find_if(purposes.begin(), purposes.end(),
                         [&k = key](const auto& p) { return p.name == k.second; });
        if (settings == purposes.end()) continue;  // not configured: no view row
        folded[key] = fold(events, *settings, ContactFacts{organisation[key.first]});
    }
    return folded;
}

std::string describe_state(const std::optional<ConsentState>& state) {
    if (!state) return "no row";
    const auto time = [](const std::optional<TimePoint>& at) {
        return at ? detail::stored_time(*at) : std::string("-");
    };
    return fmt::format(
        "{} (basis {}, granted {}, confirmed {}, lapses {}, ended {}, objected {}, last event "
        "{})",
        to_string(state->status), state->basis ? lawful_basis_name(*state->basis) : "-",
        time(state->granted_at), time(state->confirmed_at), time(state->lapses_at),
        time(state->ended_at), time(state->objected_at), state->last_event_id);
}

}  // namespace

std::string ViewDifference::describe() const {
    return fmt::format("contact {}, purpose {}: the view has {}; the ledger gives {}", contact_id,
                       purpose, describe_state(stored), describe_state(folded));
}

std::vector<ViewDifference> Ledger::verify(std::size_t page_size) {
    store::Transaction snapshot(db_, store::Transaction::Intent::read);
    std::vector<ViewDifference> differences;
    for_each_page(db_, page_size, [&](const ContactPage& page) {
        auto folded = fold_page(db_, page, purposes_);
        std::map<Key, ConsentState> stored;
        for (auto& row : detail::read_states(db_, page.ids.front(), page.ids.back())) {
            stored[{row.contact_id, row.state.purpose}] = std::move(row.state);
        }
        std::map<Key, ViewDifference> found;
        for (auto& [key, state] : stored) {
            const auto it = folded.find(key);
            if (it != folded.end() && it->second == state) continue;
            found[key] = {key.first, key.second, std::move(state),
                          it == folded.end() ? std::nullopt : std::optional(it->second)};
        }
        for (auto& [key, state] : folded) {
            if (!stored.contains(key)) {
                found[key] = {key.first, key.second, std::nullopt, std::move(state)};
            }
        }
        for (auto& [key, difference] : found) differences.push_back(std::move(difference));
    });
    snapshot.commit();
    return differences;
}

std::size_t Ledger::rebuild(std::size_t page_size) {
    store::Transaction transaction(db_, store::Transaction::Intent::write);
    db_.session() << "DELETE FROM consent_state", now;
    std::size_t written = 0;
    for_each_page(db_, page_size, [&](const ContactPage& page) {
        for (const auto& [key, state] : fold_page(db_, page, purposes_)) {
            detail::write_state(db_, key.first, state);
            ++written;
        }
    });
    transaction.commit();
    return written;
}

}  // namespace brevduva::consent
