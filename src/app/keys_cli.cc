// keys_cli.cc: parsing and printing for `guestpass keys`.
#include "app/keys_cli.h"

#include <boost/program_options.hpp>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <iostream>

#include "admin/signing_keys.h"
#include "app/master_key.h"
#include "core/clock.h"
#include "crypto/os_random.h"
#include "crypto/secret_box.h"
#include "store/open.h"
#include "token/key_ring.h"

namespace guestpass::app {

namespace po = boost::program_options;

namespace {
constexpr const char* kUsage =
    "usage: guestpass keys list [STORE OPTIONS]\n"
    "         the token signing keys: id, algorithm, created, active from, and state (signing: signs new\n"
    "         tokens; verifying: an older key whose tokens still verify; pending: signs from its time on)\n"
    "       guestpass keys rotate [--alg HS256|ES256|RS256] [--activate-in SECONDS] [STORE OPTIONS]\n"
    "         adds a new key that signs new tokens SECONDS from now (default 5: by then every running\n"
    "         server has loaded it, and GET /.well-known/jwks.json lists an ES256 or RS256 key's public\n"
    "         half); tokens of the older keys verify until those keys are retired. --alg (default HS256):\n"
    "         HS256 a shared secret; ES256 (P-256) or RS256 (2048 bits) a key pair whose public half\n"
    "         other services can fetch to verify tokens\n"
    "       guestpass keys retire KID [STORE OPTIONS]\n"
    "         deletes a key: the tokens it signed, refresh tokens too, stop verifying on every server\n"
    "         (their users log in again); not the key that signs now, nor the last key\n"
    "STORE OPTIONS: --data-dir DIR (default GUESTPASS_DATA_DIR, else ./guestpass-data), --database URL\n"
    "(a PostgreSQL connection string; default GUESTPASS_DATABASE), --master-key-file FILE (default\n"
    "GUESTPASS_MASTER_KEY_FILE, GUESTPASS_MASTER_KEY, else DIR/master.key): the servers' own.\n";

int Fail(const std::string& message) {
  std::fprintf(stderr, "guestpass keys: %s\n", message.c_str());
  return 1;
}

std::string Time(int64_t seconds) {
  const std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}
}  // namespace

int KeysCommand(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::cout << kUsage;
    return args.empty() ? 2 : 0;
  }
  const std::string sub = args[0];
  if (sub != "list" && sub != "rotate" && sub != "retire") return Fail("unknown command '" + sub + "'\n" + kUsage);
  po::options_description desc;
  desc.add_options()("data-dir", po::value<std::string>())("database", po::value<std::string>())(
      "master-key-file", po::value<std::string>())("activate-in", po::value<int64_t>())(
      "alg", po::value<std::string>())("kid", po::value<std::string>());
  po::positional_options_description positional;
  positional.add("kid", 1);
  po::variables_map vm;
  try {
    const std::vector<std::string> rest(args.begin() + 1, args.end());
    const int style = po::command_line_style::default_style & ~po::command_line_style::allow_guessing;
    po::store(po::command_line_parser(rest).options(desc).positional(positional).style(style).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    return Fail(std::string(e.what()) + "\n" + kUsage);
  }
  if (sub == "retire" && !vm.count("kid")) return Fail(std::string("retire needs the KID of a key\n") + kUsage);
  if (sub != "retire" && vm.count("kid")) return Fail("unexpected argument '" + vm["kid"].as<std::string>() + "'");
  if (sub != "rotate" && vm.count("activate-in")) return Fail("--activate-in is an option of rotate");
  if (sub != "rotate" && vm.count("alg")) return Fail("--alg is an option of rotate");
  token::SigningAlg alg = token::SigningAlg::kHs256;
  if (vm.count("alg")) {
    const auto parsed = token::ParseSigningAlg(vm["alg"].as<std::string>());
    if (!parsed) return Fail("--alg: expected HS256, ES256 or RS256, got '" + vm["alg"].as<std::string>() + "'");
    alg = *parsed;
  }

  const store::StoreLocation location =
      store::ToolStoreLocation(vm.count("data-dir") ? vm["data-dir"].as<std::string>() : "",
                               vm.count("database") ? vm["database"].as<std::string>() : "");
  auto store = store::OpenStore(location, store::OpenMode::kExisting);
  if (!store.ok())
    return Fail(store.status().message() + (location.database.empty() ? " (see --data-dir)" : " (see --database)"));

  core::SystemClock clock;
  crypto::OsRandom random;
  auto master_key = LoadToolMasterKey(vm.count("master-key-file") ? vm["master-key-file"].as<std::string>() : "",
                                      location.data_dir, random);
  if (!master_key.ok()) return Fail("master key: " + master_key.status().message());
  crypto::SecretBox box(*master_key);
  admin::SigningKeys keys(**store, box, clock, random);
  // The keys must open with this master key, or rotating would add a key
  // the servers cannot read.
  if (auto ring = keys.Load(); !ring.ok() && !ring.status().IsNotFound()) return Fail(ring.status().message());

  if (sub == "list") {
    auto list = keys.List();
    if (!list.ok()) return Fail(list.status().message());
    if (list->empty()) {
      std::cout << "no signing keys yet (a server makes one at its first start)\n";
      return 0;
    }
    const int64_t now = clock.NowSeconds();
    const core::StoredSigningKey* signing = admin::SigningKeys::ActiveAt(*list, now);
    std::printf("%-24s  %-5s  %-20s  %-20s  %s\n", "KID", "ALG", "CREATED", "ACTIVE FROM", "STATE");
    for (const auto& k : *list) {
      const char* state = &k == signing ? "signing" : (k.active_from > now ? "pending" : "verifying");
      std::printf("%-24s  %-5s  %-20s  %-20s  %s\n", k.kid.c_str(), k.alg.c_str(), Time(k.created_at).c_str(),
                  Time(k.active_from).c_str(), state);
    }
    return 0;
  }
  if (sub == "rotate") {
    const int64_t delay =
        vm.count("activate-in") ? vm["activate-in"].as<int64_t>() : admin::kDefaultActivationDelaySeconds;
    auto key = keys.Rotate(delay, alg);
    if (!key.ok()) return Fail(key.status().message());
    std::cout << "added signing key " << key->kid << " (" << key->alg << "); it signs new tokens from "
              << Time(key->active_from)
              << "\nthe older keys still verify their tokens; retire one with: guestpass keys retire KID\n";
    return 0;
  }
  const std::string kid = vm["kid"].as<std::string>();
  if (core::Status s = keys.Retire(kid); !s.ok()) return Fail(s.message());
  std::cout << "retired signing key " << kid << ": the tokens it signed no longer verify on any server\n";
  return 0;
}

}  // namespace guestpass::app
