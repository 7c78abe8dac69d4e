#include "tabella/client/view_state.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tabella/client/cli_support.h"
#include "tabella/client/key_files.h"

namespace tabella::client {

namespace {

using nlohmann::json;

constexpr std::string_view kViewFormat = "tabella-view/1";
constexpr std::string_view kEvidenceFormat = "tabella-view-evidence/1";

json hashes(std::span<const ledger::Hash> list) {
  json out = json::array();
  for (const auto& h : list) out.push_back(to_hex(h));
  return out;
}

}  // namespace

Result<std::optional<std::string>> load_view_state(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::optional<std::string>();
  std::ifstream in(path);
  if (!in) return make_error(ErrorCode::kIo, "cannot read the view state file", path.string());
  std::stringstream text;
  text << in.rdbuf();
  json j = json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  auto damaged = [&path](const std::string& why) {
    return make_error(ErrorCode::kInvalidEncoding,
                      "not a " + std::string(kViewFormat) + " view state file: " + why,
                      path.string());
  };
  if (!j.is_object()) return damaged("not a JSON object");
  auto format = j.find("format");
  if (format == j.end() || *format != kViewFormat) return damaged("wrong \"format\"");
  auto cp = j.find("checkpoint");
  if (cp == j.end() || !cp->is_string()) return damaged("no \"checkpoint\" string");
  return std::optional<std::string>(cp->get<std::string>());
}

Status save_view_state(const std::filesystem::path& path, const ledger::LogView::Accepted& accepted,
                       const std::string& ledger_url) {
  json j{{"format", kViewFormat},
         {"origin", accepted.checkpoint.origin},
         {"ledger", ledger_url},
         {"size", accepted.checkpoint.size},
         {"root", to_hex(accepted.checkpoint.root)},
         {"checkpoint", accepted.note},
         {"accepted_at", unix_now()}};
  std::string text = j.dump(2) + "\n";
  return write_private_file(path, as_bytes(text), /*overwrite=*/true);
}

Result<std::filesystem::path> write_view_evidence(const std::filesystem::path& state_path,
                                                  const ledger::ViewConflict& conflict,
                                                  const std::string& origin,
                                                  const std::string& ledger_url) {
  const std::uint64_t now = unix_now();
  json j{{"format", kEvidenceFormat},
         {"fault", ledger::log_fault_name(conflict.fault)},
         {"reason", conflict.reason},
         {"ledger", ledger_url},
         {"origin", origin},
         {"observed_at", now},
         {"accepted_checkpoint", conflict.accepted},
         {"offered_checkpoint", conflict.offered},
         {"entries_read", conflict.entries_read},
         {"prefix_root", conflict.prefix_root ? json(to_hex(*conflict.prefix_root)) : json()},
         {"consistency_proof", hashes(conflict.proof)},
         {"ledger_consistency_proof", hashes(conflict.ledger_proof)}};
  const std::string text = j.dump(2) + "\n";
  std::filesystem::path dir = state_path.has_parent_path() ? state_path.parent_path() : ".";
  std::string stem = state_path.empty() ? "tabella-view" : state_path.filename().string();
  for (int n = 0; n < 100; ++n) {
    std::filesystem::path file = dir / (stem + ".evidence-" + std::to_string(now) +
                                        (n ? "-" + std::to_string(n) : "") + ".json");
    Status wrote = write_private_file(file, as_bytes(text), /*overwrite=*/false);
    if (wrote.ok()) return file;
    if (wrote.error().code != ErrorCode::kConflict) return wrote.error();
  }
  return make_error(ErrorCode::kIo, "cannot find a free evidence file name", dir.string());
}

}  // namespace tabella::client
