// from_base64 / to_base64 (RFC 4648 §4, padded, canonical): what POST /v1/entries and the note
// signatures decode.
#include <gtest/gtest.h>

#include <string>

#include "tabella/util/bytes.h"

namespace tabella {
namespace {

std::string decode_error(std::string_view text) {
  auto r = from_base64(text);
  EXPECT_FALSE(r.ok()) << text;
  return r.ok() ? std::string() : r.error().message;
}

TEST(Base64Test, Rfc4648Vectors) {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : vectors) {
    Bytes bytes(plain, plain + std::char_traits<char>::length(plain));
    EXPECT_EQ(to_base64(bytes), encoded);
    auto back = from_base64(encoded);
    ASSERT_TRUE(back.ok()) << encoded;
    EXPECT_EQ(*back, bytes) << encoded;
  }
}

TEST(Base64Test, RoundTripsEveryByteAndLength) {
  Bytes data;
  for (int n = 0; n < 300; ++n) {
    auto back = from_base64(to_base64(data));
    ASSERT_TRUE(back.ok()) << n;
    EXPECT_EQ(*back, data) << n;
    data.push_back(static_cast<std::uint8_t>(n * 7 + 3));
  }
}

TEST(Base64Test, NamesTheOffsetOfAnInvalidCharacter) {
  EXPECT_EQ(decode_error("Zm9v!mFy"), "invalid base64 character at offset 4");
  EXPECT_EQ(decode_error("Zm9vYmF-"), "invalid base64 character at offset 7");
  EXPECT_EQ(decode_error("Z\xc3\xa9v"), "invalid base64 character at offset 1");
  EXPECT_EQ(decode_error(std::string("Zm9v\0mFy", 8)), "invalid base64 character at offset 4");
  // '=' only as padding: not in an earlier group, not in the first two places of the last one,
  // nothing after it.
  EXPECT_EQ(decode_error("Zg==Zm9v"), "invalid base64 character at offset 2");
  EXPECT_EQ(decode_error("Z==="), "invalid base64 character at offset 1");
  EXPECT_EQ(decode_error("Zm=v"), "invalid base64 character at offset 3");
  EXPECT_EQ(decode_error("===="), "invalid base64 character at offset 0");
}

TEST(Base64Test, RefusesBadLengthsAndNonCanonicalPadding) {
  EXPECT_EQ(decode_error("Zm9"), "base64 length 3 is not a multiple of 4");
  EXPECT_EQ(decode_error("Zm9vY"), "base64 length 5 is not a multiple of 4");
  // "Zh==" and "Zm9=" decode to "f" and "fo" with nonzero dropped bits.
  EXPECT_EQ(decode_error("Zh=="), "non-canonical base64 padding bits");
  EXPECT_EQ(decode_error("Zm9="), "non-canonical base64 padding bits");
  EXPECT_EQ(decode_error("Zm9vZm9="), "non-canonical base64 padding bits");
}

}  // namespace
}  // namespace tabella
