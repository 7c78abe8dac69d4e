#include "support/ledger_feed.h"

#include <chrono>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "tabella/record/entry.h"

namespace tabella::testing {

using nlohmann::json;

std::string entry_post_body(ByteView entry) {
  return json{{"entry", to_base64(entry)}}.dump();
}

KioskWriters::KioskWriters(const std::vector<Bytes>& entries, std::size_t first, std::size_t end,
                           std::function<bool(std::size_t, std::size_t)> submit) {
  std::map<PublicKeyBytes, std::vector<std::size_t>> by_kiosk;
  for (std::size_t i = first; i < end && i < entries.size(); ++i) {
    auto e = record::Entry::decode(entries[i]);
    if (!e) throw std::invalid_argument("entry " + std::to_string(i) + " does not decode");
    by_kiosk[e->author].push_back(i);
  }
  running_ = static_cast<int>(by_kiosk.size());
  for (auto& [kiosk, positions] : by_kiosk) {
    threads_.emplace_back([this, submit, positions = positions] {
      for (std::size_t nth = 0; nth < positions.size(); ++nth) {
        if (!submit(positions[nth], nth)) break;
        ++acknowledged_;
      }
      --running_;
    });
  }
}

KioskWriters::~KioskWriters() {
  join();
}

void KioskWriters::wait_for(int n) const {
  while (acknowledged_ < n && running_ > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

void KioskWriters::join() {
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

std::string witnessed_manifest(const std::filesystem::path& source_dir,
                               const std::filesystem::path& file,
                               const std::vector<ManifestWitness>& witnesses, unsigned quorum) {
  std::ifstream in(source_dir / "ballots" / "demo-general.json");
  json doc = json::parse(in);
  if (!witnesses.empty()) {
    json members = json::array();
    for (const auto& w : witnesses) members.push_back({{"name", w.name}, {"key", w.verifier_key}});
    doc["witnesses"] = {{"quorum", quorum}, {"members", members}};
  }
  std::ofstream(file) << doc.dump(2);
  return std::filesystem::relative(file, source_dir).string();
}

}  // namespace tabella::testing
