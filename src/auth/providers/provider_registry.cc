// provider_registry.cc: ProviderRegistry.
#include "auth/providers/provider_registry.h"

#include <cassert>

namespace guestpass::auth {

ProviderRegistry::ProviderRegistry(std::initializer_list<Provider*> providers) {
  for (Provider* provider : providers) Add(*provider);
}

void ProviderRegistry::Add(Provider& provider) {
  [[maybe_unused]] const bool added = providers_.emplace(std::string(provider.type()), &provider).second;
  assert(added && "two providers of one type");
}

Provider* ProviderRegistry::Find(std::string_view type) const {
  auto it = providers_.find(type);
  return it == providers_.end() ? nullptr : it->second;
}

namespace {
// InvalidArgument as ValidateConfig errors always were; Internal (a secret
// that cannot be read) stays a server error.
core::Status Named(const core::ProviderConfig& config, const core::Status& s) {
  const std::string message = "provider " + config.name + ": " + s.message();
  if (s.code() == core::Code::kInternal) return core::Status::Internal(message);
  return core::Status::InvalidArgument(s.error_code(), message);
}
}  // namespace

core::Result<core::App> ProviderRegistry::ResolveApp(const core::App& app, const SecretLookup& secrets) const {
  core::App resolved = app;
  for (core::ProviderConfig& config : resolved.providers) {
    config.resolved_config_json.clear();
    const Provider* provider = Find(config.type);
    if (provider == nullptr) continue;
    auto effective = ResolveSecretConfig(config, provider->SecretFields(), secrets);
    if (!effective.ok()) return Named(config, effective.status());
    config.resolved_config_json = std::move(*effective);
  }
  return resolved;
}

core::Status ProviderRegistry::ValidateApp(const core::App& app, const SecretLookup& secrets) const {
  auto resolved = ResolveApp(app, secrets);
  if (!resolved.ok()) return resolved.status();
  for (const core::ProviderConfig& config : resolved->providers) {
    const Provider* provider = Find(config.type);
    if (provider == nullptr) continue;
    if (core::Status s = provider->ValidateConfig(config); !s.ok()) return Named(config, s);
  }
  return core::Status::Ok();
}

std::vector<std::string> ProviderRegistry::Unimplemented(const core::App& app) const {
  std::vector<std::string> names;
  for (const core::ProviderConfig& config : app.providers) {
    if (Find(config.type) == nullptr) names.push_back(config.name);
  }
  return names;
}

}  // namespace guestpass::auth
