// The fixed-width big-endian integers of util/canonical.h (docs/spec.md §3.3), by known answer,
// and that Writer and Reader use the same byte order.
#include "tabella/util/canonical.h"

#include <gtest/gtest.h>

namespace tabella {
namespace {

TEST(CanonicalTest, BigEndianIntegersByKnownAnswer) {
  EXPECT_EQ(u32be(0x01020304), (std::array<std::uint8_t, 4>{1, 2, 3, 4}));
  EXPECT_EQ(u64be(0x0102030405060708), (std::array<std::uint8_t, 8>{1, 2, 3, 4, 5, 6, 7, 8}));
  const Bytes in = {0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10, 0xff};
  EXPECT_EQ(load_u32be(in), 0xfedcba98u);
  EXPECT_EQ(load_u64be(in), 0xfedcba9876543210u);
  EXPECT_EQ(load_u64be(u64be(UINT64_MAX)), UINT64_MAX);
  Bytes written = Writer().u32(0xfedcba98).u64(7).bytes();
  EXPECT_EQ(written, (Bytes{0xfe, 0xdc, 0xba, 0x98, 0, 0, 0, 0, 0, 0, 0, 7}));
  Reader r(written);
  EXPECT_EQ(*r.u32("a"), 0xfedcba98u);
  EXPECT_EQ(*r.u64("b"), 7u);
  EXPECT_TRUE(r.finish("c").ok());
}

}  // namespace
}  // namespace tabella
