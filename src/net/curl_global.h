// curl_global.h: libcurl's process-wide initialisation, done once for every
// module that uses libcurl (JWK fetches, SMTP, webhooks).
#pragma once

namespace guestpass::net {

// Calls curl_global_init once per process (thread-safe); aborts if it fails.
void InitCurlOnce();

}  // namespace guestpass::net
