// load_ballots: loads every election definition given on the command line (files, or directories
// whose *.json files are loaded, not recursing) with the strict manifest loader, checks that
// to_json round-trips to the same canonical bytes, and prints one line per file with its
// manifest hash. Exits 1 when any file fails or no file is found. Used by ctest `ballots_load`.
// Thread-safety: single-threaded program.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "tabella/election/manifest.h"

namespace {

namespace fs = std::filesystem;
using tabella::election::Manifest;

bool check_file(const fs::path& path) {
  auto loaded = tabella::election::load_manifest_file(path);
  if (!loaded.ok()) {
    std::printf("FAIL %s\n%s\n", path.string().c_str(), loaded.error().describe().c_str());
    return false;
  }
  const Manifest& m = *loaded;
  auto again = tabella::election::parse_manifest(tabella::election::to_json(m).dump());
  if (!again.ok() ||
      tabella::election::canonical_bytes(*again) != tabella::election::canonical_bytes(m)) {
    std::printf("FAIL %s\nto_json does not round-trip\n", path.string().c_str());
    return false;
  }
  auto digest = tabella::election::manifest_hash(m);
  std::printf("ok   %s  id=%s contests=%zu selections=%zu canonical=%zu bytes hash=%s\n",
              path.filename().string().c_str(), m.election_id.c_str(), m.contests.size(),
              m.selection_count(), tabella::election::canonical_bytes(m).size(),
              tabella::to_hex(digest).c_str());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s <ballot.json | directory>...\n", argv[0]);
    return 2;
  }
  std::vector<fs::path> files;
  for (int i = 1; i < argc; ++i) {
    fs::path arg(argv[i]);
    std::error_code ec;
    if (fs::is_directory(arg, ec)) {
      std::vector<fs::path> found;
      for (const auto& entry : fs::directory_iterator(arg, ec)) {
        if (entry.is_regular_file() && entry.path().extension() == ".json") {
          found.push_back(entry.path());
        }
      }
      if (ec) {
        std::fprintf(stderr, "%s: %s\n", arg.string().c_str(), ec.message().c_str());
        return 1;
      }
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else {
      files.push_back(arg);
    }
  }
  if (files.empty()) {
    std::fprintf(stderr, "no ballot files found\n");
    return 1;
  }
  int failed = 0;
  for (const auto& f : files) failed += check_file(f) ? 0 : 1;
  std::printf("%zu file(s), %d failed\n", files.size(), failed);
  return failed == 0 ? 0 : 1;
}
