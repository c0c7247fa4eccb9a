// app_zip.cc: zip archives in memory with libzip's buffer sources.
#include "config/app_zip.h"

#include <zip.h>

#include <memory>

namespace guestpass::config {

using core::ErrorCode;
using core::Result;
using core::Status;

namespace {
// 1980-01-01T00:00:00Z, the zip format's first representable time: fixed,
// so an archive's bytes depend on its files only.
constexpr time_t kEntryTime = 315532800;

Status Bad(const std::string& what) { return Status::InvalidArgument(ErrorCode::kBadRequest, "zip archive: " + what); }

struct SourceFree {
  void operator()(zip_source_t* s) const { zip_source_free(s); }
};

bool SafePath(std::string_view path) {
  if (path.empty() || path.front() == '/' || path.find('\\') != std::string_view::npos) return false;
  size_t i = 0;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    if (path.substr(i, j - i) == "..") return false;
    i = j + 1;
  }
  return true;
}
}  // namespace

Result<std::string> ZipAppFiles(const AppFiles& files) {
  // libzip writes nothing for an archive without entries: the format's empty
  // archive is its end-of-central-directory record alone.
  if (files.empty()) return std::string("PK\x05\x06", 4) + std::string(18, '\0');
  zip_error_t error;
  zip_error_init(&error);
  std::unique_ptr<zip_source_t, SourceFree> buffer(zip_source_buffer_create(nullptr, 0, 0, &error));
  if (!buffer) return Status::Internal("zip: cannot create a buffer");
  zip_source_keep(buffer.get());  // it outlives the archive: the bytes are read from it after zip_close
  zip_t* archive = zip_open_from_source(buffer.get(), ZIP_TRUNCATE, &error);
  if (archive == nullptr) {
    zip_source_free(buffer.get());  // the reference zip_open_from_source did not take
    return Status::Internal("zip: cannot open an archive in memory");
  }
  for (const auto& [path, text] : files) {  // std::map: path order
    zip_source_t* entry = zip_source_buffer(archive, text.data(), text.size(), 0);
    zip_int64_t index = entry ? zip_file_add(archive, path.c_str(), entry, ZIP_FL_ENC_UTF_8) : -1;
    if (index < 0) {
      if (entry) zip_source_free(entry);
      zip_discard(archive);
      return Status::Internal("zip: cannot add " + path);
    }
    zip_file_set_mtime(archive, static_cast<zip_uint64_t>(index), kEntryTime, 0);
  }
  if (zip_close(archive) != 0) {
    zip_discard(archive);
    return Status::Internal("zip: cannot write the archive");
  }
  zip_source_t* src = buffer.get();
  if (zip_source_open(src) != 0) return Status::Internal("zip: cannot read the archive back");
  zip_source_seek(src, 0, SEEK_END);
  const zip_int64_t size = zip_source_tell(src);
  zip_source_seek(src, 0, SEEK_SET);
  std::string out(static_cast<size_t>(size < 0 ? 0 : size), '\0');
  const zip_int64_t read = zip_source_read(src, out.data(), out.size());
  zip_source_close(src);
  if (size < 0 || read != size) return Status::Internal("zip: cannot read the archive back");
  return out;
}

Result<AppFiles> UnzipAppFiles(std::string_view data) {
  if (data.empty()) return Bad("the archive is empty (not even a zip header)");
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* src = zip_source_buffer_create(data.data(), data.size(), 0, &error);
  if (src == nullptr) return Bad("cannot read it");
  zip_t* archive = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &error);
  if (archive == nullptr) {
    zip_source_free(src);
    return Bad("not a zip archive, or a damaged one");
  }
  std::unique_ptr<zip_t, decltype(&zip_discard)> guard(archive, &zip_discard);
  const zip_int64_t entries = zip_get_num_entries(archive, 0);
  if (entries < 0 || static_cast<size_t>(entries) > kMaxZipEntries)
    return Bad("more than " + std::to_string(kMaxZipEntries) + " entries");
  AppFiles files;
  size_t total = 0;
  for (zip_int64_t i = 0; i < entries; ++i) {
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(archive, static_cast<zip_uint64_t>(i), 0, &st) != 0 || !(st.valid & ZIP_STAT_NAME) ||
        !(st.valid & ZIP_STAT_SIZE))
      return Bad("an entry cannot be read");
    std::string name = st.name;
    if (!name.empty() && name.back() == '/') continue;  // a directory
    if (name.rfind("./", 0) == 0) name.erase(0, 2);
    if (!SafePath(name)) return Bad("entry '" + name.substr(0, 200) + "' is not a relative path inside the app");
    if (st.size > kMaxZipBytes || total + st.size > kMaxZipBytes)
      return Bad("more than " + std::to_string(kMaxZipBytes) + " bytes uncompressed");
    total += st.size;
    std::unique_ptr<zip_file_t, decltype(&zip_fclose)> file(zip_fopen_index(archive, static_cast<zip_uint64_t>(i), 0),
                                                            &zip_fclose);
    if (!file) return Bad("entry '" + name + "' cannot be opened");
    std::string text(st.size, '\0');
    if (zip_fread(file.get(), text.data(), st.size) != static_cast<zip_int64_t>(st.size))
      return Bad("entry '" + name + "' is damaged");
    files[name] = std::move(text);
  }
  return files;
}

}  // namespace guestpass::config
