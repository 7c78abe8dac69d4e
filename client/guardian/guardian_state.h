// A guardian's secret state file (mode 0600): what it must keep between the key ceremony and the
// tally, and never reveal.
//
//   file = field("tabella-guardian-state/1") || u32be(i) || field(GuardianSecrets::encode())
//          || u8(has_share) || [s_i (32 bytes BE) if has_share]
//
// (field(x) = u32be(len x) || x, util/canonical.h.) GuardianSecrets holds the polynomial
// coefficients a_{i,j} and the share-encryption secret e_i; s_i = sum_l s_{l,i} is the guardian's
// share of the election key, present once the ceremony completed.
// Thread-safety: value type; not shared.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>

#include "tabella/crypto/threshold.h"
#include "tabella/util/result.h"

namespace tabella::guardian {

struct GuardianState {
  GuardianSecrets secrets;
  std::optional<Scalar> share;  // s_i

  // Writes atomically with mode 0600 (key_files.h); the encoding is wiped from memory after.
  Status save(const std::filesystem::path& path, bool overwrite) const;
  // kPermission when the file is readable by others; kInvalidEncoding for a damaged file.
  static Result<GuardianState> load(const std::filesystem::path& path);
};

}  // namespace tabella::guardian
