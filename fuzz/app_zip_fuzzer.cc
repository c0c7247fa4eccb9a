// app_zip_fuzzer.cc: an app as a zip archive from outside (the Admin API's
// import and push, realm-cli's zips; config/app_zip.h UnzipAppFiles), then
// its files as ParseAppFiles reads them.
// Input: the archive's bytes (the seeds are archives ZipAppFiles wrote).
// Properties: a bad archive is InvalidArgument; the files of a good one have
// relative paths without ".." and fit the limits; zipping them again
// (ZipAppFiles) and unzipping gives the same files.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "config/app_dir.h"
#include "config/app_zip.h"
#include "fuzz_check.h"

namespace {

// No absolute path and no ".." segment (app_zip.h's promise).
bool StaysInside(std::string_view path) {
  if (path.empty() || path.front() == '/') return false;
  return path != ".." && !path.starts_with("../") && !path.ends_with("/..") &&
         path.find("/../") == std::string_view::npos;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view archive(reinterpret_cast<const char*>(data), size);
  const auto files = guestpass::config::UnzipAppFiles(archive);
  if (!files.ok()) {
    FUZZ_CHECK(files.status().code() == guestpass::core::Code::kInvalidArgument, files.status().ToString());
    return 0;
  }
  FUZZ_CHECK(files->size() <= guestpass::config::kMaxZipEntries, archive);
  size_t total = 0;
  for (const auto& [path, text] : *files) {
    FUZZ_CHECK(StaysInside(path), path);
    total += text.size();
  }
  FUZZ_CHECK(total <= guestpass::config::kMaxZipBytes, archive);

  const auto zipped = guestpass::config::ZipAppFiles(*files);
  if (!zipped.ok()) guestpass::fuzz::Fail("files of an archive do not zip", __FILE__, __LINE__, zipped.status().ToString());
  const auto again = guestpass::config::UnzipAppFiles(*zipped);
  if (!again.ok()) guestpass::fuzz::Fail("a zip of ours does not unzip", __FILE__, __LINE__, again.status().ToString());
  FUZZ_CHECK(*again == *files, archive);

  (void)guestpass::config::ParseAppFiles(*files, "");  // what an import does next
  return 0;
}
