// secret_admin.h: an app's secrets (the Admin API's /secrets, realm-cli's
// `secrets` commands): values sealed with the master key before they reach
// the store and never returned by the API. Provider configs refer to secrets
// by name; Reveal is how the server reads one back. Blocks on the store:
// run it on admin::Worker.
#pragma once

#include <string>
#include <vector>

#include "auth/providers/secret_config.h"
#include "core/clock.h"
#include "core/model.h"
#include "core/object_id.h"
#include "core/random.h"
#include "crypto/secret_box.h"
#include "store/store.h"

namespace guestpass::admin {

// App Services: names of at most 64 ASCII letters, digits, '_' or '-',
// starting with a letter or digit. Values: at most 4096 bytes here (App
// Services documents 500 characters, yet 512 for custom JWT keys; PEM keys
// are longer still).
inline constexpr size_t kMaxSecretNameLength = 64;
inline constexpr size_t kMaxSecretValueBytes = 4096;

class SecretAdmin {
 public:
  SecretAdmin(store::Store& store, const crypto::SecretBox& box, const core::Clock& clock,
              core::ObjectIdGenerator& ids, core::Random& random)
      : store_(store), box_(box), clock_(clock), ids_(ids), random_(random) {}

  // The app's secrets (id and name; the sealed values stay sealed).
  core::Result<std::vector<core::Secret>> List(const core::ObjectId& app_id) const;
  // InvalidArgument for a bad name or value; AlreadyExists for a taken name.
  core::Result<core::Secret> Create(const core::ObjectId& app_id, const std::string& name, const std::string& value);
  // Renames and/or replaces the value (an empty `value` keeps it).
  core::Status Update(const core::ObjectId& app_id, const core::ObjectId& id, const std::string& name,
                      const std::optional<std::string>& value);
  core::Status Delete(const core::ObjectId& app_id, const core::ObjectId& id);
  // The value of the app's secret `name`; NotFound when it has none.
  core::Result<std::string> Reveal(const core::ObjectId& app_id, const std::string& name) const;
  // The value of `secret` (one List returned); Internal when it does not open
  // (another master key, a damaged or moved value).
  core::Result<std::string> Open(const core::Secret& secret) const;
  // The app's secret values by name, for resolving provider configs
  // (auth::SecretLookup): lists the app's secrets at its first call, then
  // opens the ones asked for; NotFound "no secret named 'N'". This
  // SecretAdmin must outlive it; it blocks on the store like the rest.
  auth::SecretLookup LookupFor(const core::ObjectId& app_id) const;

 private:
  // What a sealed value is bound to: its app and id.
  static std::string Context(const core::ObjectId& app_id, const core::ObjectId& id);

  store::Store& store_;
  const crypto::SecretBox& box_;
  const core::Clock& clock_;
  core::ObjectIdGenerator& ids_;
  core::Random& random_;
};

// OK, or InvalidArgument(InvalidParameter) saying what is wrong with the name.
core::Status ValidateSecretName(const std::string& name);

}  // namespace guestpass::admin
