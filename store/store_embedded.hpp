// A text file compiled into the binary by brevduva_embed_files() (cmake/BrevduvaEmbed.cmake).
#pragma once

#include <string_view>

namespace brevduva {

struct EmbeddedFile {
    std::string_view
        name;  // path relative to the component folder, e.g. "migrations/sqlite/0001_init.sql"
    std::string_view contents;  // the file's bytes
};

}  // namespace brevduva
