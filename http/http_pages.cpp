#include "http/http_pages.hpp"

#include <openssl/evp.h>

#include <array>

namespace brevduva::http {
namespace {

constexpr std::string_view kStyle =
    "body{margin:0;background:#f4f4f1;color:#1d1d1b;font:17px/1.5 system-ui,-apple-system,"
    "'Segoe UI',Roboto,sans-serif}"
    "main{max-width:34rem;margin:3rem auto;padding:2rem;background:#fff;border-radius:8px;"
    "box-shadow:0 1px 3px rgba(0,0,0,.12)}"
    "h1{font-size:1.5rem;margin:0 0 1rem}"
    "button{font:inherit;padding:.6rem 1.2rem;border:0;border-radius:6px;background:#1f5f8b;"
    "color:#fff;cursor:pointer}"
    "button.secondary{background:#e6e6e1;color:#1d1d1b}"
    "fieldset{border:0;padding:0;margin:0 0 1rem}"
    "label{display:block;margin:.5rem 0}"
    ".note{color:#5b5b57;font-size:.9rem}"
    ".saved{background:#e5f2e5;padding:.5rem .8rem;border-radius:6px}"
    ".address{font-weight:600;word-break:break-all}";

std::string compute_security_policy() {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    EVP_Digest(kStyle.data(), kStyle.size(), digest.data(), &length, EVP_sha256(), nullptr);
    std::array<unsigned char, 4 * EVP_MAX_MD_SIZE / 3 + 4> base64{};
    const int written = EVP_EncodeBlock(base64.data(), digest.data(), static_cast<int>(length));
    const std::string hash(reinterpret_cast<const char*>(base64.data()),
                           static_cast<std::size_t>(written));
    return "default-src 'none'; style-src 'sha256-" + hash +
           "'; img-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
}

bool sv(Language language) { return language == Language::sv; }

// The frame of every page; `body` is already HTML.
std::string page(Language language, std::string_view title, const std::string& body) {
    std::string out;
    out.reserve(2048 + body.size());
    out += "<!DOCTYPE html>\n<html lang=\"";
    out += to_string(language);
    out +=
        "\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
        "<meta name=\"referrer\" content=\"no-referrer\"><title>";
    append_escaped(out, title);
    out += "</title><style>";
    out += kStyle;
    out += "</style></head><body><main>\n<h1>";
    append_escaped(out, title);
    out += "</h1>\n";
    out += body;
    out += "</main></body></html>\n";
    return out;
}

std::string escaped(std::string_view text) {
    std::string out;
    append_escaped(out, text);
    return out;
}

std::string form_start(const std::string& action) {
    return "<form method=\"post\" action=\"" + escaped(action) + "\">";
}

std::string preferences_link(Language language, const std::string& url) {
    return "<p class=\"note\"><a href=\"" + escaped(url) + "\">" +
           (sv(language) ? "Välj själv vilka utskick och vilken mätning du vill ha"
                         : "Choose which mail and which tracking you want") +
           "</a></p>\n";
}

std::string address_line(Language language, const std::string& address) {
    return "<p>" + std::string(sv(language) ? "Adress: " : "Address: ") +
           "<span class=\"address\">" + escaped(address) + "</span></p>\n";
}

}  // namespace

const std::string& page_security_policy() {
    static const std::string policy = compute_security_policy();
    return policy;
}

void append_escaped(std::string& out, std::string_view text) {
    for (const char c : text) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&#39;";
                break;
            default:
                out += c;
        }
    }
}

std::string purpose_label(Language language, std::string_view purpose) {
    if (purpose == "product_marketing") {
        return sv(language) ? "nyheter och erbjudanden om produkter och tjänster"
                            : "news and offers about products and services";
    }
    if (purpose == "service_status") {
        return sv(language) ? "driftinformation om tjänster du använder"
                            : "status of services you use";
    }
    if (purpose == "open_tracking") {
        return sv(language) ? "mätning av om våra utskick öppnas (bildpixel)"
                            : "measuring whether our messages are opened (image pixel)";
    }
    if (purpose == "click_tracking") {
        return sv(language) ? "mätning av vilka länkar i utskicken du klickar på"
                            : "measuring which links in our messages you click";
    }
    return std::string(purpose);
}

std::string render_unsubscribe(const UnsubscribePage& p) {
    const Language l = p.language;
    std::string body = address_line(l, p.address);
    body += "<p>" +
            std::string(sv(l) ? "Vill du sluta få e-post om "
                              : "Do you want to stop receiving "
                                "e-mail about ") +
            escaped(purpose_label(l, p.purpose)) + "?</p>\n";
    body += form_start(p.action_url);
    body += "<input type=\"hidden\" name=\"action\" value=\"unsubscribe\">";
    body += "<button type=\"submit\">" + std::string(sv(l) ? "Avregistrera mig" : "Unsubscribe") +
            "</button></form>\n";
    body += preferences_link(l, p.preferences_url);
    return page(l, sv(l) ? "Avregistrera" : "Unsubscribe", body);
}

std::string render_unsubscribed(const UnsubscribePage& p) {
    const Language l = p.language;
    std::string body = address_line(l, p.address);
    body += "<p id=\"done\">" +
            std::string(sv(l) ? "Klart. Du får inte längre e-post om "
                              : "Done. You will no longer receive e-mail about ") +
            escaped(purpose_label(l, p.purpose)) + ".</p>\n";
    if (p.can_undo) {
        body += form_start(p.action_url);
        body += "<input type=\"hidden\" name=\"action\" value=\"undo\">";
        body += "<button type=\"submit\" class=\"secondary\">" +
                std::string(sv(l) ? "Ångra" : "Undo") + "</button></form>\n";
    }
    body += preferences_link(l, p.preferences_url);
    return page(l, sv(l) ? "Du är avregistrerad" : "You are unsubscribed", body);
}

std::string render_resubscribed(const UnsubscribePage& p) {
    const Language l = p.language;
    std::string body = address_line(l, p.address);
    body += "<p id=\"done\">" +
            std::string(sv(l) ? "Vi har ångrat avregistreringen. Du får åter e-post om "
                              : "We have undone the unsubscription. You will again receive "
                                "e-mail about ") +
            escaped(purpose_label(l, p.purpose)) + ".</p>\n";
    body += preferences_link(l, p.preferences_url);
    return page(l, sv(l) ? "Ångrat" : "Undone", body);
}

std::string render_undo_refused(const UnsubscribePage& p) {
    const Language l = p.language;
    std::string body = address_line(l, p.address);
    body += "<p id=\"refused\">" +
            std::string(sv(l) ? "Det går inte att ångra härifrån. Ångra fungerar bara en kort "
                                "stund efter att du avregistrerat dig med just den här länken. "
                                "Vill du åter få e-post om "
                              : "This cannot be undone from here. Undo works only for a short "
                                "while after you unsubscribed with this very link. To receive "
                                "e-mail about ") +
            escaped(purpose_label(l, p.purpose)) +
            std::string(sv(l) ? ", väljer du det bland dina inställningar."
                              : " again, choose it in your preferences.") +
            "</p>\n";
    body += preferences_link(l, p.preferences_url);
    return page(l, sv(l) ? "Kan inte ångras här" : "Cannot be undone here", body);
}

std::string render_preferences(const PreferencesPage& p) {
    const Language l = p.language;
    std::string body = address_line(l, p.address);
    if (p.saved) {
        body += "<p class=\"saved\" id=\"saved\">" +
                std::string(sv(l) ? "Dina val är sparade." : "Your choices are saved.") + "</p>\n";
    }
    body += form_start(p.action_url);
    body += "<input type=\"hidden\" name=\"action\" value=\"save\"><fieldset>";
    for (const auto& choice : p.choices) {
        if (!choice.switchable) continue;
        body += "<label><input type=\"checkbox\" name=\"purpose\" value=\"" +
                escaped(choice.purpose) + "\"" + (choice.on ? " checked" : "") + "> " +
                escaped(purpose_label(l, choice.purpose)) + "</label>";
    }
    body += "</fieldset><button type=\"submit\" name=\"save\">" +
            std::string(sv(l) ? "Spara mina val" : "Save my choices") + "</button></form>\n";
    for (const auto& choice : p.choices) {
        if (choice.switchable) continue;
        body += "<p class=\"note\">" + escaped(purpose_label(l, choice.purpose)) + ": " +
                (choice.on ? (sv(l) ? "skickas" : "sent") : (sv(l) ? "skickas inte" : "not sent")) +
                (choice.basis.empty() ? std::string{}
                                      : (sv(l) ? ", rättslig grund: " : ", lawful basis: ") +
                                            escaped(choice.basis)) +
                ".</p>\n";
    }
    body += form_start(p.action_url);
    body += "<input type=\"hidden\" name=\"action\" value=\"no_marketing\">";
    body += "<button type=\"submit\" class=\"secondary\" name=\"no_marketing\">" +
            std::string(sv(l) ? "Ingen marknadsföring alls" : "No marketing at all") +
            "</button></form>\n";
    return page(l, sv(l) ? "Dina inställningar för e-post" : "Your e-mail preferences", body);
}

std::string render_confirm(const ConfirmPage& p) {
    const Language l = p.language;
    std::string body = address_line(l, p.address);
    body += "<p>" +
            std::string(sv(l) ? "Bekräfta att du vill få e-post om "
                              : "Please confirm that you want e-mail about ") +
            escaped(purpose_label(l, p.purpose)) + ".</p>\n";
    body += form_start(p.action_url);
    body += "<input type=\"hidden\" name=\"action\" value=\"confirm\">";
    body += "<button type=\"submit\">" + std::string(sv(l) ? "Bekräfta" : "Confirm") +
            "</button></form>\n";
    return page(l, sv(l) ? "Bekräfta din prenumeration" : "Confirm your subscription", body);
}

std::string render_confirmed(const ConfirmPage& p) {
    const Language l = p.language;
    std::string body = address_line(l, p.address);
    body += "<p id=\"done\">" +
            std::string(sv(l) ? "Tack, det är bekräftat: du får e-post om "
                              : "Thank you, it is confirmed: you will receive e-mail about ") +
            escaped(purpose_label(l, p.purpose)) + ".</p>\n";
    return page(l, sv(l) ? "Bekräftat" : "Confirmed", body);
}

std::string render_not_found(Language l) {
    return page(l, sv(l) ? "Sidan finns inte" : "Page not found",
                std::string("<p>") +
                    (sv(l) ? "Länken är ogiltig eller har gått ut. Kontrollera att hela länken "
                             "från meddelandet kom med."
                           : "The link is invalid or has expired. Check that the whole link from "
                             "the message was used.") +
                    "</p>\n");
}

std::string render_too_many_requests(Language l) {
    return page(l, sv(l) ? "För många förfrågningar" : "Too many requests",
                std::string("<p>") +
                    (sv(l) ? "Vänta en stund och försök igen."
                           : "Please wait a moment and try "
                             "again.") +
                    "</p>\n");
}

std::string render_server_error(Language l) {
    return page(l, sv(l) ? "Något gick fel" : "Something went wrong",
                std::string("<p>") +
                    (sv(l) ? "Inget har ändrats. Försök igen om en stund."
                           : "Nothing was changed. Please try again in a while.") +
                    "</p>\n");
}

}  // namespace brevduva::http
