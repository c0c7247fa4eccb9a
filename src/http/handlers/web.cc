// web.cc: the handlers that serve the admin web UI (http/web_assets.h).
#include "http/handlers/handlers.h"
#include "http/web_assets.h"

namespace guestpass::http {

HandlerResult HandleWebIndex(const Exchange& ex) { co_return web::IndexResponse(ex.request.version()); }

HandlerResult HandleWebAsset(const Exchange& ex) {
  co_return web::AssetResponse(ex.route.Param("build"), ex.route.Param("path"), ex.request.version());
}

}  // namespace guestpass::http
