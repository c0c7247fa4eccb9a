// diff.cc: unified diffs through dtl.
#include "admin/diff.h"

#include <dtl/dtl.hpp>
#include <set>
#include <sstream>

namespace guestpass::admin {

namespace {
std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}
}  // namespace

std::string UnifiedDiff(const std::string& path, const std::string& before, const std::string& after) {
  if (before == after) return "";
  const std::vector<std::string> a = Lines(before);
  const std::vector<std::string> b = Lines(after);
  dtl::Diff<std::string, std::vector<std::string>> diff(a, b);
  diff.compose();
  diff.composeUnifiedHunks();
  std::ostringstream out;
  out << "--- " << (before.empty() ? "/dev/null" : "a/" + path) << "\n";
  out << "+++ " << (after.empty() ? "/dev/null" : "b/" + path) << "\n";
  diff.printUnifiedFormat(out);
  return out.str();
}

std::vector<std::string> DiffFiles(const config::AppFiles& before, const config::AppFiles& after) {
  std::set<std::string> paths;
  for (const auto& [path, text] : before) paths.insert(path);
  for (const auto& [path, text] : after) paths.insert(path);
  std::vector<std::string> out;
  for (const auto& path : paths) {
    auto b = before.find(path);
    auto a = after.find(path);
    std::string d = UnifiedDiff(path, b == before.end() ? "" : b->second, a == after.end() ? "" : a->second);
    if (!d.empty()) out.push_back(std::move(d));
  }
  return out;
}

}  // namespace guestpass::admin
