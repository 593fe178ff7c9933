// The consent component's part in the schema migrations (store/store_migrate.hpp): the steps
// in code that some migrations need because only consent/ knows the rule, attached to the
// built-in migrations by the names their files give. Every program and test that migrates a
// database takes its migrations from here.
//
// refold_views (0005_identity): the contacts that case variants were merged into gained ledger
// events, and contacts with two events of one time fold differently now that ties fail closed;
// their consent view rows are folded again from the ledger, with the configured purposes.
#pragma once

#include <span>
#include <vector>

#include "config/config_settings.hpp"
#include "store/store_migrate.hpp"

namespace brevduva::consent {

[[nodiscard]] std::vector<store::Migration> builtin_migrations(
    store::Backend backend, std::span<const config::PurposeSettings> purposes);

}  // namespace brevduva::consent
