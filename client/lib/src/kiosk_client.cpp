#include "tabella/client/kiosk_client.h"

#include <chrono>
#include <thread>

#include "tabella/ledger/log_view.h"
#include "tabella/record/entry.h"

namespace tabella::client {

namespace {

// The setup entries read must be the start of the log the ledger signed (and the witnesses
// cosigned): PROOF(read, n) from the ledger against a checkpoint covering the last one read.
Status check_setup_view(LedgerConnection& ledger, const KioskElection& election) {
  ledger::LogView view;
  for (const auto& bytes : election.setup) view.append(bytes);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  for (;;) {
    auto receipt = ledger.receipt(view.size() - 1);
    if (!receipt) return receipt.error();
    auto signed_cp = ledger::check_ledger_signature(receipt->checkpoint, *election.trust);
    std::vector<ledger::Hash> proof;
    if (signed_cp.final() && signed_cp.checkpoint.size > view.size()) {
      auto p = ledger.consistency_proof(view.size(), signed_cp.checkpoint.size);
      if (!p) return p.error();
      proof = std::move(*p);
    }
    ledger::LogCheck c = view.check_prefix(receipt->checkpoint, *election.trust, proof);
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

}  // namespace

Result<KioskElection> fetch_kiosk_election(LedgerConnection& ledger,
                                           const std::optional<PublicKeyBytes>& authority) {
  // The entries up to the election key (its type read from the envelope); the rules then judge
  // them all in load_kiosk_election.
  std::vector<Bytes> setup;
  bool keyed = false;
  std::uint64_t start = 0, size = 0;
  while (!keyed) {
    auto page = ledger.entries(start, 1000, &size);
    if (!page) return page.error();
    for (auto& e : *page) {
      auto decoded = record::Entry::decode(e.bytes);
      keyed = decoded && decoded->type == record::EntryType::kElectionKey;
      setup.push_back(std::move(e.bytes));
      if (keyed) break;
    }
    start += page->size();
    if (!keyed && (page->empty() || start >= size)) {
      return make_error(ErrorCode::kConflict,
                        setup.empty()
                            ? "the ledger at " + ledger.url().text + " holds no election yet"
                            : "the election key is not published yet: the guardians' "
                              "key ceremony must finish first",
                        "election_key");
    }
  }
  auto election = load_kiosk_election(std::move(setup), authority);
  if (!election) return election.error();
  TABELLA_TRY(check_setup_view(ledger, *election));
  return election;
}

Result<KioskClient> KioskClient::start(LedgerConnection ledger, SigningKey key) {
  auto election = fetch_kiosk_election(ledger, std::nullopt);
  if (!election) return election.error();
  KioskClient k(std::move(ledger),
                KioskEngine(std::make_shared<const KioskElection>(std::move(*election)),
                            std::make_shared<const SigningKey>(std::move(key))));
  TABELLA_TRY(k.resync());
  return k;
}

Status KioskClient::resync() {
  auto info = ledger_.kiosk(kiosk_key());
  if (!info) return engine_.enrolment_error(info.error());
  auto chain = engine_.chain_of(info->revoked, ChainState{info->last_sequence, info->chain_head});
  if (!chain) return chain.error();
  chain_ = *chain;
  return {};
}

Result<SealedBallot> KioskClient::encrypt(const election::PlaintextBallot& ballot, Rng& rng) {
  if (pending_) {
    return make_error(ErrorCode::kConflict,
                      "ballot " + std::to_string(*pending_) +
                          " is still pending: cast or challenge it before encrypting another");
  }
  auto sealed = engine_.seal(ballot, chain_, rng);
  if (!sealed) return sealed.error();
  pending_ = sealed->sequence();
  return sealed;
}

Result<BallotReceipt> KioskClient::submit(SealedBallot& pending, const Bytes& bytes) {
  if (!pending_ || *pending_ != pending.sequence() || !KioskEngine::chains_onto(pending, chain_)) {
    return make_error(ErrorCode::kConflict, "this ballot is not the kiosk's pending ballot");
  }
  auto submitted = ledger_.submit_bytes(bytes);
  if (!submitted && submitted.error().code == ErrorCode::kIo) {
    // In transit: did it arrive? Identical bytes are idempotent, so one retry is safe.
    submitted = ledger_.submit_bytes(bytes);
  }
  if (!submitted) {
    Error err = submitted.error();
    if (resync().ok() && chain_.head == pending.code) {
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
  ledger::LogCheck check =
      ledger::check_receipt(submitted->receipt, bytes, *engine_.election().trust);
  if (!check.final() && !check.awaiting()) {
    Error err = check.error().with_prefix("receipt");
    err.message = "the ledger's receipt does not verify (" +
                  std::string(ledger::log_fault_name(check.fault)) + "): " + err.message;
    return err;
  }
  // Final, or awaiting the witnesses' cosignatures: either way the ledger signed a log holding
  // the ballot, so the chain moves on (sending it again would be a duplicate, not a new ballot).
  chain_ = pending.chain_after();
  pending_.reset();
  BallotReceipt r;
  r.index = submitted->index;
  r.sequence = pending.sequence();
  r.code = pending.code;
  r.short_code = pending.short_code;
  r.receipt = std::move(submitted->receipt);
  r.outcome = check.outcome;
  r.checkpoint = std::move(check.checkpoint);
  return r;
}

Result<BallotReceipt> KioskClient::cast(SealedBallot& pending, std::string_view token) {
  auto entry = engine_.cast_entry(pending, token);
  if (!entry) return entry.error();
  auto r = submit(pending, *entry);
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
  ledger::LogCheck check =
      ledger::check_receipt(*fresh, entry->front().bytes, *engine_.election().trust);
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

Result<ChallengeResult> KioskClient::challenge(SealedBallot& pending) {
  ChallengeEntry opened = engine_.challenge_entry(pending);
  auto r = submit(pending, opened.entry);
  if (!r) return r.error();
  pending.secrets.wipe();
  if (!opened.choice_ids) return opened.choice_ids.error();
  ChallengeResult out;
  out.receipt = std::move(*r);
  out.choice_ids = std::move(*opened.choice_ids);
  return out;
}

}  // namespace tabella::client
