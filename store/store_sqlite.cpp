#include "store/store_sqlite.hpp"

#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/SQLite/Utility.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <fmt/std.h>
#include <grp.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <string>
#include <system_error>
#include <vector>

#include "store/store_database.hpp"

namespace brevduva::store::sqlite {
namespace fs = std::filesystem;
using Poco::Data::Keywords::into;
using Poco::Data::Keywords::now;

namespace {

[[nodiscard]] StoreError open_error(const fs::path& path, std::string_view cause) {
    return StoreError(fmt::format("cannot open SQLite database {}: {}", path, cause));
}

// access() alone would answer for the real uid; AT_EACCESS asks as the process acts. Root
// passes this for any mode bits (but not on a read-only mount), which is also what SQLite
// would then be allowed to do.
// Returns 0 or the errno that says why not.
[[nodiscard]] int access_error(const fs::path& path, int mode) {
    return ::faccessat(AT_FDCWD, path.c_str(), mode, AT_EACCESS) == 0 ? 0 : errno;
}

void check_folder(const fs::path& path, const fs::path& folder) {
    std::error_code ec;
    const fs::file_status status = fs::status(folder, ec);
    if (ec && ec != std::errc::no_such_file_or_directory) {
        throw open_error(path, fmt::format("cannot inspect folder {}: {}", folder, ec.message()));
    }
    if (!fs::exists(status)) {
        throw open_error(path, fmt::format("folder {} does not exist", folder));
    }
    if (!fs::is_directory(status)) {
        throw open_error(path, fmt::format("{} is not a folder", folder));
    }
    if (const int error = access_error(folder, W_OK | X_OK); error != 0) {
        throw open_error(path, fmt::format("folder {} is not writable ({}); SQLite must create "
                                           "the -wal and -shm files beside the database",
                                           folder, std::generic_category().message(error)));
    }
}

// SQLite would open any file and only fail at the first query; checking the header first gives
// the clear message before SQLite writes anything (it writes nothing until a transaction, and
// creates no -wal or -shm until WAL mode is set). The header is read through the connection's
// own file handle: opening a second descriptor on the database and closing it would drop every
// POSIX lock this process holds on the file, SQLite's included, and let another process
// believe it is the last user, checkpoint and delete the WAL this process still writes to
// (sqlite.org/howtocorrupt.html, 2.2).
void check_header(sqlite3* db) {
    static constexpr std::string_view magic{"SQLite format 3\0", 16};
    sqlite3_file* file = nullptr;
    if (sqlite3_file_control(db, "main", SQLITE_FCNTL_FILE_POINTER, &file) != SQLITE_OK ||
        file == nullptr || file->pMethods == nullptr) {
        throw StoreError("the file cannot be read");
    }
    sqlite3_int64 size = 0;
    if (file->pMethods->xFileSize(file, &size) != SQLITE_OK) {
        throw StoreError("the file cannot be read");
    }
    // An empty file is an empty database to SQLite (e.g. one made by touch).
    if (size == 0) return;
    std::array<char, magic.size()> header{};
    const int rc = file->pMethods->xRead(file, header.data(), static_cast<int>(header.size()), 0);
    if (rc == SQLITE_IOERR_SHORT_READ) {
        throw StoreError("the file is not an SQLite database");
    }
    if (rc != SQLITE_OK) {
        throw StoreError("the file cannot be read");
    }
    if (std::string_view(header.data(), header.size()) != magic) {
        throw StoreError("the file is not an SQLite database");
    }
}

void check_file(const fs::path& path) {
    std::error_code ec;
    const fs::file_status status = fs::status(path, ec);
    if (ec && ec != std::errc::no_such_file_or_directory) {
        throw open_error(path, fmt::format("cannot inspect the file: {}", ec.message()));
    }
    if (!fs::exists(status)) {
        return;
    }
    if (fs::is_directory(status)) {
        throw open_error(path, "it is a folder, not a database file");
    }
    if (const int error = access_error(path, W_OK); error != 0) {
        throw open_error(path, fmt::format("the file is not writable ({})",
                                           std::generic_category().message(error)));
    }
    if (const int error = access_error(path, R_OK); error != 0) {
        throw open_error(path, fmt::format("the file is not readable ({})",
                                           std::generic_category().message(error)));
    }
}

void register_connector_once() {
    // Poco's connector registry is process-wide; a function-local static makes the one
    // registration thread-safe without a global.
    static const bool registered = [] {
        Poco::Data::SQLite::Connector::registerConnector();
        return true;
    }();
    (void)registered;
}

void configure(Poco::Data::Session& session, std::chrono::milliseconds busy_timeout) {
    // The timeout first, so that switching to WAL waits for another process's lock.
    session << fmt::format("PRAGMA busy_timeout = {}", busy_timeout.count()), now;
    std::string mode;
    session << "PRAGMA journal_mode = WAL", into(mode), now;
    if (mode != "wal") {
        throw StoreError(
            fmt::format("journal_mode is '{}', not 'wal' (WAL needs a local "
                        "file system with shared memory)",
                        mode));
    }
    // FULL: every commit is on disk (the WAL synced) before it returns, so what a process
    // acknowledges (an HTTP 200, an API 2xx, a CLI exit 0, a delivery marked sent) survives a
    // power loss, not only a crash. NORMAL would sync only at checkpoints. Cost measured in
    // docs/operations.md, "Durability".
    session << "PRAGMA synchronous = FULL", now;
    session << "PRAGMA foreign_keys = ON", now;
    // Deleted content is overwritten with zeros, so that an erased person's data does not
    // linger in free pages of the file (GDPR Art. 17; docs/consent.md).
    session << "PRAGMA secure_delete = ON", now;
    int foreign_keys = 0;
    session << "PRAGMA foreign_keys", into(foreign_keys), now;
    if (foreign_keys != 1) {
        throw StoreError("this SQLite cannot enforce foreign keys");
    }
}

// Denies transaction control for as long as it lives, and removes itself after.
class TransactionControlDenied {
  public:
    explicit TransactionControlDenied(sqlite3* db) : db_(db) {
        sqlite3_set_authorizer(db_, &authorize, &denied_);
    }
    TransactionControlDenied(const TransactionControlDenied&) = delete;
    TransactionControlDenied& operator=(const TransactionControlDenied&) = delete;
    ~TransactionControlDenied() { sqlite3_set_authorizer(db_, nullptr, nullptr); }

    // SQLite reports a denial only as "not authorized"; this says what was denied.
    [[nodiscard]] bool denied() const { return denied_; }

  private:
    static int authorize(void* denied, int action, const char*, const char*, const char*,
                         const char*) {
        if (action != SQLITE_TRANSACTION) {
            return SQLITE_OK;
        }
        *static_cast<bool*>(denied) = true;
        return SQLITE_DENY;
    }
    sqlite3* db_;
    bool denied_ = false;
};

}  // namespace

void create_if_absent(const fs::path& path, const std::string& group) {
    std::error_code ec;
    if (fs::exists(fs::symlink_status(path, ec))) return;
    gid_t gid = static_cast<gid_t>(-1);
    if (!group.empty()) {
        std::vector<char> buffer(16384);
        struct group entry {};
        struct group* found = nullptr;
        if (::getgrnam_r(group.c_str(), &entry, buffer.data(), buffer.size(), &found) != 0 ||
            found == nullptr) {
            throw open_error(path, fmt::format("the group '{}' (database.file_group) does not "
                                               "exist",
                                               group));
        }
        gid = found->gr_gid;
    }
    // Group members get write access too: a WAL reader writes the -shm, and the split pair's
    // web process (in the group) records unsubscribes.
    const mode_t mode = group.empty() ? 0600 : 0660;
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0) {
        if (errno == EEXIST) return;  // another process made it meanwhile
        throw open_error(path, fmt::format("cannot create the file: {}",
                                           std::generic_category().message(errno)));
    }
    // The umask may have taken bits away (0640 under umask 077): set exactly what is meant.
    const bool ok =
        (gid == static_cast<gid_t>(-1) || ::fchown(fd, static_cast<uid_t>(-1), gid) == 0) &&
        ::fchmod(fd, mode) == 0;
    const int error = errno;
    ::close(fd);
    if (!ok) {
        fs::remove(path, ec);
        throw open_error(path, fmt::format("cannot give the new file group '{}' and mode {:o}: {}",
                                           group, mode, std::generic_category().message(error)));
    }
}

void check_path(const fs::path& path) {
    check_folder(path, path.parent_path());
    check_file(path);
}

std::unique_ptr<Poco::Data::Session> connect(const fs::path& path,
                                             std::chrono::milliseconds busy_timeout) {
    register_connector_once();
    std::unique_ptr<Poco::Data::Session> session;
    try {
        session = std::make_unique<Poco::Data::Session>(Poco::Data::SQLite::Connector::KEY,
                                                        path.string());
    } catch (const Poco::Exception& e) {
        throw open_error(path, e.displayText());
    }
    try {
        check_header(Poco::Data::SQLite::Utility::dbHandle(*session));
        configure(*session, busy_timeout);
    } catch (const Poco::Exception& e) {
        // A file that changed between check_path and here still gets the clear message.
        sqlite3* db = Poco::Data::SQLite::Utility::dbHandle(*session);
        if (sqlite3_errcode(db) == SQLITE_NOTADB) {
            throw open_error(path, "the file is not an SQLite database");
        }
        throw open_error(path, e.displayText());
    } catch (const StoreError& e) {
        throw open_error(path, e.what());
    }
    return session;
}

void execute_script(Poco::Data::Session& session, std::string_view sql) {
    sqlite3* db = Poco::Data::SQLite::Utility::dbHandle(session);
    const std::string script(sql);  // sqlite3_exec wants a terminated string
    char* message = nullptr;
    const int rc = sqlite3_exec(db, script.c_str(), nullptr, nullptr, &message);
    if (rc != SQLITE_OK) {
        std::string cause = message != nullptr ? message : sqlite3_errstr(rc);
        sqlite3_free(message);
        if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED) {
            throw LockedError(cause);
        }
        throw StoreError(cause);
    }
}

void execute_script_inside_transaction(Poco::Data::Session& session, std::string_view sql) {
    const TransactionControlDenied guard(Poco::Data::SQLite::Utility::dbHandle(session));
    try {
        execute_script(session, sql);
    } catch (const StoreError&) {
        if (guard.denied()) {
            throw StoreError(
                "BEGIN, COMMIT, END and ROLLBACK are not allowed in a script that runs inside "
                "a transaction");
        }
        throw;
    }
}

bool in_transaction(Poco::Data::Session& session) {
    return sqlite3_get_autocommit(Poco::Data::SQLite::Utility::dbHandle(session)) == 0;
}

}  // namespace brevduva::store::sqlite
