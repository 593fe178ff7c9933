// Admin API: campaigns. Statistics are read here from deliveries and tracking_counts (opens
// and clicks split human / machine); creating and moving campaigns goes through the
// dispatcher's CampaignStore.
#include <Poco/Data/Session.h>
#include <Poco/JSON/Array.h>

#include "consent/consent_time.hpp"
#include "dispatcher/dispatcher_store.hpp"
#include "http/http_admin_routes.hpp"
#include "store/store_time.hpp"

namespace brevduva::http::detail {
namespace {

using Poco::Data::Keywords::into;
using Poco::Data::Keywords::now;
using Poco::Data::Keywords::use;
using Poco::JSON::Array;
using Poco::JSON::Object;
using Poco::Net::HTTPResponse;

Object::Ptr tracking_json(store::Database& db, std::int64_t campaign, const std::string& kind) {
    std::vector<std::string> classes;
    std::vector<std::int64_t> hits, attributed;
    std::string k = kind;
    db.session() << "SELECT source_class, sum(hits), sum(attributed) FROM tracking_counts WHERE "
                    "campaign_id = $1 AND kind = $2 GROUP BY source_class",
        into(classes), into(hits), into(attributed), use(campaign), use(k), now;
    std::int64_t human = 0, proxy = 0, scanner = 0, stored = 0;
    for (std::size_t i = 0; i < classes.size(); ++i) {
        if (classes[i] == "human") human += hits[i];
        if (classes[i] == "privacy_proxy") proxy += hits[i];
        if (classes[i] == "scanner") scanner += hits[i];
        stored += attributed[i];
    }
    Object::Ptr out = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    out->set("human", human);
    out->set("machine", proxy + scanner);
    out->set("privacy_proxy", proxy);
    out->set("scanner", scanner);
    out->set("total", human + proxy + scanner);
    out->set("attributed", stored);
    return out;
}

void stats(AdminRequest& r, std::int64_t campaign) {
    std::int64_t exists = 0;
    r.db.session() << "SELECT count(*) FROM campaigns WHERE id = $1", into(exists), use(campaign),
        now;
    if (exists == 0) throw ApiError(HTTPResponse::HTTP_NOT_FOUND, "no such campaign");
    std::vector<std::string> states;
    std::vector<std::int64_t> counts;
    r.db.session() << "SELECT state, count(*) FROM deliveries WHERE campaign_id = $1 GROUP BY "
                      "state ORDER BY state",
        into(states), into(counts), use(campaign), now;
    Object::Ptr deliveries = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    std::int64_t total = 0;
    for (std::size_t i = 0; i < states.size(); ++i) {
        deliveries->set(states[i], counts[i]);
        total += counts[i];
    }
    deliveries->set("total", total);
    Object::Ptr out = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    out->set("campaign_id", campaign);
    out->set("deliveries", deliveries);
    out->set("opens", tracking_json(r.db, campaign, "open"));
    out->set("clicks", tracking_json(r.db, campaign, "click"));
    std::vector<std::int64_t> links, link_hits;
    std::vector<std::string> urls;
    r.db.session() << "SELECT l.link_id, l.url, coalesce(sum(t.hits), 0) FROM campaign_links l "
                      "LEFT JOIN tracking_counts t ON t.campaign_id = l.campaign_id AND t.kind = "
                      "'click' AND t.link_id = l.link_id AND t.source_class = 'human' WHERE "
                      "l.campaign_id = $1 GROUP BY l.link_id, l.url ORDER BY l.link_id",
        into(links), into(urls), into(link_hits), use(campaign), now;
    Array::Ptr per_link = new Array;
    for (std::size_t i = 0; i < links.size(); ++i) {
        Object::Ptr link = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
        link->set("link_id", links[i]);
        link->set("url", urls[i]);
        link->set("human_clicks", link_hits[i]);
        per_link->add(link);
    }
    out->set("links", per_link);
    send_object(r, HTTPResponse::HTTP_OK, out);
}

std::vector<std::string> strings(const Object::Ptr& body, const std::string& name) {
    std::vector<std::string> out;
    if (!body->has(name) || body->isNull(name)) return out;
    const auto array = body->getArray(name);
    if (array.isNull()) throw ApiError(HTTPResponse::HTTP_BAD_REQUEST, name + " must be an array");
    for (std::size_t i = 0; i < array->size(); ++i) {
        if (!array->get(i).isString()) {
            throw ApiError(HTTPResponse::HTTP_BAD_REQUEST, name + " must hold strings");
        }
        out.push_back(array->get(i).extract<std::string>());
    }
    return out;
}

std::optional<dispatcher::Time> optional_time(const Object::Ptr& body, const std::string& name) {
    const auto text = optional_text(body, name);
    if (!text || text->empty()) return std::nullopt;
    auto at = consent::parse_timestamp(*text);
    if (!at) throw ApiError(HTTPResponse::HTTP_BAD_REQUEST, name + ": " + at.error());
    return at.value();
}

bool flag(const Object::Ptr& body, const std::string& name) {
    return body->has(name) && body->get(name).isBoolean() && body->get(name).extract<bool>();
}

Poco::Dynamic::Var time_or_null(const std::optional<dispatcher::Time>& at) {
    return at ? Poco::Dynamic::Var(store::stored_time(*at)) : Poco::Dynamic::Var();
}

Object::Ptr campaign_json(const dispatcher::Campaign& c) {
    Object::Ptr out = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    out->set("id", c.id);
    out->set("name", c.spec.name);
    out->set("purpose", c.spec.purpose);
    out->set("state", std::string(dispatcher::to_string(c.state)));
    out->set("template_folder", c.spec.template_folder);
    Array::Ptr lists = new Array;
    for (const auto& l : c.spec.audience.lists) lists->add(l);
    out->set("lists", lists);
    Array::Ptr organisations = new Array;
    for (const auto& o : c.spec.audience.organisations) organisations->add(o);
    out->set("organisations", organisations);
    out->set("from_name", c.spec.from_name);
    out->set("from_address", c.spec.from_address);
    out->set("reply_to", c.spec.reply_to);
    out->set("send_at", time_or_null(c.spec.send_at));
    out->set("sending_window", c.spec.sending_window);
    out->set("template_hash", c.template_hash);
    out->set("recipients", c.recipients);
    out->set("created_by", c.created_by);
    out->set("created_at", store::stored_time(c.created_at));
    out->set("queued_at", time_or_null(c.queued_at));
    out->set("started_at", time_or_null(c.started_at));
    out->set("finished_at", time_or_null(c.finished_at));
    return out;
}

Object::Ptr counts_json(const dispatcher::CampaignCounts& counts) {
    Object::Ptr out = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    out->set("total", counts.total);
    Object::Ptr states = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    for (const auto& [state, n] : counts.by_state) {
        states->set(std::string(dispatcher::to_string(state)), n);
    }
    out->set("by_state", states);
    Object::Ptr skipped = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    for (const auto& [reason, n] : counts.skipped_by_reason) skipped->set(reason, n);
    out->set("skipped_by_reason", skipped);
    out->set("send_rate_per_second", static_cast<double>(counts.sent_last_minute) / 60.0);
    out->set("first_sent_at", time_or_null(counts.first_sent_at));
    out->set("last_sent_at", time_or_null(counts.last_sent_at));
    return out;
}

// A refusal of the store (unknown campaign, a move the state machine forbids) is the caller's
// to fix: 409 for a move, 404 when the campaign is not there.
template <typename T>
T value_or_refuse(consent::Result<T, std::string> result, dispatcher::CampaignStore& store,
                  dispatcher::CampaignId id) {
    if (result) return std::move(result).value();
    if (id != 0 && !store.find(id))
        throw ApiError(HTTPResponse::HTTP_NOT_FOUND, "no such campaign");
    throw ApiError(id == 0 ? HTTPResponse::HTTP_BAD_REQUEST : HTTPResponse::HTTP_CONFLICT,
                   result.error());
}

void create(AdminRequest& r, dispatcher::CampaignStore& store) {
    const auto body = r.body();
    dispatcher::CampaignSpec spec;
    spec.name = text_field(body, "name", true);
    if (auto purpose = optional_text(body, "purpose")) spec.purpose = *purpose;
    spec.template_folder = text_field(body, "template_folder", true);
    spec.attributes = strings(body, "attributes");
    spec.audience.lists = strings(body, "lists");
    spec.audience.organisations = strings(body, "organisations");
    spec.from_name = text_field(body, "from_name");
    spec.from_address = text_field(body, "from_address");
    spec.reply_to = text_field(body, "reply_to");
    spec.send_at = optional_time(body, "send_at");
    spec.sending_window = text_field(body, "sending_window");
    const auto id = value_or_refuse(store.create(spec, actor_field(body)), store, 0);
    const auto campaign = store.find(id);
    send_object(r, HTTPResponse::HTTP_CREATED, campaign_json(*campaign));
}

void act(AdminRequest& r, dispatcher::CampaignStore& store, dispatcher::CampaignId id,
         const std::string& action) {
    const auto body = r.body();
    const auto actor = actor_field(body);
    if (action == "queue") {
        const auto queued = value_or_refuse(
            store.queue(id, actor, flag(body, "force"), r.context.clock()), store, id);
        Object::Ptr out = campaign_json(*store.find(id));
        out->set("queued_recipients", queued.recipients);
        out->set("links", static_cast<std::uint64_t>(queued.links));
        send_object(r, HTTPResponse::HTTP_OK, out);
        return;
    }
    dispatcher::Campaign campaign;
    if (action == "pause") {
        campaign = value_or_refuse(store.pause(id, actor), store, id);
    } else if (action == "resume") {
        campaign = value_or_refuse(store.resume(id, actor), store, id);
    } else if (action == "cancel") {
        campaign = value_or_refuse(store.cancel(id, actor), store, id);
    } else if (action == "schedule") {
        const auto at = optional_time(body, "send_at");
        if (!at) throw ApiError(HTTPResponse::HTTP_BAD_REQUEST, "send_at is required");
        campaign = value_or_refuse(store.schedule(id, *at, flag(body, "force"), actor), store, id);
    } else {
        throw ApiError(HTTPResponse::HTTP_NOT_FOUND, "no such resource");
    }
    send_object(r, HTTPResponse::HTTP_OK, campaign_json(campaign));
}

}  // namespace

bool route_campaigns(AdminRequest& r) {
    const auto& s = r.segments;
    const auto& m = r.method();
    if (s[0] != "campaigns") return false;
    dispatcher::CampaignStore store(r.db, r.context.settings);
    if (s.size() == 1 && m == "POST") return create(r, store), true;
    if (s.size() == 1 && m == "GET") {
        Array::Ptr items = new Array;
        for (const auto& c : store.list(100)) items->add(campaign_json(c));
        Object::Ptr out = new Object;
        out->set("campaigns", items);
        send_object(r, HTTPResponse::HTTP_OK, out);
        return true;
    }
    if (s.size() < 2) return false;
    const auto id = id_segment(s[1]);
    if (s.size() == 2 && m == "GET") {
        const auto campaign = store.find(id);
        if (!campaign) throw ApiError(HTTPResponse::HTTP_NOT_FOUND, "no such campaign");
        send_object(r, HTTPResponse::HTTP_OK, campaign_json(*campaign));
        return true;
    }
    if (s.size() == 3 && s[2] == "status" && m == "GET") {
        const auto campaign = store.find(id);
        if (!campaign) throw ApiError(HTTPResponse::HTTP_NOT_FOUND, "no such campaign");
        Object::Ptr out = campaign_json(*campaign);
        out->set("deliveries", counts_json(store.counts(id, r.context.clock())));
        send_object(r, HTTPResponse::HTTP_OK, out);
        return true;
    }
    if (s.size() == 3 && s[2] == "stats" && m == "GET") return stats(r, id), true;
    if (s.size() == 3 && m == "POST") return act(r, store, id, s[2]), true;
    return false;
}

}  // namespace brevduva::http::detail
