// app_registry.cc: maps behind a reader-writer lock.
#include "auth/app_registry.h"

#include <mutex>

namespace guestpass::auth {

void AppRegistry::Replace(std::vector<core::App> apps) {
  std::unordered_map<std::string, std::shared_ptr<const core::App>> by_client;
  std::unordered_map<core::ObjectId, std::shared_ptr<const core::App>> by_id;
  std::vector<std::shared_ptr<const core::App>> ordered;
  for (auto& app : apps) {
    auto shared = std::make_shared<const core::App>(std::move(app));
    by_client[shared->client_app_id] = shared;
    by_id[shared->id] = shared;
    ordered.push_back(shared);
  }
  std::unique_lock<std::shared_mutex> lock(mu_);
  by_client_id_.swap(by_client);
  by_id_.swap(by_id);
  ordered_.swap(ordered);
}

std::shared_ptr<const core::App> AppRegistry::FindByClientAppId(std::string_view client_app_id) const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  auto it = by_client_id_.find(std::string(client_app_id));
  return it == by_client_id_.end() ? nullptr : it->second;
}

std::shared_ptr<const core::App> AppRegistry::FindById(const core::ObjectId& id) const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<const core::App>> AppRegistry::All() const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  return ordered_;
}

}  // namespace guestpass::auth
