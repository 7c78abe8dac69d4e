// The one election builder (tabella/record/election_builder.h): what it builds is accepted by the
// record's rules (precheck + ElectionState, as tabella-ledger applies them) up to polls open, in
// the kiosk demo's shape (one guardian, an outside kiosk key) and with a disputed key ceremony;
// every guardian's share matches the published commitments; a seed gives the same entries.
#include "tabella/record/election_builder.h"

#include <gtest/gtest.h>

#include "tabella/crypto/group.h"
#include "tabella/election/token.h"
#include "tabella/record/bodies.h"
#include "tabella/record/state.h"

namespace tabella::record {
namespace {

election::Manifest demo_manifest() {
  auto m =
      election::load_manifest_file(std::string(TABELLA_SOURCE_DIR) + "/ballots/demo-general.json");
  EXPECT_TRUE(m.ok()) << m.error().describe();
  return *m;
}

// Applies every entry as the ledger does; returns the state (fails the test on a refusal).
ElectionState replay(const std::vector<Bytes>& entries) {
  ElectionState state;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    auto checked = precheck(entries[i], state.snapshot());
    EXPECT_TRUE(checked.ok()) << "entry " << i << ": " << checked.error().describe();
    if (!checked.ok()) break;
    auto applied = state.apply(*checked);
    EXPECT_TRUE(applied.ok()) << "entry " << i << ": " << applied.error().describe();
    if (!applied.ok()) break;
  }
  return state;
}

std::size_t count(const std::vector<Bytes>& entries, EntryType type) {
  std::size_t n = 0;
  for (const auto& e : entries) n += Entry::decode(e)->type == type;
  return n;
}

TEST(ElectionBuilder, DemoShapeOneGuardianOutsideKioskReplaysToPollsOpen) {
  SeededRng rng("builder-demo");
  const SigningKey kiosk = SigningKey::generate();
  auto b = ElectionBuilder::create(demo_manifest(), {}, rng);
  ASSERT_TRUE(b.ok()) << b.error().describe();
  b->enrol_kiosk(kiosk.verify_key().bytes());
  const auto tokens = b->commit_tokens(5, rng);
  b->open_polls(1767225600);
  ASSERT_EQ(tokens.size(), 5u);
  EXPECT_EQ(b->manifest().guardians, 1u);
  EXPECT_EQ(b->manifest().quorum, 1u);

  ElectionState state = replay(b->entries());
  EXPECT_EQ(state.phase(), Phase::kOpen);
  ASSERT_EQ(state.kiosks().count(kiosk.verify_key().bytes()), 1u);
  EXPECT_EQ(state.kiosks().at(kiosk.verify_key().bytes()).enrolment.name, "kiosk-1");
  for (const auto& t : tokens) EXPECT_EQ(state.token_state(election::token_hash(b->q(), t)), 1);
  // The election entry names the builder's ledger key.
  auto election = ElectionBody::decode(Entry::decode(b->entries()[0])->body);
  ASSERT_TRUE(election.ok());
  EXPECT_EQ(election->ledger_key, b->ledger_verifier_key());
  // Its one guardian holds the whole key: s_1 * G is the election key.
  ASSERT_EQ(b->guardian_shares().size(), 1u);
  EXPECT_EQ(Point::base_mul(b->guardian_shares()[0]), b->context().key.point());
}

TEST(ElectionBuilder, DisputedCeremonyAndManyTokensReplayToPollsOpen) {
  SeededRng rng("builder-ceremony");
  // 3 guardians, quorum 2; guardian 1 sends guardian 2 a bad share; guardian 3 falsely accuses 2.
  auto b = ElectionBuilder::create(demo_manifest(), {3, 2, 1, 2, 3, 2}, rng);
  ASSERT_TRUE(b.ok()) << b.error().describe();
  auto k1 = b->new_kiosk(rng);
  auto k2 = b->new_kiosk(rng);
  const auto tokens = b->commit_tokens(kMaxTokensPerEntry + 1, rng);
  b->open_polls(1767225600);

  ElectionState state = replay(b->entries());
  EXPECT_EQ(state.phase(), Phase::kOpen);
  EXPECT_EQ(count(b->entries(), EntryType::kGuardianComplaint), 2u);
  EXPECT_EQ(count(b->entries(), EntryType::kShareReveal), 2u);
  EXPECT_EQ(count(b->entries(), EntryType::kSharesVerified), 1u);  // guardian 1 only
  EXPECT_EQ(count(b->entries(), EntryType::kTokenCommitments), 2u);
  EXPECT_EQ(state.token_state(election::token_hash(b->q(), tokens.back())), 1);
  // Every author's key is kept: authority, ledger, 3 guardians, 2 kiosks.
  EXPECT_EQ(b->keys().size(), 7u);
  EXPECT_EQ(b->keys().count(k2->verify_key().bytes()), 1u);
  EXPECT_EQ(state.kiosks().at(k1->verify_key().bytes()).enrolment.name, "kiosk-1");
  // Each guardian's share (guardian 2's from the revealed share) is its point of the joint
  // polynomial: any two of them interpolate the election key.
  ASSERT_EQ(b->guardian_shares().size(), 3u);
  for (std::uint32_t l = 1; l <= 3; ++l) {
    EXPECT_EQ(Point::base_mul(b->guardian_shares()[l - 1]),
              state.snapshot().public_share_keys.at(l))
        << "guardian " << l;
  }
}

TEST(ElectionBuilder, ASeedGivesTheSameEntriesAnotherSeedOthers) {
  auto build = [](const char* seed) {
    SeededRng rng(seed);
    auto b = ElectionBuilder::create(demo_manifest(), {2, 2, 0, 0, 0, 0}, rng);
    EXPECT_TRUE(b.ok());
    b->new_kiosk(rng);
    b->commit_tokens(3, rng);
    b->open_polls(1767225600);
    return b->entries();
  };
  EXPECT_EQ(build("one"), build("one"));
  EXPECT_NE(build("one"), build("two"));
}

}  // namespace
}  // namespace tabella::record
