// web_assets.cc: finding the embedded web/ files and the responses that serve them.
#include "http/web_assets.h"

#include <algorithm>

namespace guestpass::http::web {

using core::ErrorCode;
using core::Status;

namespace {
// Beast 1.74 takes its own string_view.
boost::beast::string_view Bsv(std::string_view s) { return {s.data(), s.size()}; }
}  // namespace

std::string AssetBase() { return "/assets/" + std::string(BuildId()); }

std::string_view ContentTypeOf(std::string_view path) {
  struct Type {
    std::string_view extension;
    std::string_view content_type;
  };
  static constexpr Type kTypes[] = {
      {".html", "text/html; charset=utf-8"},  {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
      {".svg", "image/svg+xml"},               {".json", "application/json"},
      {".png", "image/png"},                   {".txt", "text/plain; charset=utf-8"},
  };
  for (const Type& t : kTypes)
    if (path.ends_with(t.extension)) return t.content_type;
  return "application/octet-stream";
}

const EmbeddedFile* FindFile(std::string_view path) {
  const auto files = EmbeddedFiles();
  const auto it = std::lower_bound(files.begin(), files.end(), path,
                                   [](const EmbeddedFile& f, std::string_view p) { return f.path < p; });
  return it != files.end() && it->path == path ? &*it : nullptr;
}

void AddSecurityHeaders(Response& res) {
  res.set("Content-Security-Policy", Bsv(kContentSecurityPolicy));
  res.set("X-Frame-Options", "DENY");
  res.set("X-Content-Type-Options", "nosniff");
  res.set("Referrer-Policy", "no-referrer");
}

namespace {
Response FileResponse(std::string_view content_type, std::string body, std::string_view cache_control,
                      unsigned version) {
  Response res{bhttp::status::ok, version};
  res.set(bhttp::field::content_type, Bsv(content_type));
  res.set(bhttp::field::cache_control, Bsv(cache_control));
  AddSecurityHeaders(res);
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

// index.html as served: built once, the build id does not change while running.
const std::string& IndexHtml() {
  static const std::string html = [] {
    const EmbeddedFile* file = FindFile("index.html");
    std::string out = file != nullptr ? std::string(file->bytes) : std::string("<!doctype html><title>guestpass</title>");
    const std::string base = AssetBase();
    static constexpr std::string_view kPlaceholder = "%ASSETS%";
    for (size_t at = out.find(kPlaceholder); at != std::string::npos; at = out.find(kPlaceholder, at + base.size()))
      out.replace(at, kPlaceholder.size(), base);
    return out;
  }();
  return html;
}
}  // namespace

Response IndexResponse(unsigned version) {
  return FileResponse("text/html; charset=utf-8", IndexHtml(), "no-cache", version);
}

core::Result<Response> AssetResponse(std::string_view build, std::string_view path, unsigned version) {
  const EmbeddedFile* file = build == BuildId() ? FindFile(path) : nullptr;
  if (file == nullptr || path == "index.html")
    return Status::NotFound(ErrorCode::kNotFound, "no asset " + std::string(path) + " in build " + std::string(build));
  return FileResponse(ContentTypeOf(path), std::string(file->bytes), "public, max-age=31536000, immutable", version);
}

}  // namespace guestpass::http::web
