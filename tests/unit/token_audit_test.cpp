#include "tabella/record/token_audit.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <random>
#include <set>

#include "tabella/util/result.h"

namespace tabella::record {
namespace {

Digest token(std::uint32_t n) {
  Digest d{};
  d[0] = static_cast<std::uint8_t>(n >> 24);
  d[1] = static_cast<std::uint8_t>(n >> 16);
  d[2] = static_cast<std::uint8_t>(n >> 8);
  d[3] = static_cast<std::uint8_t>(n);
  d[31] = 0x5a;
  return d;
}

std::unique_ptr<TokenAudit> audit(std::size_t run_records = TokenAudit::kDefaultRunRecords) {
  auto a = TokenAudit::create(std::filesystem::temp_directory_path(), run_records);
  EXPECT_TRUE(a.ok()) << (a.ok() ? "" : a.error().describe());
  return std::move(*a);
}

std::vector<TokenAudit::Violation> finish(TokenAudit& a) {
  auto v = a.finish();
  EXPECT_TRUE(v.ok()) << (v.ok() ? "" : v.error().describe());
  return v.ok() ? *v : std::vector<TokenAudit::Violation>{};
}

TEST(TokenAudit, HonestElectionHasNoViolation) {
  auto a = audit();
  for (std::uint32_t i = 0; i < 100; ++i) a->commit(token(i), "p1", 3, i);
  for (std::uint32_t i = 0; i < 100; ++i) a->spend(token(i), "p1", 10 + i);
  EXPECT_EQ(a->committed(), 100u);
  EXPECT_TRUE(finish(*a).empty());
}

// Each rule of checks 12 and 15, with the error the in-memory rules give for the entry.
TEST(TokenAudit, EveryRuleNamesTheEntryThatBrokeIt) {
  auto a = audit();
  a->commit(token(1), "p1", 5, 0);
  a->commit(token(2), "p1", 5, 1);
  a->commit(token(3), "p2", 6, 0);
  a->commit(token(2), "p1", 7, 4);  // committed twice: entry 7, token [4]
  a->spend(token(9), "p1", 8);      // never committed
  a->spend(token(4), "p1", 9);      // committed only later, at 12
  a->spend(token(1), "p1", 10);
  a->spend(token(1), "p1", 11);  // spent twice
  a->commit(token(4), "p1", 12, 0);
  a->spend(token(3), "p1", 13);  // a p2 token at a p1 kiosk
  a->spend(token(3), "p2", 14);  // still unspent: the refused spend did not count
  auto v = finish(*a);
  ASSERT_EQ(v.size(), 5u);
  EXPECT_EQ(v[0].index, 7u);
  EXPECT_FALSE(v[0].spend);
  EXPECT_EQ(v[0].error.describe(), "body.token_hashes[4]: token hash already committed");
  EXPECT_EQ(v[1].index, 8u);
  EXPECT_EQ(v[1].error.reason, ErrorReason::kTokenNotCommitted);
  EXPECT_EQ(v[2].index, 9u);
  EXPECT_EQ(v[2].error.reason, ErrorReason::kTokenNotCommitted);
  EXPECT_EQ(v[3].index, 11u);
  EXPECT_TRUE(v[3].spend);
  EXPECT_EQ(v[3].error.reason, ErrorReason::kTokenSpent);
  EXPECT_EQ(v[3].error.describe(), "body.token_hash: voter token already spent");
  EXPECT_EQ(v[4].index, 13u);
  EXPECT_EQ(v[4].error.reason, ErrorReason::kTokenOtherPrecinct);
  EXPECT_NE(v[4].error.message.find("\"p2\""), std::string::npos) << v[4].error.message;
}

// A ballot refused after its token was checked (its kiosk chain) does not spend the token, but
// its token is still checked: the rules report a bad token before a broken chain.
TEST(TokenAudit, RefusedSpendIsCheckedButSpendsNothing) {
  auto a = audit(2);  // the spend to refuse is the first event of a new run
  a->commit(token(1), "p1", 1, 0);
  a->commit(token(2), "p1", 1, 1);
  a->spend(token(1), "p1", 2);
  a->refuse_last_spend();       // refused at 2: token 1 stays unspent
  a->spend(token(1), "p1", 3);  // so this spend is fine
  a->spend(token(1), "p1", 4);  // and this one is a second spend
  a->refuse_last_spend();       // refused, but its token is bad as well
  a->spend(token(7), "p1", 5);  // never committed
  a->refuse_last_spend();
  auto v = finish(*a);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].index, 4u);
  EXPECT_EQ(v[0].error.reason, ErrorReason::kTokenSpent);
  EXPECT_EQ(v[1].index, 5u);
  EXPECT_EQ(v[1].error.reason, ErrorReason::kTokenNotCommitted);
}

// Many runs (a run of 7 events) merged: the same violations as one run in memory, for events
// of 2,000 tokens in a shuffled log order.
TEST(TokenAudit, RunsMergeToTheSameAnswerAsOneRun) {
  std::mt19937 rng(15);
  struct Ev {
    bool spend;
    std::uint32_t tok;
    std::string precinct;
  };
  std::vector<Ev> log;
  for (std::uint32_t i = 0; i < 2000; ++i) {
    log.push_back({false, i, i % 3 == 0 ? "p2" : "p1"});
    if (i % 5 != 0) log.push_back({true, i, "p1"});
    if (i % 97 == 0) log.push_back({true, i, "p1"});           // double spends
    if (i % 89 == 0) log.push_back({false, i, "p1"});          // double commits
    if (i % 83 == 0) log.push_back({true, i + 100000, "p1"});  // never committed
  }
  std::shuffle(log.begin(), log.end(), rng);
  auto one = audit();
  auto many = audit(7);
  for (std::size_t k = 0; k < log.size(); ++k) {
    for (auto* a : {one.get(), many.get()}) {
      if (log[k].spend) {
        a->spend(token(log[k].tok), log[k].precinct, k);
      } else {
        a->commit(token(log[k].tok), log[k].precinct, k, 0);
      }
    }
  }
  auto v1 = finish(*one);
  auto v7 = finish(*many);
  ASSERT_EQ(v1.size(), v7.size());
  EXPECT_GT(v1.size(), 100u);  // the shuffles make many spends come before their commitments
  for (std::size_t i = 0; i < v1.size(); ++i) {
    EXPECT_EQ(v1[i].index, v7[i].index);
    EXPECT_EQ(v1[i].error.describe(), v7[i].error.describe());
  }
}

TEST(TokenAudit, UnwritableDirectoryIsAnErrorNamingIt) {
  if (::geteuid() == 0) {
    auto a = TokenAudit::create("/proc/self");  // not a place for files, even for root
    ASSERT_FALSE(a.ok());
    EXPECT_EQ(a.error().code, ErrorCode::kIo);
    EXPECT_NE(a.error().message.find("/proc/self"), std::string::npos) << a.error().message;
    return;
  }
  auto a = TokenAudit::create("/nonexistent-tabella-dir");
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().code, ErrorCode::kIo);
  EXPECT_NE(a.error().message.find("/nonexistent-tabella-dir"), std::string::npos);
}

// A write that fails (here: past RLIMIT_FSIZE, as on a full disk) is not a rule the entries broke:
// the events go on being accepted and finish() returns the error.
TEST(TokenAudit, FailedWriteIsReportedByFinish) {
  auto a = audit(4);  // a run every 4 events: 192 bytes
  rlimit before{};
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &before), 0);
  auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  rlimit small = before;
  small.rlim_cur = 1024;
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &small), 0);
  for (std::uint32_t i = 0; i < 200; ++i) a->commit(token(i), "p1", 1, i);
  // The disk has room again before the end: the events lost in between still fail the run.
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &before), 0);
  std::signal(SIGXFSZ, old_handler);
  auto v = a->finish();
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().code, ErrorCode::kIo);
  EXPECT_NE(v.error().message.find("cannot write"), std::string::npos) << v.error().message;
}

// Nothing is left in the directory: the file has no name.
TEST(TokenAudit, LeavesNoFileBehind) {
  auto dir =
      std::filesystem::temp_directory_path() / ("token-audit-test-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  {
    auto a = TokenAudit::create(dir, 4);
    ASSERT_TRUE(a.ok());
    for (std::uint32_t i = 0; i < 20; ++i) (*a)->commit(token(i), "p", 1, i);
    EXPECT_TRUE(std::filesystem::is_empty(dir));
    ASSERT_TRUE((*a)->finish().ok());
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace tabella::record
