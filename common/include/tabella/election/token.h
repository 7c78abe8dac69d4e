// Single-use voter tokens and the typeable 80-bit code form they share with short ballot codes
// (docs/spec.md, "Voter tokens" and "Ballot codes").
//
//   typeable code = RFC 4648 base32 (A-Z 2-7, no padding) of 10 bytes = 16 characters, written
//                   in 4 groups of 4 joined by '-':  "K7QX-M2PA-DD3F-WZ5T"
//   token         = a typeable code of 10 fresh random bytes (80 bits of entropy)
//   token hash    = H("tabella/v1/voter-token"; Q, token in its canonical grouped form, 19 bytes)
//
// Typing rules (normalize_*): ASCII letters of either case; spaces, tabs and '-' anywhere are
// ignored; the digits that are not base32 are read as the letters they are mistaken for:
// '0' -> 'O', '1' -> 'I', '8' -> 'B'. Any other character, or a count other than 16, is an error
// that names the character and its position.
// Thread-safety: pure functions; generate_token draws from the given Rng (SystemRng is
// thread-safe).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "tabella/crypto/hash.h"
#include "tabella/crypto/random.h"
#include "tabella/util/bytes.h"
#include "tabella/util/result.h"

namespace tabella::election {

inline constexpr std::string_view kVoterTokenTag = "tabella/v1/voter-token";
inline constexpr std::size_t kTypeableCodeBytes = 10;  // 80 bits
inline constexpr std::size_t kTypeableCodeChars = 16;  // base32 characters, without dashes
inline constexpr std::size_t kMaxTypedLength = 64;     // longer input is refused outright

// "XXXX-XXXX-XXXX-XXXX": base32 of exactly 10 bytes in groups of 4.
// REQUIRES: bytes.size() == kTypeableCodeBytes
std::string format_typeable_code(ByteView bytes);

// The canonical grouped form of what a person typed (rules above). `what` names the thing in
// error messages ("voter token", "ballot code"). Errors are kInvalidArgument.
Result<std::string> normalize_typeable_code(std::string_view typed, std::string_view what);

// A fresh token: 10 bytes from rng, in the typeable form.
std::string generate_token(Rng& rng = SystemRng::instance());

// normalize_typeable_code(typed, "voter token").
Result<std::string> normalize_token(std::string_view typed);

// H("tabella/v1/voter-token"; Q, normalized_token). What the authority commits to in
// token-commitments entries and a cast ballot carries; the token itself never reaches the ledger.
// REQUIRES: normalized_token is in canonical form (from generate_token or normalize_token)
Digest token_hash(const Digest& q, std::string_view normalized_token);

}  // namespace tabella::election
