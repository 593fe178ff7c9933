// Normalises an e-mail address as it arrives from an import, the API or a form, so that one
// person is one contact and one suppression key. Pure: no DNS, no I/O. It may only accept what
// can be carried in an SMTP envelope without extensions (RFC 5321); everything else is
// rejected with a short English reason that an import report can show as is.
//
// Decisions:
// - surrounding spaces and tabs are trimmed; a line break or other control character anywhere
//   is rejected, not trimmed: in an address it is a broken import or a header injection;
// - the local part is kept exactly as written (case and quotes included) for sending: RFC 5321
//   2.4 lets the receiving domain decide what case means. Who the address belongs to is
//   decided by fold_address() below, which ignores case;
// - non-ASCII local parts (RFC 6531 SMTPUTF8) are rejected. Mail to them can only be sent when
//   the relay and every hop after it offer SMTPUTF8, which we cannot know at import time, so
//   accepting them would turn a clear import error into a silent failure at send time; and
//   Unicode local parts have no agreed normal form, so one person could hold several contacts
//   and dodge a suppression by writing the same name another way;
// - the domain is lower-cased and converted to A-labels (IDNA2008 with UTS #46
//   non-transitional processing, NFC first), so företag.se and xn--fretag-wxa.se are one
//   domain; address literals ([192.0.2.1]) and dotless domains are rejected: marketing mail
//   goes to registered domains.
#pragma once

#include <string>
#include <string_view>

#include "consent/consent_result.hpp"

namespace brevduva::consent {

struct EmailAddress {
    std::string local_part;  // as written, quotes included
    std::string domain;      // lower-case, A-labels (xn--), no trailing dot

    [[nodiscard]] std::string text() const { return local_part + '@' + domain; }
    friend bool operator==(const EmailAddress&, const EmailAddress&) = default;
};

// The reason is a short phrase such as "local part longer than 64 octets".
[[nodiscard]] Result<EmailAddress, std::string> normalise_address(std::string_view given);

// The identity of a normalised address: the whole address in lower case, local part included.
// One person is one contact whatever capitalisation they or a source system use: every large
// mailbox provider ignores case in local parts, and a withdrawal or suppression must not be
// dodged by writing Anna@ instead of anna@. The cost, two genuinely distinct mailboxes that
// differ only in case sharing one contact, errs on the side of not mailing. ASCII only, with
// no locale: a normalised address is ASCII (non-ASCII local parts are refused, domains are
// A-labels). Contacts are keyed by it (contacts.folded_address) and suppression keys hash it.
// No provider-specific folding (dots, +tags): that would guess at other people's mail systems.
[[nodiscard]] std::string fold_address(const EmailAddress& address);

}  // namespace brevduva::consent
