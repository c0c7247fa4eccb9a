// password_hasher.h: Argon2id password hashing (libsodium crypto_pwhash_str)
// on a small pool of worker threads, because one hash takes tens of
// milliseconds and must never run on an HTTP I/O thread. Passwords are never
// logged or stored; only the encoded hash ("$argon2id$v=19$m=...") is.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/status.h"

namespace guestpass::crypto {

struct PasswordHashCost {
  unsigned long long ops_limit;  // libsodium opslimit
  size_t mem_limit;              // bytes
  // libsodium's "interactive" limits (2 passes, 64 MiB): the production default.
  static PasswordHashCost Interactive();
  // Cheap limits for tests only.
  static PasswordHashCost Minimum();
};

class PasswordHasher {
 public:
  // `threads` workers (at least 1); at most `max_queued` jobs waiting (0:
  // 16 per thread, about a second of work at the interactive cost). Aborts
  // if libsodium cannot initialise.
  PasswordHasher(PasswordHashCost cost, int threads, size_t max_queued = 0);
  // Finishes queued work (callbacks run), then joins the workers.
  ~PasswordHasher();

  // Callbacks run on a worker thread, or at once on the caller's thread with
  // Unavailable when the queue is full. Thread-safe.
  void Hash(std::string password, std::function<void(core::Result<std::string>)> done);
  // done(true) when `password` matches `encoded_hash`; false for a mismatch or
  // a malformed hash.
  void Verify(std::string encoded_hash, std::string password, std::function<void(core::Result<bool>)> done);
  // Burns the time of one verification (for unknown users, so response times
  // do not reveal which emails are registered); done(false).
  void VerifyNothing(std::function<void(core::Result<bool>)> done);

  // Jobs waiting now (not those running).
  size_t queued() const;

 private:
  // Queues `job` unless the queue is full (then false, and nothing queued).
  bool Post(std::function<void()> job);
  void Run();

  PasswordHashCost cost_;
  std::once_flag dummy_once_;
  std::string dummy_hash_;  // a hash of a random password, for VerifyNothing; set once
  size_t max_queued_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;  // guarded by mu_
  bool stopping_ = false;                   // guarded by mu_
  std::vector<std::thread> workers_;
};

}  // namespace guestpass::crypto
