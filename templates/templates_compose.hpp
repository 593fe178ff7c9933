// One recipient's message, from a compiled campaign to the exact signed bytes and the envelope
// sender: the work a worker does per Delivery between the consent gate and the transport.
//
//   tokens      unsubscribe (BASE/u/…), preferences (BASE/p/…), and, when allowed, a pixel
//               (BASE/o/….gif) and one click token per tracked link (BASE/c/…); all consent
//               tokens with campaign, contact and delivery inside the MAC, never an address
//   render      subject (plain), HTML (tracked variant only if click tracking is allowed),
//               preheader, text part; into buffers that are reused from message to message
//   MIME        templates_message.hpp; Message-ID and VERP from templates_message_ids.hpp
//   DKIM        when a signer is given, its DKIM-Signature field(s) go on top
//
// Tracking is decided by the caller: two booleans from the ConsentGate (open_tracking,
// click_tracking). Without them the HTML is exactly what the template renders. A composer
// holds per-worker state (buffers, an HMAC context, a signer): one per worker thread; the
// CampaignTemplate it reads is shared. Errors are values and never quote contact data.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "consent/consent_token.hpp"
#include "templates/templates_campaign.hpp"
#include "templates/templates_dkim_signer.hpp"
#include "templates/templates_fields.hpp"
#include "templates/templates_message_ids.hpp"

namespace brevduva::templates {

// Path segments of the public URLs (DESIGN "Public URLs"): BASE/<kind>/<token>.
inline constexpr std::string_view kOpenPath = "/o/";
inline constexpr std::string_view kClickPath = "/c/";
inline constexpr std::string_view kUnsubscribePath = "/u/";
inline constexpr std::string_view kPreferencesPath = "/p/";

// A rendered HTML part larger than this is refused (a section looping over a huge attribute).
inline constexpr std::size_t kMaxRenderedBytes = 1024 * 1024;

struct MessageSender {
    std::string from_name;
    std::string from_address;
    std::string reply_to;                      // empty: none
    std::string bounce_domain;                 // envelope senders are b-<token>@bounce_domain
    std::string unsubscribe_mailbox;           // empty: List-Unsubscribe has no mailto
    std::string feedback_sender = "brevduva";  // the last field of Feedback-ID
};

// The one purpose that is not marketing: its messages carry no List-Unsubscribe.
inline constexpr std::string_view kServiceStatusPurpose = "service_status";

struct CampaignInfo {
    std::uint64_t id = 0;
    std::string name;
    std::string purpose = "product_marketing";
    std::uint64_t purpose_id = 0;  // in unsubscribe tokens: the purpose one click withdraws
};

struct ComposerSettings {
    std::string base_url;  // https://mail.example.se, no trailing slash
    MessageSender sender;
    CampaignInfo campaign;
};

struct Delivery {
    std::uint64_t delivery_id = 0;
    std::uint64_t contact_id = 0;
    Recipient recipient;
    bool open_tracking = false;   // the gate allows open_tracking for this person
    bool click_tracking = false;  // … and click_tracking
};

struct ComposedMessage {
    std::string envelope_sender;  // MAIL FROM
    std::string wire;             // the exact bytes to send after DATA (before dot-stuffing)
};

struct ComposeError {
    std::string message;
};

class MessageComposer {
  public:
    // Throws std::invalid_argument for settings that would make every message wrong (base URL
    // not https, a sender address with spaces). `message_id_secret`: at least 32 bytes.
    // `signer` may be null (unsigned messages, for previews without keys); it must outlive
    // the composer, as must the template and the keys' current key.
    MessageComposer(const CampaignTemplate& campaign, ComposerSettings settings,
                    const consent::TokenKeys& keys, std::string_view message_id_secret,
                    DkimSigner* signer);

    [[nodiscard]] std::optional<ComposeError> compose(const Delivery& delivery,
                                                      std::chrono::sys_seconds now,
                                                      ComposedMessage& out);

  private:
    void mint_url(std::string& out, std::string_view path, const consent::TokenClaims& claims);
    [[nodiscard]] std::optional<ComposeError> render_parts(const Delivery& delivery,
                                                           const consent::TokenClaims& base);
    [[nodiscard]] std::optional<ComposeError> assemble(const Delivery& delivery,
                                                       std::chrono::sys_seconds now,
                                                       ComposedMessage& out);

    const CampaignTemplate& campaign_;
    ComposerSettings settings_;
    consent::TokenMinter minter_;
    MessageIds ids_;
    DkimSigner* signer_;
    std::string feedback_id_;
    RenderData data_;
    // Reused from message to message.
    std::string unsubscribe_url_, preferences_url_, mailto_, scratch_;
    std::string subject_, preheader_, html_, text_, body_;
    MessageIds::Ids message_ids_;
};

}  // namespace brevduva::templates
