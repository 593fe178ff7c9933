// brevduva consent grant|withdraw|object|confirm|history|verify|rebuild|check: the ledger as an
// operator meets it. Every event is one transaction together with its view row (and the
// contact a first grant creates); check prints the gate's decision and exits 3 for a skip.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <memory>

#include "app/app_commands.hpp"
#include "app/app_consent_arguments.hpp"
#include "config/config_secret.hpp"
#include "consent/consent_token.hpp"

namespace brevduva::app {
namespace {

using consent::Action;
using consent::ConsentStatus;

inline constexpr int exit_skip = 3;

struct EventOptions {
    std::string email, purpose, basis, source = "admin", evidence, ip, user_agent, wording, at,
                                       actor, token;
};

// The basis an event is recorded with: --basis, else for a grant consent, else the basis of
// the grant it ends or confirms (the fold reads the basis of grants only).
config::LawfulBasis event_basis(ConsentRepositories& r, const EventOptions& o, Action action,
                                const config::PurposeSettings& purpose,
                                consent::ContactId contact) {
    if (!o.basis.empty()) {
        const auto basis = basis_argument(o.basis);
        const auto& allowed = purpose.allowed_bases;
        if (action == Action::grant &&
            std::find(allowed.begin(), allowed.end(), basis) == allowed.end()) {
            throw CommandFailure(exit_usage, fmt::format("purpose {} does not allow the basis {}",
                                                         purpose.name, o.basis));
        }
        return basis;
    }
    if (action != Action::grant && contact != 0) {
        for (const auto& state : r.ledger.states(contact)) {
            if (state.purpose == purpose.name && state.basis) return *state.basis;
        }
    }
    if (action == Action::grant && purpose.allowed_bases.size() == 1) {
        return purpose.allowed_bases.front();
    }
    return config::LawfulBasis::consent;
}

std::string mint_confirmation(ConsentRepositories& r, consent::ContactId contact,
                              const std::string& purpose, consent::TimePoint now) {
    const consent::TokenKeys keys(1, config::read_secret(r.settings.public_url.token_secret));
    consent::TokenClaims claims;
    claims.kind = consent::TokenKind::confirm;
    claims.contact_id = static_cast<std::uint64_t>(contact);
    claims.purpose_id = static_cast<std::uint64_t>(consent::purpose_id(r.db, purpose));
    claims.issued_at = std::chrono::floor<std::chrono::seconds>(now);
    return consent::mint(keys, claims);
}

void check_token(ConsentRepositories& r, const EventOptions& o, consent::ContactId contact) {
    const consent::TokenKeys keys(1, config::read_secret(r.settings.public_url.token_secret));
    const auto claims = consent::verify(keys, o.token, consent::TokenKind::confirm);
    if (!claims || claims.value().contact_id != static_cast<std::uint64_t>(contact) ||
        consent::purpose_name(r.db, static_cast<std::int64_t>(claims.value().purpose_id)) !=
            o.purpose) {
        throw CommandFailure(exit_usage, fmt::format("the token is not a confirmation of {} for "
                                                     "{}",
                                                     o.purpose, o.email));
    }
}

consent::ContactId contact_for_event(ConsentRepositories& r, const consent::EmailAddress& address,
                                     const EventOptions& o, Action action) {
    if (const auto contact = r.contacts.find(address)) return contact->id;
    if (action != Action::grant) {
        throw CommandFailure(exit_failure,
                             fmt::format("no contact has the address {}, so there is nothing to "
                                         "{}; to stop all mail to it use 'brevduva suppress add'",
                                         address.text(), consent::to_string(action)));
    }
    consent::ContactUpdate update;
    update.address = address;
    update.address_given = o.email;
    auto created = r.contacts.upsert(update);
    if (!created) throw CommandFailure(exit_usage, created.error());
    fmt::print("created contact {} for {}\n", created.value().id, address.text());
    return created.value().id;
}

void record(Context& context, Action action, const EventOptions& o) {
    ConsentRepositories r(context);
    const auto address = address_argument(o.email);
    const auto& purpose = purpose_argument(r.settings, o.purpose);
    const auto now = std::chrono::system_clock::now();
    consent::LedgerEntry entry;
    entry.event.at = time_argument(o.at, now);
    entry.event.actor = actor_argument(o.actor);
    store::Transaction transaction(r.db);
    entry.contact_id = contact_for_event(r, address, o, action);
    if (!o.token.empty()) check_token(r, o, entry.contact_id);
    entry.event.purpose = purpose.name;
    entry.event.action = action;
    entry.event.basis = event_basis(r, o, action, purpose, entry.contact_id);
    entry.event.source = o.source;
    entry.event.evidence = o.evidence;
    entry.details = {o.ip, o.user_agent, o.wording};
    auto appended = r.ledger.append(entry);
    if (!appended) {
        throw CommandFailure(exit_failure, fmt::format("the event could not be recorded: {}",
                                                       consent::to_string(appended.error())));
    }
    const auto& state = appended.value().state;
    std::string token;
    if (state.status == ConsentStatus::pending) {
        token = mint_confirmation(r, entry.contact_id, purpose.name, now);
    }
    transaction.commit();
    spdlog::info("consent {} of {} recorded for contact {} as event {}", consent::to_string(action),
                 purpose.name, entry.contact_id, appended.value().event_id);
    fmt::print("recorded {} of {} for {} (event {}); {} is now {}\n", consent::to_string(action),
               purpose.name, address.text(), appended.value().event_id, purpose.name,
               consent::to_string(state.status));
    if (!token.empty()) {
        fmt::print("waiting for confirmation (double opt-in); confirmation token: {}\n", token);
    }
}

void history(Context& context, const std::string& email) {
    ConsentRepositories r(context);
    const auto address = address_argument(email);
    const auto contact = r.contacts.find(address);
    if (!contact) {
        throw CommandFailure(exit_failure,
                             fmt::format("no contact has the address {}", address.text()));
    }
    const auto events = r.ledger.history(contact->id);
    fmt::print("{} consent event{} for {} (contact {})\n", events.size(),
               events.size() == 1 ? "" : "s", contact->address, contact->id);
    for (const auto& e : events) {
        fmt::print("{}  #{:<6} {:<20} {:<8} basis {:<19} source {}  actor {}\n",
                   display_time(e.event.at), e.event.id, e.event.purpose,
                   consent::to_string(e.event.action), consent::lawful_basis_name(e.event.basis),
                   e.event.source, e.event.actor);
        const auto evidence = [](const char* label, const std::string& value) {
            if (!value.empty()) fmt::print("    {}: {}\n", label, value);
        };
        evidence("evidence", e.event.evidence);
        evidence("ip", e.details.ip);
        evidence("user agent", e.details.user_agent);
        evidence("wording", e.details.wording);
        if (e.delivery_id != 0) fmt::print("    through the link of delivery {}\n", e.delivery_id);
        fmt::print("    recorded {}\n", display_time(e.recorded_at));
    }
    for (const auto& m : r.ledger.merges(contact->id)) {
        fmt::print(
            "{}  contact {} joined into this one ({}), by {}: {} event{}, {} list{}, {} "
            "deliver{} moved\n",
            display_time(m.merged_at), m.merged_contact_id, m.reason, m.actor, m.consent_events,
            m.consent_events == 1 ? "" : "s", m.list_memberships,
            m.list_memberships == 1 ? "" : "s", m.deliveries, m.deliveries == 1 ? "y" : "ies");
    }
}

void verify(Context& context) {
    ConsentRepositories r(context);
    const auto differences = r.ledger.verify();
    if (differences.empty()) {
        fmt::print("the consent view equals the fold of the ledger\n");
        return;
    }
    for (const auto& d : differences) fmt::print("{}\n", d.describe());
    throw CommandFailure(exit_failure,
                         fmt::format("{} difference{} between the consent view and the ledger; "
                                     "'brevduva consent rebuild' rebuilds the view from the ledger",
                                     differences.size(), differences.size() == 1 ? "" : "s"));
}

void rebuild(Context& context) {
    ConsentRepositories r(context);
    const auto rows = r.ledger.rebuild();
    spdlog::info("consent view rebuilt from the ledger: {} rows", rows);
    fmt::print("rebuilt the consent view from the ledger: {} row{}\n", rows, rows == 1 ? "" : "s");
}

void check(Context& context, const std::string& email, const std::string& purpose_name,
           const std::string& at) {
    ConsentRepositories r(context);
    const auto address = address_argument(email);
    const auto& purpose = purpose_argument(r.settings, purpose_name);
    const auto when = time_argument(at, std::chrono::system_clock::now(), true);
    const auto decision = r.eligibility.check(address, purpose, when);
    if (decision.send) {
        fmt::print("send: {} may be sent {} mail\n", address.text(), purpose.name);
        return;
    }
    fmt::print("skip: {}\n", consent::to_string(decision.reason));
    // The address stays out of stderr, which a service manager may keep in its journal.
    throw CommandFailure(exit_skip, fmt::format("decision for {}: skip ({})", purpose.name,
                                                consent::to_string(decision.reason)));
}

void add_event_command(CLI::App& consent, Context& context, Action action, const char* help) {
    auto o = std::make_shared<EventOptions>();
    auto* command = consent.add_subcommand(std::string(consent::to_string(action)), help);
    command->add_option("email", o->email, "The contact's address")->required();
    command->add_option("purpose", o->purpose, "A configured purpose")->required();
    command->add_option("--basis", o->basis, "consent, legitimate_interest or contract");
    command->add_option("--source", o->source, "Where it came from")->capture_default_str();
    auto* evidence = command->add_option("--evidence", o->evidence, "What proves it (free text)");
    if (action == Action::confirm) {
        evidence->required();
        command->add_option("--token", o->token, "The confirmation token, checked when given");
    }
    command->add_option("--ip", o->ip, "The IP address it came from");
    command->add_option("--user-agent", o->user_agent, "The browser it came from");
    command->add_option("--wording", o->wording, "The wording or policy version shown");
    command->add_option("--at", o->at, "When it happened, ISO 8601 with a zone (default: now)");
    command->add_option("--actor", o->actor, "Who records it (default: the login name)");
    command->callback([&context, action, o] { record(context, action, *o); });
}

}  // namespace

void add_consent_commands(CLI::App& app, Context& context) {
    auto* consent = app.add_subcommand("consent", "Record, show, verify and check consent");
    consent->require_subcommand(1);
    add_event_command(*consent, context, Action::grant,
                      "Record a grant (pending until confirmed when the purpose uses double "
                      "opt-in; the confirmation token is printed)");
    add_event_command(*consent, context, Action::confirm,
                      "Record the double opt-in confirmation of the latest grant");
    add_event_command(*consent, context, Action::withdraw, "Record a withdrawal (GDPR Art. 7(3))");
    add_event_command(*consent, context, Action::object,
                      "Record an objection (GDPR Art. 21): legitimate interest never again");
    auto email = std::make_shared<std::string>();
    auto* history_command = consent->add_subcommand("history", "Show a contact's ledger");
    history_command->add_option("email", *email, "The contact's address")->required();
    history_command->callback([&context, email] { history(context, *email); });
    consent
        ->add_subcommand("verify",
                         "Compare the consent view with the ledger (exit 1 on any "
                         "difference)")
        ->callback([&context] { verify(context); });
    consent->add_subcommand("rebuild", "Rebuild the consent view from the ledger")
        ->callback([&context] { rebuild(context); });
    auto check_options = std::make_shared<std::array<std::string, 3>>();
    auto* check_command = consent->add_subcommand(
        "check", "Print the gate's decision now: exit 0 for send, 3 for skip");
    check_command->add_option("email", (*check_options)[0], "The address")->required();
    check_command->add_option("purpose", (*check_options)[1], "A configured purpose")->required();
    check_command->add_option("--at", (*check_options)[2], "Decide as at this time");
    check_command->callback([&context, check_options] {
        check(context, (*check_options)[0], (*check_options)[1], (*check_options)[2]);
    });
}

}  // namespace brevduva::app
