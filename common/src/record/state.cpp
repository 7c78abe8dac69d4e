#include "tabella/record/state.h"

#include <algorithm>

#include "tabella/election/ballot.h"
#include "tabella/ledger/checkpoint.h"
#include "tabella/ledger/note.h"
#include "tabella/util/canonical.h"

namespace tabella::record {

namespace {

// The latest time a polls entry may state: 9999-12-31T23:59:59Z, the manifest's last second.
constexpr std::uint64_t kMaxPollsTime = 253402300799;

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

// Check 4: every entry this manifest shapes fits in an entry (docs/spec.md §10.4).
Status check_entry_sizes(const election::Manifest& m) {
  const ManifestEntrySizes sizes = manifest_entry_sizes(m);
  std::size_t selections = 0;
  for (const auto& c : m.contests) selections += c.choices.size();
  const std::pair<const char*, std::size_t> all[] = {
      {"cast-ballot", sizes.cast_ballot},
      {"challenged-ballot", sizes.challenged_ballot},
      {"encrypted-tally", sizes.encrypted_tally},
      {"partial-decryption", sizes.partial_decryption},
      {"result", sizes.result}};
  for (const auto& [type, size] : all) {
    if (size > kMaxEntrySize) {
      return make_error(ErrorCode::kInvalidArgument,
                        std::string("a ") + type + " entry for this manifest (" +
                            std::to_string(m.contests.size()) + " contests, " +
                            std::to_string(selections) + " selections) is " + std::to_string(size) +
                            " bytes; an entry is at most " + std::to_string(kMaxEntrySize) +
                            ": split the ballot into smaller elections or fewer choices",
                        "manifest.contests");
    }
  }
  return {};
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

// The proofs of checks 7 (guardian commitments) and 14 (ballots) and the opening of a challenged
// ballot (check 17), as far as the snapshot holds the keys they need. Their failures are kept,
// not returned: apply() reports them in the order of docs/spec.md §11.1 (after the author and
// the phase), so that the check an entry fails does not depend on when its proofs ran.
struct ProofOutcome {
  bool done = false;
  std::optional<Error> proofs;
  std::optional<Error> opening;
};

static ProofOutcome check_proofs(const CheckedEntry& c, const Snapshot& s) {
  ProofOutcome out;
  if (auto* b = std::get_if<GuardianCommitmentsBody>(&c.body)) {
    if (!s.q || !s.manifest) return out;
    auto st = to_commitments(*b).verify(*s.q, s.manifest->quorum);
    if (!st.ok()) out.proofs = st.error().with_prefix("body");
    out.done = true;
    return out;
  }
  if (!s.context) return out;
  const auto& ctx = *s.context;
  if (auto* b = std::get_if<CastBallotBody>(&c.body)) {
    auto st = election::verify_ballot(ctx, b->ballot);
    if (!st.ok()) out.proofs = st.error().with_prefix("body.ballot");
  } else if (auto* ch = std::get_if<ChallengedBallotBody>(&c.body)) {
    auto st = election::verify_ballot(ctx, ch->ballot);
    if (!st.ok()) out.proofs = st.error().with_prefix("body.ballot");
    auto opened = election::verify_opening(ctx, *ch);
    if (!opened.ok()) out.opening = opened.error().with_prefix("body.opening");
  }
  out.done = true;
  return out;
}

static void keep(CheckedEntry& c, ProofOutcome&& o) {
  c.proofs_checked.done = o.done;
  c.proofs_checked.proofs = std::move(o.proofs);
  c.proofs_checked.opening = std::move(o.opening);
}

// Check 1 (envelope, then body), check 2 (signature), then the proofs the snapshot allows.
Result<CheckedEntry> precheck(ByteView entry_bytes, const Snapshot& snapshot) {
  // Whatever a decoder refuses (a length, a count, a point, a scalar >= n, an index 0) is a
  // malformed entry: check 1, reported as kInvalidEncoding (kLimit for a limit).
  auto malformed = [](Error e) {
    if (e.code != ErrorCode::kLimit) e.code = ErrorCode::kInvalidEncoding;
    return e;
  };
  auto entry = Entry::decode(entry_bytes);  // check 1
  if (!entry.ok()) return malformed(entry.error());
  auto body = decode_body(entry->type, entry->body);  // check 1
  if (!body.ok()) return malformed(body.error());
  auto sig = entry->verify_signature();  // check 2
  if (!sig.ok()) return sig.error();
  CheckedEntry c{std::move(*entry), std::move(*body), sha256(entry_bytes), false,
                 ledger::leaf_hash(entry_bytes)};
  keep(c, check_proofs(c, snapshot));
  return c;
}

Status complete_proofs(CheckedEntry& checked, const Snapshot& snapshot) {
  if (!checked.proofs_checked) keep(checked, check_proofs(checked, snapshot));
  if (checked.proofs_checked.proofs) return *checked.proofs_checked.proofs;
  if (checked.proofs_checked.opening) return *checked.proofs_checked.opening;
  return {};
}

Status check_token_precinct(const std::string& token_precinct, const std::string& kiosk_precinct) {
  if (token_precinct == kiosk_precinct) return {};
  return make_error(ErrorCode::kConflict,
                    "voter token was committed for precinct \"" + token_precinct +
                        "\"; this kiosk is enrolled for precinct \"" + kiosk_precinct + "\"",
                    "body.token_hash", ErrorReason::kTokenOtherPrecinct);
}

Error token_committed_twice(std::size_t position) {
  return conflict("token hash already committed",
                  "body.token_hashes[" + std::to_string(position) + "]");
}
Error token_not_committed() {
  return make_error(ErrorCode::kConflict, "voter token is not committed", "body.token_hash",
                    ErrorReason::kTokenNotCommitted);
}
Error token_already_spent() {
  return make_error(ErrorCode::kConflict, "voter token already spent", "body.token_hash",
                    ErrorReason::kTokenSpent);
}

ElectionState::ElectionState() : tokens_(std::make_unique<MemoryTokenStore>()) {}

int ElectionState::token_state(const Digest& token_hash) const {
  auto t = tokens_->find(token_hash);
  if (!t || !*t) return 0;
  return (*t)->spent ? 2 : 1;
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

Status ElectionState::require_author_kiosk(const Entry& e) const {
  auto it = kiosks_.find(e.author);
  if (it == kiosks_.end()) {
    return make_error(ErrorCode::kPermission, "the author is not an enrolled kiosk", "entry.author",
                      ErrorReason::kKioskNotAllowed);
  }
  if (it->second.revoked) {
    return make_error(ErrorCode::kPermission, "the kiosk has been revoked", "entry.author",
                      ErrorReason::kKioskNotAllowed);
  }
  return {};
}

// Check 5: who may write this type (docs/spec.md §10.3).
Status ElectionState::check_author(const CheckedEntry& c) const {
  const Entry& e = c.entry;
  auto guardian = [&](std::uint32_t index) -> Status {
    auto g = require_author_guardian(e, index);
    if (!g.ok()) return g.error();
    return {};
  };
  switch (e.type) {
    case EntryType::kElection:
      return {};  // entry 0's author is the authority
    case EntryType::kGuardianEnrolment:
    case EntryType::kElectionKey:
    case EntryType::kKioskEnrolment:
    case EntryType::kKioskRevocation:
    case EntryType::kTokenCommitments:
    case EntryType::kPollsOpen:
    case EntryType::kPollsClose:
    case EntryType::kEncryptedTally:
    case EntryType::kResult:
      return require_author_authority(e);
    case EntryType::kCastBallot:
    case EntryType::kChallengedBallot:
      return require_author_kiosk(e);
    case EntryType::kGuardianCommitments:
      return guardian(std::get<GuardianCommitmentsBody>(c.body).index);
    case EntryType::kGuardianShares:
      return guardian(std::get<GuardianSharesBody>(c.body).index);
    case EntryType::kGuardianComplaint:
      return guardian(std::get<GuardianComplaintBody>(c.body).index);
    case EntryType::kSharesVerified:
      return guardian(std::get<SharesVerifiedBody>(c.body).index);
    case EntryType::kShareReveal:
      return guardian(std::get<ShareRevealBody>(c.body).index);
    case EntryType::kPartialDecryption:
      return guardian(std::get<PartialDecryptionBody>(c.body).index);
  }
  return permission("unknown entry type");
}

// Check 13: the phase allows this type (docs/spec.md §10.3), and the polls' times are in order.
Status ElectionState::check_phase(const CheckedEntry& c) const {
  const EntryType t = c.entry.type;
  auto refuse = [&](std::string why, ErrorReason reason = ErrorReason::kPhase) {
    return make_error(ErrorCode::kConflict,
                      std::string(entry_type_name(t)) + " is not allowed in phase " +
                          std::string(phase_name(phase_)) + ": " + std::move(why),
                      "phase", reason);
  };
  switch (phase_) {
    case Phase::kEmpty:
      return {};  // check 4 decides the first entry
    case Phase::kFinished:
      return refuse("the result has been published; the record is complete");
    default:
      break;
  }
  switch (t) {
    case EntryType::kElection:
      return {};  // check 4
    case EntryType::kGuardianEnrolment:
    case EntryType::kGuardianCommitments:
    case EntryType::kGuardianShares:
    case EntryType::kGuardianComplaint:
    case EntryType::kSharesVerified:
    case EntryType::kShareReveal:
      if (phase_ != Phase::kSetup) return refuse("the key ceremony is over");
      return {};
    case EntryType::kElectionKey:
      if (phase_ != Phase::kSetup) return refuse("the election key is already published");
      return {};
    case EntryType::kKioskEnrolment:
    case EntryType::kKioskRevocation:
    case EntryType::kTokenCommitments:
      if (phase_ >= Phase::kClosed) return refuse("polls are closed");
      return {};
    case EntryType::kPollsOpen: {
      if (phase_ == Phase::kSetup) return refuse("the election key is not yet published");
      if (phase_ != Phase::kKeyed) return refuse("polls were already opened");
      const auto& b = std::get<PollsBody>(c.body);
      if (b.time > kMaxPollsTime) {
        return make_error(
            ErrorCode::kOutOfRange,
            "polls-open time " + std::to_string(b.time) + " is after 9999-12-31T23:59:59Z",
            "body.time");
      }
      return {};
    }
    case EntryType::kPollsClose:
    case EntryType::kCastBallot:
    case EntryType::kChallengedBallot: {
      if (phase_ != Phase::kOpen) {
        return refuse(phase_ < Phase::kOpen ? "polls are not open" : "polls are closed",
                      ErrorReason::kPollsNotOpen);
      }
      if (t != EntryType::kPollsClose) return {};
      const auto& b = std::get<PollsCloseBody>(c.body);
      if (b.time < polls_open_time_ || b.time > kMaxPollsTime) {
        return make_error(ErrorCode::kOutOfRange,
                          "polls-close time " + std::to_string(b.time) +
                              " is before the polls-open time " + std::to_string(polls_open_time_) +
                              " or after 9999-12-31T23:59:59Z",
                          "body.time");
      }
      return {};
    }
    case EntryType::kEncryptedTally:
      if (phase_ != Phase::kClosed) {
        return refuse(phase_ < Phase::kClosed ? "polls are not closed"
                                              : "the tally is already published");
      }
      return {};
    case EntryType::kPartialDecryption:
    case EntryType::kResult:
      if (phase_ != Phase::kTallied) return refuse("there is no encrypted tally");
      return {};
  }
  return refuse("unknown entry type");
}

Status ElectionState::check_ballot_chain(const KioskState& kiosk, const EncryptedBallot& b) const {
  if (b.sequence != kiosk.last_sequence + 1) {  // check 14c
    return make_error(ErrorCode::kConflict,
                      "ballot sequence " + std::to_string(b.sequence) + " does not follow " +
                          std::to_string(kiosk.last_sequence) + " for this kiosk",
                      "body.ballot.sequence", ErrorReason::kKioskChain);
  }
  if (b.previous_code != kiosk.chain_head) {
    return make_error(ErrorCode::kConflict,
                      "previous ballot code " + to_hex(b.previous_code) +
                          " does not match the kiosk's last code " + to_hex(kiosk.chain_head),
                      "body.ballot.previous_code", ErrorReason::kKioskChain);
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

// The order of one entry's checks (docs/spec.md §11.1): 1 and 2 ran in precheck; then 3, 4, 5,
// 13, the proofs (7, 14), and the type's own checks in increasing number.
Status ElectionState::apply(const CheckedEntry& c) {
  const Entry& e = c.entry;
  if (phase_ != Phase::kEmpty && e.base_hash != *snapshot_.q) {  // check 3
    return make_error(
        ErrorCode::kInvalidArgument,
        "entry is bound to election " + to_hex(e.base_hash) + ", not " + to_hex(*snapshot_.q),
        "entry.base_hash");
  }
  if (phase_ == Phase::kEmpty && e.type != EntryType::kElection) {  // check 4
    return conflict(
        "the record must start with an election entry, got " + std::string(entry_type_name(e.type)),
        "entry.type");
  }
  if (phase_ != Phase::kEmpty && e.type == EntryType::kElection) {
    return conflict("the election is already defined (entry 0)", "entry.type");
  }
  TABELLA_TRY(check_author(c));  // check 5
  TABELLA_TRY(check_phase(c));   // check 13
  std::optional<Error> opening_error = c.proofs_checked.opening;
  if (!c.proofs_checked) {
    // The snapshot used for precheck lacked keys the proofs need; check them now.
    ProofOutcome o = check_proofs(c, snapshot_);
    if (o.proofs) return *o.proofs;
    opening_error = std::move(o.opening);
  } else if (c.proofs_checked.proofs) {
    return *c.proofs_checked.proofs;  // check 7 or 14
  }
  // begin_batch(): what rollback_batch() needs, kept only while only ballots are applied.
  const bool ballot = e.type == EntryType::kCastBallot || e.type == EntryType::kChallengedBallot;
  std::optional<KioskState> kiosk_before;
  if (mark_.active && mark_.ballots_only && ballot && mark_.kiosks.count(e.author) == 0) {
    if (auto it = kiosks_.find(e.author); it != kiosks_.end()) kiosk_before = it->second;
  }
  auto st = apply_body(c, opening_error);
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
  for (const Digest& t : mark_.spent_tokens) tokens_->unspend(t);
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
  w.u8(2).u64(size).raw(root).u64(open_index).u64(cast).u64(challenged).u64(tokens);
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
  if (*version != 2) {  // version 1 had no token count: a start replays instead
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
  TABELLA_TRY(u64("tokens", t.tokens));
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
  t.tokens = tokens_->count();
  if (tally_) t.sums = tally_->sums();
  for (const auto& [key, k] : kiosks_) {
    if (k.cast == 0 && k.challenged == 0) continue;
    t.kiosks.push_back({key, k.last_sequence, k.cast, k.challenged, k.chain_head});
  }
  return t;
}

Status ElectionState::resume_open(const OpenTotals& t, ledger::MerkleBuilder tree) {
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
  if (t.cast + t.challenged > t.size || t.cast > t.tokens || tokens_->count() != t.tokens) {
    return refuse("the ballot and token counts do not add up");
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

// The type's own checks, after 3, 4, 5, 13 and the proofs (apply()); on failure nothing changes.
Status ElectionState::apply_body(const CheckedEntry& c, const std::optional<Error>& opening_error) {
  const Entry& e = c.entry;
  switch (e.type) {
    case EntryType::kElection: {  // check 4
      const auto& b = std::get<ElectionBody>(c.body);
      auto m = election::parse_manifest(b.manifest_json);
      if (!m.ok()) {
        Error err = m.error().with_prefix("manifest");
        err.code = ErrorCode::kInvalidArgument;  // the body decoded; its manifest is invalid
        return err;
      }
      if (election::to_json(*m).dump() != b.manifest_json) {
        return make_error(ErrorCode::kInvalidArgument,
                          "manifest text is not in canonical JSON form", "manifest");
      }
      TABELLA_TRY(check_entry_sizes(*m));
      // The ledger that signs this log's checkpoints (checks 21..25): an Ed25519 note verifier
      // key named by the log's origin. Without it the record could prove nothing about its log.
      auto ledger_key = ledger::NoteVerifier::from_verifier_key(b.ledger_key);
      if (!ledger_key.ok()) {
        return make_error(
            ErrorCode::kInvalidArgument,
            "ledger_key \"" + b.ledger_key +
                "\" is not an Ed25519 note verifier key: " + ledger_key.error().message,
            "ledger_key");
      }
      if (ledger_key->name() != m->origin) {
        return make_error(ErrorCode::kInvalidArgument,
                          "ledger_key is named \"" + ledger_key->name() +
                              "\"; it must be the log's origin \"" + m->origin + "\"",
                          "ledger_key");
      }
      // One witness key under two names would count twice towards the quorum (check 23).
      std::map<Bytes, std::size_t> witness_keys;
      for (std::size_t i = 0; i < m->witnesses.size(); ++i) {
        std::string field = "manifest.witnesses.members[" + std::to_string(i) + "].key";
        auto vk = ledger::parse_verifier_key(m->witnesses[i].key);
        if (!vk.ok()) return vk.error().with_prefix(field);
        auto cv = ledger::CosignatureVerifier::from_verifier_key(m->witnesses[i].key);
        if (!cv.ok() || cv->name() != m->witnesses[i].name) {
          return make_error(ErrorCode::kInvalidArgument,
                            "witness " + std::to_string(i) +
                                ": not a cosignature/v1 verifier key (type 0x04) named \"" +
                                m->witnesses[i].name + "\"",
                            field);
        }
        Bytes id = vk->public_key;
        id.insert(id.begin(), vk->sig_type);
        auto [it, fresh] = witness_keys.emplace(std::move(id), i);
        if (!fresh) {
          return make_error(ErrorCode::kInvalidArgument,
                            "witness " + std::to_string(i) +
                                " has the same public key as witness " +
                                std::to_string(it->second) + " under another name",
                            field);
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
      auto& gs = guardians_[b.index];
      if (gs.commitments) return conflict("this guardian already posted its commitments");
      gs.commitments = to_commitments(b);
      return {};
    }
    case EntryType::kGuardianShares: {  // check 8
      const auto& b = std::get<GuardianSharesBody>(c.body);
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
      const auto& b = std::get<KioskRevocationBody>(c.body);
      auto it = kiosks_.find(b.key);
      if (it == kiosks_.end()) return conflict("no such kiosk", "body.key");
      if (it->second.revoked) return conflict("the kiosk is already revoked", "body.key");
      it->second.revoked = true;
      return {};
    }
    case EntryType::kTokenCommitments: {  // check 12
      const auto& b = std::get<TokenCommitmentsBody>(c.body);
      std::set<Digest> batch;
      if (audit_) {  // committed once across the record: TokenAudit::finish
        for (std::size_t i = 0; i < b.token_hashes.size(); ++i) {
          if (!batch.insert(b.token_hashes[i]).second) {
            return token_committed_twice(i);
          }
        }
        for (std::size_t i = 0; i < b.token_hashes.size(); ++i) {
          audit_->commit(b.token_hashes[i], b.precinct, size_, static_cast<std::uint32_t>(i));
        }
        return {};
      }
      for (std::size_t i = 0; i < b.token_hashes.size(); ++i) {
        auto known = tokens_->find(b.token_hashes[i]);
        if (!known) return known.error();
        if (known->has_value() || !batch.insert(b.token_hashes[i]).second) {
          return token_committed_twice(i);
        }
      }
      for (const auto& h : b.token_hashes) TABELLA_TRY(tokens_->commit(h, b.precinct, size_));
      return {};
    }
    case EntryType::kPollsOpen: {  // check 13
      polls_open_time_ = std::get<PollsBody>(c.body).time;
      phase_ = Phase::kOpen;
      open_index_ = size_;
      tally_.emplace(*snapshot_.manifest);
      return {};
    }
    case EntryType::kPollsClose: {
      TABELLA_TRY(check_polls_close(std::get<PollsCloseBody>(c.body)));
      polls_close_index_ = size_;
      polls_close_hash_ = c.id;
      phase_ = Phase::kClosed;
      return {};
    }
    case EntryType::kCastBallot: {  // checks 15, 16 (14 in apply)
      KioskState& kiosk = kiosks_.at(e.author);
      const auto& b = std::get<CastBallotBody>(c.body);
      if (audit_) {  // committed, unspent, precinct: TokenAudit::finish
        audit_->spend(b.token_hash, kiosk.enrolment.precinct, size_);
        if (Status chain = check_ballot_chain(kiosk, b.ballot); !chain.ok()) {
          audit_->refuse_last_spend();
          return chain;
        }
      } else {
        auto tok = tokens_->find(b.token_hash);
        if (!tok) return tok.error();
        if (!tok->has_value()) {
          return token_not_committed();
        }
        if ((*tok)->spent) {
          return token_already_spent();
        }
        TABELLA_TRY(check_token_precinct((*tok)->precinct, kiosk.enrolment.precinct));
        TABELLA_TRY(check_ballot_chain(kiosk, b.ballot));
        TABELLA_TRY(tokens_->spend(b.token_hash, size_));
      }
      ++spent_;
      kiosk.last_sequence = b.ballot.sequence;
      kiosk.chain_head = election::ballot_code(*snapshot_.q, e.author, b.ballot);
      ++kiosk.cast;
      tally_->add(b.ballot);
      return {};
    }
    case EntryType::kChallengedBallot: {  // checks 16, 17 (14 in apply)
      KioskState& kiosk = kiosks_.at(e.author);
      const auto& b = std::get<ChallengedBallotBody>(c.body);
      TABELLA_TRY(check_ballot_chain(kiosk, b.ballot));
      if (opening_error) return *opening_error;  // check 17
      kiosk.last_sequence = b.ballot.sequence;
      kiosk.chain_head = election::ballot_code(*snapshot_.q, e.author, b.ballot);
      ++kiosk.challenged;
      ++challenged_;
      return {};
    }
    case EntryType::kEncryptedTally: {  // checks 18, 32
      const auto& b = std::get<EncryptedTallyBody>(c.body);
      EncryptedTallyBody expected = tally_body();
      // Check 18 compares the sums; the bindings (polls-close, tree head) are check 32's.
      expected.polls_close_index = b.polls_close_index;
      expected.polls_close_hash = b.polls_close_hash;
      expected.log_size = b.log_size;
      expected.log_root = b.log_root;
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
      TABELLA_TRY(check_tally_binding(b));
      encrypted_tally_ = b;
      tally_hash_ = c.id;
      phase_ = Phase::kTallied;
      return {};
    }
    case EntryType::kPartialDecryption: {  // checks 19, 33
      const auto& b = std::get<PartialDecryptionBody>(c.body);
      if (partials_.count(b.index) != 0) {
        return conflict("guardian " + std::to_string(b.index) + " already decrypted");
      }
      auto st = election::verify_partial_decryption(
          *snapshot_.context, snapshot_.public_share_keys.at(b.index), *encrypted_tally_, b);
      if (!st.ok()) return st.error().with_prefix("body");
      if (b.tally_hash != tally_hash_) {  // check 33
        return make_error(ErrorCode::kInvalidArgument,
                          "the partial decryption names tally " + to_hex(b.tally_hash) +
                              "; the record's encrypted tally is " + to_hex(tally_hash_),
                          "body.tally_hash");
      }
      partials_.emplace(b.index, b);
      partial_hashes_.emplace(b.index, c.id);
      guardians_[b.index].decrypted = true;
      return {};
    }
    case EntryType::kResult: {  // checks 20, 34
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
       "the first entry defines the election: valid canonical manifest whose entries fit, ledger "
       "and witness keys, Q = H(manifest, authority)"},
      {5, "authority", "every entry is signed by a key allowed to author its type"},
      {6, "guardian-enrolment", "guardians enrolled once each, indices 1..n"},
      {7, "guardian-commitments",
       "Feldman commitments with valid Schnorr proofs, k coefficients, one set per guardian"},
      {8, "guardian-shares", "every guardian sent one encrypted share to each other guardian"},
      {9, "key-ceremony",
       "before the key, every guardian posted shares-verified or complaints, and every complaint "
       "was answered by a share-reveal that matches the accused's commitments"},
      {10, "joint-key", "K is the sum of the guardians' constant commitments and Q-bar = H(Q, K)"},
      {11, "kiosks",
       "kiosks enrolled once, in no other role, revoked only if enrolled and not yet revoked"},
      {12, "token-commitments", "voter-token hashes committed once each"},
      {13, "polls",
       "every entry in a phase that allows its type (setup -> keyed -> open -> closed -> "
       "tallied -> finished); polls-close not before polls-open"},
      {14, "ballot-proofs", "every ballot's 0/1 selection proofs and contest limit proofs verify"},
      {15, "tokens",
       "every cast ballot spends a committed token of its kiosk's precinct, at most once"},
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
  if (f == "phase") return 13;      // check_phase
  if (f == "entry.type") return 4;  // the first entry, or a second election entry
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
      return 12;
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
