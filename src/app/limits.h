// limits.h: the process's own limits at start: the file-descriptor limit
// raised to its hard limit (every connection is a descriptor), and the
// connection cap that follows from it.
#pragma once

#include <cstdint>

namespace guestpass::app {

// Raises RLIMIT_NOFILE's soft limit to its hard limit; returns the soft
// limit in force afterwards (0 if it cannot be read).
uint64_t RaiseDescriptorLimit();

// The connection cap: `configured` when given (> 0), else 10,000 but at
// most the descriptor limit less 64 (kept for the store, logs and outgoing
// connections), and never below 16.
uint64_t ConnectionCap(int64_t configured, uint64_t descriptor_limit);

}  // namespace guestpass::app
