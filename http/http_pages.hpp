// The recipient-facing pages, server-rendered in Swedish or English: the unsubscribe page and
// its done page, the preference centre, the double opt-in page, and the error pages. Pure:
// every value is passed in and HTML-escaped here. The pages carry their CSS inline in one
// <style> element whose hash the Content-Security-Policy names, load nothing else, use no
// JavaScript, and every action is a <form method="post"> to the page's own URL, so that only
// a person pressing a button changes anything (checklist A-11).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "http/http_language.hpp"

namespace brevduva::http {

// The Content-Security-Policy every page is sent with: nothing from anywhere but the one
// inline style block (by its hash), forms only to this origin, no framing.
[[nodiscard]] const std::string& page_security_policy();

// A purpose as people read it ("produktnyheter och erbjudanden"); its name when unknown.
[[nodiscard]] std::string purpose_label(Language language, std::string_view purpose);

// The wording version recorded as evidence with every event a page causes.
inline constexpr std::string_view page_wording_version = "v1";

struct UnsubscribePage {
    Language language = Language::sv;
    std::string address;
    std::string purpose;
    std::string action_url;       // this page's own URL (the form posts here)
    std::string preferences_url;  // the preference centre for the same person
    bool can_undo = false;        // this link's own withdrawal, within the undo window
};
[[nodiscard]] std::string render_unsubscribe(const UnsubscribePage& page);
// After the POST: what was done, an undo button (posts action=undo) when can_undo, and the
// preferences link.
[[nodiscard]] std::string render_unsubscribed(const UnsubscribePage& page);
// After the undo.
[[nodiscard]] std::string render_resubscribed(const UnsubscribePage& page);
// An undo that is not (or no longer) possible from this link: why, and the preferences link.
[[nodiscard]] std::string render_undo_refused(const UnsubscribePage& page);

struct PurposeChoice {
    std::string purpose;
    bool on = false;
    bool switchable = true;  // false for service messages: shown with their basis
    std::string basis;       // the lawful basis shown for a purpose that is not switchable
};

struct PreferencesPage {
    Language language = Language::sv;
    std::string address;
    std::vector<PurposeChoice> choices;
    std::string action_url;
    bool saved = false;  // show "your choices are saved"
};
[[nodiscard]] std::string render_preferences(const PreferencesPage& page);

struct ConfirmPage {
    Language language = Language::sv;
    std::string address;
    std::string purpose;
    std::string action_url;
};
[[nodiscard]] std::string render_confirm(const ConfirmPage& page);
[[nodiscard]] std::string render_confirmed(const ConfirmPage& page);

// The same page for a bad, altered, expired or unknown token: it says nothing about whether
// any address exists.
[[nodiscard]] std::string render_not_found(Language language);
[[nodiscard]] std::string render_too_many_requests(Language language);
[[nodiscard]] std::string render_server_error(Language language);

// HTML-escapes text for element content and double-quoted attributes.
void append_escaped(std::string& out, std::string_view text);

}  // namespace brevduva::http
