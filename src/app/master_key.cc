// master_key.cc: the master key's three sources, in order.
#include "app/master_key.h"

#include <cstdlib>
#include <filesystem>

namespace guestpass::app {

core::Result<std::array<uint8_t, crypto::kMasterKeyBytes>> LoadMasterKey(const MasterKeySource& source,
                                                                        core::Random& random, bool* created) {
  *created = false;
  if (!source.file.empty()) return crypto::ReadMasterKeyFile(source.file);
  if (!source.hex.empty()) return crypto::ParseMasterKey(source.hex);
  const std::string path = (std::filesystem::path(source.data_dir) / "master.key").string();
  if (std::filesystem::exists(path)) return crypto::ReadMasterKeyFile(path);
  if (!source.may_create)
    return core::Status::NotFound(core::ErrorCode::kNone,
                                  "no master key: give the servers' key with --master-key-file or "
                                  "GUESTPASS_MASTER_KEY (none at " + path + ")");
  *created = true;
  return crypto::CreateMasterKeyFile(path, random);
}

core::Result<std::array<uint8_t, crypto::kMasterKeyBytes>> LoadToolMasterKey(const std::string& flag_file,
                                                                            const std::string& data_dir,
                                                                            core::Random& random) {
  const char* key_env = std::getenv("GUESTPASS_MASTER_KEY");
  const char* key_file = std::getenv("GUESTPASS_MASTER_KEY_FILE");
  MasterKeySource source{!flag_file.empty() ? flag_file : (key_file ? key_file : ""), key_env ? key_env : "",
                         data_dir};
  source.may_create = false;
  bool created = false;
  return LoadMasterKey(source, random, &created);
}

}  // namespace guestpass::app
