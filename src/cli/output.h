// output.h: what the admin CLI prints for people: aligned tables, times and
// redacted secrets, and the tables of apps, providers, users,
// deployments and secrets rendered from the Admin API's JSON. --json output bypasses
// all of this. Pure functions: no I/O.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace guestpass::cli {

// Rows of text under a header, each column as wide as its widest cell, two
// spaces apart, no trailing spaces.
class Table {
 public:
  explicit Table(std::vector<std::string> header) : rows_{std::move(header)} {}
  // REQUIRES: `row` has as many cells as the header.
  void Add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  std::string Render() const;

 private:
  std::vector<std::vector<std::string>> rows_;
};

// "2026-11-23T10:00:00Z" for a UNIX time in seconds; "-" for 0 or less.
std::string FormatTime(int64_t unix_seconds);

// `secret` with all but its last four characters as '*' ("********abcd");
// all '*' when it is 12 characters or shorter.
std::string Redact(const std::string& secret);

// Tables for arrays of the Admin API's objects (admin-api.md). A field
// missing or of another type shows as "".
std::string AppsTable(const nlohmann::json& apps);
std::string ProvidersTable(const nlohmann::json& providers);
std::string UsersTable(const nlohmann::json& users);
// Pending registrations: ID, EMAIL, CONFIRMED, CREATED.
std::string PendingTable(const nlohmann::json& pending);
// Log entries: TIME, TYPE, EVENT, STATUS, USER, REMOTE, ERROR.
std::string LogsTable(const nlohmann::json& logs);
std::string DeploymentsTable(const nlohmann::json& deployments);
// Secrets are {_id, name}: a table of them never has a value to show.
std::string SecretsTable(const nlohmann::json& secrets);

}  // namespace guestpass::cli
