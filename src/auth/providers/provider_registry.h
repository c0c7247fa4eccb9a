// provider_registry.h: the implemented provider types, each with its
// Provider (type -> Provider*). AuthService finds a login's provider here, and
// start-up checks every app's provider configs with ValidateApp.
#pragma once

#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "auth/providers/provider.h"
#include "core/model.h"
#include "core/status.h"

namespace guestpass::auth {

class ProviderRegistry {
 public:
  ProviderRegistry() = default;
  // Registers each of `providers` (see Add).
  ProviderRegistry(std::initializer_list<Provider*> providers);
  ProviderRegistry(const ProviderRegistry&) = delete;
  ProviderRegistry& operator=(const ProviderRegistry&) = delete;

  // Registers `provider` under provider.type(). REQUIRES: no provider of that
  // type yet; `provider` outlives the registry. Not thread-safe: register
  // everything before the registry is shared; afterwards it is read-only and
  // any thread may call the const methods.
  void Add(Provider& provider);

  // The provider of `type`, or nullptr when this build does not implement it.
  Provider* Find(std::string_view type) const;

  // `app` with each provider's secrets resolved (resolved_config_json set
  // by ResolveSecretConfig with `secrets`, the app's secret values by name),
  // for the snapshot the client API serves. Providers of an unimplemented
  // type are left unresolved. The first error names the provider: "provider
  // custom-token: signingKeys[0]: no secret named 'jwt-key'" (InvalidArgument;
  // Internal when a secret cannot be read).
  core::Result<core::App> ResolveApp(const core::App& app, const SecretLookup& secrets) const;

  // ResolveApp, then every provider config of the resolved app through its
  // type's ValidateConfig, in the app's order. OK, or the first error as
  // "provider NAME: <the provider's message>". Providers of an
  // unimplemented type are not errors (see Unimplemented).
  core::Status ValidateApp(const core::App& app, const SecretLookup& secrets) const;

  // The names of `app`'s providers whose type has no Provider here: they are
  // configured, but their logins are refused (Unimplemented, 501).
  std::vector<std::string> Unimplemented(const core::App& app) const;

 private:
  std::map<std::string, Provider*, std::less<>> providers_;  // by type
};

}  // namespace guestpass::auth
