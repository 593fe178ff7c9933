// brevduva template check|preview: a campaign folder checked before any campaign runs, and the
// exact signed bytes one contact would receive. `check` needs no configuration; `preview`
// reads the contact, its tracking consent and the DKIM keys the way the worker will.
#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>
#include <system_error>

#include "app/app_commands.hpp"
#include "app/app_consent_arguments.hpp"
#include "config/config_secret.hpp"
#include "dispatcher/dispatcher_worker.hpp"
#include "templates/templates_campaign.hpp"
#include "templates/templates_compose.hpp"
#include "templates/templates_message_ids.hpp"

namespace brevduva::app {
namespace {

namespace fs = std::filesystem;

struct TemplateOptions {
    std::string folder;
    std::string purpose = "product_marketing";
    std::vector<std::string> attributes;
    std::string contact;
    std::string out;
};

templates::CampaignTemplate load_or_fail(const TemplateOptions& o,
                                         std::vector<std::string> attributes) {
    templates::CampaignCheck check;
    check.marketing = o.purpose != templates::kServiceStatusPurpose;
    check.schema.attributes = std::move(attributes);
    auto loaded = templates::load_campaign(o.folder, check);
    if (loaded) return std::move(loaded).value();
    for (const auto& problem : loaded.error()) {
        fmt::print(stderr, "{}\n", templates::describe_problem(o.folder, problem));
    }
    const std::size_t n = loaded.error().size();
    throw CommandFailure(exit_usage,
                         fmt::format("{}: {} problem{}", o.folder, n, n == 1 ? "" : "s"));
}

void check(const TemplateOptions& o) {
    const templates::CampaignTemplate campaign = load_or_fail(o, o.attributes);
    const std::size_t links = campaign.links().size();
    fmt::print("{}: ok: subject, {}HTML, text {}; {} tracked link{}\n", o.folder,
               campaign.preheader() != nullptr ? "preheader, " : "",
               campaign.text_derived() ? "derived from the HTML" : "as written", links,
               links == 1 ? "" : "s");
    for (const auto& link : campaign.links()) {
        fmt::print("  link {}: {} ({}:{}:{})\n", link.id, link.url, link.file, link.line,
                   link.column);
    }
}

// Whether the gate allows a tracking purpose for the contact now; a purpose that is not
// configured allows nothing.
bool tracking_allowed(ConsentRepositories& r, const consent::Contact& contact,
                      std::string_view purpose, consent::TimePoint now) {
    for (const auto& p : r.settings.purposes) {
        if (p.name == purpose) return r.eligibility.check(contact, p, now).send;
    }
    return false;
}

void write_preview(const std::string& out, const std::string& wire) {
    if (out.empty() || out == "-") {
        if (std::fwrite(wire.data(), 1, wire.size(), stdout) != wire.size()) {
            throw CommandFailure(exit_failure, fmt::format("cannot write the message: {}",
                                                           std::generic_category().message(errno)));
        }
        return;
    }
    // It holds personal data: readable by its owner only.
    const int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 || ::write(fd, wire.data(), wire.size()) != static_cast<ssize_t>(wire.size())) {
        const std::string reason = std::generic_category().message(errno);
        if (fd >= 0) ::close(fd);
        throw CommandFailure(exit_failure, fmt::format("cannot write {}: {}", out, reason));
    }
    ::close(fd);
}

templates::ComposerSettings composer_settings(ConsentRepositories& r, const TemplateOptions& o) {
    const config::Settings& s = r.settings;
    templates::ComposerSettings c;
    c.base_url = s.public_url.base_url;
    c.sender = templates::MessageSender{
        s.sender.from_name,     s.sender.from_address,        s.sender.reply_to,
        s.sender.bounce_domain, s.sender.unsubscribe_mailbox, "brevduva"};
    c.campaign.id = 0;  // a preview belongs to no campaign yet
    c.campaign.name = fs::path(o.folder).filename().string();
    c.campaign.purpose = purpose_argument(s, o.purpose).name;
    c.campaign.purpose_id = static_cast<std::uint64_t>(consent::purpose_id(r.db, o.purpose));
    return c;
}

templates::Value contact_attributes(const consent::Contact& contact,
                                    std::vector<std::string>& names) {
    auto value = templates::attributes_from_json(contact.attributes);
    if (!value) {
        throw CommandFailure(exit_failure,
                             fmt::format("contact {}: {}", contact.id, value.error()));
    }
    const templates::Map& map = *value.value().map_if();
    for (std::size_t i = 0; i < map.size(); ++i) names.emplace_back(map.key_at(i));
    return std::move(value).value();
}

void preview(Context& context, const TemplateOptions& o) {
    ConsentRepositories r(context);
    const auto address = address_argument(o.contact);
    const auto contact = r.contacts.find(address);
    if (!contact) {
        throw CommandFailure(exit_failure,
                             fmt::format("no contact has the address {}", address.text()));
    }
    std::vector<std::string> attribute_names = o.attributes;
    const templates::Value attributes = contact_attributes(*contact, attribute_names);
    const templates::CampaignTemplate campaign = load_or_fail(o, attribute_names);
    const auto now = std::chrono::system_clock::now();
    const auto decision =
        r.eligibility.check(*contact, purpose_argument(r.settings, o.purpose), now);
    if (!decision.send) {
        fmt::print(stderr, "note: the gate would skip this contact for {} now: {}\n", o.purpose,
                   consent::to_string(decision));
    }
    std::unique_ptr<templates::DkimSigner> signer = dispatcher::make_dkim_signer(r.settings.dkim);
    if (!signer) fmt::print(stderr, "note: DKIM is not configured; the preview is unsigned\n");
    const consent::TokenKeys keys(1, config::read_secret(r.settings.public_url.token_secret));
    templates::MessageComposer composer(campaign, composer_settings(r, o), keys,
                                        templates::derive_message_id_key(config::read_secret(
                                            r.settings.consent.suppression_secret)),
                                        signer.get());
    templates::Delivery delivery;
    delivery.contact_id = static_cast<std::uint64_t>(contact->id);
    delivery.recipient = templates::Recipient{contact->name, contact->address, contact->locale,
                                              contact->organisation, &attributes};
    delivery.open_tracking = tracking_allowed(r, *contact, "open_tracking", now);
    delivery.click_tracking = tracking_allowed(r, *contact, "click_tracking", now);
    templates::ComposedMessage message;
    if (auto error =
            composer.compose(delivery, std::chrono::floor<std::chrono::seconds>(now), message)) {
        throw CommandFailure(exit_usage,
                             fmt::format("contact {}: {}", contact->id, error->message));
    }
    write_preview(o.out, message.wire);
    fmt::print(stderr,
               "envelope: MAIL FROM:<{}> RCPT TO:<{}>; open tracking {}, click tracking {}\n",
               message.envelope_sender, contact->address, delivery.open_tracking ? "on" : "off",
               delivery.click_tracking ? "on" : "off");
}

}  // namespace

void add_template_commands(CLI::App& app, Context& context) {
    auto* group = app.add_subcommand("template", "Check and preview campaign templates");
    group->require_subcommand(1);
    auto o = std::make_shared<TemplateOptions>();

    auto* check_command = group->add_subcommand(
        "check", "Check a campaign folder; every problem is printed as file:line:column");
    check_command->add_option("folder", o->folder, "The campaign folder")->required();
    check_command
        ->add_option("--purpose", o->purpose,
                     "The campaign's purpose; all but service_status need "
                     "{{unsubscribe_url}}")
        ->capture_default_str();
    check_command->add_option("--attribute", o->attributes,
                              "A contact attribute the template may use (repeatable)");
    check_command->callback([o] { check(*o); });

    auto* preview_command = group->add_subcommand(
        "preview", "Write the exact signed message one contact would receive");
    preview_command->add_option("folder", o->folder, "The campaign folder")->required();
    preview_command->add_option("--contact", o->contact, "The contact's address")->required();
    preview_command->add_option("--out", o->out, "Write the .eml here (mode 0600), not stdout");
    preview_command->add_option("--purpose", o->purpose, "The campaign's purpose")
        ->capture_default_str();
    preview_command->add_option("--attribute", o->attributes,
                                "Another attribute the template may use (repeatable)");
    preview_command->callback([&context, o] { preview(context, *o); });
}

}  // namespace brevduva::app
