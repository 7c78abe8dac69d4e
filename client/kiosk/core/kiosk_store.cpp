#include "core/kiosk_store.h"

#include <sqlite3.h>

#include <cstring>
#include <ctime>

#include "tabella/util/canonical.h"

namespace tabella::kiosk {

namespace {

Error db_error(sqlite3* db, const std::string& what) {
  return make_error(ErrorCode::kIo, what + ": " + sqlite3_errmsg(db), "kiosk database");
}

// A prepared statement, finalised on scope exit.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) {
    if (sqlite3_prepare_v2(db, sql, -1, &s_, nullptr) != SQLITE_OK) s_ = nullptr;
  }
  ~Stmt() { sqlite3_finalize(s_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  bool ok() const { return s_ != nullptr; }
  void bind(int i, std::int64_t v) { sqlite3_bind_int64(s_, i, v); }
  void bind(int i, ByteView b) {
    sqlite3_bind_blob(s_, i, b.data(), static_cast<int>(b.size()), SQLITE_TRANSIENT);
  }
  void bind(int i, const std::string& t) {
    sqlite3_bind_text(s_, i, t.data(), static_cast<int>(t.size()), SQLITE_TRANSIENT);
  }
  int step() { return sqlite3_step(s_); }
  std::int64_t i64(int c) { return sqlite3_column_int64(s_, c); }
  bool is_null(int c) { return sqlite3_column_type(s_, c) == SQLITE_NULL; }
  Bytes blob(int c) {
    const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(s_, c));
    return Bytes(p, p + sqlite3_column_bytes(s_, c));
  }
  std::string text(int c) {
    const auto* p = sqlite3_column_text(s_, c);
    return p ? std::string(reinterpret_cast<const char*>(p)) : std::string();
  }

 private:
  sqlite3_stmt* s_ = nullptr;
};

Digest to_digest(const Bytes& b) {
  Digest d{};
  if (b.size() == d.size()) std::memcpy(d.data(), b.data(), d.size());
  return d;
}

Bytes u64_bytes(std::uint64_t v) {
  auto be = u64be(v);
  return Bytes(be.begin(), be.end());
}

std::int64_t now() {
  return static_cast<std::int64_t>(std::time(nullptr));
}

const char* kind_name(EntryKind k) {
  switch (k) {
    case EntryKind::kCast:
      return "cast";
    case EntryKind::kChallenged:
      return "challenged";
  }
  return "cast";
}
EntryKind kind_from(const std::string& s) {
  return s == "challenged" ? EntryKind::kChallenged : EntryKind::kCast;
}

ErrorCode code_from(const std::string& name) {
  return error_code_from_name(name).value_or(ErrorCode::kInvalidArgument);
}

}  // namespace

Result<std::unique_ptr<KioskStore>> KioskStore::open(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
      SQLITE_OK) {
    Error e = make_error(ErrorCode::kIo,
                         "cannot open " + path + ": " + (db ? sqlite3_errmsg(db) : "out of memory"),
                         "data_dir");
    sqlite3_close(db);
    return e;
  }
  std::unique_ptr<KioskStore> store(new KioskStore(db));
  sqlite3_busy_timeout(db, 5000);
  TABELLA_TRY(store->exec("PRAGMA journal_mode=WAL"));
  TABELLA_TRY(store->exec("PRAGMA synchronous=FULL"));
  TABELLA_TRY(store->exec(
      "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value BLOB NOT NULL);"
      "CREATE TABLE IF NOT EXISTS queue(id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL,"
      " entry BLOB NOT NULL, code BLOB NOT NULL, sequence INTEGER NOT NULL,"
      " created INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT);"
      "CREATE TABLE IF NOT EXISTS delivered(id INTEGER PRIMARY KEY, kind TEXT NOT NULL,"
      " code BLOB NOT NULL, sequence INTEGER NOT NULL, ledger_index INTEGER NOT NULL,"
      " checkpoint TEXT NOT NULL, delivered_at INTEGER NOT NULL);"
      "CREATE TABLE IF NOT EXISTS rejected(id INTEGER PRIMARY KEY, kind TEXT NOT NULL,"
      " entry BLOB NOT NULL, code BLOB NOT NULL, sequence INTEGER NOT NULL,"
      " error_code TEXT NOT NULL, message TEXT NOT NULL, field TEXT NOT NULL,"
      " rejected_at INTEGER NOT NULL, reason TEXT NOT NULL DEFAULT '');"));
  // Files from before witness cosignatures lack queue.acknowledged_index: add it.
  {
    Stmt cols(db, "SELECT 1 FROM pragma_table_info('queue') WHERE name = 'acknowledged_index'");
    if (!cols.ok()) return db_error(db, "read queue columns");
    int rc = cols.step();
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return db_error(db, "read queue columns");
    if (rc == SQLITE_DONE) {
      TABELLA_TRY(store->exec("ALTER TABLE queue ADD COLUMN acknowledged_index INTEGER"));
    }
  }
  // Files from before error reasons lack rejected.reason (the ErrorReason's name): add it.
  {
    Stmt cols(db, "SELECT 1 FROM pragma_table_info('rejected') WHERE name = 'reason'");
    if (!cols.ok()) return db_error(db, "read rejected columns");
    int rc = cols.step();
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return db_error(db, "read rejected columns");
    if (rc == SQLITE_DONE) {
      TABELLA_TRY(store->exec("ALTER TABLE rejected ADD COLUMN reason TEXT NOT NULL DEFAULT ''"));
    }
  }
  return store;
}

KioskStore::~KioskStore() {
  sqlite3_close(db_);
}

Status KioskStore::exec(const char* sql) {
  char* msg = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &msg) != SQLITE_OK) {
    std::string m = msg ? msg : "unknown error";
    sqlite3_free(msg);
    return make_error(ErrorCode::kIo, std::string("SQLite: ") + m, "kiosk database");
  }
  return {};
}

Result<std::optional<Bytes>> KioskStore::get_meta(const char* key) {
  Stmt s(db_, "SELECT value FROM meta WHERE key = ?");
  if (!s.ok()) return db_error(db_, "read meta");
  s.bind(1, std::string(key));
  int rc = s.step();
  if (rc == SQLITE_ROW) return std::optional<Bytes>(s.blob(0));
  if (rc == SQLITE_DONE) return std::optional<Bytes>();
  return db_error(db_, "read meta");
}

Status KioskStore::put_meta(const char* key, ByteView value) {
  Stmt s(db_, "INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)");
  if (!s.ok()) return db_error(db_, "write meta");
  s.bind(1, std::string(key));
  s.bind(2, value);
  if (s.step() != SQLITE_DONE) return db_error(db_, "write meta");
  return {};
}

Result<std::optional<std::vector<Bytes>>> KioskStore::election() {
  // A file written before the setup was kept whole ("election", "election_key" only) has none:
  // the kiosk reads it from the ledger again.
  auto blob = get_meta("setup");
  if (!blob.ok()) return blob.error();
  if (!*blob) return std::optional<std::vector<Bytes>>();
  Reader r(**blob);
  auto n = r.count("setup", 1u << 20);
  if (!n.ok()) return n.error().with_prefix("kiosk store");
  std::vector<Bytes> setup;
  for (std::size_t i = 0; i < *n; ++i) {
    auto e = r.field("setup entry");
    if (!e.ok()) return e.error().with_prefix("kiosk store");
    setup.emplace_back(e->begin(), e->end());
  }
  TABELLA_TRY(r.finish("setup"));
  return std::optional<std::vector<Bytes>>(std::move(setup));
}

Status KioskStore::save_election(const std::vector<Bytes>& setup) {
  Writer w;
  w.count(setup.size());
  for (const auto& e : setup) w.field(e);
  return put_meta("setup", w.bytes());
}

Result<std::optional<ChainState>> KioskStore::chain_state() {
  auto seq = get_meta("chain_sequence");
  if (!seq.ok()) return seq.error();
  auto head = get_meta("chain_head");
  if (!head.ok()) return head.error();
  if (!*seq || !*head) return std::optional<ChainState>();
  if ((*seq)->size() != 8) {
    return make_error(
        ErrorCode::kInvalidEncoding,
        "the stored chain sequence is " + std::to_string((*seq)->size()) + " bytes, not 8",
        "chain_sequence");
  }
  return std::optional<ChainState>(ChainState{load_u64be(**seq), to_digest(**head)});
}

Status KioskStore::set_chain_state(const ChainState& chain) {
  TABELLA_TRY(exec("BEGIN IMMEDIATE"));
  Status s = put_meta("chain_sequence", u64_bytes(chain.sequence));
  if (s.ok()) s = put_meta("chain_head", chain.head);
  if (!s.ok()) {
    (void)exec("ROLLBACK");
    return s;
  }
  return exec("COMMIT");
}

Result<bool> KioskStore::kiosk_open() {
  auto v = get_meta("kiosk_open");
  if (!v.ok()) return v.error();
  return *v && !(*v)->empty() && (**v)[0] == 1;
}

Status KioskStore::set_kiosk_open(bool open) {
  const Bytes v{static_cast<std::uint8_t>(open ? 1 : 0)};
  return put_meta("kiosk_open", v);
}

Result<std::int64_t> KioskStore::enqueue(const QueuedEntry& entry, const ChainState& next) {
  TABELLA_TRY(exec("BEGIN IMMEDIATE"));
  auto fail = [this](const std::string& what) -> Error {
    Error e = db_error(db_, what);
    (void)exec("ROLLBACK");
    return e;
  };
  {
    Stmt s(db_, "INSERT INTO queue(kind, entry, code, sequence, created) VALUES(?, ?, ?, ?, ?)");
    if (!s.ok()) return fail("enqueue");
    s.bind(1, std::string(kind_name(entry.kind)));
    s.bind(2, entry.entry);
    s.bind(3, entry.code);
    s.bind(4, static_cast<std::int64_t>(entry.sequence));
    s.bind(5, entry.created != 0 ? entry.created : now());
    if (s.step() != SQLITE_DONE) return fail("enqueue");
  }
  const std::int64_t id = sqlite3_last_insert_rowid(db_);
  Status s = put_meta("chain_sequence", u64_bytes(next.sequence));
  if (s.ok()) s = put_meta("chain_head", next.head);
  if (!s.ok()) {
    (void)exec("ROLLBACK");
    return s.error();
  }
  TABELLA_TRY(exec("COMMIT"));
  return id;
}

Result<std::vector<QueuedEntry>> KioskStore::pending() {
  Stmt s(db_,
         "SELECT id, kind, entry, code, sequence, created, attempts, last_error,"
         " acknowledged_index FROM queue ORDER BY id");
  if (!s.ok()) return db_error(db_, "read queue");
  std::vector<QueuedEntry> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) {
    QueuedEntry q;
    q.id = s.i64(0);
    q.kind = kind_from(s.text(1));
    q.entry = s.blob(2);
    q.code = to_digest(s.blob(3));
    q.sequence = static_cast<std::uint64_t>(s.i64(4));
    q.created = s.i64(5);
    q.attempts = static_cast<int>(s.i64(6));
    q.last_error = s.text(7);
    if (!s.is_null(8)) q.acknowledged_index = static_cast<std::uint64_t>(s.i64(8));
    out.push_back(std::move(q));
  }
  if (rc != SQLITE_DONE) return db_error(db_, "read queue");
  return out;
}

Status KioskStore::note_attempt(std::int64_t id, const std::string& error) {
  Stmt s(db_, "UPDATE queue SET attempts = attempts + 1, last_error = ? WHERE id = ?");
  if (!s.ok()) return db_error(db_, "update queue");
  s.bind(1, error);
  s.bind(2, id);
  if (s.step() != SQLITE_DONE) return db_error(db_, "update queue");
  return {};
}

Status KioskStore::mark_acknowledged(std::int64_t id, std::uint64_t ledger_index,
                                     const std::string& why) {
  Stmt s(db_,
         "UPDATE queue SET acknowledged_index = ?, attempts = attempts + 1, last_error = ? "
         "WHERE id = ?");
  if (!s.ok()) return db_error(db_, "update queue");
  s.bind(1, static_cast<std::int64_t>(ledger_index));
  s.bind(2, why);
  s.bind(3, id);
  if (s.step() != SQLITE_DONE) return db_error(db_, "update queue");
  return {};
}

Status KioskStore::mark_delivered(std::int64_t id, std::uint64_t ledger_index,
                                  const std::string& checkpoint) {
  TABELLA_TRY(exec("BEGIN IMMEDIATE"));
  Stmt ins(db_,
           "INSERT OR REPLACE INTO delivered(id, kind, code, sequence, ledger_index, checkpoint,"
           " delivered_at) SELECT id, kind, code, sequence, ?, ?, ? FROM queue WHERE id = ?");
  Stmt del(db_, "DELETE FROM queue WHERE id = ?");
  if (!ins.ok() || !del.ok()) {
    Error e = db_error(db_, "mark delivered");
    (void)exec("ROLLBACK");
    return e;
  }
  ins.bind(1, static_cast<std::int64_t>(ledger_index));
  ins.bind(2, checkpoint);
  ins.bind(3, now());
  ins.bind(4, id);
  del.bind(1, id);
  if (ins.step() != SQLITE_DONE || del.step() != SQLITE_DONE) {
    Error e = db_error(db_, "mark delivered");
    (void)exec("ROLLBACK");
    return e;
  }
  return exec("COMMIT");
}

Status KioskStore::mark_rejected(std::int64_t id, const Error& error,
                                 const std::optional<ChainState>& chain) {
  TABELLA_TRY(exec("BEGIN IMMEDIATE"));
  Stmt ins(db_,
           "INSERT OR REPLACE INTO rejected(id, kind, entry, code, sequence, error_code, message,"
           " field, rejected_at, reason) SELECT id, kind, entry, code, sequence, ?, ?, ?, ?, ? "
           "FROM queue WHERE id = ?");
  Stmt del(db_, "DELETE FROM queue WHERE id = ?");
  if (!ins.ok() || !del.ok()) {
    Error e = db_error(db_, "mark rejected");
    (void)exec("ROLLBACK");
    return e;
  }
  ins.bind(1, std::string(error_code_name(error.code)));
  ins.bind(2, error.message);
  ins.bind(3, error.field);
  ins.bind(4, now());
  ins.bind(5, std::string(error_reason_name(error.reason)));
  ins.bind(6, id);
  del.bind(1, id);
  if (ins.step() != SQLITE_DONE || del.step() != SQLITE_DONE) {
    Error e = db_error(db_, "mark rejected");
    (void)exec("ROLLBACK");
    return e;
  }
  if (chain) {
    Status s = put_meta("chain_sequence", u64_bytes(chain->sequence));
    if (s.ok()) s = put_meta("chain_head", chain->head);
    if (!s.ok()) {
      (void)exec("ROLLBACK");
      return s;
    }
  }
  return exec("COMMIT");
}

Result<std::vector<RejectedEntry>> KioskStore::rejected() {
  Stmt s(db_,
         "SELECT id, kind, code, sequence, error_code, message, field, rejected_at, reason FROM "
         "rejected ORDER BY id");
  if (!s.ok()) return db_error(db_, "read rejected");
  std::vector<RejectedEntry> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) {
    RejectedEntry r;
    r.id = s.i64(0);
    r.kind = kind_from(s.text(1));
    r.code = to_digest(s.blob(2));
    r.sequence = static_cast<std::uint64_t>(s.i64(3));
    r.error = make_error(code_from(s.text(4)), s.text(5), s.text(6));
    r.rejected_at = s.i64(7);
    r.error.reason = error_reason_from_name(s.text(8)).value_or(ErrorReason::kNone);
    out.push_back(std::move(r));
  }
  if (rc != SQLITE_DONE) return db_error(db_, "read rejected");
  return out;
}

Result<std::uint64_t> KioskStore::count(EntryKind kind) {
  Stmt s(db_,
         "SELECT (SELECT COUNT(*) FROM queue WHERE kind = ?1) + "
         "(SELECT COUNT(*) FROM delivered WHERE kind = ?1)");
  if (!s.ok()) return db_error(db_, "count");
  s.bind(1, std::string(kind_name(kind)));
  if (s.step() != SQLITE_ROW) return db_error(db_, "count");
  return static_cast<std::uint64_t>(s.i64(0));
}

}  // namespace tabella::kiosk
