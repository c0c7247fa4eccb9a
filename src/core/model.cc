// model.cc: small rules that belong to the records themselves.
#include "core/model.h"

#include <algorithm>

namespace guestpass::core {

bool IsKnownProviderType(std::string_view type) {
  static constexpr std::string_view kKnown[] = {kAnonUser,       kLocalUserpass,  kApiKey,           kCustomToken,
                                                kCustomFunction, "oauth2-google", "oauth2-facebook", "oauth2-apple"};
  return std::find(std::begin(kKnown), std::end(kKnown), type) != std::end(kKnown);
}

int64_t AppSettings::SessionTtlSeconds(std::string_view provider_type) const {
  if (provider_type == kAnonUser && anonymous_session_expiry == AnonymousSessionExpiry::kWhileActive)
    return kAnonymousWhileActiveTtlSeconds;
  return refresh_token_ttl_seconds;
}

const ProviderConfig* App::FindProvider(std::string_view provider_name) const {
  for (const auto& p : providers)
    if (p.name == provider_name) return &p;
  return nullptr;
}

bool User::IsAnonymous() const {
  return !identities.empty() && std::all_of(identities.begin(), identities.end(),
                                            [](const Identity& i) { return i.provider_type == kAnonUser; });
}

}  // namespace guestpass::core
