// SqliteStorage on real files: migrations, appends, atomic batches, state, hashes, checkpoints.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>
#include <vector>

#include "support/temp_dir.h"
#include "tabella/server/sqlite_storage.h"

namespace tabella::server {
namespace {

using testing::TempDir;

Bytes b(std::string_view s) {
  return Bytes(s.begin(), s.end());
}

std::unique_ptr<SqliteStorage> open_ok(const TempDir& dir) {
  auto s = SqliteStorage::open(dir.path());
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().describe());
  return s.ok() ? std::move(*s) : nullptr;
}

// Runs SQL on the file directly (the storage must be closed).
void raw_sql(const TempDir& dir, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir.path() / SqliteStorage::kFileName).c_str(), &db), SQLITE_OK);
  char* msg = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &msg);
  EXPECT_EQ(rc, SQLITE_OK) << (msg ? msg : "");
  sqlite3_free(msg);
  sqlite3_close(db);
}

TEST(SqliteStorage, FreshDatabaseIsMigratedAndEmpty) {
  TempDir dir;
  auto s = open_ok(dir);
  ASSERT_TRUE(s);
  EXPECT_EQ(*s->stored_schema_version(), SqliteStorage::kSchemaVersion);
  EXPECT_EQ(*s->size(), 0u);
  EXPECT_TRUE(s->read_range(0, 10)->empty());
  EXPECT_FALSE(s->latest_checkpoint()->has_value());
}

TEST(SqliteStorage, ReopenKeepsDataAndVersion) {
  TempDir dir;
  {
    auto s = open_ok(dir);
    ASSERT_TRUE(s->append_batch({b("a"), b("b")}, {}).ok());
    ASSERT_TRUE(s->close().ok());
  }
  auto s = open_ok(dir);
  ASSERT_TRUE(s);
  EXPECT_EQ(*s->stored_schema_version(), SqliteStorage::kSchemaVersion);
  EXPECT_EQ(*s->size(), 2u);
  EXPECT_EQ((*s->read_range(0, 2))[1], b("b"));
}

TEST(SqliteStorage, RefusesNewerSchema) {
  TempDir dir;
  { ASSERT_TRUE(open_ok(dir)->close().ok()); }
  raw_sql(dir, "UPDATE schema_version SET version = 99");
  auto s = SqliteStorage::open(dir.path());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kConflict);
  EXPECT_NE(s.error().message.find("newer"), std::string::npos) << s.error().message;
  EXPECT_NE(s.error().message.find("99"), std::string::npos);
}

TEST(SqliteStorage, MigratesFromVersionZero) {
  // A file that only has an empty schema_version table (version 0) gets every migration.
  TempDir dir;
  raw_sql(dir, "CREATE TABLE schema_version (version INTEGER NOT NULL)");
  auto s = open_ok(dir);
  ASSERT_TRUE(s);
  EXPECT_EQ(*s->stored_schema_version(), SqliteStorage::kSchemaVersion);
  EXPECT_TRUE(s->append_batch({b("x")}, {}).ok());
}

TEST(SqliteStorage, SecondOpenOfSameDirIsRefused) {
  TempDir dir;
  auto first = open_ok(dir);
  auto second = SqliteStorage::open(dir.path());
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().field, "data_dir");
}

TEST(SqliteStorage, AppendReadFind) {
  TempDir dir;
  auto s = open_ok(dir);
  auto p1 = s->append_batch({b("one"), b("two")}, {});
  ASSERT_TRUE(p1.ok());
  EXPECT_EQ(*p1, (std::vector<std::uint64_t>{0, 1}));
  auto p2 = s->append_batch({b("three")}, {});
  EXPECT_EQ(*p2, (std::vector<std::uint64_t>{2}));
  EXPECT_EQ(*s->size(), 3u);
  auto all = s->read_range(0, 100);
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0], b("one"));
  EXPECT_EQ((*all)[2], b("three"));
  EXPECT_EQ(*s->read_range(1, 1), (std::vector<Bytes>{b("two")}));
  EXPECT_TRUE(s->read_range(3, 5)->empty());
  auto past = s->read_range(4, 1);
  ASSERT_FALSE(past.ok());
  EXPECT_EQ(past.error().code, ErrorCode::kOutOfRange);
  EXPECT_EQ(**s->find_by_hash(sha256(b("two"))), 1u);
  EXPECT_FALSE(s->find_by_hash(sha256(b("four")))->has_value());
  // Binary bytes, including NUL, survive.
  Bytes bin = {0, 1, 2, 0, 255};
  EXPECT_EQ((*s->append_batch({bin}, {}))[0], 3u);
  EXPECT_EQ((*s->read_range(3, 1))[0], bin);
}

TEST(SqliteStorage, FailedBatchLeavesNothing) {
  TempDir dir;
  auto s = open_ok(dir);
  ASSERT_TRUE(s->append_batch({b("old")}, {}).ok());
  BatchEffects fx;
  fx.state.push_back({"token/1", b("spent")});
  fx.hashes.push_back({0, 1, sha256(b("new"))});
  // The second entry duplicates a stored one: the whole batch, effects included, is refused.
  auto r = s->append_batch({b("new"), b("old"), b("newer")}, fx);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kConflict);
  EXPECT_EQ(r.error().field, "entries[1]");
  EXPECT_EQ(*s->size(), 1u);
  EXPECT_FALSE(s->find_by_hash(sha256(b("new")))->has_value());
  EXPECT_FALSE(s->get_state("token/1")->has_value());
  EXPECT_FALSE(s->get_hash(0, 1)->has_value());
  // A duplicate inside one batch is refused the same way.
  EXPECT_FALSE(s->append_batch({b("x"), b("x")}, {}).ok());
  EXPECT_EQ(*s->size(), 1u);
  // And the storage still works afterwards.
  EXPECT_EQ((*s->append_batch({b("new")}, fx))[0], 1u);
  EXPECT_EQ(**s->get_state("token/1"), b("spent"));
}

// The voter-token table (schema version 2): rows written by a batch's token_row_write() state
// writes in the batch's transaction (a failed batch leaves none), read back by hash, counted;
// one ballot cannot spend two tokens (unique spent_at); replace_tokens() swaps the whole table.
TEST(SqliteStorage, TokenRowsAreWrittenWithTheirBatch) {
  TempDir dir;
  auto s = open_ok(dir);
  TokenRow a{sha256(b("a")), "north", 0, std::nullopt};
  TokenRow c{sha256(b("c")), "south", 0, 1};
  BatchEffects fx;
  fx.state.push_back(token_row_write(a));
  fx.state.push_back(token_row_write(c));
  ASSERT_TRUE(s->append_batch({b("old")}, {}).ok());
  EXPECT_FALSE(s->append_batch({b("new"), b("old")}, fx).ok());
  EXPECT_FALSE(s->get_token(a.hash)->has_value());
  EXPECT_EQ(s->token_summary()->rows, 0u);
  ASSERT_TRUE(s->append_batch({b("new")}, fx).ok());
  auto got = *s->get_token(c.hash);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->precinct, "south");
  EXPECT_EQ(got->spent_at, std::optional<std::uint64_t>(1));
  EXPECT_FALSE(s->get_state(token_row_write(a).key)->has_value());  // not a state row
  auto summary = *s->token_summary();
  EXPECT_EQ(summary.rows, 2u);
  EXPECT_EQ(summary.spent, 1u);
  EXPECT_EQ(summary.max_spent_at, std::optional<std::uint64_t>(1));
  // Another token spent by the same entry: refused, nothing stored.
  TokenRow twice = a;
  twice.spent_at = 1;
  BatchEffects bad;
  bad.state.push_back(token_row_write(twice));
  auto r = s->append_batch({b("newer")}, bad);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kConflict);
  EXPECT_FALSE((*s->get_token(a.hash))->spent_at.has_value());
  ASSERT_TRUE(s->replace_tokens({a}, {{"resume/x", b("y")}}).ok());
  EXPECT_EQ(s->token_summary()->rows, 1u);
  EXPECT_FALSE(s->get_token(c.hash)->has_value());
  EXPECT_EQ(**s->get_state("resume/x"), b("y"));
}

// The row counts a start checks the token table by are kept by triggers: every insert, spend,
// unspend and delete moves them, a dropped trigger shows, rewriting the table restores it, and a
// file of schema version 2 (no counts) has its rows counted once when it is opened.
TEST(SqliteStorage, TokenCountsFollowEveryChange) {
  TempDir dir;
  TokenRow a{sha256(b("a")), "north", 0, std::nullopt};
  TokenRow c{sha256(b("c")), "south", 0, std::nullopt};
  auto counts = [](SqliteStorage& s) {
    auto t = *s.token_summary();
    EXPECT_TRUE(t.counters_kept);
    return std::pair<std::uint64_t, std::uint64_t>(t.rows, t.spent);
  };
  using Counts = std::pair<std::uint64_t, std::uint64_t>;
  auto deleted_token_write = [](const TokenRow& row) {
    StateWrite w = token_row_write(row);
    w.value.reset();
    return w;
  };
  {
    auto s = open_ok(dir);
    EXPECT_EQ(counts(*s), Counts(0, 0));
    BatchEffects fx;
    fx.state = {token_row_write(a), token_row_write(c)};
    ASSERT_TRUE(s->append_batch({b("commitments")}, fx).ok());
    EXPECT_EQ(counts(*s), Counts(2, 0));
    a.spent_at = 1;
    fx.state = {token_row_write(a)};
    ASSERT_TRUE(s->append_batch({b("ballot")}, fx).ok());
    EXPECT_EQ(counts(*s), Counts(2, 1));
    a.spent_at.reset();  // unspent (a batch undone in the cluster)
    ASSERT_TRUE(s->put_state({token_row_write(a)}).ok());
    EXPECT_EQ(counts(*s), Counts(2, 0));
    a.spent_at = 1;
    ASSERT_TRUE(s->put_state({token_row_write(a)}).ok());
    ASSERT_TRUE(s->put_state({deleted_token_write(c)}).ok());
    EXPECT_EQ(counts(*s), Counts(1, 1));
    ASSERT_TRUE(s->close().ok());
  }
  // A trigger dropped by hand: the summary says so (and a row deleted behind it is not counted).
  raw_sql(dir, "DROP TRIGGER tokens_count_delete; DELETE FROM tokens");
  {
    auto s = open_ok(dir);
    auto t = *s->token_summary();
    EXPECT_FALSE(t.counters_kept);
    EXPECT_EQ(t.rows, 1u);
    // Rewriting the table from the log restores the trigger and the counts.
    ASSERT_TRUE(s->replace_tokens({a, c}, {}).ok());
    EXPECT_EQ(counts(*s), Counts(2, 1));
    ASSERT_TRUE(s->put_state({deleted_token_write(c)}).ok());
    EXPECT_EQ(counts(*s), Counts(1, 1));
    ASSERT_TRUE(s->close().ok());
  }
  // A file of version 2: no token_counts table, no triggers; its rows are counted at the open.
  raw_sql(dir,
          "DROP TRIGGER tokens_count_insert; DROP TRIGGER tokens_count_delete;"
          "DROP TRIGGER tokens_count_update; DROP TABLE token_counts;"
          "UPDATE schema_version SET version = 2");
  {
    auto s = open_ok(dir);
    EXPECT_EQ(*s->stored_schema_version(), SqliteStorage::kSchemaVersion);
    EXPECT_EQ(counts(*s), Counts(1, 1));
  }
  // The counts row deleted by hand: the summary is refused, not read as zero.
  raw_sql(dir, "DELETE FROM token_counts");
  auto s = open_ok(dir);
  auto t = s->token_summary();
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.error().message.find("row counts are missing"), std::string::npos);
}

TEST(SqliteStorage, EffectsAreCommittedWithEntries) {
  TempDir dir;
  {
    auto s = open_ok(dir);
    BatchEffects fx;
    fx.state.push_back({"head/k1", b("h1")});
    fx.state.push_back({"gone", b("x")});
    Digest d = sha256(b("leaf"));
    fx.hashes.push_back({0, 0, d});
    ASSERT_TRUE(s->append_batch({b("e")}, fx).ok());
    BatchEffects del;
    del.state.push_back({"gone", std::nullopt});
    ASSERT_TRUE(s->append_batch({b("f")}, del).ok());
  }
  auto s = open_ok(dir);
  EXPECT_EQ(**s->get_state("head/k1"), b("h1"));
  EXPECT_FALSE(s->get_state("gone")->has_value());
  EXPECT_EQ(**s->get_hash(0, 0), sha256(b("leaf")));
  EXPECT_FALSE(s->get_hash(1, 0)->has_value());
  ASSERT_TRUE(s->put_hashes({{2, 7, sha256(b("n"))}}).ok());
  EXPECT_EQ(**s->get_hash(2, 7), sha256(b("n")));
  ASSERT_TRUE(s->put_state({{"admin", b("1")}}).ok());
  EXPECT_EQ(**s->get_state("admin"), b("1"));
}

// Tree hashes read many at once (proofs, tiles, the frontier at start) are found by their key,
// not by a pass over the table: with a scan, every proof cost time in proportion to the log.
TEST(SqliteStorage, TreeHashesAreReadByKeyNotByScan) {
  TempDir dir;
  auto s = open_ok(dir);
  BatchEffects fx;
  for (std::uint64_t i = 0; i < 3000; ++i) {
    fx.hashes.push_back({static_cast<std::uint32_t>(i % 3), i, sha256(b(std::to_string(i)))});
  }
  ASSERT_TRUE(s->append_batch({b("e")}, std::move(fx)).ok());
  const std::vector<Storage::HashKey> keys = {{0, 0}, {1, 1000}, {2, 2999}, {0, 1}, {5, 7}};
  for (int round = 0; round < 3; ++round) {  // the cached statement too
    auto got = s->get_hashes(keys);
    ASSERT_TRUE(got.ok()) << got.error().describe();
    ASSERT_EQ(got->size(), keys.size());
    EXPECT_EQ((*got)[0], sha256(b("0")));
    EXPECT_EQ((*got)[1], sha256(b("1000")));
    EXPECT_EQ((*got)[2], sha256(b("2999")));
    EXPECT_FALSE((*got)[3].has_value()) << "(0, 1) was stored at level 1";
    EXPECT_FALSE((*got)[4].has_value());
  }
  ASSERT_TRUE(s->get_hash(1, 1000).ok());
  ASSERT_TRUE(s->find_by_hash(sha256(b("e"))).ok());
  ASSERT_TRUE(s->get_state("k").ok());
  ASSERT_TRUE(s->get_token(sha256(b("t"))).ok());
  EXPECT_EQ(s->lookup_scan_steps(), 0u);
}

TEST(SqliteStorage, Checkpoints) {
  TempDir dir;
  auto s = open_ok(dir);
  ASSERT_TRUE(s->append_batch({b("a"), b("b"), b("c")}, {}).ok());
  ASSERT_TRUE(s->append_checkpoint({2, "note at 2\n"}).ok());
  ASSERT_TRUE(s->append_checkpoint({3, "note at 3\n"}).ok());
  EXPECT_EQ((*s->latest_checkpoint())->size, 3u);
  EXPECT_EQ((*s->get_checkpoint(2))->note, "note at 2\n");
  EXPECT_FALSE(s->get_checkpoint(1)->has_value());
  // Same note again is idempotent; a different note for a stored size is a conflict.
  EXPECT_TRUE(s->append_checkpoint({3, "note at 3\n"}).ok());
  EXPECT_EQ(s->append_checkpoint({3, "other\n"}).error().code, ErrorCode::kConflict);
  // Older than the latest, or beyond the log: refused.
  EXPECT_EQ(s->append_checkpoint({1, "old\n"}).error().code, ErrorCode::kConflict);
  EXPECT_EQ(s->append_checkpoint({4, "future\n"}).error().code, ErrorCode::kOutOfRange);
  // A page of the list, by position in size order; the total whatever the page.
  auto page = s->checkpoint_page(1, 5);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->total, 2u);
  ASSERT_EQ(page->checkpoints.size(), 1u);
  EXPECT_EQ(page->checkpoints[0].size, 3u);
  EXPECT_EQ(page->checkpoints[0].note, "note at 3\n");
  EXPECT_EQ(s->checkpoint_page(0, 1)->checkpoints.at(0).size, 2u);
  EXPECT_EQ(s->checkpoint_page(0, 1)->checkpoints.size(), 1u);
  EXPECT_TRUE(s->checkpoint_page(2, 1)->checkpoints.empty());
  EXPECT_TRUE(s->checkpoint_page(UINT64_MAX, UINT64_MAX)->checkpoints.empty());
  EXPECT_EQ(s->checkpoint_page(0, UINT64_MAX)->checkpoints.size(), 2u);
}

TEST(SqliteStorage, ClosedStorageFails) {
  TempDir dir;
  auto s = open_ok(dir);
  ASSERT_TRUE(s->close().ok());
  EXPECT_TRUE(s->close().ok());  // idempotent
  EXPECT_EQ(s->size().error().code, ErrorCode::kIo);
  EXPECT_EQ(s->append_batch({b("a")}, {}).error().code, ErrorCode::kIo);
}

TEST(SqliteStorage, FileIsInWalMode) {
  TempDir dir;
  { ASSERT_TRUE(open_ok(dir)->close().ok()); }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir.path() / SqliteStorage::kFileName).c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)), "wal");
  sqlite3_finalize(st);
  sqlite3_close(db);
}

}  // namespace
}  // namespace tabella::server
