// os_random.cc: OpenSSL RAND_bytes behind core::Random, drawn in blocks.
//
// A login needs several small random values (ids, a secret); one RAND_bytes
// call each costs more than the bytes: OpenSSL 3 locks its DRBG and asks the
// kernel for the process id (fork detection) on every call, which measured
// two getpid system calls per login. So each thread draws a block at a time
// and hands it out in order; a handed-out byte is wiped from the block and
// never given twice. A fork (pthread_atfork) discards every thread's block,
// so a child never repeats its parent's bytes.
#include "crypto/os_random.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <pthread.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace guestpass::crypto {

namespace {

constexpr size_t kBlockBytes = 512;
// Larger requests than this go to RAND_bytes directly.
constexpr size_t kMaxPooledRequest = 64;

std::atomic<uint64_t> g_fork_generation{0};

void FillOrDie(uint8_t* out, size_t n) {
  if (RAND_bytes(out, static_cast<int>(n)) != 1) {
    std::fputs("guestpass: fatal: RAND_bytes failed\n", stderr);
    std::abort();
  }
}

struct Block {
  uint8_t bytes[kBlockBytes];
  size_t next = kBlockBytes;  // first byte not yet handed out
  uint64_t generation = 0;
  ~Block() { OPENSSL_cleanse(bytes, sizeof bytes); }
};

thread_local Block t_block;

}  // namespace

void OsRandom::Fill(std::span<uint8_t> out) {
  static const bool fork_hook = [] {
    return pthread_atfork(nullptr, nullptr, [] { g_fork_generation.fetch_add(1); }) == 0;
  }();
  if (out.empty()) return;
  if (out.size() > kMaxPooledRequest || !fork_hook) return FillOrDie(out.data(), out.size());
  Block& b = t_block;
  const uint64_t generation = g_fork_generation.load(std::memory_order_relaxed);
  if (b.generation != generation || kBlockBytes - b.next < out.size()) {
    FillOrDie(b.bytes, kBlockBytes);
    b.next = 0;
    b.generation = generation;
  }
  std::memcpy(out.data(), b.bytes + b.next, out.size());
  OPENSSL_cleanse(b.bytes + b.next, out.size());
  b.next += out.size();
}

}  // namespace guestpass::crypto
