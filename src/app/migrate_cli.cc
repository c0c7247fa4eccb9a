// migrate_cli.cc: `guestpass migrate-store`: options, progress and the report.
#include "app/migrate_cli.h"

#include <boost/program_options.hpp>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "store/migrate/sqlite_to_postgres.h"
#include "store/open.h"

namespace guestpass::app {

namespace {

namespace fs = std::filesystem;
namespace po = boost::program_options;

constexpr const char* kUsage =
    "usage: guestpass migrate-store --from DIR --to URL [--batch-size N]\n"
    "  Copies the SQLite store of data directory DIR (DIR/guestpass.db) into the PostgreSQL\n"
    "  database URL (a libpq connection string, as serve --database takes), which must be empty\n"
    "  (its guestpass schema is created), then compares every table's row counts. Stop\n"
    "  `guestpass serve` on DIR first: the copy is a snapshot of one read transaction, and what\n"
    "  the server writes after it is not copied. Interrupted, it resumes when run again.\n"
    "  --batch-size: rows per INSERT, each a transaction of its own (default 1000).\n"
    "  Not copied: the master key, DIR/master.key (give every server the same one); the token\n"
    "  signing keys are in the store, sealed with it, and are copied.\n"
    "  Exit code: 0 copied and verified, 1 refused, failed or the counts differ, 2 usage.\n";

int Fail(const std::string& message) {
  std::fprintf(stderr, "guestpass migrate-store: %s\n", message.c_str());
  return 1;
}

// What the copy leaves to the operator: the files kept beside the SQLite
// database that the PostgreSQL servers need too.
void PrintFilesNotCopied(const std::string& dir) {
  const fs::path master_key = fs::path(dir) / "master.key";
  std::cout << "not copied into the database (give every server on PostgreSQL the same):\n";
  if (fs::exists(master_key))
    std::cout << "  - the master key " << master_key.string()
              << ": start each server with it (--master-key-file FILE or GUESTPASS_MASTER_KEY), or the\n"
                 "    signing keys and the apps' secrets cannot be opened (a server refuses to start)\n";
  else
    std::cout << "  - the master key this store's server was given (--master-key-file or GUESTPASS_MASTER_KEY):\n"
                 "    give each server the same one, or the apps' secrets cannot be opened\n";
  std::cout << "  (the token signing keys were copied, sealed with that master key: tokens issued so far keep\n"
               "   verifying on every server that has it)\n";
}

}  // namespace

int MigrateStoreCommand(const std::vector<std::string>& args) {
  po::options_description desc;
  desc.add_options()("help,h", "")("from", po::value<std::string>())("to", po::value<std::string>())(
      "batch-size", po::value<int64_t>()->default_value(1000));
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(desc).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::fprintf(stderr, "guestpass migrate-store: %s\n%s", e.what(), kUsage);
    return 2;
  }
  if (vm.count("help")) {
    std::cout << kUsage;
    return 0;
  }
  if (!vm.count("from") || !vm.count("to")) {
    std::fprintf(stderr, "guestpass migrate-store: --from and --to are required\n%s", kUsage);
    return 2;
  }
  const int64_t batch = vm["batch-size"].as<int64_t>();
  if (batch < 1 || batch > 100'000) {
    std::fprintf(stderr, "guestpass migrate-store: --batch-size: expected 1..100000, got %lld\n",
                 static_cast<long long>(batch));
    return 2;
  }
  const std::string dir = vm["from"].as<std::string>();
  store::StoreLocation from{dir};
  store::StoreLocation to{dir};
  to.database = vm["to"].as<std::string>();

  store::migrate::MigrateOptions options;
  options.sqlite_path = store::DatabasePath(from);
  options.conninfo = to.database;
  options.batch_rows = static_cast<size_t>(batch);
  options.progress = [](const std::string& line) { std::cout << line << std::endl; };
  std::cout << "copying " << options.sqlite_path << " into " << store::DescribeStore(to)
            << "\n(a snapshot: one read transaction; what a server writes to it from now on is not copied)"
            << std::endl;
  auto report = store::migrate::CopySqliteToPostgres(options);
  if (!report.ok()) {
    if (report.status().code() == core::Code::kUnavailable || report.status().code() == core::Code::kInternal)
      return Fail(report.status().message() +
                  "\n(the database may hold part of the copy: run the same command again to resume)");
    return Fail(report.status().message());
  }
  for (const auto& line : report->not_copied) std::cout << "not copied by design: " << line << "\n";
  for (const auto& column : report->defaulted_columns)
    std::cout << "not in the SQLite store, left to PostgreSQL's default: " << column << "\n";

  std::printf("%-24s %12s %12s\n", "TABLE", "SQLITE", "POSTGRESQL");
  for (const auto& t : report->tables)
    std::printf("%-24s %12lld %12lld%s\n", t.table.c_str(), static_cast<long long>(t.source),
                static_cast<long long>(t.target), t.source == t.target ? "" : "  MISMATCH");
  std::fflush(stdout);
  if (!report->Verified())
    return Fail(
        "the row counts differ (MISMATCH above): did a server write to either database during the copy? Stop it, "
        "then copy again into a new, empty database");
  std::cout << "verified: every table has as many rows in PostgreSQL as in SQLite\n";
  PrintFilesNotCopied(dir);
  std::cout << "done: start the servers with --database on it (and the keys above)" << std::endl;
  return 0;
}

}  // namespace guestpass::app
