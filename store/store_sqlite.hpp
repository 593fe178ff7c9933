// SQLite specifics behind Database: checking a path before SQLite may create anything there,
// opening and configuring the connection, and running scripts on the native handle. Internal
// to the store component; callers use Database.
#pragma once

#include <Poco/Data/Session.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string_view>

namespace brevduva::store::sqlite {

// Refuses a path SQLite could not use as a writable WAL database, without opening it: the
// folder must exist and be writable (for the -wal and -shm files), an existing file must be
// readable and writable. Only SQLite opens the database file (connect checks its header):
// closing any other descriptor of it would drop this process's locks. Throws StoreError.
void check_path(const std::filesystem::path& path);

// Makes the empty database file when there is none, 0600, or 0660 and owned by `group` when
// one is named (a WAL reader writes the -shm, so a group that may only read could not open it):
// SQLite would create it 0644 less the umask, and gives the -wal and -shm the database file's mode.
// Only ever called where the file does not exist yet, so no connection of this process holds a lock
// on it. Throws StoreError (an unknown group, a failed create).
void create_if_absent(const std::filesystem::path& path, const std::string& group);

// Opens an already checked path and applies WAL, busy timeout, foreign keys and
// synchronous=FULL, after checking the header through SQLite's own handle. Throws StoreError.
[[nodiscard]] std::unique_ptr<Poco::Data::Session> connect(const std::filesystem::path& path,
                                                           std::chrono::milliseconds busy_timeout);

void execute_script(Poco::Data::Session& session, std::string_view sql);

// Runs a script with transaction control (BEGIN, COMMIT, ROLLBACK) denied, so that a script
// cannot end the transaction its caller opened around it.
void execute_script_inside_transaction(Poco::Data::Session& session, std::string_view sql);

[[nodiscard]] bool in_transaction(Poco::Data::Session& session);

}  // namespace brevduva::store::sqlite
