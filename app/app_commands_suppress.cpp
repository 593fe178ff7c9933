// brevduva suppress add|remove|list: the suppression list, keyed by the keyed hash of the
// address. The list itself holds no addresses, so `list` shows keys; given an address it shows
// that address's suppressions.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <memory>

#include "app/app_commands.hpp"
#include "app/app_consent_arguments.hpp"
#include "formats/formats_spreadsheet.hpp"

namespace brevduva::app {
namespace {

struct SuppressOptions {
    std::string email, purpose, reason, actor;
    bool lift_erasure = false;
};

std::string scope(const std::string& purpose) { return purpose.empty() ? "all purposes" : purpose; }

void add(Context& context, const SuppressOptions& o) {
    ConsentRepositories r(context);
    const auto address = address_argument(o.email);
    if (!o.purpose.empty()) (void)purpose_argument(r.settings, o.purpose);
    const consent::Suppression suppression{reason_argument(o.reason), o.purpose,
                                           std::chrono::system_clock::now()};
    const std::string key = r.suppressions.key_for(address);
    if (!r.suppressions.add(key, suppression, actor_argument(o.actor))) {
        fmt::print("{} was already suppressed for {}; nothing changed\n", address.text(),
                   scope(o.purpose));
        return;
    }
    spdlog::info("suppression {} added for {} ({})", key.substr(0, 12), scope(o.purpose), o.reason);
    fmt::print("suppressed {} for {} ({})\n", address.text(), scope(o.purpose), o.reason);
}

void remove(Context& context, const SuppressOptions& o) {
    ConsentRepositories r(context);
    const auto address = address_argument(o.email);
    const std::string key = r.suppressions.key_for(address);
    switch (r.suppressions.remove(key, o.purpose, o.lift_erasure)) {
        case consent::SuppressionStore::Removed::removed:
            spdlog::info("suppression {} removed for {} by {}", key.substr(0, 12), scope(o.purpose),
                         actor_argument(o.actor));
            fmt::print("removed the suppression of {} for {}\n", address.text(), scope(o.purpose));
            return;
        case consent::SuppressionStore::Removed::absent:
            fmt::print("{} has no suppression for {}; nothing removed\n", address.text(),
                       scope(o.purpose));
            return;
        case consent::SuppressionStore::Removed::kept_erased:
            throw CommandFailure(
                exit_failure,
                fmt::format("the suppression of {} records an erasure (GDPR Art. 17) and was "
                            "kept; lift it only on the person's own new request, with "
                            "--lift-erasure",
                            address.text()));
    }
}

void print_entry(const consent::SuppressionEntry& e) {
    fmt::print("{}\t{}\t{}\t{}\t{}\n", e.key, scope(e.suppression.purpose),
               consent::to_string(e.suppression.reason), display_time(e.suppression.at),
               formats::tsv_field(e.actor));
}

void list(Context& context, const std::string& email) {
    ConsentRepositories r(context);
    fmt::print("key\tpurpose\treason\tsince\tactor\n");
    if (!email.empty()) {
        const auto key = r.suppressions.key_for(address_argument(email));
        for (const auto& entry : r.suppressions.entries_for_key(key)) print_entry(entry);
        return;
    }
    r.suppressions.for_each(print_entry);
}

}  // namespace

void add_suppress_commands(CLI::App& app, Context& context) {
    auto* suppress = app.add_subcommand("suppress", "Add, remove and list suppressions");
    suppress->require_subcommand(1);

    auto o = std::make_shared<SuppressOptions>();
    auto* add_command = suppress->add_subcommand("add", "Never send to an address again");
    add_command->add_option("email", o->email, "The address")->required();
    add_command->add_option("--purpose", o->purpose, "Only this purpose (default: all)");
    add_command
        ->add_option("--reason", o->reason,
                     "unsubscribed, hard_bounce, complaint, objection, erased or manual")
        ->required();
    add_command->add_option("--actor", o->actor, "Who adds it (default: the login name)");
    add_command->callback([&context, o] { add(context, *o); });

    auto r = std::make_shared<SuppressOptions>();
    auto* remove_command = suppress->add_subcommand("remove", "Lift one suppression");
    remove_command->add_option("email", r->email, "The address")->required();
    remove_command->add_option("--purpose", r->purpose, "The purpose it is for (default: all)");
    remove_command->add_flag("--lift-erasure", r->lift_erasure,
                             "Also lift a suppression that records an erasure");
    remove_command->add_option("--actor", r->actor, "Who lifts it (default: the login name)");
    remove_command->callback([&context, r] { remove(context, *r); });

    auto email = std::make_shared<std::string>();
    auto* list_command = suppress->add_subcommand(
        "list", "List suppressions, tab-separated (keys: the list holds no addresses)");
    list_command->add_option("email", *email, "Only the suppressions of this address");
    list_command->callback([&context, email] { list(context, *email); });
}

}  // namespace brevduva::app
