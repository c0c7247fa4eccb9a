// seed_main.cc: guestpass-seed, a benchmark tool (bench/run.sh --seeded) that
// bulk-inserts anonymous users into a data directory's SQLite store, or a
// PostgreSQL database (--database), without going through HTTP. Each user gets one anon-user identity and one session,
// the same records auth::AuthService (src/auth/auth_service.cc) writes for an
// anonymous login with the device info the benchmark's login body sends; the
// refresh secrets are random and thrown away, so nobody can log in as them.
//
// usage: guestpass-seed --data-dir DIR [--database URL] --users N [--in-flight K] [--idle-days D]
//
// --idle-days D makes the users' creation and last activity D days old (the
// inactivity job's workload: bench workload (6), the 100k deletion test).
//
// Opens the store with store::OpenStore (creating DIR, guestpass.db or the
// database's schema, and the default app as `guestpass serve` would if there is none), takes the first
// app, and keeps K writes in flight through the store's group-commit writer.
// Prints the rate.
#include <sys/stat.h>

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <vector>

#include "app/bootstrap.h"
#include "auth/providers/anon_user/anon_user_provider.h"
#include "core/clock.h"
#include "core/model.h"
#include "core/object_id.h"
#include "core/random.h"
#include "crypto/digest.h"
#include "crypto/encoding.h"
#include "crypto/os_random.h"
#include "store/open.h"
#include "store/sync.h"

namespace {

using namespace guestpass;  // NOLINT: a small tool

// options.device as the benchmark's login body sends it, as ReadDevice in
// http/handlers/login.cc keeps it (nlohmann::json dump, keys sorted).
constexpr const char* kDeviceJson = R"({"platform":"node","platformVersion":"20","sdkVersion":"2.0.1"})";

int Usage() {
  std::fprintf(stderr, "usage: guestpass-seed --data-dir DIR [--database URL] --users N [--in-flight K] [--idle-days D]\n");
  return 2;
}

// Limits the number of writes in flight.
class Window {
 public:
  explicit Window(int64_t limit) : limit_(limit) {}
  void Acquire() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return outstanding_ < limit_; });
    ++outstanding_;
  }
  void Release() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      --outstanding_;
    }
    cv_.notify_all();
  }
  void WaitAll() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return outstanding_ == 0; });
  }

 private:
  const int64_t limit_;
  std::mutex mu_;
  std::condition_variable cv_;
  int64_t outstanding_ = 0;  // guarded by mu_
};

}  // namespace

int main(int argc, char** argv) {
  std::string data_dir;
  std::string database;
  int64_t users = -1;
  int64_t in_flight = 10000;
  int64_t idle_days = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i + 1 >= argc) return Usage();
    const std::string value = argv[++i];
    if (arg == "--data-dir") {
      data_dir = value;
    } else if (arg == "--database") {
      database = value;
    } else if (arg == "--users") {
      users = std::atoll(value.c_str());
    } else if (arg == "--in-flight") {
      in_flight = std::atoll(value.c_str());
    } else if (arg == "--idle-days") {
      idle_days = std::atoll(value.c_str());
    } else {
      return Usage();
    }
  }
  if (data_dir.empty() || users < 0 || in_flight < 1 || idle_days < 0) return Usage();

  ::umask(077);  // as guestpass serve: the database is readable by its owner only

  core::SystemClock clock;
  crypto::OsRandom random;
  core::ObjectIdGenerator ids(clock, random);

  store::StoreLocation location = store::ToolStoreLocation(data_dir, database);
  auto opened = store::OpenStore(location);  // creates the data dir (0700) as guestpass serve does
  if (!opened.ok()) {
    std::fprintf(stderr, "guestpass-seed: %s\n", opened.status().message().c_str());
    return 1;
  }
  store::Store& store = **opened;

  // The first app, created as `guestpass serve` would on an empty store.
  auth::AppRegistry registry;
  auth::AnonUserProvider anon_user(ids, random);
  const auth::ProviderRegistry providers{&anon_user};
  admin::ConfigService config(store, registry, providers, clock, ids, random);
  core::Status loaded = config.Reload();
  auto report = loaded.ok() ? app::ImportApps(config, {}) : core::Result<app::ImportReport>(loaded);
  if (!report.ok() || config.Apps().empty()) {
    std::fprintf(stderr, "guestpass-seed: no app: %s\n", report.ok() ? "" : report.status().message().c_str());
    return 1;
  }
  const core::App app = config.Apps().front();
  const core::ProviderConfig* provider = app.FindProvider(core::kAnonUser);
  if (provider == nullptr) {
    std::fprintf(stderr, "guestpass-seed: app %s has no anon-user provider\n", app.client_app_id.c_str());
    return 1;
  }

  Window window(in_flight);
  std::atomic<int64_t> done{0};
  std::atomic<int64_t> failed{0};
  std::mutex error_mu;
  std::string first_error;  // guarded by error_mu

  const auto start = std::chrono::steady_clock::now();
  auto last_report = start;
  int64_t issued = 0;
  for (; issued < users && failed.load(std::memory_order_relaxed) == 0; ++issued) {
    // The records of an anonymous login (auth/auth_service.cc).
    const int64_t now = clock.NowSeconds() - idle_days * 86400;
    core::User user;
    user.id = ids.Next();
    user.app_id = app.id;
    user.created_at = now;
    user.last_active_at = now;
    user.identities.push_back(core::Identity{ids.Next().ToHex() + "-" + core::RandomLowercase(random, 24),
                                             std::string(core::kAnonUser), provider->id});
    std::array<uint8_t, 32> secret_bytes;
    random.Fill(secret_bytes);
    core::Session session;
    session.id = ids.Next();
    session.user_id = user.id;
    session.secret_hash = crypto::Sha256(crypto::Base64UrlEncode(secret_bytes));
    session.created_at = now;
    session.expires_at = now + app.settings.refresh_token_ttl_seconds;
    session.device_id = ids.Next();
    session.device_json = kDeviceJson;

    window.Acquire();
    store.CreateUserWithSession(std::move(user), std::move(session), /*anonymous_cap=*/0, [&](core::Status s) {
      if (s.ok()) {
        done.fetch_add(1, std::memory_order_relaxed);
      } else if (failed.fetch_add(1, std::memory_order_relaxed) == 0) {
        std::lock_guard<std::mutex> lock(error_mu);
        first_error = s.ToString();
      }
      window.Release();
    });

    const auto t = std::chrono::steady_clock::now();
    if (t - last_report >= std::chrono::seconds(5)) {
      last_report = t;
      const double secs = std::chrono::duration<double>(t - start).count();
      const int64_t n = done.load(std::memory_order_relaxed);
      std::fprintf(stderr, "guestpass-seed: %lld users in %.1f s (%.0f users/s)\n", static_cast<long long>(n), secs,
                   n / secs);
    }
  }
  window.WaitAll();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  opened->reset();  // drains the writer and checkpoints the WAL

  if (failed.load() > 0) {
    std::fprintf(stderr, "guestpass-seed: %lld writes failed; first: %s\n", static_cast<long long>(failed.load()),
                 first_error.c_str());
    return 1;
  }
  const int64_t n = done.load();
  std::printf("guestpass-seed: app id=%s seeded %lld users in %.2f s (%.0f users/s)\n", app.client_app_id.c_str(),
              static_cast<long long>(n), secs, secs > 0 ? n / secs : 0.0);
  return 0;
}
