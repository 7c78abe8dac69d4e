#include "tabella/client/record_mirror.h"

#include <thread>

#include "tabella/client/view_state.h"

namespace tabella::client {

Status RecordMirror::sync() {
  if (!state_loaded_ && !options_.view_state.empty()) {
    auto saved = load_view_state(options_.view_state);
    if (!saved) return saved.error();
    if (*saved) {
      Status pinned = view_.pin(**saved);
      if (!pinned.ok()) return pinned.error().with_prefix(options_.view_state.string());
    }
  }
  state_loaded_ = true;
  TABELLA_TRY(fetch(UINT64_MAX));
  return anchor();
}

Status RecordMirror::fetch(std::uint64_t end) {
  return ledger_->fetch_all(
      state_.size(), [this](LogEntry&& e) { return replay(std::move(e)); }, end);
}

Error RecordMirror::refuse(const ledger::LogCheck& check, const std::string& offered,
                           const std::vector<ledger::Hash>* ledger_proof) {
  Error e = check.error();
  e.message = "the ledger's view fails the log check (" +
              std::string(ledger::log_fault_name(check.fault)) + "): " + e.message;
  if (check.fault == ledger::LogFault::kInconsistent ||
      check.fault == ledger::LogFault::kRollback ||
      check.fault == ledger::LogFault::kRootMismatch) {
    auto conflict =
        ledger::describe_conflict(view_, check, offered,
                                  ledger_proof ? std::span<const ledger::Hash>(*ledger_proof)
                                               : std::span<const ledger::Hash>());
    auto file =
        write_view_evidence(options_.view_state, conflict, trust_->origin, ledger_->url().text);
    e.message += file ? "; evidence (both checkpoints) saved to " + file->string()
                      : "; the evidence could not be saved: " + file.error().describe();
  }
  return e;
}

Status RecordMirror::anchor() {
  if (state_.size() == 0 || !trust_) return {};           // an empty log: nothing to anchor
  if (view_.verified_size() == state_.size()) return {};  // checked by this process already
  const auto deadline = std::chrono::steady_clock::now() + options_.cosign_wait;
  for (;;) {
    auto receipt = ledger_->receipt(state_.size() - 1);
    if (!receipt) return receipt.error();
    const std::string& note = receipt->checkpoint;
    // A checkpoint larger than what was read: read exactly up to it, so that it covers the view.
    auto signed_cp = ledger::check_ledger_signature(note, *trust_);
    if (signed_cp.final() && signed_cp.checkpoint.size > state_.size()) {
      TABELLA_TRY(fetch(signed_cp.checkpoint.size));
    }
    std::optional<std::vector<ledger::Hash>> proof;
    if (signed_cp.final() && view_.accepted() &&
        view_.accepted()->checkpoint.size <= signed_cp.checkpoint.size) {
      auto p =
          ledger_->consistency_proof(view_.accepted()->checkpoint.size, signed_cp.checkpoint.size);
      if (!p) return p.error();
      proof = std::move(*p);
    }
    ledger::LogCheck check = view_.check(note, *trust_, proof ? &*proof : nullptr);
    if (check.final() && check.checkpoint.size == state_.size()) {
      if (!options_.view_state.empty()) {
        TABELLA_TRY(save_view_state(options_.view_state, *view_.accepted(), ledger_->url().text));
      }
      return {};
    }
    const bool waiting = check.awaiting() || check.final();  // final but behind the view
    if (!waiting) return refuse(check, note, proof ? &*proof : nullptr);
    if (std::chrono::steady_clock::now() >= deadline) {
      if (check.awaiting()) {
        Error e = check.error();
        e.message = "the ledger's view of " + std::to_string(state_.size()) +
                    " entries is not cosigned by the election's witnesses after waiting " +
                    std::to_string(options_.cosign_wait.count() / 1000) + " s: " + e.message;
        return e;
      }
      return make_error(ErrorCode::kConflict,
                        "the ledger served " + std::to_string(state_.size()) +
                            " entries but its latest checkpoint covers only " +
                            std::to_string(check.checkpoint.size),
                        "checkpoint");
    }
    std::this_thread::sleep_for(options_.poll);
  }
}

Result<Submitted> RecordMirror::submit(const record::Entry& entry) {
  if (!trust_) {
    return make_error(ErrorCode::kConflict,
                      "the election entry has not been read: no ledger key to check receipts",
                      "ledger_key");
  }
  Bytes bytes = entry.encode();
  auto sub = ledger_->submit_bytes(bytes);
  if (!sub) return sub.error();
  ledger::LogCheck receipt = ledger::check_receipt(sub->receipt, bytes, *trust_);
  if (!receipt.final() && !receipt.awaiting()) {
    Error e = receipt.error().with_prefix("receipt");
    e.message = "the ledger's receipt does not verify (" +
                std::string(ledger::log_fault_name(receipt.fault)) + "): " + e.message;
    return e;
  }
  TABELLA_TRY(sync());
  auto leaf = view_.leaf_at(sub->index);
  if (!leaf || *leaf != ledger::leaf_hash(bytes) || sub->index >= view_.verified_size()) {
    return make_error(ErrorCode::kConflict,
                      "the ledger acknowledged the entry at index " + std::to_string(sub->index) +
                          " but the checked log it serves holds another entry there",
                      "receipt.index");
  }
  return sub;
}

std::optional<std::uint64_t> RecordMirror::index_of(record::EntryType type) const {
  for (const auto& [index, c] : kept_) {
    if (c.entry.type == type) return index;
  }
  return std::nullopt;
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
  view_.append(e.bytes);
  switch (checked->entry.type) {
    case record::EntryType::kElection: {
      ledger_key_ = std::get<record::ElectionBody>(checked->body).ledger_key;
      auto trust = ledger::LogTrust::make(*state_.manifest(), ledger_key_);
      if (!trust) return trust.error().with_prefix(where(&*checked));
      trust_.emplace(std::move(*trust));
      break;
    }
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

std::string describe_view(const RecordMirror& mirror) {
  const auto& accepted = mirror.view().accepted();
  if (!accepted || !mirror.trust()) return "no checkpoint accepted";
  const auto& cp = accepted->checkpoint;
  std::string out = "size " + std::to_string(cp.size) + ", root " + to_hex(cp.root);
  const auto& policy = mirror.trust()->witnesses;
  if (policy.quorum == 0) return out + ", signed by the ledger (the election names no witnesses)";
  auto check = ledger::check_checkpoint(accepted->note, *mirror.trust());
  return out + ", cosigned by " + std::to_string(check.cosignatures) + " of " +
         std::to_string(policy.witnesses.size()) + " listed witnesses (quorum " +
         std::to_string(policy.quorum) + ")";
}

}  // namespace tabella::client
