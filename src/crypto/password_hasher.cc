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
}  // namespace

PasswordHasher::PasswordHasher(PasswordHashCost cost, int threads) : cost_(cost) {
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

void PasswordHasher::Post(std::function<void()> job) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    jobs_.push_back(std::move(job));
  }
  cv_.notify_one();
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

void PasswordHasher::Hash(std::string password, std::function<void(core::Result<std::string>)> done) {
  Post([this, password = std::move(password), done = std::move(done)]() mutable {
    std::string hash;
    const bool ok = HashNow(password, cost_, &hash);
    sodium_memzero(password.data(), password.size());
    if (!ok) return done(core::Status::Unavailable("password hashing ran out of memory"));
    done(std::move(hash));
  });
}

void PasswordHasher::Verify(std::string encoded_hash, std::string password, std::function<void(bool)> done) {
  Post([encoded_hash = std::move(encoded_hash), password = std::move(password), done = std::move(done)]() mutable {
    const bool match = crypto_pwhash_str_verify(encoded_hash.c_str(), password.data(), password.size()) == 0;
    sodium_memzero(password.data(), password.size());
    done(match);
  });
}

void PasswordHasher::VerifyNothing(std::function<void(bool)> done) {
  Post([this, done = std::move(done)] {
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
    done(false);
  });
}

}  // namespace guestpass::crypto
