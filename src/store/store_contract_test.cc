// store_contract_test.cc: runs the Store contract against every back end:
// memory always, SQLite on a fresh file per test (WAL needs a real file),
// PostgreSQL in a fresh schema per test when GUESTPASS_TEST_PG_URL names a
// database (skipped otherwise; scripts/test.sh provides one).
#include "store/store_contract_test.h"

#include <filesystem>

#include "store/memory/memory_store.h"
#include "store/postgres/postgres_store.h"
#include "store/postgres/test_schema.h"
#include "store/sqlite/sqlite_store.h"

namespace guestpass::store {
namespace {

StoreFactory Memory() {
  return {"Memory", [](const std::string&) -> core::Result<std::unique_ptr<Store>> {
            return std::unique_ptr<Store>(std::make_unique<memory::MemoryStore>());
          }};
}

StoreFactory Sqlite() {
  return {"Sqlite", [](const std::string& dir) -> core::Result<std::unique_ptr<Store>> {
            auto store = sqlite::SqliteStore::Open({(std::filesystem::path(dir) / "guestpass.db").string()});
            if (!store.ok()) return store.status();
            return std::unique_ptr<Store>(std::move(*store));
          }};
}

StoreFactory Postgres() {
  namespace pgt = postgres::testing;
  return {"Postgres",
          [](const std::string&) -> core::Result<std::unique_ptr<Store>> {
            postgres::PostgresOptions options;
            options.conninfo = pgt::TestDatabaseUrl();
            options.schema = pgt::TestSchemas::Fresh();
            auto store = postgres::PostgresStore::Open(options);
            if (!store.ok()) return store.status();
            return std::unique_ptr<Store>(std::move(*store));
          },
          [] { return pgt::TestDatabaseUrl().empty() ? std::string(pgt::kSkipWithoutDatabase) : std::string(); }};
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreContractTest, ::testing::Values(Memory(), Sqlite(), Postgres()),
                         [](const ::testing::TestParamInfo<StoreFactory>& info) { return info.param.name; });

}  // namespace
}  // namespace guestpass::store
