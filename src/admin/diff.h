// diff.h: unified diffs of configuration files, as the Admin API shows a
// draft's changes (GET .../drafts/{id}/diff) and `guestpass push` before it
// deploys. The line diff itself is dtl's (Debian's libdtl-dev).
#pragma once

#include <string>
#include <vector>

#include "config/app_dir.h"

namespace guestpass::admin {

// The unified diff ("--- a/PATH", "+++ b/PATH", "@@" hunks, 3 lines of
// context) turning `before` into `after`; empty when they are equal.
std::string UnifiedDiff(const std::string& path, const std::string& before, const std::string& after);

// One unified diff per file that differs, added or removed, in path order.
std::vector<std::string> DiffFiles(const config::AppFiles& before, const config::AppFiles& after);

}  // namespace guestpass::admin
