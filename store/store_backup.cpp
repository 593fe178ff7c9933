#include "store/store_backup.hpp"

#include <Poco/Data/Session.h>
#include <Poco/Exception.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <fmt/std.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <system_error>
#include <vector>

namespace brevduva::store {
namespace fs = std::filesystem;
using Poco::Data::Keywords::into;
using Poco::Data::Keywords::now;
using Poco::Data::Keywords::use;

namespace {

[[nodiscard]] StoreError backup_error(const fs::path& file, std::string_view cause) {
    return StoreError(fmt::format("cannot back up to {}: {}", file, cause));
}

// Creates the empty file SQLite will write into, with the mode the copy must have: VACUUM
// INTO accepts an empty file, and would otherwise create one readable by everyone.
void create_private(const fs::path& path) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) throw backup_error(path, std::generic_category().message(errno));
    ::close(fd);
}

// fsync of a file or folder that is not the database.
void sync_path(const fs::path& path, int flags) {
    const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
    if (fd < 0 || ::fsync(fd) != 0) {
        const int error = errno;
        if (fd >= 0) ::close(fd);
        throw backup_error(path,
                           fmt::format("cannot sync: {}", std::generic_category().message(error)));
    }
    ::close(fd);
}

// The copy opened through SQLite and checked page by page.
void check_copy(const fs::path& path) {
    auto copy = Database::open_sqlite(path, std::chrono::seconds(5));
    std::vector<std::string> result;
    copy.session() << "PRAGMA integrity_check", into(result), now;
    if (result.size() != 1 || result.front() != "ok") {
        throw backup_error(path, fmt::format("the copy fails its integrity check: {}",
                                             result.empty() ? "no answer" : result.front()));
    }
}

}  // namespace

BackupReport backup(Database& db, const fs::path& file) {
    if (db.backend() != Backend::sqlite) {
        throw backup_error(file,
                           "the database is PostgreSQL; back it up with pg_dump or the server's "
                           "own continuous archiving");
    }
    const fs::path target = fs::absolute(file).lexically_normal();
    if (fs::path(db.location()) == target) {
        throw backup_error(target, "it is the database itself");
    }
    std::error_code ec;
    if (fs::exists(fs::symlink_status(target, ec))) {
        throw backup_error(target, "the file exists; choose a new name");
    }
    const fs::path partial = target.string() + ".partial";
    create_private(partial);
    try {
        std::string into_file = partial.string();
        try {
            db.session() << "VACUUM INTO $1", use(into_file), now;
        } catch (const Poco::Exception& e) {
            throw backup_error(target, e.displayText());
        }
        // The copy's own -wal and -shm, if SQLite made any, go before it is checked and moved.
        check_copy(partial);
        fs::remove(partial.string() + "-wal", ec);
        fs::remove(partial.string() + "-shm", ec);
        sync_path(partial, O_RDONLY);
        fs::rename(partial, target);
        sync_path(target.parent_path(), O_RDONLY | O_DIRECTORY);
    } catch (...) {
        fs::remove(partial, ec);
        fs::remove(partial.string() + "-wal", ec);
        fs::remove(partial.string() + "-shm", ec);
        throw;
    }
    return {target, fs::file_size(target)};
}

}  // namespace brevduva::store
