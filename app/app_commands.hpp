// Each group of subcommands registers itself on the command tree. A command's callback does
// its work through the shared Context and throws CommandFailure to end with a message.
#pragma once

#include <CLI/CLI.hpp>

#include "app/app_context.hpp"
#include "http/http_database_pool.hpp"

namespace brevduva::app {

void add_config_commands(CLI::App& app, Context& context);
void add_db_commands(CLI::App& app, Context& context);
// `import` under the `contacts` group (app_commands_import.cpp).
void add_contacts_import_command(CLI::App& contacts, Context& context);
// `show` and `list` under the `contacts` group (app_commands_contacts.cpp).
void add_contacts_commands(CLI::App& contacts, Context& context);
void add_consent_commands(CLI::App& app, Context& context);
void add_suppress_commands(CLI::App& app, Context& context);
void add_gdpr_commands(CLI::App& app, Context& context);
void add_template_commands(CLI::App& app, Context& context);
void add_dkim_commands(CLI::App& app, Context& context);
void add_campaign_commands(CLI::App& app, Context& context);
// `worker` and `serve` (app_commands_worker.cpp).
void add_worker_commands(CLI::App& app, Context& context);
// `web`: the HTTP listeners alone (app_commands_web.cpp).
void add_web_commands(CLI::App& app, Context& context);
// A connection per HTTP request thread and one for the tracking writer, opened as the
// command's own (app_commands_web.cpp; `serve` uses it too).
[[nodiscard]] http::DatabaseOpener database_opener(const config::DatabaseSettings& db);
// Hidden `manpage`: brevduva(1) from the command tree (app_commands_manpage.cpp).
void add_manpage_command(CLI::App& app);

}  // namespace brevduva::app
