// The recipient's pages: verify the token, find the contact, then show (GET, HEAD) or act
// (POST) through RecipientConsent. GET and HEAD only read.
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdint>
#include <set>

#include "http/http_pages.hpp"
#include "http/http_public_routes.hpp"
#include "http/http_recipient.hpp"
#include "http/http_request.hpp"

namespace brevduva::http::detail {
namespace {

using Poco::Net::HTTPResponse;

// A verified token with the contact it names and the configured purpose it carries.
struct Subject {
    consent::TokenClaims claims;
    consent::Contact contact;
    const config::PurposeSettings* purpose = nullptr;
};

std::string page_url(const PublicRequest& r, std::string_view kind, std::string_view token) {
    return r.context.path_prefix + "/" + std::string(kind) + "/" + std::string(token);
}

Language language_for(const PublicRequest& r, const consent::Contact& contact) {
    return choose_language(contact.locale, r.accept_language());
}

ActionEvidence evidence_for(const PublicRequest& r, std::string_view page, Language language,
                            std::string note) {
    ActionEvidence evidence;
    evidence.ip = r.client;
    evidence.user_agent = r.request.get("User-Agent", "").substr(0, 512);
    evidence.wording = std::string(page) + " " + std::string(page_wording_version) + " (" +
                       std::string(to_string(language)) + ")";
    evidence.note = std::move(note);
    return evidence;
}

// The token's claims, contact and purpose; nullopt (and nothing read beyond that) when any
// of them is not there.
std::optional<Subject> subject_of(PublicRequest& r, RecipientConsent& consent,
                                  consent::TokenKind kind, bool needs_purpose) {
    if (r.token.empty() || r.token.size() > 160) return std::nullopt;
    auto claims = consent::verify(r.context.keys, r.token, kind);
    if (!claims) return std::nullopt;
    Subject subject{claims.value(), {}, nullptr};
    auto contact = consent.contact(subject.claims.contact_id);
    if (!contact) return std::nullopt;
    subject.contact = std::move(*contact);
    if (needs_purpose) {
        subject.purpose = consent.purpose(subject.claims.purpose_id);
        if (subject.purpose == nullptr) return std::nullopt;
    }
    return subject;
}

std::optional<std::string> body_or_refuse(PublicRequest& r) {
    auto body = read_body(r.request, r.context.options.max_body_bytes);
    if (!body) {
        r.context.metrics.hit(HitKind::too_large);
        send_text(r.response, HTTPResponse::HTTP_REQUEST_ENTITY_TOO_LARGE, "text/plain",
                  "request body too large\n");
    }
    return body;
}

std::string preferences_url_for(const PublicRequest& r, const Subject& s) {
    consent::TokenClaims claims = s.claims;
    claims.kind = consent::TokenKind::preferences;
    return page_url(r, "p", consent::mint(r.context.keys, claims));
}

}  // namespace

void serve_not_found(PublicRequest& r) {
    r.context.metrics.hit(HitKind::not_found);
    send_page(r.response, HTTPResponse::HTTP_NOT_FOUND,
              render_not_found(language_from_accept(r.accept_language(), Language::sv)), r.head);
}

void serve_method_not_allowed(PublicRequest& r) {
    r.response.set("Allow", "GET, HEAD");
    send_text(r.response, HTTPResponse::HTTP_METHOD_NOT_ALLOWED, "text/plain",
              "method not allowed\n");
}

void serve_unsubscribe(PublicRequest& r) {
    const bool post = r.is_post();
    if (!post && r.request.getMethod() != "GET" && !r.head) return serve_method_not_allowed(r);
    std::optional<std::string> body;
    if (post && !(body = body_or_refuse(r))) return;
    auto db = r.context.pool.borrow();
    RecipientConsent consent(*db, r.context.purposes, r.context.suppression_secret);
    const auto subject = subject_of(r, consent, consent::TokenKind::unsubscribe, true);
    if (!subject) return serve_not_found(r);
    const Language language = language_for(r, subject->contact);
    UnsubscribePage page{language, subject->contact.address, subject->purpose->name,
                         page_url(r, "u", r.token), preferences_url_for(r, *subject)};
    if (!post) {
        r.context.metrics.hit(HitKind::unsubscribe_page);
        send_page(r.response, HTTPResponse::HTTP_OK, render_unsubscribe(page), r.head);
        return;
    }
    const FormFields form = parse_form(r.request, *body);
    const auto now = r.context.clock();
    // The message whose link this is: what the withdrawal records, and what an undo must match.
    const auto delivery =
        static_cast<std::int64_t>(std::min<std::uint64_t>(subject->claims.delivery_id, INT64_MAX));
    const auto window = r.context.options.undo_window;
    if (form.action == "undo" && !form.one_click) {
        r.context.metrics.hit(HitKind::unsubscribe_undo);
        const auto verdict = consent.undo(
            subject->contact, *subject->purpose, delivery,
            evidence_for(r, "unsubscribe done page", language, "undo button"), now, window);
        // Pressed twice: the first press restored it, and the second finds nothing to undo.
        const bool restored = verdict == consent::UndoVerdict::allowed ||
                              (verdict == consent::UndoVerdict::nothing_to_undo &&
                               consent.receives(subject->contact, *subject->purpose, now));
        if (restored) {
            send_page(r.response, HTTPResponse::HTTP_OK, render_resubscribed(page), false);
        } else {
            spdlog::info("contact {}: undo for {} refused ({})", subject->contact.id,
                         subject->purpose->name, consent::to_string(verdict));
            send_page(r.response, HTTPResponse::HTTP_CONFLICT, render_undo_refused(page), false);
        }
        return;
    }
    r.context.metrics.hit(form.one_click ? HitKind::one_click : HitKind::unsubscribe);
    const auto evidence =
        form.one_click
            ? evidence_for(r, "one-click", language, "List-Unsubscribe=One-Click (RFC 8058)")
            : evidence_for(r, "unsubscribe page", language, "unsubscribe button");
    const bool changed = consent.withdraw(subject->contact, *subject->purpose,
                                          source_unsubscribe_link, evidence, now, delivery);
    if (changed) {
        spdlog::info("contact {} unsubscribed from {} (campaign {})", subject->contact.id,
                     subject->purpose->name, subject->claims.campaign_id);
    }
    page.can_undo = consent.judge_undo(subject->contact, *subject->purpose, delivery, now,
                                       window) == consent::UndoVerdict::allowed;
    // 200 with the page itself: never a redirect (RFC 8058 §3.1).
    send_page(r.response, HTTPResponse::HTTP_OK, render_unsubscribed(page), false);
}

void serve_preferences(PublicRequest& r) {
    const bool post = r.is_post();
    if (!post && r.request.getMethod() != "GET" && !r.head) return serve_method_not_allowed(r);
    std::optional<std::string> body;
    if (post && !(body = body_or_refuse(r))) return;
    auto db = r.context.pool.borrow();
    RecipientConsent consent(*db, r.context.purposes, r.context.suppression_secret);
    const auto subject = subject_of(r, consent, consent::TokenKind::preferences, false);
    if (!subject) return serve_not_found(r);
    const Language language = language_for(r, subject->contact);
    const auto now = r.context.clock();
    bool saved = false;
    if (post) {
        r.context.metrics.hit(HitKind::preferences_save);
        const FormFields form = parse_form(r.request, *body);
        int changed = 0;
        if (form.action == "no_marketing") {
            changed = consent.withdraw_all_marketing(
                subject->contact,
                evidence_for(r, "preference page", language, "no marketing at all"), now);
        } else {
            const std::set<std::string> wanted(form.purposes.begin(), form.purposes.end());
            changed = consent.apply_preferences(
                subject->contact, wanted,
                evidence_for(r, "preference page", language, "preference switches"), now);
        }
        if (changed > 0) {
            spdlog::info("contact {} changed {} preference{}", subject->contact.id, changed,
                         changed == 1 ? "" : "s");
        }
        saved = true;
    } else {
        r.context.metrics.hit(HitKind::preferences_page);
    }
    PreferencesPage page{language, subject->contact.address, {}, page_url(r, "p", r.token), saved};
    for (const auto& status : consent.statuses(subject->contact, now)) {
        page.choices.push_back({status.purpose, status.on, status.switchable, status.basis});
    }
    send_page(r.response, HTTPResponse::HTTP_OK, render_preferences(page), r.head);
}

void serve_confirm(PublicRequest& r) {
    const bool post = r.is_post();
    if (!post && r.request.getMethod() != "GET" && !r.head) return serve_method_not_allowed(r);
    std::optional<std::string> body;
    if (post && !(body = body_or_refuse(r))) return;
    auto db = r.context.pool.borrow();
    RecipientConsent consent(*db, r.context.purposes, r.context.suppression_secret);
    const auto subject = subject_of(r, consent, consent::TokenKind::confirm, true);
    const auto now = r.context.clock();
    if (!subject || subject->claims.issued_at + r.context.options.confirm_token_age < now) {
        return serve_not_found(r);
    }
    const Language language = language_for(r, subject->contact);
    ConfirmPage page{language, subject->contact.address, subject->purpose->name,
                     page_url(r, "confirm", r.token)};
    if (!post) {
        r.context.metrics.hit(HitKind::confirm_page);
        send_page(r.response, HTTPResponse::HTTP_OK, render_confirm(page), r.head);
        return;
    }
    r.context.metrics.hit(HitKind::confirm);
    const auto delivery =
        static_cast<std::int64_t>(std::min<std::uint64_t>(subject->claims.delivery_id, INT64_MAX));
    if (!consent.confirm(subject->contact, *subject->purpose,
                         evidence_for(r, "double opt-in page", language, "confirm button"), now,
                         delivery)) {
        return serve_not_found(r);
    }
    send_page(r.response, HTTPResponse::HTTP_OK, render_confirmed(page), false);
}

}  // namespace brevduva::http::detail
