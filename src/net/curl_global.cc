// curl_global.cc: the one curl_global_init of the process.
#include "net/curl_global.h"

#include <curl/curl.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>

namespace guestpass::net {

void InitCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      std::fprintf(stderr, "guestpass: fatal: curl_global_init failed\n");
      std::abort();
    }
  });
}

}  // namespace guestpass::net
