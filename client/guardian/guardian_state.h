// A guardian's secret state file (mode 0600), encrypted under a passphrase: what it must keep
// between the key ceremony and the tally, and never reveal.
//
//   file      = seal_with_passphrase(plaintext, passphrase)      (crypto/passphrase_box.h:
//               scrypt N = 2^15, r = 8, p = 1 -> AES-256-GCM)
//   plaintext = field("tabella-guardian-state/2") || u32be(i)
//               || u8(has_secrets) || [field(GuardianSecrets::encode())]
//               || u8(has_share) || [s_i (32 bytes BE)]
//
// (field(x) = u32be(len x) || x, util/canonical.h.) During the ceremony the file holds the
// polynomial coefficients a_{i,j} and the share-encryption secret e_i (to resume); once the
// ceremony completes it holds only what decryption needs: i and s_i = sum_l s_{l,i}.
// Thread-safety: value type; not shared.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string_view>

#include "tabella/crypto/threshold.h"
#include "tabella/util/result.h"

namespace tabella::guardian {

struct GuardianState {
  std::uint32_t index = 0;
  std::optional<GuardianSecrets> secrets;  // during the ceremony only
  std::optional<Scalar> share;             // s_i, once the ceremony completed

  // Writes atomically with mode 0600 (key_files.h); the plaintext is wiped from memory after.
  // REQUIRES: !passphrase.empty()
  Status save(const std::filesystem::path& path, std::string_view passphrase, bool overwrite) const;
  // kPermission when the file is readable by others or the passphrase is wrong;
  // kInvalidEncoding for a damaged file.
  static Result<GuardianState> load(const std::filesystem::path& path, std::string_view passphrase);
};

}  // namespace tabella::guardian
