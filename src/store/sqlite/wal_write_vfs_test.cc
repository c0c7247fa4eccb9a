// wal_write_vfs_test.cc: the WAL frames a read-write Connection buffers (see
// wal_write_vfs.h) are in the file by the time a commit returns, whatever
// the transaction's size, and a transaction reads back its own frames.
#include "store/sqlite/wal_write_vfs.h"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <string>

#include "store/sqlite/connection.h"
#include "testutil/temp_dir.h"

namespace guestpass::store::sqlite {
namespace {

class WalWriteVfsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto w = Connection::Open(path_, /*read_only=*/false);
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    writer_ = std::move(*w);
    ASSERT_TRUE(writer_->Exec("PRAGMA journal_mode=WAL").ok());
    ASSERT_TRUE(writer_->Exec("CREATE TABLE t (k INTEGER PRIMARY KEY, v BLOB NOT NULL)").ok());
    auto r = Connection::Open(path_, /*read_only=*/true);  // SQLite's own VFS
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    reader_ = std::move(*r);
  }

  // Inserts `rows` rows of `bytes` random bytes each, in one transaction.
  void Insert(int rows, int bytes) {
    ASSERT_TRUE(writer_->Exec("BEGIN").ok());
    for (int i = 0; i < rows; ++i) {
      Statement st = writer_->Prepare("INSERT INTO t (v) VALUES (randomblob(?))");
      st.Bind(1, int64_t{bytes});
      ASSERT_EQ(st.Step(), SQLITE_DONE);
    }
    ASSERT_TRUE(writer_->Exec("COMMIT").ok());
  }

  // {rows, bytes} as the other connection reads them.
  std::pair<int64_t, int64_t> ReaderSees() {
    Statement st = reader_->Prepare("SELECT COUNT(*), COALESCE(SUM(LENGTH(v)), 0) FROM t");
    EXPECT_EQ(st.Step(), SQLITE_ROW);
    return {st.ColumnInt(0), st.ColumnInt(1)};
  }

  testutil::TempDir dir_;
  std::string path_ = dir_.path() + "/test.db";
  std::unique_ptr<Connection> writer_;
  std::unique_ptr<Connection> reader_;
};

TEST_F(WalWriteVfsTest, ReadWriteConnectionsUseItWithSynchronousFull) {
  ASSERT_NE(WalWriteVfsName(), nullptr);
  sqlite3_vfs* vfs = nullptr;
  ASSERT_EQ(sqlite3_file_control(writer_->raw(), "main", SQLITE_FCNTL_VFS_POINTER, &vfs), SQLITE_OK);
  ASSERT_NE(vfs, nullptr);
  EXPECT_STREQ(vfs->zName, WalWriteVfsName());
  Statement st = writer_->Prepare("PRAGMA synchronous");
  ASSERT_EQ(st.Step(), SQLITE_ROW);
  EXPECT_EQ(st.ColumnInt(0), 2);  // FULL
}

TEST_F(WalWriteVfsTest, AnotherConnectionReadsEveryCommitAtOnce) {
  int64_t rows = 0;
  int64_t bytes = 0;
  for (int i = 0; i < 100; ++i) {  // small commits: a few frames each
    Insert(3, 700);
    rows += 3;
    bytes += 3 * 700;
    ASSERT_EQ(ReaderSees(), std::make_pair(rows, bytes)) << "after commit " << i;
  }
  // One commit of ~3 MB: more than the buffer holds at once.
  Insert(3000, 1000);
  rows += 3000;
  bytes += 3000 * 1000;
  EXPECT_EQ(ReaderSees(), std::make_pair(rows, bytes));
  EXPECT_GT(std::filesystem::file_size(path_ + "-wal"), uintmax_t{3'000'000});
}

TEST_F(WalWriteVfsTest, ATransactionReadsBackPagesItSpilledToTheWal) {
  // A tiny page cache makes the transaction spill pages to the WAL before it
  // commits and read them back from there.
  ASSERT_TRUE(writer_->Exec("PRAGMA cache_size=8").ok());
  ASSERT_TRUE(writer_->Exec("BEGIN").ok());
  for (int i = 0; i < 2000; ++i) {
    Statement st = writer_->Prepare("INSERT INTO t (v) VALUES (zeroblob(?))");
    st.Bind(1, int64_t{500 + i % 100});
    ASSERT_EQ(st.Step(), SQLITE_DONE);
  }
  {
    Statement st = writer_->Prepare("SELECT COUNT(*), SUM(LENGTH(v)) FROM t");
    ASSERT_EQ(st.Step(), SQLITE_ROW);
    EXPECT_EQ(st.ColumnInt(0), 2000);
    EXPECT_EQ(st.ColumnInt(1), 2000 * 500 + 20 * (99 * 100 / 2));
  }
  EXPECT_EQ(ReaderSees(), std::make_pair(int64_t{0}, int64_t{0}));  // not committed
  ASSERT_TRUE(writer_->Exec("COMMIT").ok());
  EXPECT_EQ(ReaderSees(), std::make_pair(int64_t{2000}, int64_t{2000 * 500 + 20 * (99 * 100 / 2)}));
}

TEST_F(WalWriteVfsTest, WhatWasCommittedSurvivesClosingAndACheckpoint) {
  Insert(500, 300);
  ASSERT_TRUE(writer_->Exec("PRAGMA wal_checkpoint(TRUNCATE)").ok());
  Insert(10, 300);  // the WAL starts again from its header
  reader_.reset();
  writer_.reset();
  auto again = Connection::Open(path_, /*read_only=*/true);
  ASSERT_TRUE(again.ok());
  Statement st = (*again)->Prepare("SELECT COUNT(*) FROM t");
  ASSERT_EQ(st.Step(), SQLITE_ROW);
  EXPECT_EQ(st.ColumnInt(0), 510);
}

}  // namespace
}  // namespace guestpass::store::sqlite
