// memory_store.cc: maps behind one mutex.
#include "store/memory/memory_store.h"

#include <algorithm>

#include "store/app_codec.h"

namespace guestpass::store::memory {

using core::ErrorCode;
using core::ObjectId;
using core::Status;

void MemoryStore::ListApps(Callback<std::vector<core::App>> done) {
  std::vector<core::App> out;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [id, app] : apps_) out.push_back(app);
  }
  std::sort(out.begin(), out.end(), [](const core::App& a, const core::App& b) {
    return a.created_at != b.created_at ? a.created_at < b.created_at : a.id < b.id;
  });
  done(std::move(out));
}

namespace {
// As the SQL back ends, which encode providers without them (store/app_codec.h).
void DropResolvedSecrets(core::App& app) {
  for (auto& p : app.providers) p.resolved_config_json.clear();
}
}  // namespace

Status MemoryStore::PutAppLocked(core::App app) {
  DropResolvedSecrets(app);
  for (const auto& [id, other] : apps_) {
    if (id != app.id && other.client_app_id == app.client_app_id)
      return Status::AlreadyExists(ErrorCode::kInvalidParameter, "client app id already in use");
  }
  apps_[app.id] = std::move(app);
  ++config_version_;
  return Status::Ok();
}

void MemoryStore::PutApp(core::App app, StatusCallback done) {
  Status result;
  {
    std::lock_guard<std::mutex> lock(mu_);
    result = PutAppLocked(std::move(app));
  }
  done(result);
}

void MemoryStore::DeleteApp(ObjectId app_id, core::Deletion why, StatusCallback done) {
  Status result;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!apps_.erase(app_id)) {
      result = Status::NotFound(ErrorCode::kAppNotFound, "app not found");
    } else {
      ++config_version_;
      std::vector<ObjectId> users;
      for (const auto& [id, user] : users_)
        if (user.app_id == app_id) users.push_back(id);
      for (const auto& id : users) {
        users_.erase(id);
        std::erase_if(sessions_, [&](const auto& kv) { return kv.second.user_id == id; });
      }
      std::erase_if(api_keys_, [&](const auto& kv) { return kv.second.app_id == app_id; });
      std::vector<ObjectId> accounts;
      for (const auto& [id, account] : userpass_accounts_)
        if (account.app_id == app_id) accounts.push_back(id);
      for (const auto& id : accounts) {
        userpass_accounts_.erase(id);
        std::erase_if(userpass_tokens_, [&](const auto& kv) { return kv.second.account_id == id; });
      }
      drafts_.erase(app_id);
      std::erase_if(secrets_, [&](const auto& kv) { return kv.second.app_id == app_id; });
      std::erase_if(log_events_, [&](const core::LogEvent& e) { return e.app_id == app_id; });
      std::erase_if(deployments_, [&](const core::Deployment& d) { return d.app_id == app_id; });
      core::AuditEvent event;
      event.seq = static_cast<int64_t>(audit_events_.size()) + 1;
      event.app_id = app_id;
      event.at = why.at;
      event.action = core::kAuditAppDelete;
      event.actor = why.actor;
      event.reason = why.reason;
      audit_events_.push_back(std::move(event));
    }
  }
  done(result);
}

void MemoryStore::Deploy(core::App app, core::Deployment deployment, ObjectId close_draft, StatusCallback done) {
  Status result;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const bool succeeded = deployment.status == core::DeploymentStatus::kSuccessful;
    if (succeeded && !close_draft.IsZero()) {
      auto draft = drafts_.find(deployment.app_id);
      if (draft == drafts_.end() || draft->second.id != close_draft)
        result = Status::NotFound(ErrorCode::kDraftNotFound, "draft not found");
    }
    if (result.ok() && succeeded) {
      result = PutAppLocked(std::move(app));
      if (result.ok() && !close_draft.IsZero()) drafts_.erase(deployment.app_id);
    }
    if (result.ok()) deployments_.push_back(std::move(deployment));
  }
  done(result);
}

void MemoryStore::ListDeployments(ObjectId app_id, size_t limit, Callback<std::vector<core::Deployment>> done) {
  std::vector<core::Deployment> out;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = deployments_.rbegin(); it != deployments_.rend() && out.size() < limit; ++it)
      if (it->app_id == app_id) out.push_back(*it);
  }
  done(std::move(out));
}

void MemoryStore::GetDeployment(ObjectId app_id, ObjectId deployment_id, Callback<core::Deployment> done) {
  std::optional<core::Deployment> found;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& d : deployments_)
      if (d.app_id == app_id && d.id == deployment_id) found = d;
  }
  if (!found) return done(Status::NotFound(ErrorCode::kDeploymentNotFound, "deployment not found"));
  done(std::move(*found));
}

void MemoryStore::PutDraft(core::Draft draft, bool create, StatusCallback done) {
  Status result;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = drafts_.find(draft.app_id);
    if (create && it != drafts_.end()) {
      result = Status::AlreadyExists(ErrorCode::kDraftAlreadyExists, "a draft already exists");
    } else if (!create && (it == drafts_.end() || it->second.id != draft.id)) {
      result = Status::NotFound(ErrorCode::kDraftNotFound, "draft not found");
    } else {
      const ObjectId app_id = draft.app_id;
      DropResolvedSecrets(draft.app);
      drafts_[app_id] = std::move(draft);
    }
  }
  done(result);
}

void MemoryStore::GetDraft(ObjectId app_id, Callback<std::optional<core::Draft>> done) {
  std::optional<core::Draft> found;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = drafts_.find(app_id); it != drafts_.end()) found = it->second;
  }
  done(std::move(found));
}

void MemoryStore::DeleteDraft(ObjectId app_id, ObjectId draft_id, StatusCallback done) {
  Status result;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = drafts_.find(app_id);
    if (it == drafts_.end() || it->second.id != draft_id)
      result = Status::NotFound(ErrorCode::kDraftNotFound, "draft not found");
    else
      drafts_.erase(it);
  }
  done(result);
}

Status MemoryStore::CheckNewUserLocked(const core::User& user) const {
  if (users_.count(user.id)) return Status::AlreadyExists(ErrorCode::kInvalidParameter, "id already exists");
  for (const auto& ident : user.identities) {
    if (ident.provider_type == core::kAnonUser) continue;
    for (const auto& [id, other] : users_) {
      if (other.app_id != user.app_id) continue;
      for (const auto& o : other.identities)
        if (o.provider_type == ident.provider_type && o.id == ident.id)
          return Status::AlreadyExists(ErrorCode::kInvalidParameter, "identity already exists");
    }
  }
  return Status::Ok();
}

void MemoryStore::CreateUserWithSession(core::User user, core::Session session, int64_t anonymous_cap,
                                        StatusCallback done) {
  Status result;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (sessions_.count(session.id)) {
      result = Status::AlreadyExists(ErrorCode::kInvalidParameter, "id already exists");
    } else if (anonymous_cap > 0 && user.IsAnonymous() && CountAnonymousLocked(user.app_id) >= anonymous_cap) {
      result = Status::PermissionDenied(ErrorCode::kAuthError, "this app has reached its limit of " +
                                                                   std::to_string(anonymous_cap) +
                                                                   " anonymous users; try again later");
    } else {
      result = CheckNewUserLocked(user);
    }
    if (result.ok()) {
      sessions_[session.id] = std::move(session);
      users_[user.id] = std::move(user);
    }
  }
  done(result);
}

void MemoryStore::CreateUser(core::User user, NewUserLogin login, int64_t now, StatusCallback done) {
  Status result;
  {
    std::lock_guard<std::mutex> lock(mu_);
    result = CheckNewUserLocked(user);
    if (result.ok() && login.server_key) {
      size_t keys = 0;
      for (const auto& [id, k] : api_keys_) {
        if (k.app_id != user.app_id || k.id != k.user_id) continue;
        ++keys;
        if (k.name == login.server_key->name)
          result = Status::AlreadyExists(ErrorCode::kAPIKeyAlreadyExists, "an API key with this name already exists");
      }
      if (result.ok() && keys >= core::kMaxServerApiKeysPerApp)
        result = Status::InvalidArgument(ErrorCode::kInvalidParameter, "an app can have at most 100 server API keys");
    }
    if (result.ok() && login.account) result = ClaimEmailLocked(*login.account, now);
    if (result.ok()) {
      if (login.account) userpass_accounts_[login.account->id] = std::move(*login.account);
      if (login.server_key) api_keys_[login.server_key->id] = std::move(*login.server_key);
      users_[user.id] = std::move(user);
    }
  }
  done(result);
}

void MemoryStore::ListServerApiKeys(ObjectId app_id, Callback<std::vector<core::ApiKey>> done) {
  std::vector<core::ApiKey> out;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [id, k] : api_keys_)
      if (k.app_id == app_id && k.id == k.user_id) out.push_back(k);
  }
  done(std::move(out));
}

core::User* MemoryStore::FindByIdentityLocked(const ObjectId& app_id, const std::string& provider_type,
                                              const std::string& identity_id) {
  for (auto& [id, user] : users_) {
    if (user.app_id != app_id) continue;
    for (const auto& i : user.identities)
      if (i.provider_type == provider_type && i.id == identity_id) return &user;
  }
  return nullptr;
}

void MemoryStore::CreateSession(core::Session session, StatusCallback done) {
  Status result;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto user = users_.find(session.user_id);
    if (user == users_.end()) {
      result = Status::NotFound(ErrorCode::kUserNotFound, "user not found");
    } else if (sessions_.count(session.id)) {
      result = Status::AlreadyExists(ErrorCode::kInvalidParameter, "session id already exists");
    } else {
      user->second.last_active_at = std::max(user->second.last_active_at, session.created_at);
      sessions_[session.id] = std::move(session);
    }
  }
  done(result);
}

void MemoryStore::RecordActivity(ObjectId user_id, int64_t at, StatusCallback done) {
  Status result;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto user = users_.find(user_id);
    if (user == users_.end())
      result = Status::NotFound(ErrorCode::kUserNotFound, "user not found");
    else
      user->second.last_active_at = std::max(user->second.last_active_at, at);
  }
  done(result);
}

void MemoryStore::FindUserByIdentity(ObjectId app_id, std::string provider_type, std::string identity_id,
                                     Callback<core::User> done) {
  std::unique_lock<std::mutex> lock(mu_);
  core::User* user = FindByIdentityLocked(app_id, provider_type, identity_id);
  if (user == nullptr) {
    lock.unlock();
    return done(Status::NotFound(ErrorCode::kUserNotFound, "no user has this identity"));
  }
  core::User out = *user;
  lock.unlock();
  done(std::move(out));
}

void MemoryStore::LinkIdentity(ObjectId user_id, core::Identity identity, std::string data_json, StatusCallback done) {
  Status result;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = users_.find(user_id);
    core::User* holder =
        FindByIdentityLocked(it == users_.end() ? ObjectId() : it->second.app_id, identity.provider_type, identity.id);
    if (it == users_.end()) {
      result = Status::NotFound(ErrorCode::kUserNotFound, "user not found");
    } else if (holder != nullptr) {
      result = Status::AlreadyExists(ErrorCode::kInvalidParameter,
                                     std::string(holder->id == user_id ? kLinkedToThisUser : kLinkedToAnotherUser));
    } else {
      it->second.data_json = MergeJsonObjects(it->second.data_json, data_json);
      it->second.identities.push_back(std::move(identity));
    }
  }
  done(result);
}

void MemoryStore::CreateApiKey(core::ApiKey key, StatusCallback done) {
  Status result;
  {
    std::lock_guard<std::mutex> lock(mu_);
    size_t owned = 0;
    for (const auto& [id, k] : api_keys_) {
      if (k.user_id != key.user_id) continue;
      ++owned;
      if (k.name == key.name)
        result = Status::AlreadyExists(ErrorCode::kAPIKeyAlreadyExists, "an API key with this name already exists");
    }
    if (result.ok() && owned >= core::kMaxApiKeysPerUser)
      result = Status::InvalidArgument(ErrorCode::kInvalidParameter, "a user can have at most 20 API keys");
    if (result.ok() && !users_.count(key.user_id))
      result = Status::NotFound(ErrorCode::kUserNotFound, "user not found");
    if (result.ok()) api_keys_[key.id] = std::move(key);
  }
  done(result);
}

void MemoryStore::GetApiKey(ObjectId key_id, Callback<core::ApiKey> done) {
  std::unique_lock<std::mutex> lock(mu_);
  auto it = api_keys_.find(key_id);
  if (it == api_keys_.end()) {
    lock.unlock();
    return done(Status::NotFound(ErrorCode::kAPIKeyNotFound, "API key not found"));
  }
  core::ApiKey out = it->second;
  lock.unlock();
  done(std::move(out));
}

void MemoryStore::ListApiKeys(ObjectId user_id, Callback<std::vector<core::ApiKey>> done) {
  std::vector<core::ApiKey> out;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [id, k] : api_keys_)
      if (k.user_id == user_id) out.push_back(k);
  }
  done(std::move(out));
}

void MemoryStore::SetApiKeyDisabled(ObjectId key_id, ObjectId user_id, bool disabled, StatusCallback done) {
  Status result;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = api_keys_.find(key_id);
    if (it == api_keys_.end() || it->second.user_id != user_id)
      result = Status::NotFound(ErrorCode::kAPIKeyNotFound, "API key not found");
    else
      it->second.disabled = disabled;
  }
  done(result);
}

void MemoryStore::DeleteApiKey(ObjectId key_id, ObjectId user_id, StatusCallback done) {
  Status result;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = api_keys_.find(key_id);
    if (it == api_keys_.end() || it->second.user_id != user_id) {
      result = Status::NotFound(ErrorCode::kAPIKeyNotFound, "API key not found");
    } else {
      api_keys_.erase(it);
      auto u = users_.find(user_id);
      if (u != users_.end()) {
        const std::string hex = key_id.ToHex();
        std::erase_if(u->second.identities,
                      [&](const core::Identity& i) { return i.provider_type == core::kApiKey && i.id == hex; });
      }
    }
  }
  done(result);
}

Status MemoryStore::ClaimEmailLocked(const core::UserpassAccount& account, int64_t now) {
  for (auto it = userpass_accounts_.begin(); it != userpass_accounts_.end(); ++it) {
    const core::UserpassAccount& old = it->second;
    if (old.app_id != account.app_id || old.email != account.email) continue;
    bool pending_token = false;
    for (const auto& [tid, t] : userpass_tokens_)
      pending_token |= t.account_id == old.id && t.purpose == core::UserpassTokenPurpose::kConfirm && t.expires_at > now;
    if (old.confirmed || pending_token) return Status::AlreadyExists(ErrorCode::kAccountNameInUse, "name already in use");
    // An expired pending registration: replace it.
    const ObjectId old_id = old.id;
    std::erase_if(userpass_tokens_, [&](const auto& kv) { return kv.second.account_id == old_id; });
    userpass_accounts_.erase(it);
    break;
  }
  return Status::Ok();
}

void MemoryStore::CreateUserpassAccount(core::UserpassAccount account, std::optional<core::UserpassToken> confirm,
                                        int64_t now, StatusCallback done) {
  Status result;
  {
    std::lock_guard<std::mutex> lock(mu_);
    result = ClaimEmailLocked(account, now);
    if (result.ok()) {
      if (confirm) userpass_tokens_[confirm->id] = *confirm;
      userpass_accounts_[account.id] = std::move(account);
    }
  }
  done(result);
}

void MemoryStore::GetUserpassAccount(ObjectId app_id, std::string email, Callback<core::UserpassAccount> done) {
  std::unique_lock<std::mutex> lock(mu_);
  for (const auto& [id, a] : userpass_accounts_) {
    if (a.app_id == app_id && a.email == email) {
      core::UserpassAccount out = a;
      lock.unlock();
      return done(std::move(out));
    }
  }
  lock.unlock();
  done(Status::NotFound(ErrorCode::kUserNotFound, "user not found"));
}

void MemoryStore::PutUserpassToken(core::UserpassToken token, StatusCallback done) {
  Status result;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!userpass_accounts_.count(token.account_id)) {
      result = Status::NotFound(ErrorCode::kUserNotFound, "user not found");
    } else {
      std::erase_if(userpass_tokens_, [&](const auto& kv) {
        return kv.second.account_id == token.account_id && kv.second.purpose == token.purpose;
      });
      userpass_tokens_[token.id] = std::move(token);
    }
  }
  done(result);
}

void MemoryStore::UseUserpassToken(ObjectId token_id, core::SecretHash token_hash, core::UserpassTokenPurpose purpose,
                                   std::string new_password_hash, int64_t now, Callback<core::UserpassAccount> done) {
  std::unique_lock<std::mutex> lock(mu_);
  auto t = userpass_tokens_.find(token_id);
  auto invalid = [&] {
    lock.unlock();
    done(Status::NotFound(ErrorCode::kUserpassTokenInvalid, "invalid token data"));
  };
  if (t == userpass_tokens_.end() || t->second.token_hash != token_hash || t->second.purpose != purpose ||
      t->second.expires_at <= now)
    return invalid();
  auto a = userpass_accounts_.find(t->second.account_id);
  if (a == userpass_accounts_.end()) return invalid();
  if (purpose == core::UserpassTokenPurpose::kConfirm) {
    a->second.confirmed = true;
  } else {
    a->second.password_hash = new_password_hash.empty() ? t->second.pending_password_hash : new_password_hash;
  }
  userpass_tokens_.erase(t);
  core::UserpassAccount out = a->second;
  lock.unlock();
  done(std::move(out));
}

bool MemoryStore::AccountHasUserLocked(const core::UserpassAccount& account) const {
  const std::string hex = account.id.ToHex();
  for (const auto& [id, user] : users_) {
    if (user.app_id != account.app_id) continue;
    for (const auto& i : user.identities)
      if (i.provider_type == core::kLocalUserpass && i.id == hex) return true;
  }
  return false;
}

void MemoryStore::ListPendingUserpassAccounts(ObjectId app_id, ObjectId after, size_t limit,
                                              Callback<std::vector<core::UserpassAccount>> done) {
  std::vector<core::UserpassAccount> out;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [id, a] : userpass_accounts_)
      if (a.app_id == app_id && (after.IsZero() || after < a.id) && !AccountHasUserLocked(a)) out.push_back(a);
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  if (out.size() > limit) out.resize(limit);
  done(std::move(out));
}

void MemoryStore::ConfirmUserpassAccount(ObjectId account_id, StatusCallback done) {
  Status result;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto a = userpass_accounts_.find(account_id);
    if (a == userpass_accounts_.end()) {
      result = Status::NotFound(ErrorCode::kUserNotFound, "user not found");
    } else {
      a->second.confirmed = true;
      std::erase_if(userpass_tokens_, [&](const auto& kv) {
        return kv.second.account_id == account_id && kv.second.purpose == core::UserpassTokenPurpose::kConfirm;
      });
    }
  }
  done(result);
}

void MemoryStore::DeletePendingUserpassAccount(ObjectId account_id, StatusCallback done) {
  Status result;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto a = userpass_accounts_.find(account_id);
    if (a == userpass_accounts_.end()) {
      result = Status::NotFound(ErrorCode::kUserNotFound, "user not found");
    } else if (AccountHasUserLocked(a->second)) {
      result = Status::InvalidArgument(ErrorCode::kInvalidParameter,
                                       "this user has logged in and is no longer pending: delete the user instead");
    } else {
      userpass_accounts_.erase(a);
      std::erase_if(userpass_tokens_, [&](const auto& kv) { return kv.second.account_id == account_id; });
    }
  }
  done(result);
}

void MemoryStore::GetSessionWithUser(ObjectId user_id, ObjectId session_id, Callback<SessionWithUser> done) {
  std::unique_lock<std::mutex> lock(mu_);
  auto s = sessions_.find(session_id);
  if (s == sessions_.end() || s->second.user_id != user_id) {
    lock.unlock();
    return done(Status::NotFound(ErrorCode::kInvalidSession, "session not found"));
  }
  auto u = users_.find(s->second.user_id);
  if (u == users_.end()) {
    lock.unlock();
    return done(Status::NotFound(ErrorCode::kUserNotFound, "user not found"));
  }
  SessionWithUser out{s->second, u->second};
  lock.unlock();
  done(std::move(out));
}

void MemoryStore::GetUser(ObjectId user_id, Callback<core::User> done) {
  std::unique_lock<std::mutex> lock(mu_);
  auto u = users_.find(user_id);
  if (u == users_.end()) {
    lock.unlock();
    return done(Status::NotFound(ErrorCode::kUserNotFound, "user not found"));
  }
  core::User out = u->second;
  lock.unlock();
  done(std::move(out));
}

void MemoryStore::EraseUserLocked(const ObjectId& user_id, const core::Deletion& why) {
  auto user = users_.find(user_id);
  if (user != users_.end()) {
    core::AuditEvent event;
    event.seq = static_cast<int64_t>(audit_events_.size()) + 1;
    event.app_id = user->second.app_id;
    event.at = why.at;
    event.action = core::kAuditUserDelete;
    event.user_id = user_id;
    event.actor = why.actor;
    event.reason = why.reason;
    for (const auto& i : user->second.identities)
      if (std::find(event.providers.begin(), event.providers.end(), i.provider_type) == event.providers.end())
        event.providers.push_back(i.provider_type);
    audit_events_.push_back(std::move(event));
    for (const auto& i : user->second.identities) {
      if (i.provider_type != core::kLocalUserpass) continue;
      auto account = ObjectId::FromHex(i.id);
      if (!account) continue;
      userpass_accounts_.erase(*account);
      std::erase_if(userpass_tokens_, [&](const auto& kv) { return kv.second.account_id == *account; });
    }
  }
  users_.erase(user_id);
  std::erase_if(api_keys_, [&](const auto& kv) { return kv.second.user_id == user_id; });
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    if (it->second.user_id == user_id)
      it = sessions_.erase(it);
    else
      ++it;
  }
}

void MemoryStore::DeleteSession(ObjectId user_id, ObjectId session_id, bool delete_user_if_anonymous,
                                core::Deletion why, Callback<DeleteSessionOutcome> done) {
  std::unique_lock<std::mutex> lock(mu_);
  auto s = sessions_.find(session_id);
  if (s == sessions_.end() || s->second.user_id != user_id) {
    lock.unlock();
    return done(Status::NotFound(ErrorCode::kInvalidSession, "session not found"));
  }
  DeleteSessionOutcome out;
  out.user_id = s->second.user_id;
  sessions_.erase(s);
  auto u = users_.find(out.user_id);
  if (delete_user_if_anonymous && u != users_.end() && u->second.IsAnonymous()) {
    EraseUserLocked(out.user_id, why);
    out.user_deleted = true;
  }
  lock.unlock();
  done(out);
}

void MemoryStore::DeleteUser(ObjectId user_id, core::Deletion why, StatusCallback done) {
  std::unique_lock<std::mutex> lock(mu_);
  if (!users_.count(user_id)) {
    lock.unlock();
    return done(Status::NotFound(ErrorCode::kUserNotFound, "user not found"));
  }
  EraseUserLocked(user_id, why);
  lock.unlock();
  done(Status::Ok());
}

void MemoryStore::CountUsers(ObjectId app_id, Callback<int64_t> done) {
  int64_t n = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [id, u] : users_) n += u.app_id == app_id;
  }
  done(n);
}

int64_t MemoryStore::CountAnonymousLocked(const ObjectId& app_id) const {
  int64_t n = 0;
  for (const auto& [id, u] : users_) n += u.app_id == app_id && u.IsAnonymous();
  return n;
}

void MemoryStore::CountAnonymousUsers(ObjectId app_id, Callback<int64_t> done) {
  int64_t n;
  {
    std::lock_guard<std::mutex> lock(mu_);
    n = CountAnonymousLocked(app_id);
  }
  done(n);
}

std::vector<core::User> MemoryStore::InactiveAnonymousLocked(const ObjectId& app_id, int64_t cutoff,
                                                             size_t limit) const {
  std::vector<core::User> out;
  for (const auto& [id, u] : users_)
    if (u.app_id == app_id && u.IsAnonymous() && u.last_active_at < cutoff) out.push_back(u);
  std::sort(out.begin(), out.end(), [](const core::User& a, const core::User& b) {
    return a.last_active_at != b.last_active_at ? a.last_active_at < b.last_active_at : a.id < b.id;
  });
  if (out.size() > limit) out.resize(limit);
  return out;
}

void MemoryStore::ListInactiveAnonymousUsers(ObjectId app_id, int64_t cutoff, size_t limit,
                                             Callback<std::vector<core::User>> done) {
  std::vector<core::User> out;
  {
    std::lock_guard<std::mutex> lock(mu_);
    out = InactiveAnonymousLocked(app_id, cutoff, limit);
  }
  done(std::move(out));
}

void MemoryStore::DeleteInactiveAnonymousUsers(ObjectId app_id, int64_t cutoff, size_t limit, core::Deletion why,
                                               Callback<std::vector<ObjectId>> done) {
  std::vector<ObjectId> deleted;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const core::User& u : InactiveAnonymousLocked(app_id, cutoff, limit)) {
      EraseUserLocked(u.id, why);
      deleted.push_back(u.id);
    }
  }
  done(std::move(deleted));
}

void MemoryStore::PurgeExpiredSessions(SessionKey after, size_t scan_limit, int64_t now, Callback<PurgeProgress> done) {
  PurgeProgress progress;
  progress.next = after;
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<SessionKey> keys;
    for (const auto& [id, session] : sessions_) {
      SessionKey key{session.user_id, id};
      if (after < key) keys.push_back(key);
    }
    std::sort(keys.begin(), keys.end());
    if (keys.size() > scan_limit) keys.resize(scan_limit);
    for (const SessionKey& key : keys) {
      progress.next = key;
      if (sessions_[key.session_id].expires_at < now) {
        sessions_.erase(key.session_id);
        ++progress.deleted;
      }
    }
    progress.done = keys.size() < scan_limit;
  }
  done(progress);
}

void MemoryStore::ListAuditEvents(ObjectId app_id, int64_t after_seq, size_t limit,
                                  Callback<std::vector<core::AuditEvent>> done) {
  std::vector<core::AuditEvent> out;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& e : audit_events_) {
      if (out.size() >= limit) break;
      if (e.app_id == app_id && e.seq > after_seq) out.push_back(e);
    }
  }
  done(std::move(out));
}

void MemoryStore::PurgeAuditEvents(int64_t before, size_t limit, Callback<int64_t> done) {
  int64_t deleted = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    size_t n = 0;  // audit_events_ is in seq order
    while (n < audit_events_.size() && n < limit && audit_events_[n].at < before) ++n;
    audit_events_.erase(audit_events_.begin(), audit_events_.begin() + static_cast<std::ptrdiff_t>(n));
    deleted = static_cast<int64_t>(n);
  }
  done(deleted);
}

void MemoryStore::ClaimJob(std::string name, std::string holder, int64_t now, int64_t lease_seconds,
                           Callback<bool> done) {
  bool claimed = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    Job& job = jobs_[name];
    const bool renew = job.holder == holder && job.lease_expires_at > now;
    const bool take = job.lease_expires_at <= now && job.next_run_at <= now;
    if (renew || take) {
      job.holder = holder;
      job.lease_expires_at = now + lease_seconds;
      claimed = true;
    }
  }
  done(claimed);
}

void MemoryStore::FinishJob(std::string name, std::string holder, int64_t next_run_at, StatusCallback done) {
  Status result;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = jobs_.find(name);
    if (it == jobs_.end() || it->second.holder != holder) {
      result = Status::NotFound(ErrorCode::kNone, "the job is not held by " + holder);
    } else {
      it->second = Job{"", 0, next_run_at};
    }
  }
  done(result);
}

// ---- Users, as administrators see them ----

namespace {
// `email_identity`: the identity id (account id in hex) the query's email
// names, or "" when it has no email filter.
bool Matches(const core::User& u, const Store::UserQuery& q, const std::string& email_identity) {
  if (u.app_id != q.app_id) return false;
  if (q.disabled && u.disabled != *q.disabled) return false;
  if (!email_identity.empty()) {
    bool has = false;
    for (const auto& i : u.identities) has = has || (i.provider_type == core::kLocalUserpass && i.id == email_identity);
    if (!has) return false;
  }
  if (q.anonymity != Store::Anonymity::kAny) {
    bool anonymous = false, other = false;
    for (const auto& i : u.identities) (i.provider_type == core::kAnonUser ? anonymous : other) = true;
    if (!anonymous || other != (q.anonymity == Store::Anonymity::kLinked)) return false;
  }
  if (q.provider_types.empty()) return true;
  for (const auto& i : u.identities)
    for (const auto& t : q.provider_types)
      if (i.provider_type == t) return true;
  return false;
}
}  // namespace

std::optional<std::string> MemoryStore::EmailIdentityLocked(const UserQuery& q) const {
  if (q.email.empty()) return std::string();
  for (const auto& [id, account] : userpass_accounts_)
    if (account.app_id == q.app_id && account.email == q.email) return id.ToHex();
  return std::nullopt;  // no such account: nothing matches
}

void MemoryStore::ListUsers(UserQuery q, Callback<std::vector<core::User>> done) {
  std::vector<core::User> out;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const auto email_identity = EmailIdentityLocked(q);
    for (const auto& [id, user] : users_) {
      if (!email_identity || !Matches(user, q, *email_identity)) continue;
      if (!q.after.IsZero() && (q.desc ? !(id < q.after) : !(q.after < id))) continue;
      out.push_back(user);
    }
  }
  std::sort(out.begin(), out.end(), [&q](const core::User& a, const core::User& b) {
    return q.desc ? b.id < a.id : a.id < b.id;
  });
  if (out.size() > q.limit) out.resize(q.limit);
  done(std::move(out));
}

void MemoryStore::CountMatchingUsers(UserQuery q, Callback<int64_t> done) {
  int64_t n = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const auto email_identity = EmailIdentityLocked(q);
    for (const auto& [id, user] : users_) n += email_identity && Matches(user, q, *email_identity) ? 1 : 0;
  }
  done(n);
}

void MemoryStore::ListUserSessions(ObjectId user_id, int64_t now, size_t limit,
                                   Callback<std::vector<core::Session>> done) {
  std::vector<core::Session> out;
  bool found = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    found = users_.count(user_id) > 0;
    for (const auto& [id, session] : sessions_)
      if (session.user_id == user_id && session.expires_at > now) out.push_back(session);
  }
  if (!found) return done(Status::NotFound(ErrorCode::kUserNotFound, "user not found"));
  std::sort(out.begin(), out.end(), [](const core::Session& a, const core::Session& b) { return b.id < a.id; });
  if (out.size() > limit) out.resize(limit);
  done(std::move(out));
}

void MemoryStore::SetUserDisabled(ObjectId user_id, bool disabled, StatusCallback done) {
  Status result;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = users_.find(user_id);
    if (it == users_.end())
      result = Status::NotFound(ErrorCode::kUserNotFound, "user not found");
    else
      it->second.disabled = disabled;
  }
  done(result);
}

void MemoryStore::DeleteUserSessions(ObjectId user_id, Callback<int64_t> done) {
  int64_t n = 0;
  bool found = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    found = users_.count(user_id) > 0;
    n = static_cast<int64_t>(std::erase_if(sessions_, [&](const auto& kv) { return kv.second.user_id == user_id; }));
  }
  if (!found) return done(Status::NotFound(ErrorCode::kUserNotFound, "user not found"));
  done(n);
}

// ---- Secrets ----

void MemoryStore::ListSecrets(ObjectId app_id, Callback<std::vector<core::Secret>> done) {
  std::vector<core::Secret> out;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [id, secret] : secrets_)
      if (secret.app_id == app_id) out.push_back(secret);
  }
  std::sort(out.begin(), out.end(), [](const core::Secret& a, const core::Secret& b) { return a.name < b.name; });
  done(std::move(out));
}

void MemoryStore::PutSecret(core::Secret secret, bool create, StatusCallback done) {
  Status result;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = secrets_.find(secret.id);
    if (!create && (it == secrets_.end() || it->second.app_id != secret.app_id)) {
      result = Status::NotFound(ErrorCode::kNotFound, "secret not found");
    } else {
      for (const auto& [id, other] : secrets_)
        if (id != secret.id && other.app_id == secret.app_id && other.name == secret.name)
          result = Status::AlreadyExists(ErrorCode::kInvalidParameter, "a secret named '" + secret.name + "' exists");
      if (result.ok() && create && it != secrets_.end())
        result = Status::AlreadyExists(ErrorCode::kInvalidParameter, "secret id already exists");
      if (result.ok()) {
        if (!create) secret.created_at = it->second.created_at;
        secrets_[secret.id] = std::move(secret);
        ++config_version_;
      }
    }
  }
  done(result);
}

void MemoryStore::DeleteSecret(ObjectId app_id, ObjectId secret_id, StatusCallback done) {
  Status result;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = secrets_.find(secret_id);
    if (it == secrets_.end() || it->second.app_id != app_id)
      result = Status::NotFound(ErrorCode::kNotFound, "secret not found");
    else {
      secrets_.erase(it);
      ++config_version_;
    }
  }
  done(result);
}

void MemoryStore::ListSigningKeys(Callback<std::vector<core::StoredSigningKey>> done) {
  std::vector<core::StoredSigningKey> out;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [kid, key] : signing_keys_) out.push_back(key);
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.active_from != b.active_from ? a.active_from < b.active_from : a.kid < b.kid;
  });
  done(std::move(out));
}

void MemoryStore::AddSigningKey(core::StoredSigningKey key, StatusCallback done) {
  Status result;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (signing_keys_.contains(key.kid)) {
      result = Status::AlreadyExists(ErrorCode::kInvalidParameter, "a signing key with id " + key.kid + " exists");
    } else {
      std::string kid = key.kid;
      signing_keys_.emplace(std::move(kid), std::move(key));
      ++config_version_;
    }
  }
  done(result);
}

void MemoryStore::DeleteSigningKey(std::string kid, StatusCallback done) {
  Status result;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (signing_keys_.erase(kid) == 0)
      result = Status::NotFound(ErrorCode::kNotFound, "no signing key with id " + kid);
    else
      ++config_version_;
  }
  done(result);
}

void MemoryStore::ConfigVersion(Callback<int64_t> done) {
  int64_t version;
  {
    std::lock_guard<std::mutex> lock(mu_);
    version = config_version_;
  }
  done(version);
}

// ---- The apps' logs ----

void MemoryStore::AppendLogEvents(std::vector<core::LogEvent> events, StatusCallback done) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& e : events) log_events_.push_back(std::move(e));
  }
  done(Status::Ok());
}

void MemoryStore::ListLogEvents(LogQuery q, Callback<std::vector<core::LogEvent>> done) {
  std::vector<core::LogEvent> out;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& e : log_events_) {
      if (e.app_id != q.app_id || e.at_ms <= q.start_ms || e.at_ms > q.end_ms) continue;
      if (q.error && e.error != *q.error) continue;
      if (!q.user_id.IsZero() && e.user_id != q.user_id) continue;
      if (!q.types.empty() && std::find(q.types.begin(), q.types.end(), e.type) == q.types.end()) continue;
      out.push_back(e);
    }
  }
  std::sort(out.begin(), out.end(), [](const core::LogEvent& a, const core::LogEvent& b) {
    return a.at_ms != b.at_ms ? a.at_ms > b.at_ms : b.id < a.id;
  });
  out.erase(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(std::min(q.skip, out.size())));
  if (out.size() > q.limit) out.resize(q.limit);
  done(std::move(out));
}

void MemoryStore::PurgeLogEvents(int64_t before_ms, size_t limit, Callback<int64_t> done) {
  int64_t n = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = log_events_.begin(); it != log_events_.end() && static_cast<size_t>(n) < limit;) {
      if (it->at_ms < before_ms) {
        it = log_events_.erase(it);
        ++n;
      } else {
        ++it;
      }
    }
  }
  done(n);
}

}  // namespace guestpass::store::memory
