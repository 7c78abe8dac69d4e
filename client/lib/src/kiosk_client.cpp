#include "tabella/client/kiosk_client.h"

#include <chrono>
#include <thread>

#include "tabella/ledger/log_view.h"
#include "tabella/record/state.h"

namespace tabella::client {

Result<KioskClient> KioskClient::start(LedgerConnection ledger, SigningKey key) {
  KioskClient k(std::move(ledger), std::move(key));
  TABELLA_TRY(k.load_election());
  TABELLA_TRY(k.resync());
  return k;
}

Status KioskClient::load_election() {
  // Replays the record's setup through the rules until the election key is published: the
  // context is then exactly what the ledger and the verifier will check ballots against.
  record::ElectionState state;
  ledger::LogView view;  // the entries replayed, checked below against the signed log
  std::string ledger_key;
  std::uint64_t start = 0;
  while (state.context() == nullptr) {
    std::uint64_t size = 0;
    auto page = ledger_.entries(start, 1000, &size);
    if (!page) return page.error();
    for (auto& e : *page) {
      auto checked = record::precheck(e.bytes, state.snapshot());
      if (!checked) return checked.error().with_prefix("entry " + std::to_string(e.index));
      TABELLA_TRY(Status(state.apply(*checked)));
      view.append(e.bytes);
      if (auto* b = std::get_if<record::ElectionBody>(&checked->body)) ledger_key = b->ledger_key;
      if (state.context() != nullptr) break;
    }
    start += page->size();
    if (state.context() == nullptr && (page->empty() || start >= size)) {
      return make_error(ErrorCode::kConflict,
                        state.phase() == record::Phase::kEmpty
                            ? "the ledger at " + ledger_.url().text + " holds no election yet"
                            : "the election key is not published yet: the guardians' key "
                              "ceremony must finish first");
    }
  }
  if (state.phase() >= record::Phase::kClosed) {
    return make_error(ErrorCode::kConflict, "polls are closed");
  }
  auto trust = ledger::LogTrust::make(*state.manifest(), ledger_key);
  if (!trust) return trust.error();
  trust_ = std::move(*trust);
  TABELLA_TRY(check_setup_view(view));
  context_ = state.snapshot().context;
  return {};
}

Status KioskClient::check_setup_view(const ledger::LogView& view) {
  // The setup entries read must be the start of the log the ledger signed (and the witnesses
  // cosigned): PROOF(read, n) from the ledger against a checkpoint covering the last one read.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  for (;;) {
    auto receipt = ledger_.receipt(view.size() - 1);
    if (!receipt) return receipt.error();
    auto signed_cp = ledger::check_ledger_signature(receipt->checkpoint, *trust_);
    std::vector<ledger::Hash> proof;
    if (signed_cp.final() && signed_cp.checkpoint.size > view.size()) {
      auto p = ledger_.consistency_proof(view.size(), signed_cp.checkpoint.size);
      if (!p) return p.error();
      proof = std::move(*p);
    }
    ledger::LogCheck c = view.check_prefix(receipt->checkpoint, *trust_, proof);
    if (c.final()) return {};
    if (!c.awaiting() || std::chrono::steady_clock::now() >= deadline) {
      Error e = c.error();
      e.message = "the election the ledger serves fails the log check (" +
                  std::string(ledger::log_fault_name(c.fault)) + "): " + e.message;
      return e;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
}

Status KioskClient::resync() {
  auto info = ledger_.kiosk(kiosk_key());
  if (!info) {
    if (info.error().code == ErrorCode::kNotFound) {
      return make_error(ErrorCode::kNotFound, "this kiosk (fingerprint " +
                                                  key_.verify_key().fingerprint() +
                                                  ") is not enrolled in the election");
    }
    return info.error();
  }
  if (info->revoked) {
    return make_error(ErrorCode::kPermission, "this kiosk's enrolment was revoked");
  }
  last_sequence_ = info->last_sequence;
  chain_head_ = info->chain_head;
  if (last_sequence_ == 0 && chain_head_ != election::chain_seed(context_->q, kiosk_key())) {
    return make_error(ErrorCode::kInvalidArgument,
                      "the ledger reports a chain head that is not this kiosk's chain seed",
                      "chain_head");
  }
  return {};
}

Result<PendingBallot> KioskClient::encrypt(const election::PlaintextBallot& ballot, Rng& rng) {
  if (pending_) {
    return make_error(ErrorCode::kConflict,
                      "ballot " + std::to_string(*pending_) +
                          " is still pending: cast or challenge it before encrypting another");
  }
  PendingBallot p;
  p.sequence = last_sequence_ + 1;
  auto enc = election::encrypt_ballot(*context_, ballot, p.sequence, chain_head_, rng);
  if (!enc) return enc.error();
  p.ballot = std::move(enc->first);
  p.secrets = std::move(enc->second);
  p.code = election::ballot_code(context_->q, kiosk_key(), p.ballot);
  p.short_code = election::short_code(p.code);
  pending_ = p.sequence;
  return p;
}

Result<BallotReceipt> KioskClient::submit(PendingBallot& pending, const record::Entry& entry) {
  if (!pending_ || *pending_ != pending.sequence || pending.ballot.previous_code != chain_head_) {
    return make_error(ErrorCode::kConflict, "this ballot is not the kiosk's pending ballot");
  }
  Bytes bytes = entry.encode();
  auto submitted = ledger_.submit_bytes(bytes);
  if (!submitted && submitted.error().code == ErrorCode::kIo) {
    // In transit: did it arrive? Identical bytes are idempotent, so one retry is safe.
    submitted = ledger_.submit_bytes(bytes);
  }
  if (!submitted) {
    Error err = submitted.error();
    if (resync().ok() && chain_head_ == pending.code) {
      // The ledger has it after all (the answer was lost): fetch its receipt.
      auto found = ledger_.ballot(to_hex(pending.code));
      if (!found) return err;
      Submitted s;
      s.index = found->index;
      s.receipt = found->receipt;
      submitted = std::move(s);
    } else {
      return err;
    }
  }
  ledger::LogCheck check = ledger::check_receipt(submitted->receipt, bytes, *trust_);
  if (!check.final() && !check.awaiting()) {
    Error err = check.error().with_prefix("receipt");
    err.message = "the ledger's receipt does not verify (" +
                  std::string(ledger::log_fault_name(check.fault)) + "): " + err.message;
    return err;
  }
  // Final, or awaiting the witnesses' cosignatures: either way the ledger signed a log holding
  // the ballot, so the chain moves on (sending it again would be a duplicate, not a new ballot).
  last_sequence_ = pending.sequence;
  chain_head_ = pending.code;
  pending_.reset();
  BallotReceipt r;
  r.index = submitted->index;
  r.sequence = pending.sequence;
  r.code = pending.code;
  r.short_code = pending.short_code;
  r.receipt = std::move(submitted->receipt);
  r.outcome = check.outcome;
  r.checkpoint = std::move(check.checkpoint);
  return r;
}

Result<BallotReceipt> KioskClient::cast(PendingBallot& pending, std::string_view token) {
  auto normalized = election::normalize_token(token);
  if (!normalized) return normalized.error().with_prefix("token");
  record::CastBallotBody body{pending.ballot, election::token_hash(context_->q, *normalized)};
  auto entry =
      record::Entry::make(record::EntryType::kCastBallot, context_->q, body.encode(), key_);
  auto r = submit(pending, entry);
  if (r) pending.secrets.wipe();
  return r;
}

Result<BallotReceipt> KioskClient::confirm(const BallotReceipt& receipt) {
  auto fresh = ledger_.receipt(receipt.index);
  if (!fresh) return fresh.error();
  auto entry = ledger_.entries(receipt.index, 1);
  if (!entry) return entry.error();
  if (entry->size() != 1 || entry->front().index != receipt.index) {
    return make_error(ErrorCode::kInvalidArgument,
                      "the ledger did not send entry " + std::to_string(receipt.index));
  }
  ledger::LogCheck check = ledger::check_receipt(*fresh, entry->front().bytes, *trust_);
  if (!check.final() && !check.awaiting()) {
    Error err = check.error().with_prefix("receipt");
    err.message = "the ledger's receipt does not verify (" +
                  std::string(ledger::log_fault_name(check.fault)) + "): " + err.message;
    return err;
  }
  if (ledger::leaf_hash(entry->front().bytes) != receipt.receipt.leaf_hash) {
    return make_error(ErrorCode::kConflict,
                      "the ledger now holds another entry at index " +
                          std::to_string(receipt.index) + " than the one it acknowledged",
                      "receipt.index");
  }
  BallotReceipt r = receipt;
  r.receipt = std::move(*fresh);
  r.outcome = check.outcome;
  r.checkpoint = std::move(check.checkpoint);
  return r;
}

Result<ChallengeResult> KioskClient::challenge(PendingBallot& pending) {
  record::ChallengedBallotBody opened = election::open_ballot(pending.ballot, pending.secrets);
  auto entry =
      record::Entry::make(record::EntryType::kChallengedBallot, context_->q, opened.encode(), key_);
  auto r = submit(pending, entry);
  if (!r) return r.error();
  ChallengeResult out;
  out.receipt = std::move(*r);
  out.choice_ids = election::marks_to_choice_ids(context_->manifest, pending.secrets.marks);
  pending.secrets.wipe();
  return out;
}

}  // namespace tabella::client
