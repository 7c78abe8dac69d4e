#include "tabella/record/state.h"

#include "tabella/election/ballot.h"
#include "tabella/ledger/note.h"
#include "tabella/util/canonical.h"

namespace tabella::record {

namespace {

Error conflict(std::string message, std::string field = {}) {
  return make_error(ErrorCode::kConflict, std::move(message), std::move(field));
}
Error permission(std::string message) {
  return make_error(ErrorCode::kPermission, std::move(message), "entry.author");
}

template <class T>
Result<Body> decode_as(ByteView body) {
  auto r = T::decode(body);
  if (!r.ok()) return r.error().with_prefix("body");
  return Body(std::move(*r));
}

GuardianCommitments to_commitments(const GuardianCommitmentsBody& b) {
  return GuardianCommitments{b.index, b.coefficients, b.proofs, b.encryption_key,
                             b.encryption_key_proof};
}

}  // namespace

std::string_view phase_name(Phase phase) {
  switch (phase) {
    case Phase::kEmpty:
      return "empty";
    case Phase::kSetup:
      return "setup";
    case Phase::kKeyed:
      return "keyed";
    case Phase::kOpen:
      return "open";
    case Phase::kClosed:
      return "closed";
    case Phase::kTallied:
      return "tallied";
    case Phase::kFinished:
      return "finished";
  }
  return "unknown";
}

Result<Body> decode_body(EntryType type, ByteView body) {
  switch (type) {
    case EntryType::kElection:
      return decode_as<ElectionBody>(body);
    case EntryType::kGuardianEnrolment:
      return decode_as<GuardianEnrolmentBody>(body);
    case EntryType::kGuardianCommitments:
      return decode_as<GuardianCommitmentsBody>(body);
    case EntryType::kGuardianShares:
      return decode_as<GuardianSharesBody>(body);
    case EntryType::kGuardianComplaint:
      return decode_as<GuardianComplaintBody>(body);
    case EntryType::kElectionKey:
      return decode_as<ElectionKeyBody>(body);
    case EntryType::kKioskEnrolment:
      return decode_as<KioskEnrolmentBody>(body);
    case EntryType::kKioskRevocation:
      return decode_as<KioskRevocationBody>(body);
    case EntryType::kTokenCommitments:
      return decode_as<TokenCommitmentsBody>(body);
    case EntryType::kPollsOpen:
      return decode_as<PollsBody>(body);
    case EntryType::kPollsClose:
      return decode_as<PollsCloseBody>(body);
    case EntryType::kCastBallot:
      return decode_as<CastBallotBody>(body);
    case EntryType::kChallengedBallot:
      return decode_as<ChallengedBallotBody>(body);
    case EntryType::kEncryptedTally:
      return decode_as<EncryptedTallyBody>(body);
    case EntryType::kPartialDecryption:
      return decode_as<PartialDecryptionBody>(body);
    case EntryType::kResult:
      return decode_as<ResultBody>(body);
    case EntryType::kSharesVerified:
      return decode_as<SharesVerifiedBody>(body);
    case EntryType::kShareReveal:
      return decode_as<ShareRevealBody>(body);
  }
  return make_error(ErrorCode::kInvalidEncoding, "unknown entry type", "entry.type");
}

// Check 7 (guardian proofs), 14-15 (ballot proofs, openings) and 17 (decryption proofs), as far
// as the snapshot holds the keys they need; apply() finishes what is left.
static Status check_proofs(const CheckedEntry& c, const Snapshot& s, bool* done) {
  *done = false;
  if (auto* b = std::get_if<GuardianCommitmentsBody>(&c.body)) {
    if (!s.q || !s.manifest) return {};
    auto st = to_commitments(*b).verify(*s.q, s.manifest->quorum);
    if (!st.ok()) return st.error().with_prefix("body");
    *done = true;
    return {};
  }
  if (!s.context) return {};
  const auto& ctx = *s.context;
  if (auto* b = std::get_if<CastBallotBody>(&c.body)) {
    auto st = election::verify_ballot(ctx, b->ballot);
    if (!st.ok()) return st.error().with_prefix("body.ballot");
  } else if (auto* ch = std::get_if<ChallengedBallotBody>(&c.body)) {
    auto st = election::verify_ballot(ctx, ch->ballot);
    if (!st.ok()) return st.error().with_prefix("body.ballot");
    auto opened = election::verify_opening(ctx, *ch);
    if (!opened.ok()) return opened.error().with_prefix("body.opening");
  }
  *done = true;
  return {};
}

Result<CheckedEntry> precheck(ByteView entry_bytes, const Snapshot& snapshot) {
  auto entry = Entry::decode(entry_bytes);  // check 1
  if (!entry.ok()) return entry.error();
  auto sig = entry->verify_signature();  // check 2
  if (!sig.ok()) return sig.error();
  auto body = decode_body(entry->type, entry->body);
  if (!body.ok()) return body.error();
  CheckedEntry c{std::move(*entry), std::move(*body), sha256(entry_bytes), false,
                 ledger::leaf_hash(entry_bytes)};
  bool done = false;
  auto st = check_proofs(c, snapshot, &done);
  if (!st.ok()) return st.error();
  c.proofs_checked = done;
  return c;
}

Status complete_proofs(CheckedEntry& checked, const Snapshot& snapshot) {
  if (checked.proofs_checked) return {};
  bool done = false;
  auto st = check_proofs(checked, snapshot, &done);
  if (!st.ok()) return st.error();
  checked.proofs_checked = done;
  return {};
}

ElectionState::ElectionState() = default;

int ElectionState::token_state(const Digest& token_hash) const {
  auto it = tokens_.find(token_hash);
  if (it == tokens_.end()) return 0;
  return it->second ? 2 : 1;
}

Status ElectionState::require_author_authority(const Entry& e) const {
  if (e.author != authority_) {
    return permission(std::string(entry_type_name(e.type)) +
                      " entries may only be signed by the election authority");
  }
  return {};
}

Result<std::uint32_t> ElectionState::require_author_guardian(const Entry& e,
                                                             std::uint32_t claimed) const {
  auto it = guardian_keys_.find(e.author);
  if (it == guardian_keys_.end()) {
    return permission("the author is not an enrolled guardian");
  }
  if (it->second != claimed) {
    return permission("guardian " + std::to_string(it->second) +
                      " signed an entry for guardian index " + std::to_string(claimed));
  }
  return it->second;
}

Result<KioskState*> ElectionState::require_author_kiosk(const Entry& e) {
  auto it = kiosks_.find(e.author);
  if (it == kiosks_.end()) return permission("the author is not an enrolled kiosk");
  if (it->second.revoked) return permission("the kiosk has been revoked");
  return &it->second;
}

Status ElectionState::check_ballot_chain(const KioskState& kiosk, const EncryptedBallot& b) const {
  if (b.sequence != kiosk.last_sequence + 1) {  // check 14c
    return conflict("ballot sequence " + std::to_string(b.sequence) + " does not follow " +
                        std::to_string(kiosk.last_sequence) + " for this kiosk",
                    "body.ballot.sequence");
  }
  if (b.previous_code != kiosk.chain_head) {
    return conflict("previous ballot code " + to_hex(b.previous_code) +
                        " does not match the kiosk's last code " + to_hex(kiosk.chain_head),
                    "body.ballot.previous_code");
  }
  return {};
}

Status ElectionState::ceremony_complete() const {
  const auto& m = *snapshot_.manifest;
  if (!disqualified_.empty()) {
    std::string why;
    for (const auto& [g, reason] : disqualified_) {
      why += (why.empty() ? "" : "; ") + ("guardian " + std::to_string(g) + ": " + reason);
    }
    return conflict("the key ceremony failed (" + why +
                        "): the disqualified guardian cannot be replaced in this election; it must "
                        "be restarted as a new election",
                    "complaints");
  }
  std::vector<std::string> waiting;
  for (std::uint32_t i = 1; i <= m.guardians; ++i) {
    auto it = guardians_.find(i);
    std::string g = "guardian " + std::to_string(i);
    if (it == guardians_.end()) {
      waiting.push_back(g + " is not enrolled");
    } else if (!it->second.commitments) {
      waiting.push_back(g + " has not posted commitments");
    } else if (!it->second.shared) {
      waiting.push_back(g + " has not sent its shares");
    }
  }
  // With one guardian there is no share to check, so no statement is needed.
  if (m.guardians > 1) {
    std::set<std::uint32_t> complained;
    for (const auto& [key, complaint] : complaints_) {
      complained.insert(key.first);
      if (complaint.status == Complaint::Status::kOpen) {
        waiting.push_back("guardian " + std::to_string(key.second) + " has not answered guardian " +
                          std::to_string(key.first) + "'s complaint with a share-reveal");
      }
    }
    for (const auto& [i, gs] : guardians_) {
      if (gs.shared && !gs.verified && complained.count(i) == 0) {
        waiting.push_back("guardian " + std::to_string(i) +
                          " has posted neither shares-verified nor a complaint");
      }
    }
  }
  if (waiting.empty()) return {};
  std::string why;
  for (const auto& w : waiting) why += (why.empty() ? "" : "; ") + w;
  return conflict("the key ceremony is not complete: " + why, "complaints");
}

Status ElectionState::apply(const CheckedEntry& c) {
  const Entry& e = c.entry;
  if (phase_ != Phase::kEmpty && e.base_hash != *snapshot_.q) {  // check 3
    return make_error(
        ErrorCode::kInvalidArgument,
        "entry is bound to election " + to_hex(e.base_hash) + ", not " + to_hex(*snapshot_.q),
        "entry.base_hash");
  }
  if (phase_ == Phase::kFinished) {
    return conflict("the result has been published; the record is complete");
  }
  if (!c.proofs_checked) {
    // The snapshot used for precheck lacked keys the proofs need; check them now.
    bool done = false;
    auto st = check_proofs(c, snapshot_, &done);
    if (!st.ok()) return st;
  }
  // begin_batch(): what rollback_batch() needs, kept only while only ballots are applied.
  const bool ballot = e.type == EntryType::kCastBallot || e.type == EntryType::kChallengedBallot;
  std::optional<KioskState> kiosk_before;
  if (mark_.active && mark_.ballots_only && ballot && mark_.kiosks.count(e.author) == 0) {
    if (auto it = kiosks_.find(e.author); it != kiosks_.end()) kiosk_before = it->second;
  }
  auto st = apply_body(c);
  if (st.ok()) {
    if (mark_.active && mark_.ballots_only) {
      if (!ballot) {
        mark_.ballots_only = false;
        mark_.kiosks.clear();
        mark_.spent_tokens.clear();
      } else {
        if (kiosk_before) mark_.kiosks.emplace(e.author, std::move(*kiosk_before));
        if (auto* cast = std::get_if<CastBallotBody>(&c.body)) {
          mark_.spent_tokens.push_back(cast->token_hash);
        }
      }
    }
    ++size_;
    tree_.append(c.leaf ? *c.leaf : ledger::leaf_hash(c.entry.encode()));
  }
  return st;
}

void ElectionState::begin_batch() {
  mark_ = Mark{};
  mark_.active = true;
  mark_.size = size_;
  mark_.spent = spent_;
  mark_.challenged = challenged_;
  mark_.tree = tree_;
  mark_.tally = tally_;
}

bool ElectionState::rollback_batch() {
  if (!mark_.active || !mark_.ballots_only) {
    mark_ = Mark{};
    return false;
  }
  for (const Digest& t : mark_.spent_tokens) tokens_[t] = false;
  for (auto& [key, before] : mark_.kiosks) kiosks_[key] = std::move(before);
  size_ = mark_.size;
  spent_ = mark_.spent;
  challenged_ = mark_.challenged;
  tree_ = std::move(mark_.tree);
  tally_ = std::move(mark_.tally);
  mark_ = Mark{};
  return true;
}

Bytes ElectionState::OpenTotals::encode() const {
  Writer w;
  w.u8(1).u64(size).raw(root).u64(open_index).u64(cast).u64(challenged);
  w.count(sums.size());
  for (const auto& contest : sums) {
    w.count(contest.size());
    for (const auto& c : contest) w.raw(c.encode());
  }
  w.count(kiosks.size());
  for (const auto& k : kiosks) {
    w.raw(k.key).u64(k.last_sequence).u64(k.cast).u64(k.challenged).raw(k.chain_head);
  }
  return std::move(w).bytes();
}

Result<ElectionState::OpenTotals> ElectionState::OpenTotals::decode(ByteView bytes) {
  Reader r(bytes);
  OpenTotals t;
  auto version = r.u8("version");
  if (!version) return version.error();
  if (*version != 1) {
    return make_error(ErrorCode::kInvalidEncoding, "unknown version " + std::to_string(*version),
                      "version");
  }
  auto u64 = [&r](std::string_view what, std::uint64_t& out) -> Status {
    auto v = r.u64(what);
    if (!v) return v.error();
    out = *v;
    return {};
  };
  auto raw32 = [&r](std::string_view what, std::array<std::uint8_t, 32>& out) -> Status {
    auto v = r.raw(32, what);
    if (!v) return v.error();
    std::copy(v->begin(), v->end(), out.begin());
    return {};
  };
  TABELLA_TRY(u64("size", t.size));
  TABELLA_TRY(raw32("root", t.root));
  TABELLA_TRY(u64("open_index", t.open_index));
  TABELLA_TRY(u64("cast", t.cast));
  TABELLA_TRY(u64("challenged", t.challenged));
  auto contests = r.count("sums", 1024);
  if (!contests) return contests.error();
  t.sums.resize(*contests);
  for (auto& contest : t.sums) {
    auto n = r.count("sums[]", 4096);
    if (!n) return n.error();
    contest.resize(*n);
    for (auto& c : contest) {
      auto alpha = r.raw(Point::kSize, "alpha");
      if (!alpha) return alpha.error();
      auto a = Point::decode_allow_identity(*alpha);
      if (!a) return a.error();
      auto beta = r.raw(Point::kSize, "beta");
      if (!beta) return beta.error();
      auto b = Point::decode_allow_identity(*beta);
      if (!b) return b.error();
      c.alpha = std::move(*a);
      c.beta = std::move(*b);
    }
  }
  auto kiosks = r.count("kiosks", kMaxKiosks);
  if (!kiosks) return kiosks.error();
  t.kiosks.resize(*kiosks);
  for (auto& k : t.kiosks) {
    TABELLA_TRY(raw32("kiosks[].key", k.key));
    TABELLA_TRY(u64("kiosks[].last_sequence", k.last_sequence));
    TABELLA_TRY(u64("kiosks[].cast", k.cast));
    TABELLA_TRY(u64("kiosks[].challenged", k.challenged));
    TABELLA_TRY(raw32("kiosks[].chain_head", k.chain_head));
  }
  TABELLA_TRY(r.finish("open totals"));
  return t;
}

ElectionState::OpenTotals ElectionState::open_totals() const {
  OpenTotals t;
  t.size = size_;
  t.root = tree_.root();
  t.open_index = open_index_;
  t.cast = tally_ ? tally_->count() : 0;
  t.challenged = challenged_;
  if (tally_) t.sums = tally_->sums();
  for (const auto& [key, k] : kiosks_) {
    if (k.cast == 0 && k.challenged == 0) continue;
    t.kiosks.push_back({key, k.last_sequence, k.cast, k.challenged, k.chain_head});
  }
  return t;
}

Status ElectionState::resume_open(const OpenTotals& t, const std::vector<Digest>& spent,
                                  ledger::MerkleBuilder tree) {
  auto refuse = [](const std::string& why) {
    return make_error(ErrorCode::kConflict, "stored open-phase totals: " + why);
  };
  if (phase_ != Phase::kOpen || open_index_ != t.open_index) {
    return refuse("the polls-open entry is not at " + std::to_string(t.open_index));
  }
  if (size_ > t.size) return refuse("more entries replayed than the totals cover");
  if (tree.size() != t.size || tree.root() != t.root) {
    return refuse("the stored tree's root at " + std::to_string(t.size) + " differs");
  }
  if (spent.size() != t.cast || t.cast + t.challenged > t.size) {
    return refuse("the ballot counts do not add up");
  }
  auto tally = election::TallyAccumulator::resume(*snapshot_.manifest, t.sums, t.cast);
  if (!tally) return tally.error().with_prefix("stored open-phase totals");
  std::uint64_t cast = 0, challenged = 0;
  for (const auto& k : t.kiosks) {
    if (kiosks_.count(k.key) == 0) return refuse("a kiosk with ballots is not enrolled");
    cast += k.cast;
    challenged += k.challenged;
  }
  if (cast != t.cast || challenged != t.challenged) {
    return refuse("the kiosks' counts do not add up");
  }
  for (const Digest& h : spent) {
    auto it = tokens_.find(h);
    if (it == tokens_.end() || it->second) return refuse("a spent token is unknown or twice");
    it->second = true;
  }
  for (const auto& k : t.kiosks) {
    KioskState& s = kiosks_[k.key];
    s.last_sequence = k.last_sequence;
    s.cast = k.cast;
    s.challenged = k.challenged;
    s.chain_head = k.chain_head;
  }
  tally_ = std::move(*tally);
  spent_ = t.cast;
  challenged_ = t.challenged;
  size_ = t.size;
  tree_ = std::move(tree);
  return {};
}

std::vector<KioskHead> ElectionState::kiosk_heads() const {
  std::vector<KioskHead> out;
  out.reserve(kiosks_.size());
  for (const auto& [key, k] : kiosks_) out.push_back({key, k.chain_head, k.cast, k.challenged});
  return out;
}

PollsCloseBody ElectionState::polls_close_body(std::uint64_t time, std::string note) const {
  return PollsCloseBody{time, std::move(note), tree_head(), kiosk_heads()};
}

EncryptedTallyBody ElectionState::tally_body() const {
  EncryptedTallyBody b = tally_->finish(size_);
  b.polls_close_index = polls_close_index_;
  b.polls_close_hash = polls_close_hash_;
  b.log_root = tree_.root();
  return b;
}

Status ElectionState::bind_result(ResultBody& result) const {
  result.tally_hash = tally_hash_;
  result.partial_hashes.clear();
  for (std::size_t i = 0; i < result.guardians.size(); ++i) {
    auto it = partial_hashes_.find(result.guardians[i]);
    if (it == partial_hashes_.end()) {
      return make_error(ErrorCode::kInvalidArgument,
                        "guardian " + std::to_string(result.guardians[i]) +
                            " has no partial decryption in the record",
                        "body.guardians[" + std::to_string(i) + "]");
    }
    result.partial_hashes.push_back(it->second);
  }
  return {};
}

// Checks 30 and 31: polls-close names the log it closes and where every kiosk's chain stands.
Status ElectionState::check_polls_close(const PollsCloseBody& b) const {
  if (b.log.size != size_) {  // the log moved on (or back) since the authority read it
    return conflict("polls-close names a log of " + std::to_string(b.log.size) +
                        " entries; it would be entry " + std::to_string(size_),
                    "body.log.size");
  }
  if (b.log.root != tree_.root()) {
    return make_error(ErrorCode::kInvalidArgument,
                      "polls-close names root " + to_hex(b.log.root) + " for the " +
                          std::to_string(size_) + " entries before it, whose root is " +
                          to_hex(tree_.root()),
                      "body.log.root");
  }
  const auto heads = kiosk_heads();
  if (b.kiosks.size() != heads.size()) {
    return make_error(ErrorCode::kInvalidArgument,
                      "polls-close lists " + std::to_string(b.kiosks.size()) +
                          " kiosks; the record enrolled " + std::to_string(heads.size()),
                      "body.kiosks");
  }
  for (std::size_t i = 0; i < heads.size(); ++i) {
    const KioskHead& got = b.kiosks[i];
    const KioskHead& want = heads[i];
    std::string field = "body.kiosks[" + std::to_string(i) + "]";
    if (got.key != want.key) {
      return make_error(ErrorCode::kInvalidArgument,
                        "kiosk " + to_hex(got.key) + " is not the enrolled kiosk " +
                            to_hex(want.key) + " (kiosks are listed by key)",
                        field + ".key");
    }
    if (got.cast != want.cast || got.challenged != want.challenged) {
      return make_error(ErrorCode::kInvalidArgument,
                        "kiosk " + to_hex(got.key) + ": polls-close says " +
                            std::to_string(got.cast) + " cast and " +
                            std::to_string(got.challenged) + " challenged, the record has " +
                            std::to_string(want.cast) + " and " + std::to_string(want.challenged),
                        field + ".cast");
    }
    if (got.chain_head != want.chain_head) {
      return make_error(ErrorCode::kInvalidArgument,
                        "kiosk " + to_hex(got.key) + ": polls-close names chain head " +
                            to_hex(got.chain_head) + ", the record's last ballot code is " +
                            to_hex(want.chain_head),
                        field + ".chain_head");
    }
  }
  return {};
}

// Check 32: the tally names the polls-close entry and the tree head of the log it sums.
Status ElectionState::check_tally_binding(const EncryptedTallyBody& b) const {
  if (b.polls_close_index != polls_close_index_ || b.polls_close_hash != polls_close_hash_) {
    return make_error(ErrorCode::kInvalidArgument,
                      "the tally names polls-close entry " + std::to_string(b.polls_close_index) +
                          " (" + to_hex(b.polls_close_hash) + "); the record's is entry " +
                          std::to_string(polls_close_index_) + " (" + to_hex(polls_close_hash_) +
                          ")",
                      "body.polls_close_hash");
  }
  if (b.log_size != size_) {
    return make_error(ErrorCode::kInvalidArgument,
                      "tally covers " + std::to_string(b.log_size) + " entries, expected " +
                          std::to_string(size_),
                      "body.log_size");
  }
  if (b.log_root != tree_.root()) {
    return make_error(ErrorCode::kInvalidArgument,
                      "the tally names root " + to_hex(b.log_root) + " for the " +
                          std::to_string(size_) + " entries before it, whose root is " +
                          to_hex(tree_.root()),
                      "body.log_root");
  }
  return {};
}

// Check 34: the result names the tally and the partial decryptions it combines.
Status ElectionState::check_result_binding(const ResultBody& b) const {
  if (b.tally_hash != tally_hash_) {
    return make_error(ErrorCode::kInvalidArgument,
                      "the result names tally " + to_hex(b.tally_hash) +
                          "; the record's encrypted tally is " + to_hex(tally_hash_),
                      "body.tally_hash");
  }
  for (std::size_t i = 0; i < b.guardians.size(); ++i) {
    auto it = partial_hashes_.find(b.guardians[i]);
    if (it == partial_hashes_.end()) continue;  // check 20 names the missing partial
    if (i >= b.partial_hashes.size() || b.partial_hashes[i] != it->second) {
      return make_error(ErrorCode::kInvalidArgument,
                        "the result names another partial decryption for guardian " +
                            std::to_string(b.guardians[i]) + " than the record's " +
                            to_hex(it->second),
                        "body.partial_hashes[" + std::to_string(i) + "]");
    }
  }
  return {};
}

Status ElectionState::apply_body(const CheckedEntry& c) {
  const Entry& e = c.entry;
  if (phase_ == Phase::kEmpty && e.type != EntryType::kElection) {
    return conflict(
        "the record must start with an election entry, got " + std::string(entry_type_name(e.type)),
        "entry.type");
  }
  switch (e.type) {
    case EntryType::kElection: {  // check 4
      if (phase_ != Phase::kEmpty) return conflict("the election is already defined");
      const auto& b = std::get<ElectionBody>(c.body);
      auto m = election::parse_manifest(b.manifest_json);
      if (!m.ok()) return m.error().with_prefix("body.manifest");
      if (election::to_json(*m).dump() != b.manifest_json) {
        return make_error(ErrorCode::kInvalidArgument,
                          "manifest text is not in canonical JSON form", "body.manifest");
      }
      // One witness key under two names would count twice towards the quorum (check 23).
      std::map<Bytes, std::size_t> witness_keys;
      for (std::size_t i = 0; i < m->witnesses.size(); ++i) {
        auto vk = ledger::parse_verifier_key(m->witnesses[i].key);
        if (!vk.ok()) continue;  // such a key never counts (check 23)
        Bytes id = vk->public_key;
        id.insert(id.begin(), vk->sig_type);
        auto [it, fresh] = witness_keys.emplace(std::move(id), i);
        if (!fresh) {
          return make_error(ErrorCode::kInvalidArgument,
                            "witness " + std::to_string(i) +
                                " has the same public key as witness " +
                                std::to_string(it->second) + " under another name",
                            "body.manifest.witnesses.members[" + std::to_string(i) + "].key");
        }
      }
      Digest q = election::base_hash(election::manifest_hash(*m), e.author);
      if (q != e.base_hash) {
        return make_error(ErrorCode::kInvalidArgument,
                          "base hash does not equal H(manifest hash, authority key)",
                          "entry.base_hash");
      }
      authority_ = e.author;
      snapshot_.q = q;
      snapshot_.manifest = std::make_shared<const election::Manifest>(std::move(*m));
      phase_ = Phase::kSetup;
      return {};
    }
    case EntryType::kGuardianEnrolment: {  // check 6
      TABELLA_TRY(require_author_authority(e));
      if (phase_ != Phase::kSetup) return conflict("guardians can only be enrolled during setup");
      const auto& b = std::get<GuardianEnrolmentBody>(c.body);
      if (b.index < 1 || b.index > snapshot_.manifest->guardians) {
        return make_error(ErrorCode::kOutOfRange,
                          "guardian index " + std::to_string(b.index) + " is not in 1.." +
                              std::to_string(snapshot_.manifest->guardians),
                          "body.index");
      }
      if (guardians_.count(b.index) != 0) {
        return conflict("guardian " + std::to_string(b.index) + " is already enrolled",
                        "body.index");
      }
      if (guardian_keys_.count(b.key) != 0 || kiosks_.count(b.key) != 0 || b.key == authority_) {
        return conflict("this key is already enrolled", "body.key");
      }
      guardians_[b.index].enrolment = b;
      guardian_keys_[b.key] = b.index;
      return {};
    }
    case EntryType::kGuardianCommitments: {  // check 7
      const auto& b = std::get<GuardianCommitmentsBody>(c.body);
      auto g = require_author_guardian(e, b.index);
      if (!g.ok()) return g.error();
      if (phase_ != Phase::kSetup) return conflict("the key ceremony is over");
      auto& gs = guardians_[b.index];
      if (gs.commitments) return conflict("this guardian already posted its commitments");
      gs.commitments = to_commitments(b);
      return {};
    }
    case EntryType::kGuardianShares: {  // check 8
      const auto& b = std::get<GuardianSharesBody>(c.body);
      auto g = require_author_guardian(e, b.index);
      if (!g.ok()) return g.error();
      if (phase_ != Phase::kSetup) return conflict("the key ceremony is over");
      const auto& m = *snapshot_.manifest;
      if (guardians_.size() != m.guardians) {
        return conflict("shares can only be sent once all guardians are enrolled");
      }
      for (const auto& [index, gs] : guardians_) {
        if (!gs.commitments) {
          return conflict("shares can only be sent once every guardian posted commitments (" +
                          std::to_string(index) + " has not)");
        }
      }
      auto& gs = guardians_[b.index];
      if (gs.shared) return conflict("this guardian already sent its shares");
      if (b.shares.size() != m.guardians - 1) {
        return make_error(ErrorCode::kInvalidArgument,
                          "expected " + std::to_string(m.guardians - 1) + " shares, got " +
                              std::to_string(b.shares.size()),
                          "body.shares");
      }
      std::set<std::uint32_t> seen;
      for (std::size_t i = 0; i < b.shares.size(); ++i) {
        std::string field = "body.shares[" + std::to_string(i) + "]";
        auto s = EncryptedShare::decode(b.shares[i]);
        if (!s.ok()) return s.error().with_prefix(field);
        if (s->sender != b.index || s->recipient == b.index || s->recipient > m.guardians ||
            !seen.insert(s->recipient).second) {
          return make_error(ErrorCode::kInvalidArgument,
                            "share from " + std::to_string(s->sender) + " to " +
                                std::to_string(s->recipient) + " is misaddressed or repeated",
                            field);
        }
      }
      gs.shared = true;
      return {};
    }
    case EntryType::kGuardianComplaint: {  // check 9
      const auto& b = std::get<GuardianComplaintBody>(c.body);
      auto g = require_author_guardian(e, b.index);
      if (!g.ok()) return g.error();
      if (phase_ != Phase::kSetup) return conflict("the key ceremony is over");
      if (guardians_.count(b.accused) == 0 || b.accused == b.index) {
        return make_error(ErrorCode::kInvalidArgument, "no such other guardian", "body.accused");
      }
      if (!guardians_.at(b.accused).shared) {
        return conflict("guardian " + std::to_string(b.accused) + " has not sent its shares yet",
                        "body.accused");
      }
      if (guardians_.at(b.index).verified) {
        return conflict("guardian " + std::to_string(b.index) +
                        " already posted shares-verified; it cannot complain after");
      }
      if (!complaints_.emplace(std::make_pair(b.index, b.accused), Complaint{}).second) {
        return conflict("guardian " + std::to_string(b.index) + " already complained about " +
                            std::to_string(b.accused),
                        "body.accused");
      }
      return {};
    }
    case EntryType::kSharesVerified: {  // check 9
      const auto& b = std::get<SharesVerifiedBody>(c.body);
      auto g = require_author_guardian(e, b.index);
      if (!g.ok()) return g.error();
      if (phase_ != Phase::kSetup) return conflict("the key ceremony is over");
      for (const auto& [index, gs] : guardians_) {
        if (!gs.shared) {
          return conflict("shares can only be verified once every guardian sent them (" +
                          std::to_string(index) + " has not)");
        }
      }
      if (guardians_.size() != snapshot_.manifest->guardians) {
        return conflict("shares can only be verified once all guardians are enrolled");
      }
      auto& gs = guardians_.at(b.index);
      if (gs.verified) return conflict("this guardian already posted shares-verified");
      for (const auto& [key, complaint] : complaints_) {
        if (key.first == b.index) {
          return conflict("guardian " + std::to_string(b.index) + " complained about guardian " +
                          std::to_string(key.second) + "; its complaints are its statement");
        }
      }
      gs.verified = true;
      return {};
    }
    case EntryType::kShareReveal: {  // check 9
      const auto& b = std::get<ShareRevealBody>(c.body);
      auto g = require_author_guardian(e, b.index);
      if (!g.ok()) return g.error();
      if (phase_ != Phase::kSetup) return conflict("the key ceremony is over");
      auto it = complaints_.find(std::make_pair(b.recipient, b.index));
      if (it == complaints_.end()) {
        return conflict("guardian " + std::to_string(b.recipient) +
                            " has not complained about guardian " + std::to_string(b.index),
                        "body.recipient");
      }
      if (it->second.status != Complaint::Status::kOpen) {
        return conflict("this complaint is already answered", "body.recipient");
      }
      // Accepted either way: a share that fails its check is the record's proof that the sender
      // cheated, which disqualifies it (§5.3).
      it->second.revealed = b.share;
      auto st = verify_share(b.share, b.recipient, *guardians_.at(b.index).commitments);
      if (st.ok()) {
        it->second.status = Complaint::Status::kResolved;
      } else {
        it->second.status = Complaint::Status::kFailed;
        disqualified_.emplace(b.index, "its revealed share for guardian " +
                                           std::to_string(b.recipient) +
                                           " does not match its commitments");
      }
      return {};
    }
    case EntryType::kElectionKey: {  // check 10
      TABELLA_TRY(require_author_authority(e));
      if (phase_ != Phase::kSetup) return conflict("the election key is already published");
      TABELLA_TRY(ceremony_complete());
      const auto& m = *snapshot_.manifest;
      std::vector<GuardianCommitments> all;
      for (const auto& [index, gs] : guardians_) all.push_back(*gs.commitments);
      if (all.size() != m.guardians) {
        return conflict("only " + std::to_string(all.size()) + " of " +
                        std::to_string(m.guardians) + " guardians are enrolled");
      }
      const auto& b = std::get<ElectionKeyBody>(c.body);
      Point k = joint_key(all);
      if (!(k == b.joint_key)) {
        return make_error(ErrorCode::kInvalidArgument,
                          "joint key is not the sum of the guardians' commitments",
                          "body.joint_key");
      }
      if (election::extended_base_hash(*snapshot_.q, k) != b.extended_hash) {
        return make_error(ErrorCode::kInvalidArgument, "extended base hash is not H(Q, K)",
                          "body.extended_hash");
      }
      snapshot_.context = std::make_shared<const election::ElectionContext>(
          election::ElectionContext::make(m, authority_, k));
      for (std::uint32_t l = 1; l <= m.guardians; ++l) {
        snapshot_.public_share_keys.emplace(l, public_share_key(l, all));
      }
      phase_ = Phase::kKeyed;
      return {};
    }
    case EntryType::kKioskEnrolment: {  // check 11
      TABELLA_TRY(require_author_authority(e));
      if (phase_ >= Phase::kClosed) return conflict("polls are closed");
      const auto& b = std::get<KioskEnrolmentBody>(c.body);
      if (kiosks_.count(b.key) != 0 || guardian_keys_.count(b.key) != 0 || b.key == authority_) {
        return conflict("this key is already enrolled", "body.key");
      }
      if (kiosks_.size() >= kMaxKiosks) {
        return conflict("an election has at most " + std::to_string(kMaxKiosks) +
                            " kiosks (polls-close lists them all in one entry)",
                        "body.key");
      }
      if (!VerifyKey::from_bytes(b.key).ok()) {
        return make_error(ErrorCode::kInvalidEncoding, "not an Ed25519 public key", "body.key");
      }
      KioskState k;
      k.enrolment = b;
      k.chain_head = election::chain_seed(*snapshot_.q, b.key);
      kiosks_.emplace(b.key, std::move(k));
      return {};
    }
    case EntryType::kKioskRevocation: {
      TABELLA_TRY(require_author_authority(e));
      if (phase_ >= Phase::kClosed)
        return conflict("polls are closed; kiosks can no longer change");
      const auto& b = std::get<KioskRevocationBody>(c.body);
      auto it = kiosks_.find(b.key);
      if (it == kiosks_.end()) return conflict("no such kiosk", "body.key");
      if (it->second.revoked) return conflict("the kiosk is already revoked", "body.key");
      it->second.revoked = true;
      return {};
    }
    case EntryType::kTokenCommitments: {  // check 12
      TABELLA_TRY(require_author_authority(e));
      if (phase_ >= Phase::kClosed) return conflict("polls are closed; no more tokens");
      const auto& b = std::get<TokenCommitmentsBody>(c.body);
      std::set<Digest> batch;
      for (std::size_t i = 0; i < b.token_hashes.size(); ++i) {
        if (tokens_.count(b.token_hashes[i]) != 0 || !batch.insert(b.token_hashes[i]).second) {
          return conflict("token hash already committed",
                          "body.token_hashes[" + std::to_string(i) + "]");
        }
      }
      for (const auto& h : b.token_hashes) tokens_.emplace(h, false);
      return {};
    }
    case EntryType::kPollsOpen: {  // check 13
      TABELLA_TRY(require_author_authority(e));
      if (phase_ == Phase::kSetup) return conflict("the election key is not yet published");
      if (phase_ != Phase::kKeyed) return conflict("polls were already opened");
      phase_ = Phase::kOpen;
      open_index_ = size_;
      tally_.emplace(*snapshot_.manifest);
      return {};
    }
    case EntryType::kPollsClose: {
      TABELLA_TRY(require_author_authority(e));
      if (phase_ != Phase::kOpen) {
        return conflict(phase_ < Phase::kOpen ? "polls are not open" : "polls are already closed");
      }
      TABELLA_TRY(check_polls_close(std::get<PollsCloseBody>(c.body)));
      polls_close_index_ = size_;
      polls_close_hash_ = c.id;
      phase_ = Phase::kClosed;
      return {};
    }
    case EntryType::kCastBallot: {  // check 14
      auto kiosk = require_author_kiosk(e);
      if (!kiosk.ok()) return kiosk.error();
      if (phase_ != Phase::kOpen) return conflict("polls are not open");
      const auto& b = std::get<CastBallotBody>(c.body);
      TABELLA_TRY(check_ballot_chain(**kiosk, b.ballot));
      auto tok = tokens_.find(b.token_hash);
      if (tok == tokens_.end()) return conflict("voter token is not committed", "body.token_hash");
      if (tok->second) return conflict("voter token already spent", "body.token_hash");
      tok->second = true;
      ++spent_;
      (*kiosk)->last_sequence = b.ballot.sequence;
      (*kiosk)->chain_head = election::ballot_code(*snapshot_.q, e.author, b.ballot);
      ++(*kiosk)->cast;
      tally_->add(b.ballot);
      return {};
    }
    case EntryType::kChallengedBallot: {  // check 15
      auto kiosk = require_author_kiosk(e);
      if (!kiosk.ok()) return kiosk.error();
      if (phase_ != Phase::kOpen) return conflict("polls are not open");
      const auto& b = std::get<ChallengedBallotBody>(c.body);
      TABELLA_TRY(check_ballot_chain(**kiosk, b.ballot));
      (*kiosk)->last_sequence = b.ballot.sequence;
      (*kiosk)->chain_head = election::ballot_code(*snapshot_.q, e.author, b.ballot);
      ++(*kiosk)->challenged;
      ++challenged_;
      return {};
    }
    case EntryType::kEncryptedTally: {  // check 16
      TABELLA_TRY(require_author_authority(e));
      if (phase_ != Phase::kClosed) {
        return conflict(phase_ < Phase::kClosed ? "polls are not closed"
                                                : "the tally is already published");
      }
      const auto& b = std::get<EncryptedTallyBody>(c.body);
      TABELLA_TRY(check_tally_binding(b));
      EncryptedTallyBody expected = tally_body();
      if (b.cast_count != expected.cast_count) {
        return make_error(ErrorCode::kInvalidArgument,
                          "tally counts " + std::to_string(b.cast_count) +
                              " ballots, the record has " + std::to_string(expected.cast_count),
                          "body.cast_count");
      }
      if (b.encode() != expected.encode()) {
        return make_error(ErrorCode::kInvalidArgument,
                          "encrypted tally is not the sum of the cast ballots", "body.contests");
      }
      encrypted_tally_ = b;
      tally_hash_ = c.id;
      phase_ = Phase::kTallied;
      return {};
    }
    case EntryType::kPartialDecryption: {  // check 17
      const auto& b = std::get<PartialDecryptionBody>(c.body);
      auto g = require_author_guardian(e, b.index);
      if (!g.ok()) return g.error();
      if (phase_ != Phase::kTallied) return conflict("there is no encrypted tally to decrypt");
      if (partials_.count(b.index) != 0) {
        return conflict("guardian " + std::to_string(b.index) + " already decrypted");
      }
      if (b.tally_hash != tally_hash_) {  // check 33
        return make_error(ErrorCode::kInvalidArgument,
                          "the partial decryption names tally " + to_hex(b.tally_hash) +
                              "; the record's encrypted tally is " + to_hex(tally_hash_),
                          "body.tally_hash");
      }
      auto st = election::verify_partial_decryption(
          *snapshot_.context, snapshot_.public_share_keys.at(b.index), *encrypted_tally_, b);
      if (!st.ok()) return st.error().with_prefix("body");
      partials_.emplace(b.index, b);
      partial_hashes_.emplace(b.index, c.id);
      guardians_[b.index].decrypted = true;
      return {};
    }
    case EntryType::kResult: {  // check 18
      TABELLA_TRY(require_author_authority(e));
      if (phase_ != Phase::kTallied) return conflict("there is no encrypted tally");
      const auto& b = std::get<ResultBody>(c.body);
      std::vector<PartialDecryptionBody> used;
      for (std::size_t i = 0; i < b.guardians.size(); ++i) {
        auto it = partials_.find(b.guardians[i]);
        if (it == partials_.end()) {
          return make_error(ErrorCode::kInvalidArgument,
                            "guardian " + std::to_string(b.guardians[i]) +
                                " has no partial decryption in the record",
                            "body.guardians[" + std::to_string(i) + "]");
        }
        used.push_back(it->second);
      }
      auto st = election::verify_result(*snapshot_.context, *encrypted_tally_, used, b);
      if (!st.ok()) return st.error().with_prefix("body");
      TABELLA_TRY(check_result_binding(b));
      result_ = b;
      phase_ = Phase::kFinished;
      return {};
    }
  }
  return make_error(ErrorCode::kInvalidEncoding, "unknown entry type", "entry.type");
}

}  // namespace tabella::record

namespace tabella::record {

const std::vector<CheckInfo>& all_checks() {
  static const std::vector<CheckInfo> checks = {
      {1, "entry-format",
       "every entry decodes: magic, known type, lengths, size limit, body layout"},
      {2, "signatures", "every entry's Ed25519 signature verifies over its signing bytes"},
      {3, "election-binding", "every entry carries the election's base hash Q"},
      {4, "election-definition",
       "the first entry defines the election: valid canonical manifest, Q = H(manifest, "
       "authority)"},
      {5, "authority", "every entry is signed by a key allowed to author its type"},
      {6, "guardian-enrolment", "guardians enrolled once each, indices 1..n, during setup"},
      {7, "guardian-commitments",
       "Feldman commitments with valid Schnorr proofs, k coefficients, one set per guardian"},
      {8, "guardian-shares", "every guardian sent one encrypted share to each other guardian"},
      {9, "key-ceremony",
       "before the key, every guardian posted shares-verified or complaints, and every complaint "
       "was answered by a share-reveal that matches the accused's commitments"},
      {10, "joint-key", "K is the sum of the guardians' constant commitments and Q-bar = H(Q, K)"},
      {11, "kiosks",
       "kiosks enrolled once, in no other role, revoked only if enrolled, both before polls "
       "close"},
      {12, "token-commitments", "voter-token hashes committed once each, before polls close"},
      {13, "polls", "setup -> keyed -> open -> closed -> tallied -> finished, in this order"},
      {14, "ballot-proofs", "every ballot's 0/1 selection proofs and contest limit proofs verify"},
      {15, "tokens", "every cast ballot spends a committed token, at most once"},
      {16, "ballot-chains",
       "per kiosk, ballot sequence numbers count up and each names the previous ballot code"},
      {17, "challenges", "challenged ballots open to their ciphertexts and are not counted"},
      {18, "encrypted-tally", "the encrypted tally is the sum of exactly the cast ballots"},
      {19, "decryption-proofs", "every partial decryption carries valid Chaum-Pedersen proofs"},
      {20, "result", "the published counts follow from a quorum of partial decryptions"},
      {21, "checkpoint-signatures",
       "every checkpoint is signed by the ledger key named in the election entry"},
      {22, "log-roots",
       "the entries hash to the root of every checkpoint (so all checkpoints are consistent)"},
      {23, "witness-cosignatures",
       "when the manifest names witnesses, the final checkpoint carries valid cosignatures by "
       "at least witness_quorum of them"},
      {24, "final-checkpoint",
       "the record holds checkpoints and the final one covers every entry (its size is the "
       "number of entries)"},
      {25, "final-signature",
       "the final checkpoint carries the ledger key's signature and the election's origin"},
      {26, "record-complete",
       "the record ends with the result (not checked for an --in-progress audit)"},
      {27, "record-sequence",
       "entry lines carry the indices 0, 1, 2, ... in order: none missing, repeated or moved"},
      {30, "close-tree-head",
       "polls-close names the tree head (size, root) of the log just before it"},
      {31, "close-kiosk-heads",
       "polls-close lists every enrolled kiosk with its last ballot code and its cast and "
       "challenged counts as the record has them"},
      {32, "tally-binding",
       "the encrypted tally names the polls-close entry (index, hash) and the tree head of the "
       "log it sums"},
      {33, "decryption-binding", "every partial decryption names the encrypted tally's hash"},
      {34, "result-binding",
       "the result names the encrypted tally's hash and the hash of every partial decryption it "
       "combines"},
      {35, "pinned-identity",
       "the election's authority key and Q are the ones the auditor expects (--expect-authority, "
       "--expect-q; reported only when given)"},
      {36, "ledger-consistency",
       "for a record fetched from a ledger URL: the ledger's current checkpoint is signed, "
       "cosigned by the witness quorum, and its log extends the record (consistency proof)"},
  };
  return checks;
}

int classify_failure(EntryType type, const Error& error) {
  const std::string& f = error.field;
  if (error.code == ErrorCode::kInvalidSignature && f.rfind("entry.signature", 0) == 0) return 2;
  if (f.rfind("entry.base_hash", 0) == 0) return type == EntryType::kElection ? 4 : 3;
  if (error.code == ErrorCode::kPermission) return 5;
  if ((error.code == ErrorCode::kInvalidEncoding || error.code == ErrorCode::kLimit) &&
      (f.rfind("entry", 0) == 0 || f.rfind("body", 0) == 0 || f.empty())) {
    return 1;
  }
  auto has = [&f](const char* s) { return f.find(s) != std::string::npos; };
  switch (type) {
    case EntryType::kElection:
      return 4;
    case EntryType::kGuardianEnrolment:
      return 6;
    case EntryType::kGuardianCommitments:
      return 7;
    case EntryType::kGuardianShares:
      return 8;
    case EntryType::kGuardianComplaint:
    case EntryType::kSharesVerified:
    case EntryType::kShareReveal:
      return 9;
    case EntryType::kElectionKey:
      return has("complaints") ? 9 : 10;
    case EntryType::kKioskEnrolment:
    case EntryType::kKioskRevocation:
      return 11;
    case EntryType::kTokenCommitments:
      return error.code == ErrorCode::kConflict && !has("token") ? 13 : 12;
    case EntryType::kPollsOpen:
      return 13;
    case EntryType::kPollsClose:
      if (has("body.log")) return 30;
      if (has("body.kiosks")) return 31;
      return 13;
    case EntryType::kCastBallot:
    case EntryType::kChallengedBallot:
      if (has("token_hash")) return 15;
      if (has("sequence") || has("previous_code")) return 16;
      if (has("opening") || has("choices") || has("nonces")) return 17;
      if (has("body")) return 14;
      return 13;
    case EntryType::kEncryptedTally:
      if (has("polls_close") || has("log_size") || has("log_root")) return 32;
      return 18;
    case EntryType::kPartialDecryption:
      return has("tally_hash") ? 33 : 19;
    case EntryType::kResult:
      if (has("tally_hash") || has("partial_hashes")) return 34;
      return 20;
  }
  return 1;
}

std::vector<int> checks_passed(EntryType type) {
  std::vector<int> c = {1, 2, 3, 5};
  switch (type) {
    case EntryType::kElection:
      c = {1, 2, 4};
      break;
    case EntryType::kGuardianEnrolment:
      c.push_back(6);
      break;
    case EntryType::kGuardianCommitments:
      c.push_back(7);
      break;
    case EntryType::kGuardianShares:
      c.push_back(8);
      break;
    case EntryType::kGuardianComplaint:
    case EntryType::kSharesVerified:
    case EntryType::kShareReveal:
      c.push_back(9);
      break;
    case EntryType::kElectionKey:
      c.insert(c.end(), {9, 10});
      break;
    case EntryType::kKioskEnrolment:
    case EntryType::kKioskRevocation:
      c.push_back(11);
      break;
    case EntryType::kTokenCommitments:
      c.push_back(12);
      break;
    case EntryType::kPollsOpen:
      c.push_back(13);
      break;
    case EntryType::kPollsClose:
      c.insert(c.end(), {13, 30, 31});
      break;
    case EntryType::kCastBallot:
      c.insert(c.end(), {13, 14, 15, 16});
      break;
    case EntryType::kChallengedBallot:
      c.insert(c.end(), {13, 14, 16, 17});
      break;
    case EntryType::kEncryptedTally:
      c.insert(c.end(), {13, 18, 32});
      break;
    case EntryType::kPartialDecryption:
      c.insert(c.end(), {19, 33});
      break;
    case EntryType::kResult:
      c.insert(c.end(), {20, 34});
      break;
  }
  return c;
}

}  // namespace tabella::record
