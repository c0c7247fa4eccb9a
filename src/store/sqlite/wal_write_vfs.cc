// wal_write_vfs.cc: see wal_write_vfs.h.
#include "store/sqlite/wal_write_vfs.h"

#include <sqlite3.h>

#include <cstdlib>
#include <cstring>

namespace guestpass::store::sqlite {
namespace {

// Appends gathered before they are written anyway. The unix VFS writes at
// most 128 KiB - 1 per call (seekAndWriteFd masks the size with 0x1ffff; a
// bigger write comes back short, as SQLITE_FULL): 124 KiB holds a batch of
// sign-ups' ~60 KB; bigger transactions go out in 124 KiB writes.
constexpr size_t kMaxBuffered = 124 * 1024;

sqlite3_vfs* Base(sqlite3_vfs* vfs) { return static_cast<sqlite3_vfs*>(vfs->pAppData); }

// A WAL file: our header, then the default VFS's file object (at kRealOffset).
struct WalFile {
  sqlite3_file base;  // must be first: SQLite sees a sqlite3_file*
  sqlite3_file* real;
  char* buf;  // kMaxBuffered bytes, from the first write; appends not yet written
  size_t len;
  sqlite3_int64 off;  // buf holds the file's bytes [off, off + len)
};
constexpr size_t kRealOffset = (sizeof(WalFile) + 15) & ~size_t{15};

WalFile* Wal(sqlite3_file* f) { return reinterpret_cast<WalFile*>(f); }

int Flush(WalFile* w) {
  if (w->len == 0) return SQLITE_OK;
  const int rc = w->real->pMethods->xWrite(w->real, w->buf, static_cast<int>(w->len), w->off);
  w->len = 0;
  return rc;
}

int Close(sqlite3_file* f) {
  WalFile* w = Wal(f);
  const int flushed = Flush(w);
  const int rc = w->real->pMethods->xClose(w->real);
  std::free(w->buf);
  w->buf = nullptr;
  return flushed != SQLITE_OK ? flushed : rc;
}

int Read(sqlite3_file* f, void* out, int amount, sqlite3_int64 offset) {
  WalFile* w = Wal(f);
  // Only a read that overlaps the buffer needs it written first.
  if (w->len > 0 && offset < w->off + static_cast<sqlite3_int64>(w->len) && offset + amount > w->off) {
    if (int rc = Flush(w); rc != SQLITE_OK) return rc;
  }
  return w->real->pMethods->xRead(w->real, out, amount, offset);
}

int Write(sqlite3_file* f, const void* data, int amount, sqlite3_int64 offset) {
  WalFile* w = Wal(f);
  const size_t n = static_cast<size_t>(amount);
  // Not the next bytes, or no room: what is buffered goes first.
  if (w->len > 0 && (offset != w->off + static_cast<sqlite3_int64>(w->len) || w->len + n > kMaxBuffered)) {
    if (int rc = Flush(w); rc != SQLITE_OK) return rc;
  }
  if (w->buf == nullptr && n <= kMaxBuffered) w->buf = static_cast<char*>(std::malloc(kMaxBuffered));
  if (w->buf == nullptr || n > kMaxBuffered) return w->real->pMethods->xWrite(w->real, data, amount, offset);
  if (w->len == 0) w->off = offset;
  std::memcpy(w->buf + w->len, data, n);
  w->len += n;
  return SQLITE_OK;
}

int Truncate(sqlite3_file* f, sqlite3_int64 size) {
  WalFile* w = Wal(f);
  if (int rc = Flush(w); rc != SQLITE_OK) return rc;
  return w->real->pMethods->xTruncate(w->real, size);
}

int Sync(sqlite3_file* f, int flags) {
  WalFile* w = Wal(f);
  if (int rc = Flush(w); rc != SQLITE_OK) return rc;
  return w->real->pMethods->xSync(w->real, flags);
}

int FileSize(sqlite3_file* f, sqlite3_int64* size) {
  WalFile* w = Wal(f);
  if (int rc = Flush(w); rc != SQLITE_OK) return rc;
  return w->real->pMethods->xFileSize(w->real, size);
}

int Lock(sqlite3_file* f, int level) { return Wal(f)->real->pMethods->xLock(Wal(f)->real, level); }
int Unlock(sqlite3_file* f, int level) { return Wal(f)->real->pMethods->xUnlock(Wal(f)->real, level); }
int CheckReservedLock(sqlite3_file* f, int* out) {
  return Wal(f)->real->pMethods->xCheckReservedLock(Wal(f)->real, out);
}

int FileControl(sqlite3_file* f, int op, void* arg) {
  WalFile* w = Wal(f);
  if (int rc = Flush(w); rc != SQLITE_OK) return rc;
  return w->real->pMethods->xFileControl(w->real, op, arg);
}

int SectorSize(sqlite3_file* f) { return Wal(f)->real->pMethods->xSectorSize(Wal(f)->real); }
int DeviceCharacteristics(sqlite3_file* f) {
  return Wal(f)->real->pMethods->xDeviceCharacteristics(Wal(f)->real);
}

// A WAL file has no shared memory or memory map of its own (the database
// file has them): the shared-memory methods only forward, for completeness,
// and a fetch maps nothing (SQLite then reads, through Read above).
int ShmMap(sqlite3_file* f, int page, int size, int extend, void volatile** out) {
  const sqlite3_io_methods* m = Wal(f)->real->pMethods;
  return m->iVersion >= 2 && m->xShmMap ? m->xShmMap(Wal(f)->real, page, size, extend, out) : SQLITE_IOERR;
}
int ShmLock(sqlite3_file* f, int offset, int n, int flags) {
  const sqlite3_io_methods* m = Wal(f)->real->pMethods;
  return m->iVersion >= 2 && m->xShmLock ? m->xShmLock(Wal(f)->real, offset, n, flags) : SQLITE_IOERR;
}
void ShmBarrier(sqlite3_file* f) {
  const sqlite3_io_methods* m = Wal(f)->real->pMethods;
  if (m->iVersion >= 2 && m->xShmBarrier) m->xShmBarrier(Wal(f)->real);
}
int ShmUnmap(sqlite3_file* f, int delete_flag) {
  const sqlite3_io_methods* m = Wal(f)->real->pMethods;
  return m->iVersion >= 2 && m->xShmUnmap ? m->xShmUnmap(Wal(f)->real, delete_flag) : SQLITE_OK;
}
int Fetch(sqlite3_file* f, sqlite3_int64 offset, int amount, void** out) {
  *out = nullptr;  // no memory map: SQLite reads instead
  (void)f, (void)offset, (void)amount;
  return SQLITE_OK;
}
int Unfetch(sqlite3_file* f, sqlite3_int64 offset, void* p) {
  (void)f, (void)offset, (void)p;
  return SQLITE_OK;
}

const sqlite3_io_methods kWalMethods = {
    .iVersion = 3,
    .xClose = Close,
    .xRead = Read,
    .xWrite = Write,
    .xTruncate = Truncate,
    .xSync = Sync,
    .xFileSize = FileSize,
    .xLock = Lock,
    .xUnlock = Unlock,
    .xCheckReservedLock = CheckReservedLock,
    .xFileControl = FileControl,
    .xSectorSize = SectorSize,
    .xDeviceCharacteristics = DeviceCharacteristics,
    .xShmMap = ShmMap,
    .xShmLock = ShmLock,
    .xShmBarrier = ShmBarrier,
    .xShmUnmap = ShmUnmap,
    .xFetch = Fetch,
    .xUnfetch = Unfetch,
};

int Open(sqlite3_vfs* vfs, const char* name, sqlite3_file* file, int flags, int* out_flags) {
  sqlite3_vfs* base = Base(vfs);
  // Anything but a WAL file is the default VFS's own object, in place.
  if ((flags & SQLITE_OPEN_WAL) == 0) return base->xOpen(base, name, file, flags, out_flags);
  WalFile* w = Wal(file);
  std::memset(w, 0, sizeof(WalFile));
  w->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(file) + kRealOffset);
  const int rc = base->xOpen(base, name, w->real, flags, out_flags);
  // On failure pMethods stays null: SQLite then does not call xClose.
  if (rc == SQLITE_OK && w->real->pMethods != nullptr) w->base.pMethods = &kWalMethods;
  return rc;
}

// The rest of the VFS forwards to the default one, with its own pointer
// (the unix VFS keeps state in its pAppData).
int Delete(sqlite3_vfs* v, const char* name, int sync_dir) { return Base(v)->xDelete(Base(v), name, sync_dir); }
int Access(sqlite3_vfs* v, const char* name, int flags, int* out) {
  return Base(v)->xAccess(Base(v), name, flags, out);
}
int FullPathname(sqlite3_vfs* v, const char* name, int n, char* out) {
  return Base(v)->xFullPathname(Base(v), name, n, out);
}
void* DlOpen(sqlite3_vfs* v, const char* name) { return Base(v)->xDlOpen(Base(v), name); }
void DlError(sqlite3_vfs* v, int n, char* out) { Base(v)->xDlError(Base(v), n, out); }
void (*DlSym(sqlite3_vfs* v, void* handle, const char* symbol))(void) {
  return Base(v)->xDlSym(Base(v), handle, symbol);
}
void DlClose(sqlite3_vfs* v, void* handle) { Base(v)->xDlClose(Base(v), handle); }
int Randomness(sqlite3_vfs* v, int n, char* out) { return Base(v)->xRandomness(Base(v), n, out); }
int Sleep(sqlite3_vfs* v, int micros) { return Base(v)->xSleep(Base(v), micros); }
int CurrentTime(sqlite3_vfs* v, double* out) { return Base(v)->xCurrentTime(Base(v), out); }
int GetLastError(sqlite3_vfs* v, int n, char* out) { return Base(v)->xGetLastError(Base(v), n, out); }
int CurrentTimeInt64(sqlite3_vfs* v, sqlite3_int64* out) { return Base(v)->xCurrentTimeInt64(Base(v), out); }

sqlite3_vfs* Register() {
  sqlite3_vfs* base = sqlite3_vfs_find(nullptr);
  if (base == nullptr) return nullptr;
  static sqlite3_vfs vfs = {};
  vfs.iVersion = 2;
  vfs.szOsFile = static_cast<int>(kRealOffset) + base->szOsFile;
  vfs.mxPathname = base->mxPathname;
  vfs.zName = "guestpass-wal-write";
  vfs.pAppData = base;
  vfs.xOpen = Open;
  vfs.xDelete = Delete;
  vfs.xAccess = Access;
  vfs.xFullPathname = FullPathname;
  vfs.xDlOpen = DlOpen;
  vfs.xDlError = DlError;
  vfs.xDlSym = DlSym;
  vfs.xDlClose = DlClose;
  vfs.xRandomness = Randomness;
  vfs.xSleep = Sleep;
  vfs.xCurrentTime = CurrentTime;
  vfs.xGetLastError = GetLastError;
  vfs.xCurrentTimeInt64 = CurrentTimeInt64;
  if (sqlite3_vfs_register(&vfs, /*makeDflt=*/0) != SQLITE_OK) return nullptr;
  return &vfs;
}

}  // namespace

const char* WalWriteVfsName() {
  static sqlite3_vfs* vfs = Register();
  return vfs != nullptr ? vfs->zName : nullptr;  // null: SQLite's default VFS
}

}  // namespace guestpass::store::sqlite
