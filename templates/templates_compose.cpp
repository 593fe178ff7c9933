#include "templates/templates_compose.hpp"

#include <stdexcept>

#include "templates/templates_message.hpp"
#include "templates/templates_text.hpp"
#include "templates/templates_tracking.hpp"

namespace brevduva::templates {
namespace {

bool plain_token(std::string_view text, std::string_view extra) {
    for (const char c : text) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || extra.find(c) != std::string_view::npos;
        if (!ok) return false;
    }
    return !text.empty();
}

std::string checked_base_url(std::string url) {
    while (url.ends_with("/")) url.pop_back();
    // What may appear in a URL that is written into headers and attributes unescaped.
    if (!url.starts_with("https://") || !plain_token(url.substr(8), "-._~:/%")) {
        throw std::invalid_argument(
            "public base URL must be https:// followed by a host and path without spaces, "
            "quotes, & or <>");
    }
    return url;
}

std::string domain_of(const std::string& address) {
    const std::size_t at = address.rfind('@');
    if (at == std::string::npos || at == 0 || at + 1 == address.size()) {
        throw std::invalid_argument("the sender address has no domain");
    }
    return address.substr(at + 1);
}

std::string feedback_id_for(const ComposerSettings& settings) {
    // Gmail's Feedback-ID: up to four colon-separated fields, the sender's id last.
    std::string id = "c" + std::to_string(settings.campaign.id) + ":" + settings.campaign.purpose +
                     ":" + settings.sender.feedback_sender;
    if (!plain_token(id, ":_-.")) {
        throw std::invalid_argument("purpose and feedback sender id may hold only a-z 0-9 _ - .");
    }
    return id;
}

void trim(std::string& text) {
    const std::size_t last = text.find_last_not_of(" \t\r\n");
    text.resize(last == std::string::npos ? 0 : last + 1);
    text.erase(0, text.find_first_not_of(" \t\r\n"));
}

}  // namespace

MessageComposer::MessageComposer(const CampaignTemplate& campaign, ComposerSettings settings,
                                 const consent::TokenKeys& keys, std::string_view message_id_secret,
                                 DkimSigner* signer)
    : campaign_(campaign),
      settings_(std::move(settings)),
      minter_(keys),
      ids_(message_id_secret, domain_of(settings_.sender.from_address)),
      signer_(signer),
      feedback_id_(feedback_id_for(settings_)),
      data_(CampaignFields{settings_.campaign.name, settings_.sender.from_name,
                           settings_.sender.from_address},
            campaign.links().size()) {
    settings_.base_url = checked_base_url(std::move(settings_.base_url));
    if (!plain_token(settings_.sender.bounce_domain, "-.")) {
        throw std::invalid_argument("the bounce domain is not a plain domain name");
    }
}

void MessageComposer::mint_url(std::string& out, std::string_view path,
                               const consent::TokenClaims& claims) {
    out.assign(settings_.base_url);
    out += path;
    minter_.mint(claims, out);
}

std::optional<ComposeError> MessageComposer::compose(const Delivery& delivery,
                                                     std::chrono::sys_seconds now,
                                                     ComposedMessage& out) {
    consent::TokenClaims claims;
    claims.campaign_id = settings_.campaign.id;
    claims.contact_id = delivery.contact_id;
    claims.delivery_id = delivery.delivery_id;
    claims.issued_at = now;
    claims.kind = consent::TokenKind::unsubscribe;
    claims.purpose_id = settings_.campaign.purpose_id;
    mint_url(unsubscribe_url_, kUnsubscribePath, claims);
    claims.kind = consent::TokenKind::preferences;
    mint_url(preferences_url_, kPreferencesPath, claims);
    claims.purpose_id = 0;
    data_.fill(delivery.recipient, unsubscribe_url_, preferences_url_);
    if (auto error = render_parts(delivery, claims)) return error;
    return assemble(delivery, now, out);
}

std::optional<ComposeError> MessageComposer::render_parts(const Delivery& delivery,
                                                          const consent::TokenClaims& base) {
    consent::TokenClaims claims = base;
    if (delivery.click_tracking) {
        claims.kind = consent::TokenKind::click;
        for (const CampaignLink& link : campaign_.links()) {
            claims.link_id = link.id;
            mint_url(scratch_, kClickPath, claims);
            data_.click_slot(link.id).assign(scratch_);
        }
        claims.link_id = 0;
    }
    const Value& root = data_.root();
    if (auto e = campaign_.subject().render(Context{root, Escaping::none}, subject_)) {
        return ComposeError{"rendering the subject: " + e->message};
    }
    trim(subject_);
    const CompiledTemplate& html =
        delivery.click_tracking ? campaign_.tracked_html() : campaign_.html();
    if (auto e = html.render(Context{root, Escaping::html}, html_)) {
        return ComposeError{"rendering the HTML part: " + e->message};
    }
    if (html_.size() > kMaxRenderedBytes) {
        return ComposeError{"the rendered HTML part is " + std::to_string(html_.size()) +
                            " bytes, more than the limit of " + std::to_string(kMaxRenderedBytes)};
    }
    if (const CompiledTemplate* preheader = campaign_.preheader()) {
        if (auto e = preheader->render(Context{root, Escaping::html}, preheader_)) {
            return ComposeError{"rendering the preheader: " + e->message};
        }
        trim(preheader_);
        if (!preheader_.empty()) insert_preheader(html_, preheader_);
    }
    if (delivery.open_tracking) {
        claims.kind = consent::TokenKind::open;
        mint_url(scratch_, kOpenPath, claims);
        scratch_ += ".gif";
        insert_open_pixel(html_, scratch_);
    }
    if (auto e = campaign_.text().render(Context{root, Escaping::none}, text_)) {
        return ComposeError{"rendering the text part: " + e->message};
    }
    if (campaign_.text_derived()) tidy_text(text_);
    return std::nullopt;
}

std::optional<ComposeError> MessageComposer::assemble(const Delivery& delivery,
                                                      std::chrono::sys_seconds now,
                                                      ComposedMessage& out) {
    ids_.make(settings_.campaign.id, delivery.contact_id, message_ids_);
    mailto_.clear();
    if (!settings_.sender.unsubscribe_mailbox.empty()) {
        // The same unsubscribe token, in the subject: no address of the recipient in it.
        mailto_ = "mailto:" + settings_.sender.unsubscribe_mailbox + "?subject=unsubscribe-";
        mailto_.append(unsubscribe_url_, settings_.base_url.size() + kUnsubscribePath.size());
    }
    const MessageSender& sender = settings_.sender;
    MessageHeaders headers;
    headers.from_name = sender.from_name;
    headers.from_address = sender.from_address;
    headers.to_name = delivery.recipient.name;
    headers.to_address = delivery.recipient.email;
    headers.reply_to = sender.reply_to;
    headers.subject = subject_;
    headers.date = now;
    headers.message_id = message_ids_.message_id;
    // Service messages are not a subscription: no one-click unsubscribe from them (RFC 8058).
    if (settings_.campaign.purpose != kServiceStatusPurpose) {
        headers.list_unsubscribe_url = unsubscribe_url_;
        headers.list_unsubscribe_mailto = mailto_;
    }
    headers.feedback_id = feedback_id_;
    headers.boundary = message_ids_.boundary;
    out.wire.clear();
    std::size_t header_size = 0;
    if (auto error = append_message(out.wire, headers, text_, html_, header_size)) {
        return ComposeError{"header refused: " + error->describe()};
    }
    if (signer_ != nullptr) {
        const std::string_view wire(out.wire);
        const std::string signatures =
            signer_->sign(wire.substr(0, header_size), wire.substr(header_size + 2),
                          now.time_since_epoch().count());
        out.wire.insert(0, signatures);
    }
    out.envelope_sender.clear();
    append_verp_address(out.envelope_sender, minter_, delivery.delivery_id, now,
                        sender.bounce_domain);
    return std::nullopt;
}

}  // namespace brevduva::templates
