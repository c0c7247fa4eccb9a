// main.cc: the guestpass command and composition root: the only place that
// knows every concrete type. `guestpass serve` wires store, keys, auth and
// HTTP together and runs until SIGINT/SIGTERM.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <thread>

#include "admin/admin_domain.h"
#include "admin/config_service.h"
#include "admin/event_log.h"
#include "admin/worker.h"
#include "app/admin_cli.h"
#include "app/allocator.h"
#include "app/limits.h"
#include "metrics/metrics.h"
#include "app/master_key.h"
#include "app/migrate_cli.h"
#include "app/bootstrap.h"
#include "app/users_cli.h"
#include "auth/app_registry.h"
#include "auth/auth_service.h"
#include "auth/lifecycle/inactivity_job.h"
#include "auth/providers/anon_user/anon_user_provider.h"
#include "auth/providers/api_key/api_key_provider.h"
#include "auth/providers/custom_token/custom_token_provider.h"
#include "auth/providers/local_userpass/userpass_service.h"
#include "auth/providers/provider_registry.h"
#include "cli/cli.h"
#include "config/app_dir.h"
#include "config/server_config.h"
#include "core/clock.h"
#include "crypto/os_random.h"
#include "crypto/password_hasher.h"
#include "crypto/secret_box.h"
#include "http/api.h"
#include "http/server.h"
#include "log/logger.h"
#include "store/open.h"
#include "token/key_ring.h"
#include "app/config_watcher.h"
#include "app/keys_cli.h"
#include "admin/signing_keys.h"
#include "token/token_service.h"

namespace {

using namespace guestpass;  // NOLINT: composition root

int Fail(const std::string& message) {
  std::fprintf(stderr, "guestpass: %s\n", message.c_str());
  return 1;
}

int Serve(const std::vector<std::string>& args) {
  auto parsed = config::ParseServeArgs(args, [](const char* name) { return std::getenv(name); });
  if (!parsed.ok()) {
    if (parsed.status().message() == "help") {
      std::cout << config::ServeHelp();
      return 0;
    }
    return Fail(parsed.status().message());
  }
  const config::ServerConfig cfg = *parsed;
  log::Level level;
  log::ParseLevel(cfg.log_level, &level);
  log::SetLevel(level);

  // App directories are validated before anything is written.
  std::vector<config::AppDefinition> definitions;
  for (const auto& dir : cfg.app_dirs) {
    auto def = config::LoadAppDir(dir);
    if (!def.ok()) return Fail("invalid app directory: " + def.status().message());
    definitions.push_back(std::move(*def));
  }

  ::umask(077);  // the database and keys are readable by the owner only
  store::StoreLocation location{cfg.data_dir};
  location.database = cfg.database;
  location.database_timeout = std::chrono::milliseconds(cfg.database_timeout_ms);
  location.database_pool = cfg.database_pool;

  core::OffsetClock clock(cfg.clock_offset_seconds);
  if (cfg.clock_offset_seconds != 0)
    log::Warn("the clock is offset for testing (GUESTPASS_TEST_CLOCK_OFFSET_SECONDS); never use this in production",
              {{"offset_seconds", std::to_string(cfg.clock_offset_seconds)}});
  crypto::OsRandom random;
  core::ObjectIdGenerator ids(clock, random);

  auto store = store::OpenStore(location);  // creates the data dir (0700)
  if (!store.ok()) return Fail(store.status().message());

  // One Provider per implemented provider type.
  auth::AnonUserProvider anon_user(ids, random);
  auth::ApiKeyProvider api_key(**store);
  auth::custom_token::JwkCache jwks;
  auth::custom_token::Verifier jwt_verifier(clock, jwks);
  auth::CustomTokenProvider custom_token(jwt_verifier);
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  crypto::PasswordHasher password_hasher(crypto::PasswordHashCost::Interactive(), cores);
  auth::local_userpass::Delivery delivery;
  auth::local_userpass::UserpassService userpass(**store, password_hasher, delivery, clock, ids, random);
  const auth::ProviderRegistry providers{&anon_user, &api_key, &custom_token, &userpass};

  // The master key that seals secrets: never in the database. Provider
  // configs name secrets, so it is needed before any configuration loads.
  bool created_key = false;
  auto master_key = app::LoadMasterKey({cfg.master_key_file, cfg.master_key, cfg.data_dir}, random, &created_key);
  if (master_key.ok() && created_key)
    log::Info(
        "created the master key that seals secrets; keep a copy apart from the database's backups, "
        "or give it with --master-key-file",
        {{"file", (std::filesystem::path(cfg.data_dir) / "master.key").string()}});
  if (!master_key.ok()) return Fail("master key: " + master_key.status().message());
  crypto::SecretBox secret_box(*master_key);
  admin::SecretAdmin secret_admin(**store, secret_box, clock, ids, random);
  // The token signing keys live in the store, sealed, shared by every server
  // on it (a plain-text signing_keys.json of an earlier version moves in).
  admin::SigningKeys signing_keys(**store, secret_box, clock, random);
  int imported_keys = 0;
  // --signing-alg only chooses the first key's algorithm: a store that has
  // keys keeps them (guestpass keys rotate --alg changes the algorithm).
  const auto first_alg = token::ParseSigningAlg(cfg.signing_alg);
  if (!first_alg) return Fail("--signing-alg: unsupported algorithm " + cfg.signing_alg);
  auto keys = signing_keys.LoadOrCreate(store::SigningKeysPath(location), &imported_keys, *first_alg);
  if (!keys.ok()) return Fail("signing keys: " + keys.status().message());
  if (const auto& signing = (*keys)->ActiveAt(clock.NowSeconds());
      *first_alg != token::SigningAlg::kHs256 && signing.alg != *first_alg)
    log::Warn("--signing-alg chooses the algorithm of a new store's first key only; this store signs with another "
              "(guestpass keys rotate --alg changes it)",
              {{"signing_alg", cfg.signing_alg},
               {"kid", signing.kid},
               {"alg", std::string(token::SigningAlgName(signing.alg))}});
  if (imported_keys > 0)
    log::Warn("moved the signing keys into the store, sealed with the master key; removed the plain-text file",
              {{"file", store::SigningKeysPath(location)}, {"keys", std::to_string(imported_keys)}});

  // Configuration is data: --app-dir imports through the path the Admin
  // API's push takes, and the registry holds the deployed snapshot, its
  // providers' secrets resolved (a secret named but missing stops the start).
  auth::AppRegistry registry;
  admin::ConfigService config(**store, registry, providers, clock, ids, random, &secret_admin);
  if (core::Status s = config.Reload(); !s.ok()) return Fail(s.message());
  // Configurations stored before secrets held key material inline: it moves
  // into secrets once, so no value stays in the database or an export.
  auto moved = config.MoveInlineSecretsOfStoredApps(admin::Actor{core::ObjectId(), "server", "migration"});
  if (!moved.ok()) return Fail(moved.status().message());
  for (const auto& line : *moved) log::Warn("moved a value given inline into a secret", {{"what", line}});
  auto report = app::ImportApps(config, definitions);
  if (!report.ok()) return Fail("invalid app directory: " + report.status().message());
  for (const auto& app : config.Apps()) {
    // A stored provider config that cannot work (a custom-token config that
    // can verify nothing, a secret it names missing) stops the start.
    if (core::Status s = config.Validate(app); !s.ok()) return Fail("app " + app.client_app_id + ": " + s.message());
    for (const auto& name : providers.Unimplemented(app))
      log::Warn("provider is configured but not implemented yet; its logins are refused",
                {{"app", app.client_app_id}, {"provider", name}});
  }
  for (const auto& id : report->created) log::Info("created app", {{"app", id}});
  for (const auto& id : report->deployed) log::Info("deployed app directory", {{"app", id}});
  for (const auto& line : report->inline_secrets)
    log::Warn(
        "an app directory gives a secret's value inline; it is kept as a secret: name that secret in the "
        "provider's secret_config instead",
        {{"what", line}});

  token::TokenService tokens(*keys, clock);
  auth::AuthService auth_service(**store, tokens, registry, clock, ids, random, providers);

  // The Admin API: administrators are users of the admin domain, served by
  // their own AuthService (admin/admin_domain.h).
  std::string first_password = cfg.admin_password;
  if (!cfg.admin_password_file.empty()) {
    std::ifstream in(cfg.admin_password_file);
    if (!in || !std::getline(in, first_password))
      return Fail("--admin-password-file: cannot read " + cfg.admin_password_file);
  }
  auto domain = admin::EnsureAdminDomain(**store, password_hasher, clock, ids, random, first_password);
  if (!domain.ok()) return Fail("admin domain: " + domain.status().message());
  auth::AppRegistry admin_apps;
  admin_apps.Replace({domain->app});
  admin::AdminPasswordProvider admin_password(**store, password_hasher);
  const auth::ProviderRegistry admin_providers{&admin_password, &api_key};
  auth::AuthService admin_auth(**store, tokens, admin_apps, clock, ids, random, admin_providers);
  admin::UserAdmin user_admin(**store, config, password_hasher, userpass, clock, ids, random);
  admin::AdminKeys admin_keys(**store, domain->app, secret_admin, clock, ids, random);
  // Admin jobs use the store: the worker is drained before the store closes.
  auto admin_worker = std::make_unique<admin::Worker>();
  std::vector<uint8_t> nonce_secret(32);
  random.Fill(nonce_secret);
  const crypto::HmacSha256Key nonce_key(std::move(nonce_secret));  // HTTP Digest nonces of this process
  http::AdminServices admin_services{admin_auth, config, user_admin, secret_admin, admin_keys, **store,
                                     tokens,     nonce_key, clock,  *admin_worker, domain->app};
  // The apps' logs (GET .../logs), written off the request path.
  admin::EventLogOptions event_options;
  event_options.retention_days = cfg.log_retention_days;
  auto events = std::make_unique<admin::EventLog>(**store, clock, ids, event_options);
  auto trusted_proxies = http::TrustedProxies::Parse(cfg.trusted_proxies);
  if (!trusted_proxies.ok()) return Fail("--trusted-proxies: " + trusted_proxies.status().message());
  http::RateLimiter signup_limiter;
  // Failed logins make accounts and client addresses wait (issue 13).
  auth::GuessThrottle guesses;
  // With PostgreSQL the limits live in the database, shared by every server
  // on it (nullptr with SQLite: the two above, in this process).
  auto shared_limits = store::OpenSharedLimits(location);
  if (!shared_limits.ok()) return Fail("abuse limits: " + shared_limits.status().message());
  const auth::GuessPolicy account_guesses{cfg.login_failures_per_account, static_cast<double>(cfg.login_max_wait_seconds)};
  const auth::GuessPolicy address_guesses{cfg.login_failures_per_address, static_cast<double>(cfg.login_max_wait_seconds)};
  auto metrics_readers = http::TrustedProxies::Parse(cfg.metrics_readers);
  if (!metrics_readers.ok()) return Fail("--metrics-readers: " + metrics_readers.status().message());
  http::Server* serving = nullptr;  // set once the server exists: its connections are a gauge
  // The process's gauges for /metrics, read at each scrape.
  auto process_metrics = [&](std::string& out) {
    namespace m = metrics;
    m::WriteHeader(out, "guestpass_open_connections", "gauge", "Client connections open now.");
    m::WriteSample(out, "guestpass_open_connections", "", serving ? static_cast<double>(serving->open_connections()) : 0);
    m::WriteHeader(out, "guestpass_queue_depth", "gauge", "Work waiting now, by queue.");
    const store::Store::WriteStats writes = (*store)->Stats();
    m::WriteSample(out, "guestpass_queue_depth", "queue=\"password_hashing\"", static_cast<double>(password_hasher.queued()));
    m::WriteSample(out, "guestpass_queue_depth", "queue=\"store_writes\"", static_cast<double>(writes.queued));
    m::WriteSample(out, "guestpass_queue_depth", "queue=\"log_events\"", static_cast<double>(events->queued()));
    m::WriteSample(out, "guestpass_queue_depth", "queue=\"admin_jobs\"", static_cast<double>(admin_worker->queued()));
    if (*shared_limits != nullptr)
      m::WriteSample(out, "guestpass_queue_depth", "queue=\"limits\"", static_cast<double>((*shared_limits)->Queued()));
    m::WriteHeader(out, "guestpass_store_commits_total", "counter", "Store transactions committed.");
    m::WriteSample(out, "guestpass_store_commits_total", "", static_cast<double>(writes.batches));
    m::WriteHeader(out, "guestpass_store_writes_total", "counter", "Store writes committed (several share a transaction).");
    m::WriteSample(out, "guestpass_store_writes_total", "", static_cast<double>(writes.writes));
    if (writes.batch_sizes) {
      m::WriteHeader(out, "guestpass_store_batch_size", "histogram", "Writes per store transaction.");
      m::WriteHistogram(out, "guestpass_store_batch_size", "", *writes.batch_sizes);
    }
    if (writes.commit_seconds) {
      m::WriteHeader(out, "guestpass_store_commit_seconds", "histogram", "Time to commit a store transaction.");
      m::WriteHistogram(out, "guestpass_store_commit_seconds", "", *writes.commit_seconds);
    }
  };
  const bool shared = *shared_limits != nullptr;
  http::Services services{auth_service,     registry,
                          &userpass,        cfg.public_url,
                          shared ? nullptr : &signup_limiter, &*trusted_proxies,
                          http::RateLimit{cfg.signups_per_hour, cfg.signup_burst}, &admin_services, events.get(),
                          cfg.admin_origins, shared ? nullptr : &guesses, account_guesses, address_guesses};
  services.shared_limits = shared_limits->get();
  services.store = store->get();
  services.process_metrics = process_metrics;
  services.metrics_readers = &*metrics_readers;
  services.tokens = &tokens;  // GET /.well-known/jwks.json
  http::Api api(std::move(services));

  const uint64_t descriptors = app::RaiseDescriptorLimit();
  http::ServerOptions options;
  options.max_connections = app::ConnectionCap(cfg.max_connections, descriptors);
  options.read_timeout = options.write_timeout = std::chrono::seconds(cfg.request_timeout_seconds);
  options.host = cfg.listen_host;
  options.port = cfg.listen_port;
  options.threads = cfg.threads > 0 ? cfg.threads : std::max(1u, std::thread::hardware_concurrency());
  http::Server server(options, api);
  serving = &server;
  if (core::Status s = server.Listen(); !s.ok()) return Fail(s.message());

  std::string host = cfg.listen_host.find(':') != std::string::npos ? "[" + cfg.listen_host + "]" : cfg.listen_host;
  const std::string url = "http://" + host + ":" + std::to_string(server.port());
  for (const auto& app : registry.All())
    std::cout << "guestpass app id=" << app->client_app_id << " name=" << app->name << "\n";
  std::cout << "guestpass admin api " << url << "/api/admin/v3.0 group=" << domain->app.id.ToHex() << "\n";
  if (domain->generated_password)
    std::cout << "guestpass admin user=" << admin::kFirstAdminUsername << " password=" << *domain->generated_password
              << " (generated at this first start and shown only now; change it with guestpass admin passwd)\n";
  std::cout << "guestpass web ui " << url << "/ (sign in with an admin user's name and password: "
            << admin::kFirstAdminUsername << " and the password shown at the first start or set by GUESTPASS_ADMIN_PASSWORD)\n";
  std::cout << "guestpass listening on " << url << std::endl;
  log::Info("serving", {{"url", url},
                        {"data_dir", cfg.data_dir},
                        {"store", store::DescribeStore(location)},
                        {"threads", std::to_string(options.threads)},
                        {"max_connections", std::to_string(options.max_connections)},
                        {"descriptor_limit", std::to_string(descriptors)},
                        {"malloc", app::AllocatorName()}});

  // The inactivity policy runs beside the server; with several servers on
  // one store the job lease lets one of them run it at a time.
  char hostname[256] = "host";
  ::gethostname(hostname, sizeof hostname - 1);
  auth::InactivityJobOptions job_options;
  job_options.holder = std::string(hostname) + ":" + std::to_string(::getpid()) + ":" + ids.Next().ToHex();
  job_options.interval_seconds = cfg.inactivity_interval_seconds;
  job_options.audit_retention_days = cfg.audit_retention_days;
  auth::InactivityJob inactivity_job(
      **store, [&registry] { return registry.All(); }, clock, job_options);
  inactivity_job.Start();

  // What other servers and tools change in the store (deployments, secrets,
  // signing keys) reaches this server within about a second.
  app::ConfigWatcher watcher(**store, *admin_worker, [&] {
    if (auto ring = signing_keys.Load(); !ring.ok()) {
      log::Error("cannot reload the signing keys; keeping the ones loaded", {{"error", ring.status().message()}});
    } else if (!token::SameKeys(**ring, *tokens.keys())) {
      tokens.ReplaceKeys(std::move(*ring));
      log::Info("reloaded the signing keys", {});
    }
    if (core::Status s = config.Reload(); !s.ok())
      log::Warn("an app's stored configuration did not load; it is served as before",
                {{"error", s.message()}});
  });
  watcher.Start();

  server.Run(/*handle_signals=*/true);
  inactivity_job.Stop();  // after the batch in progress
  watcher.Stop();
  log::Info("stopped: all requests answered, closing the store");
  admin_worker.reset();  // runs what is queued (nothing, once every request is answered)
  events.reset();        // writes the last log events
  shared_limits->reset();  // answers what is queued (nothing, once every request is answered)
  store->reset();  // drains queued writes (SQLite: checkpoints the WAL)
  log::Info("store closed");
  return 0;
}

void Usage() {
  std::cout << "usage: guestpass <command> [options]\n\n"
               "commands:\n"
               "  serve     run the server (guestpass serve --help)\n"
               "  users     users expire --app ID [--dry-run]: apply the inactivity policy now\n"
               "  audit     audit --app ID: list the audit events (user deletions)\n"
               "  admin     admin passwd | admin keys create: administrators, offline (guestpass admin --help)\n"
               "  keys      keys list | rotate | retire KID: the token signing keys, offline (guestpass keys --help)\n"
               "  migrate-store  --from DIR --to URL: copy a SQLite store into PostgreSQL (migrate-store --help)\n"
               "  version   print the version\n\n"
               "admin commands (a running server's Admin API):\n"
            << cli::CommandsUsage();
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
    Usage();
    return args.empty() ? 2 : 0;
  }
  const std::string command = args[0];
  args.erase(args.begin());
  if (command == "serve") return Serve(args);
  // `users expire` works on a data directory; every other `users` command
  // is the admin CLI's.
  if (command == "users" && !args.empty() && args[0] == "expire") return app::UsersCommand(args);
  if (cli::IsCommand(command)) return cli::RunFromMain(command, args);
  if (command == "audit") return app::AuditCommand(args);
  if (command == "keys") return app::KeysCommand(args);
  if (command == "admin") return app::AdminCommand(args);
  if (command == "migrate-store") return app::MigrateStoreCommand(args);
  if (command == "version" || command == "--version") {
    std::cout << "guestpass " GUESTPASS_VERSION " (" << app::AllocatorName() << ")\n";
    return 0;
  }
  std::fprintf(stderr, "guestpass: unknown command '%s'\n", command.c_str());
  Usage();
  return 2;
}
