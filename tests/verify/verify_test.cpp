// tabella-verify against generated elections: valid records verify, and every numbered check has
// a tampering that makes it fail, naming the entry.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <regex>

#include "support/election_sim.h"
#include "tabella/election/manifest.h"
#include "tabella/ledger/checkpoint.h"
#include "tabella/ledger/merkle.h"
#include "tabella/ledger/note.h"
#include "tabella/ledger/witness.h"
#include "tabella/record/state.h"
#include "verifier.h"

namespace tabella::verify {
namespace {

using record::EntryType;
using testing::SimElection;
using testing::SimOptions;

const SimElection& small_election() {
  static const SimElection sim = [] {
    SimOptions o;
    o.ballots = 12;
    o.challenged = 3;
    o.seed = "verify-small";
    return testing::simulate_election(o);
  }();
  return sim;
}

std::filesystem::path temp_record(const std::string& name) {
  auto dir =
      std::filesystem::temp_directory_path() / ("tabella-verify-test-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  return dir / (name + ".jsonl");
}

Report run(const SimElection& sim, const std::string& name, Options o = {}) {
  auto path = temp_record(name);
  sim.write(path);
  auto r = verify_record(path, o);
  EXPECT_TRUE(r.ok()) << r.error().describe();
  std::filesystem::remove(path);
  return r.ok() ? *r : Report{};
}

TEST(VerifyTest, ValidElectionVerifiesWithCorrectCounts) {
  const auto& sim = small_election();
  Report r = run(sim, "valid");
  ASSERT_TRUE(r.ok()) << format_report(r);
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.ballots_cast, 12u);
  EXPECT_EQ(r.ballots_challenged, 3u);
  EXPECT_EQ(r.checkpoints, 5u);  // sizes 0, 1, n/3, 2n/3, n
  for (const auto& c : r.checks) {
    // Check 23 applies only when the manifest names witnesses (WitnessCosignatureTest).
    if (c.number == 23 && sim.manifest.witness_quorum == 0) continue;
    EXPECT_GT(c.passed, 0u) << "check " << c.number << " " << c.name << " never ran";
    EXPECT_EQ(c.failed, 0u) << c.name;
  }
  // The report shows the counts the simulation expected.
  std::string text = format_report(r);
  EXPECT_NE(text.find("VERIFIED"), std::string::npos);
  const auto& m = sim.manifest;
  std::string first = "  " + m.contests[0].choices[0].label.in(m.languages[0]) + ": " +
                      std::to_string(sim.expected_counts[0][0]);
  EXPECT_NE(std::find(r.result_lines.begin(), r.result_lines.end(), first), r.result_lines.end())
      << text;
}

TEST(VerifyTest, OneThreadAndManyThreadsAgree) {
  Options one;
  one.threads = 1;
  Options four;
  four.threads = 4;
  Report a = run(small_election(), "t1", one);
  Report b = run(small_election(), "t4", four);
  EXPECT_TRUE(a.ok());
  EXPECT_TRUE(b.ok());
  EXPECT_EQ(a.result_lines, b.result_lines);
}

// A tampering and the check (and entry) it must be caught by.
struct Tamper {
  const char* name;
  int check;
  std::function<std::size_t(SimElection&)> apply;  // returns the entry index to be named
};

template <class Body>
Body body_of(const SimElection& s, std::size_t i) {
  return *Body::decode(s.entry(i).body);
}

std::vector<Tamper> tamperings() {
  using namespace record;
  return {
      {"garbage entry", 1,
       [](SimElection& s) {
         std::size_t i = s.find(EntryType::kCastBallot, 2);
         s.entries[i] = Bytes{1, 2, 3};
         return i;
       }},
      {"signature byte", 2,
       [](SimElection& s) {
         std::size_t i = s.find(EntryType::kCastBallot, 1);
         s.entries[i].back() ^= 1;
         return i;
       }},
      {"other election's Q", 3,
       [](SimElection& s) {
         std::size_t i = s.find(EntryType::kKioskEnrolment);
         Digest other = s.q;
         other[5] ^= 1;
         s.resign(i, s.entry(i).body, other);
         return i;
       }},
      {"non-canonical manifest", 4,
       [](SimElection& s) {
         auto b = body_of<ElectionBody>(s, 0);
         b.manifest_json = " " + b.manifest_json;
         s.resign(0, b.encode());
         return std::size_t{0};
       }},
      {"polls closed by a kiosk", 5,
       [](SimElection& s) {
         std::size_t i = s.find(EntryType::kPollsClose);
         s.resign_as(i, s.entry(s.find(EntryType::kCastBallot)).author);
         return i;
       }},
      {"guardian index out of range", 6,
       [](SimElection& s) {
         std::size_t i = s.find(EntryType::kGuardianEnrolment, 1);
         auto b = body_of<GuardianEnrolmentBody>(s, i);
         b.index = 99;
         s.resign(i, b.encode());
         return i;
       }},
      {"commitment proof", 7,
       [](SimElection& s) {
         std::size_t i = s.find(EntryType::kGuardianCommitments, 1);
         auto b = body_of<GuardianCommitmentsBody>(s, i);
         b.proofs[0].response = b.proofs[0].response + Scalar::from_u64(1);
         s.resign(i, b.encode());
         return i;
       }},
      {"a share missing", 8,
       [](SimElection& s) {
         std::size_t i = s.find(EntryType::kGuardianShares, 0);
         auto b = body_of<GuardianSharesBody>(s, i);
         b.shares.pop_back();
         s.resign(i, b.encode());
         return i;
       }},
      {"complaint never answered", 9,
       [](SimElection& s) {
         // Guardian 2 complains about guardian 1 instead of posting shares-verified; guardian 1
         // never reveals the share, so the key must not be accepted.
         std::size_t v = s.find(EntryType::kSharesVerified, 1);
         GuardianComplaintBody c{2, 1, "share does not match the commitments"};
         s.entries[v] = Entry::make(EntryType::kGuardianComplaint, s.q, c.encode(),
                                    *s.keys.at(s.entry(v).author))
                            .encode();
         return s.find(EntryType::kElectionKey);
       }},
      {"no shares-verified", 9,
       [](SimElection& s) {
         s.entries.erase(s.entries.begin() +
                         static_cast<std::ptrdiff_t>(s.find(EntryType::kSharesVerified, 2)));
         return s.find(EntryType::kElectionKey);
       }},
      {"revealed share fails its check", 9,
       [](SimElection& s) {
         // Guardian 2 complains about 1; 1 reveals a share that is not P_1(2): 1 is disqualified
         // and the key refused.
         std::size_t v = s.find(EntryType::kSharesVerified, 1);
         auto g2 = s.entry(v).author;
         auto g1 = s.entry(s.find(EntryType::kSharesVerified, 0)).author;
         GuardianComplaintBody c{2, 1, "share does not match the commitments"};
         ShareRevealBody r{1, 2, Scalar::from_u64(12345)};
         s.entries[v] =
             Entry::make(EntryType::kGuardianComplaint, s.q, c.encode(), *s.keys.at(g2)).encode();
         s.entries.insert(
             s.entries.begin() + static_cast<std::ptrdiff_t>(v + 1),
             Entry::make(EntryType::kShareReveal, s.q, r.encode(), *s.keys.at(g1)).encode());
         return s.find(EntryType::kElectionKey);
       }},
      {"reveal without a complaint", 9,
       [](SimElection& s) {
         std::size_t k = s.find(EntryType::kElectionKey);
         auto g1 = s.entry(s.find(EntryType::kSharesVerified, 0)).author;
         ShareRevealBody r{1, 2, Scalar::from_u64(7)};
         s.entries.insert(
             s.entries.begin() + static_cast<std::ptrdiff_t>(k),
             Entry::make(EntryType::kShareReveal, s.q, r.encode(), *s.keys.at(g1)).encode());
         return k;
       }},
      {"complaint after shares-verified", 9,
       [](SimElection& s) {
         std::size_t k = s.find(EntryType::kElectionKey);
         auto g2 = s.entry(s.find(EntryType::kSharesVerified, 1)).author;
         GuardianComplaintBody c{2, 1, "changed its mind"};
         s.entries.insert(
             s.entries.begin() + static_cast<std::ptrdiff_t>(k),
             Entry::make(EntryType::kGuardianComplaint, s.q, c.encode(), *s.keys.at(g2)).encode());
         return k;
       }},
      {"guardian enrolled with a kiosk's key", 6,
       [](SimElection& s) {
         // The kiosk is enrolled first; guardian 1 is then enrolled with the same key.
         std::size_t g = s.find(EntryType::kGuardianEnrolment, 0);
         std::size_t k = s.find(EntryType::kKioskEnrolment, 0);
         Bytes kiosk = s.entries[k];
         s.entries.erase(s.entries.begin() + static_cast<std::ptrdiff_t>(k));
         s.entries.insert(s.entries.begin() + static_cast<std::ptrdiff_t>(g), kiosk);
         auto b = body_of<GuardianEnrolmentBody>(s, g + 1);
         b.key = body_of<KioskEnrolmentBody>(s, g).key;
         s.resign(g + 1, b.encode());
         return g + 1;
       }},
      {"wrong joint key", 10,
       [](SimElection& s) {
         std::size_t i = s.find(EntryType::kElectionKey);
         auto b = body_of<ElectionKeyBody>(s, i);
         b.joint_key = b.joint_key + Point::generator();
         b.extended_hash = election::extended_base_hash(s.q, b.joint_key);
         s.resign(i, b.encode());
         return i;
       }},
      {"kiosk enrolled twice", 11,
       [](SimElection& s) {
         std::size_t i = s.find(EntryType::kKioskEnrolment);
         s.entries.insert(s.entries.begin() + static_cast<std::ptrdiff_t>(i + 1), s.entries[i]);
         return i + 1;
       }},
      {"kiosk enrolled with a guardian's key", 11,
       [](SimElection& s) {
         std::size_t k = s.find(EntryType::kKioskEnrolment, 0);
         auto b = body_of<KioskEnrolmentBody>(s, k);
         b.key = body_of<GuardianEnrolmentBody>(s, s.find(EntryType::kGuardianEnrolment, 1)).key;
         s.resign(k, b.encode());
         return k;
       }},
      {"kiosk revoked after polls close", 13,
       [](SimElection& s) {
         std::size_t c = s.find(EntryType::kPollsClose);
         KioskRevocationBody r{
             body_of<KioskEnrolmentBody>(s, s.find(EntryType::kKioskEnrolment)).key, "too late"};
         s.entries.insert(
             s.entries.begin() + static_cast<std::ptrdiff_t>(c + 1),
             Entry::make(EntryType::kKioskRevocation, s.q, r.encode(), *s.keys.at(s.authority))
                 .encode());
         return c + 1;
       }},
      {"tokens committed twice", 12,
       [](SimElection& s) {
         std::size_t i = s.find(EntryType::kTokenCommitments);
         s.entries.insert(s.entries.begin() + static_cast<std::ptrdiff_t>(i + 1), s.entries[i]);
         return i + 1;
       }},
      {"polls opened twice", 13,
       [](SimElection& s) {
         std::size_t i = s.find(EntryType::kPollsOpen);
         s.entries.insert(s.entries.begin() + static_cast<std::ptrdiff_t>(i + 1), s.entries[i]);
         return i + 1;
       }},
      {"ballot proof changed", 14,
       [](SimElection& s) {
         std::size_t i = s.find(EntryType::kCastBallot, 3);
         auto b = body_of<CastBallotBody>(s, i);
         auto& p = b.ballot.contests[1].selections[0].proof;
         p.responses[0] = p.responses[0] + Scalar::from_u64(1);
         s.resign(i, b.encode());
         return i;
       }},
      {"two proofs swapped", 14,
       [](SimElection& s) {
         std::size_t i = s.find(EntryType::kCastBallot, 4);
         auto b = body_of<CastBallotBody>(s, i);
         auto& sel = b.ballot.contests[1].selections;
         std::swap(sel[0].proof, sel[1].proof);
         s.resign(i, b.encode());
         return i;
       }},
      {"token reused", 15,
       [](SimElection& s) {
         std::size_t first = s.find(EntryType::kCastBallot, 0);
         std::size_t i = s.find(EntryType::kCastBallot, 5);
         auto b = body_of<CastBallotBody>(s, i);
         b.token_hash = body_of<CastBallotBody>(s, first).token_hash;
         s.resign(i, b.encode());
         return i;
       }},
      {"token never committed", 15,
       [](SimElection& s) {
         std::size_t i = s.find(EntryType::kCastBallot, 5);
         auto b = body_of<CastBallotBody>(s, i);
         b.token_hash[0] ^= 1;
         s.resign(i, b.encode());
         return i;
       }},
      {"token of another precinct", 15,
       [](SimElection& s) {
         // The tokens are committed for a precinct no kiosk is enrolled for: the first ballot
         // spends one at a kiosk of precinct-1.
         std::size_t t = s.find(EntryType::kTokenCommitments);
         auto b = body_of<record::TokenCommitmentsBody>(s, t);
         b.precinct = "precinct-2";
         s.resign(t, b.encode());
         return s.find(EntryType::kCastBallot);
       }},
      {"ballot dropped", 16,
       [](SimElection& s) {
         // The kiosk's next ballot no longer chains.
         std::size_t i = s.find(EntryType::kCastBallot, 2);
         auto author = s.entry(i).author;
         s.entries.erase(s.entries.begin() + static_cast<std::ptrdiff_t>(i));
         for (std::size_t j = i; j < s.entries.size(); ++j) {
           auto e = s.entry(j);
           if ((e.type == EntryType::kCastBallot || e.type == EntryType::kChallengedBallot) &&
               e.author == author) {
             return j;
           }
         }
         return s.entries.size();
       }},
      // The copy spends its token again: check 15 runs before 16 (docs/spec.md §11.1).
      {"ballot duplicated", 15,
       [](SimElection& s) {
         std::size_t i = s.find(EntryType::kCastBallot, 2);
         s.entries.insert(s.entries.begin() + static_cast<std::ptrdiff_t>(i + 1), s.entries[i]);
         return i + 1;
       }},
      {"ballots reordered", 16,
       [](SimElection& s) {
         // Two ballots of the same kiosk in swapped order.
         std::size_t a = s.find(EntryType::kCastBallot, 0);
         auto author = s.entry(a).author;
         std::size_t b = a + 1;
         while (s.entry(b).author != author) ++b;
         std::swap(s.entries[a], s.entries[b]);
         return a;
       }},
      {"challenged ballot opened wrongly", 17,
       [](SimElection& s) {
         std::size_t i = s.find(EntryType::kChallengedBallot);
         auto b = body_of<ChallengedBallotBody>(s, i);
         b.nonces[0][0] = b.nonces[0][0] + Scalar::from_u64(1);
         s.resign(i, b.encode());
         return i;
       }},
      {"tally ciphertexts swapped", 18,
       [](SimElection& s) {
         std::size_t i = s.find(EntryType::kEncryptedTally);
         auto b = body_of<EncryptedTallyBody>(s, i);
         std::swap(b.contests[0][0], b.contests[0][1]);
         s.resign(i, b.encode());
         return i;
       }},
      {"decryption proof", 19,
       [](SimElection& s) {
         std::size_t i = s.find(EntryType::kPartialDecryption);
         auto b = body_of<PartialDecryptionBody>(s, i);
         b.contests[0][0].proof.response = b.contests[0][0].proof.response + Scalar::from_u64(1);
         s.resign(i, b.encode());
         return i;
       }},
      {"count changed", 20,
       [](SimElection& s) {
         std::size_t i = s.find(EntryType::kResult);
         auto b = body_of<ResultBody>(s, i);
         b.counts[0][0] += 1;
         s.resign(i, b.encode());
         return i;
       }},
      // ---- One check per fault, and the order of one entry's checks (docs/spec.md §11.1). ----
      {"range-proof scalar not below n", 1,
       [](SimElection& s) {
         // The first response of contest 0's first selection proof: u64 seq, prev (32), u32 C,
         // u32 S, ciphertext (66), u32 proof length, lo and hi (16), c_0 (32), then v_0.
         std::size_t i = s.find(EntryType::kCastBallot, 1);
         Bytes body = s.entry(i).body;
         std::fill_n(body.begin() + 8 + 32 + 4 + 4 + 66 + 4 + 16 + 32, 32, 0xff);
         s.resign(i, body);
         return i;
       }},
      {"share addressed to guardian 0", 1,
       [](SimElection& s) {
         // u32 index, u32 count, then field(share): u32 length, u32 sender, u32 recipient.
         std::size_t i = s.find(EntryType::kGuardianShares, 1);
         Bytes body = s.entry(i).body;
         std::fill_n(body.begin() + 4 + 4 + 4 + 4, 4, 0);
         s.resign(i, body);
         return i;
       }},
      {"body malformed and signature wrong", 1,
       [](SimElection& s) {
         // Check 1 (the whole layout) runs before check 2.
         std::size_t i = s.find(EntryType::kKioskEnrolment);
         auto e = s.entry(i);
         e.body.push_back(0);  // a trailing byte; the old signature no longer verifies
         s.entries[i] = e.encode();
         return i;
       }},
      {"title of 257 bytes", 4,
       [](SimElection& s) {
         auto b = body_of<ElectionBody>(s, 0);
         auto j = nlohmann::json::parse(b.manifest_json);
         j["title"][s.manifest.languages[0]] = std::string(257, 'T');
         b.manifest_json = j.dump();
         s.resign(0, b.encode());
         return std::size_t{0};
       }},
      {"no ledger key", 4,
       [](SimElection& s) {
         auto b = body_of<ElectionBody>(s, 0);
         b.ledger_key.clear();
         s.resign(0, b.encode());
         return std::size_t{0};
       }},
      {"ledger key named by another origin", 4,
       [](SimElection& s) {
         auto b = body_of<ElectionBody>(s, 0);
         b.ledger_key =
             ledger::NoteSigner("another.example/log", SigningKey::generate()).verifier_key();
         s.resign(0, b.encode());
         return std::size_t{0};
       }},
      {"record starting with a kiosk enrolment", 4,
       [](SimElection& s) {
         std::size_t k = s.find(EntryType::kKioskEnrolment);
         std::swap(s.entries[0], s.entries[k]);
         return std::size_t{0};
       }},
      {"second election entry", 4,
       [](SimElection& s) {
         std::size_t i = s.find(EntryType::kPollsOpen);
         s.entries.insert(s.entries.begin() + static_cast<std::ptrdiff_t>(i), s.entries[0]);
         return i;
       }},
      {"wrong Q and a bad ballot proof", 3,
       [](SimElection& s) {
         // Check 3 runs before the proofs (14), wherever they were computed.
         std::size_t i = s.find(EntryType::kCastBallot, 3);
         auto b = body_of<CastBallotBody>(s, i);
         auto& p = b.ballot.contests[0].selections[0].proof;
         p.responses[0] = p.responses[0] + Scalar::from_u64(1);
         Digest other = s.q;
         other[0] ^= 1;
         s.resign(i, b.encode(), other);
         return i;
       }},
      {"bad ballot proof signed by the authority", 5,
       [](SimElection& s) {
         // Check 5 runs before the proofs (14).
         std::size_t i = s.find(EntryType::kCastBallot, 3);
         auto b = body_of<CastBallotBody>(s, i);
         auto& p = b.ballot.contests[0].selections[0].proof;
         p.responses[0] = p.responses[0] + Scalar::from_u64(1);
         s.resign(i, b.encode());
         s.resign_as(i, s.authority);
         return i;
       }},
      {"guardian enrolled after the key", 13,
       [](SimElection& s) {
         std::size_t g = s.find(EntryType::kGuardianEnrolment, 0);
         std::size_t k = s.find(EntryType::kElectionKey);
         auto b = body_of<GuardianEnrolmentBody>(s, g);
         b.index = 99;  // also out of range: check 13 (phase) runs before check 6
         Bytes e =
             Entry::make(EntryType::kGuardianEnrolment, s.q, b.encode(), *s.keys.at(s.authority))
                 .encode();
         s.entries.insert(s.entries.begin() + static_cast<std::ptrdiff_t>(k + 1), e);
         return k + 1;
       }},
      {"tokens committed after polls close", 13,
       [](SimElection& s) {
         std::size_t c = s.find(EntryType::kPollsClose);
         TokenCommitmentsBody t{"late", {Digest{}}};
         t.token_hashes[0][0] = 7;
         s.entries.insert(
             s.entries.begin() + static_cast<std::ptrdiff_t>(c + 1),
             Entry::make(EntryType::kTokenCommitments, s.q, t.encode(), *s.keys.at(s.authority))
                 .encode());
         return c + 1;
       }},
      {"tally before polls close", 13,
       [](SimElection& s) {
         std::size_t c = s.find(EntryType::kPollsClose);
         std::size_t t = s.find(EntryType::kEncryptedTally);
         s.entries.insert(s.entries.begin() + static_cast<std::ptrdiff_t>(c), s.entries[t]);
         return c;
       }},
      {"complaint after the election key", 13,
       [](SimElection& s) {
         std::size_t k = s.find(EntryType::kElectionKey);
         auto g2 = s.entry(s.find(EntryType::kSharesVerified, 1)).author;
         GuardianComplaintBody c{2, 1, "too late"};
         s.entries.insert(
             s.entries.begin() + static_cast<std::ptrdiff_t>(k + 1),
             Entry::make(EntryType::kGuardianComplaint, s.q, c.encode(), *s.keys.at(g2)).encode());
         return k + 1;
       }},
      {"polls close before they open", 13,
       [](SimElection& s) {
         std::size_t i = s.find(EntryType::kPollsClose);
         auto b = body_of<PollsCloseBody>(s, i);
         b.time = body_of<PollsBody>(s, s.find(EntryType::kPollsOpen)).time - 1;
         s.resign(i, b.encode());
         return i;
       }},
      {"polls open after the year 9999", 13,
       [](SimElection& s) {
         std::size_t i = s.find(EntryType::kPollsOpen);
         auto b = body_of<PollsBody>(s, i);
         b.time = 253402300800;
         s.resign(i, b.encode());
         return i;
       }},
      {"complaint accusing guardian 0", 9,
       [](SimElection& s) {
         std::size_t v = s.find(EntryType::kSharesVerified, 1);
         GuardianComplaintBody c{2, 0, "no such guardian"};
         s.entries[v] = Entry::make(EntryType::kGuardianComplaint, s.q, c.encode(),
                                    *s.keys.at(s.entry(v).author))
                            .encode();
         return v;
       }},
      {"complaint accusing its own author", 9,
       [](SimElection& s) {
         std::size_t v = s.find(EntryType::kSharesVerified, 1);
         GuardianComplaintBody c{2, 2, "itself"};
         s.entries[v] = Entry::make(EntryType::kGuardianComplaint, s.q, c.encode(),
                                    *s.keys.at(s.entry(v).author))
                            .encode();
         return v;
       }},
      {"challenged ballot repeated with a wrong opening", 16,
       [](SimElection& s) {
         // Check 16 (the copy's sequence number repeats) runs before check 17 (its opening).
         std::size_t i = s.find(EntryType::kChallengedBallot);
         auto b = body_of<ChallengedBallotBody>(s, i);
         b.nonces[0][0] = b.nonces[0][0] + Scalar::from_u64(1);
         Bytes copy = Entry::make(EntryType::kChallengedBallot, s.q, b.encode(),
                                  *s.keys.at(s.entry(i).author))
                          .encode();
         s.entries.insert(s.entries.begin() + static_cast<std::ptrdiff_t>(i + 1), copy);
         return i + 1;
       }},
      {"tally with wrong sums and a wrong root", 18,
       [](SimElection& s) {
         std::size_t i = s.find(EntryType::kEncryptedTally);
         auto b = body_of<EncryptedTallyBody>(s, i);
         std::swap(b.contests[0][0], b.contests[0][1]);
         b.log_root[0] ^= 1;
         s.resign(i, b.encode());
         return i;
       }},
      {"partial decryption with a bad proof naming another tally", 19,
       [](SimElection& s) {
         std::size_t i = s.find(EntryType::kPartialDecryption);
         auto b = body_of<PartialDecryptionBody>(s, i);
         b.contests[0][0].proof.response = b.contests[0][0].proof.response + Scalar::from_u64(1);
         b.tally_hash[0] ^= 1;
         s.resign(i, b.encode());
         return i;
       }},
      {"polls-close names a wrong root", 30,
       [](SimElection& s) {
         std::size_t i = s.find(EntryType::kPollsClose);
         auto b = body_of<PollsCloseBody>(s, i);
         b.log.root[0] ^= 1;
         s.resign(i, b.encode());
         return i;
       }},
      {"polls-close names a shorter log", 30,
       [](SimElection& s) {
         std::size_t i = s.find(EntryType::kPollsClose);
         auto b = body_of<PollsCloseBody>(s, i);
         b.log.size -= 1;
         s.resign(i, b.encode());
         return i;
       }},
      // The operator drops every kiosk's last ballot from the record it publishes; the chains
      // still hold (each kiosk's earlier ballots are intact) but polls-close, signed over the
      // full log, no longer matches the log before it.
      {"each kiosk's last ballot dropped", 30,
       [](SimElection& s) {
         std::size_t close = s.find(EntryType::kPollsClose);
         std::set<PublicKeyBytes> seen;
         for (std::size_t i = close; i-- > 0;) {
           auto t = s.entry(i).type;
           if (t != EntryType::kCastBallot && t != EntryType::kChallengedBallot) continue;
           if (seen.insert(s.entry(i).author).second) {
             s.entries.erase(s.entries.begin() + static_cast<std::ptrdiff_t>(i));
             --close;
           }
         }
         return close;
       }},
      {"polls-close understates a kiosk's ballots", 31,
       [](SimElection& s) {
         std::size_t i = s.find(EntryType::kPollsClose);
         auto b = body_of<PollsCloseBody>(s, i);
         b.kiosks[1].cast -= 1;
         s.resign(i, b.encode());
         return i;
       }},
      {"polls-close names a kiosk's earlier chain head", 31,
       [](SimElection& s) {
         std::size_t i = s.find(EntryType::kPollsClose);
         auto b = body_of<PollsCloseBody>(s, i);
         b.kiosks[0].chain_head[3] ^= 1;
         s.resign(i, b.encode());
         return i;
       }},
      {"polls-close leaves out a kiosk", 31,
       [](SimElection& s) {
         std::size_t i = s.find(EntryType::kPollsClose);
         auto b = body_of<PollsCloseBody>(s, i);
         b.kiosks.pop_back();
         s.resign(i, b.encode());
         return i;
       }},
      {"tally names another polls-close", 32,
       [](SimElection& s) {
         std::size_t i = s.find(EntryType::kEncryptedTally);
         auto b = body_of<EncryptedTallyBody>(s, i);
         b.polls_close_hash[0] ^= 1;
         s.resign(i, b.encode());
         return i;
       }},
      {"tally names a wrong root", 32,
       [](SimElection& s) {
         std::size_t i = s.find(EntryType::kEncryptedTally);
         auto b = body_of<EncryptedTallyBody>(s, i);
         b.log_root[31] ^= 1;
         s.resign(i, b.encode());
         return i;
       }},
      {"partial decryption names another tally", 33,
       [](SimElection& s) {
         std::size_t i = s.find(EntryType::kPartialDecryption, 1);
         auto b = body_of<PartialDecryptionBody>(s, i);
         b.tally_hash[0] ^= 1;
         s.resign(i, b.encode());
         return i;
       }},
      {"result names another tally", 34,
       [](SimElection& s) {
         std::size_t i = s.find(EntryType::kResult);
         auto b = body_of<ResultBody>(s, i);
         b.tally_hash[0] ^= 1;
         s.resign(i, b.encode());
         return i;
       }},
      {"result names another partial decryption", 34,
       [](SimElection& s) {
         std::size_t i = s.find(EntryType::kResult);
         auto b = body_of<ResultBody>(s, i);
         b.partial_hashes[1][0] ^= 1;
         s.resign(i, b.encode());
         return i;
       }},
  };
}

class TamperTest : public ::testing::TestWithParam<Tamper> {};

TEST_P(TamperTest, IsCaughtByItsCheckAndNamesTheEntry) {
  const Tamper& t = GetParam();
  SimElection sim = testing::simulate_election([] {
    SimOptions o;
    o.ballots = 12;
    o.challenged = 3;
    o.seed = "verify-small";
    return o;
  }());
  std::size_t index = t.apply(sim);
  sim.checkpoints.clear();  // checkpoints would flag the change as well; see CheckpointTest
  Report r = run(sim, "tamper");
  ASSERT_FALSE(r.ok()) << t.name << ":\n" << format_report(r);
  const Failure& f = r.failures.front();
  EXPECT_EQ(f.check, t.check) << t.name << ": " << f.why;
  EXPECT_EQ(f.index, index) << t.name << ": " << f.why;
}

INSTANTIATE_TEST_SUITE_P(AllChecks, TamperTest, ::testing::ValuesIn(tamperings()),
                         [](const auto& test_info) {
                           std::string n = test_info.param.name;
                           for (auto& ch : n) {
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           }
                           return n;
                         });

// ---- The record file's lines (docs/spec.md §12.1): what a malformed line means. ----

// A change to the record file's text and its verdict: check 0 means the file cannot be read
// (tabella-verify exits 2, the error naming the line), any other number the first failing check.
struct LineTamper {
  const char* name;
  int check;
  const char* error;  // check 0: a part of the read error
  std::function<void(std::vector<std::string>& lines, std::size_t first_entry)> apply;
};

std::vector<LineTamper> line_tamperings() {
  static const auto replace = [](std::string& line, const std::string& from,
                                 const std::string& to) {
    auto at = line.find(from);
    if (at == std::string::npos) throw std::runtime_error("no " + from + " in " + line);
    line.replace(at, from.size(), to);
  };
  return {
      {"duplicate entry member", 0, "member \"entry\" appears twice",
       [](std::vector<std::string>& l, std::size_t e) {
         auto other = nlohmann::json::parse(l[e + 4]);
         // A reader keeping the first member would see entry 3, one keeping the last entry 4.
         l[e + 3].pop_back();
         l[e + 3] += ",\"entry\":" + other["entry"].dump() + "}";
       }},
      {"unknown member in an entry line", 0, "unknown member \"note\"",
       [](std::vector<std::string>& l, std::size_t e) {
         replace(l[e + 2], "{", "{\"note\":\"x\",");
       }},
      {"unknown member in the header", 0, "unknown member \"version\"",
       [](std::vector<std::string>& l, std::size_t) { replace(l[0], "{", "{\"version\":1,"); }},
      {"header without origin", 0, "member \"origin\" is missing",
       [](std::vector<std::string>& l, std::size_t) { l[0] = R"({"format":"tabella-record/1"})"; }},
      {"header naming another origin", 4, "",
       [](std::vector<std::string>& l, std::size_t) {
         l[0] = R"({"format":"tabella-record/1","origin":"another.example/log"})";
       }},
      {"index written 23.0", 0, "\"index\" must be a non-negative integer",
       [](std::vector<std::string>& l, std::size_t e) {
         replace(l[e + 23], "\"index\":23", "\"index\":23.0");
       }},
      {"index written -0", 0, "\"index\" must be a non-negative integer",
       [](std::vector<std::string>& l, std::size_t e) {
         replace(l[e], "\"index\":0", "\"index\":-0");
       }},
      {"index gap", 27, "",
       [](std::vector<std::string>& l, std::size_t e) {
         l.erase(l.begin() + static_cast<std::ptrdiff_t>(e + 5));
       }},
      {"type disagreeing with the entry", 0, "but the entry's own type is",
       [](std::vector<std::string>& l, std::size_t e) {
         replace(l[e], "\"type\":\"election\"", "\"type\":\"result\"");
       }},
      {"checkpoint after the entries", 0, "checkpoint after the first entry",
       [](std::vector<std::string>& l, std::size_t e) { l.push_back(l[e - 1]); }},
      {"entry not base64", 0, "invalid base64",
       [](std::vector<std::string>& l, std::size_t e) {
         auto j = nlohmann::json::parse(l[e + 1]);
         std::string b64 = j["entry"];
         j["entry"] = "*" + b64.substr(1);  // same length, one character outside the alphabet
         l[e + 1] = j.dump();
       }},
      {"entry with non-canonical base64 padding bits", 0, "non-canonical base64",
       [](std::vector<std::string>& l, std::size_t e) {
         for (std::size_t i = e;; ++i) {
           auto j = nlohmann::json::parse(l[i]);
           std::string b64 = j["entry"];
           if (b64.size() < 2 || b64[b64.size() - 1] != '=' || b64[b64.size() - 2] == '=') {
             continue;  // one '=': the last character's low 2 bits are padding
           }
           char& c = b64[b64.size() - 2];
           c = static_cast<char>(c == 'A' ? 'B' : c == 'a' ? 'b' : c + 1);
           j["entry"] = b64;
           l[i] = j.dump();
           return;
         }
       }},
      {"entry line without type", 0, "member \"type\" is missing",
       [](std::vector<std::string>& l, std::size_t e) {
         auto j = nlohmann::json::parse(l[e + 1]);
         j.erase("type");
         l[e + 1] = j.dump();
       }},
      {"a line that is not JSON", 0, "not a JSON object",
       [](std::vector<std::string>& l, std::size_t e) { l[e + 2].resize(l[e + 2].size() / 2); }},
  };
}

class LineTamperTest : public ::testing::TestWithParam<LineTamper> {};

TEST_P(LineTamperTest, IsJudgedAsTheSpecSays) {
  const LineTamper& t = GetParam();
  const SimElection& sim = small_election();
  auto path = temp_record("line-tamper");
  sim.write(path);
  std::vector<std::string> lines;
  {
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
  }
  t.apply(lines, 1 + sim.checkpoints.size());
  {
    std::ofstream out(path, std::ios::trunc);
    for (const auto& line : lines) out << line << "\n";
  }
  auto r = verify_record(path, {});
  if (t.check == 0) {
    ASSERT_FALSE(r.ok()) << t.name << ": read, expected a read error";
    EXPECT_NE(r.error().describe().find(t.error), std::string::npos) << r.error().describe();
    EXPECT_EQ(r.error().field.rfind("line ", 0), 0u) << r.error().describe();
    std::string bin = TABELLA_VERIFY_BIN;
    int st = std::system((bin + " -q " + path.string() + " > /dev/null 2>&1").c_str());
    EXPECT_EQ(WEXITSTATUS(st), 2) << t.name;
  } else {
    ASSERT_TRUE(r.ok()) << t.name << ": " << r.error().describe();
    ASSERT_FALSE(r->ok()) << t.name;
    EXPECT_EQ(r->failures.front().check, t.check) << t.name << ":\n" << format_report(*r);
  }
  std::filesystem::remove(path);
}

INSTANTIATE_TEST_SUITE_P(RecordLines, LineTamperTest, ::testing::ValuesIn(line_tamperings()),
                         [](const auto& test_info) {
                           std::string n = test_info.param.name;
                           for (auto& ch : n) {
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           }
                           return n;
                         });

// Empty lines after the header are ignored; JSON whitespace around and inside a line is allowed.
TEST(RecordLinesTest, EmptyLinesAndSpacesAreAccepted) {
  const SimElection& sim = small_election();
  auto path = temp_record("line-spaces");
  sim.write(path);
  std::vector<std::string> lines;
  {
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
  }
  {
    std::ofstream out(path, std::ios::trunc);
    for (const auto& line : lines) {
      out << " " << line << " \n\n";
    }
  }
  auto r = verify_record(path, {});
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_TRUE(r->ok()) << format_report(*r);
  std::filesystem::remove(path);
}

TEST(VerifyTest, EveryCheckHasATamperingThatFailsIt) {
  std::set<int> covered;
  for (const auto& t : tamperings()) covered.insert(t.check);
  covered.insert(record::kCheckCheckpointSignatures);  // CheckpointTest below
  covered.insert(record::kCheckLogRoots);
  covered.insert(23);  // witness-cosignatures: WitnessCosignatureTest below
  // CompletenessTest below.
  covered.insert({record::kCheckFinalCheckpoint, record::kCheckFinalSignature,
                  record::kCheckRecordComplete, record::kCheckRecordSequence});
  covered.insert(35);  // pinned-identity: FabricatedElectionIsRefusedUnderExpectAuthority
  covered.insert(36);  // ledger-consistency: LedgerCheckpointOfAnotherHistoryFails (and
                       // tests/integration/verify_url_test.cpp against a real ledger)
  for (const auto& c : record::all_checks()) {
    EXPECT_TRUE(covered.count(c.number))
        << "no tampering test for check " << c.number << " " << c.name;
  }
}

// docs/spec.md §14 lists, per check, the records that fail it first: exactly the data-driven
// tamperings above (same name, same check) and named tests for the rest, every check at least
// once. The table and the tests cannot drift apart.
TEST(ConformanceTest, TheSpecListsEveryExample) {
  std::ifstream in(std::string(TABELLA_SOURCE_DIR) + "/docs/spec.md");
  ASSERT_TRUE(in) << "docs/spec.md";
  std::string line;
  bool inside = false;
  std::map<std::string, std::pair<int, std::string>> listed;  // name -> (check, test)
  const std::regex row(R"(^\| (\d+|exit 2) \| `([^`]+)` \| ([A-Za-z.]+) \|$)");
  while (std::getline(in, line)) {
    if (line.rfind("## ", 0) == 0) inside = line.rfind("## 14. Conformance examples", 0) == 0;
    std::smatch m;
    if (!inside || !std::regex_match(line, m, row)) continue;
    int check = m[1] == "exit 2" ? 0 : std::stoi(m[1]);
    EXPECT_TRUE(listed.emplace(m[2], std::make_pair(check, m[3])).second) << "twice: " << m[2];
  }
  ASSERT_FALSE(listed.empty()) << "no table in docs/spec.md §14";
  std::set<int> covered;
  auto expect_listed = [&](const std::string& name, int check, const std::string& test) {
    auto it = listed.find(name);
    if (it == listed.end()) {
      ADD_FAILURE() << "docs/spec.md §14 does not list the " << test << " example \"" << name
                    << "\" (check " << check << ")";
      return;
    }
    EXPECT_EQ(it->second.first, check) << name;
    EXPECT_EQ(it->second.second, test) << name;
    listed.erase(it);
    covered.insert(check);
  };
  for (const auto& t : tamperings()) expect_listed(t.name, t.check, "TamperTest");
  for (const auto& t : line_tamperings()) expect_listed(t.name, t.check, "LineTamperTest");
  // The rest name an existing test of this file.
  std::set<std::string> tests;
  const auto* unit = ::testing::UnitTest::GetInstance();
  for (int i = 0; i < unit->total_test_suite_count(); ++i) {
    const auto* suite = unit->GetTestSuite(i);
    for (int j = 0; j < suite->total_test_count(); ++j) {
      tests.insert(std::string(suite->name()) + "." + suite->GetTestInfo(j)->name());
    }
  }
  for (const auto& [name, check_test] : listed) {
    EXPECT_TRUE(tests.count(check_test.second)) << name << ": no test " << check_test.second;
    covered.insert(check_test.first);
  }
  for (const auto& c : record::all_checks()) {
    EXPECT_TRUE(covered.count(c.number))
        << "docs/spec.md §14 has no example for check " << c.number;
  }
}

// The report starts with the election's identity, as the authority published it.
TEST(VerifyTest, ReportShowsTheElectionsIdentity) {
  const SimElection& sim = small_election();
  Report r = run(sim, "identity");
  ASSERT_TRUE(r.ok()) << format_report(r);
  auto key = VerifyKey::from_bytes(sim.authority);
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(r.identity.q, to_hex(sim.q));
  EXPECT_EQ(r.identity.manifest_hash, to_hex(election::manifest_hash(sim.manifest)));
  EXPECT_EQ(r.identity.authority_key, to_hex(sim.authority));
  EXPECT_EQ(r.identity.authority_fingerprint, key->fingerprint());
  EXPECT_EQ(r.identity.ledger_key, sim.ledger_key);
  ASSERT_TRUE(r.identity.checkpoint_size.has_value());
  EXPECT_EQ(*r.identity.checkpoint_size, sim.entries.size());
  ledger::MemoryHashStore tree;
  for (const auto& e : sim.entries) tree.append_entry(e);
  EXPECT_EQ(r.identity.checkpoint_root, to_hex(tree.root()));
  std::string text = format_report(r);
  EXPECT_LT(text.find(to_hex(sim.q)), text.find("Record:")) << text;
  EXPECT_NE(text.find(key->fingerprint()), std::string::npos) << text;
  EXPECT_NE(text.find("final checkpoint: size " + std::to_string(sim.entries.size())),
            std::string::npos)
      << text;
  auto j = nlohmann::json::parse(report_json(r));
  EXPECT_EQ(j["identity"]["q"], to_hex(sim.q));
  EXPECT_EQ(j["identity"]["authority_fingerprint"], key->fingerprint());
  EXPECT_EQ(j["identity"]["final_checkpoint"]["size"], sim.entries.size());
  // No pin: check 35 is not listed.
  for (const auto& c : r.checks) EXPECT_NE(c.number, 35);
}

// A record made from scratch for the same ballot definition, with its own authority, guardian,
// kiosk and ledger keys, verifies on its own; pinned to the real authority (or Q) it is refused.
TEST(VerifyTest, FabricatedElectionIsRefusedUnderExpectAuthority) {
  const SimElection& real = small_election();
  SimElection fake = testing::simulate_election([] {
    SimOptions o;
    o.ballots = 12;
    o.challenged = 3;
    o.seed = "someone-else";
    return o;
  }());
  ASSERT_EQ(real.manifest.election_id, fake.manifest.election_id);
  ASSERT_TRUE(run(fake, "fake").ok());
  const std::string fingerprint = VerifyKey::from_bytes(real.authority)->fingerprint();

  Options pinned;
  pinned.expect_authority = fingerprint;
  Report honest = run(real, "pinned-real", pinned);
  EXPECT_TRUE(honest.ok()) << format_report(honest);
  pinned.expect_authority = to_hex(real.authority);  // hex works too
  pinned.expect_q = to_hex(real.q);
  honest = run(real, "pinned-real-hex", pinned);
  EXPECT_TRUE(honest.ok()) << format_report(honest);
  bool listed = false;
  for (const auto& c : honest.checks) {
    if (c.number == 35) listed = c.passed == 1 && c.failed == 0;
  }
  EXPECT_TRUE(listed);

  pinned = Options{};
  pinned.expect_authority = fingerprint;
  Report r = run(fake, "pinned-fake", pinned);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failures.front().check, 35);
  EXPECT_EQ(r.failures.front().index, 0u);
  EXPECT_NE(r.failures.front().why.find(fingerprint), std::string::npos) << r.failures.front().why;
  pinned = Options{};
  pinned.expect_q = to_hex(real.q);
  r = run(fake, "pinned-fake-q", pinned);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failures.front().check, 35);

  // The program: exit 1 under the real authority's fingerprint, 0 under the fake's own.
  auto path = temp_record("fabricated");
  fake.write(path);
  std::string bin = TABELLA_VERIFY_BIN;
  int refused = std::system(
      (bin + " -q --expect-authority " + fingerprint + " " + path.string() + " > /dev/null")
          .c_str());
  EXPECT_EQ(WEXITSTATUS(refused), 1);
  int own = std::system((bin + " -q --expect-authority " + to_hex(fake.authority) + " " +
                         path.string() + " > /dev/null")
                            .c_str());
  EXPECT_EQ(WEXITSTATUS(own), 0);
  std::filesystem::remove(path);
}

// Check 36 on the engine: the ledger's checkpoint of the same history passes; a checkpoint signed
// by the same ledger key over another history of the same election (other ballots) fails, as
// does one that is not the election's ledger's.
TEST(VerifyTest, LedgerCheckpointOfAnotherHistoryFails) {
  const SimElection& real = small_election();
  const SimElection other = testing::simulate_election([] {
    SimOptions o;
    o.ballots = 13;
    o.challenged = 3;
    o.seed = "verify-small";  // same keys
    return o;
  }());
  ASSERT_EQ(other.ledger_key, real.ledger_key);
  ledger::MemoryHashStore other_tree;
  for (const auto& e : other.entries) other_tree.append_entry(e);
  auto other_proof = [&](std::uint64_t m, std::uint64_t n) {
    return ledger::consistency_proof(m, n, other_tree);
  };
  auto no_proof = [](std::uint64_t, std::uint64_t) -> Result<std::vector<ledger::Hash>> {
    return std::vector<ledger::Hash>{};
  };
  auto verdict = [](const Report& r) {
    for (const auto& c : r.checks) {
      if (c.number == 36) return std::make_pair(c.passed, c.failed);
    }
    return std::make_pair(std::uint64_t{0}, std::uint64_t{0});
  };

  Report honest = run(real, "ledger-honest");
  check_ledger_checkpoint(honest, real.checkpoints.back(), no_proof);
  EXPECT_TRUE(honest.ok()) << format_report(honest);
  EXPECT_EQ(verdict(honest), std::make_pair(std::uint64_t{1}, std::uint64_t{0}));

  Report forked = run(real, "ledger-fork");
  check_ledger_checkpoint(forked, other.checkpoints.back(), other_proof);
  ASSERT_FALSE(forked.ok());
  EXPECT_EQ(forked.failures.back().check, 36);
  EXPECT_NE(forked.failures.back().why.find("not one history"), std::string::npos)
      << forked.failures.back().why;

  Report stranger = run(real, "ledger-stranger");
  const SimElection fake = testing::simulate_election([] {
    SimOptions o;
    o.ballots = 2;
    o.challenged = 0;
    o.seed = "another-ledger";
    return o;
  }());
  check_ledger_checkpoint(stranger, fake.checkpoints.back(), no_proof);
  ASSERT_FALSE(stranger.ok());
  EXPECT_NE(stranger.failures.back().why.find("bad-ledger-signature"), std::string::npos)
      << stranger.failures.back().why;
}

TEST(VerifyTest, AChangedByteInAnyEntryTypeIsCaught) {
  SimElection base = small_election();
  std::set<EntryType> seen;
  for (std::size_t i = 0; i < base.entries.size(); ++i) {
    auto type = base.entry(i).type;
    if (!seen.insert(type).second) continue;
    SimElection s = base;
    s.entries[i][s.entries[i].size() / 2] ^= 0x20;
    Report r = run(s, "byte");
    ASSERT_FALSE(r.ok()) << record::entry_type_name(type);
    EXPECT_EQ(r.failures.front().index, i)
        << record::entry_type_name(type) << ": " << r.failures.front().why;
  }
  EXPECT_GE(seen.size(), 14u);
}

TEST(CheckpointTest, BadSignatureAndWrongRootAreCaught) {
  {
    SimElection s = small_election();
    s.checkpoints[0][s.checkpoints[0].size() - 5] ^= 1;  // inside the base64 signature
    Report r = run(s, "cpsig");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.failures.front().check, record::kCheckCheckpointSignatures)
        << r.failures.front().why;
  }
  {
    SimElection s = small_election();
    // An entry changed after the checkpoint was signed: its root no longer matches.
    std::size_t i = s.find(EntryType::kCastBallot, 0);
    s.entries.erase(s.entries.begin() + static_cast<std::ptrdiff_t>(i));
    Report r = run(s, "cproot");
    ASSERT_FALSE(r.ok());
    bool roots = false;
    for (const auto& f : r.failures) roots = roots || f.check == record::kCheckLogRoots;
    EXPECT_TRUE(roots) << format_report(r);
  }
  {
    SimElection s = small_election();
    // A checkpoint claiming more entries than the record holds.
    s.entries.pop_back();
    Report r = run(s, "cpshort");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.failures.back().check, record::kCheckLogRoots);
  }
}

// ---- Checks 24..27: a complete record proves its own completeness. ----

// Signs checkpoints of a simulated record with a test ledger key (the verifier is told the key
// with Options::ledger_key), so a test can cover any prefix it builds.
struct TestLedger {
  SigningKey key = SigningKey::generate();
  ledger::NoteSigner signer{"tabella.example/demo-general-2026", key};
  Options options() const {
    Options o;
    o.ledger_key = signer.verifier_key();
    return o;
  }
  std::string sign(const SimElection& s, std::size_t size,
                   const std::string& origin = "tabella.example/demo-general-2026") const {
    ledger::MemoryHashStore tree;
    for (std::size_t i = 0; i < size; ++i) tree.append_entry(s.entries[i]);
    ledger::Checkpoint cp{origin, tree.size(), tree.root(), {}};
    std::string body = cp.body();
    return ledger::format_note(ledger::Note{body, {signer.sign(body)}});
  }
  // Every checkpoint size of `s` re-signed by this ledger, keeping only sizes <= the record's.
  void resign_all(SimElection& s) const {
    std::vector<std::string> out;
    for (const auto& note : s.checkpoints) {
      auto n = ledger::parse_note(note);
      auto cp = ledger::Checkpoint::parse(n->text);
      if (cp->size <= s.entries.size()) out.push_back(sign(s, cp->size));
    }
    s.checkpoints = std::move(out);
  }
};

std::vector<int> failed_checks(const Report& r) {
  std::vector<int> out;
  for (const auto& c : r.checks) {
    if (c.failed != 0) out.push_back(c.number);
  }
  return out;
}

TEST(CompletenessTest, ARecordWithoutCheckpointsFails) {
  SimElection s = small_election();
  s.checkpoints.clear();
  Report r = run(s, "no-checkpoints");
  ASSERT_FALSE(r.ok()) << format_report(r);
  EXPECT_EQ(failed_checks(r), std::vector<int>{record::kCheckFinalCheckpoint}) << format_report(r);
  EXPECT_NE(r.failures.front().why.find("holds no checkpoint"), std::string::npos)
      << r.failures.front().why;
  // Not even an audit in progress accepts entries no signature covers.
  Options o;
  o.in_progress = true;
  EXPECT_FALSE(run(s, "no-checkpoints-ip", o).ok());
}

// The shipped demo's old export: the last entries (tally, decryptions, result) after the final
// checkpoint.
TEST(CompletenessTest, EntriesAfterTheFinalCheckpointFail) {
  SimElection s = small_election();
  s.checkpoints.pop_back();  // the checkpoint of the full size
  Report r = run(s, "uncovered-tail");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(failed_checks(r), std::vector<int>{record::kCheckFinalCheckpoint}) << format_report(r);
  EXPECT_NE(r.failures.front().why.find("are in no signed checkpoint"), std::string::npos)
      << r.failures.front().why;
}

TEST(CompletenessTest, ARecordCutBeforeTheTallyFails) {
  TestLedger ledger;
  SimElection full = small_election();
  const std::size_t tally = full.find(EntryType::kEncryptedTally);
  // Cut before the tally, keeping every checkpoint that still fits.
  SimElection cut = full;
  cut.entries.resize(tally);
  ledger.resign_all(cut);
  Report r = run(cut, "cut-fitting", ledger.options());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failures.front().check, record::kCheckFinalCheckpoint) << format_report(r);
  // ... and with a ledger-signed checkpoint of the cut size (every size is signed): only the
  // missing result gives it away.
  cut.checkpoints.push_back(ledger.sign(cut, tally));
  r = run(cut, "cut-covered", ledger.options());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(failed_checks(r), std::vector<int>{record::kCheckRecordComplete}) << format_report(r);
  EXPECT_EQ(r.failures.front().index, UINT64_MAX);
  EXPECT_NE(r.failures.front().why.find("ends before the result"), std::string::npos);
  // An audit during the election accepts a covered prefix...
  Options in_progress = ledger.options();
  in_progress.in_progress = true;
  r = run(cut, "cut-in-progress", in_progress);
  EXPECT_TRUE(r.ok()) << format_report(r);
  EXPECT_EQ(r.checks[record::kCheckRecordComplete - 1].passed, 0u);
  // ... but not one whose last entries no checkpoint covers.
  cut.checkpoints.pop_back();
  r = run(cut, "cut-in-progress-uncovered", in_progress);
  EXPECT_EQ(failed_checks(r), std::vector<int>{record::kCheckFinalCheckpoint}) << format_report(r);
  // Cut, keeping every checkpoint: the final one names the missing entries first.
  SimElection kept = full;
  kept.entries.resize(tally);
  r = run(kept, "cut-all-checkpoints");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failures.front().check, record::kCheckFinalCheckpoint) << format_report(r);
  EXPECT_NE(r.failures.front().why.find("missing from the record"), std::string::npos)
      << r.failures.front().why;
}

TEST(CompletenessTest, TheFinalCheckpointMustBeTheLedgers) {
  TestLedger other;
  SimElection s = small_election();
  // A covering checkpoint signed by someone else (verified with the election's ledger key).
  s.checkpoints.back() = other.sign(s, s.entries.size());
  Report r = run(s, "final-foreign");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(failed_checks(r),
            (std::vector<int>{record::kCheckCheckpointSignatures, record::kCheckFinalSignature}))
      << format_report(r);
  // The ledger's key, but another log's origin.
  SimElection t = small_election();
  other.resign_all(t);
  t.checkpoints.back() = other.sign(t, t.entries.size(), "tabella.example/another-log");
  r = run(t, "final-origin", other.options());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(failed_checks(r),
            (std::vector<int>{record::kCheckCheckpointSignatures, record::kCheckFinalSignature}))
      << format_report(r);
  // Re-signed by the key the auditor was told: it verifies.
  other.resign_all(t);
  EXPECT_TRUE(run(t, "final-resigned", other.options()).ok());
}

// A line removed from the middle of the record is a verification failure (check 27, exit 1),
// named first, not a file that cannot be read.
TEST(CompletenessTest, AMissingEntryIsNamedFirst) {
  SimElection s = small_election();
  const std::size_t gone = s.find(EntryType::kCastBallot, 2);
  auto path = temp_record("missing-entry");
  s.write(path);
  std::ifstream in(path);
  std::string text, line;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line);
    if (!j.contains("index") || j["index"] != gone) text += line + "\n";
  }
  in.close();
  std::ofstream(path, std::ios::trunc) << text;
  auto r = verify_record(path, {});
  ASSERT_TRUE(r.ok()) << r.error().describe();
  ASSERT_FALSE(r->ok());
  const Failure& f = r->failures.front();
  EXPECT_EQ(f.check, record::kCheckRecordSequence) << format_report(*r);
  EXPECT_EQ(f.index, gone);
  EXPECT_NE(f.why.find("entry " + std::to_string(gone) + " is missing"), std::string::npos)
      << f.why;
  // One gap, one check-27 failure: the lines after it are in sequence again.
  EXPECT_EQ(r->checks[record::kCheckRecordSequence - 1].failed, 1u) << format_report(*r);
  // The report lists the consequences after it.
  std::string text_report = format_report(*r);
  EXPECT_NE(text_report.find("Then:"), std::string::npos) << text_report;
  std::string bin = TABELLA_VERIFY_BIN;
  int st = std::system((bin + " -q " + path.string() + " > /dev/null 2>&1").c_str());
  EXPECT_EQ(WEXITSTATUS(st), 1);
  std::filesystem::remove(path);
}

// A flipped byte in a cast ballot is reported as that entry's signature failure, not as the
// log-root failure of the checkpoint signed right after it.
TEST(CompletenessTest, AFlippedByteIsReportedAtItsEntryBeforeTheCheckpoints) {
  TestLedger ledger;
  SimElection s = small_election();
  const std::size_t target = s.find(EntryType::kCastBallot, 1);
  ledger.resign_all(s);
  s.checkpoints.push_back(ledger.sign(s, target + 1));  // signed right after the ballot
  s.checkpoints.push_back(ledger.sign(s, s.entries.size()));
  ASSERT_TRUE(run(s, "flipped-before", ledger.options()).ok());
  s.entries[target].back() ^= 1;  // the last byte of its signature
  Report r = run(s, "flipped", ledger.options());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failures.front().check, record::kCheckSignature) << format_report(r);
  EXPECT_EQ(r.failures.front().index, target);
  ASSERT_GE(r.failures.size(), 2u);
  EXPECT_EQ(r.failures[1].check, record::kCheckLogRoots) << format_report(r);
  EXPECT_EQ(r.failures[1].index, target);
}

// An election whose manifest names two witnesses with quorum 2 (demo-general plus a
// "witnesses" block), and the witnesses' signers.
struct WitnessedElection {
  SigningKey key1 = SigningKey::generate();
  SigningKey key2 = SigningKey::generate();
  ledger::CosignatureSigner w1{"witness-one.test/w", key1};
  ledger::CosignatureSigner w2{"witness-two.test/w", key2};
  SimElection sim;
  std::filesystem::path manifest_file;
  explicit WitnessedElection(std::uint32_t ballots = 3) {
    std::ifstream in(std::string(TABELLA_SOURCE_DIR) + "/ballots/demo-general.json");
    nlohmann::json doc = nlohmann::json::parse(in);
    doc["witnesses"] = {{"quorum", 2},
                        {"members",
                         {{{"name", w1.name()}, {"key", w1.verifier_key()}},
                          {{"name", w2.name()}, {"key", w2.verifier_key()}}}}};
    manifest_file = temp_record("witness-manifest").replace_extension(".json");
    std::ofstream(manifest_file) << doc.dump(2);
    sim = simulate(ballots);
  }
  // Another election of the same manifest, authority and seed: it shares a prefix with `sim`
  // (up to the token commitments, whose count is the number of ballots).
  SimElection simulate(std::uint32_t ballots) const {
    SimOptions o;
    o.ballots = ballots;
    o.challenged = 1;
    o.seed = "verify-witness";
    o.manifest_file =
        std::filesystem::relative(manifest_file, std::filesystem::path(TABELLA_SOURCE_DIR))
            .string();
    return testing::simulate_election(o);
  }
  // Adds `signer`'s cosignature line to checkpoint i.
  void cosign(std::size_t i, const ledger::CosignatureSigner& signer) {
    cosign_note(sim.checkpoints[i], signer);
  }
  static void cosign_note(std::string& checkpoint, const ledger::CosignatureSigner& signer) {
    auto note = ledger::parse_note(checkpoint);
    ASSERT_TRUE(note.ok());
    auto line = ledger::format_signature_line(signer.sign(note->text, 1700000000));
    auto signed_note = ledger::add_signature_lines(checkpoint, line);
    ASSERT_TRUE(signed_note.ok()) << signed_note.error().describe();
    checkpoint = *signed_note;
  }
};

// One witness key listed under two names would let one witness meet a quorum of 2 alone: the
// election entry is refused (check 4).
TEST(WitnessCosignatureTest, AManifestListingOneKeyTwiceIsRefused) {
  SigningKey key = SigningKey::generate();
  ledger::CosignatureSigner a{"witness-a.test/w", key};
  ledger::CosignatureSigner b{"witness-b.test/w", key};
  std::ifstream in(std::string(TABELLA_SOURCE_DIR) + "/ballots/demo-general.json");
  nlohmann::json doc = nlohmann::json::parse(in);
  doc["witnesses"] = {{"quorum", 2},
                      {"members",
                       {{{"name", a.name()}, {"key", a.verifier_key()}},
                        {{"name", b.name()}, {"key", b.verifier_key()}}}}};
  auto file = temp_record("witness-twice-manifest").replace_extension(".json");
  std::ofstream(file) << doc.dump(2);
  SimOptions o;
  o.ballots = 2;
  o.challenged = 0;
  o.seed = "verify-witness-twice";
  o.manifest_file =
      std::filesystem::relative(file, std::filesystem::path(TABELLA_SOURCE_DIR)).string();
  SimElection sim = testing::simulate_election(o);
  Report r = run(sim, "witness-twice");
  ASSERT_FALSE(r.ok());
  const Failure& f = r.failures.front();
  EXPECT_EQ(f.check, 4) << f.why;
  EXPECT_EQ(f.index, 0u) << f.why;
  EXPECT_NE(f.why.find("same public key"), std::string::npos) << f.why;
}

// A witness key must be a cosignature/v1 verifier key of its listed name whose key id is the
// one computed from name and key (check 4); otherwise it could never count towards the quorum.
TEST(WitnessCosignatureTest, AWitnessKeyWithAWrongKeyIdIsRefused) {
  SigningKey witness_key = SigningKey::generate();
  ledger::CosignatureSigner w{"witness-a.test/w", witness_key};
  std::string key = w.verifier_key();  // name+<8 hex>+<base64>
  const auto plus = key.find('+');
  key[plus + 1] = key[plus + 1] == '0' ? '1' : '0';
  std::ifstream in(std::string(TABELLA_SOURCE_DIR) + "/ballots/demo-general.json");
  nlohmann::json doc = nlohmann::json::parse(in);
  doc["witnesses"] = {{"quorum", 1}, {"members", {{{"name", w.name()}, {"key", key}}}}};
  auto file = temp_record("witness-keyid-manifest").replace_extension(".json");
  std::ofstream(file) << doc.dump(2);
  SimOptions o;
  o.ballots = 2;
  o.challenged = 0;
  o.seed = "verify-witness-keyid";
  o.manifest_file =
      std::filesystem::relative(file, std::filesystem::path(TABELLA_SOURCE_DIR)).string();
  Report r = run(testing::simulate_election(o), "witness-keyid");
  ASSERT_FALSE(r.ok());
  const Failure& f = r.failures.front();
  EXPECT_EQ(f.check, 4) << f.why;
  EXPECT_EQ(f.index, 0u) << f.why;
  EXPECT_NE(f.why.find("key id"), std::string::npos) << f.why;
}

bool only_check_23_fails(const Report& r) {
  if (r.ok() || r.failures.empty()) return false;
  for (const auto& f : r.failures) {
    if (f.check != 23) return false;
  }
  return true;
}

TEST(WitnessCosignatureTest, LatestCheckpointNeedsAQuorumOfListedWitnesses) {
  WitnessedElection e;
  ASSERT_EQ(e.sim.manifest.witness_quorum, 2u);
  ASSERT_GE(e.sim.checkpoints.size(), 2u);
  const std::size_t last = e.sim.checkpoints.size() - 1;
  // No cosignatures at all.
  Report r = run(e.sim, "wit-none");
  EXPECT_TRUE(only_check_23_fails(r)) << format_report(r);
  // One of two: below the quorum.
  e.cosign(last, e.w1);
  r = run(e.sim, "wit-one");
  EXPECT_TRUE(only_check_23_fails(r)) << format_report(r);
  // A second line by the same witness does not count twice; an unlisted witness not at all.
  SigningKey other = SigningKey::generate();
  e.cosign(last, ledger::CosignatureSigner(e.w2.name(), other));
  r = run(e.sim, "wit-unlisted");
  EXPECT_TRUE(only_check_23_fails(r)) << format_report(r);
  e.cosign(last, e.w2);
  r = run(e.sim, "wit-quorum");
  EXPECT_TRUE(r.ok()) << format_report(r);
  EXPECT_EQ(r.checks[22].number, 23);
  EXPECT_EQ(r.checks[22].passed, 1u);
  EXPECT_EQ(r.checks[22].failed, 0u);
}

TEST(WitnessCosignatureTest, CosignaturesOnAnOlderCheckpointDoNotCount) {
  WitnessedElection e;
  ASSERT_GE(e.sim.checkpoints.size(), 2u);
  e.cosign(0, e.w1);
  e.cosign(0, e.w2);
  Report r = run(e.sim, "wit-older");
  EXPECT_TRUE(only_check_23_fails(r)) << format_report(r);
  // w2's line on the latest checkpoint signs another checkpoint's body: it does not count.
  const std::size_t last = e.sim.checkpoints.size() - 1;
  e.cosign(last, e.w1);
  auto older = ledger::parse_note(e.sim.checkpoints[0]);
  ASSERT_TRUE(older.ok());
  auto moved = ledger::add_signature_lines(
      e.sim.checkpoints[last], ledger::format_signature_line(e.w2.sign(older->text, 1700000000)));
  ASSERT_TRUE(moved.ok());
  SimElection copied = e.sim;
  copied.checkpoints[last] = *moved;
  r = run(copied, "wit-moved");
  EXPECT_TRUE(only_check_23_fails(r)) << format_report(r);
  // The same witness's line over the right body: the quorum is met.
  e.cosign(last, e.w2);
  EXPECT_TRUE(run(e.sim, "wit-last").ok());
}

// A witness line twice (same name and key id, another time) makes the final checkpoint a
// malformed note: check 21 refuses it and the witness is never counted twice (§11.2, check 23).
// The final checkpoint is then the one before, which leaves entries uncovered: check 24, the
// record's failure, is reported first (§11, "Reporting").
TEST(WitnessCosignatureTest, AWitnessCosigningTwiceMakesTheCheckpointMalformed) {
  WitnessedElection e;
  const std::size_t last = e.sim.checkpoints.size() - 1;
  e.cosign(last, e.w1);
  auto note = ledger::parse_note(e.sim.checkpoints[last]);
  ASSERT_TRUE(note.ok());
  // add_signature_lines skips a key already on the note: append the second line by hand.
  e.sim.checkpoints[last] += ledger::format_signature_line(e.w1.sign(note->text, 1700000001));
  Report r = run(e.sim, "wit-twice");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failures.front().check, record::kCheckFinalCheckpoint) << format_report(r);
  bool malformed = false;
  for (const auto& f : r.failures) {
    malformed =
        malformed || (f.check == record::kCheckCheckpointSignatures &&
                      f.why.find("checkpoint " + std::to_string(last)) != std::string::npos);
  }
  EXPECT_TRUE(malformed) << format_report(r);
}

// Two forks of one election share a prefix, and the witnesses cosigned only a checkpoint of that
// prefix (size 1). Each fork is complete and ledger-signed, yet neither verifies: cut down to
// the cosigned checkpoint its entries are not covered (check 24), and with its own final
// checkpoint that one lacks the quorum (check 23).
TEST(WitnessCosignatureTest, ForksCosignedOnlyOnTheirCommonPrefixFail) {
  WitnessedElection e(3);
  SimElection a = e.sim;
  SimElection b = e.simulate(4);
  ASSERT_EQ(a.entries[0], b.entries[0]);
  ASSERT_NE(a.entries.size(), b.entries.size());
  for (SimElection* fork : {&a, &b}) {
    SCOPED_TRACE(fork == &a ? "fork a" : "fork b");
    // Checkpoints: size 0, size 1 (the common prefix), ..., the fork's full size.
    auto size1 = ledger::Checkpoint::parse(ledger::parse_note(fork->checkpoints[1])->text);
    ASSERT_EQ(size1->size, 1u);
    WitnessedElection::cosign_note(fork->checkpoints[1], e.w1);
    WitnessedElection::cosign_note(fork->checkpoints[1], e.w2);
    // The operator publishes only the checkpoints the witnesses cosigned.
    SimElection shown = *fork;
    shown.checkpoints.resize(2);
    Report r = run(shown, "fork-cosigned-prefix");
    ASSERT_FALSE(r.ok()) << format_report(r);
    EXPECT_EQ(failed_checks(r), std::vector<int>{record::kCheckFinalCheckpoint})
        << format_report(r);
    // With every ledger-signed checkpoint: the final one is not cosigned.
    r = run(*fork, "fork-all");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(failed_checks(r), std::vector<int>{23}) << format_report(r);
    EXPECT_NE(r.failures.front().why.find("final checkpoint (size " +
                                          std::to_string(fork->entries.size()) + ")"),
              std::string::npos)
        << r.failures.front().why;
  }
}

// ---- Size limits (docs/spec.md §10.4). ----

// The formulas of §10.4 give the exact size of every entry the manifest shapes.
TEST(EntrySizeTest, FormulasMatchTheEncodings) {
  const SimElection& sim = small_election();
  const record::ManifestEntrySizes want = record::manifest_entry_sizes(sim.manifest);
  std::set<EntryType> seen;
  for (std::size_t i = 0; i < sim.entries.size(); ++i) {
    const std::size_t size = sim.entries[i].size();
    switch (sim.entry(i).type) {
      case EntryType::kCastBallot:
        EXPECT_EQ(size, want.cast_ballot);
        break;
      case EntryType::kChallengedBallot:
        EXPECT_EQ(size, want.challenged_ballot);
        break;
      case EntryType::kEncryptedTally:
        EXPECT_EQ(size, want.encrypted_tally);
        break;
      case EntryType::kPartialDecryption:
        EXPECT_EQ(size, want.partial_decryption);
        break;
      case EntryType::kResult: {
        auto b = body_of<record::ResultBody>(sim, i);
        EXPECT_EQ(size + (sim.manifest.guardians - b.guardians.size()) * 36, want.result);
        break;
      }
      default:
        continue;
    }
    seen.insert(sim.entry(i).type);
  }
  EXPECT_EQ(seen.size(), 5u);
}

// Four approval contests of 80 choices (at most 64 marks each) make a valid manifest, but no
// ballot for it fits in an entry: the election entry is refused (check 4), with the reason.
TEST(EntrySizeTest, AManifestWhoseBallotsCannotFitIsRefused) {
  std::ifstream in(std::string(TABELLA_SOURCE_DIR) + "/ballots/demo-general.json");
  nlohmann::json doc = nlohmann::json::parse(in);
  nlohmann::json contests = nlohmann::json::array();
  for (int c = 0; c < 4; ++c) {
    nlohmann::json choices = nlohmann::json::array();
    for (int j = 0; j < 80; ++j) {
      nlohmann::json label = nlohmann::json::object();
      for (const auto& lang : doc["languages"])
        label[lang.get<std::string>()] = "C" + std::to_string(j);
      choices.push_back({{"id", "c" + std::to_string(j)}, {"label", label}});
    }
    nlohmann::json title = nlohmann::json::object();
    for (const auto& lang : doc["languages"]) title[lang.get<std::string>()] = "Q";
    contests.push_back({{"id", "q" + std::to_string(c)},
                        {"kind", "approval"},
                        {"max", 64},
                        {"title", title},
                        {"instructions", title},
                        {"choices", choices}});
  }
  doc["contests"] = contests;
  auto m = election::parse_manifest(doc.dump());
  ASSERT_TRUE(m.ok()) << m.error().describe();
  EXPECT_GT(record::manifest_entry_sizes(*m).cast_ballot, record::kMaxEntrySize);
  // A record of the election entry alone, covered by a ledger checkpoint.
  TestLedger ledger;
  SigningKey authority = SigningKey::generate();
  ledger::NoteSigner signer(m->origin, ledger.key);
  const Digest q = election::base_hash(election::manifest_hash(*m), authority.verify_key().bytes());
  SimElection s;
  s.manifest = *m;
  s.entries.push_back(
      record::Entry::make(
          EntryType::kElection, q,
          record::ElectionBody{election::to_json(*m).dump(), signer.verifier_key()}.encode(),
          authority)
          .encode());
  s.checkpoints.push_back(ledger.sign(s, 1, m->origin));
  Report r = run(s, "too-large", ledger.options());
  ASSERT_FALSE(r.ok());
  const Failure& f = r.failures.front();
  EXPECT_EQ(f.check, 4) << format_report(r);
  EXPECT_EQ(f.index, 0u);
  EXPECT_NE(f.why.find("a cast-ballot entry for this manifest (4 contests, 320 selections) is"),
            std::string::npos)
      << f.why;
}

TEST(VerifyCliTest, ExitCodes) {
  auto path = temp_record("cli");
  small_election().write(path);
  std::string bin = TABELLA_VERIFY_BIN;
  EXPECT_EQ(std::system((bin + " -q " + path.string() + " > /dev/null").c_str()), 0);
  EXPECT_EQ(std::system((bin + " --json " + path.string() + " > /dev/null").c_str()), 0);
  // Unreadable input: exit 2.
  int missing = std::system((bin + " -q /nonexistent/record.jsonl 2> /dev/null").c_str());
  EXPECT_EQ(WEXITSTATUS(missing), 2);
  // A failing check: exit 1.
  SimElection s = small_election();
  s.entries[s.find(EntryType::kCastBallot)].back() ^= 1;
  s.write(path);
  int bad = std::system((bin + " -q " + path.string() + " > /dev/null").c_str());
  EXPECT_EQ(WEXITSTATUS(bad), 1);
  // Truncated file: the last line is cut in half.
  small_election().write(path);
  auto size = std::filesystem::file_size(path);
  std::filesystem::resize_file(path, size - 40);
  int cut = std::system((bin + " -q " + path.string() + " > /dev/null 2>&1").c_str());
  EXPECT_EQ(WEXITSTATUS(cut), 2);
  std::filesystem::remove(path);
}

// Checks 12 and 15 keep the tokens in a temporary file (record::TokenAudit): --temp-dir places
// it, nothing is left there, and a directory it cannot use stops the run with exit 2 naming it.
TEST(VerifyCliTest, TokenCheckTemporaryFile) {
  auto path = temp_record("cli-temp");
  small_election().write(path);
  std::string bin = TABELLA_VERIFY_BIN;
  auto dir = std::filesystem::temp_directory_path() / ("verify-temp-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  EXPECT_EQ(
      std::system(
          (bin + " -q --temp-dir " + dir.string() + " " + path.string() + " > /dev/null").c_str()),
      0);
  EXPECT_TRUE(std::filesystem::is_empty(dir));
  auto err = dir / "stderr.txt";
  int bad = std::system(
      (bin + " -q --temp-dir /proc/self " + path.string() + " > /dev/null 2> " + err.string())
          .c_str());
  EXPECT_EQ(WEXITSTATUS(bad), 2);
  std::ifstream in(err);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("/proc/self"), std::string::npos) << text;
  EXPECT_NE(text.find("--temp-dir"), std::string::npos) << text;
  // The file cannot grow (RLIMIT_FSIZE 0, as on a full disk): exit 2 naming the temporary file,
  // not a failed check of the record.
  int full =
      std::system(("bash -c \"set -o pipefail; (trap '' XFSZ; ulimit -f 0; exec " + bin + " -q " +
                   path.string() + ") 2>&1 >/dev/null | cat > " + err.string() + "\"")
                      .c_str());
  EXPECT_EQ(WEXITSTATUS(full), 2);
  std::ifstream in2(err);
  text.assign((std::istreambuf_iterator<char>(in2)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("--temp-dir: cannot write the voter-token check's temporary file"),
            std::string::npos)
      << text;
  std::filesystem::remove_all(dir);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace tabella::verify

namespace tabella::verify {
namespace {

// Key-ceremony disputes (docs/spec.md §5.3). Guardian 3 sends guardian 1 a random scalar instead
// of its share: 1 complains, 3 reveals the true share, 1 uses it, the key is published and the
// tally decrypts with guardians {1, 2} alone.
TEST(KeyCeremonyTest, BadShareIsComplainedRevealedAndTheTallyDecryptsWithOneAndTwo) {
  SimOptions o;
  o.guardians = 3;
  o.quorum = 2;
  o.ballots = 6;
  o.challenged = 1;
  o.absent = {3};
  o.bad_share_from = 3;
  o.bad_share_to = 1;
  o.seed = "ceremony-bad-share";
  SimElection sim = testing::simulate_election(o);
  auto complaint =
      body_of<record::GuardianComplaintBody>(sim, sim.find(EntryType::kGuardianComplaint));
  EXPECT_EQ(complaint.index, 1u);
  EXPECT_EQ(complaint.accused, 3u);
  auto reveal = body_of<record::ShareRevealBody>(sim, sim.find(EntryType::kShareReveal));
  EXPECT_EQ(reveal.index, 3u);
  EXPECT_EQ(reveal.recipient, 1u);
  Report r = run(sim, "bad-share");
  ASSERT_TRUE(r.ok()) << format_report(r);
  EXPECT_TRUE(r.complete);
  auto result = body_of<record::ResultBody>(sim, sim.find(EntryType::kResult));
  EXPECT_EQ(result.guardians, (std::vector<std::uint32_t>{1, 2}));
  EXPECT_EQ(result.counts, sim.expected_counts);
}

// A false complaint (guardian 2 accuses 1, whose share was good) is answered and stalls nothing.
TEST(KeyCeremonyTest, FalseComplaintIsAnsweredAndStallsNothing) {
  SimOptions o;
  o.ballots = 4;
  o.challenged = 0;
  o.absent = {3};
  o.false_complaint_by = 2;
  o.false_complaint_about = 1;
  o.seed = "ceremony-false-complaint";
  SimElection sim = testing::simulate_election(o);
  Report r = run(sim, "false-complaint");
  ASSERT_TRUE(r.ok()) << format_report(r);
  EXPECT_TRUE(r.complete);
  auto result = body_of<record::ResultBody>(sim, sim.find(EntryType::kResult));
  EXPECT_EQ(result.counts, sim.expected_counts);
}

// The rules name whom the ceremony waits for: a guardian that never answers a complaint, one that
// posted no statement; and after a failed reveal, the disqualified guardian and the restart rule.
TEST(KeyCeremonyTest, TheRulesNameWhomTheCeremonyWaitsFor) {
  SimOptions o;
  o.bad_share_from = 3;
  o.bad_share_to = 1;
  o.seed = "ceremony-waiting";
  SimElection sim = testing::simulate_election(o);
  const std::size_t reveal = sim.find(EntryType::kShareReveal);
  const std::size_t verified2 = sim.find(EntryType::kSharesVerified, 0);
  record::ElectionState state;
  // Everything before the reveal, without guardian 2's shares-verified.
  ASSERT_LT(verified2, reveal);
  for (std::size_t i = 0; i < reveal; ++i) {
    if (i == verified2) continue;
    auto c = record::precheck(sim.entries[i], state.snapshot());
    ASSERT_TRUE(c.ok()) << c.error().describe();
    ASSERT_TRUE(state.apply(*c).ok()) << i;
  }
  Status st = state.ceremony_complete();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("guardian 3 has not answered guardian 1's complaint"),
            std::string::npos)
      << st.error().message;
  EXPECT_NE(
      st.error().message.find("guardian 2 has posted neither shares-verified nor a complaint"),
      std::string::npos)
      << st.error().message;

  // A reveal of the wrong share disqualifies guardian 3; the key is refused for good.
  auto author3 = sim.entry(reveal).author;
  record::ShareRevealBody wrong{3, 1, Scalar::from_u64(99)};
  auto bad = record::precheck(
      record::Entry::make(EntryType::kShareReveal, sim.q, wrong.encode(), *sim.keys.at(author3))
          .encode(),
      state.snapshot());
  ASSERT_TRUE(bad.ok());
  ASSERT_TRUE(state.apply(*bad).ok());
  EXPECT_EQ(state.disqualified().count(3), 1u);
  st = state.ceremony_complete();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("guardian 3: its revealed share for guardian 1"),
            std::string::npos)
      << st.error().message;
  EXPECT_NE(st.error().message.find("new election"), std::string::npos);
}

// The issue's acceptance case: 5 guardians, quorum 3, 1,000 ballots with challenges, and two
// guardians absent at tally time.
TEST(VerifyLargeTest, ThousandBallotsWithTwoGuardiansAbsent) {
  SimOptions o;
  o.guardians = 5;
  o.quorum = 3;
  o.kiosks = 4;
  o.ballots = 1000;
  o.challenged = 25;
  o.absent = {2, 4};
  o.seed = "verify-large";
  SimElection sim = testing::simulate_election(o);
  Report r = run(sim, "large");
  ASSERT_TRUE(r.ok()) << format_report(r);
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.ballots_cast, 1000u);
  EXPECT_EQ(r.ballots_challenged, 25u);
  // Three partial decryptions, exactly the guardians present.
  auto result = body_of<record::ResultBody>(sim, sim.find(EntryType::kResult));
  EXPECT_EQ(result.guardians, (std::vector<std::uint32_t>{1, 3, 5}));
  EXPECT_EQ(result.counts, sim.expected_counts);

  // Several batches, proofs of one checked while the rules run on the one before: one thread
  // and three threads report the same failures, in the same order, for tamperings in different
  // batches (a signature in the second batch, a ballot proof in the fourth).
  const std::size_t first = sim.find(EntryType::kCastBallot);
  ASSERT_GT(sim.entries.size(), first + 900);
  SimElection bad = sim;
  bad.entries[first + 300].back() ^= 0x01;                                // the entry's signature
  bad.entries[first + 850][bad.entries[first + 850].size() / 2] ^= 0x40;  // inside the ballot
  Options one;
  one.threads = 1;
  Options three;
  three.threads = 3;
  Report r1 = run(bad, "large-bad-1", one);
  Report r3 = run(bad, "large-bad-3", three);
  EXPECT_FALSE(r1.ok());
  ASSERT_EQ(r1.failures.size(), r3.failures.size()) << format_report(r3);
  for (std::size_t i = 0; i < r1.failures.size(); ++i) {
    EXPECT_EQ(r1.failures[i].index, r3.failures[i].index);
    EXPECT_EQ(r1.failures[i].check, r3.failures[i].check);
    EXPECT_EQ(r1.failures[i].why, r3.failures[i].why);
  }
  bool named_both = false, named_300 = false;
  for (const auto& f : r1.failures) {
    named_300 = named_300 || f.index == first + 300;
    named_both = named_300 && (named_both || f.index == first + 850);
  }
  EXPECT_TRUE(named_both) << format_report(r1);
}

}  // namespace
}  // namespace tabella::verify
