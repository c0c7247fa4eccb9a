// limits.cc: see limits.h.
#include "app/limits.h"

#include <sys/resource.h>

#include <algorithm>

namespace guestpass::app {

uint64_t RaiseDescriptorLimit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  return limit.rlim_cur == RLIM_INFINITY ? UINT64_MAX : static_cast<uint64_t>(limit.rlim_cur);
}

uint64_t ConnectionCap(int64_t configured, uint64_t descriptor_limit) {
  if (configured > 0) return static_cast<uint64_t>(configured);
  constexpr uint64_t kDefault = 10'000, kReserved = 64, kFloor = 16;
  if (descriptor_limit == 0) return kDefault;
  const uint64_t room = descriptor_limit > kReserved ? descriptor_limit - kReserved : 0;
  return std::max(kFloor, std::min(kDefault, room));
}

}  // namespace guestpass::app
