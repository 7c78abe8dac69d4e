#include "tabella/util/bytes.h"

#include <openssl/crypto.h>

#include <array>

namespace tabella {

const char* error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return "invalid_argument";
    case ErrorCode::kInvalidEncoding:
      return "invalid_encoding";
    case ErrorCode::kInvalidProof:
      return "invalid_proof";
    case ErrorCode::kInvalidSignature:
      return "invalid_signature";
    case ErrorCode::kOutOfRange:
      return "out_of_range";
    case ErrorCode::kNotFound:
      return "not_found";
    case ErrorCode::kPermission:
      return "permission_denied";
    case ErrorCode::kConflict:
      return "conflict";
    case ErrorCode::kLimit:
      return "limit_exceeded";
    case ErrorCode::kIo:
      return "io_error";
    case ErrorCode::kCrypto:
      return "crypto_error";
    case ErrorCode::kUnavailable:
      return "unavailable";
  }
  return "unknown";
}

std::optional<ErrorCode> error_code_from_name(std::string_view name) {
  for (int c = 0; c <= static_cast<int>(ErrorCode::kUnavailable); ++c) {
    const auto code = static_cast<ErrorCode>(c);
    if (name == error_code_name(code)) return code;
  }
  return std::nullopt;
}

const char* error_reason_name(ErrorReason reason) {
  switch (reason) {
    case ErrorReason::kNone:
      return "";
    case ErrorReason::kUnknownAuthor:
      return "unknown_author";
    case ErrorReason::kKioskNotAllowed:
      return "kiosk_not_allowed";
    case ErrorReason::kPollsNotOpen:
      return "polls_not_open";
    case ErrorReason::kPhase:
      return "phase";
    case ErrorReason::kTokenNotCommitted:
      return "token_not_committed";
    case ErrorReason::kTokenSpent:
      return "token_spent";
    case ErrorReason::kTokenOtherPrecinct:
      return "token_other_precinct";
    case ErrorReason::kKioskChain:
      return "kiosk_chain";
    case ErrorReason::kDiskFull:
      return "disk_full";
    case ErrorReason::kAppendRace:
      return "append_race";
  }
  return "";
}

std::optional<ErrorReason> error_reason_from_name(std::string_view name) {
  if (name.empty()) return std::nullopt;
  for (int r = 0; r <= static_cast<int>(ErrorReason::kAppendRace); ++r) {
    const auto reason = static_cast<ErrorReason>(r);
    if (name == error_reason_name(reason)) return reason;
  }
  return std::nullopt;
}

namespace {
constexpr char kHex[] = "0123456789abcdef";
constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::string to_hex(ByteView data) {
  std::string out;
  out.reserve(data.size() * 2);
  for (std::uint8_t b : data) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

Result<Bytes> from_hex(std::string_view hex) {
  if (hex.size() % 2 != 0) {
    return make_error(ErrorCode::kInvalidEncoding,
                      "hex string has odd length " + std::to_string(hex.size()));
  }
  Bytes out(hex.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    int hi = hex_value(hex[2 * i]);
    int lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      return make_error(
          ErrorCode::kInvalidEncoding,
          "invalid hex digit at offset " + std::to_string(hi < 0 ? 2 * i : 2 * i + 1));
    }
    out[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return out;
}

std::string to_base64(ByteView data) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    std::uint32_t v =
        (std::uint32_t{data[i]} << 16) | (std::uint32_t{data[i + 1]} << 8) | data[i + 2];
    out.push_back(kB64[(v >> 18) & 63]);
    out.push_back(kB64[(v >> 12) & 63]);
    out.push_back(kB64[(v >> 6) & 63]);
    out.push_back(kB64[v & 63]);
  }
  std::size_t rest = data.size() - i;
  if (rest == 1) {
    std::uint32_t v = std::uint32_t{data[i]} << 16;
    out.push_back(kB64[(v >> 18) & 63]);
    out.push_back(kB64[(v >> 12) & 63]);
    out += "==";
  } else if (rest == 2) {
    std::uint32_t v = (std::uint32_t{data[i]} << 16) | (std::uint32_t{data[i + 1]} << 8);
    out.push_back(kB64[(v >> 18) & 63]);
    out.push_back(kB64[(v >> 12) & 63]);
    out.push_back(kB64[(v >> 6) & 63]);
    out.push_back('=');
  }
  return out;
}

std::string to_base32(ByteView data) {
  static constexpr char kBase32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::string out;
  out.reserve((data.size() * 8 + 4) / 5);
  std::uint32_t acc = 0;
  int bits = 0;
  for (std::uint8_t b : data) {
    acc = ((acc << 8) | b) & 0xfff;  // at most 4 + 8 pending bits
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out.push_back(kBase32[(acc >> bits) & 31]);
    }
  }
  if (bits > 0) out.push_back(kBase32[(acc << (5 - bits)) & 31]);
  return out;
}

std::string dash_groups(std::string_view chars) {
  std::string out;
  out.reserve(chars.size() + chars.size() / 4);
  for (std::size_t i = 0; i < chars.size(); ++i) {
    if (i > 0 && i % 4 == 0) out.push_back('-');
    out.push_back(chars[i]);
  }
  return out;
}

Result<Bytes> from_base64(std::string_view text) {
  if (text.size() % 4 != 0) {
    return make_error(ErrorCode::kInvalidEncoding,
                      "base64 length " + std::to_string(text.size()) + " is not a multiple of 4");
  }
  // A table lookup per character and one test per group of four: every POST /v1/entries body
  // goes through here (a ballot is ~7,000 characters).
  static constexpr auto kValue = [] {
    std::array<std::uint8_t, 256> t{};
    for (auto& v : t) v = 0xff;
    for (int i = 0; i < 64; ++i)
      t[static_cast<unsigned char>(kB64[i])] = static_cast<std::uint8_t>(i);
    return t;
  }();
  auto value = [&](std::size_t at) { return kValue[static_cast<unsigned char>(text[at])]; };
  auto invalid = [](std::size_t at) {
    return make_error(ErrorCode::kInvalidEncoding,
                      "invalid base64 character at offset " + std::to_string(at));
  };
  const std::size_t full = text.empty() ? 0 : text.size() - 4;  // groups before the last one
  Bytes out(text.size() / 4 * 3);
  std::uint8_t* o = out.data();
  for (std::size_t i = 0; i < full; i += 4, o += 3) {
    std::uint32_t a = value(i), b = value(i + 1), c = value(i + 2), d = value(i + 3);
    if ((a | b | c | d) & 0x80) {
      for (std::size_t j = i;; ++j) {
        if (value(j) & 0x80) return invalid(j);
      }
    }
    std::uint32_t w = (a << 18) | (b << 12) | (c << 6) | d;
    o[0] = static_cast<std::uint8_t>(w >> 16);
    o[1] = static_cast<std::uint8_t>(w >> 8);
    o[2] = static_cast<std::uint8_t>(w);
  }
  if (text.empty()) return out;
  // The last group: '=' only in its last one or two places, nothing after a '='.
  std::size_t pad = 0;
  std::array<std::uint32_t, 4> v{};
  for (std::size_t j = 0; j < 4; ++j) {
    char c = text[full + j];
    if (c == '=' && j >= 2) {
      ++pad;
      continue;
    }
    if (pad > 0 || ((v[j] = value(full + j)) & 0x80)) return invalid(full + j);
  }
  std::uint32_t w = (v[0] << 18) | (v[1] << 12) | (v[2] << 6) | v[3];
  // Canonical encoding: the bits dropped by padding must be zero.
  if ((pad == 1 && (w & 0xff) != 0) || (pad == 2 && (w & 0xffff) != 0)) {
    return make_error(ErrorCode::kInvalidEncoding, "non-canonical base64 padding bits");
  }
  o[0] = static_cast<std::uint8_t>(w >> 16);
  o[1] = static_cast<std::uint8_t>(w >> 8);
  o[2] = static_cast<std::uint8_t>(w);
  out.resize(out.size() - pad);
  return out;
}

void secure_zero(void* data, std::size_t size) {
  OPENSSL_cleanse(data, size);
}

bool ct_equal(ByteView a, ByteView b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace tabella
