#include "tabella/client/record_mirror.h"

namespace tabella::client {

Status RecordMirror::sync() {
  return ledger_->fetch_all(state_.size(), [this](LogEntry&& e) { return replay(std::move(e)); });
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
