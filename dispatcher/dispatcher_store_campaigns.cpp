// CampaignStore: campaigns, their snapshots and links, queueing, and the state moves the CLI,
// the admin API and the worker's housekeeping make.
#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>
#include <fmt/format.h>

#include <algorithm>
#include <sstream>

#include "dispatcher/dispatcher_snapshot.hpp"
#include "dispatcher/dispatcher_store.hpp"
#include "dispatcher/dispatcher_store_sql.hpp"
#include "dispatcher/dispatcher_window.hpp"
#include "templates/templates_compose.hpp"

namespace brevduva::dispatcher {
using detail::nullable_time;
using detail::optional_time;
using detail::read_stored_time;
using detail::stored_time;
using Poco::Data::Keywords::into;
using Poco::Data::Keywords::now;
using Poco::Data::Keywords::use;

namespace detail {

std::string json_strings(const std::vector<std::string>& values) {
    Poco::JSON::Array array;
    for (const auto& value : values) array.add(value);
    std::ostringstream out;
    array.stringify(out);
    return out.str();
}

std::vector<std::string> read_json_strings(const std::string& json) {
    Poco::JSON::Parser parser;
    const auto array = parser.parse(json).extract<Poco::JSON::Array::Ptr>();
    std::vector<std::string> out;
    for (std::size_t i = 0; i < array->size(); ++i)
        out.push_back(array->getElement<std::string>(i));
    return out;
}

}  // namespace detail

namespace {

using R = consent::Result<Campaign, std::string>;

constexpr const char* campaign_columns =
    "SELECT id, name, purpose, template_folder, template_attributes, audience_lists, "
    "audience_organisations,"
    " from_name, from_address, reply_to, send_at, sending_window, fire_overdue, state,"
    " template_hash, recipients, created_by, created_at, updated_at, queued_at, started_at,"
    " finished_at FROM campaigns ";

struct CampaignColumns {
    std::vector<std::int64_t> id, recipients;
    std::vector<int> fire_overdue;
    std::vector<std::string> name, purpose, folder, attributes, lists, organisations, from_name,
        from_address, reply_to, window, state, hash, created_by, created_at, updated_at;
    std::vector<Poco::Nullable<std::string>> send_at, queued_at, started_at, finished_at;

    void bind(Poco::Data::Statement& s) {
        s, into(id), into(name), into(purpose), into(folder), into(attributes), into(lists),
            into(organisations), into(from_name), into(from_address), into(reply_to), into(send_at),
            into(window), into(fire_overdue), into(state), into(hash), into(recipients),
            into(created_by), into(created_at), into(updated_at), into(queued_at), into(started_at),
            into(finished_at);
    }

    [[nodiscard]] Campaign row(std::size_t i) const {
        Campaign c;
        c.id = id[i];
        c.spec.name = name[i];
        c.spec.purpose = purpose[i];
        c.spec.template_folder = folder[i];
        c.spec.attributes = detail::read_json_strings(attributes[i]);
        c.spec.audience.lists = detail::read_json_strings(lists[i]);
        c.spec.audience.organisations = detail::read_json_strings(organisations[i]);
        c.spec.from_name = from_name[i];
        c.spec.from_address = from_address[i];
        c.spec.reply_to = reply_to[i];
        c.spec.send_at = optional_time(send_at[i]);
        c.spec.sending_window = window[i];
        c.fire_overdue = fire_overdue[i] != 0;
        const auto parsed = parse_campaign_state(state[i]);
        if (!parsed) {
            throw store::StoreError(
                fmt::format("campaign {} has the unknown state '{}'", id[i], state[i]));
        }
        c.state = *parsed;
        c.template_hash = hash[i];
        c.recipients = recipients[i];
        c.created_by = created_by[i];
        c.created_at = read_stored_time(created_at[i]);
        c.updated_at = read_stored_time(updated_at[i]);
        c.queued_at = optional_time(queued_at[i]);
        c.started_at = optional_time(started_at[i]);
        c.finished_at = optional_time(finished_at[i]);
        return c;
    }
};

std::vector<Campaign> select_campaigns(store::Database& db, const std::string& where,
                                       std::optional<std::int64_t> key = std::nullopt) {
    CampaignColumns c;
    Poco::Data::Statement select(db.session());
    select << std::string(campaign_columns) + where;
    std::int64_t bound = key.value_or(0);
    if (key) select, use(bound);
    c.bind(select);
    select.execute();
    std::vector<Campaign> out;
    for (std::size_t i = 0; i < c.id.size(); ++i) out.push_back(c.row(i));
    return out;
}

std::string not_found(CampaignId id) { return fmt::format("there is no campaign {}", id); }

void log_move(store::Database& db, CampaignId id, std::string_view actor, CampaignState from,
              CampaignState to, std::string_view note, Time when) {
    std::string at = stored_time(when), who(actor), f(to_string(from)), t(to_string(to)), n(note);
    db.session() << "INSERT INTO campaign_log (campaign_id, at, actor, from_state, to_state, note)"
                    " VALUES ($1, $2, $3, $4, $5, $6)",
        use(id), use(at), use(who), use(f), use(t), use(n), now;
}

// The ids of the named lists; the error names the first that does not exist.
consent::Result<std::vector<std::int64_t>, std::string> named_ids(
    store::Database& db, const std::string& table, const std::vector<std::string>& names,
    std::string_view what) {
    std::vector<std::int64_t> ids;
    for (const auto& name : names) {
        std::string n = name;
        std::vector<std::int64_t> found;
        db.session() << "SELECT id FROM " + table + " WHERE name = $1", use(n), into(found), now;
        if (found.empty()) {
            return consent::Result<std::vector<std::int64_t>, std::string>::failure(
                fmt::format("there is no {} named '{}'", what, name));
        }
        ids.push_back(found.front());
    }
    return consent::Result<std::vector<std::int64_t>, std::string>::success(std::move(ids));
}

}  // namespace

templates::CampaignCheck campaign_check(const CampaignSpec& spec) {
    templates::CampaignCheck check;
    check.marketing = spec.purpose != templates::kServiceStatusPurpose;
    check.schema.attributes = spec.attributes;
    return check;
}

namespace {

std::string describe_problems(const std::string& folder,
                              const std::vector<templates::CompileError>& problems) {
    std::string out;
    for (const auto& p : problems) {
        if (!out.empty()) out += '\n';
        out += templates::describe_problem(folder, p);
    }
    return out;
}

}  // namespace

std::int64_t CampaignCounts::open() const {
    return in(DeliveryState::pending) + in(DeliveryState::claimed) + in(DeliveryState::sending) +
           in(DeliveryState::deferred);
}

CampaignStore::CampaignStore(store::Database& db, const config::Settings& settings)
    : db_(db), settings_(settings) {}

consent::Result<CampaignId, std::string> CampaignStore::create(const CampaignSpec& spec,
                                                               std::string_view actor) {
    using CR = consent::Result<CampaignId, std::string>;
    std::vector<std::string> problems;
    if (spec.name.empty()) problems.emplace_back("the campaign needs a name (--name)");
    const bool purpose_known = std::any_of(settings_.purposes.begin(), settings_.purposes.end(),
                                           [&](const auto& p) { return p.name == spec.purpose; });
    if (!purpose_known) {
        problems.push_back(fmt::format("purpose '{}' is not configured", spec.purpose));
    }
    if (spec.audience.lists.empty()) {
        problems.emplace_back("the campaign needs an audience: at least one list (--list)");
    }
    if (auto lists = named_ids(db_, "lists", spec.audience.lists, "list"); !lists) {
        problems.push_back(lists.error());
    }
    if (auto orgs = named_ids(db_, "organisations", spec.audience.organisations, "organisation");
        !orgs) {
        problems.push_back(orgs.error());
    }
    if (auto window = SendingWindow::parse(spec.sending_window); !window) {
        problems.push_back("sending window: " + window.error());
    }
    if (spec.template_folder.empty()) {
        problems.emplace_back("the campaign needs a template folder (--template)");
    } else if (purpose_known) {
        auto compiled = templates::load_campaign(spec.template_folder, campaign_check(spec));
        if (!compiled)
            problems.push_back(describe_problems(spec.template_folder, compiled.error()));
    }
    if (!problems.empty()) {
        std::string text;
        for (const auto& p : problems) text += (text.empty() ? "" : "\n") + p;
        return CR::failure(std::move(text));
    }
    store::Transaction transaction(db_);
    std::string when = stored_time(std::chrono::system_clock::now());
    std::string name = spec.name, purpose = spec.purpose, folder = spec.template_folder,
                attributes = detail::json_strings(spec.attributes),
                lists = detail::json_strings(spec.audience.lists),
                orgs = detail::json_strings(spec.audience.organisations),
                from_name = spec.from_name, from_address = spec.from_address,
                reply_to = spec.reply_to, who(actor);
    std::string window = spec.sending_window.empty()
                             ? std::string()
                             : SendingWindow::parse(spec.sending_window).value().text();
    auto send_at = nullable_time(spec.send_at);
    std::int64_t id = 0;
    db_.session() << "INSERT INTO campaigns (name, purpose, template_folder, template_attributes,"
                     " audience_lists, audience_organisations, from_name, from_address, reply_to,"
                     " send_at, sending_window, created_by, created_at, updated_at)"
                     " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)"
                     " RETURNING id",
        use(name), use(purpose), use(folder), use(attributes), use(lists), use(orgs),
        use(from_name), use(from_address), use(reply_to), use(send_at), use(window), use(who),
        use(when), into(id), now;
    log_move(db_, id, actor, CampaignState::draft, CampaignState::draft, "created",
             read_stored_time(when));
    transaction.commit();
    return CR::success(id);
}

std::optional<Campaign> CampaignStore::find(CampaignId id) {
    auto found = select_campaigns(db_, "WHERE id = $1", id);
    if (found.empty()) return std::nullopt;
    return std::move(found.front());
}

std::vector<Campaign> CampaignStore::list(std::size_t limit) {
    return select_campaigns(db_, fmt::format("ORDER BY id DESC LIMIT {}", limit));
}

std::vector<Campaign> CampaignStore::running() {
    return select_campaigns(db_, "WHERE state = 'running' ORDER BY id");
}

consent::Result<CampaignStore::Queued, std::string> CampaignStore::queue(CampaignId id,
                                                                         std::string_view actor,
                                                                         bool force, Time now_at,
                                                                         std::size_t batch) {
    using QR = consent::Result<Queued, std::string>;
    const auto campaign = find(id);
    if (!campaign) return QR::failure(not_found(id));
    if (campaign->state != CampaignState::draft) {
        return QR::failure(fmt::format("campaign {} is {}: only a draft can be queued", id,
                                       to_string(campaign->state)));
    }
    const auto& spec = campaign->spec;
    auto sources = templates::read_campaign_folder(spec.template_folder);
    if (!sources) return QR::failure(describe_problems(spec.template_folder, sources.error()));
    auto compiled = templates::CampaignTemplate::compile(sources.value(), campaign_check(spec));
    if (!compiled) return QR::failure(describe_problems(spec.template_folder, compiled.error()));
    auto list_ids = named_ids(db_, "lists", spec.audience.lists, "list");
    if (!list_ids) return QR::failure(list_ids.error());
    auto org_ids = named_ids(db_, "organisations", spec.audience.organisations, "organisation");
    if (!org_ids) return QR::failure(org_ids.error());

    Queued queued;
    std::string json = snapshot_json(sources.value());
    queued.template_hash = sha256_hex(json);
    queued.links = compiled.value().links().size();
    {
        // The snapshot and links: replaced as a whole, so a second queue after an interrupted
        // one stores the folder as it is now.
        store::Transaction transaction(db_);
        std::string hash = queued.template_hash;
        db_.session() << "DELETE FROM campaign_links WHERE campaign_id = $1", use(id), now;
        db_.session() << "DELETE FROM campaign_templates WHERE campaign_id = $1", use(id), now;
        db_.session() << "INSERT INTO campaign_templates (campaign_id, hash, sources)"
                         " VALUES ($1, $2, $3)",
            use(id), use(hash), use(json), now;
        for (const auto& link : compiled.value().links()) {
            std::int64_t link_id = link.id;
            std::string url = link.url;
            db_.session() << "INSERT INTO campaign_links (campaign_id, link_id, url)"
                             " VALUES ($1, $2, $3)",
                use(id), use(link_id), use(url), now;
        }
        transaction.commit();
    }

    // The audience, in contact-id order, `batch` distinct contacts per transaction.
    const std::string members =
        fmt::format("SELECT DISTINCT m.contact_id FROM list_members m WHERE m.list_id IN ({})",
                    detail::id_list(list_ids.value())) +
        (spec.audience.organisations.empty()
             ? std::string()
             : fmt::format(" AND m.contact_id IN (SELECT id FROM contacts WHERE organisation_id"
                           " IN ({}))",
                           detail::id_list(org_ids.value())));
    std::string due = stored_time(spec.send_at.value_or(now_at));
    std::int64_t after = 0;
    auto limit = static_cast<std::int64_t>(std::max<std::size_t>(batch, 1));
    for (;;) {
        store::Transaction transaction(db_);
        Poco::Nullable<std::int64_t> last;
        db_.session() << "SELECT max(contact_id) FROM (" + members +
                             " AND m.contact_id > $1 ORDER BY m.contact_id LIMIT $2) page",
            use(after), use(limit), into(last), now;
        if (last.isNull()) break;
        std::int64_t upto = last.value();
        std::string updated = stored_time(std::chrono::system_clock::now());
        db_.session() << "INSERT INTO deliveries (campaign_id, contact_id, due_at, updated_at)"
                         " SELECT $1, contact_id, $2, $3 FROM (" +
                             members +
                             " AND m.contact_id > $4 AND m.contact_id <= $5) audience"
                             " WHERE true ON CONFLICT (campaign_id, contact_id)"
                             " WHERE merged_from IS NULL DO NOTHING",
            use(id), use(due), use(updated), use(after), use(upto), now;
        transaction.commit();
        after = upto;
    }

    store::Transaction transaction(db_);
    std::int64_t recipients = 0;
    db_.session() << "SELECT count(*) FROM deliveries WHERE campaign_id = $1", use(id),
        into(recipients), now;
    std::string when = stored_time(now_at), hash = queued.template_hash;
    int overdue = force ? 1 : 0;
    std::string draft(to_string(CampaignState::draft));
    db_.session() << "UPDATE campaigns SET state = 'scheduled', template_hash = $1,"
                     " recipients = $2, queued_at = $3, updated_at = $3,"
                     " fire_overdue = CASE WHEN $4 = 1 THEN 1 ELSE fire_overdue END,"
                     " send_at = COALESCE(send_at, $3) WHERE id = $5 AND state = $6",
        use(hash), use(recipients), use(when), use(overdue), use(id), use(draft), now;
    log_move(db_, id, actor, CampaignState::draft, CampaignState::scheduled,
             fmt::format("queued {} deliveries, template {}", recipients, hash.substr(0, 12)),
             now_at);
    transaction.commit();
    queued.recipients = recipients;
    return QR::success(queued);
}

consent::Result<Campaign, std::string> CampaignStore::schedule(CampaignId id, Time send_at,
                                                               bool force, std::string_view actor) {
    store::Transaction transaction(db_);
    const auto campaign = find(id);
    if (!campaign) return R::failure(not_found(id));
    if (campaign->state != CampaignState::draft && campaign->state != CampaignState::scheduled) {
        return R::failure(
            fmt::format("campaign {} is {}: only a draft or a scheduled campaign"
                        " can be scheduled",
                        id, to_string(campaign->state)));
    }
    std::string at = stored_time(send_at), when = stored_time(std::chrono::system_clock::now());
    int overdue = force ? 1 : 0;
    db_.session() << "UPDATE campaigns SET send_at = $1, fire_overdue = $2, updated_at = $3"
                     " WHERE id = $4",
        use(at), use(overdue), use(when), use(id), now;
    db_.session() << "UPDATE deliveries SET due_at = $1, updated_at = $2"
                     " WHERE campaign_id = $3 AND state = 'pending' AND attempts = 0",
        use(at), use(when), use(id), now;
    log_move(db_, id, actor, campaign->state, campaign->state,
             fmt::format("scheduled for {}{}", at, force ? " (forced)" : ""),
             read_stored_time(when));
    transaction.commit();
    return R::success(*find(id));
}

consent::Result<Campaign, std::string> CampaignStore::move(CampaignId id, CampaignState to,
                                                           std::string_view actor,
                                                           std::string_view note) {
    const auto campaign = find(id);
    if (!campaign) return R::failure(not_found(id));
    if (!can_move(campaign->state, to)) {
        return R::failure(fmt::format("campaign {} is {}: it cannot become {}", id,
                                      to_string(campaign->state), to_string(to)));
    }
    const auto at = std::chrono::system_clock::now();
    std::string when = stored_time(at), from(to_string(campaign->state)), state(to_string(to));
    std::size_t changed = 0;
    Poco::Data::Statement update(db_.session());
    update << "UPDATE campaigns SET state = $1, updated_at = $2,"
              " started_at = CASE WHEN $1 = 'running' THEN COALESCE(started_at, $2)"
              " ELSE started_at END,"
              " finished_at = CASE WHEN $1 IN ('finished', 'cancelled') THEN $2"
              " ELSE finished_at END"
              " WHERE id = $3 AND state = $4",
        use(state), use(when), use(id), use(from);
    changed = update.execute();
    if (changed != 1) {
        return R::failure(fmt::format("campaign {} changed while this command ran; try again", id));
    }
    log_move(db_, id, actor, campaign->state, to, note, at);
    return R::success(*find(id));
}

consent::Result<Campaign, std::string> CampaignStore::pause(CampaignId id, std::string_view actor) {
    store::Transaction transaction(db_);
    auto moved = move(id, CampaignState::paused, actor, "paused");
    if (moved) transaction.commit();
    return moved;
}

consent::Result<Campaign, std::string> CampaignStore::resume(CampaignId id,
                                                             std::string_view actor) {
    store::Transaction transaction(db_);
    const auto campaign = find(id);
    if (campaign && campaign->state != CampaignState::paused) {
        return R::failure(fmt::format("campaign {} is {}: only a paused campaign can be resumed",
                                      id, to_string(campaign->state)));
    }
    auto moved = move(id, CampaignState::running, actor, "resumed");
    if (moved) transaction.commit();
    return moved;
}

consent::Result<Campaign, std::string> CampaignStore::cancel(CampaignId id,
                                                             std::string_view actor) {
    store::Transaction transaction(db_);
    auto moved = move(id, CampaignState::cancelled, actor, "cancelled");
    if (!moved) return moved;
    std::string when = stored_time(std::chrono::system_clock::now());
    db_.session() << "UPDATE deliveries SET state = 'skipped', skip_reason = 'campaign_cancelled',"
                     " lease_owner = '', lease_until = NULL, updated_at = $1"
                     " WHERE campaign_id = $2 AND state IN ('pending', 'deferred')",
        use(when), use(id), now;
    transaction.commit();
    return moved;
}

consent::Result<std::int64_t, std::string> CampaignStore::resend_ambiguous(CampaignId id,
                                                                           std::string_view actor) {
    using AR = consent::Result<std::int64_t, std::string>;
    store::Transaction transaction(db_);
    const auto campaign = find(id);
    if (!campaign) return AR::failure(not_found(id));
    if (campaign->state != CampaignState::running && campaign->state != CampaignState::paused) {
        return AR::failure(
            fmt::format("campaign {} is {}: its ambiguous deliveries can be resent"
                        " only while it is running or paused",
                        id, to_string(campaign->state)));
    }
    const auto at = std::chrono::system_clock::now();
    std::string when = stored_time(at);
    Poco::Data::Statement update(db_.session());
    update << "UPDATE deliveries SET state = 'pending', due_at = $1, updated_at = $1,"
              " lease_owner = '', lease_until = NULL"
              " WHERE campaign_id = $2 AND state = 'ambiguous'",
        use(when), use(id);
    const auto count = static_cast<std::int64_t>(update.execute());
    log_move(db_, id, actor, campaign->state, campaign->state,
             fmt::format("{} ambiguous deliveries to be sent again", count), at);
    transaction.commit();
    return AR::success(count);
}

CampaignCounts CampaignStore::counts(CampaignId id, Time now_at) {
    store::Transaction snapshot(db_, store::Transaction::Intent::read);
    CampaignCounts counts;
    std::vector<std::string> states, reasons;
    std::vector<std::int64_t> numbers;
    db_.session() << "SELECT state, skip_reason, count(*) FROM deliveries WHERE campaign_id = $1"
                     " GROUP BY state, skip_reason",
        use(id), into(states), into(reasons), into(numbers), now;
    for (std::size_t i = 0; i < states.size(); ++i) {
        const auto state = parse_delivery_state(states[i]);
        if (!state) continue;
        counts.by_state[*state] += numbers[i];
        counts.total += numbers[i];
        if (*state == DeliveryState::skipped) counts.skipped_by_reason[reasons[i]] += numbers[i];
    }
    std::string since = stored_time(now_at - std::chrono::minutes(1));
    Poco::Nullable<std::string> first, last;
    db_.session() << "SELECT count(*) FROM deliveries WHERE campaign_id = $1 AND state = 'sent'"
                     " AND sent_at >= $2",
        use(id), use(since), into(counts.sent_last_minute), now;
    db_.session() << "SELECT min(sent_at), max(sent_at) FROM deliveries"
                     " WHERE campaign_id = $1 AND state = 'sent'",
        use(id), into(first), into(last), now;
    counts.first_sent_at = optional_time(first);
    counts.last_sent_at = optional_time(last);
    snapshot.commit();
    return counts;
}

std::vector<CampaignStore::AmbiguousDelivery> CampaignStore::ambiguous(CampaignId id,
                                                                       std::size_t limit) {
    std::vector<std::int64_t> ids, contacts;
    std::vector<Poco::Nullable<std::string>> decided;
    std::vector<std::string> replies;
    auto n = static_cast<std::int64_t>(limit);
    db_.session() << "SELECT id, contact_id, decided_at, last_reply FROM deliveries"
                     " WHERE campaign_id = $1 AND state = 'ambiguous' ORDER BY decided_at, id"
                     " LIMIT $2",
        use(id), use(n), into(ids), into(contacts), into(decided), into(replies), now;
    std::vector<AmbiguousDelivery> out;
    for (std::size_t i = 0; i < ids.size(); ++i) {
        out.push_back({ids[i], contacts[i], optional_time(decided[i]), replies[i]});
    }
    return out;
}

CampaignSnapshot CampaignStore::snapshot(CampaignId id) {
    std::vector<std::string> hashes, sources;
    db_.session() << "SELECT hash, sources FROM campaign_templates WHERE campaign_id = $1", use(id),
        into(hashes), into(sources), now;
    if (hashes.empty()) {
        throw store::StoreError(fmt::format("campaign {} has no template snapshot", id));
    }
    auto read = read_snapshot(sources.front());
    if (!read) throw store::StoreError(fmt::format("campaign {}: {}", id, read.error()));
    if (sha256_hex(sources.front()) != hashes.front()) {
        throw store::StoreError(
            fmt::format("campaign {}: the template snapshot does not match its hash", id));
    }
    return {std::move(read).value(), hashes.front()};
}

std::optional<std::string> CampaignStore::link_url(CampaignId id, std::int64_t link_id) {
    std::vector<std::string> urls;
    db_.session() << "SELECT url FROM campaign_links WHERE campaign_id = $1 AND link_id = $2",
        use(id), use(link_id), into(urls), now;
    if (urls.empty()) return std::nullopt;
    return urls.front();
}

std::vector<CampaignStore::Overdue> CampaignStore::fire_due(Time now_at,
                                                            std::chrono::seconds guard) {
    std::vector<Overdue> overdue;
    store::Transaction transaction(db_);
    std::string at = stored_time(now_at);
    CampaignColumns c;
    Poco::Data::Statement select(db_.session());
    select << std::string(campaign_columns) + "WHERE state = 'scheduled' AND send_at <= $1",
        use(at);
    c.bind(select);
    select.execute();
    for (std::size_t i = 0; i < c.id.size(); ++i) {
        const Campaign campaign = c.row(i);
        const Time send_at = campaign.spec.send_at.value_or(now_at);
        if (now_at - send_at > guard && !campaign.fire_overdue) {
            overdue.push_back({campaign.id, send_at});
            continue;
        }
        (void)move(campaign.id, CampaignState::running, "worker", "schedule reached");
    }
    transaction.commit();
    return overdue;
}

std::vector<CampaignId> CampaignStore::finish_done(Time now_at) {
    store::Transaction transaction(db_);
    std::vector<std::int64_t> done;
    db_.session() << "SELECT c.id FROM campaigns c WHERE c.state = 'running' AND NOT EXISTS"
                     " (SELECT 1 FROM deliveries d WHERE d.campaign_id = c.id AND d.state IN"
                     " ('pending', 'claimed', 'sending', 'deferred', 'ambiguous'))",
        into(done), now;
    for (const auto id : done) {
        (void)move(id, CampaignState::finished, "worker", "every delivery is final");
    }
    (void)now_at;
    transaction.commit();
    return done;
}

}  // namespace brevduva::dispatcher
