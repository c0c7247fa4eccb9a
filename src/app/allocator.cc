// allocator.cc: see allocator.h.
#include "app/allocator.h"

#include <cstdint>
#include <cstdlib>

#ifdef GUESTPASS_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

namespace guestpass::app {

std::string AllocatorName() {
#ifdef GUESTPASS_JEMALLOC
  // mallctl also makes the link need libjemalloc, so the linker keeps it (and
  // its malloc ahead of libc's) even with --as-needed.
  const char* version = nullptr;
  size_t size = sizeof(version);
  if (mallctl("version", &version, &size, nullptr, 0) != 0 || version == nullptr) version = "?";
  // Linked is not enough: the process's malloc must be jemalloc's, which its
  // per-thread byte counter tells.
  auto allocated = [] {
    uint64_t bytes = 0;
    size_t n = sizeof(bytes);
    return mallctl("thread.allocated", &bytes, &n, nullptr, 0) == 0 ? bytes : 0;
  };
  const uint64_t before = allocated();
  void* volatile probe = std::malloc(4096);
  const uint64_t after = allocated();
  std::free(probe);
  const char* note = after >= before + 4096 ? "" : ", not the process's malloc";
  return std::string("jemalloc ") + version + note;
#else
  return "glibc malloc";
#endif
}

}  // namespace guestpass::app
