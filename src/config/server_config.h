// server_config.h: the settings of `guestpass serve`, from command-line
// flags, each also readable from a GUESTPASS_* environment variable (a flag
// wins over the environment). kServeOptions is the one table of them; the
// help text and docs/configuration.md follow it.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/status.h"

namespace guestpass::config {

struct ServerConfig {
  std::string listen_host = "127.0.0.1";
  uint16_t listen_port = 9090;
  std::string data_dir = "./guestpass-data";
  // A PostgreSQL connection string (libpq URI or key=value): the store lives
  // there instead of DATA_DIR/guestpass.db. Empty: the embedded SQLite.
  std::string database;
  int64_t database_timeout_ms = 5000;  // PostgreSQL: the longest wait before Unavailable (503)
  int database_pool = 4;               // PostgreSQL: reader connections (writes use three more)
  std::vector<std::string> app_dirs;
  int threads = 0;  // 0: one per core
  int64_t max_connections = 0;  // 0: 10000, at most the descriptor limit less 64
  int64_t request_timeout_seconds = 30;  // to receive one request, to send one response, idle keep-alive
  std::string log_level = "info";
  std::string public_url;  // empty: http://<Host header>
  std::string trusted_proxies;  // CIDR list whose X-Forwarded-For is believed; empty: none
  std::string metrics_readers = "127.0.0.0/8,::1";  // who may read GET /metrics (CIDR list)
  double signups_per_hour = 100;  // default anonymous sign-up limit per client address; 0: unlimited
  double signup_burst = 20;
  int64_t inactivity_interval_seconds = 3600;  // how often the inactivity job runs
  int64_t audit_retention_days = 0;            // the job deletes older audit events; 0: kept for good
  int64_t login_failures_per_account = 5;    // then each failed password login makes the account wait
  int64_t login_failures_per_address = 30;   // then each failed login makes the client address wait
  int64_t login_max_wait_seconds = 900;      // the longest of those waits
  int64_t log_retention_days = 10;             // the apps' logs (admin::EventLog); App Services: 10
  // The first start's password for the admin user "admin": the file's first
  // line (--admin-password-file), else GUESTPASS_ADMIN_PASSWORD (environment
  // only: a flag would show in `ps`); neither: generated and printed once.
  std::string admin_password_file;
  std::string admin_password;
  // The master key that seals secrets at rest: the file (mode 0600) of
  // --master-key-file, else GUESTPASS_MASTER_KEY (64 hex digits; environment
  // only), else DATA_DIR/master.key, created on the first start.
  std::string master_key_file;
  std::string master_key;
  // Origins (scheme://host[:port]) whose browser pages may call the Admin
  // API; none by default (the server's own pages are same-origin).
  std::vector<std::string> admin_origins;
  // The algorithm of the signing key the first start of a store makes:
  // "HS256", "ES256" or "RS256" (token::ParseSigningAlg's names).
  std::string signing_alg = "HS256";
  // Testing only (environment GUESTPASS_TEST_CLOCK_OFFSET_SECONDS): added to
  // the wall clock, so end-to-end tests can make days pass across restarts.
  int64_t clock_offset_seconds = 0;
};

struct OptionSpec {
  const char* flag;          // e.g. "listen"
  const char* env;           // e.g. "GUESTPASS_LISTEN"
  const char* default_text;  // as shown in help
  const char* help;
};

extern const std::vector<OptionSpec> kServeOptions;

// Parses `args` (after "serve"). `getenv` reads the environment (injectable
// for tests). InvalidArgument with a readable message on bad input; the
// message "help" means --help was asked for.
core::Result<ServerConfig> ParseServeArgs(const std::vector<std::string>& args,
                                          const std::function<const char*(const char*)>& getenv);

// Splits "HOST:PORT" or "[V6]:PORT".
core::Status ParseListen(const std::string& text, std::string* host, uint16_t* port);

std::string ServeHelp();

}  // namespace guestpass::config
