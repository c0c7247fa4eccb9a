// flags.h: the command-line flags of the admin CLI's commands
// (`--name VALUE`, `--name=VALUE`, switches). Only flags: a command's words
// (`apps list`) are taken off before parsing. Not a general option parser.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"

namespace guestpass::cli {

// One flag a command accepts: its name without the dashes and whether a value
// follows it.
struct FlagSpec {
  std::string name;
  bool takes_value = true;
};

// The flags given to one command.
class Flags {
 public:
  // Parses `args` against `spec`. `--help` and `-h` are always accepted (as
  // "help"). InvalidArgument with a one-line message for an unknown flag, a
  // flag given twice, a value missing or given to a switch, and any word that
  // is not a flag.
  static core::Result<Flags> Parse(const std::vector<std::string>& args, const std::vector<FlagSpec>& spec);

  bool Has(const std::string& name) const { return values_.count(name) > 0; }
  // The flag's value, or nullopt when it was not given (or is a switch).
  std::optional<std::string> Value(const std::string& name) const;
  // The flag's value, or `fallback`.
  std::string ValueOr(const std::string& name, const std::string& fallback) const;

 private:
  std::map<std::string, std::optional<std::string>> values_;
};

// Splits "a,b,,c" into {"a", "b", "c"} (empty items dropped).
std::vector<std::string> SplitList(const std::string& list);

// Parses a decimal count in [min, max]; InvalidArgument naming `flag` otherwise.
core::Result<int64_t> ParseCount(const std::string& flag, const std::string& text, int64_t min, int64_t max);

}  // namespace guestpass::cli
