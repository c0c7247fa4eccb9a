// secret_config.cc: checking, resolving and filling provider secret_configs.
#include "auth/providers/secret_config.h"

#include <nlohmann/json.hpp>

#include "core/json_text.h"

namespace guestpass::auth {

using core::ErrorCode;
using core::Result;
using core::Status;
using nlohmann::json;

namespace {
Status Bad(std::string message) { return Status::InvalidArgument(ErrorCode::kInvalidParameter, std::move(message)); }

// An object from JSON text; empty text is {}. Discarded when it is not an object.
json ParseObject(std::string_view text) {
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) return json::object();
  if (!core::JsonNestingWithin(text)) return json(json::value_t::discarded);
  json doc = json::parse(text, nullptr, false);
  return doc.is_object() ? doc : json(json::value_t::discarded);
}

std::vector<std::string> Split(std::string_view path) {
  std::vector<std::string> keys;
  size_t start = 0;
  for (size_t dot; (dot = path.find('.', start)) != std::string_view::npos; start = dot + 1)
    keys.emplace_back(path.substr(start, dot - start));
  keys.emplace_back(path.substr(start));
  return keys;
}

// The value at `keys` under `root`, or nullptr (absent, or a step is not an object).
json* Find(json& root, const std::vector<std::string>& keys) {
  json* node = &root;
  for (const auto& key : keys) {
    if (!node->is_object()) return nullptr;
    auto it = node->find(key);
    if (it == node->end()) return nullptr;
    node = &*it;
  }
  return node;
}

const json* Find(const json& root, const std::vector<std::string>& keys) {
  return Find(const_cast<json&>(root), keys);  // NOLINT: read-only use of the non-const walk
}

// Sets `value` at `keys`, making missing objects on the way. False when a
// step exists and is not an object (config's own check will refuse it).
bool Set(json& root, const std::vector<std::string>& keys, json value) {
  json* node = &root;
  for (size_t i = 0; i + 1 < keys.size(); ++i) {
    if (!node->is_object()) return false;
    node = &(*node)[keys[i]];
    if (node->is_null()) *node = json::object();
  }
  if (!node->is_object()) return false;
  (*node)[keys.back()] = std::move(value);
  return true;
}

void Erase(json& root, const std::vector<std::string>& keys) {
  json* parent = &root;
  for (size_t i = 0; i + 1 < keys.size(); ++i) {
    parent = Find(*parent, {keys[i]});
    if (parent == nullptr) return;
  }
  if (parent->is_object()) parent->erase(keys.back());
}

bool IsName(const json& value) { return value.is_string() && !value.get_ref<const std::string&>().empty(); }

std::string FieldList(std::span<const SecretField> fields) {
  if (fields.empty()) return "this provider takes no secrets";
  std::string out;
  for (const auto& f : fields) out += (out.empty() ? "" : ", ") + std::string(f.path);
  return out;
}

Status CheckNode(const json& node, const std::string& prefix, std::span<const SecretField> fields) {
  for (const auto& [key, value] : node.items()) {
    const std::string path = prefix.empty() ? key : prefix + "." + key;
    if (value.is_null()) continue;  // as if absent
    const SecretField* field = nullptr;
    bool leads_to_field = false;
    for (const auto& f : fields) {
      if (f.path == path) field = &f;
      if (f.path.size() > path.size() && f.path.substr(0, path.size()) == path && f.path[path.size()] == '.')
        leads_to_field = true;
    }
    if (field != nullptr && field->list) {
      if (!value.is_array()) return Bad("secret_config." + path + " must be an array of secret names");
      for (size_t i = 0; i < value.size(); ++i) {
        if (!IsName(value[i]))
          return Bad("secret_config." + path + "[" + std::to_string(i) +
                     "] must be a secret name (a non-empty string)");
      }
    } else if (field != nullptr) {
      if (!IsName(value)) return Bad("secret_config." + path + " must be a secret name (a non-empty string)");
    } else if (leads_to_field && value.is_object()) {
      if (Status s = CheckNode(value, path, fields); !s.ok()) return s;
    } else {
      return Bad("secret_config." + path + " is not a field that takes a secret (" + FieldList(fields) + ")");
    }
  }
  return Status::Ok();
}

Status GivenTwice(std::string_view path) {
  return Bad(std::string(path) + ": is given both in config and by name in secret_config; keep one");
}

void CollectReferences(const json& node, const std::string& path, std::vector<SecretReference>& out) {
  if (node.is_string()) {
    out.push_back({path, node.get<std::string>()});
  } else if (node.is_array()) {
    for (size_t i = 0; i < node.size(); ++i) CollectReferences(node[i], path + "[" + std::to_string(i) + "]", out);
  } else if (node.is_object()) {
    for (const auto& [key, value] : node.items()) CollectReferences(value, path.empty() ? key : path + "." + key, out);
  }
}
}  // namespace

Status CheckSecretConfig(const core::ProviderConfig& provider, std::span<const SecretField> fields) {
  const json secret_config = ParseObject(provider.secret_config_json);
  if (secret_config.is_discarded()) return Bad("secret_config must be a JSON object");
  return CheckNode(secret_config, "", fields);
}

Result<std::string> ResolveSecretConfig(const core::ProviderConfig& provider, std::span<const SecretField> fields,
                                        const SecretLookup& lookup) {
  const json secret_config = ParseObject(provider.secret_config_json);
  if (secret_config.is_discarded()) return Bad("secret_config must be a JSON object");
  if (secret_config.empty()) return provider.config_json;
  if (Status s = CheckNode(secret_config, "", fields); !s.ok()) return s;
  json config = ParseObject(provider.config_json);
  if (config.is_discarded()) return provider.config_json;

  const auto value_of = [&lookup](const std::string& field, const std::string& name) -> Result<std::string> {
    auto value = lookup(name);
    if (value.ok()) return value;
    if (value.status().IsNotFound()) return Bad(field + ": no secret named '" + name + "'");
    return Status::Internal(field + ": secret '" + name + "' cannot be read: " + value.status().message());
  };
  for (const auto& field : fields) {
    const auto keys = Split(field.path);
    const json* names = Find(secret_config, keys);
    if (names == nullptr || names->is_null()) continue;
    if (const json* given = Find(config, keys); given != nullptr && !given->is_null()) return GivenTwice(field.path);
    json values;
    if (field.list) {
      values = json::array();
      for (size_t i = 0; i < names->size(); ++i) {
        auto value = value_of(std::string(field.path) + "[" + std::to_string(i) + "]", (*names)[i].get<std::string>());
        if (!value.ok()) return value.status();
        values.push_back(std::move(*value));
      }
    } else {
      auto value = value_of(std::string(field.path), names->get<std::string>());
      if (!value.ok()) return value.status();
      values = std::move(*value);
    }
    Set(config, keys, std::move(values));
  }
  return config.dump();
}

std::vector<SecretReference> SecretReferences(std::string_view secret_config_json) {
  std::vector<SecretReference> out;
  const json secret_config = ParseObject(secret_config_json);
  if (!secret_config.is_discarded()) CollectReferences(secret_config, "", out);
  return out;
}

Result<int> MoveInlineSecrets(core::ProviderConfig& provider, std::span<const SecretField> fields,
                              const KeepInlineSecret& keep) {
  json config = ParseObject(provider.config_json);
  json secret_config = ParseObject(provider.secret_config_json);
  if (config.is_discarded() || secret_config.is_discarded()) return 0;  // the checks that follow refuse them
  int moved = 0;
  for (const auto& field : fields) {
    const auto keys = Split(field.path);
    const json* given = Find(config, keys);
    if (given == nullptr) continue;
    if (field.list) {
      if (!given->is_array() || given->empty()) continue;
      bool all_values = true;
      for (const auto& item : *given) all_values = all_values && IsName(item);
      if (!all_values) continue;
    } else if (!IsName(*given)) {
      continue;
    }
    if (const json* named = Find(secret_config, keys); named != nullptr && !named->is_null())
      return GivenTwice(field.path);
    json names;
    if (field.list) {
      names = json::array();
      for (const auto& item : *given) {
        auto name = keep(field, item.get<std::string>());
        if (!name.ok()) return name.status();
        names.push_back(std::move(*name));
      }
    } else {
      auto name = keep(field, given->get<std::string>());
      if (!name.ok()) return name.status();
      names = std::move(*name);
    }
    if (!Set(secret_config, keys, std::move(names))) continue;
    Erase(config, keys);
    ++moved;
  }
  if (moved > 0) {
    provider.config_json = config.dump();
    provider.secret_config_json = secret_config.dump();
  }
  return moved;
}

}  // namespace guestpass::auth
