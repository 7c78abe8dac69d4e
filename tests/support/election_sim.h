// Test support: builds a complete, valid election record in memory — definition, key ceremony,
// kiosks, tokens, ballots (some challenged), tally, partial decryptions, result — with every
// entry signed by its proper author, plus checkpoints signed by a ledger key. Deterministic for
// a given seed. Tests tamper with the result to prove each verification check can fail.
// The entries up to polls-open come from the one election builder
// (tabella/record/election_builder.h, which the kiosk's demo mode uses too); the ballots,
// polls-close, tally, result and checkpoints are the simulation's own.
#pragma once

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "tabella/crypto/dlog.h"
#include "tabella/crypto/threshold.h"
#include "tabella/election/ballot.h"
#include "tabella/election/context.h"
#include "tabella/election/tally.h"
#include "tabella/election/token.h"
#include "tabella/ledger/checkpoint.h"
#include "tabella/ledger/merkle.h"
#include "tabella/ledger/note.h"
#include "tabella/record/bodies.h"
#include "tabella/record/election_builder.h"
#include "tabella/record/entry.h"
#include "tabella/record/record_file.h"
#include "tabella/record/state.h"

namespace tabella::testing {

struct SimOptions {
  std::string manifest_file = "ballots/demo-general.json";  // relative to the source tree
  std::uint32_t guardians = 3;
  std::uint32_t quorum = 2;
  std::uint32_t kiosks = 2;
  std::uint32_t ballots = 10;      // cast
  std::uint32_t challenged = 2;    // challenged (not counted), in addition
  std::set<std::uint32_t> absent;  // guardians absent at tally time
  std::string seed = "tabella-sim";
  bool finish = true;  // tally and result
  // Key-ceremony disputes (docs/spec.md §5.3): guardian bad_share_from sends bad_share_to a
  // random scalar instead of its share; the recipient complains and the sender reveals the true
  // share. A false complaint is made by false_complaint_by about false_complaint_about (whose
  // share was good); the accused reveals it all the same.
  std::uint32_t bad_share_from = 0, bad_share_to = 0;
  std::uint32_t false_complaint_by = 0, false_complaint_about = 0;
};

struct SimElection {
  election::Manifest manifest;
  std::vector<Bytes> entries;
  std::vector<std::string> checkpoints;  // signed notes
  std::string ledger_key;                // verifier key of the checkpoint signer
  std::vector<std::vector<std::uint64_t>> expected_counts;
  Digest q{};
  std::map<PublicKeyBytes, std::shared_ptr<const SigningKey>>
      keys;  // every author's key, to re-sign tampered entries
  PublicKeyBytes authority{};
  // Per guardian i (at [i - 1]): its signing key, GuardianSecrets::encode() and its share s_i of
  // the election key, for tests that run tabella-guardian on this election.
  std::vector<PublicKeyBytes> guardian_keys;
  std::vector<Bytes> guardian_secrets;
  std::vector<Scalar> guardian_shares;

  // The checkpoint signer's key (the ledger key the election entry names), for a real ledger
  // started on this election; shared_ledger_signing_key() for an in-process LedgerIdentity.
  const SigningKey& ledger_signing_key() const { return *shared_ledger_signing_key(); }
  const std::shared_ptr<const SigningKey>& shared_ledger_signing_key() const {
    auto parsed = ledger::parse_verifier_key(ledger_key);
    PublicKeyBytes pk{};
    std::copy(parsed->public_key.begin(), parsed->public_key.end(), pk.begin());
    return keys.at(pk);
  }

  // Replaces entry i with the same type and author but another body (or Q), properly signed.
  void resign(std::size_t i, const Bytes& body) { resign(i, body, q); }
  void resign(std::size_t i, const Bytes& body, const Digest& base_hash) {
    auto e = record::Entry::decode(entries[i]);
    entries[i] = record::Entry::make(e->type, base_hash, body, *keys.at(e->author)).encode();
  }
  // Re-signs entry i with another author's key.
  void resign_as(std::size_t i, const PublicKeyBytes& author) {
    auto e = record::Entry::decode(entries[i]);
    entries[i] = record::Entry::make(e->type, e->base_hash, e->body, *keys.at(author)).encode();
  }
  record::Entry entry(std::size_t i) const { return *record::Entry::decode(entries[i]); }
  // Index of the n-th (0-based) entry of a type.
  std::size_t find(record::EntryType type, std::size_t nth = 0) const {
    for (std::size_t i = 0; i < entries.size(); ++i) {
      if (entry(i).type == type && nth-- == 0) return i;
    }
    throw std::runtime_error("no such entry");
  }

  // Writes the record file; checkpoints first.
  void write(const std::filesystem::path& path) const {
    auto w = record::RecordWriter::create(path, {manifest.origin});
    for (const auto& c : checkpoints) (void)w->add_checkpoint(c);
    for (const auto& e : entries) (void)w->add_entry(e);
    (void)w->close();
  }
};

inline std::string source_path(const std::string& rel) {
  return std::string(TABELLA_SOURCE_DIR) + "/" + rel;
}

// The simulation's deterministic choices for ballot n: in each contest between its minimum and
// maximum marks, walking the choices with a stride that differs per ballot. tabella-loadgen casts
// the same choices.
inline election::PlaintextBallot sim_choices(const election::Manifest& manifest, std::uint32_t n) {
  election::PlaintextBallot pb;
  for (std::size_t c = 0; c < manifest.contests.size(); ++c) {
    const auto& contest = manifest.contests[c];
    election::ContestMarks marks{contest.id, {}};
    std::uint32_t want =
        contest.min + static_cast<std::uint32_t>((n + c) % (contest.max - contest.min + 1));
    for (std::uint32_t j = 0; j < want; ++j) {
      marks.choice_ids.push_back(contest.choices[(n * 7 + c + j) % contest.choices.size()].id);
    }
    pb.contests.push_back(marks);
  }
  return pb;
}

inline SimElection simulate_election(const SimOptions& o) {
  using namespace record;
  SeededRng rng(o.seed);
  auto m = election::load_manifest_file(source_path(o.manifest_file));
  if (!m.ok()) throw std::runtime_error(m.error().describe());
  // Up to polls-open: the one election builder (tabella/record/election_builder.h).
  auto built = ElectionBuilder::create(*m,
                                       {o.guardians, o.quorum, o.bad_share_from, o.bad_share_to,
                                        o.false_complaint_by, o.false_complaint_about},
                                       rng);
  if (!built.ok()) throw std::runtime_error(built.error().describe());
  std::vector<std::shared_ptr<const SigningKey>> kiosks;
  std::vector<Digest> heads;
  for (std::uint32_t i = 0; i < o.kiosks; ++i) {
    kiosks.push_back(built->new_kiosk(rng));
    heads.push_back(election::chain_seed(built->q(), kiosks.back()->verify_key().bytes()));
  }
  const std::vector<std::string> tokens = built->commit_tokens(o.ballots, rng);
  std::uint64_t clock = 1767225600;  // 2026-01-01
  built->open_polls(clock);

  SimElection sim;
  sim.manifest = built->manifest();
  const auto& manifest = sim.manifest;
  sim.q = built->q();
  const Digest q = sim.q;
  sim.keys = built->keys();
  const SigningKey& authority = *built->authority();
  sim.authority = authority.verify_key().bytes();
  sim.ledger_key = built->ledger_verifier_key();
  ledger::NoteSigner note_signer(manifest.origin, *built->ledger_key());
  for (std::uint32_t i = 1; i <= o.guardians; ++i) {
    sim.guardian_keys.push_back(built->guardians()[i - 1]->verify_key().bytes());
    SecretBytes encoded = built->guardian_secrets()[i - 1].encode();
    sim.guardian_secrets.emplace_back(encoded.view().begin(), encoded.view().end());
  }
  sim.guardian_shares = built->guardian_shares();
  sim.entries = built->entries();
  const auto& ctx = built->context();
  ledger::MemoryHashStore log;  // the tree of the entries so far (tree heads, checks 30, 32)
  for (const auto& e : sim.entries) log.append_entry(e);
  auto add = [&](EntryType type, Bytes body, const SigningKey& key) {
    sim.entries.push_back(Entry::make(type, q, std::move(body), key).encode());
    log.append_entry(sim.entries.back());
    return sha256(sim.entries.back());  // the entry hash
  };

  // Ballots: deterministic choices; challenged ones interleaved.
  sim.expected_counts.assign(manifest.contests.size(), {});
  for (std::size_t c = 0; c < manifest.contests.size(); ++c) {
    sim.expected_counts[c].assign(manifest.contests[c].choices.size(), 0);
  }
  std::vector<std::uint64_t> sequence(o.kiosks, 0);
  std::vector<std::uint64_t> kiosk_cast(o.kiosks, 0), kiosk_challenged(o.kiosks, 0);
  std::uint32_t cast = 0, challenged = 0;
  for (std::uint32_t n = 0; cast < o.ballots || challenged < o.challenged; ++n) {
    bool challenge = challenged < o.challenged && (n % 5 == 1 || cast == o.ballots);
    std::uint32_t kiosk = n % o.kiosks;
    const election::PlaintextBallot pb = sim_choices(manifest, n);
    auto enc = election::encrypt_ballot(ctx, pb, ++sequence[kiosk], heads[kiosk], rng);
    if (!enc.ok()) throw std::runtime_error(enc.error().describe());
    heads[kiosk] = election::ballot_code(q, kiosks[kiosk]->verify_key().bytes(), enc->first);
    if (challenge) {
      add(EntryType::kChallengedBallot, election::open_ballot(enc->first, enc->second).encode(),
          *kiosks[kiosk]);
      ++challenged;
      ++kiosk_challenged[kiosk];
    } else {
      add(EntryType::kCastBallot,
          CastBallotBody{enc->first, election::token_hash(q, tokens[cast])}.encode(),
          *kiosks[kiosk]);
      ++kiosk_cast[kiosk];
      for (std::size_t c = 0; c < enc->second.marks.size(); ++c) {
        for (std::size_t j = 0; j < enc->second.marks[c].size(); ++j) {
          sim.expected_counts[c][j] += enc->second.marks[c][j];
        }
      }
      ++cast;
    }
  }
  // polls-close: the tree head before it and every kiosk's chain head, by key (checks 30, 31).
  PollsCloseBody close{clock + 86400, "polls closed", {log.size(), log.root()}, {}};
  for (std::uint32_t i = 0; i < o.kiosks; ++i) {
    close.kiosks.push_back(
        {kiosks[i]->verify_key().bytes(), heads[i], kiosk_cast[i], kiosk_challenged[i]});
  }
  std::sort(close.kiosks.begin(), close.kiosks.end(),
            [](const KioskHead& a, const KioskHead& b) { return a.key < b.key; });
  const std::uint64_t close_index = log.size();
  const Digest close_hash = add(EntryType::kPollsClose, close.encode(), authority);

  if (o.finish) {
    // Tally over the cast ballots.
    election::TallyAccumulator acc(manifest);
    for (const auto& bytes : sim.entries) {
      auto e = Entry::decode(bytes);
      if (e->type == EntryType::kCastBallot) acc.add(CastBallotBody::decode(e->body)->ballot);
    }
    auto tally = acc.finish(sim.entries.size());
    tally.polls_close_index = close_index;
    tally.polls_close_hash = close_hash;
    tally.log_root = log.root();
    const Digest tally_hash = add(EntryType::kEncryptedTally, tally.encode(), authority);
    std::vector<PartialDecryptionBody> partials;
    std::map<std::uint32_t, Digest> partial_hashes;
    for (std::uint32_t l = 1; l <= o.guardians; ++l) {
      if (o.absent.count(l) != 0) continue;
      auto p = election::partial_decrypt(ctx, l, sim.guardian_shares[l - 1], tally, rng);
      if (!p.ok()) throw std::runtime_error(p.error().describe());
      p->tally_hash = tally_hash;
      partials.push_back(*p);
      partial_hashes[l] =
          add(EntryType::kPartialDecryption, p->encode(), *built->guardians()[l - 1]);
    }
    DlogTable dlog(std::max<std::uint64_t>(tally.cast_count, 1));
    auto result = election::combine_tally(ctx, tally, partials, dlog);
    if (!result.ok()) throw std::runtime_error(result.error().describe());
    result->tally_hash = tally_hash;
    for (auto g : result->guardians) result->partial_hashes.push_back(partial_hashes.at(g));
    add(EntryType::kResult, result->encode(), authority);
  }

  // Checkpoints of the empty log, after the first entry, at a third, two thirds and the end.
  ledger::MemoryHashStore tree;
  std::set<std::size_t> at = {1, sim.entries.size() / 3, 2 * sim.entries.size() / 3,
                              sim.entries.size()};
  auto sign_checkpoint = [&] {
    ledger::Checkpoint cp{manifest.origin, tree.size(), tree.root(), {}};
    std::string body = cp.body();
    sim.checkpoints.push_back(ledger::format_note(ledger::Note{body, {note_signer.sign(body)}}));
  };
  sign_checkpoint();
  for (std::size_t i = 0; i < sim.entries.size(); ++i) {
    tree.append_entry(sim.entries[i]);
    if (at.count(i + 1) != 0) sign_checkpoint();
  }
  return sim;
}

// The authority's and guardians' closing entries for a log that holds this election's entries in
// another order than the simulation's (ballots of several kiosks submitted concurrently): the
// polls-close, tally, partial decryptions and result bound to that log (checks 30..34), as
// tabella-admin and tabella-guardian would sign them over it. `log` ends before polls-close;
// only the first `count` of these entries are made (1: polls-close, 2: and the tally).
inline std::vector<Bytes> finish_over(const SimElection& sim, const std::vector<Bytes>& log,
                                      const std::set<std::uint32_t>& absent = {},
                                      std::size_t count = SIZE_MAX) {
  using namespace record;
  ElectionState state;
  auto apply = [&state](const Bytes& bytes) {
    auto c = precheck(bytes, state.snapshot());
    if (!c.ok()) throw std::runtime_error(c.error().describe());
    auto st = state.apply(*c);
    if (!st.ok()) throw std::runtime_error(st.error().describe());
  };
  for (const auto& bytes : log) apply(bytes);
  std::vector<Bytes> out;
  const SigningKey& authority = *sim.keys.at(sim.authority);
  auto add = [&](EntryType type, Bytes body, const SigningKey& key) {
    out.push_back(Entry::make(type, sim.q, std::move(body), key).encode());
    apply(out.back());
  };
  // Not before the polls opened (check 13): a live ledger's polls open at the time of the run.
  std::uint64_t close_time = 1767312000;
  for (const auto& bytes : log) {
    auto e = Entry::decode(bytes);
    if (e && e->type == EntryType::kPollsOpen) {
      close_time = std::max(close_time, PollsBody::decode(e->body)->time);
    }
  }
  add(EntryType::kPollsClose, state.polls_close_body(close_time, "polls closed").encode(),
      authority);
  if (count == 1) return out;
  add(EntryType::kEncryptedTally, state.tally_body().encode(), authority);
  if (count == 2) return out;
  SeededRng rng("finish-over");
  std::vector<PartialDecryptionBody> partials;
  for (std::uint32_t l = 1; l <= sim.manifest.guardians; ++l) {
    if (absent.count(l) != 0) continue;
    auto p = election::partial_decrypt(*state.context(), l, sim.guardian_shares[l - 1],
                                       *state.encrypted_tally(), rng);
    if (!p.ok()) throw std::runtime_error(p.error().describe());
    p->tally_hash = state.tally_hash();
    partials.push_back(*p);
    add(EntryType::kPartialDecryption, p->encode(), *sim.keys.at(sim.guardian_keys[l - 1]));
  }
  DlogTable dlog(std::max<std::uint64_t>(state.encrypted_tally()->cast_count, 1));
  auto result = election::combine_tally(*state.context(), *state.encrypted_tally(), partials, dlog);
  if (!result.ok()) throw std::runtime_error(result.error().describe());
  auto bound = state.bind_result(*result);
  if (!bound.ok()) throw std::runtime_error(bound.error().describe());
  add(EntryType::kResult, result->encode(), authority);
  return out;
}

}  // namespace tabella::testing
