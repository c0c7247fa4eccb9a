// anon_user_provider.cc: anonymous identities.
#include "auth/providers/anon_user/anon_user_provider.h"

namespace guestpass::auth {

core::Status AnonUserProvider::ValidateConfig(const core::ProviderConfig& config) const {
  return ValidateConfigWithoutOptions(config);
}

void AnonUserProvider::Verify(const core::App&, const core::ProviderConfig& provider, const nlohmann::json&,
                              store::Callback<VerifiedIdentity> done) {
  VerifiedIdentity v;
  v.identity = {ids_.Next().ToHex() + "-" + core::RandomLowercase(random_, 24), std::string(core::kAnonUser),
                provider.id};
  v.always_new_user = true;
  done(std::move(v));
}

}  // namespace guestpass::auth
