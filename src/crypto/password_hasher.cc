// password_hasher.cc: libsodium Argon2id behind a worker pool.
#include "crypto/password_hasher.h"

#include <sodium.h>

#include <cstdio>
#include <cstdlib>

namespace guestpass::crypto {

PasswordHashCost PasswordHashCost::Interactive() {
  return {crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE};
}

PasswordHashCost PasswordHashCost::Minimum() { return {crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN}; }

namespace {
bool HashNow(const std::string& password, const PasswordHashCost& cost, std::string* out) {
  char buf[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(buf, password.data(), password.size(), cost.ops_limit, cost.mem_limit,
                            crypto_pwhash_ALG_ARGON2ID13) != 0)
    return false;  // out of memory
  *out = buf;
  return true;
}

core::Status Busy() {
  return core::Status::Unavailable("the server is busy checking passwords; retry in a moment");
}
}  // namespace

PasswordHasher::PasswordHasher(PasswordHashCost cost, int threads, size_t max_queued)
    : cost_(cost), max_queued_(max_queued > 0 ? max_queued : 16 * static_cast<size_t>(std::max(1, threads))) {
  if (sodium_init() < 0) {
    std::fputs("guestpass: fatal: sodium_init failed\n", stderr);
    std::abort();
  }
  for (int i = 0; i < std::max(1, threads); ++i) workers_.emplace_back([this] { Run(); });
}

PasswordHasher::~PasswordHasher() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& w : workers_) w.join();
}

bool PasswordHasher::Post(std::function<void()> job) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (jobs_.size() >= max_queued_) return false;
    jobs_.push_back(std::move(job));
  }
  cv_.notify_one();
  return true;
}

size_t PasswordHasher::queued() const {
  std::lock_guard<std::mutex> lock(mu_);
  return jobs_.size();
}

void PasswordHasher::Run() {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) return;  // stopping and drained
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    job();
  }
}

// The jobs below keep `done` in a shared_ptr so that a refused Post can still
// call it (the job, which owned it, is gone by then).
void PasswordHasher::Hash(std::string password, std::function<void(core::Result<std::string>)> done) {
  auto callback = std::make_shared<decltype(done)>(std::move(done));
  if (!Post([this, password = std::move(password), callback]() mutable {
        std::string hash;
        const bool ok = HashNow(password, cost_, &hash);
        sodium_memzero(password.data(), password.size());
        if (!ok) return (*callback)(core::Status::Unavailable("password hashing ran out of memory"));
        (*callback)(std::move(hash));
      }))
    (*callback)(Busy());
}

void PasswordHasher::Verify(std::string encoded_hash, std::string password,
                            std::function<void(core::Result<bool>)> done) {
  auto callback = std::make_shared<decltype(done)>(std::move(done));
  if (!Post([encoded_hash = std::move(encoded_hash), password = std::move(password), callback]() mutable {
        const bool match = crypto_pwhash_str_verify(encoded_hash.c_str(), password.data(), password.size()) == 0;
        sodium_memzero(password.data(), password.size());
        (*callback)(match);
      }))
    (*callback)(Busy());
}

void PasswordHasher::VerifyNothing(std::function<void(core::Result<bool>)> done) {
  auto callback = std::make_shared<decltype(done)>(std::move(done));
  if (!Post([this, callback] {
    // Made on first use, not at start: an Argon2id hash takes its full memory
    // limit (64 MiB) at its peak, which servers without email/password logins
    // should not pay.
    std::call_once(dummy_once_, [this] {
      char random_password[32];
      randombytes_buf(random_password, sizeof random_password);
      if (!HashNow(std::string(random_password, sizeof random_password), cost_, &dummy_hash_))
        dummy_hash_ = "unusable";  // verification then fails quickly; still false
      sodium_memzero(random_password, sizeof random_password);
    });
    const char kGuess[] = "not the password";
    // The guess never matches; the point is the time the check takes.
    [[maybe_unused]] const bool matched =
        crypto_pwhash_str_verify(dummy_hash_.c_str(), kGuess, sizeof kGuess - 1) == 0;
    (*callback)(false);
  }))
    (*callback)(Busy());
}

}  // namespace guestpass::crypto
