// anon_user_provider.h: the anon-user provider: no credentials and no config
// options; every login is a new user with an identity id shaped like App
// Services' own ("<ObjectId>-<24 lowercase letters>").
#pragma once

#include "auth/providers/provider.h"
#include "core/object_id.h"
#include "core/random.h"

namespace guestpass::auth {

class AnonUserProvider final : public Provider {
 public:
  AnonUserProvider(core::ObjectIdGenerator& ids, core::Random& random) : ids_(ids), random_(random) {}
  std::string_view type() const override { return core::kAnonUser; }
  // No options: any JSON object (usually {}); InvalidArgument otherwise.
  core::Status ValidateConfig(const core::ProviderConfig& config) const override;
  void Verify(const core::App& app, const core::ProviderConfig& provider, const nlohmann::json& credentials,
              store::Callback<VerifiedIdentity> done) override;

 private:
  core::ObjectIdGenerator& ids_;
  core::Random& random_;
};

}  // namespace guestpass::auth
