// admin_cli.cc: `guestpass admin passwd` and `guestpass admin keys create`.
#include "app/admin_cli.h"

#include <unistd.h>

#include <boost/program_options.hpp>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "admin/admin_domain.h"
#include "admin/signing_keys.h"
#include "app/master_key.h"
#include "core/clock.h"
#include "crypto/os_random.h"
#include "crypto/password_hasher.h"
#include "store/open.h"

namespace guestpass::app {

namespace po = boost::program_options;

namespace {
constexpr const char* kUsage =
    "usage: guestpass admin passwd [--username NAME] --password-stdin [--data-dir DIR] [--database URL]\n"
    "         sets the administrator's password (default NAME: admin), read as one line from stdin;\n"
    "         creates the administrator when there is none of that name\n"
    "       guestpass admin keys create --name KEY_NAME [--username NAME] [--data-dir DIR]\n"
    "                                   [--database URL] [--master-key-file FILE]\n"
    "         issues an admin API key and prints its public and private parts (the private part\n"
    "         only now); log in with them: guestpass login --api-key PUBLIC --private-api-key PRIVATE\n"
    "--data-dir defaults to GUESTPASS_DATA_DIR, else ./guestpass-data; --database (a PostgreSQL\n"
    "connection string, as guestpass serve takes) to GUESTPASS_DATABASE, else none: SQLite in --data-dir.\n";

int Fail(const std::string& message) {
  std::fprintf(stderr, "guestpass: %s\n", message.c_str());
  return 1;
}

struct Opened {
  std::unique_ptr<store::Store> store;
  admin::AdminDomain domain;
};

core::Result<Opened> Open(const po::variables_map& vm, crypto::PasswordHasher& hasher, const core::Clock& clock,
                          core::ObjectIdGenerator& ids, core::Random& random) {
  const store::StoreLocation location =
      store::ToolStoreLocation(vm.count("data-dir") ? vm["data-dir"].as<std::string>() : "",
                               vm.count("database") ? vm["database"].as<std::string>() : "");
  auto store = store::OpenStore(location, store::OpenMode::kExisting);
  if (!store.ok())
    return core::Status::Make(store.status().code(), core::ErrorCode::kNone,
                              store.status().message() +
                                  (location.database.empty() ? " (see --data-dir)" : " (see --database)"));
  auto domain = admin::EnsureAdminDomain(**store, hasher, clock, ids, random, "");
  if (!domain.ok()) return domain.status();
  if (domain->generated_password)
    std::cerr << "guestpass: this data directory had no admin domain; created it with the administrator admin,"
                 " password "
              << *domain->generated_password << "\n";
  return Opened{std::move(*store), std::move(*domain)};
}
}  // namespace

int AdminCommand(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::cout << kUsage;
    return args.empty() ? 2 : 0;
  }
  const bool passwd = args[0] == "passwd";
  const bool keys = args[0] == "keys" && args.size() > 1 && args[1] == "create";
  if (!passwd && !keys) return Fail("unknown admin command '" + args[0] + "'\n" + kUsage);
  po::options_description desc;
  desc.add_options()("username", po::value<std::string>()->default_value("admin"))(
      "data-dir", po::value<std::string>())("database", po::value<std::string>())(
      "password-stdin", po::bool_switch())("name", po::value<std::string>())(
      "master-key-file", po::value<std::string>());
  po::variables_map vm;
  try {
    const std::vector<std::string> rest(args.begin() + (passwd ? 1 : 2), args.end());
    const int style = po::command_line_style::default_style & ~po::command_line_style::allow_guessing;
    po::store(po::command_line_parser(rest).options(desc).style(style).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    return Fail(std::string(e.what()) + "\n" + kUsage);
  }
  core::SystemClock clock;
  crypto::OsRandom random;
  core::ObjectIdGenerator ids(clock, random);
  crypto::PasswordHasher hasher(crypto::PasswordHashCost::Interactive(), 1);
  const std::string username = vm["username"].as<std::string>();

  if (passwd) {
    if (!vm["password-stdin"].as<bool>()) return Fail("give the new password on stdin with --password-stdin");
    std::string password;
    if (!std::getline(std::cin, password)) return Fail("no password on stdin");
    if (!password.empty() && password.back() == '\r') password.pop_back();
    auto opened = Open(vm, hasher, clock, ids, random);
    if (!opened.ok()) return Fail(opened.status().message());
    core::Status s = admin::SetAdminPassword(*opened->store, hasher, opened->domain.app, clock, ids, random, username,
                                             password);
    if (!s.ok()) return Fail(s.message());
    std::cout << "password set for administrator " << admin::NormalizeAdminUsername(username)
              << " (its sessions go on; log in again with the new password)\n";
    return 0;
  }
  if (!vm.count("name")) return Fail(std::string("--name is required\n") + kUsage);
  auto opened = Open(vm, hasher, clock, ids, random);
  if (!opened.ok()) return Fail(opened.status().message());
  auto user = admin::FindAdminUser(*opened->store, opened->domain.app, username);
  if (!user.ok()) return Fail(user.status().message());
  // The key's Digest secret is sealed with the master key, as the server does.
  std::string data_dir = "./guestpass-data";
  if (const char* env = std::getenv("GUESTPASS_DATA_DIR"); env != nullptr && *env) data_dir = env;
  if (vm.count("data-dir")) data_dir = vm["data-dir"].as<std::string>();
  auto master_key = LoadToolMasterKey(vm.count("master-key-file") ? vm["master-key-file"].as<std::string>() : "",
                                      data_dir, random);
  if (!master_key.ok()) return Fail("master key: " + master_key.status().message());
  crypto::SecretBox box(*master_key);
  // The servers' key opens the store's signing keys; another key is refused.
  if (auto ring = admin::SigningKeys(*opened->store, box, clock, random).Load();
      !ring.ok() && !ring.status().IsNotFound())
    return Fail("master key: " + ring.status().message());
  admin::SecretAdmin secrets(*opened->store, box, clock, ids, random);
  admin::AdminKeys admin_keys(*opened->store, opened->domain.app, secrets, clock, ids, random);
  auto key = admin_keys.Create(*user, vm["name"].as<std::string>());
  if (!key.ok()) return Fail(key.status().message());
  std::cout << "public key:  " << key->public_key << "\nprivate key: " << key->private_key
            << "\n(the private key is shown only now)\n";
  return 0;
}

}  // namespace guestpass::app
