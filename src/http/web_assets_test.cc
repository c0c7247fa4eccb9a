// web_assets_test.cc: the embedded web/ files (their table, the build id),
// content types, and the headers of the page and of an asset: CSP, framing,
// caching, and refusals of unknown paths and other builds' ids.
#include "http/web_assets.h"

#include <gtest/gtest.h>

#include <string>

namespace guestpass::http::web {
namespace {

using bhttp::field;

TEST(WebAssetsTest, TheTableIsSortedByPathAndHasThePageAndItsModules) {
  const auto files = EmbeddedFiles();
  ASSERT_FALSE(files.empty());
  for (size_t i = 1; i < files.size(); ++i) EXPECT_LT(files[i - 1].path, files[i].path);
  ASSERT_NE(FindFile("index.html"), nullptr);
  ASSERT_NE(FindFile("app.js"), nullptr);
  ASSERT_NE(FindFile("app.css"), nullptr);
  EXPECT_EQ(FindFile("missing.js"), nullptr);
  EXPECT_EQ(FindFile("/app.js"), nullptr);
  EXPECT_EQ(FindFile("../app.js"), nullptr);
  EXPECT_EQ(FindFile(""), nullptr);
}

TEST(WebAssetsTest, TheBuildIdIsSixteenHexDigits) {
  const std::string_view id = BuildId();
  ASSERT_EQ(id.size(), 16u);
  for (char c : id) EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) << id;
  EXPECT_EQ(AssetBase(), "/assets/" + std::string(id));
}

TEST(WebAssetsTest, ContentTypesFollowTheExtension) {
  EXPECT_EQ(ContentTypeOf("index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(ContentTypeOf("pages/apps.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(ContentTypeOf("app.css"), "text/css; charset=utf-8");
  EXPECT_EQ(ContentTypeOf("icon.svg"), "image/svg+xml");
  EXPECT_EQ(ContentTypeOf("README"), "application/octet-stream");
  EXPECT_EQ(ContentTypeOf("x.js.map2"), "application/octet-stream");
}

void ExpectSecurityHeaders(const Response& res) {
  EXPECT_EQ(Sv(res["Content-Security-Policy"]), kContentSecurityPolicy);
  EXPECT_EQ(Sv(res["X-Frame-Options"]), "DENY");
  EXPECT_EQ(Sv(res["X-Content-Type-Options"]), "nosniff");
  EXPECT_EQ(Sv(res["Referrer-Policy"]), "no-referrer");
  EXPECT_EQ(res.find(field::access_control_allow_origin), res.end());
}

TEST(WebAssetsTest, ThePolicyAllowsNothingInlineAndNothingFromElsewhere) {
  const std::string_view csp = kContentSecurityPolicy;
  EXPECT_NE(csp.find("default-src 'self'"), std::string_view::npos);
  EXPECT_NE(csp.find("connect-src 'self'"), std::string_view::npos);
  EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string_view::npos);
  EXPECT_EQ(csp.find("unsafe"), std::string_view::npos);
  EXPECT_EQ(csp.find('*'), std::string_view::npos);
}

TEST(WebAssetsTest, ThePageIsNeverCachedAndNamesThisBuildsAssets) {
  const Response res = IndexResponse(11);
  EXPECT_EQ(res.result(), bhttp::status::ok);
  EXPECT_EQ(Sv(res[field::content_type]), "text/html; charset=utf-8");
  EXPECT_EQ(Sv(res[field::cache_control]), "no-cache");
  ExpectSecurityHeaders(res);
  EXPECT_NE(res.body().find(AssetBase() + "/app.js"), std::string::npos) << res.body();
  EXPECT_NE(res.body().find(AssetBase() + "/app.css"), std::string::npos) << res.body();
  EXPECT_EQ(res.body().find("%ASSETS%"), std::string::npos);
  // No inline script or style: the CSP would refuse them.
  EXPECT_EQ(res.body().find("<script>"), std::string::npos);
  EXPECT_EQ(res.body().find("<style"), std::string::npos);
  EXPECT_EQ(res.body().find("style="), std::string::npos);
  EXPECT_EQ(Sv(res[field::content_length]), std::to_string(res.body().size()));
}

TEST(WebAssetsTest, AnAssetIsCachedForAYearAsImmutable) {
  auto res = AssetResponse(BuildId(), "app.js", 11);
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  EXPECT_EQ(res->result(), bhttp::status::ok);
  EXPECT_EQ(Sv((*res)[field::content_type]), "text/javascript; charset=utf-8");
  EXPECT_EQ(Sv((*res)[field::cache_control]), "public, max-age=31536000, immutable");
  ExpectSecurityHeaders(*res);
  EXPECT_EQ(res->body(), FindFile("app.js")->bytes);
}

TEST(WebAssetsTest, UnknownPathsAndOtherBuildsAreNotFound) {
  for (auto [build, path] : std::initializer_list<std::pair<std::string_view, std::string_view>>{
           {BuildId(), "missing.js"},
           {BuildId(), "../app.js"},
           {BuildId(), "index.html"},  // the page has one URL: /
           {"0000000000000000", "app.js"},
           {"", "app.js"}}) {
    auto res = AssetResponse(build, path, 11);
    ASSERT_FALSE(res.ok()) << build << " " << path;
    EXPECT_EQ(res.status().code(), core::Code::kNotFound);
  }
}

}  // namespace
}  // namespace guestpass::http::web
