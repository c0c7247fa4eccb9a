// session_listener.cc: the LISTEN connection of the PostgreSQL back end,
// its notifications and its read barriers (see session_listener.h).
#include "store/postgres/session_listener.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

namespace guestpass::store::postgres {

namespace {

constexpr std::string_view kChannelPrefix = "guestpass_sessions";
// PostgreSQL's limit on a payload is 8000 bytes; an id takes 25 with its comma.
constexpr size_t kIdsPerPayload = 300;
// PostgreSQL's identifiers (channel names) have at most 63 bytes.
constexpr size_t kMaxChannelLength = 63;

void Release(std::vector<std::function<void(bool)>>& waiters, bool live) {
  for (auto& then : waiters) then(live);
  waiters.clear();
}

}  // namespace

std::string SessionListener::ChannelFor(const std::string& schema) {
  std::string channel(kChannelPrefix);
  if (schema.empty()) return channel;
  bool plain = channel.size() + 1 + schema.size() <= kMaxChannelLength;
  for (char c : schema) plain = plain && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_');
  if (plain) return channel + "_" + schema;
  uint64_t h = 14695981039346656037ull;  // FNV-1a
  for (unsigned char c : schema) h = (h ^ c) * 1099511628211ull;
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return channel + "_" + hex;
}

std::vector<std::string> SessionListener::Payloads(const std::vector<core::ObjectId>& users) {
  std::vector<std::string> out;
  for (size_t i = 0; i < users.size(); ++i) {
    if (i % kIdsPerPayload == 0) {
      out.emplace_back();
      out.back().reserve(std::min(users.size() - i, kIdsPerPayload) * 25);
    } else {
      out.back() += ',';
    }
    users[i].AppendHex(out.back());
  }
  return out;
}

SessionListener::SessionListener(Options options, SessionCache& cache)
    : options_(std::move(options)), cache_(cache), wake_fd_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
  first_ = Listen();
  if (first_) live_ = true;
  thread_ = std::thread([this] { Run(); });
}

SessionListener::~SessionListener() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  Wake();
  thread_.join();
  if (wake_fd_ >= 0) close(wake_fd_);
}

std::unique_ptr<Connection> SessionListener::Listen() {
  auto db = Connection::Open(options_.connection);
  if (!db.ok()) return nullptr;
  // The name lets an operator (and the tests) find this session in
  // pg_stat_activity. Channel names are plain lowercase (ChannelFor).
  if (!(*db)->ExecScript("SET application_name = 'guestpass-listener'; LISTEN \"" + options_.channel + "\"").ok())
    return nullptr;
  // Whatever changed before LISTEN took effect was not notified here.
  cache_.Clear();
  connects_.fetch_add(1, std::memory_order_relaxed);
  return std::move(*db);
}

void SessionListener::AfterBarrier(std::function<void(bool live)> then) {
  bool wake = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (live_ && !stopping_) {
      waiters_.push_back(std::move(then));
      wake = idle_;
      idle_ = false;
      then = nullptr;
    }
  }
  if (then) return then(false);
  if (wake) Wake();
}

void SessionListener::Wake() {
  const uint64_t one = 1;
  if (wake_fd_ >= 0) (void)!write(wake_fd_, &one, sizeof one);
}

SessionListener::Stats SessionListener::stats() const {
  Stats s;
  {
    std::lock_guard<std::mutex> lock(mu_);
    s.listening = live_;
  }
  s.connects = connects_.load(std::memory_order_relaxed);
  s.barriers = barriers_.load(std::memory_order_relaxed);
  s.notifications = notifications_.load(std::memory_order_relaxed);
  return s;
}

void SessionListener::Apply(Connection& db) {
  while (auto n = db.TakeNotification()) {
    notifications_.fetch_add(1, std::memory_order_relaxed);
    if (n->channel != options_.channel) continue;
    const std::string_view payload = n->payload;
    if (payload == kEveryone) {
      cache_.Clear();
      continue;
    }
    for (size_t start = 0; start <= payload.size();) {
      size_t comma = payload.find(',', start);
      if (comma == std::string_view::npos) comma = payload.size();
      if (auto id = core::ObjectId::FromHex(payload.substr(start, comma - start)))
        cache_.InvalidateUser(*id);
      else
        cache_.Clear();  // not ours to parse: drop everything rather than guess
      start = comma + 1;
    }
  }
}

void SessionListener::GoDown(std::unique_ptr<Connection>& db) {
  std::vector<std::function<void(bool)>> waiting;
  {
    std::lock_guard<std::mutex> lock(mu_);
    live_ = false;
    waiting.swap(waiters_);
  }
  // After live_: no reader looks in the cache from now on, and a read that
  // was under way is not cached (Clear moves the generation).
  cache_.Clear();
  db.reset();
  Release(waiting, false);
}

bool SessionListener::WaitForInput(Connection& db) {
  pollfd fds[2] = {{db.socket(), POLLIN, 0}, {wake_fd_, POLLIN, 0}};
  int ready = poll(fds, 2, /*timeout ms=*/1000);
  if (ready < 0 && errno != EINTR) return false;
  if (fds[1].revents & POLLIN) {
    uint64_t count = 0;
    (void)!read(wake_fd_, &count, sizeof count);
  }
  if (fds[0].revents != 0 && !db.CheckIdle()) return false;
  return true;
}

void SessionListener::Run() {
  std::unique_ptr<Connection> db = std::move(first_);
  std::vector<std::function<void(bool)>> batch;
  for (;;) {
    if (!db) {
      {
        std::unique_lock<std::mutex> lock(mu_);
        if (stopping_) return;
      }
      db = Listen();
      std::unique_lock<std::mutex> lock(mu_);
      if (db) {
        live_ = true;
        continue;
      }
      stop_cv_.wait_for(lock, options_.reconnect_pause, [&] { return stopping_; });
      continue;
    }
    bool wait = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) break;
      if (waiters_.empty()) {
        idle_ = true;
        wait = true;
      } else {
        batch.swap(waiters_);
      }
    }
    if (wait) {
      const bool ok = WaitForInput(*db);
      {
        std::lock_guard<std::mutex> lock(mu_);
        idle_ = false;
      }
      Apply(*db);
      if (!ok) GoDown(db);
      continue;
    }
    const core::Status synced = db->Sync();
    Apply(*db);
    if (!synced.ok()) {
      GoDown(db);
      Release(batch, false);
      continue;
    }
    barriers_.fetch_add(1, std::memory_order_relaxed);
    Release(batch, true);
  }
  GoDown(db);
}

}  // namespace guestpass::store::postgres
