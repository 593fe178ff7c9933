#include "app/app_consent_arguments.hpp"

#include <Poco/Exception.h>
#include <fmt/chrono.h>
#include <fmt/format.h>
#include <pwd.h>
#include <unistd.h>

#include <array>
#include <chrono>

#include "config/config_secret.hpp"
#include "consent/consent_time.hpp"
#include "store/store_migrate.hpp"

namespace brevduva::app {

store::Database& current_database(Context& context) {
    auto& db = context.database();
    store::Migrator migrator(db, store::builtin_migrations(db.backend()));
    const auto status = migrator.status();
    if (status.newer_than_known()) {
        throw CommandFailure(
            exit_failure, fmt::format("database {} is at schema version {}, newer than this "
                                      "brevduva knows ({}): upgrade brevduva",
                                      db.location(), status.current_version, status.latest_known));
    }
    if (!status.pending.empty()) {
        throw CommandFailure(
            exit_failure, fmt::format("database {} is at schema version {}, this brevduva "
                                      "needs {}: run 'brevduva db migrate' first",
                                      db.location(), status.current_version, status.latest_known));
    }
    if (!status.pending_steps.empty()) {
        throw CommandFailure(exit_failure,
                             fmt::format("database {} still owes the migration step {}: run "
                                         "'brevduva db migrate' first",
                                         db.location(), status.pending_steps.front()));
    }
    return db;
}

consent::EmailAddress address_argument(const std::string& text) {
    auto address = consent::normalise_address(text);
    if (!address) {
        throw CommandFailure(
            exit_usage, fmt::format("'{}' is not a usable address: {}", text, address.error()));
    }
    return std::move(address).value();
}

const config::PurposeSettings& purpose_argument(const config::Settings& settings,
                                                const std::string& name) {
    std::string known;
    for (const auto& purpose : settings.purposes) {
        if (purpose.name == name) return purpose;
        known += (known.empty() ? "" : ", ") + purpose.name;
    }
    throw CommandFailure(exit_usage, fmt::format("unknown purpose '{}'; the configured purposes "
                                                 "are {}",
                                                 name, known));
}

config::LawfulBasis basis_argument(const std::string& text) {
    if (const auto basis = consent::parse_lawful_basis(text)) return *basis;
    throw CommandFailure(exit_usage, fmt::format("unknown basis '{}'; use consent, "
                                                 "legitimate_interest or contract",
                                                 text));
}

consent::SuppressionReason reason_argument(const std::string& text) {
    if (const auto reason = consent::parse_suppression_reason(text)) return *reason;
    throw CommandFailure(exit_usage, fmt::format("unknown reason '{}'; use unsubscribed, "
                                                 "hard_bounce, complaint, objection, erased or "
                                                 "manual",
                                                 text));
}

consent::TimePoint time_argument(const std::string& text, consent::TimePoint now,
                                 bool allow_future) {
    if (text.empty()) return now;
    auto at = consent::parse_timestamp(text);
    if (!at) throw CommandFailure(exit_usage, fmt::format("--at '{}' {}", text, at.error()));
    if (!allow_future && at.value() > now + std::chrono::minutes(5)) {
        throw CommandFailure(exit_usage,
                             fmt::format("--at '{}' is in the future; the ledger records what "
                                         "has happened",
                                         text));
    }
    return at.value();
}

std::string actor_argument(const std::string& option) {
    if (!option.empty()) return option;
    // The reentrant forms, safe beside any other thread.
    std::array<char, 256> login{};
    if (::getlogin_r(login.data(), login.size()) == 0 && login[0] != '\0') return login.data();
    std::array<char, 4096> buffer{};
    passwd entry{};
    passwd* found = nullptr;
    if (::getpwuid_r(::geteuid(), &entry, buffer.data(), buffer.size(), &found) == 0 &&
        found != nullptr) {
        return found->pw_name;
    }
    return fmt::format("uid:{}", ::geteuid());
}

ConsentRepositories::ConsentRepositories(Context& context)
    : settings(context.settings()),
      db(current_database(context)),
      contacts(db, settings.purposes),
      ledger(db, settings.purposes),
      suppressions(db, config::read_secret(settings.consent.suppression_secret)),
      eligibility(db, settings.purposes, suppressions) {}

std::string display_time(consent::TimePoint at) {
    return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", std::chrono::floor<std::chrono::seconds>(at));
}

std::string describe_exception(const std::exception& e) {
    if (const auto* poco = dynamic_cast<const Poco::Exception*>(&e)) return poco->displayText();
    return e.what();
}

}  // namespace brevduva::app
