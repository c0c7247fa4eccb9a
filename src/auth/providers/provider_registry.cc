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

core::Status ProviderRegistry::ValidateApp(const core::App& app) const {
  for (const core::ProviderConfig& config : app.providers) {
    const Provider* provider = Find(config.type);
    if (provider == nullptr) continue;
    if (core::Status s = provider->ValidateConfig(config); !s.ok())
      return core::Status::InvalidArgument(s.error_code(), "provider " + config.name + ": " + s.message());
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
