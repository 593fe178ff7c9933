// brevduva gdpr export|erase: the data subject's rights of access and portability (GDPR Art.
// 15, 20) and erasure (Art. 17). Export prints JSON on stdout; erase asks before it acts unless
// --yes, and prints what it removed (counts only).
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <memory>

#include "app/app_commands.hpp"
#include "app/app_consent_arguments.hpp"

namespace brevduva::app {
namespace {

struct EraseOptions {
    std::string email, actor;
    bool yes = false;
};

void export_data(Context& context, const std::string& email) {
    ConsentRepositories r(context);
    const auto address = address_argument(email);
    const std::string json = consent::export_personal_data(r.suppressions, address);
    spdlog::info("personal data exported");
    fmt::print("{}\n", json);
}

void confirm_or_refuse(const consent::EmailAddress& address) {
    if (::isatty(STDIN_FILENO) != 1) {
        throw CommandFailure(exit_usage,
                             "gdpr erase removes a person for good: pass --yes "
                             "when not asking on a terminal");
    }
    fmt::print("Erase everything stored about {}? It cannot be undone. Type 'yes': ",
               address.text());
    (void)std::fflush(stdout);  // a failed write is reported at exit (app_cli.cpp)
    std::string answer;
    std::getline(std::cin, answer);
    if (answer != "yes") throw CommandFailure(exit_failure, "not confirmed; nothing was erased");
}

void erase(Context& context, const EraseOptions& o) {
    ConsentRepositories r(context);
    const auto address = address_argument(o.email);
    if (!o.yes) confirm_or_refuse(address);
    const auto report = consent::erase(r.suppressions, address, actor_argument(o.actor),
                                       std::chrono::system_clock::now());
    spdlog::info("erasure {} done: contact found {}, {} consent events removed", report.erasure_id,
                 report.contact_found, report.consent_events);
    if (report.contact_found) {
        fmt::print(
            "erased the contact {}: {} list membership{}, {} consent event{}, {} consent "
            "view row{}, {} deliveries, {} opens, {} clicks{}\n",
            address.text(), report.list_memberships, report.list_memberships == 1 ? "" : "s",
            report.consent_events, report.consent_events == 1 ? "" : "s", report.consent_states,
            report.consent_states == 1 ? "" : "s", report.deliveries, report.opens, report.clicks,
            report.organisation_removed ? ", and its organisation" : "");
    } else {
        fmt::print("no contact has the address {}; nothing stored about it to remove\n",
                   address.text());
    }
    fmt::print("{}; recorded as erasure {} (counts only, no personal data)\n",
               report.suppression_added
                   ? "the address stays suppressed for all purposes under its keyed hash"
                   : "the address was already suppressed as erased",
               report.erasure_id);
    if (!report.wal_truncated) {
        fmt::print(stderr,
                   "warning: another process was reading the database, so the write-ahead log "
                   "could not be emptied yet; SQLite empties it at a later checkpoint\n");
    }
}

}  // namespace

void add_gdpr_commands(CLI::App& app, Context& context) {
    auto* gdpr = app.add_subcommand("gdpr", "Data-subject rights: export and erasure");
    gdpr->require_subcommand(1);

    auto email = std::make_shared<std::string>();
    auto* export_command = gdpr->add_subcommand(
        "export", "Print everything stored about an address as JSON (GDPR Art. 15, 20)");
    export_command->add_option("email", *email, "The address")->required();
    export_command->callback([&context, email] { export_data(context, *email); });

    auto o = std::make_shared<EraseOptions>();
    auto* erase_command = gdpr->add_subcommand(
        "erase", "Remove a person's data everywhere and keep them suppressed (GDPR Art. 17)");
    erase_command->add_option("email", o->email, "The address")->required();
    erase_command->add_flag("--yes", o->yes, "Do not ask for confirmation");
    erase_command->add_option("--actor", o->actor, "Who erases (default: the login name)");
    erase_command->callback([&context, o] { erase(context, *o); });
}

}  // namespace brevduva::app
