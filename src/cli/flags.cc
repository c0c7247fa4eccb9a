// flags.cc: parsing the admin CLI's flags.
#include "cli/flags.h"

#include <algorithm>

namespace guestpass::cli {

using core::ErrorCode;
using core::Status;

namespace {
Status Usage(std::string message) { return Status::InvalidArgument(ErrorCode::kNone, std::move(message)); }
}  // namespace

core::Result<Flags> Flags::Parse(const std::vector<std::string>& args, const std::vector<FlagSpec>& spec) {
  Flags flags;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "-h" || arg == "--help") {
      flags.values_["help"] = std::nullopt;
      continue;
    }
    if (arg.size() < 3 || arg.compare(0, 2, "--") != 0) return Usage("unexpected argument '" + arg + "'");
    std::string name = arg.substr(2);
    std::optional<std::string> inline_value;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      inline_value = name.substr(eq + 1);
      name.resize(eq);
    }
    auto it = std::find_if(spec.begin(), spec.end(), [&](const FlagSpec& s) { return s.name == name; });
    if (it == spec.end()) return Usage("unknown flag --" + name);
    if (flags.values_.count(name)) return Usage("--" + name + " is given twice");
    if (!it->takes_value) {
      if (inline_value) return Usage("--" + name + " takes no value");
      flags.values_[name] = std::nullopt;
      continue;
    }
    if (!inline_value) {
      if (i + 1 >= args.size() || args[i + 1].compare(0, 2, "--") == 0) return Usage("--" + name + " needs a value");
      inline_value = args[++i];
    }
    flags.values_[name] = std::move(inline_value);
  }
  return flags;
}

std::optional<std::string> Flags::Value(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::nullopt : it->second;
}

std::string Flags::ValueOr(const std::string& name, const std::string& fallback) const {
  return Value(name).value_or(fallback);
}

std::vector<std::string> SplitList(const std::string& list) {
  std::vector<std::string> items;
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    if (comma == std::string::npos) comma = list.size();
    if (comma > start) items.push_back(list.substr(start, comma - start));
    start = comma + 1;
  }
  return items;
}

core::Result<int64_t> ParseCount(const std::string& flag, const std::string& text, int64_t min, int64_t max) {
  int64_t n = 0;
  bool ok = !text.empty() && text.size() <= 12;
  for (char c : text) {
    if (c < '0' || c > '9') ok = false;
    if (ok) n = n * 10 + (c - '0');
  }
  if (!ok || n < min || n > max)
    return Usage("--" + flag + ": expected a number from " + std::to_string(min) + " to " + std::to_string(max) +
                 ", got '" + text + "'");
  return n;
}

}  // namespace guestpass::cli
