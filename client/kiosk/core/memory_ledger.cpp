#include "core/memory_ledger.h"

#include <ctime>

#include "tabella/ledger/checkpoint.h"
#include "tabella/ledger/note.h"
#include "tabella/record/bodies.h"
#include "tabella/record/election_builder.h"
#include "tabella/record/entry.h"

namespace tabella::kiosk {

namespace {

Error unreachable() {
  return make_error(ErrorCode::kIo, "cannot reach ledger (simulated outage)", "ledger");
}

class MemoryLedgerClient final : public LedgerClient {
 public:
  explicit MemoryLedgerClient(MemoryLedger* l) : l_(l) {}
  Result<Receipt> submit(ByteView entry) override { return l_->submit(entry); }
  Result<LedgerStatus> status() override {
    auto k = l_->election();  // reachability
    if (!k.ok() &&
        (k.error().code == ErrorCode::kIo || k.error().code == ErrorCode::kUnavailable)) {
      return k.error();
    }
    return l_->status();
  }
  Result<KioskRecord> kiosk(const PublicKeyBytes& key) override { return l_->kiosk(key); }
  Result<std::vector<Bytes>> election() override { return l_->election(); }
  Result<record::PollsCloseBody> polls_close() override { return l_->polls_close(); }
  Result<TokenRecord> token(const Digest& token_hash) override { return l_->token(token_hash); }

 private:
  MemoryLedger* l_;  // the ledger outlives its clients (shared_ptr held by the creator)
};

}  // namespace

Result<std::shared_ptr<MemoryLedger>> MemoryLedger::create(
    const std::vector<Bytes>& entries, std::shared_ptr<const SigningKey> ledger_key) {
  std::shared_ptr<MemoryLedger> l(new MemoryLedger());
  MutexLock lock(l->mu_);  // not shared yet: for the analysis, costs nothing
  l->ledger_key_ = std::move(ledger_key);
  for (const auto& e : entries) {
    auto r = l->append_locked(e);
    if (!r.ok()) return r.error();
  }
  if (l->state_.manifest()) l->origin_ = l->state_.manifest()->origin;
  return l;
}

Result<Receipt> MemoryLedger::append_locked(ByteView entry) {
  const Digest id = sha256(entry);
  if (auto it = ids_.find(id); it != ids_.end()) return receipt_locked(it->second);
  auto checked = record::precheck(entry, state_.snapshot());
  if (!checked.ok()) return checked.error();
  TABELLA_TRY(state_.apply(*checked));
  const std::uint64_t index = entries_.size();
  entries_.emplace_back(entry.begin(), entry.end());
  ids_.emplace(id, index);
  tree_.append_entry(entry);
  if (origin_.empty() && state_.manifest()) origin_ = state_.manifest()->origin;
  return receipt_locked(index);
}

Receipt MemoryLedger::receipt_locked(std::uint64_t index) const {
  Receipt r;
  r.index = index;
  r.leaf_hash = ledger::leaf_hash(entries_[index]);
  r.tree_size = tree_.size();
  r.inclusion_proof = *ledger::inclusion_proof(index, tree_.size(), tree_);
  ledger::Checkpoint cp{origin_, tree_.size(), tree_.root(), {}};
  ledger::NoteSigner signer(origin_, *ledger_key_);
  const std::string body = cp.body();
  ledger::Note note{body, {signer.sign(body)}};
  for (std::size_t i = 0; i < active_witnesses_ && i < witnesses_.size(); ++i) {
    ledger::CosignatureSigner w(witnesses_[i].name, *witnesses_[i].key);
    note.signatures.push_back(w.sign(body, static_cast<std::uint64_t>(std::time(nullptr))));
  }
  r.checkpoint = ledger::format_note(note);
  return r;
}

void MemoryLedger::set_witnesses(std::vector<Witness> witnesses, std::size_t active) {
  MutexLock lock(mu_);
  witnesses_ = std::move(witnesses);
  active_witnesses_ = active;
}

void MemoryLedger::set_authority(std::shared_ptr<const SigningKey> authority) {
  MutexLock lock(mu_);
  authority_ = std::move(authority);
}

void MemoryLedger::set_active_witnesses(std::size_t active) {
  MutexLock lock(mu_);
  active_witnesses_ = active;
}

Result<Receipt> MemoryLedger::submit(ByteView entry) {
  MutexLock lock(mu_);
  if (!reachable_) return unreachable();
  ++submissions_;
  return append_locked(entry);
}

LedgerStatus MemoryLedger::status() const {
  MutexLock lock(mu_);
  return LedgerStatus{std::string(record::phase_name(state_.phase())), entries_.size(),
                      state_.cast_count()};
}

Result<KioskRecord> MemoryLedger::kiosk(const PublicKeyBytes& key) const {
  MutexLock lock(mu_);
  if (!reachable_) return unreachable();
  auto it = state_.kiosks().find(key);
  if (it == state_.kiosks().end()) {
    return make_error(ErrorCode::kNotFound, "no kiosk with this key is enrolled", "key");
  }
  const auto& k = it->second;
  return KioskRecord{k.revoked,    k.last_sequence,  k.chain_head,        k.cast,
                     k.challenged, k.enrolment.name, k.enrolment.precinct};
}

Result<TokenRecord> MemoryLedger::token(const Digest& token_hash) const {
  MutexLock lock(mu_);
  if (!reachable_) return unreachable();
  const int state = state_.token_state(token_hash);
  if (state == 0) {
    return make_error(ErrorCode::kNotFound, "no voting code with this hash is committed",
                      "token_hash");
  }
  TokenRecord out;
  out.spent = state == 2;
  for (const auto& bytes : entries_) {
    auto e = record::Entry::decode(bytes);
    if (!e.ok() || e->type != record::EntryType::kTokenCommitments) continue;
    auto body = record::TokenCommitmentsBody::decode(e->body);
    if (!body.ok()) continue;
    for (const Digest& h : body->token_hashes) {
      if (h == token_hash) out.precinct = body->precinct;
    }
  }
  return out;
}

Result<record::PollsCloseBody> MemoryLedger::polls_close() const {
  MutexLock lock(mu_);
  if (!reachable_) return unreachable();
  for (auto it = entries_.rbegin(); it != entries_.rend(); ++it) {
    auto e = record::Entry::decode(*it);
    if (e.ok() && e->type == record::EntryType::kPollsClose) {
      return record::PollsCloseBody::decode(e->body);
    }
  }
  return make_error(ErrorCode::kNotFound, "the polls are not closed", "polls_close");
}

Result<std::vector<Bytes>> MemoryLedger::election() const {
  MutexLock lock(mu_);
  if (!reachable_) return unreachable();
  std::vector<Bytes> setup;
  for (const auto& bytes : entries_) {
    setup.push_back(bytes);
    if (record::Entry::decode(bytes)->type == record::EntryType::kElectionKey) return setup;
  }
  return make_error(ErrorCode::kConflict, "the election key is not published yet", "election_key");
}

void MemoryLedger::set_reachable(bool reachable) {
  MutexLock lock(mu_);
  reachable_ = reachable;
}
std::uint64_t MemoryLedger::size() const {
  MutexLock lock(mu_);
  return entries_.size();
}
std::uint64_t MemoryLedger::submissions() const {
  MutexLock lock(mu_);
  return submissions_;
}
std::vector<Bytes> MemoryLedger::entries() const {
  MutexLock lock(mu_);
  return entries_;
}

Status MemoryLedger::append_as_authority(record::EntryType type, Bytes body) {
  MutexLock lock(mu_);
  assert(authority_);
  auto q = state_.snapshot().q;
  auto r = append_locked(record::Entry::make(type, *q, std::move(body), *authority_).encode());
  if (!r.ok()) return r.error();
  return {};
}

Status MemoryLedger::close_polls() {
  MutexLock lock(mu_);
  assert(authority_);
  auto body = state_.polls_close_body(static_cast<std::uint64_t>(std::time(nullptr)), "closed");
  auto r = append_locked(record::Entry::make(record::EntryType::kPollsClose, *state_.snapshot().q,
                                             body.encode(), *authority_)
                             .encode());
  if (!r.ok()) return r.error();
  return {};
}

std::unique_ptr<LedgerClient> MemoryLedger::make_client() {
  return std::make_unique<MemoryLedgerClient>(this);
}

Result<DemoElection> make_demo_election(election::Manifest manifest,
                                        const std::vector<PublicKeyBytes>& kiosks,
                                        std::size_t token_count, Rng& rng) {
  auto built = record::ElectionBuilder::create(std::move(manifest), {}, rng);  // one guardian
  if (!built.ok()) return built.error();
  for (const auto& key : kiosks) built->enrol_kiosk(key);
  DemoElection demo;
  demo.tokens = built->commit_tokens(token_count, rng);
  built->open_polls(static_cast<std::uint64_t>(std::time(nullptr)));
  auto ledger = MemoryLedger::create(built->entries(), built->ledger_key());
  if (!ledger.ok()) return ledger.error();
  (*ledger)->set_authority(built->authority());
  demo.ledger = *ledger;
  demo.authority = built->authority();
  demo.ledger_key = built->ledger_key();
  return demo;
}

}  // namespace tabella::kiosk
