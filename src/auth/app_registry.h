// app_registry.h: the apps this server serves, looked up on every request by
// client app id (app-scoped routes) or by internal id (tokens). Thread-safe;
// Replace() swaps the whole set (start-up today, admin changes later).
#pragma once

#include <memory>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/model.h"

namespace guestpass::auth {

class AppRegistry {
 public:
  void Replace(std::vector<core::App> apps);
  // nullptr when unknown.
  std::shared_ptr<const core::App> FindByClientAppId(std::string_view client_app_id) const;
  std::shared_ptr<const core::App> FindById(const core::ObjectId& id) const;
  std::vector<std::shared_ptr<const core::App>> All() const;

 private:
  mutable std::shared_mutex mu_;  // guards the maps and list below
  std::unordered_map<std::string, std::shared_ptr<const core::App>> by_client_id_;
  std::unordered_map<core::ObjectId, std::shared_ptr<const core::App>> by_id_;
  std::vector<std::shared_ptr<const core::App>> ordered_;
};

}  // namespace guestpass::auth
