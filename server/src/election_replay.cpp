// Start-up and recovery of the election ledger's in-memory state (election_ledger_impl.h): every
// stored entry replayed through ElectionState::apply without signature or proof checks, or the
// state resumed from the stored open-phase totals (docs/cluster.md, "Start-up from stored
// state"), then the Merkle frontier resumed from the stored hashes.
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
  Status st = state.apply(c);
  if (!st.ok()) {
    return make_error(ErrorCode::kConflict, "stored entry " + std::to_string(index) +
                                                " does not replay: " + st.error().describe());
  }
  return Status::success();
}

// Applies the stored entries [from, to) in order.
Status ElectionLedger::Impl::replay(std::uint64_t from, std::uint64_t to) {
  for (std::uint64_t start = from; start < to; start += kReplayChunk) {
    auto chunk = storage.read_range(start, std::min<std::uint64_t>(kReplayChunk, to - start));
    if (!chunk) return chunk.error();
    if (chunk->empty()) {
      return make_error(ErrorCode::kNotFound,
                        "stored entry " + std::to_string(start) + " is missing");
    }
    for (std::size_t i = 0; i < chunk->size(); ++i) {
      TABELLA_TRY(apply_stored(start + i, (*chunk)[i]));
    }
  }
  return Status::success();
}

// The state from the resume/ rows: the entries up to polls-open, the other non-ballot entries
// since, the stored totals and spent tokens, then the entries after the totals. False when
// there are no stored totals; an error when they do not check out (the caller replays).
Result<bool> ElectionLedger::Impl::resume_from_stored(std::uint64_t size) {
  auto row = storage.get_state(kResumeTotalsKey);
  if (!row) return row.error();
  if (!*row) return false;
  auto totals = record::ElectionState::OpenTotals::decode(**row);
  if (!totals) return totals.error().with_prefix(std::string(kResumeTotalsKey));
  if (totals->size > size || totals->open_index >= totals->size) {
    return make_error(ErrorCode::kConflict, "stored totals cover " + std::to_string(totals->size) +
                                                " entries of a log of " + std::to_string(size));
  }
  auto others = storage.scan_state(kResumeEntryPrefix);
  if (!others) return others.error();
  auto spent_rows = storage.scan_state(kResumeSpentPrefix);
  if (!spent_rows) return spent_rows.error();
  state = record::ElectionState();
  TABELLA_TRY(replay(0, totals->open_index + 1));
  for (const auto& [key, value] : *others) {
    auto index = resume_key_index(key, kResumeEntryPrefix);
    if (!index) return index.error();
    if (*index >= totals->size) break;
    if (*index <= totals->open_index) {
      return make_error(ErrorCode::kConflict, "state row before polls-open", key);
    }
    auto one = storage.read_range(*index, 1);
    if (!one) return one.error();
    if (one->size() != 1) return make_error(ErrorCode::kNotFound, "no stored entry", key);
    TABELLA_TRY(apply_stored(*index, one->front()));
  }
  std::vector<Digest> spent;
  spent.reserve(spent_rows->size());
  for (const auto& [key, value] : *spent_rows) {
    auto index = resume_key_index(key, kResumeSpentPrefix);
    if (!index) return index.error();
    if (*index >= totals->size) break;
    if (value.size() != Digest().size()) {
      return make_error(ErrorCode::kInvalidEncoding, "not a token hash", key);
    }
    Digest d{};
    std::copy(value.begin(), value.end(), d.begin());
    spent.push_back(d);
  }
  auto tree = ledger::MerkleBuilder::resume(totals->size, reader);
  if (!tree) return tree.error().with_prefix("merkle tree");
  TABELLA_TRY(state.resume_open(*totals, spent, std::move(*tree)));
  TABELLA_TRY(replay(totals->size, size));
  return true;
}

// Rebuilds the in-memory state from storage: from the stored totals when there are usable
// ones, else by replaying the whole log; then resumes the Merkle frontier.
Status ElectionLedger::Impl::rebuild() {
  state = record::ElectionState();
  in_batch = false;
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
    TABELLA_TRY(replay(0, *size));
    // Rows written by an earlier version (or not at all) may be missing: no totals from now
    // on in this election unless polls-open is still to come.
    resume_tracking = state.phase() < record::Phase::kOpen;
  }
  auto resumed = ledger::MerkleBuilder::resume(*size, reader);
  if (!resumed) return resumed.error().with_prefix("merkle tree");
  builder = std::move(*resumed);
  {
    WriterMutexLock lock(tokens_mu);
    committed_tokens.clear();
    std::vector<std::shared_ptr<const std::string>> precincts;
    for (const auto& p : state.precincts()) {
      precincts.push_back(std::make_shared<const std::string>(p));
    }
    for (const auto& [hash, t] : state.tokens()) {
      committed_tokens[hash] = TokenRow{t.spent, precincts[t.precinct]};
    }
  }
  publish(true);
  return Status::success();
}

}  // namespace tabella::server
