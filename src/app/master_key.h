// master_key.h: where the master key that seals secrets comes from, for
// `guestpass serve` and the offline `guestpass admin` tools alike: the file
// of --master-key-file (mode 0600), else GUESTPASS_MASTER_KEY, else
// DATA_DIR/master.key, created on the first start.
#pragma once

#include <array>
#include <string>

#include "core/random.h"
#include "core/status.h"
#include "crypto/secret_box.h"

namespace guestpass::app {

struct MasterKeySource {
  std::string file;      // --master-key-file; empty: none
  std::string hex;       // GUESTPASS_MASTER_KEY; empty: none
  std::string data_dir;  // for DATA_DIR/master.key
  // Whether DATA_DIR/master.key is made when there is no key: the server
  // does so at its first start; tools that read sealed values never should
  // (a new key opens nothing already sealed).
  bool may_create = true;
};

// The key; `created` says whether DATA_DIR/master.key was made now.
core::Result<std::array<uint8_t, crypto::kMasterKeyBytes>> LoadMasterKey(const MasterKeySource& source,
                                                                        core::Random& random, bool* created);

// The servers' key for an offline tool (`guestpass keys`, `guestpass admin
// keys create`): `flag_file` (the tool's --master-key-file; empty: none),
// else GUESTPASS_MASTER_KEY_FILE, else GUESTPASS_MASTER_KEY, else
// DATA_DIR/master.key. Never created: a new key would seal what the servers
// cannot open.
core::Result<std::array<uint8_t, crypto::kMasterKeyBytes>> LoadToolMasterKey(const std::string& flag_file,
                                                                            const std::string& data_dir,
                                                                            core::Random& random);

}  // namespace guestpass::app
