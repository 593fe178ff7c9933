// SuppressionStore and Eligibility: the suppression list under keyed hashes, and the fresh
// facts the gate decides on.
#include <Poco/Data/Session.h>
#include <fmt/format.h>
#include <openssl/crypto.h>

#include <algorithm>

#include "consent/consent_store.hpp"
#include "consent/consent_store_sql.hpp"
#include "consent/consent_suppression_key.hpp"

namespace brevduva::consent {
using detail::stored_time;
using Poco::Data::Keywords::into;
using Poco::Data::Keywords::now;
using Poco::Data::Keywords::use;

namespace {

struct SuppressionColumns {
    std::vector<std::string> key, purpose, reason, at, actor;

    [[nodiscard]] SuppressionEntry row(std::size_t i) const {
        const auto parsed = parse_suppression_reason(reason[i]);
        if (!parsed) {
            throw store::StoreError(
                fmt::format("a suppression has the unknown reason '{}'", reason[i]));
        }
        return {key[i], {*parsed, purpose[i], detail::read_stored_time(at[i])}, actor[i]};
    }
};

}  // namespace

SuppressionStore::SuppressionStore(store::Database& db, std::string secret)
    : db_(db), secret_(std::move(secret)) {
    if (secret_.size() < min_suppression_secret_bytes) {
        throw std::invalid_argument("the suppression secret is too short");
    }
}

SuppressionStore::~SuppressionStore() { OPENSSL_cleanse(secret_.data(), secret_.size()); }

std::string SuppressionStore::key_for(const EmailAddress& address) const {
    return suppression_key(secret_, address);
}

bool SuppressionStore::add(const std::string& key, const Suppression& suppression,
                           std::string_view actor) {
    detail::WriteScope scope(db_);
    std::string k = key, purpose = suppression.purpose, who(actor);
    std::string reason(to_string(suppression.reason));
    std::string at = stored_time(suppression.at);
    std::vector<std::string> reasons, actors;
    db_.session() << "SELECT reason, actor FROM suppressions WHERE address_key = $1"
                     " AND purpose = $2",
        use(k), use(purpose), into(reasons), into(actors), now;
    if (!reasons.empty()) {
        // The first stands, unless it is an unsubscription and this is another claim: another
        // reason, or someone else saying so. The later claim must stay visible, or an undo of
        // the unsubscription (consent_undo.hpp) would lift the operator's suppression with it.
        const bool supersedes = reasons.front() == to_string(SuppressionReason::unsubscribed) &&
                                (reason != reasons.front() || who != actors.front());
        if (!supersedes) return false;
        db_.session() << "UPDATE suppressions SET reason = $1, suppressed_at = $2, actor = $3"
                         " WHERE address_key = $4 AND purpose = $5",
            use(reason), use(at), use(who), use(k), use(purpose), now;
        scope.commit();
        return true;
    }
    db_.session() << "INSERT INTO suppressions (address_key, purpose, reason, suppressed_at, actor)"
                     " VALUES ($1, $2, $3, $4, $5)",
        use(k), use(purpose), use(reason), use(at), use(who), now;
    scope.commit();
    return true;
}

SuppressionStore::Removed SuppressionStore::remove(const std::string& key, std::string_view purpose,
                                                   bool lift_erasure) {
    detail::WriteScope scope(db_);
    std::string k = key, p(purpose);
    std::vector<std::string> reasons;
    db_.session() << "SELECT reason FROM suppressions WHERE address_key = $1 AND purpose = $2",
        use(k), use(p), into(reasons), now;
    if (reasons.empty()) return Removed::absent;
    if (reasons.front() == to_string(SuppressionReason::erased) && !lift_erasure) {
        return Removed::kept_erased;
    }
    db_.session() << "DELETE FROM suppressions WHERE address_key = $1 AND purpose = $2", use(k),
        use(p), now;
    scope.commit();
    return Removed::removed;
}

std::vector<SuppressionEntry> SuppressionStore::entries_for_key(const std::string& key) {
    SuppressionColumns c;
    std::string k = key;
    db_.session() << "SELECT address_key, purpose, reason, suppressed_at, actor FROM suppressions"
                     " WHERE address_key = $1 ORDER BY suppressed_at, purpose",
        use(k), into(c.key), into(c.purpose), into(c.reason), into(c.at), into(c.actor), now;
    std::vector<SuppressionEntry> entries;
    for (std::size_t i = 0; i < c.key.size(); ++i) entries.push_back(c.row(i));
    return entries;
}

std::vector<Suppression> SuppressionStore::for_key(const std::string& key) {
    std::vector<Suppression> suppressions;
    for (auto& entry : entries_for_key(key)) suppressions.push_back(std::move(entry.suppression));
    return suppressions;
}

void SuppressionStore::for_each(const std::function<void(const SuppressionEntry&)>& visit,
                                std::size_t page_size) {
    // Keyset pagination over the (suppressed_at, address_key, purpose) index.
    std::string at, key, purpose;
    auto limit = static_cast<std::int64_t>(std::max<std::size_t>(page_size, 1));
    for (bool first = true;; first = false) {
        SuppressionColumns c;
        int start = first ? 1 : 0;
        db_.session() << "SELECT address_key, purpose, reason, suppressed_at, actor"
                         " FROM suppressions WHERE $1 = 1 OR suppressed_at > $2 OR"
                         " (suppressed_at = $2 AND (address_key > $3 OR"
                         " (address_key = $3 AND purpose > $4)))"
                         " ORDER BY suppressed_at, address_key, purpose LIMIT $5",
            use(start), use(at), use(key), use(purpose), use(limit), into(c.key), into(c.purpose),
            into(c.reason), into(c.at), into(c.actor), now;
        if (c.key.empty()) return;
        for (std::size_t i = 0; i < c.key.size(); ++i) visit(c.row(i));
        at = c.at.back();
        key = c.key.back();
        purpose = c.purpose.back();
    }
}

Eligibility::Eligibility(store::Database& db, std::span<const PurposeSettings> purposes,
                         SuppressionStore& suppressions)
    : db_(db), purposes_(purposes.begin(), purposes.end()), suppressions_(suppressions) {}

Decision Eligibility::check(const Contact& contact, const PurposeSettings& purpose,
                            TimePoint now_) {
    const auto suppressions =
        suppressions_.for_key(suppressions_.key_for(detail::stored_address(contact.address)));
    const auto events = Ledger(db_, purposes_).events(contact.id);
    return decide(ContactFacts{!contact.organisation.empty()}, events, suppressions, purpose, now_);
}

Decision Eligibility::check(const EmailAddress& address, const PurposeSettings& purpose,
                            TimePoint now_) {
    if (auto contact = ContactStore(db_, purposes_).find(address)) {
        return check(*contact, purpose, now_);
    }
    const auto suppressions = suppressions_.for_key(suppressions_.key_for(address));
    return decide(ContactFacts{}, {}, suppressions, purpose, now_);
}

}  // namespace brevduva::consent
