// PostgreSQL specifics behind Database: connecting with a password kept out of the URL that
// is logged, and running scripts on the native libpq handle. Internal to the store component;
// callers use Database.
#pragma once

#include <Poco/Data/Session.h>

#include <memory>
#include <string>
#include <string_view>

namespace brevduva::store::postgres {

// The url with any password replaced by ***, fit for messages and logs.
[[nodiscard]] std::string redact(std::string_view url);

// The connection string Poco gets: url, in either syntax libpq accepts, parsed by libpq and
// written as keyword='value' pairs, with password added (it replaces one in url). Poco
// appends " connect_timeout=N" to the string, which would corrupt a URI. Throws StoreError
// on a url libpq cannot parse.
[[nodiscard]] std::string keyword_conninfo(const std::string& url, const std::string& password);

// Throws StoreError naming the redacted url and libpq's message.
[[nodiscard]] std::unique_ptr<Poco::Data::Session> connect(const std::string& url,
                                                           const std::string& password);

void execute_script(Poco::Data::Session& session, std::string_view sql);

[[nodiscard]] bool in_transaction(Poco::Data::Session& session);

// True when a statement failed inside the open transaction: PostgreSQL would answer a COMMIT
// with a silent ROLLBACK.
[[nodiscard]] bool transaction_failed(Poco::Data::Session& session);

}  // namespace brevduva::store::postgres
