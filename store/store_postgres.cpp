#include "store/store_postgres.hpp"

#include <Poco/Data/PostgreSQL/Connector.h>
#include <Poco/Data/PostgreSQL/SessionImpl.h>
#include <fmt/format.h>
#include <libpq-fe.h>
#include <spdlog/spdlog.h>

#include <regex>

#include "store/store_database.hpp"

namespace brevduva::store::postgres {

namespace {

[[nodiscard]] bool is_uri(std::string_view url) {
    return url.starts_with("postgresql://") || url.starts_with("postgres://");
}

[[nodiscard]] std::string quote_keyword_value(std::string_view text) {
    std::string out = "'";
    for (const char c : text) {
        if (c == '\'' || c == '\\') {
            out += '\\';
        }
        out += c;
    }
    return out + "'";
}

void register_connector_once() {
    // Poco's connector registry is process-wide; a function-local static makes the one
    // registration thread-safe without a global.
    static const bool registered = [] {
        Poco::Data::PostgreSQL::Connector::registerConnector();
        return true;
    }();
    (void)registered;
}

const std::regex& uri_password() {
    static const std::regex pattern(R"((://[^:/@\s]*):[^@/\s]*@)");
    return pattern;
}

const std::regex& query_password() {
    static const std::regex pattern(R"(([?&]password=)[^&\s]*)");
    return pattern;
}

const std::regex& keyword_password() {
    static const std::regex pattern(R"((password\s*=\s*)('(\\.|[^'\\])*'|\S+))");
    return pattern;
}

// libpq's and Poco's messages may quote the connection string in either syntax.
[[nodiscard]] std::string scrub_message(std::string message, const std::string& password) {
    message = std::regex_replace(message, uri_password(), "$1:***@");
    message = std::regex_replace(message, query_password(), "$1***");
    message = std::regex_replace(message, keyword_password(), "$1***");
    if (!password.empty()) {
        for (auto at = message.find(password); at != std::string::npos;
             at = message.find(password, at + 3)) {
            message.replace(at, password.size(), "***");
        }
    }
    return message;
}

void log_notice(void*, const char* message) {
    spdlog::debug("PostgreSQL: {}", std::string_view(message));
}

[[nodiscard]] PGconn* native_handle(Poco::Data::Session& session) {
    auto* impl = dynamic_cast<Poco::Data::PostgreSQL::SessionImpl*>(session.impl());
    if (impl == nullptr) {
        throw StoreError("internal: a PostgreSQL database holds a session of another engine");
    }
    return impl->handle();
}

}  // namespace

std::string redact(std::string_view url) {
    const std::string text(url);
    if (is_uri(url)) {
        return std::regex_replace(std::regex_replace(text, uri_password(), "$1:***@"),
                                  query_password(), "$1***");
    }
    return std::regex_replace(text, keyword_password(), "$1***");
}

std::string keyword_conninfo(const std::string& url, const std::string& password) {
    char* error = nullptr;
    std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> options(
        PQconninfoParse(url.c_str(), &error), &PQconninfoFree);
    if (!options) {
        std::string cause = error != nullptr ? error : "out of memory";
        PQfreemem(error);
        throw StoreError(fmt::format("invalid PostgreSQL URL {}: {}", redact(url),
                                     scrub_message(cause, password)));
    }
    std::string conninfo;
    for (const PQconninfoOption* option = options.get(); option->keyword != nullptr; ++option) {
        const std::string_view keyword = option->keyword;
        if (option->val != nullptr && !(keyword == "password" && !password.empty())) {
            conninfo += fmt::format("{}={} ", keyword, quote_keyword_value(option->val));
        }
    }
    if (!password.empty()) {
        conninfo += fmt::format("password={} ", quote_keyword_value(password));
    }
    if (!conninfo.empty()) {
        conninfo.pop_back();
    }
    return conninfo;
}

std::unique_ptr<Poco::Data::Session> connect(const std::string& url, const std::string& password) {
    register_connector_once();
    std::unique_ptr<Poco::Data::Session> session;
    try {
        session = std::make_unique<Poco::Data::Session>(Poco::Data::PostgreSQL::Connector::KEY,
                                                        keyword_conninfo(url, password));
    } catch (const Poco::Exception& e) {
        const std::string cause = scrub_message(e.displayText(), password);
        throw StoreError(fmt::format("cannot connect to PostgreSQL {}: {}", redact(url), cause));
    }
    // libpq prints notices (e.g. "relation already exists, skipping") on stderr by default.
    PQsetNoticeProcessor(native_handle(*session), &log_notice, nullptr);
    // What a process acknowledges must be on disk first, whatever the server's default: a
    // commit returns only once its WAL record is flushed (and, with synchronous standbys
    // configured, replicated).
    try {
        execute_script(*session, "SET synchronous_commit = on");
    } catch (const StoreError& e) {
        throw StoreError(
            fmt::format("cannot configure the PostgreSQL session {}: {}", redact(url), e.what()));
    }
    return session;
}

void execute_script(Poco::Data::Session& session, std::string_view sql) {
    PGconn* connection = native_handle(session);
    const std::string script(sql);  // PQexec wants a terminated string
    // PQexec sends the script as one simple query: PostgreSQL runs its statements in one
    // implicit transaction unless one is already open, and parses dollar quotes itself.
    std::unique_ptr<PGresult, decltype(&PQclear)> result(PQexec(connection, script.c_str()),
                                                         &PQclear);
    const ExecStatusType status = PQresultStatus(result.get());
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && status != PGRES_EMPTY_QUERY) {
        // A null result (no memory, lost connection) has its reason on the connection.
        throw StoreError(result ? PQresultErrorMessage(result.get()) : PQerrorMessage(connection));
    }
}

bool in_transaction(Poco::Data::Session& session) {
    return PQtransactionStatus(native_handle(session)) != PQTRANS_IDLE;
}

bool transaction_failed(Poco::Data::Session& session) {
    return PQtransactionStatus(native_handle(session)) == PQTRANS_INERROR;
}

}  // namespace brevduva::store::postgres
