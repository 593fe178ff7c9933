// Test-only: a small Swedish campaign, composer settings and keys shared by the campaign,
// tracking, message and oracle tests.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "consent/consent_token.hpp"
#include "templates/templates_campaign.hpp"
#include "templates/templates_compose.hpp"

namespace brevduva::templates::testkit {

inline const std::chrono::sys_seconds kNow{std::chrono::seconds{1763991300}};  // 2025-11-24
inline const std::string kTokenKey(32, 'k');
inline const std::string kMessageIdSecret = "message-id secret of at least 32 bytes";

inline CampaignSources newsletter() {
    CampaignSources s;
    s.subject = "{{contact.first_name}}, höstens nyheter för {{organisation.name}}\n";
    s.preheader = "Tre nyheter från {{sender.name}}.";
    s.partials["layout"] =
        "<!DOCTYPE html>\n<html><head><title>{{$title}}Nyheter{{/title}}</title></head>\n"
        "<body class=\"x\">\n{{$content}}{{/content}}\n{{>footer}}\n</body>\n</html>\n";
    s.partials["footer"] =
        "<p><a href=\"{{preferences_url}}\">Inställningar</a> · "
        "<a href=\"{{unsubscribe_url}}\">Avregistrera</a></p>\n";
    s.html =
        "{{<layout}}{{$title}}Höstens nyheter{{/title}}{{$content}}\n"
        "<h1>Hej {{contact.first_name}}!</h1>\n"
        "<p>Nyheter för {{organisation.name}}: "
        "<a href=\"https://www.example.se/a?x=1&amp;y=2\">Läs mer</a>, "
        "<a href=\"https://www.example.se/b\" data-notrack>Utan spårning</a>, "
        "<a href=\"mailto:support@example.se\">support</a>, <a href=\"tel:+4610123\">ring</a>, "
        "<a href=\"https://www.example.se/kund/{{contact.email}}\">Personlig länk</a> och "
        "<A HREF='HTTP://www.example.se/c'>versaler</A>.</p>\n"
        "{{/content}}{{/layout}}\n";
    return s;
}

inline CampaignTemplate compile_or_fail(const CampaignSources& sources,
                                        const CampaignCheck& check = {}) {
    auto compiled = CampaignTemplate::compile(sources, check);
    if (!compiled) {
        std::string all;
        for (const auto& e : compiled.error()) all += e.to_string() + "\n";
        ADD_FAILURE() << all;
        std::abort();
    }
    return std::move(compiled).value();
}

inline ComposerSettings settings() {
    ComposerSettings s;
    s.base_url = "https://mail.example.se";
    s.sender.from_name = "Åsa på Exempelföretaget";
    s.sender.from_address = "nyheter@example.se";
    s.sender.reply_to = "kundtjanst@example.se";
    s.sender.bounce_domain = "bounces.example.se";
    s.sender.unsubscribe_mailbox = "avregistrera@example.se";
    s.campaign = CampaignInfo{12, "Höst 2025", "product_marketing", 2};
    return s;
}

inline Delivery delivery(bool open = false, bool click = false) {
    Delivery d;
    d.delivery_id = 987654;
    d.contact_id = 4242;
    d.recipient = Recipient{"Örjan Ängström", "orjan.angstrom@kund.se", "sv", "Kund AB", nullptr};
    d.open_tracking = open;
    d.click_tracking = click;
    return d;
}

}  // namespace brevduva::templates::testkit
