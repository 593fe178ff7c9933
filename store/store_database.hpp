// The one handle to Brevduva's durable state: a Poco::Data session to SQLite (the embedded
// default) or PostgreSQL (several machines), behind one type so that callers never branch on
// the engine except where SQL differs. Opening either succeeds with the settings every other
// component relies on (WAL, foreign keys, busy timeout) or fails with one StoreError that
// names the database and the cause; a failed open creates and changes nothing on disk.
// A Database is used by one thread at a time; give each thread its own.
#pragma once

#include <Poco/Data/Session.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace brevduva::store {

// Environmental failure of the store: caught once at the top of a job or request.
class StoreError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// Another connection held a lock past this one's busy timeout (SQLite's SQLITE_BUSY and
// SQLITE_LOCKED): nothing was changed, and the same work can succeed later.
class LockedError : public StoreError {
  public:
    using StoreError::StoreError;
};

// True for a LockedError and for Poco's exceptions of the same two SQLite results. A
// long-running process waits such a spell out instead of ending.
[[nodiscard]] bool is_locked(const std::exception& e);

enum class Backend { sqlite, postgresql };

class Database {
  public:
    // Opens (creating if absent) the SQLite file at path in WAL mode with foreign keys on,
    // synchronous=FULL and the given busy timeout. Refuses, before SQLite writes anything,
    // a missing folder, a folder or file it cannot write, and a file that is not SQLite.
    // A new database is created for its owner only (0600), or also for the members of
    // file_group when one is named (0660: SQLite's readers write the -shm too); its -wal and
    // -shm take the same mode. It holds personal data and the consent ledger.
    [[nodiscard]] static Database open_sqlite(const std::filesystem::path& path,
                                              std::chrono::milliseconds busy_timeout,
                                              const std::string& file_group = {});

    // Connects to PostgreSQL. url is anything libpq accepts: postgresql://user@host/db or
    // "host=... dbname=...". A non-empty password is added to it, so that it need not be
    // written into a config file.
    [[nodiscard]] static Database open_postgres(const std::string& url,
                                                const std::string& password = {});

    // The choice config::DatabaseSettings describes: PostgreSQL when postgres_url is set,
    // otherwise the SQLite file.
    [[nodiscard]] static Database open(const std::filesystem::path& sqlite_path,
                                       const std::string& postgres_url,
                                       const std::string& postgres_password,
                                       std::chrono::milliseconds busy_timeout,
                                       const std::string& sqlite_file_group = {});

    Database(Database&&) noexcept;
    Database& operator=(Database&&) noexcept;
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;
    ~Database();

    [[nodiscard]] Poco::Data::Session& session();
    [[nodiscard]] Backend backend() const { return backend_; }
    // Where this database lives, for messages: the SQLite path or the PostgreSQL URL without
    // its password.
    [[nodiscard]] const std::string& location() const { return location_; }

    // Runs a script of several statements through the engine's own parser (sqlite3_exec,
    // PQexec): triggers, quoted semicolons and comments are split exactly as the engine
    // splits them. Inside a Transaction the script may not end it (BEGIN, COMMIT, ROLLBACK):
    // SQLite refuses such a statement, and on either engine a script that ended the
    // transaction is an error. Throws StoreError naming the database and the engine's message.
    void execute_script(std::string_view sql);

    // True while a transaction is open on the connection, as the engine itself sees it.
    [[nodiscard]] bool in_transaction();

    // True when the table exists in the schema this connection uses.
    [[nodiscard]] bool has_table(std::string_view name);

  private:
    friend class Transaction;

    Database(std::unique_ptr<Poco::Data::Session> session, Backend backend, std::string location);

    // BEGIN, COMMIT and ROLLBACK, which execute_script refuses inside a transaction.
    void execute_control(std::string_view sql);

    std::unique_ptr<Poco::Data::Session> session_;
    Backend backend_;
    std::string location_;
};

// A transaction that rolls back unless commit() was called, so an exception anywhere between
// the two leaves the database as it was.
class Transaction {
  public:
    // write takes SQLite's write lock at BEGIN (BEGIN IMMEDIATE): a transaction that read first
    // and then tried to write could otherwise fail with SQLITE_BUSY without waiting for the
    // busy timeout. read only wants one consistent snapshot over several queries.
    enum class Intent { write, read };

    explicit Transaction(Database& db, Intent intent = Intent::write);
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    ~Transaction();

    void commit();
    void rollback();

  private:
    Database& db_;
    bool open_ = false;
};

}  // namespace brevduva::store
