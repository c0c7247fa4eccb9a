// app_zip.h: an app's files as a zip archive, the form App Services exports
// an app in (GET .../export, GET .../pull with Accept: application/zip) and
// realm-cli unpacks with `pull`. Through Debian's libzip.
#pragma once

#include <string>
#include <string_view>

#include "config/app_dir.h"
#include "core/status.h"

namespace guestpass::config {

// Limits on an archive read from outside: no more entries or bytes than an
// app's configuration could need, so a zip bomb costs nothing.
inline constexpr size_t kMaxZipEntries = 1000;
inline constexpr size_t kMaxZipBytes = 16 * 1024 * 1024;  // all entries, uncompressed

// The files as a zip archive, entries in path order, every timestamp the same:
// the same files always give the same bytes (a pull is byte-stable).
core::Result<std::string> ZipAppFiles(const AppFiles& files);

// The files of a zip archive. InvalidArgument for a damaged archive, an
// absolute path or one with "..", or one past the limits above; directories
// are skipped.
core::Result<AppFiles> UnzipAppFiles(std::string_view archive);

}  // namespace guestpass::config
