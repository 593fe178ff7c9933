// Each group of subcommands registers itself on the command tree. A command's callback does
// its work through the shared Context and throws CommandFailure to end with a message.
#pragma once

#include <CLI/CLI.hpp>

#include "app/app_context.hpp"

namespace brevduva::app {

void add_config_commands(CLI::App& app, Context& context);
void add_db_commands(CLI::App& app, Context& context);

}  // namespace brevduva::app
