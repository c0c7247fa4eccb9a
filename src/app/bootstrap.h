// bootstrap.h: start-up steps of `guestpass serve` that need several modules:
// importing app directories into the store and creating the first app.
#pragma once

#include <vector>

#include "config/app_dir.h"
#include "core/clock.h"
#include "core/object_id.h"
#include "core/random.h"
#include "store/store.h"

namespace guestpass::app {

struct ImportReport {
  std::vector<core::App> apps;       // every app in the store, after the import
  std::vector<std::string> created;  // client app ids created now
};

// Creates or updates one app per definition (matched by client app id; the
// provider list is replaced, keeping the ids of providers that stay). If the
// store then has no app at all, creates "application-0" with anon-user on.
core::Result<ImportReport> ImportApps(store::Store& store, const std::vector<config::AppDefinition>& definitions,
                                      core::ObjectIdGenerator& ids, core::Random& random, const core::Clock& clock);

}  // namespace guestpass::app
