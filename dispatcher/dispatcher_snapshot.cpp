#include "dispatcher/dispatcher_snapshot.hpp"

#include <Poco/Exception.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>
#include <openssl/evp.h>

#include <array>
#include <sstream>
#include <stdexcept>

namespace brevduva::dispatcher {

std::string snapshot_json(const templates::CampaignSources& sources) {
    // Poco's Object keeps insertion order when asked to, so the text is the same for the same
    // sources: the hash is of the content, not of a map's layout.
    Poco::JSON::Object out(Poco::JSON_PRESERVE_KEY_ORDER);
    out.set("subject", sources.subject);
    out.set("html", sources.html);
    out.set("text", sources.text ? Poco::Dynamic::Var(*sources.text) : Poco::Dynamic::Var());
    out.set("preheader",
            sources.preheader ? Poco::Dynamic::Var(*sources.preheader) : Poco::Dynamic::Var());
    Poco::JSON::Object::Ptr partials = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
    for (const auto& [name, text] : sources.partials)
        partials->set(name, text);  // std::map: sorted
    out.set("partials", partials);
    std::ostringstream text;
    out.stringify(text);
    return text.str();
}

consent::Result<templates::CampaignSources, std::string> read_snapshot(std::string_view json) {
    using R = consent::Result<templates::CampaignSources, std::string>;
    try {
        Poco::JSON::Parser parser;
        const auto root = parser.parse(std::string(json)).extract<Poco::JSON::Object::Ptr>();
        templates::CampaignSources sources;
        sources.subject = root->getValue<std::string>("subject");
        sources.html = root->getValue<std::string>("html");
        if (!root->isNull("text")) sources.text = root->getValue<std::string>("text");
        if (!root->isNull("preheader"))
            sources.preheader = root->getValue<std::string>("preheader");
        const auto partials = root->getObject("partials");
        if (partials) {
            for (const auto& [name, value] : *partials) sources.partials[name] = value.toString();
        }
        return R::success(std::move(sources));
    } catch (const Poco::Exception& e) {
        return R::failure("the stored template snapshot is damaged: " + e.displayText());
    }
}

std::string sha256_hex(std::string_view text) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    if (EVP_Digest(text.data(), text.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1) {
        throw std::runtime_error("SHA-256 failed");
    }
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(length * 2);
    for (unsigned int i = 0; i < length; ++i) {
        out += hex[digest[i] >> 4];
        out += hex[digest[i] & 0x0f];
    }
    return out;
}

}  // namespace brevduva::dispatcher
