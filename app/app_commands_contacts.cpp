// brevduva contacts show|list: what is stored about contacts, for the operator who asked. The
// addresses go to stdout in full (the operator asked for them) and never to the log.
#include <fmt/format.h>

#include <memory>

#include "app/app_commands.hpp"
#include "app/app_consent_arguments.hpp"
#include "formats/formats_spreadsheet.hpp"

namespace brevduva::app {
namespace {

std::string joined(const std::vector<std::string>& items) {
    return items.empty() ? "-" : fmt::format("{}", fmt::join(items, ", "));
}

// A postal address spans lines; shown on one.
std::string one_line(std::string text) {
    for (std::size_t at = text.find('\n'); at != std::string::npos; at = text.find('\n', at)) {
        text.replace(at, 1, " / ");
    }
    return text;
}

std::string describe_state(const consent::ConsentState& s) {
    std::string text(consent::to_string(s.status));
    if (s.basis) text += fmt::format(" on {}", consent::lawful_basis_name(*s.basis));
    if (s.granted_at) text += " since " + display_time(*s.granted_at);
    if (s.confirmed_at) text += ", confirmed " + display_time(*s.confirmed_at);
    if (s.lapses_at) text += ", lapses " + display_time(*s.lapses_at);
    if (s.ended_at) text += " at " + display_time(*s.ended_at);
    if (s.objected_at && s.status != consent::ConsentStatus::objected) {
        text += ", objected " + display_time(*s.objected_at);
    }
    return text;
}

void print_consent(ConsentRepositories& r, const consent::Contact& c) {
    fmt::print("consent (the stored view; 'consent check' decides):\n");
    const auto states = r.ledger.states(c.id);
    for (const auto& purpose : r.settings.purposes) {
        std::string text = "none";
        for (const auto& s : states) {
            if (s.purpose == purpose.name) text = describe_state(s);
        }
        fmt::print("  {:<20} {}\n", purpose.name, text);
    }
}

void print_suppressions(ConsentRepositories& r, const consent::EmailAddress& address) {
    const auto entries = r.suppressions.entries_for_key(r.suppressions.key_for(address));
    fmt::print("suppressions:{}\n", entries.empty() ? " none" : "");
    for (const auto& e : entries) {
        fmt::print("  {:<20} {} since {} by {}\n",
                   e.suppression.purpose.empty() ? "all purposes" : e.suppression.purpose,
                   consent::to_string(e.suppression.reason), display_time(e.suppression.at),
                   e.actor);
    }
}

void show(Context& context, const std::string& email) {
    ConsentRepositories r(context);
    const auto address = address_argument(email);
    const auto c = r.contacts.find(address);
    if (!c) {
        print_suppressions(r, address);
        throw CommandFailure(exit_failure,
                             fmt::format("no contact has the address {}", address.text()));
    }
    fmt::print("contact {}\n", c->id);
    fmt::print("  address:        {}\n", c->address);
    fmt::print("  given as:       \"{}\"\n", c->address_given);
    fmt::print("  name:           {}\n", c->name);
    fmt::print("  phone:          {}\n", c->phone);
    fmt::print("  postal address: {}\n", one_line(c->postal_address));
    fmt::print("  organisation:   {}\n", c->organisation.empty() ? "-" : c->organisation);
    fmt::print("  locale:         {}\n", c->locale);
    fmt::print("  lists:          {}\n", joined(c->lists));
    fmt::print("  attributes:     {}\n", c->attributes);
    fmt::print("  created:        {}\n", display_time(c->created_at));
    fmt::print("  updated:        {}\n", display_time(c->updated_at));
    print_consent(r, *c);
    print_suppressions(r, address);
}

void list(Context& context, const consent::ContactFilter& filter) {
    ConsentRepositories r(context);
    std::size_t count = 0;
    fmt::print("id\taddress\tname\torganisation\tlocale\tlists\n");
    r.contacts.for_each(filter, [&](const consent::Contact& c) {
        // Read into spreadsheets: every text a person or an import chose is made safe there.
        std::vector<std::string> lists;
        for (const auto& list : c.lists) lists.push_back(formats::tsv_field(list));
        fmt::print("{}\t{}\t{}\t{}\t{}\t{}\n", c.id, formats::tsv_field(c.address),
                   formats::tsv_field(c.name), formats::tsv_field(c.organisation), c.locale,
                   formats::tsv_field(fmt::format("{}", fmt::join(lists, ","))));
        ++count;
    });
    fmt::print(stderr, "{} contact{}\n", count, count == 1 ? "" : "s");
}

}  // namespace

void add_contacts_commands(CLI::App& contacts, Context& context) {
    auto email = std::make_shared<std::string>();
    auto* show_command =
        contacts.add_subcommand("show", "Show a contact, its lists, consent and suppressions");
    show_command->add_option("email", *email, "The contact's address")->required();
    show_command->callback([&context, email] { show(context, *email); });

    auto filter = std::make_shared<consent::ContactFilter>();
    auto* list_command = contacts.add_subcommand(
        "list", "List contacts, tab-separated, one per line (a count goes to stderr)");
    list_command->add_option("--list", filter->list, "Only members of this list");
    list_command->add_option("--organisation", filter->organisation,
                             "Only contacts of this organisation");
    list_command->callback([&context, filter] { list(context, *filter); });
}

}  // namespace brevduva::app
