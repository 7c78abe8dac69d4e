// The published results: read from a record file (the election entry, the result entry and the
// largest signed checkpoint) and written as text and as a self-contained HTML page with one bar
// chart per contest (inline SVG), labels in the default language, counts and percentages, the
// election hashes and the checkpoint.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "tabella/election/manifest.h"
#include "tabella/util/result.h"

namespace tabella::admin {

struct PublishedResults {
  election::Manifest manifest;
  std::string q_hex;              // Q, the election base hash
  std::string manifest_hash_hex;  //
  std::string authority_hex;
  std::uint64_t cast_count = 0;
  std::uint64_t challenged_count = 0;
  std::vector<std::uint32_t> guardians;            // the quorum that decrypted
  std::vector<std::vector<std::uint64_t>> counts;  // per contest, per choice
  std::uint64_t log_size = 0;
  std::uint64_t checkpoint_size = 0;
  std::string checkpoint_root_hex;
  std::string checkpoint_note;
  bool verified = false;  // tabella-verify's checks all passed
};

// Reads the record file. kNotFound when the record has no result entry yet.
Result<PublishedResults> read_results(const std::filesystem::path& record);

std::string results_text(const PublishedResults& r);
std::string results_html(const PublishedResults& r);

}  // namespace tabella::admin
