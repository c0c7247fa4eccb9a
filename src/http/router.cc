// router.cc: compiling route tables and matching paths against them.
#include "http/router.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace guestpass::http {

using core::ErrorCode;
using core::Status;

namespace {

// The path's segments, skipping empty ones (collapses "//"). Held in place:
// matching allocates nothing. A path with more than kMax segments matches no
// route, so it only needs to be told apart (size() is then kMax + 1).
class Segments {
 public:
  static constexpr size_t kMax = Router::kMaxSegments;
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

std::vector<std::string_view> Split(std::string_view pattern) {
  std::vector<std::string_view> out;
  const Segments s(pattern);
  if (s.size() > Segments::kMax) {
    std::fprintf(stderr, "guestpass: route pattern %.*s has too many segments\n", static_cast<int>(pattern.size()),
                 pattern.data());
    std::abort();
  }
  for (size_t i = 0; i < s.size(); ++i) out.push_back(s[i]);
  return out;
}

bool IsParam(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

constexpr std::string_view kRestSuffix = "...}";

// "{name...}": a parameter that takes the rest of the path.
bool IsRestParam(std::string_view segment) {
  return IsParam(segment) && segment.size() > 1 + kRestSuffix.size() && segment.ends_with(kRestSuffix);
}

// The name inside "{name}" or "{name...}".
std::string_view ParamName(std::string_view segment) {
  segment = segment.substr(1, segment.size() - 2);
  return segment.ends_with("...") ? segment.substr(0, segment.size() - 3) : segment;
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

std::string_view RouteMatch::Param(std::string_view name) const {
  for (size_t i = 0; i < param_count_; ++i)
    if (params_[i].first == name) return params_[i].second;
  return {};
}

Router::Router(std::vector<Mount> mounts) {
  for (size_t m = 0; m < mounts.size(); ++m) {
    mounts_.push_back({Split(mounts[m].prefix)});
    for (const Route& route : mounts[m].routes) {
      Compiled c{&route, m, Split(route.pattern), false, mounts[m].prefix};
      size_t params = 0;
      bool misplaced_rest = false;
      for (size_t i = 0; i < c.segments.size(); ++i) {
        params += IsParam(c.segments[i]) ? 1 : 0;
        if (IsRestParam(c.segments[i])) {
          c.rest = i + 1 == c.segments.size();
          misplaced_rest = !c.rest;
        }
      }
      if (params > RouteMatch::kMaxParams || mounts_[m].prefix.size() + c.segments.size() > kMaxSegments ||
          misplaced_rest) {
        std::fprintf(stderr, "guestpass: route pattern %.*s has too many parameters or segments, or a misplaced rest\n",
                     static_cast<int>(route.pattern.size()), route.pattern.data());
        std::abort();
      }
      largest_body_ = std::max(largest_body_, c.route->max_body);
      routes_.push_back(std::move(c));
    }
  }
}

size_t Router::OwnerOf(std::string_view path) const {
  const Segments s(path);
  // The first mount whose prefix the path starts with owns the path (a path
  // too long for any route still has a first kMax segments to tell by).
  for (size_t m = 0; m < mounts_.size(); ++m) {
    const auto& prefix = mounts_[m].prefix;
    if (prefix.size() > std::min(s.size(), Segments::kMax)) continue;
    bool match = true;
    for (size_t i = 0; i < prefix.size() && match; ++i) match = prefix[i] == s[i];
    if (match) return m;
  }
  return mounts_.size();
}

std::optional<size_t> Router::MountOf(std::string_view target) const {
  std::string_view query;
  const size_t owner = OwnerOf(PathOf(target, &query));
  if (owner == mounts_.size()) return std::nullopt;
  return owner;
}

template <typename Each>
void Router::ForEachPathMatch(std::string_view path, Each&& each) const {
  const Segments s(path);
  if (s.size() > Segments::kMax) return;
  const size_t owner = OwnerOf(path);
  if (owner == mounts_.size()) return;
  const size_t skip = mounts_[owner].prefix.size();
  for (const Compiled& c : routes_) {
    if (c.mount != owner) continue;
    if (c.rest ? skip + c.segments.size() > s.size() : skip + c.segments.size() != s.size()) continue;
    std::array<std::pair<std::string_view, std::string_view>, RouteMatch::kMaxParams> params;
    size_t count = 0;
    bool match = true;
    for (size_t i = 0; i < c.segments.size() && match; ++i) {
      const std::string_view want = c.segments[i];
      std::string_view got = s[skip + i];
      if (c.rest && i + 1 == c.segments.size()) {
        // From this segment to the end of the last one: the rest of the path.
        const std::string_view last = s[s.size() - 1];
        got = std::string_view(got.data(), static_cast<size_t>(last.data() + last.size() - got.data()));
      }
      if (IsParam(want)) {
        params[count++] = {ParamName(want), got};
      } else {
        match = want == got;
      }
    }
    if (match && each(c, params, count)) return;
  }
}

core::Result<RouteMatch> Router::Match(bhttp::verb method, std::string_view target) const {
  std::string_view query;
  const std::string_view path = PathOf(target, &query);
  RouteMatch found;
  bool path_known = false;
  ForEachPathMatch(path, [&](const Compiled& c, const auto& params, size_t count) {
    path_known = true;
    if (c.route->method != method) return false;
    found.route = c.route;
    found.index = static_cast<size_t>(&c - routes_.data());
    found.params_ = params;
    found.param_count_ = count;
    return true;
  });
  if (found.route != nullptr) {
    found.query = query;
    return found;
  }
  if (!path_known) return Status::NotFound(ErrorCode::kNotFound, "no route for " + std::string(path));
  return Status::Make(
      core::Code::kMethodNotAllowed, ErrorCode::kMethodNotAllowed,
      "method " + std::string(Sv(bhttp::to_string(method))) + " is not allowed on " + std::string(path));
}

std::string Router::RouteLabel(size_t index) const {
  if (index >= routes_.size()) return "";
  const Compiled& c = routes_[index];
  return std::string(Sv(bhttp::to_string(c.route->method))) + " " + std::string(c.prefix) + std::string(c.route->pattern);
}

std::string Router::AllowedMethods(std::string_view target) const {
  std::string_view query;
  std::string out;
  ForEachPathMatch(PathOf(target, &query), [&](const Compiled& c, const auto&, size_t) {
    const std::string verb(Sv(bhttp::to_string(c.route->method)));
    if (out.find(verb + ", ") == std::string::npos) out += verb + ", ";
    return false;
  });
  out += "OPTIONS";
  return out;
}

}  // namespace guestpass::http
