#include "http/http_admin_json.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>

#include "store/store_time.hpp"

namespace brevduva::http::detail {

using Poco::JSON::Object;

Object::Ptr contact_json(const consent::Contact& c) {
    Object::Ptr out = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    out->set("id", c.id);
    out->set("email", c.address);
    out->set("email_given", c.address_given);
    out->set("name", c.name);
    out->set("phone", c.phone);
    out->set("postal_address", c.postal_address);
    out->set("organisation", c.organisation);
    out->set("locale", c.locale);
    Poco::JSON::Parser parser;
    out->set("attributes", parser.parse(c.attributes));
    Poco::JSON::Array::Ptr lists = new Poco::JSON::Array;
    for (const auto& list : c.lists) lists->add(list);
    out->set("lists", lists);
    out->set("created_at", store::stored_time(c.created_at));
    out->set("updated_at", store::stored_time(c.updated_at));
    return out;
}

}  // namespace brevduva::http::detail
