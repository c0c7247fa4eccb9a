// memory_store.h: an in-memory Store for tests and throwaway development
// servers. Nothing survives the process. Callbacks run inline.
#pragma once

#include <map>
#include <mutex>
#include <unordered_map>

#include "store/store.h"

namespace guestpass::store::memory {

class MemoryStore final : public Store {
 public:
  void ListApps(Callback<std::vector<core::App>> done) override;
  void PutApp(core::App app, StatusCallback done) override;
  void DeleteApp(core::ObjectId app_id, core::Deletion why, StatusCallback done) override;
  void AppendLogEvents(std::vector<core::LogEvent> events, StatusCallback done) override;
  void ListLogEvents(LogQuery query, Callback<std::vector<core::LogEvent>> done) override;
  void PurgeLogEvents(int64_t before_ms, size_t limit, Callback<int64_t> done) override;
  void ListSecrets(core::ObjectId app_id, Callback<std::vector<core::Secret>> done) override;
  void PutSecret(core::Secret secret, bool create, StatusCallback done) override;
  void DeleteSecret(core::ObjectId app_id, core::ObjectId secret_id, StatusCallback done) override;
  void ListSigningKeys(Callback<std::vector<core::StoredSigningKey>> done) override;
  void AddSigningKey(core::StoredSigningKey key, StatusCallback done) override;
  void DeleteSigningKey(std::string kid, StatusCallback done) override;
  void ConfigVersion(Callback<int64_t> done) override;
  void Deploy(core::App app, core::Deployment deployment, core::ObjectId close_draft, StatusCallback done) override;
  void ListDeployments(core::ObjectId app_id, size_t limit, Callback<std::vector<core::Deployment>> done) override;
  void GetDeployment(core::ObjectId app_id, core::ObjectId deployment_id, Callback<core::Deployment> done) override;
  void PutDraft(core::Draft draft, bool create, StatusCallback done) override;
  void GetDraft(core::ObjectId app_id, Callback<std::optional<core::Draft>> done) override;
  void DeleteDraft(core::ObjectId app_id, core::ObjectId draft_id, StatusCallback done) override;
  void Ping(StatusCallback done) override { done(core::Status::Ok()); }
  void CreateUserWithSession(core::User user, core::Session session, int64_t anonymous_cap,
                             StatusCallback done) override;
  void CreateSession(core::Session session, StatusCallback done) override;
  void RecordActivity(core::ObjectId user_id, int64_t at, StatusCallback done) override;
  void FindUserByIdentity(core::ObjectId app_id, std::string provider_type, std::string identity_id,
                          Callback<core::User> done) override;
  void LinkIdentity(core::ObjectId user_id, core::Identity identity, std::string data_json,
                    StatusCallback done) override;
  void CreateUser(core::User user, NewUserLogin login, int64_t now, StatusCallback done) override;
  void ListServerApiKeys(core::ObjectId app_id, Callback<std::vector<core::ApiKey>> done) override;
  void CreateApiKey(core::ApiKey key, StatusCallback done) override;
  void GetApiKey(core::ObjectId key_id, Callback<core::ApiKey> done) override;
  void ListApiKeys(core::ObjectId user_id, Callback<std::vector<core::ApiKey>> done) override;
  void SetApiKeyDisabled(core::ObjectId key_id, core::ObjectId user_id, bool disabled, StatusCallback done) override;
  void DeleteApiKey(core::ObjectId key_id, core::ObjectId user_id, StatusCallback done) override;
  void CreateUserpassAccount(core::UserpassAccount account, std::optional<core::UserpassToken> confirm, int64_t now,
                             StatusCallback done) override;
  void GetUserpassAccount(core::ObjectId app_id, std::string email, Callback<core::UserpassAccount> done) override;
  void PutUserpassToken(core::UserpassToken token, StatusCallback done) override;
  void UseUserpassToken(core::ObjectId token_id, core::SecretHash token_hash, core::UserpassTokenPurpose purpose,
                        std::string new_password_hash, int64_t now, Callback<core::UserpassAccount> done) override;
  void ListPendingUserpassAccounts(core::ObjectId app_id, core::ObjectId after, size_t limit,
                                   Callback<std::vector<core::UserpassAccount>> done) override;
  void ConfirmUserpassAccount(core::ObjectId account_id, StatusCallback done) override;
  void DeletePendingUserpassAccount(core::ObjectId account_id, StatusCallback done) override;
  void GetSessionWithUser(core::ObjectId user_id, core::ObjectId session_id, Callback<SessionWithUser> done) override;
  void GetUser(core::ObjectId user_id, Callback<core::User> done) override;
  void DeleteSession(core::ObjectId user_id, core::ObjectId session_id, bool delete_user_if_anonymous, core::Deletion why,
                     Callback<DeleteSessionOutcome> done) override;
  void DeleteUser(core::ObjectId user_id, core::Deletion why, StatusCallback done) override;
  void ListUsers(UserQuery query, Callback<std::vector<core::User>> done) override;
  void CountMatchingUsers(UserQuery query, Callback<int64_t> done) override;
  void SetUserDisabled(core::ObjectId user_id, bool disabled, StatusCallback done) override;
  void ListUserSessions(core::ObjectId user_id, int64_t now, size_t limit,
                        Callback<std::vector<core::Session>> done) override;
  void DeleteUserSessions(core::ObjectId user_id, Callback<int64_t> done) override;
  void CountUsers(core::ObjectId app_id, Callback<int64_t> done) override;
  void CountAnonymousUsers(core::ObjectId app_id, Callback<int64_t> done) override;
  void ListInactiveAnonymousUsers(core::ObjectId app_id, int64_t cutoff, size_t limit,
                                  Callback<std::vector<core::User>> done) override;
  void DeleteInactiveAnonymousUsers(core::ObjectId app_id, int64_t cutoff, size_t limit, core::Deletion why,
                                    Callback<std::vector<core::ObjectId>> done) override;
  void PurgeExpiredSessions(SessionKey after, size_t scan_limit, int64_t now, Callback<PurgeProgress> done) override;
  void ListAuditEvents(core::ObjectId app_id, int64_t after_seq, size_t limit,
                       Callback<std::vector<core::AuditEvent>> done) override;
  void PurgeAuditEvents(int64_t before, size_t limit, Callback<int64_t> done) override;
  void ClaimJob(std::string name, std::string holder, int64_t now, int64_t lease_seconds,
                Callback<bool> done) override;
  void FinishJob(std::string name, std::string holder, int64_t next_run_at, StatusCallback done) override;

 private:
  struct Job {
    std::string holder;
    int64_t lease_expires_at = 0;
    int64_t next_run_at = 0;
  };
  core::Status PutAppLocked(core::App app);
  void EraseUserLocked(const core::ObjectId& user_id, const core::Deletion& why);
  int64_t CountAnonymousLocked(const core::ObjectId& app_id) const;
  // AlreadyExists unless the user's id and non-anonymous identities are free.
  core::Status CheckNewUserLocked(const core::User& user) const;
  // AlreadyExists(AccountNameInUse) if the app has an account with that email;
  // an expired pending registration is removed.
  core::Status ClaimEmailLocked(const core::UserpassAccount& account, int64_t now);
  // Whether a user of the account's app has its local-userpass identity.
  bool AccountHasUserLocked(const core::UserpassAccount& account) const;
  // The identity id (account id in hex) of the query's email; "" without an
  // email filter; nullopt when the app has no account with that email.
  std::optional<std::string> EmailIdentityLocked(const UserQuery& q) const;
  std::vector<core::User> InactiveAnonymousLocked(const core::ObjectId& app_id, int64_t cutoff, size_t limit) const;
  // The user of the app holding that non-anonymous identity, or nullptr.
  core::User* FindByIdentityLocked(const core::ObjectId& app_id, const std::string& provider_type,
                                   const std::string& identity_id);

  std::mutex mu_;                             // guards everything below
  std::map<core::ObjectId, core::App> apps_;  // ordered: ids are time-ordered
  std::unordered_map<core::ObjectId, core::User> users_;
  std::unordered_map<core::ObjectId, core::Session> sessions_;
  std::map<core::ObjectId, core::ApiKey> api_keys_;  // ordered: ids are time-ordered
  std::unordered_map<core::ObjectId, core::UserpassAccount> userpass_accounts_;
  std::unordered_map<core::ObjectId, core::UserpassToken> userpass_tokens_;
  std::vector<core::AuditEvent> audit_events_;
  std::map<std::string, Job> jobs_;
  std::map<core::ObjectId, core::Draft> drafts_;  // by app id
  std::vector<core::Deployment> deployments_;     // oldest first
  std::map<core::ObjectId, core::Secret> secrets_;  // by id
  std::vector<core::LogEvent> log_events_;          // in append order
  std::map<std::string, core::StoredSigningKey> signing_keys_;  // by kid
  int64_t config_version_ = 0;  // bumped by every change of apps, secrets, signing keys
};

}  // namespace guestpass::store::memory
