// master_key.cc: the master key's three sources, in order.
#include "app/master_key.h"

#include <filesystem>

namespace guestpass::app {

core::Result<std::array<uint8_t, crypto::kMasterKeyBytes>> LoadMasterKey(const MasterKeySource& source,
                                                                        core::Random& random, bool* created) {
  *created = false;
  if (!source.file.empty()) return crypto::ReadMasterKeyFile(source.file);
  if (!source.hex.empty()) return crypto::ParseMasterKey(source.hex);
  const std::string path = (std::filesystem::path(source.data_dir) / "master.key").string();
  if (std::filesystem::exists(path)) return crypto::ReadMasterKeyFile(path);
  *created = true;
  return crypto::CreateMasterKeyFile(path, random);
}

}  // namespace guestpass::app
