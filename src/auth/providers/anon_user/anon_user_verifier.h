// anon_user_verifier.h: the anon-user provider: no credentials; every login is
// a new user with an identity id shaped like App Services' own
// ("<ObjectId>-<24 lowercase letters>").
#pragma once

#include "auth/providers/credential_verifier.h"
#include "core/object_id.h"
#include "core/random.h"

namespace guestpass::auth {

class AnonUserVerifier final : public CredentialVerifier {
 public:
  AnonUserVerifier(core::ObjectIdGenerator& ids, core::Random& random) : ids_(ids), random_(random) {}
  void Verify(const core::App& app, const core::ProviderConfig& provider, const nlohmann::json& credentials,
              store::Callback<VerifiedIdentity> done) override;

 private:
  core::ObjectIdGenerator& ids_;
  core::Random& random_;
};

}  // namespace guestpass::auth
