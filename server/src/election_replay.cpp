// Start-up and recovery of the election ledger's in-memory state (election_ledger_impl.h): every
// stored entry replayed through ElectionState::apply without signature or proof checks (then
// the token table rewritten from it), or the state resumed from the stored open-phase totals and
// the token table (docs/cluster.md, "Start-up from stored state"), then the Merkle frontier
// resumed from the stored hashes.
#include "election_ledger_impl.h"

namespace tabella::server {

// Applies one stored entry to the state (no signature or proof checks: every stored entry
// passed them when it was appended).
Status ElectionLedger::Impl::apply_stored(std::uint64_t index, const Bytes& bytes) {
  auto entry = record::Entry::decode(bytes);
  if (!entry) return entry.error().with_prefix("stored entry " + std::to_string(index));
  auto body = record::decode_body(entry->type, entry->body);
  if (!body) return body.error().with_prefix("stored entry " + std::to_string(index));
  CheckedEntry c{std::move(*entry), std::move(*body), sha256(bytes), true,
                 ledger::leaf_hash(bytes)};
  const record::Phase before = state.phase();
  Status st = state.apply(c);
  if (st.ok()) {
    // What a full replay writes beside the token table (store_replayed_tokens).
    if (c.entry.type == record::EntryType::kTokenCommitments) {
      replayed_token_entries.push_back(index);
    }
    if (before >= record::Phase::kOpen && c.entry.type != record::EntryType::kCastBallot &&
        c.entry.type != record::EntryType::kChallengedBallot &&
        c.entry.type != record::EntryType::kPollsOpen) {
      replayed_other_entries.push_back(index);
    }
  }
  if (!st.ok()) {
    return make_error(ErrorCode::kConflict, "stored entry " + std::to_string(index) +
                                                " does not replay: " + st.error().describe());
  }
  return Status::success();
}

// Applies the stored entries [from, to) in order; those in `skip` are counted, not read.
Status ElectionLedger::Impl::replay(std::uint64_t from, std::uint64_t to,
                                    const std::set<std::uint64_t>* skip) {
  std::uint64_t at = from;
  while (at < to) {
    if (skip != nullptr && skip->count(at) != 0) {
      state.skip_stored_token_commitments();
      ++at;
      continue;
    }
    std::uint64_t end = std::min<std::uint64_t>(at + kReplayChunk, to);
    if (skip != nullptr) {
      if (auto next = skip->lower_bound(at); next != skip->end() && *next < end) end = *next;
    }
    auto chunk = storage.read_range(at, end - at);
    if (!chunk) return chunk.error();
    if (chunk->empty()) {
      return make_error(ErrorCode::kNotFound, "stored entry " + std::to_string(at) + " is missing");
    }
    for (std::size_t i = 0; i < chunk->size(); ++i) {
      TABELLA_TRY(apply_stored(at + i, (*chunk)[i]));
    }
    at += chunk->size();
  }
  return Status::success();
}

// The state from the stored rows: the entries up to polls-open except token commitments (the
// token table holds their tokens), the other non-ballot entries since, the stored totals, then
// the entries after the totals on top of the table as it was at the totals; then the table's
// counts against the state's. False when there are no stored totals or no token table; an
// error when they do not check out (the caller replays).
Result<bool> ElectionLedger::Impl::resume_from_stored(std::uint64_t size) {
  if (!token_table) return false;
  auto row = storage.get_state(kResumeTotalsKey);
  if (!row) return row.error();
  if (!*row) return false;
  auto totals = record::ElectionState::OpenTotals::decode(**row);
  if (!totals) return totals.error().with_prefix(std::string(kResumeTotalsKey));
  if (totals->size > size || totals->open_index >= totals->size) {
    return make_error(ErrorCode::kConflict, "stored totals cover " + std::to_string(totals->size) +
                                                " entries of a log of " + std::to_string(size));
  }
  auto listed = storage.get_state(kTokenEntriesKey);
  if (!listed) return listed.error();
  std::set<std::uint64_t> token_entries;
  if (*listed) {
    if ((*listed)->size() % 8 != 0) {
      return make_error(ErrorCode::kInvalidEncoding, "not a list of positions",
                        std::string(kTokenEntriesKey));
    }
    for (std::size_t i = 0; i < (*listed)->size(); i += 8) {
      // A token-commitments entry after the totals (the polls are open) is in the tail, which
      // is replayed in full below.
      std::uint64_t at = load_u64be(ByteView(**listed).subspan(i, 8));
      if (at >= size || !token_entries.insert(at).second) {
        return make_error(ErrorCode::kConflict, "position " + std::to_string(at) + " out of place",
                          std::string(kTokenEntriesKey));
      }
    }
  }
  auto others = storage.scan_state(kResumeEntryPrefix);
  if (!others) return others.error();
  state = record::ElectionState();
  auto tokens = std::make_unique<TableTokenStore>(storage, totals->tokens, totals->size);
  table = tokens.get();
  state.set_token_store(std::move(tokens));
  TABELLA_TRY(replay(0, totals->open_index + 1, &token_entries));
  for (const auto& [key, value] : *others) {
    auto index = resume_key_index(key, kResumeEntryPrefix);
    if (!index) return index.error();
    if (*index >= totals->size) break;
    if (*index <= totals->open_index) {
      return make_error(ErrorCode::kConflict, "state row before polls-open", key);
    }
    TABELLA_TRY(replay(*index, *index + 1, &token_entries));
  }
  auto tree = ledger::MerkleBuilder::resume(totals->size, reader);
  if (!tree) return tree.error().with_prefix("merkle tree");
  TABELLA_TRY(state.resume_open(*totals, std::move(*tree)));
  TABELLA_TRY(replay(totals->size, size));
  TABELLA_TRY(check_token_table(size));
  table->settle();
  return true;
}

// The cheap checks of the token table against the resumed state (docs/cluster.md section 1a):
// as many rows as tokens committed, as many spent rows as cast ballots, no row committed or spent
// by an entry past the log (a spent_at used twice the table's unique index refuses), and the
// rows of the tail replayed on top of the table are the table's.
Status ElectionLedger::Impl::check_token_table(std::uint64_t size) {
  auto summary = storage.token_summary();
  if (!summary) return summary.error();
  auto refuse = [](const std::string& why) {
    return make_error(ErrorCode::kConflict, "token table: " + why);
  };
  if (!summary->counters_kept) return refuse("the triggers that keep its row counts are missing");
  if (summary->rows != state.tokens_committed()) {
    return refuse(std::to_string(summary->rows) + " rows for " +
                  std::to_string(state.tokens_committed()) + " committed tokens");
  }
  if (summary->spent != state.tokens_spent()) {
    return refuse(std::to_string(summary->spent) + " spent rows for " +
                  std::to_string(state.tokens_spent()) + " cast ballots");
  }
  if ((summary->max_committed_at && *summary->max_committed_at >= size) ||
      (summary->max_spent_at && *summary->max_spent_at >= size)) {
    return refuse("a row names an entry past the log's " + std::to_string(size));
  }
  for (const auto& [hash, mine] : table->changes()) {
    auto stored = storage.get_token(hash);
    if (!stored) return stored.error();
    if (!*stored || (*stored)->committed_at != mine.committed_at ||
        (*stored)->spent_at != mine.spent_at || (*stored)->precinct != mine.precinct) {
      return refuse("the row of token " + to_hex(hash) + " differs from the log");
    }
  }
  return Status::success();
}

// After a full replay (the state's tokens in memory): the token table, the list of
// token-commitments entries, the resume/entry rows and, while the polls are open, the totals,
// all from the state and in one transaction (the migration of a data dir without a token
// table, and the repair of one that did not check out); then the state uses the table.
Status ElectionLedger::Impl::store_replayed_tokens() {
  const auto* memory = dynamic_cast<const record::MemoryTokenStore*>(&state.token_store());
  if (memory == nullptr) return make_error(ErrorCode::kConflict, "replay without memory tokens");
  std::vector<record::MemoryTokenStore::Row> rows = memory->rows();
  std::vector<server::TokenRow> table_rows;
  table_rows.reserve(rows.size());
  for (auto& r : rows) {
    table_rows.push_back({r.hash, std::move(r.precinct), r.committed_at, r.spent_at});
  }
  std::vector<StateWrite> writes;
  Bytes listed;
  for (std::uint64_t at : replayed_token_entries) {
    auto b = u64be(at);
    listed.insert(listed.end(), b.begin(), b.end());
  }
  writes.push_back({std::string(kTokenEntriesKey), std::move(listed)});
  if (state.phase() >= record::Phase::kOpen) {
    for (std::uint64_t at : replayed_other_entries) {
      writes.push_back({resume_key(kResumeEntryPrefix, at), Bytes()});
    }
  }
  if (state.phase() == record::Phase::kOpen) {
    writes.push_back({std::string(kResumeTotalsKey), state.open_totals().encode()});
  }
  TABELLA_TRY(storage.replace_tokens(table_rows, std::move(writes)));
  auto tokens = std::make_unique<TableTokenStore>(storage, state.tokens_committed());
  table = tokens.get();
  state.set_token_store(std::move(tokens));
  return Status::success();
}

// Rebuilds the in-memory state from storage: from the stored totals when there are usable
// ones, else by replaying the whole log; then resumes the Merkle frontier.
Status ElectionLedger::Impl::rebuild() {
  state = record::ElectionState();
  table = nullptr;
  in_batch = false;
  totals_stored_at = 0;  // the next batch writes the totals again
  replayed_token_entries.clear();
  replayed_other_entries.clear();
  auto size = storage.size();
  if (!size) return size.error();
  reader.forget_from(*size);  // hashes of a batch that did not commit
  auto resumed_state = resume_from_stored(*size);
  resumed_from_stored = resumed_state && *resumed_state;
  if (resumed_from_stored) {
    resume_tracking = true;
  } else {
    if (!resumed_state && resumed_state.error().code != ErrorCode::kNotFound) {
      log_event(LogLevel::kWarn, "stored_state_unusable",
                {{"message", resumed_state.error().describe() + "; replaying the whole log"}});
    }
    state = record::ElectionState();
    table = nullptr;
    replayed_token_entries.clear();
    replayed_other_entries.clear();
    TABELLA_TRY(replay(0, *size));
    if (token_table) {
      // The rows are now complete whatever wrote the data dir before.
      TABELLA_TRY(store_replayed_tokens());
      resume_tracking = true;
    } else {
      // Without a token table there are no totals: a start replays the log.
      resume_tracking = false;
      WriterMutexLock lock(tokens_mu);
      memory_tokens.clear();
      const auto& memory = dynamic_cast<const record::MemoryTokenStore&>(state.token_store());
      for (auto& r : memory.rows()) {
        memory_tokens[r.hash] = TokenRow{r.spent_at.has_value(), std::move(r.precinct)};
      }
    }
  }
  replayed_token_entries.clear();
  replayed_other_entries.clear();
  auto resumed = ledger::MerkleBuilder::resume(*size, reader);
  if (!resumed) return resumed.error().with_prefix("merkle tree");
  builder = std::move(*resumed);
  publish(true);
  return Status::success();
}

}  // namespace tabella::server
