#include "tests/tests_import_support.hpp"

#include <sqlite3.h>

#include <stdexcept>

namespace brevduva::tests {
namespace {

constexpr const char* dump_queries[] = {
    "SELECT id, name FROM organisations ORDER BY id",
    "SELECT id, name FROM lists ORDER BY id",
    "SELECT id, address, address_given, name, phone, postal_address, organisation_id, locale,"
    " attributes FROM contacts ORDER BY id",
    "SELECT list_id, contact_id FROM list_members ORDER BY list_id, contact_id",
    "SELECT id, contact_id, purpose, action, basis, source, evidence, evidence_ip,"
    " evidence_user_agent, evidence_wording, actor, occurred_at FROM consent_events ORDER BY id",
    "SELECT contact_id, purpose, status, basis, granted_at, confirmed_at, lapses_at, ended_at,"
    " objected_at, last_event_id FROM consent_state ORDER BY contact_id, purpose",
};

}  // namespace

ImportFolder::ImportFolder(const std::string& db_name)
    : config_(dir_ / "config.yaml"), database_(dir_ / db_name) {
    write_file(dir_ / "secret", "import-test-secret-import-test-secret-0123456789\n");
    write_file(config_, "database:\n  sqlite_path: " + database_.string() +
                            "\nsender:\n  from_address: news@example.se\n  bounce_domain: "
                            "bounces.example.se\npublic:\n  base_url: https://mail.example.se\n"
                            "  token_secret_file: secret\nconsent:\n"
                            "  suppression_secret_file: secret\n");
    const auto migrated = brevduva({"db", "migrate"});
    if (migrated.exit_code != 0) throw std::runtime_error("db migrate failed: " + migrated.err);
}

ProcessResult ImportFolder::import(const std::string& file, const std::string& csv,
                                   const std::vector<std::string>& extra) const {
    write_file(dir_ / file, csv);
    std::vector<std::string> args{"contacts", "import", (dir_ / file).string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return brevduva(std::move(args));
}

ProcessResult ImportFolder::brevduva(std::vector<std::string> args) const {
    args.insert(args.begin(), {"--config", config_.string()});
    return run_brevduva(args);
}

std::string ImportFolder::query(const std::string& sql) const {
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(database_.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
        sqlite3_close(db);
        throw std::runtime_error("cannot open " + database_.string());
    }
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr) != SQLITE_OK) {
        const std::string message = sqlite3_errmsg(db);
        sqlite3_close(db);
        throw std::runtime_error(message + " in " + sql);
    }
    std::string out;
    while (sqlite3_step(statement) == SQLITE_ROW) {
        for (int c = 0; c < sqlite3_column_count(statement); ++c) {
            if (c > 0) out += '|';
            const auto* text = sqlite3_column_text(statement, c);
            out += text == nullptr
                       ? std::string("NULL")
                       : std::string(reinterpret_cast<const char*>(text),
                                     static_cast<std::size_t>(sqlite3_column_bytes(statement, c)));
        }
        out += '\n';
    }
    sqlite3_finalize(statement);
    sqlite3_close(db);
    return out;
}

std::string ImportFolder::dump() const {
    std::string out;
    for (const char* sql : dump_queries) out += std::string("-- ") + sql + "\n" + query(sql);
    return out;
}

}  // namespace brevduva::tests
