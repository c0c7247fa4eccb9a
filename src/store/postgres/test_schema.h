// test_schema.h: test-only helpers for the PostgreSQL back end: the database
// the tests use (GUESTPASS_TEST_PG_URL; scripts/test.sh starts a throwaway
// cluster and sets it) and a fresh schema per test, so tests sharing one
// database stay independent. Never used by production code.
#pragma once

#include <cstdlib>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "core/random.h"
#include "store/postgres/pg_connection.h"

namespace guestpass::store::postgres::testing {

// The tests' database URL, or "" when PostgreSQL tests are to be skipped.
inline std::string TestDatabaseUrl() {
  const char* url = std::getenv("GUESTPASS_TEST_PG_URL");
  return url != nullptr ? url : "";
}

inline constexpr const char* kSkipWithoutDatabase =
    "GUESTPASS_TEST_PG_URL is not set (scripts/test.sh starts a throwaway PostgreSQL and sets it)";

// Runs `sql` on the tests' database; the status.
inline core::Status RunOnTestDatabase(const std::string& sql) {
  auto db = Connection::Open({TestDatabaseUrl(), "", std::chrono::milliseconds(10'000)});
  if (!db.ok()) return db.status();
  return (*db)->ExecScript(sql);
}

// Schema names for tests ("gp_test_<random>"). Each call first drops the
// schemas it handed out before (their stores are gone by then: one test at
// a time), and the last ones go when the test binary exits.
class TestSchemas {
 public:
  static std::string Fresh() {
    static TestSchemas schemas;
    return schemas.Next();
  }
  ~TestSchemas() { DropAll(); }

 private:
  std::string Next() {
    std::lock_guard<std::mutex> lock(mu_);
    DropAll();
    std::string name = "gp_test_" + core::RandomLowercase(random_, 16);
    made_.push_back(name);
    return name;
  }
  void DropAll() {
    for (const auto& name : made_) (void)RunOnTestDatabase("DROP SCHEMA IF EXISTS " + name + " CASCADE");
    made_.clear();
  }
  std::mutex mu_;
  core::SeededRandom random_{static_cast<uint64_t>(std::random_device{}())};
  std::vector<std::string> made_;
};

}  // namespace guestpass::store::postgres::testing
