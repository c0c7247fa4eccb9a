// secret_box.cc: libsodium's XChaCha20-Poly1305 AEAD, and the master key file.
#include "crypto/secret_box.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace guestpass::crypto {

using core::Result;
using core::Status;

namespace {
constexpr size_t kNonceBytes = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr size_t kTagBytes = crypto_aead_xchacha20poly1305_ietf_ABYTES;
static_assert(kMasterKeyBytes == crypto_aead_xchacha20poly1305_ietf_KEYBYTES);

void InitSodium() {
  static const bool ok = sodium_init() >= 0;
  if (!ok) {
    std::fputs("guestpass: fatal: sodium_init failed\n", stderr);
    std::abort();
  }
}

std::string Hex(const std::array<uint8_t, kMasterKeyBytes>& key) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (uint8_t b : key) {
    out += kHex[b >> 4];
    out += kHex[b & 0xf];
  }
  return out;
}
}  // namespace

SecretBox::SecretBox(const std::array<uint8_t, kMasterKeyBytes>& key) : key_(key) { InitSodium(); }

SecretBox::~SecretBox() { sodium_memzero(key_.data(), key_.size()); }

std::string SecretBox::Seal(std::string_view plaintext, std::string_view context, core::Random& random) const {
  std::string out(kNonceBytes + plaintext.size() + kTagBytes, '\0');
  auto* bytes = reinterpret_cast<unsigned char*>(out.data());
  random.Fill(std::span<uint8_t>(bytes, kNonceBytes));
  unsigned long long written = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      bytes + kNonceBytes, &written, reinterpret_cast<const unsigned char*>(plaintext.data()), plaintext.size(),
      reinterpret_cast<const unsigned char*>(context.data()), context.size(), nullptr, bytes, key_.data());
  out.resize(kNonceBytes + written);
  return out;
}

Result<std::string> SecretBox::Open(std::string_view sealed, std::string_view context) const {
  if (sealed.size() < kNonceBytes + kTagBytes) return Status::Internal("a sealed value is too short");
  const auto* bytes = reinterpret_cast<const unsigned char*>(sealed.data());
  std::string out(sealed.size() - kNonceBytes - kTagBytes, '\0');
  unsigned long long written = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          reinterpret_cast<unsigned char*>(out.data()), &written, nullptr, bytes + kNonceBytes,
          sealed.size() - kNonceBytes, reinterpret_cast<const unsigned char*>(context.data()), context.size(), bytes,
          key_.data()) != 0)
    return Status::Internal("a sealed value does not open with this master key (wrong key, or a damaged value)");
  out.resize(written);
  return out;
}

Result<std::array<uint8_t, kMasterKeyBytes>> ParseMasterKey(std::string_view hex) {
  while (!hex.empty() && std::isspace(static_cast<unsigned char>(hex.front()))) hex.remove_prefix(1);
  while (!hex.empty() && std::isspace(static_cast<unsigned char>(hex.back()))) hex.remove_suffix(1);
  std::array<uint8_t, kMasterKeyBytes> key{};
  size_t used = 0;
  if (hex.size() != 2 * kMasterKeyBytes ||
      sodium_hex2bin(key.data(), key.size(), hex.data(), hex.size(), nullptr, &used, nullptr) != 0 ||
      used != kMasterKeyBytes)
    return Status::InvalidArgument(core::ErrorCode::kInvalidParameter, "a master key is 64 hex digits (32 bytes)");
  return key;
}

Result<std::array<uint8_t, kMasterKeyBytes>> ReadMasterKeyFile(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0)
    return Status::NotFound(core::ErrorCode::kNotFound, "master key file " + path + ": " + std::strerror(errno));
  if ((st.st_mode & 077) != 0)
    return Status::PermissionDenied(core::ErrorCode::kInvalidParameter,
                                    "master key file " + path + " may be read or written by others than its owner"
                                    " (chmod 600 it)");
  std::ifstream in(path);
  if (!in) return Status::Internal("master key file " + path + " cannot be read");
  std::stringstream text;
  text << in.rdbuf();
  auto key = ParseMasterKey(text.str());
  if (!key.ok()) return Status::InvalidArgument(core::ErrorCode::kInvalidParameter, "master key file " + path + ": " +
                                                                                     key.status().message());
  return key;
}

Result<std::array<uint8_t, kMasterKeyBytes>> CreateMasterKeyFile(const std::string& path, core::Random& random) {
  std::array<uint8_t, kMasterKeyBytes> key;
  random.Fill(key);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Status::Internal("cannot create master key file " + path + ": " + std::strerror(errno));
  const std::string text = Hex(key) + "\n";
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!written) {
    ::unlink(path.c_str());
    return Status::Internal("cannot write master key file " + path);
  }
  return key;
}

}  // namespace guestpass::crypto
