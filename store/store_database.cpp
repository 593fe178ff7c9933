#include "store/store_database.hpp"

#include <Poco/Data/SQLite/SQLiteException.h>
#include <Poco/Data/Session.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <utility>

#include "store/store_postgres.hpp"
#include "store/store_sqlite.hpp"

namespace brevduva::store {
namespace fs = std::filesystem;

bool is_locked(const std::exception& e) {
    return dynamic_cast<const LockedError*>(&e) != nullptr ||
           dynamic_cast<const Poco::Data::SQLite::DBLockedException*>(&e) != nullptr ||
           dynamic_cast<const Poco::Data::SQLite::TableLockedException*>(&e) != nullptr;
}
using Poco::Data::Keywords::into;
using Poco::Data::Keywords::now;
using Poco::Data::Keywords::use;

Database::Database(std::unique_ptr<Poco::Data::Session> session, Backend backend,
                   std::string location)
    : session_(std::move(session)), backend_(backend), location_(std::move(location)) {}

Database::Database(Database&&) noexcept = default;
Database& Database::operator=(Database&&) noexcept = default;
Database::~Database() = default;

Database Database::open_sqlite(const fs::path& path, std::chrono::milliseconds busy_timeout,
                               const std::string& file_group) {
    // Absolute, so that a later change of working folder cannot move the database, and so
    // that a name beginning with "file:" is never read as an SQLite URI.
    const fs::path absolute = fs::absolute(path).lexically_normal();
    sqlite::check_path(absolute);
    sqlite::create_if_absent(absolute, file_group);
    return Database(sqlite::connect(absolute, busy_timeout), Backend::sqlite, absolute.string());
}

Database Database::open_postgres(const std::string& url, const std::string& password) {
    return Database(postgres::connect(url, password), Backend::postgresql, postgres::redact(url));
}

Database Database::open(const fs::path& sqlite_path, const std::string& postgres_url,
                        const std::string& postgres_password,
                        std::chrono::milliseconds busy_timeout,
                        const std::string& sqlite_file_group) {
    if (!postgres_url.empty()) {
        return open_postgres(postgres_url, postgres_password);
    }
    return open_sqlite(sqlite_path, busy_timeout, sqlite_file_group);
}

Poco::Data::Session& Database::session() {
    if (!session_) {
        throw StoreError("internal: use of a Database that was moved from");
    }
    return *session_;
}

void Database::execute_script(std::string_view sql) {
    const bool was_in_transaction = in_transaction();
    try {
        if (backend_ == Backend::sqlite) {
            if (was_in_transaction) {
                sqlite::execute_script_inside_transaction(session(), sql);
            } else {
                sqlite::execute_script(session(), sql);
            }
        } else {
            postgres::execute_script(session(), sql);
        }
    } catch (const LockedError& e) {
        throw LockedError(fmt::format("{}: {}", location_, e.what()));
    } catch (const StoreError& e) {
        throw StoreError(fmt::format("{}: {}", location_, e.what()));
    }
    if (was_in_transaction && !in_transaction()) {
        throw StoreError(fmt::format("{}: a script ended the transaction it ran in", location_));
    }
}

void Database::execute_control(std::string_view sql) {
    try {
        if (backend_ == Backend::sqlite) {
            sqlite::execute_script(session(), sql);
        } else {
            postgres::execute_script(session(), sql);
        }
    } catch (const LockedError& e) {
        throw LockedError(fmt::format("{}: {}: {}", location_, sql, e.what()));
    } catch (const StoreError& e) {
        throw StoreError(fmt::format("{}: {}: {}", location_, sql, e.what()));
    }
}

bool Database::in_transaction() {
    return backend_ == Backend::sqlite ? sqlite::in_transaction(session())
                                       : postgres::in_transaction(session());
}

bool Database::has_table(std::string_view name) {
    std::string table(name);
    std::int64_t count = 0;
    if (backend_ == Backend::sqlite) {
        session() << "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?",
            use(table), into(count), now;
    } else {
        session() << "SELECT count(*) FROM information_schema.tables"
                     " WHERE table_schema = current_schema() AND table_name = $1",
            use(table), into(count), now;
    }
    return count > 0;
}

Transaction::Transaction(Database& db, Intent intent) : db_(db) {
    if (db_.backend() == Backend::sqlite) {
        db_.execute_control(intent == Intent::write ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED");
    } else {
        db_.execute_control(
            intent == Intent::write ? "BEGIN" : "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY");
    }
    open_ = true;
}

Transaction::~Transaction() {
    try {
        rollback();
    } catch (const std::exception& e) {
        // A destructor must not throw; the connection ends the transaction when it closes.
        spdlog::error("rollback on {} failed: {}", db_.location(), e.what());
    }
}

void Transaction::commit() {
    if (!open_) {
        throw StoreError(
            fmt::format("{}: commit of a transaction that is not open", db_.location()));
    }
    if (db_.backend() == Backend::postgresql && postgres::transaction_failed(db_.session())) {
        throw StoreError(
            fmt::format("{}: commit of a transaction in which a statement failed", db_.location()));
    }
    db_.execute_control("COMMIT");
    open_ = false;
}

void Transaction::rollback() {
    if (!open_) {
        return;
    }
    open_ = false;
    // SQLite ends a transaction by itself after some errors (disk full, I/O, out of memory);
    // a ROLLBACK then would fail with "no transaction is active".
    if (db_.in_transaction()) {
        db_.execute_control("ROLLBACK");
    }
}

}  // namespace brevduva::store
