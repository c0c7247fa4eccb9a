// secret_config.h: provider config fields whose values are an app's secrets.
// A provider's `secret_config` names the secrets, in the shape of `config`
// itself: where `config` would hold a value, `secret_config` holds the name
// of the secret that holds it (App Services' custom-token:
// {"signingKeys": ["jwt-key"]}; guestpass's local-userpass:
// {"smtp": {"password": "mail-password"}, "webhookSecret": "hook-key"}).
// Stores, exports and the Admin API carry names only; ResolveSecretConfig
// puts the values in place, in memory, when a deployment's snapshot is made
// (never per login). MoveInlineSecrets turns a value written inline in
// `config` (configurations from before secrets) into a named secret.
// Pure functions over JSON text: no store, no crypto; thread-safe.
#pragma once

#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/model.h"
#include "core/status.h"

namespace guestpass::auth {

// A `config` field whose value may come from a secret.
struct SecretField {
  std::string_view path;  // dot-separated keys into `config`: "signingKeys", "smtp.password"
  bool list = false;      // an array of values (signingKeys), each named by a secret of its own
};

// The value of the app's secret `name`: NotFound when the app has no such
// secret; another error (Internal) when it cannot be read.
using SecretLookup = std::function<core::Result<std::string>(const std::string& name)>;

// Checks the shape of `provider.secret_config_json` against `fields`: an
// object (empty text counts as {}) whose entries follow config's shape down
// to the fields, a field that takes one value naming one secret (a
// non-empty string) and a list field an array of them. OK, or
// InvalidArgument(InvalidParameter) naming the entry:
// "secret_config.audience is not a field that takes a secret (signingKeys)",
// "secret_config.signingKeys must be an array of secret names".
core::Status CheckSecretConfig(const core::ProviderConfig& provider, std::span<const SecretField> fields);

// `provider.config_json` with the value of each secret its secret_config
// names put in place (an object; "{}" for empty text). Returns config_json
// unchanged when secret_config is empty. Errors, each naming the field as
// config's own checks do: CheckSecretConfig's; InvalidArgument
// "signingKeys[0]: no secret named 'jwt-key'" when `lookup` has none;
// InvalidArgument "smtp.password: is given both in config and by name in
// secret_config" for a field given twice; Internal "signingKeys[0]: secret
// 'jwt-key' cannot be read: ..." for another lookup error. A config that is
// not a JSON object is returned as is (the provider's own check refuses it).
core::Result<std::string> ResolveSecretConfig(const core::ProviderConfig& provider, std::span<const SecretField> fields,
                                              const SecretLookup& lookup);

// A secret name in a secret_config, and the field it fills ("signingKeys[0]",
// "smtp.password"). Any provider type: every string found is a name.
struct SecretReference {
  std::string field;
  std::string name;
};
// The names `secret_config_json` holds, in document order; none when it is
// empty or not a JSON object.
std::vector<SecretReference> SecretReferences(std::string_view secret_config_json);

// Stores `value`, found inline in `config` at `field`, as a secret (or finds
// one that holds it) and returns that secret's name.
using KeepInlineSecret = std::function<core::Result<std::string>(const SecretField& field, const std::string& value)>;

// Moves the values `provider.config_json` holds inline at `fields` (non-empty
// strings; for a list field, an array of them) out of config: each goes to
// `keep`, and the name it returns takes its place in secret_config. Values
// of another type are left for the provider's own check to refuse. Returns
// how many values moved (0: `provider` is unchanged). InvalidArgument
// "signingKeys: is given both in config and by name in secret_config" when
// a field is both; `keep`'s errors as they are. On error `provider` is unchanged.
core::Result<int> MoveInlineSecrets(core::ProviderConfig& provider, std::span<const SecretField> fields,
                                    const KeepInlineSecret& keep);

}  // namespace guestpass::auth
