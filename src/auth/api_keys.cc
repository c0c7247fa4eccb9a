// api_keys.cc: AuthService's user API key use cases (client-api.md section
// 12): create (the key is shown once), list, get, enable, disable, delete,
// all authorised by the owner's refresh token.
#include "auth/auth_service.h"
#include "auth/providers/api_key/api_key_provider.h"
#include "crypto/digest.h"

namespace guestpass::auth {

using core::ErrorCode;
using core::ObjectId;
using core::Status;


void AuthService::CreateApiKey(std::string_view refresh_token, std::string name, store::Callback<ApiKeyView> done) {
  if (Status s = ValidateApiKeyName(name); !s.ok()) return done(s);
  AuthenticateRefresh(refresh_token, [this, name, done = std::move(done)](core::Result<store::SessionWithUser> sw) {
    if (!sw.ok()) return done(sw.status());
    auto app = apps_.FindById(sw->user.app_id);
    const core::ProviderConfig* provider = app ? app->FindProvider(core::kApiKey) : nullptr;
    if (provider == nullptr || provider->disabled) {
      return done(Status::PermissionDenied(ErrorCode::kAuthProviderNotFound,
                                           "the api-key provider is not enabled for this app"));
    }
    ApiKeyView view;
    view.record.id = ids_.Next();
    view.record.app_id = sw->user.app_id;
    view.record.user_id = sw->user.id;
    view.record.name = name;
    view.record.created_at = clock_.NowSeconds();
    view.key = MakeApiKeySecret(view.record.id, random_);
    view.record.key_hash = crypto::Sha256(view.key);
    core::ApiKey record = view.record;
    store_.CreateApiKey(std::move(record), [view = std::move(view), done](Status s) mutable {
      if (!s.ok()) return done(s);
      done(std::move(view));
    });
  });
}

void AuthService::ListApiKeys(std::string_view refresh_token, store::Callback<std::vector<ApiKeyView>> done) {
  AuthenticateRefresh(refresh_token, [this, done = std::move(done)](core::Result<store::SessionWithUser> sw) {
    if (!sw.ok()) return done(sw.status());
    store_.ListApiKeys(sw->user.id, [done](core::Result<std::vector<core::ApiKey>> keys) {
      if (!keys.ok()) return done(keys.status());
      std::vector<ApiKeyView> out;
      for (auto& k : *keys) out.push_back({std::move(k), ""});
      done(std::move(out));
    });
  });
}

void AuthService::GetApiKey(std::string_view refresh_token, ObjectId key_id, store::Callback<ApiKeyView> done) {
  AuthenticateRefresh(refresh_token, [this, key_id, done = std::move(done)](core::Result<store::SessionWithUser> sw) {
    if (!sw.ok()) return done(sw.status());
    const ObjectId user_id = sw->user.id;
    store_.GetApiKey(key_id, [user_id, done](core::Result<core::ApiKey> key) {
      if (!key.ok()) return done(key.status());
      // Another user's key is reported exactly like a missing one.
      if (key->user_id != user_id) return done(Status::NotFound(ErrorCode::kAPIKeyNotFound, "API key not found"));
      done(ApiKeyView{std::move(*key), ""});
    });
  });
}

void AuthService::SetApiKeyDisabled(std::string_view refresh_token, ObjectId key_id, bool disabled,
                                    store::Callback<ObjectId> done) {
  AuthenticateRefresh(refresh_token,
                      [this, key_id, disabled, done = std::move(done)](core::Result<store::SessionWithUser> sw) {
                        if (!sw.ok()) return done(sw.status());
                        store_.SetApiKeyDisabled(key_id, sw->user.id, disabled, [key_id, done](Status s) {
                          if (!s.ok()) return done(s);
                          done(key_id);
                        });
                      });
}

void AuthService::DeleteApiKey(std::string_view refresh_token, ObjectId key_id, store::Callback<ObjectId> done) {
  AuthenticateRefresh(refresh_token, [this, key_id, done = std::move(done)](core::Result<store::SessionWithUser> sw) {
    if (!sw.ok()) return done(sw.status());
    store_.DeleteApiKey(key_id, sw->user.id, [key_id, done](Status s) {
      if (!s.ok()) return done(s);
      done(key_id);
    });
  });
}

}  // namespace guestpass::auth
