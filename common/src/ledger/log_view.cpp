#include "tabella/ledger/log_view.h"

#include <cassert>
#include <utility>

namespace tabella::ledger {

namespace {

std::string head(const Checkpoint& cp) {
  return "size " + std::to_string(cp.size) + ", root " + to_hex(cp.root).substr(0, 16) + "...";
}

}  // namespace

Result<Hash> LogView::root_at(std::uint64_t n) const {
  if (n > size()) {
    return make_error(ErrorCode::kOutOfRange, "the view holds " + std::to_string(size()) +
                                                  " entries, not " + std::to_string(n));
  }
  return ledger::root_at(n, tree_);
}

Result<Hash> LogView::leaf_at(std::uint64_t index) const {
  if (index >= size()) {
    return make_error(ErrorCode::kOutOfRange, "the view holds " + std::to_string(size()) +
                                                  " entries, no entry " + std::to_string(index));
  }
  return tree_.get(0, index);
}

Result<std::vector<Hash>> LogView::consistency_proof(std::uint64_t m, std::uint64_t n) const {
  if (n > size()) {
    return make_error(ErrorCode::kOutOfRange, "the view holds " + std::to_string(size()) +
                                                  " entries, not " + std::to_string(n));
  }
  return ledger::consistency_proof(m, n, tree_);
}

Status LogView::pin(std::string signed_note) {
  auto note = parse_note(signed_note);
  if (!note) return note.error().with_prefix("checkpoint");
  auto cp = Checkpoint::parse(note->text);
  if (!cp) return cp.error().with_prefix("checkpoint");
  accepted_ = Accepted{std::move(signed_note), std::move(*cp)};
  pinned_checked_ = false;
  return {};
}

LogCheck LogView::check(std::string_view signed_note, const LogTrust& trust,
                        const std::vector<Hash>* ledger_proof) {
  LogCheck c = check_ledger_signature(signed_note, trust);  // 1
  if (!c.final()) return c;
  const Checkpoint cp = c.checkpoint;
  if (cp.size > size()) {  // 2
    return log_failure(LogFault::kCheckpointBeyondView,
                       "the checkpoint covers " + std::to_string(cp.size) +
                           " entries, the ledger served " + std::to_string(size()),
                       cp);
  }
  auto root = root_at(cp.size);  // 3
  if (!root || *root != cp.root) {
    return log_failure(LogFault::kRootMismatch,
                       "the " + std::to_string(cp.size) +
                           " entries the ledger served do not hash to the root of its signed "
                           "checkpoint (" +
                           head(cp) +
                           "): they are not the log the ledger signed (entries dropped, added, "
                           "altered or reordered)",
                       cp);
  }
  if (accepted_) {  // 4
    const Checkpoint& a = accepted_->checkpoint;
    if (!pinned_checked_) {
      if (a.origin != trust.origin) {
        return log_failure(LogFault::kWrongOrigin,
                           "the checkpoint accepted before is for log \"" + a.origin +
                               "\", not this election's \"" + trust.origin +
                               "\": the saved view belongs to another election",
                           cp);
      }
      auto note = parse_note(accepted_->note);
      if (!note || !trust.log_key.verify(*note).ok()) {
        return log_failure(LogFault::kInconsistent,
                           "the checkpoint accepted before (" + head(a) +
                               ") is not signed by the ledger key the election entry now names: "
                               "the ledger serves another election under the same origin",
                           cp);
      }
    }
    if (cp.size < a.size) {
      return log_failure(LogFault::kRollback,
                         "the ledger now serves a log of " + std::to_string(cp.size) +
                             " entries (checkpoint " + head(cp) + "), but it signed " +
                             std::to_string(a.size) + " entries before (" + head(a) +
                             ", accepted earlier): entries were removed",
                         cp);
    }
    auto prefix = root_at(a.size);
    if (!prefix || *prefix != a.root) {
      return log_failure(LogFault::kInconsistent,
                         "the log the ledger serves now (" + head(cp) +
                             ") does not extend the checkpoint accepted before (" + head(a) +
                             "): its first " + std::to_string(a.size) +
                             " entries differ, the ledger signed two histories (a fork)",
                         cp);
    }
    if (ledger_proof != nullptr) {
      Status consistent = verify_consistency(a.size, cp.size, a.root, cp.root, *ledger_proof);
      if (!consistent.ok()) {
        return log_failure(LogFault::kInconsistent,
                           "the ledger's consistency proof from the checkpoint accepted before (" +
                               head(a) + ") to " + head(cp) +
                               " does not verify: " + consistent.error().message,
                           cp);
      }
    }
  }
  check_cosignatures(signed_note, trust, c);  // 5
  if (c.final()) {
    accepted_ = Accepted{std::string(signed_note), c.checkpoint};
    pinned_checked_ = true;
  }
  return c;
}

LogCheck LogView::check_prefix(std::string_view signed_note, const LogTrust& trust,
                               std::span<const Hash> proof) const {
  LogCheck c = check_ledger_signature(signed_note, trust);
  if (!c.final()) return c;
  const Checkpoint cp = c.checkpoint;
  if (cp.size < size()) {
    return log_failure(LogFault::kRootMismatch,
                       "the checkpoint covers " + std::to_string(cp.size) +
                           " entries, fewer than the " + std::to_string(size()) +
                           " the ledger served",
                       cp);
  }
  Status prefix = verify_consistency(size(), cp.size, *root_at(size()), cp.root, proof);
  if (!prefix.ok()) {
    return log_failure(LogFault::kRootMismatch,
                       "the " + std::to_string(size()) +
                           " entries the ledger served are not the start of the log it signed (" +
                           head(cp) + "): " + prefix.error().message,
                       cp);
  }
  check_cosignatures(signed_note, trust, c);
  return c;
}

ViewConflict describe_conflict(const LogView& view, const LogCheck& check, std::string offered,
                               std::span<const Hash> ledger_proof) {
  assert(check.fault == LogFault::kRollback || check.fault == LogFault::kInconsistent ||
         check.fault == LogFault::kRootMismatch);
  ViewConflict v;
  v.fault = check.fault;
  v.reason = check.detail;
  v.offered = std::move(offered);
  v.entries_read = view.size();
  v.ledger_proof.assign(ledger_proof.begin(), ledger_proof.end());
  if (check.fault != LogFault::kRootMismatch && view.accepted()) {
    v.accepted = view.accepted()->note;
    const std::uint64_t m = view.accepted()->checkpoint.size;
    const std::uint64_t n = check.checkpoint.size;
    if (m <= view.size()) {
      if (auto r = view.root_at(m)) v.prefix_root = *r;
      if (m <= n) {
        if (auto p = view.consistency_proof(m, n)) v.proof = std::move(*p);
      }
    }
  }
  return v;
}

}  // namespace tabella::ledger
