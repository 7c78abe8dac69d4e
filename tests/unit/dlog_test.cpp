#include "tabella/crypto/dlog.h"

#include <gtest/gtest.h>

#include <random>
#include <thread>
#include <vector>

namespace tabella {
namespace {

TEST(DlogTest, TableSizeIsCeilSqrt) {
  EXPECT_EQ(DlogTable(0).table_size(), 1u);
  EXPECT_EQ(DlogTable(3).table_size(), 2u);    // 4 values
  EXPECT_EQ(DlogTable(4).table_size(), 3u);    // 5 values
  EXPECT_EQ(DlogTable(99).table_size(), 10u);  // 100 values
  EXPECT_EQ(DlogTable(100).table_size(), 11u);
}

TEST(DlogTest, SolvesEdgesAndRejectsPastBound) {
  for (std::uint64_t max : {0u, 1u, 2u, 15u, 16u, 1000u}) {
    DlogTable t(max);
    EXPECT_EQ(t.max_value(), max);
    auto zero = t.solve(Point::identity());
    ASSERT_TRUE(zero.ok()) << max;
    EXPECT_EQ(*zero, 0u);
    if (max >= 1) {
      EXPECT_EQ(*t.solve(Point::generator()), 1u);
    }
    EXPECT_EQ(*t.solve(Point::from_u64(max)), max);
    auto past = t.solve(Point::from_u64(max + 1));
    ASSERT_FALSE(past.ok()) << max;
    EXPECT_EQ(past.error().code, ErrorCode::kOutOfRange);
    EXPECT_NE(past.error().message.find("no value in 0.." + std::to_string(max)), std::string::npos)
        << past.error().message;
  }
}

TEST(DlogTest, EveryValueUpToSmallBound) {
  DlogTable t(300);
  Point p;
  for (std::uint64_t m = 0; m <= 300; ++m) {
    auto r = t.solve(p);
    ASSERT_TRUE(r.ok()) << m;
    EXPECT_EQ(*r, m);
    p += Point::generator();
  }
}

TEST(DlogTest, RejectsNegativeAndUnrelatedPoints) {
  DlogTable t(1000);
  EXPECT_FALSE(t.solve(-Point::generator()).ok());  // -1
  EXPECT_FALSE(t.solve(Point::base_mul(Scalar::random_nonzero())).ok());
}

TEST(DlogTest, RandomValues) {
  DlogTable t(1'000'000);
  std::mt19937_64 gen(42);
  for (int i = 0; i < 20; ++i) {
    std::uint64_t m = gen() % 1'000'001;
    auto r = t.solve(Point::from_u64(m));
    ASSERT_TRUE(r.ok()) << m;
    EXPECT_EQ(*r, m);
  }
}

TEST(DlogTest, HundredMillionBound) {
  DlogTable t(100'000'000);
  EXPECT_EQ(t.table_size(), 10'001u);
  // Near the top, so solve() walks almost every giant step.
  EXPECT_EQ(*t.solve(Point::from_u64(99'999'937)), 99'999'937u);
  EXPECT_EQ(*t.solve(Point::from_u64(100'000'000)), 100'000'000u);
  EXPECT_FALSE(t.solve(Point::from_u64(100'000'001)).ok());
}

TEST(DlogTest, ConcurrentSolves) {
  DlogTable t(10'000);
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int k = 0; k < 4; ++k) {
    threads.emplace_back([&t, &failures, k] {
      for (std::uint64_t m = static_cast<std::uint64_t>(k); m <= 10'000; m += 397) {
        auto r = t.solve(Point::from_u64(m));
        if (!r.ok() || *r != m) ++failures[static_cast<std::size_t>(k)];
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int f : failures) EXPECT_EQ(f, 0);
}

}  // namespace
}  // namespace tabella
