#include "tabella/client/record_mirror.h"

namespace tabella::client {

Status RecordMirror::sync() {
  return ledger_->fetch_all(state_.size(), [this](LogEntry&& e) { return replay(std::move(e)); });
}

Result<Submitted> RecordMirror::submit(const record::Entry& entry) {
  auto verifier = ledger::NoteVerifier::from_verifier_key(ledger_key_);
  if (!verifier) {
    return make_error(ErrorCode::kInvalidArgument,
                      "the election entry names no valid ledger key: " + verifier.error().message,
                      "ledger_key");
  }
  Bytes bytes = entry.encode();
  auto sub = ledger_->submit_bytes(bytes);
  if (!sub) return sub.error();
  auto cp = verify_receipt(sub->receipt, bytes, *verifier);
  if (!cp) {
    Error e = cp.error().with_prefix("receipt");
    e.message = "the ledger's receipt does not verify: " + e.message;
    return e;
  }
  if (state_.manifest() != nullptr && cp->origin != state_.manifest()->origin) {
    return make_error(ErrorCode::kInvalidSignature,
                      "the receipt's checkpoint is for log '" + cp->origin + "', not '" +
                          state_.manifest()->origin + "'",
                      "receipt.checkpoint");
  }
  TABELLA_TRY(sync());
  return sub;
}

Status RecordMirror::replay(LogEntry&& e) {
  auto where = [&e](const record::CheckedEntry* c) {
    std::string s = "entry " + std::to_string(e.index);
    if (c != nullptr) s += " (" + std::string(record::entry_type_name(c->entry.type)) + ")";
    return s;
  };
  if (e.index != state_.size()) {
    return make_error(ErrorCode::kInvalidArgument, "the ledger sent entry " +
                                                       std::to_string(e.index) + ", expected " +
                                                       std::to_string(state_.size()));
  }
  auto checked = record::precheck(e.bytes, state_.snapshot());
  if (!checked) {
    Error err = checked.error().with_prefix(where(nullptr));
    err.message = "the ledger's record fails verification: " + err.message;
    return err;
  }
  Status applied = state_.apply(*checked);
  if (!applied.ok()) {
    Error err = applied.error().with_prefix(where(&*checked));
    err.message = "the ledger's record fails verification: " + err.message;
    return err;
  }
  switch (checked->entry.type) {
    case record::EntryType::kElection:
      ledger_key_ = std::get<record::ElectionBody>(checked->body).ledger_key;
      break;
    case record::EntryType::kPollsOpen:
      tally_.emplace(*state_.manifest());
      break;
    case record::EntryType::kCastBallot:
      tally_->add(std::get<record::CastBallotBody>(checked->body).ballot);
      return {};
    case record::EntryType::kChallengedBallot:
      return {};
    default:
      break;
  }
  kept_.emplace_back(e.index, std::move(*checked));
  return {};
}

}  // namespace tabella::client
