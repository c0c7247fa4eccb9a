// store.h: the persistence contract for apps, users, identities and sessions.
// Back ends: memory/ (tests, dev), sqlite/ (embedded default), and later
// PostgreSQL. No back-end types appear here; store_contract_test.h is the
// behaviour every back end must pass.
//
// DESIGN: every operation is asynchronous. The callback receives the result
// exactly once, on any thread, possibly before the call returns (an inline
// read). A write's callback runs only after the write is durable, so callers
// acknowledge nothing that a crash could lose. Back ends may batch writes from
// many callers into one durable commit (group commit).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/model.h"
#include "core/object_id.h"
#include "core/status.h"
#include "metrics/metrics.h"

namespace guestpass::store {

using StatusCallback = std::function<void(core::Status)>;
template <typename T>
using Callback = std::function<void(core::Result<T>)>;

struct SessionWithUser {
  core::Session session;
  core::User user;
};

// Why LinkIdentity refused: the identity is already somebody's.
inline constexpr std::string_view kLinkedToThisUser = "the identity is already linked to this user";
inline constexpr std::string_view kLinkedToAnotherUser = "the identity is already linked to another user";

struct DeleteSessionOutcome {
  core::ObjectId user_id;
  bool user_deleted = false;  // the session's user was anonymous and is gone
};

class Store {
 public:
  virtual ~Store() = default;

  // ---- Apps (start-up and admin paths) ----
  // All apps with their providers, ordered by creation.
  virtual void ListApps(Callback<std::vector<core::App>> done) = 0;
  // Inserts the app or replaces the one with the same id.
  // AlreadyExists if another app has the same client_app_id. Providers keep
  // their secret_config (names); a resolved_config_json (secret values) is
  // never kept, here or by Deploy and PutDraft.
  virtual void PutApp(core::App app, StatusCallback done) = 0;
  // Deletes the app with its users (as DeleteUser does), sessions, API keys,
  // email/password accounts and tokens, secrets, draft and deployments, and records
  // `why` as an audit event, atomically. NotFound if there is no such app.
  virtual void DeleteApp(core::ObjectId app_id, core::Deletion why, StatusCallback done) = 0;

  // ---- The apps' logs ----
  // Appends the events (of any apps) in one write. REQUIRES: each event's
  // id is fresh and its at_ms lies in its id's second (admin::EventLog makes
  // them so): stores may find events by their ids' times.
  virtual void AppendLogEvents(std::vector<core::LogEvent> events, StatusCallback done) = 0;
  struct LogQuery {
    core::ObjectId app_id;
    std::vector<std::string> types;    // any of these; empty: every type
    std::optional<bool> error;         // only errors (true) or only non-errors (false)
    core::ObjectId user_id;            // zero: any user
    int64_t start_ms = 0;              // at_ms > start_ms
    int64_t end_ms = INT64_MAX;        // at_ms <= end_ms
    size_t skip = 0;                   // of the newest matching ones
    size_t limit = 100;
  };
  // The query's events, newest first.
  virtual void ListLogEvents(LogQuery query, Callback<std::vector<core::LogEvent>> done) = 0;
  // Deletes events (of every app) recorded before `before_ms`, at most
  // `limit` in one write; returns how many went.
  virtual void PurgeLogEvents(int64_t before_ms, size_t limit, Callback<int64_t> done) = 0;

  // ---- Secrets ----
  // The app's secrets in name order.
  virtual void ListSecrets(core::ObjectId app_id, Callback<std::vector<core::Secret>> done) = 0;
  // With `create`, adds the secret: AlreadyExists when the app has one of
  // that name. Without, replaces name, value and updated_at of the app's
  // secret with that id: NotFound if there is none, AlreadyExists when
  // another of its secrets has the new name.
  virtual void PutSecret(core::Secret secret, bool create, StatusCallback done) = 0;
  // NotFound unless the app has that secret.
  virtual void DeleteSecret(core::ObjectId app_id, core::ObjectId secret_id, StatusCallback done) = 0;

  // ---- Configuration changes: drafts and deployments ----
  // Records `deployment` and, when it succeeded, makes `app` the deployed
  // configuration (as PutApp; AlreadyExists when its client_app_id is
  // another app's) and deletes the app's draft `close_draft` (zero: none),
  // atomically. NotFound when `close_draft` is not the app's draft.
  virtual void Deploy(core::App app, core::Deployment deployment, core::ObjectId close_draft,
                      StatusCallback done) = 0;
  // The app's deployments, newest first, at most `limit`.
  virtual void ListDeployments(core::ObjectId app_id, size_t limit, Callback<std::vector<core::Deployment>> done) = 0;
  // NotFound unless the app has that deployment.
  virtual void GetDeployment(core::ObjectId app_id, core::ObjectId deployment_id,
                             Callback<core::Deployment> done) = 0;
  // With `create`, adds the app's draft: AlreadyExists if the app has one.
  // Without, replaces the app's draft of the same id: NotFound if there is
  // none (it was deployed or discarded meanwhile).
  virtual void PutDraft(core::Draft draft, bool create, StatusCallback done) = 0;
  // The app's draft, or nullopt.
  virtual void GetDraft(core::ObjectId app_id, Callback<std::optional<core::Draft>> done) = 0;
  // Discards the app's draft. NotFound unless it has that one.
  virtual void DeleteDraft(core::ObjectId app_id, core::ObjectId draft_id, StatusCallback done) = 0;

  // ---- Shared by every server on this store ----
  // The token signing keys, oldest first (by active_from, then kid).
  virtual void ListSigningKeys(Callback<std::vector<core::StoredSigningKey>> done) = 0;
  // Adds a key. AlreadyExists when its kid is taken.
  virtual void AddSigningKey(core::StoredSigningKey key, StatusCallback done) = 0;
  // Deletes the key: tokens it signed stop verifying. NotFound if none.
  virtual void DeleteSigningKey(std::string kid, StatusCallback done) = 0;
  // A number that changes with every committed change of what servers load
  // from the store and serve from memory: apps (their deployed
  // configuration), secrets and signing keys. Servers poll it to pick up
  // another server's or a tool's changes without a restart.
  virtual void ConfigVersion(Callback<int64_t> done) = 0;

  // ---- Operations ----
  // OK when the store answers a read now (GET /readyz); its error otherwise.
  virtual void Ping(StatusCallback done) = 0;
  // What /metrics shows of the back end's writes; empty where it keeps none.
  struct WriteStats {
    uint64_t batches = 0;  // transactions committed
    uint64_t writes = 0;   // writes in them
    uint64_t queued = 0;   // writes waiting now
    std::optional<metrics::Histogram::Snapshot> batch_sizes;     // writes per transaction
    std::optional<metrics::Histogram::Snapshot> commit_seconds;  // time to commit a transaction
  };
  virtual WriteStats Stats() const { return {}; }

  // ---- Users and sessions (hot paths) ----
  // Inserts a new user with its identities and its first session, atomically.
  // AlreadyExists if the user id is taken or a non-anonymous identity already
  // belongs to a user of the same app. Session ids must be new (callers make
  // fresh ObjectIds): stores key sessions by (user, id) and need not notice
  // a session id that another user's session already has. When the user is
  // anonymous and `anonymous_cap` > 0, PermissionDenied(AuthError)
  // if the app already has that many anonymous users (checked atomically).
  virtual void CreateUserWithSession(core::User user, core::Session session, int64_t anonymous_cap,
                                     StatusCallback done) = 0;

  // Adds a session for an existing user and records the user's activity at
  // session.created_at. NotFound(UserNotFound) if the user is gone.
  virtual void CreateSession(core::Session session, StatusCallback done) = 0;

  // Records activity: last_active_at becomes max(last_active_at, at).
  // NotFound(UserNotFound) if the user is gone.
  virtual void RecordActivity(core::ObjectId user_id, int64_t at, StatusCallback done) = 0;

  // The user of the app that has this (non-anonymous) identity. NotFound if none.
  virtual void FindUserByIdentity(core::ObjectId app_id, std::string provider_type, std::string identity_id,
                                  Callback<core::User> done) = 0;

  // Appends `identity` to the user's identities and merges the top-level keys
  // of `data_json` (a JSON object) into the user's data, atomically.
  // AlreadyExists with message kLinkedToThisUser or kLinkedToAnotherUser when
  // the identity already belongs to a user of the same app (of two concurrent
  // links of one identity exactly one wins); NotFound if the user is gone.
  virtual void LinkIdentity(core::ObjectId user_id, core::Identity identity, std::string data_json,
                            StatusCallback done) = 0;

  // ---- API keys ----
  // AlreadyExists if the owner has a key of that name; InvalidArgument when
  // the owner already has core::kMaxApiKeysPerUser keys.
  virtual void CreateApiKey(core::ApiKey key, StatusCallback done) = 0;
  // The key; NotFound if absent.
  virtual void GetApiKey(core::ObjectId key_id, Callback<core::ApiKey> done) = 0;
  // The owner's keys in creation order.
  virtual void ListApiKeys(core::ObjectId user_id, Callback<std::vector<core::ApiKey>> done) = 0;
  // NotFound unless the key exists and belongs to `user_id`.
  virtual void SetApiKeyDisabled(core::ObjectId key_id, core::ObjectId user_id, bool disabled, StatusCallback done) = 0;
  // Deletes the key and its api-key identity, if linked. NotFound unless the
  // key exists and belongs to `user_id`.
  virtual void DeleteApiKey(core::ObjectId key_id, core::ObjectId user_id, StatusCallback done) = 0;

  // ---- Users made by administrators (they have no session yet) ----
  // What a user made by an administrator logs in with, written with it.
  struct NewUserLogin {
    // A confirmed email/password account; its id is the user's
    // local-userpass identity id.
    std::optional<core::UserpassAccount> account;
    // A server API key: its id is the user's id (that is what makes it a
    // server key), its owner (user_id) the user, and the user's api-key
    // identity id is the key id.
    std::optional<core::ApiKey> server_key;

    static NewUserLogin Account(core::UserpassAccount account) { return {std::move(account), std::nullopt}; }
    static NewUserLogin ServerKey(core::ApiKey key) { return {std::nullopt, std::move(key)}; }
  };
  // Inserts `user` with its identities and its login, atomically.
  // AlreadyExists(AccountNameInUse) if the app has an account with that
  // email (an expired pending registration is replaced, as
  // CreateUserpassAccount does); AlreadyExists(APIKeyAlreadyExists) if the
  // app has a server key of that name; InvalidArgument when the app already
  // has core::kMaxServerApiKeysPerApp server keys; AlreadyExists if the user
  // id or a non-anonymous identity is taken.
  virtual void CreateUser(core::User user, NewUserLogin login, int64_t now, StatusCallback done) = 0;
  // The app's server API keys (keys whose id is their owner's), in id order.
  virtual void ListServerApiKeys(core::ObjectId app_id, Callback<std::vector<core::ApiKey>> done) = 0;

  // ---- Email/password accounts ----
  // Registers `account` with its confirmation token, if any. AlreadyExists
  // (AccountNameInUse) if the app has an account with that email, unless that
  // one is unconfirmed and has no token valid at `now` (an expired pending
  // registration): then it is replaced.
  virtual void CreateUserpassAccount(core::UserpassAccount account, std::optional<core::UserpassToken> confirm,
                                     int64_t now, StatusCallback done) = 0;
  // The app's account with that (normalised) email. NotFound(UserNotFound).
  virtual void GetUserpassAccount(core::ObjectId app_id, std::string email, Callback<core::UserpassAccount> done) = 0;
  // Stores `token`, replacing the account's other tokens of the same purpose.
  // NotFound(UserNotFound) if the account is gone.
  virtual void PutUserpassToken(core::UserpassToken token, StatusCallback done) = 0;
  // Consumes a token atomically: it must exist with that hash and purpose and
  // be valid at `now`, else NotFound(UserpassTokenInvalid). A confirm token
  // marks the account confirmed; a reset token sets its password hash to
  // `new_password_hash`, or to the token's pending hash when that is empty.
  // Returns the account as it is afterwards.
  virtual void UseUserpassToken(core::ObjectId token_id, core::SecretHash token_hash,
                                core::UserpassTokenPurpose purpose, std::string new_password_hash, int64_t now,
                                Callback<core::UserpassAccount> done) = 0;

  // Pending registrations: the app's accounts that no user has yet (not
  // confirmed, or confirmed but never logged in), id order, keyset paging:
  // strictly after `after` (zero: from the start), at most `limit`.
  virtual void ListPendingUserpassAccounts(core::ObjectId app_id, core::ObjectId after, size_t limit,
                                           Callback<std::vector<core::UserpassAccount>> done) = 0;
  // Marks the account confirmed and drops its confirmation tokens.
  // NotFound(UserNotFound) if the account is gone.
  virtual void ConfirmUserpassAccount(core::ObjectId account_id, StatusCallback done) = 0;
  // Deletes a pending registration (the account and its tokens).
  // NotFound(UserNotFound) if absent; InvalidArgument(InvalidParameter)
  // once a user has the account's identity (delete that user instead).
  virtual void DeletePendingUserpassAccount(core::ObjectId account_id, StatusCallback done) = 0;

  // The session of that user and its user. NotFound if either is gone (or
  // the session belongs to another user). Sessions are keyed by their user:
  // both tokens carry the user id beside the session id.
  virtual void GetSessionWithUser(core::ObjectId user_id, core::ObjectId session_id, Callback<SessionWithUser> done) = 0;

  // The user. NotFound if absent.
  virtual void GetUser(core::ObjectId user_id, Callback<core::User> done) = 0;

  // Deletes the session. When `delete_user_if_anonymous` and the session's
  // user is anonymous (core::User::IsAnonymous) at that moment, deletes the
  // user with everything DeleteUser deletes and records `why`, atomically.
  // NotFound if the user has no such session.
  virtual void DeleteSession(core::ObjectId user_id, core::ObjectId session_id, bool delete_user_if_anonymous,
                             core::Deletion why, Callback<DeleteSessionOutcome> done) = 0;

  // Deletes the user, its identities, its API keys, the email/password
  // accounts of its identities and all its sessions, and records `why` as an
  // audit event, atomically. NotFound if the user does not exist.
  virtual void DeleteUser(core::ObjectId user_id, core::Deletion why, StatusCallback done) = 0;

  // ---- Users, as administrators see them ----
  // Users by what their identities are: any; anonymous (every identity an
  // anon-user one: core::User::IsAnonymous); linked (an anon-user identity
  // and at least one of another type).
  enum class Anonymity { kAny, kAnonymous, kLinked };
  // A page of an app's users in id order (keyset paging: never an offset).
  struct UserQuery {
    core::ObjectId app_id;
    core::ObjectId after;  // zero: from the start; else strictly after (before, with `desc`) this id
    bool desc = false;
    size_t limit = 50;
    std::optional<bool> disabled;             // only enabled (false) or disabled (true) users
    std::vector<std::string> provider_types;  // only users with an identity of one of these types
    Anonymity anonymity = Anonymity::kAny;
    // Non-empty: only the user whose local-userpass identity is the app's
    // email/password account with exactly this email (REQUIRES: normalised
    // as sign-up does, local_userpass::NormalizeEmail). At most one user.
    std::string email;
  };
  virtual void ListUsers(UserQuery query, Callback<std::vector<core::User>> done) = 0;
  // How many users the query's filters match (after, desc and limit ignored).
  virtual void CountMatchingUsers(UserQuery query, Callback<int64_t> done) = 0;
  // Disables or enables the user: a disabled user's tokens are refused at
  // once and it cannot log in. NotFound(UserNotFound).
  virtual void SetUserDisabled(core::ObjectId user_id, bool disabled, StatusCallback done) = 0;
  // The user's sessions that are live at `now` (expires_at > now), newest
  // first, at most `limit`: what an administrator sees as its devices.
  // NotFound(UserNotFound) if the user does not exist.
  virtual void ListUserSessions(core::ObjectId user_id, int64_t now, size_t limit,
                                Callback<std::vector<core::Session>> done) = 0;
  // Ends every session of the user (logout everywhere); returns how many.
  // NotFound(UserNotFound) if the user does not exist.
  virtual void DeleteUserSessions(core::ObjectId user_id, Callback<int64_t> done) = 0;

  // Number of users of the app (operations and tests).
  virtual void CountUsers(core::ObjectId app_id, Callback<int64_t> done) = 0;
  // Number of anonymous users of the app (kept as a counter: cheap).
  virtual void CountAnonymousUsers(core::ObjectId app_id, Callback<int64_t> done) = 0;

  // ---- Anonymous-user lifecycle ----
  // Up to `limit` anonymous users of the app whose last_active_at is before
  // `cutoff`, least recently active first (identities included).
  virtual void ListInactiveAnonymousUsers(core::ObjectId app_id, int64_t cutoff, size_t limit,
                                          Callback<std::vector<core::User>> done) = 0;
  // Deletes up to `limit` of the users ListInactiveAnonymousUsers would
  // return, each as DeleteUser does with an audit event from `why`, in one
  // atomic write. Returns the ids deleted (fewer than `limit`: none are left).
  virtual void DeleteInactiveAnonymousUsers(core::ObjectId app_id, int64_t cutoff, size_t limit, core::Deletion why,
                                            Callback<std::vector<core::ObjectId>> done) = 0;

  // ---- Expired sessions ----
  // A session's place in the store's order: by user, then by session id.
  struct SessionKey {
    core::ObjectId user_id;
    core::ObjectId session_id;
    auto operator<=>(const SessionKey&) const = default;  // user, then session
  };
  // Looks at the next `scan_limit` sessions after `after` in that order and
  // deletes those that expired before `now`, in one write. `next` is the
  // last session looked at (pass it as `after` to go on; zero ids: from the
  // start); `done` when no session is left after it. A full pass reads every
  // session once.
  struct PurgeProgress {
    SessionKey next;
    int64_t deleted = 0;
    bool done = false;
  };
  virtual void PurgeExpiredSessions(SessionKey after, size_t scan_limit, int64_t now, Callback<PurgeProgress> done) = 0;

  // ---- Audit events ----
  // The app's events with seq > `after_seq`, oldest first, at most `limit`.
  virtual void ListAuditEvents(core::ObjectId app_id, int64_t after_seq, size_t limit,
                               Callback<std::vector<core::AuditEvent>> done) = 0;
  // The retention of the audit log: deletes the oldest events (of every app),
  // in seq order, while they were recorded before `before` (Unix seconds),
  // at most `limit` in one write; returns how many went. It stops at the
  // first event recorded at or after `before`, so an event recorded out of
  // time order (the clock stepped back) waits for the ones before it, and a
  // call reads at most `limit` + 1 events whatever the log's size. Fewer
  // than `limit`: none is left to purge.
  virtual void PurgeAuditEvents(int64_t before, size_t limit, Callback<int64_t> done) = 0;

  // ---- Background jobs: one run at a time across every server on the store ----
  // Claims the named job for `holder` until `now + lease_seconds` when it is
  // due (its next run time has come) and no other holder's lease is live, or
  // renews `holder`'s own live lease. Returns whether `holder` holds it now.
  virtual void ClaimJob(std::string name, std::string holder, int64_t now, int64_t lease_seconds,
                        Callback<bool> done) = 0;
  // Ends `holder`'s run: releases the lease and makes the job due again at
  // `next_run_at`. NotFound if `holder` does not hold the job.
  virtual void FinishJob(std::string name, std::string holder, int64_t next_run_at, StatusCallback done) = 0;
};

}  // namespace guestpass::store
