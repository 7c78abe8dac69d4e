#include "tabella/server/sqlite_storage.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <string>
#include <system_error>

#include "tabella/util/canonical.h"
#include "tabella/util/mutex.h"

namespace tabella::server {

Storage::~Storage() = default;

namespace {

// The token table's row counts, kept by triggers in the transaction of every change to the
// table, so that a start reads them in constant time instead of counting the rows (docs/cluster.md
// section 1a). The table exists from the first open; kTokenCounters runs as migration 3
// (counting a version-2 file's rows once) and again whenever the table is rewritten from the log
// (replace_tokens), which also restores a dropped trigger.
constexpr const char* kTokenCountsTable = R"sql(
  CREATE TABLE IF NOT EXISTS token_counts (
    id    INTEGER PRIMARY KEY CHECK (id = 0),
    rows  INTEGER NOT NULL,   -- rows of tokens
    spent INTEGER NOT NULL);  -- rows of tokens whose spent_at is not NULL
)sql";
constexpr const char* kTokenCounters = R"sql(
  DROP TRIGGER IF EXISTS tokens_count_insert;
  DROP TRIGGER IF EXISTS tokens_count_delete;
  DROP TRIGGER IF EXISTS tokens_count_update;
  DELETE FROM token_counts;
  INSERT INTO token_counts(id, rows, spent) VALUES (0,
    (SELECT COUNT(*) FROM tokens), (SELECT COUNT(*) FROM tokens WHERE spent_at IS NOT NULL));
  CREATE TRIGGER tokens_count_insert AFTER INSERT ON tokens BEGIN
    UPDATE token_counts SET rows = rows + 1, spent = spent + (NEW.spent_at IS NOT NULL)
      WHERE id = 0;
  END;
  CREATE TRIGGER tokens_count_delete AFTER DELETE ON tokens BEGIN
    UPDATE token_counts SET rows = rows - 1, spent = spent - (OLD.spent_at IS NOT NULL)
      WHERE id = 0;
  END;
  CREATE TRIGGER tokens_count_update AFTER UPDATE OF spent_at ON tokens BEGIN
    UPDATE token_counts
      SET spent = spent - (OLD.spent_at IS NOT NULL) + (NEW.spent_at IS NOT NULL) WHERE id = 0;
  END;
)sql";

// Schema migrations, applied in order inside one transaction. Never edit a released entry:
// append a new one with the next version.
struct Migration {
  int version;
  const char* sql;
};
constexpr Migration kMigrations[] = {
    {1, R"sql(
      CREATE TABLE entries (
        idx  INTEGER PRIMARY KEY,      -- position in the log, 0-based, contiguous
        hash BLOB NOT NULL UNIQUE,     -- SHA-256(data), for idempotent resubmission
        data BLOB NOT NULL);
      CREATE TABLE state (
        key   TEXT PRIMARY KEY,
        value BLOB NOT NULL) WITHOUT ROWID;
      CREATE TABLE tree_hashes (
        level INTEGER NOT NULL,
        idx   INTEGER NOT NULL,
        hash  BLOB NOT NULL,
        PRIMARY KEY (level, idx)) WITHOUT ROWID;
      CREATE TABLE checkpoints (
        size INTEGER PRIMARY KEY,
        note TEXT NOT NULL);
    )sql"},
    // The voter-token table (docs/cluster.md section 1a), filled from the log by the ledger at
    // its first start on a data dir of version 1.
    {2, R"sql(
      CREATE TABLE tokens (
        hash         BLOB PRIMARY KEY,  -- the token hash of a token-commitments entry
        precinct     TEXT NOT NULL,     -- that entry's precinct
        committed_at INTEGER NOT NULL,  -- that entry's position
        spent_at     INTEGER) WITHOUT ROWID;  -- the cast ballot that spent it, or NULL
      CREATE UNIQUE INDEX tokens_spent_at ON tokens(spent_at) WHERE spent_at IS NOT NULL;
      CREATE INDEX tokens_committed_at ON tokens(committed_at);
    )sql"},
    // The token table's row counts (docs/cluster.md section 1a), kept by triggers.
    {3, kTokenCounters},
};
static_assert(std::size(kMigrations) == SqliteStorage::kSchemaVersion);

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct StmtFinalizer {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using Db = std::unique_ptr<sqlite3, DbCloser>;
using Stmt = std::unique_ptr<sqlite3_stmt, StmtFinalizer>;

// A full disk (or the max_pages limit) is told apart: field kDiskFullField, a clear message.
Error io_error(int rc, const std::string& what, const std::string& text) {
  if ((rc & 0xff) == SQLITE_FULL) {
    return disk_full_error("the disk is full: nothing more can be stored (" + what + ": " + text +
                           ")");
  }
  return make_error(ErrorCode::kIo, what + ": " + text);
}

Error db_error(sqlite3* db, const std::string& what) {
  return io_error(sqlite3_extended_errcode(db), what, sqlite3_errmsg(db));
}

Status exec(sqlite3* db, const char* sql, const char* what) {
  char* msg = nullptr;
  if (int rc = sqlite3_exec(db, sql, nullptr, nullptr, &msg); rc != SQLITE_OK) {
    std::string text = msg ? msg : "unknown error";
    sqlite3_free(msg);
    return io_error(rc, what, text);
  }
  return Status::success();
}

// Resets a statement (and drops its bindings) when the scope ends.
class ScopedReset {
 public:
  explicit ScopedReset(sqlite3_stmt* stmt) : stmt_(stmt) {}
  ~ScopedReset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  ScopedReset(const ScopedReset&) = delete;
  ScopedReset& operator=(const ScopedReset&) = delete;

 private:
  sqlite3_stmt* stmt_;
};

void bind_blob(sqlite3_stmt* s, int i, ByteView data) {
  // An empty blob must still be a blob, not NULL: pass a non-null pointer.
  static const std::uint8_t kEmpty = 0;
  sqlite3_bind_blob64(s, i, data.empty() ? &kEmpty : data.data(), data.size(), SQLITE_TRANSIENT);
}
void bind_text(sqlite3_stmt* s, int i, std::string_view text) {
  sqlite3_bind_text64(s, i, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
}
void bind_u64(sqlite3_stmt* s, int i, std::uint64_t v) {
  sqlite3_bind_int64(s, i, static_cast<sqlite3_int64>(v));
}
Bytes column_blob(sqlite3_stmt* s, int i) {
  const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(s, i));
  auto n = static_cast<std::size_t>(sqlite3_column_bytes(s, i));
  return p ? Bytes(p, p + n) : Bytes{};
}

// One SQLite connection with its prepared statements, guarded by its own mutex.
struct Connection {
  Mutex mu;
  Db db;
  std::vector<Stmt> stmts;

  Result<sqlite3_stmt*> prepare(const char* sql) {
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v3(db.get(), sql, -1, SQLITE_PREPARE_PERSISTENT, &raw, nullptr) !=
        SQLITE_OK) {
      return db_error(db.get(), std::string("prepare '") + sql + "'");
    }
    stmts.emplace_back(raw);
    return raw;
  }
};

Result<Db> open_db(const std::filesystem::path& file, bool create, std::chrono::milliseconds busy) {
  sqlite3* raw = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
  int rc = sqlite3_open_v2(file.c_str(), &raw, flags, nullptr);
  Db db(raw);
  if (rc != SQLITE_OK) {
    return make_error(ErrorCode::kIo, "cannot open " + file.string() + ": " +
                                          (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
  }
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, static_cast<int>(busy.count()));
  return db;
}

Status set_pragmas(sqlite3* db) {
  // journal_mode answers with the mode in effect; anything but "wal" is a failure.
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db, "PRAGMA journal_mode=WAL", -1, &raw, nullptr) != SQLITE_OK) {
    return db_error(db, "PRAGMA journal_mode");
  }
  Stmt stmt(raw);
  if (sqlite3_step(raw) != SQLITE_ROW) return db_error(db, "PRAGMA journal_mode");
  const auto* mode = reinterpret_cast<const char*>(sqlite3_column_text(raw, 0));
  if (!mode || std::strcmp(mode, "wal") != 0) {
    return make_error(ErrorCode::kIo, std::string("cannot enable WAL journal mode (got '") +
                                          (mode ? mode : "null") + "')");
  }
  return exec(db, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;", "pragmas");
}

}  // namespace

struct SqliteStorage::Impl {
  Connection writer;
  Connection reader;
  int lock_fd = -1;
  bool closed TABELLA_GUARDED_BY(writer.mu) = false;
  bool closed_reader TABELLA_GUARDED_BY(reader.mu) = false;

  // writer statements
  sqlite3_stmt* w_begin = nullptr;
  sqlite3_stmt* w_commit = nullptr;
  sqlite3_stmt* w_rollback = nullptr;
  sqlite3_stmt* w_size = nullptr;
  sqlite3_stmt* w_insert_entry = nullptr;
  sqlite3_stmt* w_put_state = nullptr;
  sqlite3_stmt* w_delete_state = nullptr;
  sqlite3_stmt* w_put_hash = nullptr;
  sqlite3_stmt* w_latest_cp = nullptr;
  sqlite3_stmt* w_get_cp = nullptr;
  sqlite3_stmt* w_insert_cp = nullptr;
  sqlite3_stmt* w_put_token = nullptr;
  sqlite3_stmt* w_delete_token = nullptr;
  // reader statements
  sqlite3_stmt* r_size = nullptr;
  sqlite3_stmt* r_range = nullptr;
  sqlite3_stmt* r_find = nullptr;
  sqlite3_stmt* r_get_state = nullptr;
  sqlite3_stmt* r_scan_state = nullptr;
  sqlite3_stmt* r_get_hash = nullptr;
  sqlite3_stmt* r_latest_cp = nullptr;
  sqlite3_stmt* r_get_cp = nullptr;
  sqlite3_stmt* r_version = nullptr;
  sqlite3_stmt* r_list_cp = nullptr;
  sqlite3_stmt* r_page_cp = nullptr;
  sqlite3_stmt* r_count_cp = nullptr;
  sqlite3_stmt* r_get_token = nullptr;
  sqlite3_stmt* r_token_summary = nullptr;
  std::map<std::size_t, sqlite3_stmt*> r_get_hashes TABELLA_GUARDED_BY(reader.mu);  // by count

  ~Impl() {
    writer.stmts.clear();
    reader.stmts.clear();
    writer.db.reset();
    reader.db.reset();
    if (lock_fd >= 0) ::close(lock_fd);
  }

  sqlite3* wdb() { return writer.db.get(); }

  Status step_done(sqlite3_stmt* s, const char* what) {
    ScopedReset reset(s);
    if (sqlite3_step(s) != SQLITE_DONE) return db_error(sqlite3_db_handle(s), what);
    return Status::success();
  }
  Status begin() { return step_done(w_begin, "BEGIN IMMEDIATE"); }
  Status commit() { return step_done(w_commit, "COMMIT"); }
  void rollback() {
    if (!sqlite3_get_autocommit(wdb())) (void)step_done(w_rollback, "ROLLBACK");
  }

  static Result<std::uint64_t> read_size(sqlite3_stmt* s) {
    ScopedReset reset(s);
    if (sqlite3_step(s) != SQLITE_ROW) return db_error(sqlite3_db_handle(s), "read size");
    return static_cast<std::uint64_t>(sqlite3_column_int64(s, 0));
  }

  static Result<std::optional<StoredCheckpoint>> read_checkpoint(sqlite3_stmt* s) {
    ScopedReset reset(s);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_DONE) return std::optional<StoredCheckpoint>();
    if (rc != SQLITE_ROW) return db_error(sqlite3_db_handle(s), "read checkpoint");
    StoredCheckpoint cp;
    cp.size = static_cast<std::uint64_t>(sqlite3_column_int64(s, 0));
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(s, 1));
    cp.note.assign(text ? text : "", static_cast<std::size_t>(sqlite3_column_bytes(s, 1)));
    return std::optional<StoredCheckpoint>(std::move(cp));
  }

  // REQUIRES: inside a write transaction, writer.mu held.
  Status apply_state(const std::vector<StateWrite>& writes) {
    for (std::size_t i = 0; i < writes.size(); ++i) {
      const StateWrite& w = writes[i];
      if (w.key.starts_with(kTokenRowPrefix)) {
        if (Status st = apply_token(w); !st.ok()) {
          return st.error().with_prefix("state[" + std::to_string(i) + "]");
        }
        continue;
      }
      sqlite3_stmt* s = w.value ? w_put_state : w_delete_state;
      ScopedReset reset(s);
      bind_text(s, 1, w.key);
      if (w.value) bind_blob(s, 2, *w.value);
      if (sqlite3_step(s) != SQLITE_DONE) {
        return db_error(wdb(), "write state row '" + w.key + "'")
            .with_prefix("state[" + std::to_string(i) + "]");
      }
    }
    return Status::success();
  }
  // A token_row_write: a row of the token table. REQUIRES: as apply_state
  Status apply_token(const StateWrite& w) {
    if (!w.value) {
      auto hash = from_hex(std::string_view(w.key).substr(kTokenRowPrefix.size()));
      if (!hash || hash->size() != Digest().size()) {
        return make_error(ErrorCode::kInvalidArgument, "malformed token row key", w.key);
      }
      ScopedReset reset(w_delete_token);
      bind_blob(w_delete_token, 1, *hash);
      if (sqlite3_step(w_delete_token) != SQLITE_DONE) return db_error(wdb(), "delete token row");
      return Status::success();
    }
    auto row = decode_token_row(w.key, *w.value);
    if (!row) return row.error();
    return put_token(*row);
  }
  Status put_token(const TokenRow& row) {
    sqlite3_stmt* s = w_put_token;
    ScopedReset reset(s);
    bind_blob(s, 1, row.hash);
    bind_text(s, 2, row.precinct);
    bind_u64(s, 3, row.committed_at);
    if (row.spent_at) bind_u64(s, 4, *row.spent_at);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_CONSTRAINT_UNIQUE) {
      return make_error(ErrorCode::kConflict,
                        "two token rows spent by the entry at " + std::to_string(*row.spent_at),
                        std::string(kTokenRowPrefix) + to_hex(row.hash));
    }
    if (rc != SQLITE_DONE) return db_error(wdb(), "write token row " + to_hex(row.hash));
    return Status::success();
  }
  Status apply_hashes(const std::vector<HashWrite>& hashes) {
    for (std::size_t i = 0; i < hashes.size(); ++i) {
      ScopedReset reset(w_put_hash);
      sqlite3_bind_int64(w_put_hash, 1, hashes[i].level);
      bind_u64(w_put_hash, 2, hashes[i].index);
      bind_blob(w_put_hash, 3, hashes[i].hash);
      if (sqlite3_step(w_put_hash) != SQLITE_DONE) {
        return db_error(wdb(), "write tree hash").with_prefix("hashes[" + std::to_string(i) + "]");
      }
    }
    return Status::success();
  }

  // Runs body inside BEGIN IMMEDIATE ... COMMIT; rolls back on any failure.
  template <class F>
  Status transaction(F&& body) TABELLA_REQUIRES(writer.mu) {
    if (closed) return make_error(ErrorCode::kIo, "storage is closed");
    TABELLA_TRY(begin());
    Status st = body();
    if (!st.ok()) {
      rollback();
      return st;
    }
    st = commit();
    if (!st.ok()) rollback();
    return st;
  }

  void set_max_pages(std::uint64_t pages) {
    std::string sql = "PRAGMA max_page_count=" + std::to_string(pages);
    (void)exec(wdb(), sql.c_str(), "max_page_count");
  }

  Status migrate() {
    TABELLA_TRY(exec(wdb(), "BEGIN IMMEDIATE", "begin migration"));
    Status st = migrate_locked();
    if (!st.ok()) {
      (void)exec(wdb(), "ROLLBACK", "rollback migration");
      return st;
    }
    return exec(wdb(), "COMMIT", "commit migration");
  }

  Status migrate_locked() {
    TABELLA_TRY(exec(wdb(), "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)",
                     "create schema_version"));
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(wdb(), "SELECT MAX(version), COUNT(*) FROM schema_version", -1, &raw,
                           nullptr) != SQLITE_OK) {
      return db_error(wdb(), "read schema_version");
    }
    Stmt stmt(raw);
    if (sqlite3_step(raw) != SQLITE_ROW) return db_error(wdb(), "read schema_version");
    int version = sqlite3_column_int(raw, 0);
    int rows = sqlite3_column_int(raw, 1);
    stmt.reset();
    if (version > kSchemaVersion) {
      return make_error(ErrorCode::kConflict,
                        "database schema version " + std::to_string(version) +
                            " is newer than this tabella-ledger supports (" +
                            std::to_string(kSchemaVersion) +
                            "); upgrade tabella-ledger or use another data dir",
                        "schema_version");
    }
    // Before migration 3, which fills it. A token_counts table dropped by hand would make every
    // statement over it fail to prepare; recreated empty, it makes the start's check fail and
    // replay the log instead, which rebuilds the counts.
    TABELLA_TRY(exec(wdb(), kTokenCountsTable, "create token_counts"));
    for (const Migration& m : kMigrations) {
      if (m.version <= version) continue;
      TABELLA_TRY(
          exec(wdb(), m.sql, ("migration to schema version " + std::to_string(m.version)).c_str()));
      version = m.version;
    }
    std::string update =
        rows == 0 ? "INSERT INTO schema_version(version) VALUES (" + std::to_string(version) + ")"
                  : "UPDATE schema_version SET version = " + std::to_string(version);
    return exec(wdb(), update.c_str(), "write schema_version");
  }

  Status prepare_all() {
    auto w = [&](sqlite3_stmt*& out, const char* sql) -> Status {
      auto r = writer.prepare(sql);
      if (!r) return r.error();
      out = *r;
      return Status::success();
    };
    auto rd = [&](sqlite3_stmt*& out, const char* sql) -> Status {
      auto r = reader.prepare(sql);
      if (!r) return r.error();
      out = *r;
      return Status::success();
    };
    constexpr const char* kSize = "SELECT COALESCE(MAX(idx) + 1, 0) FROM entries";
    constexpr const char* kLatestCp =
        "SELECT size, note FROM checkpoints ORDER BY size DESC LIMIT 1";
    constexpr const char* kGetCp = "SELECT size, note FROM checkpoints WHERE size = ?1";
    TABELLA_TRY(w(w_begin, "BEGIN IMMEDIATE"));
    TABELLA_TRY(w(w_commit, "COMMIT"));
    TABELLA_TRY(w(w_rollback, "ROLLBACK"));
    TABELLA_TRY(w(w_size, kSize));
    TABELLA_TRY(w(w_insert_entry, "INSERT INTO entries(idx, hash, data) VALUES (?1, ?2, ?3)"));
    TABELLA_TRY(w(w_put_state, "INSERT OR REPLACE INTO state(key, value) VALUES (?1, ?2)"));
    TABELLA_TRY(w(w_delete_state, "DELETE FROM state WHERE key = ?1"));
    TABELLA_TRY(
        w(w_put_hash, "INSERT OR REPLACE INTO tree_hashes(level, idx, hash) VALUES (?1, ?2, ?3)"));
    TABELLA_TRY(w(w_latest_cp, kLatestCp));
    TABELLA_TRY(w(w_get_cp, kGetCp));
    TABELLA_TRY(w(w_insert_cp, "INSERT INTO checkpoints(size, note) VALUES (?1, ?2)"));
    TABELLA_TRY(rd(r_size, kSize));
    TABELLA_TRY(
        rd(r_range, "SELECT idx, data FROM entries WHERE idx >= ?1 AND idx < ?2 ORDER BY idx"));
    TABELLA_TRY(rd(r_find, "SELECT idx FROM entries WHERE hash = ?1"));
    TABELLA_TRY(rd(r_get_state, "SELECT value FROM state WHERE key = ?1"));
    TABELLA_TRY(
        rd(r_scan_state, "SELECT key, value FROM state WHERE key >= ?1 AND key < ?2 ORDER BY key"));
    TABELLA_TRY(rd(r_get_hash, "SELECT hash FROM tree_hashes WHERE level = ?1 AND idx = ?2"));
    TABELLA_TRY(rd(r_latest_cp, kLatestCp));
    TABELLA_TRY(rd(r_get_cp, kGetCp));
    TABELLA_TRY(rd(r_version, "SELECT MAX(version) FROM schema_version"));
    TABELLA_TRY(rd(r_list_cp, "SELECT size, note FROM checkpoints ORDER BY size"));
    TABELLA_TRY(
        rd(r_page_cp, "SELECT size, note FROM checkpoints ORDER BY size LIMIT ?2 OFFSET ?1"));
    TABELLA_TRY(rd(r_count_cp, "SELECT COUNT(*) FROM checkpoints"));
    TABELLA_TRY(w(w_put_token,
                  "INSERT INTO tokens(hash, precinct, committed_at, spent_at) "
                  "VALUES (?1, ?2, ?3, ?4) ON CONFLICT(hash) DO UPDATE SET "
                  "precinct = excluded.precinct, committed_at = excluded.committed_at, "
                  "spent_at = excluded.spent_at"));
    TABELLA_TRY(w(w_delete_token, "DELETE FROM tokens WHERE hash = ?1"));
    TABELLA_TRY(
        rd(r_get_token, "SELECT precinct, committed_at, spent_at FROM tokens WHERE hash = ?1"));
    // Constant time: the counts the triggers keep, the maxima from the two indexes, and
    // whether the three triggers are all still there (without them the counts prove nothing).
    TABELLA_TRY(rd(r_token_summary,
                   "SELECT rows, spent,"
                   " (SELECT MAX(committed_at) FROM tokens),"
                   " (SELECT MAX(spent_at) FROM tokens WHERE spent_at IS NOT NULL),"
                   " (SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger'"
                   "  AND tbl_name = 'tokens' AND name IN ('tokens_count_insert',"
                   "  'tokens_count_delete', 'tokens_count_update'))"
                   " FROM token_counts WHERE id = 0"));
    return Status::success();
  }
};

SqliteStorage::SqliteStorage(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SqliteStorage::~SqliteStorage() {
  (void)close();
}

Result<std::unique_ptr<SqliteStorage>> SqliteStorage::open(const std::filesystem::path& data_dir,
                                                           Options options) {
  std::error_code ec;
  if (options.create_if_missing) std::filesystem::create_directories(data_dir, ec);
  if (ec) {
    return make_error(ErrorCode::kIo,
                      "cannot create data dir " + data_dir.string() + ": " + ec.message(),
                      "data_dir");
  }
  auto impl = std::make_unique<Impl>();
  // One process per data dir: an advisory lock the kernel drops when the process dies.
  std::filesystem::path lock_path = data_dir / "LOCK";
  impl->lock_fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (impl->lock_fd < 0) {
    return make_error(ErrorCode::kIo,
                      "cannot open " + lock_path.string() + ": " + std::strerror(errno));
  }
  if (::flock(impl->lock_fd, LOCK_EX | LOCK_NB) != 0) {
    return make_error(ErrorCode::kConflict,
                      "data dir " + data_dir.string() + " is in use by another process (LOCK held)",
                      "data_dir");
  }
  std::filesystem::path file = data_dir / kFileName;
  auto writer = open_db(file, options.create_if_missing, options.busy_timeout);
  if (!writer) return writer.error();
  impl->writer.db = std::move(*writer);
  TABELLA_TRY(set_pragmas(impl->wdb()));
  if (options.max_pages != 0) impl->set_max_pages(options.max_pages);
  TABELLA_TRY(impl->migrate());
  auto reader = open_db(file, false, options.busy_timeout);
  if (!reader) return reader.error();
  impl->reader.db = std::move(*reader);
  TABELLA_TRY(set_pragmas(impl->reader.db.get()));
  TABELLA_TRY(impl->prepare_all());
  return std::unique_ptr<SqliteStorage>(new SqliteStorage(std::move(impl)));
}

#define TABELLA_READER_GUARD()      \
  MutexLock lock(impl_->reader.mu); \
  if (impl_->closed_reader) return make_error(ErrorCode::kIo, "storage is closed")

Result<int> SqliteStorage::stored_schema_version() {
  TABELLA_READER_GUARD();
  ScopedReset reset(impl_->r_version);
  if (sqlite3_step(impl_->r_version) != SQLITE_ROW) {
    return db_error(impl_->reader.db.get(), "read schema_version");
  }
  return sqlite3_column_int(impl_->r_version, 0);
}

Result<std::uint64_t> SqliteStorage::size() {
  TABELLA_READER_GUARD();
  return Impl::read_size(impl_->r_size);
}

void SqliteStorage::set_max_pages(std::uint64_t pages) {
  MutexLock lock(impl_->writer.mu);
  impl_->set_max_pages(pages == 0 ? 4294967294u : pages);
}

Status Storage::probe_write(std::size_t) {
  return Status::success();
}

StateWrite token_row_write(const TokenRow& row) {
  Bytes value;
  auto committed = u64be(row.committed_at);
  auto spent = u64be(row.spent_at ? *row.spent_at + 1 : 0);
  value.insert(value.end(), committed.begin(), committed.end());
  value.insert(value.end(), spent.begin(), spent.end());
  value.insert(value.end(), row.precinct.begin(), row.precinct.end());
  return {std::string(kTokenRowPrefix) + to_hex(row.hash), std::move(value)};
}

Result<TokenRow> decode_token_row(std::string_view key, ByteView value) {
  TokenRow row;
  auto hash = key.starts_with(kTokenRowPrefix) ? from_hex(key.substr(kTokenRowPrefix.size()))
                                               : Result<Bytes>(Bytes());
  if (!hash || hash->size() != row.hash.size() || value.size() < 16) {
    return make_error(ErrorCode::kInvalidEncoding, "malformed token row", std::string(key));
  }
  std::copy(hash->begin(), hash->end(), row.hash.begin());
  row.committed_at = load_u64be(value.subspan(0, 8));
  if (std::uint64_t spent = load_u64be(value.subspan(8, 8)); spent != 0) row.spent_at = spent - 1;
  row.precinct.assign(value.begin() + 16, value.end());
  return row;
}

Result<std::optional<TokenRow>> Storage::get_token(const Digest&) {
  return make_error(ErrorCode::kNotFound, "this storage has no token table");
}
Result<TokenTableSummary> Storage::token_summary() {
  return make_error(ErrorCode::kNotFound, "this storage has no token table");
}
Status Storage::replace_tokens(const std::vector<TokenRow>&, std::vector<StateWrite>) {
  return make_error(ErrorCode::kNotFound, "this storage has no token table");
}

Result<std::vector<std::pair<std::string, Bytes>>> Storage::scan_state(std::string_view) {
  return make_error(ErrorCode::kNotFound, "this storage cannot list state rows");
}

Status SqliteStorage::probe_write(std::size_t bytes) {
  MutexLock lock(impl_->writer.mu);
  if (impl_->closed) return make_error(ErrorCode::kIo, "storage is closed");
  TABELLA_TRY(exec(impl_->wdb(), "BEGIN IMMEDIATE", "probe"));
  std::string sql =
      "INSERT OR REPLACE INTO state(key, value) VALUES ('tabella/disk-probe', zeroblob(" +
      std::to_string(bytes) + "))";
  Status st = exec(impl_->wdb(), sql.c_str(), "probe write");
  (void)exec(impl_->wdb(), "ROLLBACK", "probe rollback");
  return st;
}

Result<std::vector<std::uint64_t>> SqliteStorage::append_batch(std::vector<Bytes> entries,
                                                               BatchEffects effects) {
  MutexLock lock(impl_->writer.mu);
  std::vector<std::uint64_t> positions;
  positions.reserve(entries.size());
  Status st = impl_->transaction([&]() -> Status {
    auto next = Impl::read_size(impl_->w_size);
    if (!next) return next.error();
    for (std::size_t i = 0; i < entries.size(); ++i) {
      std::uint64_t idx = *next + i;
      Digest hash = sha256(entries[i]);
      sqlite3_stmt* s = impl_->w_insert_entry;
      ScopedReset reset(s);
      bind_u64(s, 1, idx);
      bind_blob(s, 2, hash);
      bind_blob(s, 3, entries[i]);
      int rc = sqlite3_step(s);
      std::string field = "entries[" + std::to_string(i) + "]";
      if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
        return make_error(ErrorCode::kConflict,
                          "entry with SHA-256 " + to_hex(hash) + " is already stored", field);
      }
      if (rc != SQLITE_DONE) return db_error(impl_->wdb(), "insert entry").with_prefix(field);
      positions.push_back(idx);
    }
    TABELLA_TRY(impl_->apply_state(effects.state));
    return impl_->apply_hashes(effects.hashes);
  });
  if (!st.ok()) return st.error();
  return positions;
}

Result<std::vector<Bytes>> SqliteStorage::read_range(std::uint64_t start, std::uint64_t count) {
  TABELLA_READER_GUARD();
  auto size = Impl::read_size(impl_->r_size);
  if (!size) return size.error();
  if (start > *size) {
    return make_error(
        ErrorCode::kOutOfRange,
        "start " + std::to_string(start) + " is past the log size " + std::to_string(*size),
        "start");
  }
  std::uint64_t end = start + std::min(count, *size - start);
  std::vector<Bytes> out;
  sqlite3_stmt* s = impl_->r_range;
  ScopedReset reset(s);
  bind_u64(s, 1, start);
  bind_u64(s, 2, end);
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    auto idx = static_cast<std::uint64_t>(sqlite3_column_int64(s, 0));
    if (idx != start + out.size()) {
      return make_error(ErrorCode::kConflict, "entries table has a gap before position " +
                                                  std::to_string(idx) + " (corrupt database)");
    }
    out.push_back(column_blob(s, 1));
  }
  if (rc != SQLITE_DONE) return db_error(impl_->reader.db.get(), "read entries");
  return out;
}

Result<std::optional<std::uint64_t>> SqliteStorage::find_by_hash(const Digest& entry_hash) {
  TABELLA_READER_GUARD();
  sqlite3_stmt* s = impl_->r_find;
  ScopedReset reset(s);
  bind_blob(s, 1, entry_hash);
  int rc = sqlite3_step(s);
  if (rc == SQLITE_DONE) return std::optional<std::uint64_t>();
  if (rc != SQLITE_ROW) return db_error(impl_->reader.db.get(), "find entry by hash");
  return std::optional<std::uint64_t>(static_cast<std::uint64_t>(sqlite3_column_int64(s, 0)));
}

Result<std::optional<Bytes>> SqliteStorage::get_state(std::string_view key) {
  TABELLA_READER_GUARD();
  sqlite3_stmt* s = impl_->r_get_state;
  ScopedReset reset(s);
  bind_text(s, 1, key);
  int rc = sqlite3_step(s);
  if (rc == SQLITE_DONE) return std::optional<Bytes>();
  if (rc != SQLITE_ROW) return db_error(impl_->reader.db.get(), "read state");
  return std::optional<Bytes>(column_blob(s, 0));
}

Result<std::optional<TokenRow>> SqliteStorage::get_token(const Digest& hash) {
  TABELLA_READER_GUARD();
  sqlite3_stmt* s = impl_->r_get_token;
  ScopedReset reset(s);
  bind_blob(s, 1, hash);
  int rc = sqlite3_step(s);
  if (rc == SQLITE_DONE) return std::optional<TokenRow>();
  if (rc != SQLITE_ROW) return db_error(impl_->reader.db.get(), "read token row");
  TokenRow row;
  row.hash = hash;
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
  row.precinct.assign(text ? text : "", static_cast<std::size_t>(sqlite3_column_bytes(s, 0)));
  row.committed_at = static_cast<std::uint64_t>(sqlite3_column_int64(s, 1));
  if (sqlite3_column_type(s, 2) != SQLITE_NULL) {
    row.spent_at = static_cast<std::uint64_t>(sqlite3_column_int64(s, 2));
  }
  return std::optional<TokenRow>(std::move(row));
}

Result<TokenTableSummary> SqliteStorage::token_summary() {
  TABELLA_READER_GUARD();
  sqlite3_stmt* s = impl_->r_token_summary;
  ScopedReset reset(s);
  const int rc = sqlite3_step(s);
  if (rc == SQLITE_DONE) {
    return make_error(ErrorCode::kConflict, "token table: the row counts are missing",
                      "token_counts");
  }
  if (rc != SQLITE_ROW) return db_error(impl_->reader.db.get(), "read token table summary");
  TokenTableSummary out;
  out.rows = static_cast<std::uint64_t>(sqlite3_column_int64(s, 0));
  out.spent = static_cast<std::uint64_t>(sqlite3_column_int64(s, 1));
  if (sqlite3_column_type(s, 2) != SQLITE_NULL) {
    out.max_committed_at = static_cast<std::uint64_t>(sqlite3_column_int64(s, 2));
  }
  if (sqlite3_column_type(s, 3) != SQLITE_NULL) {
    out.max_spent_at = static_cast<std::uint64_t>(sqlite3_column_int64(s, 3));
  }
  out.counters_kept = sqlite3_column_int64(s, 4) == 3;
  return out;
}

Status SqliteStorage::replace_tokens(const std::vector<TokenRow>& rows,
                                     std::vector<StateWrite> state) {
  MutexLock lock(impl_->writer.mu);
  return impl_->transaction([&]() -> Status {
    TABELLA_TRY(exec(impl_->wdb(), "DELETE FROM tokens", "clear the token table"));
    TABELLA_TRY(exec(impl_->wdb(), kTokenCounters, "reset the token counts"));
    for (const TokenRow& row : rows) TABELLA_TRY(impl_->put_token(row));
    return impl_->apply_state(state);
  });
}

Result<std::vector<std::pair<std::string, Bytes>>> SqliteStorage::scan_state(
    std::string_view prefix) {
  if (prefix.empty() || static_cast<unsigned char>(prefix.back()) >= 0x7f) {
    return make_error(ErrorCode::kInvalidArgument, "state prefix must end in an ASCII character",
                      "prefix");
  }
  std::string end(prefix);
  end.back() = static_cast<char>(end.back() + 1);  // the first key after every prefix match
  TABELLA_READER_GUARD();
  sqlite3_stmt* s = impl_->r_scan_state;
  ScopedReset reset(s);
  bind_text(s, 1, prefix);
  bind_text(s, 2, end);
  std::vector<std::pair<std::string, Bytes>> out;
  int rc = SQLITE_OK;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    const auto* key = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
    int len = sqlite3_column_bytes(s, 0);
    out.emplace_back(std::string(key ? key : "", static_cast<std::size_t>(len)), column_blob(s, 1));
  }
  if (rc != SQLITE_DONE) return db_error(impl_->reader.db.get(), "scan state");
  return out;
}

Status SqliteStorage::put_state(std::vector<StateWrite> writes) {
  MutexLock lock(impl_->writer.mu);
  return impl_->transaction([&] { return impl_->apply_state(writes); });
}

Result<std::optional<Digest>> SqliteStorage::get_hash(std::uint32_t level, std::uint64_t index) {
  TABELLA_READER_GUARD();
  sqlite3_stmt* s = impl_->r_get_hash;
  ScopedReset reset(s);
  sqlite3_bind_int64(s, 1, level);
  bind_u64(s, 2, index);
  int rc = sqlite3_step(s);
  if (rc == SQLITE_DONE) return std::optional<Digest>();
  if (rc != SQLITE_ROW) return db_error(impl_->reader.db.get(), "read tree hash");
  Bytes blob = column_blob(s, 0);
  if (blob.size() != 32) {
    return make_error(ErrorCode::kConflict,
                      "stored tree hash (" + std::to_string(level) + ", " + std::to_string(index) +
                          ") has " + std::to_string(blob.size()) + " bytes, expected 32");
  }
  Digest d;
  std::copy(blob.begin(), blob.end(), d.begin());
  return std::optional<Digest>(d);
}

Result<std::vector<std::optional<Digest>>> Storage::get_hashes(std::span<const HashKey> at) {
  std::vector<std::optional<Digest>> out;
  out.reserve(at.size());
  for (const HashKey& k : at) {
    auto h = get_hash(k.level, k.index);
    if (!h) return h.error();
    out.push_back(*h);
  }
  return out;
}

// The cosigned checkpoint row: u64be(size) || note text.
Result<std::optional<StoredCheckpoint>> Storage::latest_cosigned_checkpoint() {
  auto row = get_state(kCosignedCheckpointKey);
  if (!row) return row.error();
  if (!*row) return std::optional<StoredCheckpoint>();
  const Bytes& b = **row;
  if (b.size() < 8) {
    return make_error(ErrorCode::kInvalidEncoding, "stored cosigned checkpoint is truncated",
                      std::string(kCosignedCheckpointKey));
  }
  StoredCheckpoint cp;
  cp.size = load_u64be(b);
  cp.note.assign(b.begin() + 8, b.end());
  return std::optional<StoredCheckpoint>(std::move(cp));
}

Result<Storage::CheckpointPage> Storage::checkpoint_page(std::uint64_t start, std::uint64_t count) {
  auto all = list_checkpoints();
  if (!all) return all.error();
  CheckpointPage page;
  page.total = all->size();
  for (std::uint64_t i = start; i < all->size() && i - start < count; ++i) {
    page.checkpoints.push_back(std::move((*all)[i]));
  }
  return page;
}

Status Storage::put_cosigned_checkpoint(const StoredCheckpoint& checkpoint) {
  auto n = size();
  if (!n) return n.error();
  if (checkpoint.size > *n) {
    return make_error(ErrorCode::kOutOfRange,
                      "cosigned checkpoint size " + std::to_string(checkpoint.size) +
                          " exceeds the log size " + std::to_string(*n),
                      "size");
  }
  auto stored = latest_cosigned_checkpoint();
  if (!stored) return stored.error();
  if (*stored && (*stored)->size > checkpoint.size) {
    return make_error(ErrorCode::kConflict,
                      "cosigned checkpoint size " + std::to_string(checkpoint.size) +
                          " is older than the stored size " + std::to_string((*stored)->size),
                      "size");
  }
  Bytes row = Writer().u64(checkpoint.size).raw(as_bytes(checkpoint.note)).bytes();
  std::vector<StateWrite> writes;
  writes.push_back(StateWrite{std::string(kCosignedCheckpointKey), std::move(row)});
  return put_state(std::move(writes));
}

Result<std::vector<std::optional<Digest>>> SqliteStorage::get_hashes(std::span<const HashKey> at) {
  std::vector<std::optional<Digest>> out(at.size());
  if (at.empty()) return out;
  TABELLA_READER_GUARD();
  sqlite3_stmt*& s = impl_->r_get_hashes[at.size()];
  if (s == nullptr) {
    // The keys as the outer loop (CROSS JOIN fixes the order), one primary-key seek each. The
    // form `WHERE (level, idx) IN (VALUES ...)` scanned the whole table instead: every proof
    // and tile then cost a pass over all the tree's hashes (0.26 s per inclusion proof at a
    // million entries). lookup_scan_steps() lets a test see a scan come back.
    std::string sql = "SELECT t.level, t.idx, t.hash FROM (VALUES ";
    for (std::size_t i = 0; i < at.size(); ++i) {
      if (i) sql += ",";
      sql += "(?" + std::to_string(2 * i + 1) + ",?" + std::to_string(2 * i + 2) + ")";
    }
    sql += ") AS k CROSS JOIN tree_hashes AS t ON t.level = k.column1 AND t.idx = k.column2";
    auto prepared = impl_->reader.prepare(sql.c_str());
    if (!prepared) {
      impl_->r_get_hashes.erase(at.size());
      return prepared.error();
    }
    s = *prepared;
  }
  ScopedReset reset(s);
  for (std::size_t i = 0; i < at.size(); ++i) {
    sqlite3_bind_int64(s, static_cast<int>(2 * i + 1), at[i].level);
    bind_u64(s, static_cast<int>(2 * i + 2), at[i].index);
  }
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    auto level = static_cast<std::uint32_t>(sqlite3_column_int64(s, 0));
    auto idx = static_cast<std::uint64_t>(sqlite3_column_int64(s, 1));
    Bytes blob = column_blob(s, 2);
    if (blob.size() != 32) {
      return make_error(ErrorCode::kConflict, "stored tree hash (" + std::to_string(level) + ", " +
                                                  std::to_string(idx) + ") is not 32 bytes");
    }
    Digest d;
    std::copy(blob.begin(), blob.end(), d.begin());
    for (std::size_t i = 0; i < at.size(); ++i) {
      if (at[i].level == level && at[i].index == idx) out[i] = d;
    }
  }
  if (rc != SQLITE_DONE) return db_error(impl_->reader.db.get(), "read tree hashes");
  return out;
}

std::uint64_t SqliteStorage::lookup_scan_steps() {
  MutexLock lock(impl_->reader.mu);
  if (impl_->closed_reader) return 0;
  std::uint64_t steps = 0;
  auto add = [&](sqlite3_stmt* s) {
    if (s == nullptr) return;
    steps += static_cast<std::uint64_t>(sqlite3_stmt_status(s, SQLITE_STMTSTATUS_FULLSCAN_STEP, 0));
  };
  add(impl_->r_find);
  add(impl_->r_get_state);
  add(impl_->r_get_hash);
  add(impl_->r_get_token);
  for (const auto& [count, s] : impl_->r_get_hashes) add(s);
  return steps;
}

namespace {
// Every (size, note) row `s` yields.
Status read_checkpoint_rows(sqlite3_stmt* s, std::vector<StoredCheckpoint>& out) {
  ScopedReset reset(s);
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    StoredCheckpoint cp;
    cp.size = static_cast<std::uint64_t>(sqlite3_column_int64(s, 0));
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(s, 1));
    cp.note.assign(text ? text : "", static_cast<std::size_t>(sqlite3_column_bytes(s, 1)));
    out.push_back(std::move(cp));
  }
  if (rc != SQLITE_DONE) return db_error(sqlite3_db_handle(s), "list checkpoints");
  return Status::success();
}
}  // namespace

Result<std::vector<StoredCheckpoint>> SqliteStorage::list_checkpoints() {
  TABELLA_READER_GUARD();
  std::vector<StoredCheckpoint> out;
  TABELLA_TRY(read_checkpoint_rows(impl_->r_list_cp, out));
  return out;
}

Result<Storage::CheckpointPage> SqliteStorage::checkpoint_page(std::uint64_t start,
                                                               std::uint64_t count) {
  TABELLA_READER_GUARD();
  CheckpointPage page;
  {
    sqlite3_stmt* s = impl_->r_count_cp;
    ScopedReset reset(s);
    if (sqlite3_step(s) != SQLITE_ROW) return db_error(impl_->reader.db.get(), "count checkpoints");
    page.total = static_cast<std::uint64_t>(sqlite3_column_int64(s, 0));
  }
  if (start >= page.total || count == 0) return page;
  // Both fit an int64 now: start < total, and the limit is at most total.
  bind_u64(impl_->r_page_cp, 1, start);
  bind_u64(impl_->r_page_cp, 2, std::min(count, page.total));
  TABELLA_TRY(read_checkpoint_rows(impl_->r_page_cp, page.checkpoints));
  return page;
}

Status SqliteStorage::put_hashes(std::vector<HashWrite> hashes) {
  MutexLock lock(impl_->writer.mu);
  return impl_->transaction([&] { return impl_->apply_hashes(hashes); });
}

Status SqliteStorage::append_checkpoint(const StoredCheckpoint& checkpoint) {
  MutexLock lock(impl_->writer.mu);
  return impl_->transaction([&]() -> Status {
    auto size = Impl::read_size(impl_->w_size);
    if (!size) return size.error();
    if (checkpoint.size > *size) {
      return make_error(ErrorCode::kOutOfRange,
                        "checkpoint size " + std::to_string(checkpoint.size) +
                            " exceeds the log size " + std::to_string(*size),
                        "size");
    }
    ScopedReset reset_get(impl_->w_get_cp);
    bind_u64(impl_->w_get_cp, 1, checkpoint.size);
    auto same = Impl::read_checkpoint(impl_->w_get_cp);
    if (!same) return same.error();
    if (*same) {
      if ((*same)->note == checkpoint.note) return Status::success();
      return make_error(ErrorCode::kConflict,
                        "a different checkpoint for size " + std::to_string(checkpoint.size) +
                            " is already stored",
                        "note");
    }
    auto latest = Impl::read_checkpoint(impl_->w_latest_cp);
    if (!latest) return latest.error();
    if (*latest && (*latest)->size > checkpoint.size) {
      return make_error(ErrorCode::kConflict,
                        "checkpoint size " + std::to_string(checkpoint.size) +
                            " is older than the latest stored size " +
                            std::to_string((*latest)->size),
                        "size");
    }
    ScopedReset reset(impl_->w_insert_cp);
    bind_u64(impl_->w_insert_cp, 1, checkpoint.size);
    bind_text(impl_->w_insert_cp, 2, checkpoint.note);
    if (sqlite3_step(impl_->w_insert_cp) != SQLITE_DONE) {
      return db_error(impl_->wdb(), "insert checkpoint");
    }
    return Status::success();
  });
}

Result<std::optional<StoredCheckpoint>> SqliteStorage::latest_checkpoint() {
  TABELLA_READER_GUARD();
  return Impl::read_checkpoint(impl_->r_latest_cp);
}

Result<std::optional<StoredCheckpoint>> SqliteStorage::get_checkpoint(std::uint64_t size) {
  TABELLA_READER_GUARD();
  bind_u64(impl_->r_get_cp, 1, size);
  return Impl::read_checkpoint(impl_->r_get_cp);
}

Status SqliteStorage::close() {
  if (!impl_) return Status::success();
  // The only place holding both: always the writer's first.
  MutexLock writer_lock(impl_->writer.mu);
  MutexLock reader_lock(impl_->reader.mu);
  if (impl_->closed) return Status::success();
  impl_->closed = true;
  impl_->closed_reader = true;
  impl_->writer.stmts.clear();
  impl_->reader.stmts.clear();
  impl_->reader.db.reset();
  // Closing the last connection checkpoints the WAL into the main file.
  int rc = sqlite3_close(impl_->writer.db.release());
  if (impl_->lock_fd >= 0) {
    ::close(impl_->lock_fd);
    impl_->lock_fd = -1;
  }
  if (rc != SQLITE_OK) {
    return make_error(ErrorCode::kIo, std::string("closing the database: ") + sqlite3_errstr(rc));
  }
  return Status::success();
}

}  // namespace tabella::server
