// What the contacts, consent, suppress and gdpr commands share: turning their arguments into
// checked values (exit 2 naming the bad value), the database only when its schema is current
// (exit 1 with the hint to migrate: commands never migrate behind an operator's back), who
// the actor is, and the consent component's repositories built from the settings.
#pragma once

#include <memory>
#include <string>

#include "app/app_context.hpp"
#include "config/config_settings.hpp"
#include "consent/consent_address.hpp"
#include "consent/consent_event.hpp"
#include "consent/consent_store.hpp"
#include "store/store_database.hpp"

namespace brevduva::app {

// The configured database, refused unless every migration this binary knows is applied.
[[nodiscard]] store::Database& current_database(Context& context);

// The normalised address, or CommandFailure(exit_usage) naming the value and why.
[[nodiscard]] consent::EmailAddress address_argument(const std::string& text);

// The configured purpose of that name, or CommandFailure(exit_usage) listing the known ones.
[[nodiscard]] const config::PurposeSettings& purpose_argument(const config::Settings& settings,
                                                              const std::string& name);

[[nodiscard]] config::LawfulBasis basis_argument(const std::string& text);
[[nodiscard]] consent::SuppressionReason reason_argument(const std::string& text);

// --at: ISO 8601 with a time zone; empty means now. Unless allow_future, a time more than five
// minutes ahead is refused: the ledger records what has happened.
[[nodiscard]] consent::TimePoint time_argument(const std::string& text, consent::TimePoint now,
                                               bool allow_future = false);

// --actor when given, otherwise the login name (or the effective user's name).
[[nodiscard]] std::string actor_argument(const std::string& option);

// The repositories one command needs, over the current database.
struct ConsentRepositories {
    explicit ConsentRepositories(Context& context);

    const config::Settings& settings;
    store::Database& db;
    consent::ContactStore contacts;
    consent::Ledger ledger;
    consent::SuppressionStore suppressions;
    consent::Eligibility eligibility;
};

// A time for people, to the second: 2025-03-01T09:30:00Z.
[[nodiscard]] std::string display_time(consent::TimePoint at);

// Poco::Exception::what() is only the class name; this is the message worth showing.
[[nodiscard]] std::string describe_exception(const std::exception& e);

}  // namespace brevduva::app
