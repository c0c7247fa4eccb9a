// router.cc: path parsing and the route table.
#include "http/router.h"

#include <array>
#include <utility>

namespace guestpass::http {

using core::ErrorCode;
using core::Status;

namespace {

// The path's segments, skipping empty ones (collapses "//"). Held in place:
// routing allocates nothing. No route has more than kMax segments, so a
// longer path only needs to be told apart (size() is then kMax + 1).
class Segments {
 public:
  static constexpr size_t kMax = 12;
  explicit Segments(std::string_view path) {
    size_t i = 0;
    while (i < path.size()) {
      size_t j = path.find('/', i);
      if (j == std::string_view::npos) j = path.size();
      if (j > i) {
        if (n_ == kMax) {
          n_ = kMax + 1;
          return;
        }
        s_[n_++] = path.substr(i, j - i);
      }
      i = j + 1;
    }
  }
  size_t size() const { return n_; }
  std::string_view operator[](size_t i) const { return i < kMax ? s_[i] : std::string_view(); }

 private:
  std::array<std::string_view, kMax> s_;
  size_t n_ = 0;
};

// The methods served on a path, and the route of each: Methods::Of({{verb,
// route}, ...}). A path with more than kMax methods does not compile.
class Methods {
 public:
  using Entry = std::pair<bhttp::verb, RouteId>;
  static constexpr size_t kMax = 4;
  template <size_t N>
  static Methods Of(const Entry (&list)[N]) {
    static_assert(N <= kMax, "a path serves at most Methods::kMax methods: raise kMax");
    Methods m;
    for (const Entry& e : list) m.v_[m.n_++] = e;
    return m;
  }
  const Entry* begin() const { return v_.data(); }
  const Entry* end() const { return v_.data() + n_; }

 private:
  std::array<Entry, kMax> v_{};
  size_t n_ = 0;
};

struct PathMatch {
  bool found = false;
  Methods methods;
  std::string app_id;
  std::string provider;
  std::string key_id;
};

PathMatch MatchPath(std::string_view path) {
  PathMatch m;
  const Segments s(path);
  using V = bhttp::verb;
  if (s.size() == 1 && s[0] == "healthz") {
    m.found = true;
    m.methods = Methods::Of({{V::get, RouteId::kHealth}});
    return m;
  }
  // api/client/v2.0 is three segments: "api", "client", "v2.0".
  if (s.size() < 4 || s[0] != "api" || s[1] != "client" || s[2] != "v2.0") return m;
  if (s[3] == "app" && s.size() >= 6) {
    m.app_id = std::string(s[4]);
    if (s.size() == 6 && s[5] == "location") {
      m.found = true;
      m.methods = Methods::Of({{V::get, RouteId::kLocation}});
    } else if (s.size() == 9 && s[5] == "auth" && s[6] == "providers" && s[8] == "login") {
      m.found = true;
      m.provider = std::string(s[7]);
      m.methods = Methods::Of({{V::post, RouteId::kLogin}});
    } else if ((s.size() == 9 || s.size() == 10) && s[5] == "auth" && s[6] == "providers" && s[7] == "local-userpass") {
      std::string op(s[8]);
      if (s.size() == 10) op += "/" + std::string(s[9]);
      static const char* const kOps[] = {"register", "confirm",    "confirm/send", "confirm/call",
                                         "reset",    "reset/send", "reset/call"};
      for (const char* known : kOps) {
        if (op == known) {
          m.found = true;
          m.provider = "local-userpass";
          m.key_id = op;
          m.methods = Methods::Of({{V::post, RouteId::kUserpass}});
        }
      }
    }
  } else if (s[3] == "auth" && s.size() == 5) {
    m.found = true;
    if (s[4] == "profile") {
      m.methods = Methods::Of({{V::get, RouteId::kProfile}});
    } else if (s[4] == "session") {
      m.methods = Methods::Of({{V::post, RouteId::kRefresh}, {V::delete_, RouteId::kLogout}});
    } else if (s[4] == "delete") {
      m.methods = Methods::Of({{V::delete_, RouteId::kDeleteUser}});
    } else if (s[4] == "api_keys") {
      m.methods = Methods::Of({{V::post, RouteId::kApiKeys}, {V::get, RouteId::kApiKeys}});
    } else {
      m.found = false;
    }
  } else if (s[3] == "auth" && s.size() >= 6 && s.size() <= 7 && s[4] == "api_keys") {
    m.found = true;
    m.key_id = std::string(s[5]);
    if (s.size() == 6) {
      m.methods = Methods::Of({{V::get, RouteId::kApiKey}, {V::delete_, RouteId::kApiKey}});
    } else if (s[6] == "enable") {
      m.methods = Methods::Of({{V::put, RouteId::kApiKeyEnable}});
    } else if (s[6] == "disable") {
      m.methods = Methods::Of({{V::put, RouteId::kApiKeyDisable}});
    } else {
      m.found = false;
    }
  }
  return m;
}

std::string_view PathOf(std::string_view target, std::string_view* query) {
  auto q = target.find('?');
  if (q == std::string_view::npos) {
    *query = {};
    return target;
  }
  *query = target.substr(q + 1);
  return target.substr(0, q);
}
}  // namespace

std::string AllowedMethods(std::string_view target) {
  std::string_view query;
  PathMatch m = MatchPath(PathOf(target, &query));
  std::string out;
  for (const auto& [verb, id] : m.methods) {
    out += std::string(Sv(bhttp::to_string(verb)));
    out += ", ";
  }
  out += "OPTIONS";
  return out;
}

core::Result<RouteMatch> Route(bhttp::verb method, std::string_view target) {
  std::string_view query;
  std::string_view path = PathOf(target, &query);
  if (method == bhttp::verb::options) return RouteMatch{RouteId::kPreflight, {}, {}, std::string(query), {}};
  PathMatch m = MatchPath(path);
  if (!m.found) return Status::NotFound(ErrorCode::kNotFound, "no route for " + std::string(path));
  for (const auto& [verb, id] : m.methods) {
    if (verb == method)
      return RouteMatch{id, std::move(m.app_id), std::move(m.provider), std::string(query), std::move(m.key_id)};
  }
  return Status::Make(
      core::Code::kMethodNotAllowed, ErrorCode::kMethodNotAllowed,
      "method " + std::string(Sv(bhttp::to_string(method))) + " is not allowed on " + std::string(path));
}

}  // namespace guestpass::http
