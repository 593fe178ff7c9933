// brevduva config check: validate the configuration and show the effective settings.
#include <fmt/format.h>

#include "app/app_commands.hpp"
#include "config/config_describe.hpp"

namespace brevduva::app {

void add_config_commands(CLI::App& app, Context& context) {
    auto* config = app.add_subcommand("config", "Inspect the configuration");
    config->require_subcommand(1);
    auto* check = config->add_subcommand(
        "check",
        "Validate the configuration file; print the effective settings (secrets masked) or "
        "every problem with file:line:column and key (exit 2)");
    check->callback([&context] {
        const auto& settings = context.settings();
        for (const auto& warning : context.warnings()) fmt::print(stderr, "warning: {}\n", warning);
        fmt::print("# {}: valid\n{}", settings.source.string(), config::describe(settings));
    });
}

}  // namespace brevduva::app
