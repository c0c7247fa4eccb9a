// server_config.cc: flag and environment parsing for `guestpass serve`.
#include "config/server_config.h"

#include <boost/program_options.hpp>
#include <cstdlib>
#include <optional>
#include <sstream>
#include <tuple>

namespace guestpass::config {

namespace po = boost::program_options;
using core::ErrorCode;
using core::Status;

const std::vector<OptionSpec> kServeOptions = {
    {"listen", "GUESTPASS_LISTEN", "127.0.0.1:9090", "HOST:PORT to listen on (port 0 picks a free port)"},
    {"data-dir", "GUESTPASS_DATA_DIR", "./guestpass-data", "directory for the database and signing keys"},
    {"database", "GUESTPASS_DATABASE", "(none: SQLite in the data dir)",
     "PostgreSQL connection string (postgres://... or key=value; several hosts with "
     "target_session_attrs=read-write): the store lives there; signing keys and the master key stay in the data dir"},
    {"database-timeout", "GUESTPASS_DATABASE_TIMEOUT", "5",
     "PostgreSQL: seconds (0.1 to 300) to wait for the database, connecting or per statement, before a request "
     "fails with 503"},
    {"database-pool", "GUESTPASS_DATABASE_POOL", "4",
     "PostgreSQL: connections for reads (1 to 64); writes take three more"},
    {"app-dir", "GUESTPASS_APP_DIR", "(none)",
     "app directory to import at start (repeatable; in the environment, ':'-separated)"},
    {"threads", "GUESTPASS_THREADS", "number of cores", "HTTP worker threads"},
    {"max-connections", "GUESTPASS_MAX_CONNECTIONS", "10000, at most the descriptor limit less 64",
     "open client connections; one more is closed at once (1 to 1000000)"},
    {"request-timeout", "GUESTPASS_REQUEST_TIMEOUT", "30",
     "seconds (1 to 3600) a connection has to send one whole request, and to take one response; an idle keep-alive "
     "connection is closed after as long (slow clients cannot hold connections)"},
    {"log-level", "GUESTPASS_LOG_LEVEL", "info", "debug, info, warn or error"},
    {"public-url", "GUESTPASS_PUBLIC_URL", "(from the Host header)",
     "base URL clients reach this server at, returned by the location endpoint"},
    {"metrics-readers", "GUESTPASS_METRICS_READERS", "127.0.0.0/8,::1",
     "comma-separated CIDR ranges of clients that may read GET /metrics (others get 404)"},
    {"trusted-proxies", "GUESTPASS_TRUSTED_PROXIES", "(none)",
     "comma-separated CIDR ranges of proxies whose X-Forwarded-For names the client (for sign-up limits)"},
    {"signups-per-hour", "GUESTPASS_SIGNUPS_PER_HOUR", "100",
     "anonymous sign-ups per client address and hour for apps that set none (0: unlimited)"},
    {"signup-burst", "GUESTPASS_SIGNUP_BURST", "20", "anonymous sign-ups a client address may make at once"},
    {"login-failures-per-account", "GUESTPASS_LOGIN_FAILURES_PER_ACCOUNT", "5",
     "failed password logins an account may have before each further one makes it wait (0 to 1000)"},
    {"login-failures-per-address", "GUESTPASS_LOGIN_FAILURES_PER_ADDRESS", "30",
     "failed logins (password, API key, JWT, admin) a client address may have before each further one makes it wait "
     "(0 to 100000)"},
    {"login-max-wait", "GUESTPASS_LOGIN_MAX_WAIT", "900",
     "seconds of the longest wait after failed logins (waits double from 1 s; failures are forgotten an hour after "
     "the last; 1 to 86400)"},
    {"inactivity-interval", "GUESTPASS_INACTIVITY_INTERVAL", "3600",
     "seconds between runs of the job that deletes inactive anonymous users (1 to 604800)"},
    {"audit-retention-days", "GUESTPASS_AUDIT_RETENTION_DAYS", "0",
     "days an audit event is kept before that job deletes it (0: kept for good; at most 36500)"},
    {"log-retention-days", "GUESTPASS_LOG_RETENTION_DAYS", "10",
     "days the apps' logs (GET .../logs: logins, admin changes) are kept (1 to 3650)"},
    {"admin-password-file", "GUESTPASS_ADMIN_PASSWORD_FILE", "(none)",
     "file whose first line is the admin user's password at the first start (else GUESTPASS_ADMIN_PASSWORD; "
     "neither: one is generated and printed once)"},
    {"master-key-file", "GUESTPASS_MASTER_KEY_FILE", "DATA_DIR/master.key (created at the first start)",
     "file (mode 0600) holding the 64-hex-digit key that seals secrets at rest; GUESTPASS_MASTER_KEY may "
     "hold the key itself instead"},
    {"admin-origins", "GUESTPASS_ADMIN_ORIGINS", "(none)",
     "comma-separated origins (https://admin.example.com) whose browser pages may call the Admin API"},
    {"signing-alg", "GUESTPASS_SIGNING_ALG", "HS256",
     "algorithm of the token signing key made at the first start of a store: HS256 (a shared secret), ES256 or "
     "RS256 (a key pair; GET /.well-known/jwks.json publishes its public half); later keys: guestpass keys rotate "
     "--alg"},
};

namespace {
Status Bad(const std::string& msg) { return Status::InvalidArgument(ErrorCode::kInvalidParameter, msg); }

// `text` as a whole number from `lo` to `hi`: decimal digits only, no more
// of them than `hi` has; nullopt otherwise.
std::optional<int64_t> WholeNumber(const std::string& text, int64_t lo, int64_t hi) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos ||
      text.size() > std::to_string(hi).size())
    return std::nullopt;
  const int64_t n = std::stoll(text);
  if (n < lo || n > hi) return std::nullopt;
  return n;
}
}  // namespace

Status ParseListen(const std::string& text, std::string* host, uint16_t* port) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon + 1 == text.size())
    return Bad("--listen: expected HOST:PORT, got '" + text + "'");
  std::string h = text.substr(0, colon);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  if (h.empty()) return Bad("--listen: missing host in '" + text + "'");
  const std::string p = text.substr(colon + 1);
  if (p.find_first_not_of("0123456789") != std::string::npos || p.size() > 5 || std::stoi(p) > 65535)
    return Bad("--listen: port must be a number 0-65535, got '" + p + "'");
  *host = h;
  *port = static_cast<uint16_t>(std::stoi(p));
  return Status::Ok();
}

std::string ServeHelp() {
  std::ostringstream out;
  out << "usage: guestpass serve [options]\n\noptions (each also read from its environment variable):\n";
  for (const auto& o : kServeOptions) {
    out << "  --" << o.flag << "  [" << o.env << ", default " << o.default_text << "]\n      " << o.help << "\n";
  }
  return out.str();
}

core::Result<ServerConfig> ParseServeArgs(const std::vector<std::string>& args,
                                          const std::function<const char*(const char*)>& getenv) {
  po::options_description desc;
  desc.add_options()("help,h", "")("listen", po::value<std::string>())("data-dir", po::value<std::string>())(
      "database", po::value<std::string>())("database-timeout", po::value<std::string>())(
      "database-pool", po::value<std::string>())(
      "app-dir", po::value<std::vector<std::string>>())("threads", po::value<std::string>())(
      "max-connections", po::value<std::string>())("request-timeout", po::value<std::string>())(
      "log-level", po::value<std::string>())("public-url", po::value<std::string>())(
      "trusted-proxies", po::value<std::string>())("metrics-readers", po::value<std::string>())("signups-per-hour", po::value<std::string>())(
      "signup-burst", po::value<std::string>())("login-failures-per-account", po::value<std::string>())(
      "login-failures-per-address", po::value<std::string>())("login-max-wait", po::value<std::string>())("inactivity-interval", po::value<std::string>())(
      "audit-retention-days", po::value<std::string>())("log-retention-days", po::value<std::string>())(
      "admin-password-file", po::value<std::string>())(
      "master-key-file", po::value<std::string>())("admin-origins", po::value<std::string>())(
      "signing-alg", po::value<std::string>());
  po::variables_map vm;
  try {
    // No abbreviations: --admin-password must not pass for --admin-password-file.
    const int style = po::command_line_style::default_style & ~po::command_line_style::allow_guessing;
    po::store(po::command_line_parser(args).options(desc).style(style).run(), vm);
  } catch (const po::error& e) {
    return Bad(std::string(e.what()) + " (see guestpass serve --help)");
  }
  if (vm.count("help")) return Bad("help");

  auto get = [&](const char* flag, const char* env) -> std::optional<std::string> {
    if (vm.count(flag)) return vm[flag].as<std::string>();
    if (const char* v = getenv(env); v != nullptr && *v) return std::string(v);
    return std::nullopt;
  };

  ServerConfig c;
  if (auto v = get("listen", "GUESTPASS_LISTEN")) {
    if (Status s = ParseListen(*v, &c.listen_host, &c.listen_port); !s.ok()) return s;
  }
  if (auto v = get("data-dir", "GUESTPASS_DATA_DIR")) c.data_dir = *v;
  if (auto v = get("database", "GUESTPASS_DATABASE")) c.database = *v;
  if (auto v = get("database-timeout", "GUESTPASS_DATABASE_TIMEOUT")) {
    char* end = nullptr;
    const double seconds = std::strtod(v->c_str(), &end);
    if (v->empty() || *end != '\0' || !(seconds >= 0.1 && seconds <= 300))
      return Bad("--database-timeout: expected seconds from 0.1 to 300, got '" + *v + "'");
    c.database_timeout_ms = static_cast<int64_t>(seconds * 1000 + 0.5);
  }
  if (auto v = get("database-pool", "GUESTPASS_DATABASE_POOL")) {
    auto n = WholeNumber(*v, 1, 64);
    if (!n) return Bad("--database-pool: expected a number from 1 to 64, got '" + *v + "'");
    c.database_pool = static_cast<int>(*n);
  }
  if (vm.count("app-dir")) {
    c.app_dirs = vm["app-dir"].as<std::vector<std::string>>();
  } else if (const char* v = getenv("GUESTPASS_APP_DIR"); v != nullptr && *v) {
    std::stringstream ss(v);
    std::string part;
    while (std::getline(ss, part, ':'))
      if (!part.empty()) c.app_dirs.push_back(part);
  }
  if (auto v = get("max-connections", "GUESTPASS_MAX_CONNECTIONS")) {
    auto n = WholeNumber(*v, 1, 1'000'000);
    if (!n) return Bad("--max-connections: expected a number from 1 to 1000000, got '" + *v + "'");
    c.max_connections = *n;
  }
  if (auto v = get("request-timeout", "GUESTPASS_REQUEST_TIMEOUT")) {
    auto n = WholeNumber(*v, 1, 3600);
    if (!n) return Bad("--request-timeout: expected seconds from 1 to 3600, got '" + *v + "'");
    c.request_timeout_seconds = *n;
  }
  if (auto v = get("threads", "GUESTPASS_THREADS")) {
    auto n = WholeNumber(*v, 1, 999);
    if (!n) return Bad("--threads: expected a number from 1 to 999, got '" + *v + "'");
    c.threads = static_cast<int>(*n);
  }
  if (auto v = get("log-level", "GUESTPASS_LOG_LEVEL")) {
    if (*v != "debug" && *v != "info" && *v != "warn" && *v != "error")
      return Bad("--log-level: expected debug, info, warn or error, got '" + *v + "'");
    c.log_level = *v;
  }
  if (auto v = get("public-url", "GUESTPASS_PUBLIC_URL")) {
    if (v->rfind("http://", 0) != 0 && v->rfind("https://", 0) != 0)
      return Bad("--public-url: must start with http:// or https://, got '" + *v + "'");
    c.public_url = *v;
    while (!c.public_url.empty() && c.public_url.back() == '/') c.public_url.pop_back();
  }
  if (auto v = get("trusted-proxies", "GUESTPASS_TRUSTED_PROXIES")) c.trusted_proxies = *v;
  if (auto v = get("metrics-readers", "GUESTPASS_METRICS_READERS")) c.metrics_readers = *v;
  for (auto [flag, env, out] : {std::tuple{"signups-per-hour", "GUESTPASS_SIGNUPS_PER_HOUR", &c.signups_per_hour},
                                std::tuple{"signup-burst", "GUESTPASS_SIGNUP_BURST", &c.signup_burst}}) {
    auto v = get(flag, env);
    if (!v) continue;
    char* end = nullptr;
    const double n = std::strtod(v->c_str(), &end);
    if (v->empty() || *end != '\0' || !(n >= 0 && n <= 1e9))
      return Bad(std::string("--") + flag + ": expected a number from 0 to 1e9, got '" + *v + "'");
    *out = n;
  }
  if (auto v = get("inactivity-interval", "GUESTPASS_INACTIVITY_INTERVAL")) {
    auto n = WholeNumber(*v, 1, 604800);
    if (!n) return Bad("--inactivity-interval: expected seconds from 1 to 604800, got '" + *v + "'");
    c.inactivity_interval_seconds = *n;
  }
  if (auto v = get("audit-retention-days", "GUESTPASS_AUDIT_RETENTION_DAYS")) {
    auto n = WholeNumber(*v, 0, 36500);
    if (!n) return Bad("--audit-retention-days: expected days from 0 to 36500, got '" + *v + "'");
    c.audit_retention_days = *n;
  }
  if (auto v = get("login-failures-per-account", "GUESTPASS_LOGIN_FAILURES_PER_ACCOUNT")) {
    auto n = WholeNumber(*v, 0, 1000);
    if (!n) return Bad("--login-failures-per-account: expected a number from 0 to 1000, got '" + *v + "'");
    c.login_failures_per_account = *n;
  }
  if (auto v = get("login-failures-per-address", "GUESTPASS_LOGIN_FAILURES_PER_ADDRESS")) {
    auto n = WholeNumber(*v, 0, 100'000);
    if (!n) return Bad("--login-failures-per-address: expected a number from 0 to 100000, got '" + *v + "'");
    c.login_failures_per_address = *n;
  }
  if (auto v = get("login-max-wait", "GUESTPASS_LOGIN_MAX_WAIT")) {
    auto n = WholeNumber(*v, 1, 86'400);
    if (!n) return Bad("--login-max-wait: expected seconds from 1 to 86400, got '" + *v + "'");
    c.login_max_wait_seconds = *n;
  }
  if (auto v = get("log-retention-days", "GUESTPASS_LOG_RETENTION_DAYS")) {
    auto n = WholeNumber(*v, 1, 3650);
    if (!n) return Bad("--log-retention-days: expected days from 1 to 3650, got '" + *v + "'");
    c.log_retention_days = *n;
  }
  if (auto v = get("admin-password-file", "GUESTPASS_ADMIN_PASSWORD_FILE")) c.admin_password_file = *v;
  if (const char* v = getenv("GUESTPASS_ADMIN_PASSWORD"); v != nullptr) c.admin_password = v;
  if (auto v = get("master-key-file", "GUESTPASS_MASTER_KEY_FILE")) c.master_key_file = *v;
  if (const char* v = getenv("GUESTPASS_MASTER_KEY"); v != nullptr) c.master_key = v;
  if (auto v = get("admin-origins", "GUESTPASS_ADMIN_ORIGINS")) {
    size_t i = 0;
    while (i <= v->size()) {
      size_t j = v->find(',', i);
      if (j == std::string::npos) j = v->size();
      std::string origin = v->substr(i, j - i);
      while (!origin.empty() && origin.front() == ' ') origin.erase(origin.begin());
      while (!origin.empty() && (origin.back() == ' ' || origin.back() == '/')) origin.pop_back();
      if (!origin.empty()) {
        if (origin.rfind("http://", 0) != 0 && origin.rfind("https://", 0) != 0)
          return Bad("--admin-origins: '" + origin + "' is not an origin (http:// or https://, host, port)");
        if (origin.find('/', origin.find("//") + 2) != std::string::npos)
          return Bad("--admin-origins: '" + origin + "' has a path; an origin is scheme://host[:port]");
        c.admin_origins.push_back(origin);
      }
      i = j + 1;
    }
  }
  if (auto v = get("signing-alg", "GUESTPASS_SIGNING_ALG")) {
    if (*v != "HS256" && *v != "ES256" && *v != "RS256")
      return Bad("--signing-alg: expected HS256, ES256 or RS256, got '" + *v + "'");
    c.signing_alg = *v;
  }
  if (const char* v = getenv("GUESTPASS_TEST_CLOCK_OFFSET_SECONDS"); v != nullptr && *v) {
    char* end = nullptr;
    const long long n = std::strtoll(v, &end, 10);
    if (*end != '\0' || n < -(1LL << 40) || n > (1LL << 40))
      return Bad(std::string("GUESTPASS_TEST_CLOCK_OFFSET_SECONDS: expected a whole number of seconds, got '") + v +
                 "'");
    c.clock_offset_seconds = n;
  }
  return c;
}

}  // namespace guestpass::config
