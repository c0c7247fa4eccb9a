// store_contract_test.cc: runs the Store contract against every back end:
// memory always, SQLite on a fresh file per test (WAL needs a real file).
#include "store/store_contract_test.h"

#include <filesystem>

#include "store/memory/memory_store.h"
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

INSTANTIATE_TEST_SUITE_P(Backends, StoreContractTest, ::testing::Values(Memory(), Sqlite()),
                         [](const ::testing::TestParamInfo<StoreFactory>& info) { return info.param.name; });

}  // namespace
}  // namespace guestpass::store
