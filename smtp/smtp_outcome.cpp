#include "smtp/smtp_outcome.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <initializer_list>
#include <utility>

namespace brevduva::smtp {

namespace {

// Indexed by the enumerator's value: adding an enumerator without a name fails to compile.
constexpr std::array<std::string_view, 10> kStageNames{
    "connect",   "greeting", "ehlo", "starttls",    "auth",
    "mail_from", "rcpt_to",  "data", "end_of_data", "prepare"};
constexpr std::array<std::string_view, 7> kCauseNames{
    "reply",           "connection_lost", "timeout",          "protocol_error",
    "invalid_message", "tls_failure",     "requirement_unmet"};
constexpr std::array<std::string_view, 4> kKindNames{"accepted", "transient", "permanent",
                                                     "ambiguous"};
constexpr std::array<std::string_view, 7> kClassificationNames{
    "none",         "recipient_invalid", "mailbox_full", "policy",
    "rate_limited", "message_too_large", "other"};

static_assert(kStageNames.size() == static_cast<std::size_t>(Stage::prepare) + 1);
static_assert(kCauseNames.size() == static_cast<std::size_t>(Cause::requirement_unmet) + 1);
static_assert(kKindNames.size() == static_cast<std::size_t>(OutcomeKind::ambiguous) + 1);
static_assert(kClassificationNames.size() == static_cast<std::size_t>(Classification::other) + 1);

template <typename Enum, std::size_t N>
std::string_view name_of(const std::array<std::string_view, N>& names, Enum value) noexcept {
    const auto index = static_cast<std::size_t>(value);
    return index < N ? names[index] : std::string_view{"unknown"};
}

template <typename Enum, std::size_t N>
std::optional<Enum> value_of(const std::array<std::string_view, N>& names,
                             std::string_view name) noexcept {
    const auto it = std::find(names.begin(), names.end(), name);
    if (it == names.end()) return std::nullopt;
    return static_cast<Enum>(it - names.begin());
}

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool is_alnum(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// Case-insensitive search for a lower-case needle. With at_word_start, only matches that do not
// continue a word count, so "rate" finds "unusual rate" but not "generated" or "separate".
bool mentions(std::string_view text, std::string_view needle, bool at_word_start) {
    auto from = text.begin();
    while (true) {
        const auto it = std::search(from, text.end(), needle.begin(), needle.end(),
                                    [](char t, char n) { return ascii_lower(t) == n; });
        if (it == text.end()) return false;
        if (!at_word_start || it == text.begin() || !is_alnum(*(it - 1))) return true;
        from = it + 1;
    }
}

bool mentions_any(std::string_view text, std::initializer_list<std::string_view> needles,
                  bool at_word_start = false) {
    return std::any_of(needles.begin(), needles.end(),
                       [&](std::string_view n) { return mentions(text, n, at_word_start); });
}

bool mentions_rate_limit(std::string_view text) {
    return mentions_any(text, {"too many", "throttl", "try again later", "too quickly"}) ||
           mentions(text, "rate", true);
}

bool mentions_size(std::string_view text) {
    return mentions_any(text, {"too large", "too big", "size exceed", "exceeds size",
                               "maximum size", "size limit"});
}

bool mentions_full_mailbox(std::string_view text) {
    return mentions_any(text, {"quota", "mailbox full", "mailbox is full"});
}

bool mentions_policy(std::string_view text) {
    return mentions_any(
        text,
        {"spam", "block", "blacklist", "denylist", "policy", "policies", "reputation",
         "authenticat", "unauthenticated", "spf", "dkim", "dmarc", "ptr", "reverse dns", "rdns"},
        true);
}

bool mentions_unknown_recipient(std::string_view text) {
    return mentions_any(
        text, {"user unknown", "unknown user", "no such user", "no such mailbox",
               "no such recipient", "does not exist", "doesn't exist", "recipient unknown",
               "unknown recipient", "invalid recipient", "invalid mailbox", "mailbox not found",
               "mailbox unavailable", "mailbox disabled", "account disabled", "account is disabled",
               "account has been disabled"});
}

bool blames_recipient_at(Stage stage) {
    return stage == Stage::rcpt_to || stage == Stage::data || stage == Stage::end_of_data;
}

// RFC 5321 §4.5.3.1.10: a 552 to RCPT means "too many recipients" from an RFC 821 server and is
// to be treated as 452.
int effective_code(int code, Stage stage) {
    return (code == 552 && stage == Stage::rcpt_to) ? 452 : code;
}

// Gmail's temporary authentication and DNS codes (4.7.23–4.7.27, 4.7.29–4.7.32, 4.7.40): retrying
// will not help until the operator fixes SPF, DKIM, DMARC, PTR or TLS, so they are policy.
// 4.7.28 is Gmail's rate limit and stays with the other 4.7.x.
bool is_authentication_deferral(const EnhancedStatus& s) {
    return s.status_class == 4 && s.subject == 7 &&
           ((s.detail >= 23 && s.detail <= 32 && s.detail != 28) || s.detail == 40);
}

std::optional<Classification> classify_enhanced(const EnhancedStatus& s, Stage stage) {
    using C = Classification;
    const bool recipient_stage = blames_recipient_at(stage);
    if (s.status_class == 5 && recipient_stage &&
        ((s.subject == 1 &&
          (s.detail == 1 || s.detail == 2 || s.detail == 3 || s.detail == 6 || s.detail == 10)) ||
         (s.subject == 2 && s.detail == 1))) {
        return C::recipient_invalid;
    }
    if (s.subject == 2 && s.detail == 2 && recipient_stage) return C::mailbox_full;
    if (s.status_class == 5 &&
        ((s.subject == 3 && s.detail == 4) || (s.subject == 2 && s.detail == 3))) {
        return C::message_too_large;
    }
    if (s.subject == 5 && s.detail == 3) return C::rate_limited;  // too many recipients
    if (s.subject == 7) {
        if (s.status_class == 5 || is_authentication_deferral(s)) return C::policy;
        return C::rate_limited;
    }
    return std::nullopt;
}

Classification classify_basic(int code, std::string_view text, Stage stage) {
    using C = Classification;
    if (code == 421) return C::rate_limited;  // "closing channel": how providers throttle
    if (code / 100 == 4 && mentions_rate_limit(text)) return C::rate_limited;
    if ((code == 452 && stage == Stage::rcpt_to) ||
        (code >= 400 && blames_recipient_at(stage) && mentions_full_mailbox(text))) {
        return C::mailbox_full;
    }
    if (code == 552) return C::message_too_large;  // to MAIL (RFC 1870) or after the data
    if (code / 100 != 5) return C::other;
    if (mentions_size(text)) return C::message_too_large;
    if (mentions_policy(text)) return C::policy;
    if (blames_recipient_at(stage) && mentions_unknown_recipient(text)) {
        return C::recipient_invalid;
    }
    return C::other;
}

}  // namespace

std::string_view to_string(Stage stage) noexcept { return name_of(kStageNames, stage); }
std::string_view to_string(Cause cause) noexcept { return name_of(kCauseNames, cause); }
std::string_view to_string(OutcomeKind kind) noexcept { return name_of(kKindNames, kind); }
std::string_view to_string(Classification classification) noexcept {
    return name_of(kClassificationNames, classification);
}

std::optional<Stage> stage_from_string(std::string_view name) noexcept {
    return value_of<Stage>(kStageNames, name);
}
std::optional<Cause> cause_from_string(std::string_view name) noexcept {
    return value_of<Cause>(kCauseNames, name);
}
std::optional<OutcomeKind> outcome_kind_from_string(std::string_view name) noexcept {
    return value_of<OutcomeKind>(kKindNames, name);
}
std::optional<Classification> classification_from_string(std::string_view name) noexcept {
    return value_of<Classification>(kClassificationNames, name);
}

Classification classify(const SmtpReply& reply, Stage stage) {
    if (reply.code < 400) return Classification::none;
    if (reply.enhanced) {
        if (const auto c = classify_enhanced(*reply.enhanced, stage)) return *c;
    }
    return classify_basic(effective_code(reply.code, stage), reply.text, stage);
}

Outcome Outcome::from_reply(const SmtpReply& reply, Stage stage) {
    Outcome outcome;
    outcome.stage = stage;
    outcome.cause = Cause::reply;
    outcome.code = reply.code;
    outcome.enhanced = reply.enhanced;
    outcome.text = reply.text;
    outcome.classification = classify(reply, stage);
    const int code = effective_code(reply.code, stage);
    if (code >= 200 && code < 300 && stage == Stage::end_of_data) {
        outcome.kind = OutcomeKind::accepted;
    } else if (code >= 500 && code < 600 &&
               outcome.classification != Classification::mailbox_full &&
               outcome.classification != Classification::rate_limited) {
        outcome.kind = OutcomeKind::permanent;
    } else {
        // 4xx, plus mailbox-full and rate limits under a 5xx (RFC 3463 allows 5.2.2 as a
        // persistent transient), plus a positive reply that delivered nothing yet.
        outcome.kind = OutcomeKind::transient;
        if (code < 400) outcome.classification = Classification::other;
    }
    return outcome;
}

Outcome Outcome::without_reply(Cause cause, Stage stage, std::string detail) {
    Outcome outcome;
    outcome.stage = stage;
    // A reply that never arrived cannot be the cause; the caller must have failed to parse one.
    outcome.cause = cause == Cause::reply ? Cause::protocol_error : cause;
    outcome.kind = stage == Stage::end_of_data ? OutcomeKind::ambiguous : OutcomeKind::transient;
    outcome.classification = Classification::other;
    if (outcome.cause == Cause::invalid_message) {
        outcome.kind = OutcomeKind::permanent;
    } else if (outcome.cause == Cause::tls_failure || outcome.cause == Cause::requirement_unmet) {
        outcome.classification = Classification::policy;
    }
    outcome.text = detail.empty() ? std::string(to_string(outcome.cause)) : std::move(detail);
    return outcome;
}

}  // namespace brevduva::smtp
