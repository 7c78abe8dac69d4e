#include "tabella/election/token.h"

#include <array>
#include <cassert>

namespace tabella::election {
namespace {

// Upper-case base32 character for a typed byte, after the confusion rules; 0 if not one.
char canonical_char(char c) {
  if (c >= 'a' && c <= 'z') return static_cast<char>(c - 'a' + 'A');
  if (c >= 'A' && c <= 'Z') return c;
  if (c >= '2' && c <= '7') return c;
  switch (c) {
    case '0':
      return 'O';
    case '1':
      return 'I';
    case '8':
      return 'B';
    default:
      return 0;
  }
}

std::string describe_char(char c) {
  auto u = static_cast<unsigned char>(c);
  if (u >= 0x21 && u < 0x7f) return std::string("'") + c + "'";
  static constexpr char kHex[] = "0123456789abcdef";
  return std::string("byte 0x") + kHex[u >> 4] + kHex[u & 15];
}

}  // namespace

std::string format_typeable_code(ByteView bytes) {
  assert(bytes.size() == kTypeableCodeBytes);
  return dash_groups(to_base32(bytes));
}

Result<std::string> normalize_typeable_code(std::string_view typed, std::string_view what) {
  const std::string name(what);
  if (typed.size() > kMaxTypedLength) {
    return make_error(ErrorCode::kInvalidArgument,
                      name + " is too long: " + std::to_string(typed.size()) +
                          " characters typed, a code has 16 letters and digits (dashes optional)");
  }
  std::string chars;
  for (std::size_t i = 0; i < typed.size(); ++i) {
    char c = typed[i];
    if (c == ' ' || c == '\t' || c == '-') continue;
    char k = canonical_char(c);
    if (k == 0) {
      return make_error(ErrorCode::kInvalidArgument,
                        name + ": " + describe_char(c) + " at position " + std::to_string(i + 1) +
                            " is not allowed (letters A-Z and digits 2-7 only; 0, 1 and 8 are "
                            "read as O, I and B)");
    }
    chars.push_back(k);
  }
  if (chars.size() != kTypeableCodeChars) {
    return make_error(ErrorCode::kInvalidArgument, name + " must have 16 letters and digits, got " +
                                                       std::to_string(chars.size()));
  }
  return dash_groups(chars);
}

std::string generate_token(Rng& rng) {
  std::array<std::uint8_t, kTypeableCodeBytes> bytes{};
  rng.fill(bytes);
  std::string token = format_typeable_code(bytes);
  secure_zero(bytes.data(), bytes.size());
  return token;
}

Result<std::string> normalize_token(std::string_view typed) {
  return normalize_typeable_code(typed, "voter token");
}

Digest token_hash(const Digest& q, std::string_view normalized_token) {
  // H("tabella/v1/voter-token"; Q, token)
  return Hasher(kVoterTokenTag).add(q).add(normalized_token).finish();
}

}  // namespace tabella::election
