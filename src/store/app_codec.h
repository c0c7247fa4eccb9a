// app_codec.h: JSON encoding of an app's providers and settings, shared by
// the SQL back ends, which keep both as JSON text columns.
#pragma once

#include <string>
#include <vector>

#include "core/model.h"
#include "core/status.h"

namespace guestpass::store {

std::string EncodeProviders(const std::vector<core::ProviderConfig>& providers);
core::Result<std::vector<core::ProviderConfig>> DecodeProviders(const std::string& json);

std::string EncodeSettings(const core::AppSettings& settings);
core::Result<core::AppSettings> DecodeSettings(const std::string& json);

// The whole app (identity, providers, settings) as one JSON object: how
// drafts and deployments keep a configuration.
std::string EncodeApp(const core::App& app);
core::Result<core::App> DecodeApp(const std::string& json);

// The JSON object `base` with the top-level keys of `extra` set over it.
// A `base` or `extra` that is not an object counts as {}.
std::string MergeJsonObjects(const std::string& base, const std::string& extra);

}  // namespace guestpass::store
