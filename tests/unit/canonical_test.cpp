// The fixed-width big-endian integers of util/canonical.h (docs/spec.md §3.3), by known answer,
// and that Writer and Reader use the same byte order; base32 (util/bytes.h) by known answer.
#include "tabella/util/canonical.h"

#include <gtest/gtest.h>

#include <utility>

#include "tabella/util/bytes.h"

namespace tabella {
namespace {

// RFC 4648 section 10's base32 test vectors, without their '=' padding.
TEST(Base32Test, Rfc4648KnownAnswersUnpadded) {
  const std::pair<const char*, const char*> cases[] = {
      {"", ""},
      {"f", "MY"},
      {"fo", "MZXQ"},
      {"foo", "MZXW6"},
      {"foob", "MZXW6YQ"},
      {"fooba", "MZXW6YTB"},
      {"foobar", "MZXW6YTBOI"},
  };
  for (const auto& [in, want] : cases) {
    EXPECT_EQ(to_base32(as_bytes(std::string_view(in))), want) << '"' << in << '"';
  }
  const Bytes all_ones(10, 0xff);
  EXPECT_EQ(to_base32(all_ones), "7777777777777777");
}

TEST(Base32Test, DashGroupsOfFour) {
  EXPECT_EQ(dash_groups(""), "");
  EXPECT_EQ(dash_groups("ABC"), "ABC");
  EXPECT_EQ(dash_groups("ABCD"), "ABCD");
  EXPECT_EQ(dash_groups("ABCDEFGHIJ"), "ABCD-EFGH-IJ");
}

TEST(CanonicalTest, BigEndianIntegersByKnownAnswer) {
  EXPECT_EQ(u16be(0x0102), (std::array<std::uint8_t, 2>{1, 2}));
  EXPECT_EQ(u32be(0x01020304), (std::array<std::uint8_t, 4>{1, 2, 3, 4}));
  EXPECT_EQ(u64be(0x0102030405060708), (std::array<std::uint8_t, 8>{1, 2, 3, 4, 5, 6, 7, 8}));
  const Bytes in = {0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10, 0xff};
  EXPECT_EQ(load_u16be(in), 0xfedcu);
  EXPECT_EQ(load_u16be(u16be(UINT16_MAX)), UINT16_MAX);
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
