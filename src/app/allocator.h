// allocator.h: which malloc the guestpass binaries run on, for `guestpass
// version` and the start-up log. The server links jemalloc by default
// (CMake option GUESTPASS_JEMALLOC): with glibc's malloc a login cost ~25%
// more CPU, most of it in memory allocated by an HTTP thread and freed by the
// store's writer thread (docs/performance.md).
#pragma once

#include <string>

namespace guestpass::app {

// "jemalloc <version>" when linked with jemalloc, else "glibc malloc".
std::string AllocatorName();

}  // namespace guestpass::app
