// provider.cc: the config check shared by the provider types without options.
#include "auth/providers/provider.h"

#include "core/json_text.h"

namespace guestpass::auth {

core::Status ValidateConfigWithoutOptions(const core::ProviderConfig& config) {
  const std::string_view text = config.EffectiveConfigJson();
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) return core::Status::Ok();
  if (core::JsonNestingWithin(text) && nlohmann::json::parse(text, nullptr, false).is_object())
    return core::Status::Ok();
  return core::Status::InvalidArgument(core::ErrorCode::kInvalidParameter, "config must be a JSON object");
}

}  // namespace guestpass::auth
