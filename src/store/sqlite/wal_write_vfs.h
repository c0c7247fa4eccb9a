// wal_write_vfs.h: a SQLite VFS that writes a transaction's WAL frames with
// one pwrite instead of two per frame.
//
// SQLite appends each WAL frame as two writes (a 24-byte header, then the
// page): a login batch of ~26 sign-ups commits ~14 frames, 28 pwrite calls.
// Measured on this project's 2-core VM: 28 pwrites of one commit's frames cost
// 28 us of CPU, one pwrite of the same bytes 6 us (docs/performance.md). This
// VFS wraps the default one ("unix") and, for WAL files only, gathers
// consecutive appends in a buffer that goes to the file with one write when
// SQLite syncs the WAL, reads what is buffered, asks its size, truncates it,
// writes somewhere else, or closes it. Database and other files are the
// default VFS's own, untouched.
//
// SAFETY: frames must be in the file before another connection can read
// them. SQLite publishes a commit's frames (the wal-index header) only after
// it syncs the WAL when the connection runs with synchronous=FULL (or EXTRA),
// and a checkpoint syncs the WAL before reading it: so only a connection
// with FULL may use this VFS. SqliteStore's writer sets FULL and checks it
// (SqliteStore::Open); the test "another connection reads every commit at
// once" guards the rule.
#pragma once

namespace guestpass::store::sqlite {

// The VFS's name for sqlite3_open_v2, registered (not as the default) on the
// first call. Thread-safe.
const char* WalWriteVfsName();

}  // namespace guestpass::store::sqlite
