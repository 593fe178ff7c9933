#include "formats/formats_json.hpp"

#include <Poco/JSON/JSONException.h>
#include <Poco/JSON/ParseHandler.h>
#include <Poco/JSON/Parser.h>

#include <set>
#include <string>
#include <vector>

namespace brevduva::formats {
namespace {

// Poco's own handler, which builds the document, with the keys of each open object remembered
// and the depth counted.
class StrictHandler : public Poco::JSON::ParseHandler {
  public:
    StrictHandler() : Poco::JSON::ParseHandler(false) {}  // keys sorted, as Poco's default

    void reset() override {
        ParseHandler::reset();
        keys_.clear();
        depth_ = 0;
    }
    void startObject() override {
        deeper();
        keys_.emplace_back();
        ParseHandler::startObject();
    }
    void endObject() override {
        if (!keys_.empty()) keys_.pop_back();
        --depth_;
        ParseHandler::endObject();
    }
    void startArray() override {
        deeper();
        // An array opens no object: its members' objects have key sets of their own.
        ParseHandler::startArray();
    }
    void endArray() override {
        --depth_;
        ParseHandler::endArray();
    }
    void key(const std::string& k) override {
        if (!keys_.empty() && !keys_.back().insert(k).second) {
            throw Poco::JSON::JSONException("the key '" + printable(k) +
                                            "' appears twice in one object");
        }
        ParseHandler::key(k);
    }

  private:
    void deeper() {
        if (++depth_ > max_json_depth) {
            throw Poco::JSON::JSONException("objects and arrays are nested more than " +
                                            std::to_string(max_json_depth) + " deep");
        }
    }
    // A key named in a message is cut short and shown without control characters.
    static std::string printable(const std::string& key) {
        std::string out;
        for (const char c : key.substr(0, 64)) {
            out += static_cast<unsigned char>(c) < 0x20 || c == 0x7F ? '?' : c;
        }
        return key.size() > 64 ? out + "…" : out;
    }

    std::vector<std::set<std::string>> keys_;
    std::size_t depth_ = 0;
};

// Poco's parser hands a key over cut at an escaped NUL ("email\u0000x" arrives as "email"),
// so the document would be acted on as something other than what was sent. No field of ours
// holds a NUL: any \u0000, in a key or a value, is refused.
void refuse_escaped_nul(std::string_view text) {
    bool in_string = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (!in_string) {
            in_string = c == '"';
            continue;
        }
        if (c == '"') {
            in_string = false;
        } else if (c == '\\' && i + 1 < text.size()) {
            if (text.substr(i + 1, 5) == "u0000") {
                throw Poco::JSON::JSONException("a string holds \\u0000 (NUL), which is refused");
            }
            ++i;  // the escaped character
        }
    }
}

}  // namespace

Poco::Dynamic::Var parse_json(std::string_view text) {
    refuse_escaped_nul(text);
    Poco::JSON::Parser parser(new StrictHandler);
    return parser.parse(std::string(text));
}

}  // namespace brevduva::formats
