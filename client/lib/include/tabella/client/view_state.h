// The view state file of tabella-admin and tabella-guardian: the last checkpoint the tool
// accepted (ledger/log_view.h), so that the next run accepts only a log that extends it. And the
// evidence file a tool writes when the ledger shows it a log that does not (a fork, a rollback,
// or entries that do not hash to the ledger's own signed checkpoint).
//
// View state (JSON, one object; written atomically, mode 0600; public data, no secret):
//   {"format": "tabella-view/1", "origin": "<origin>", "ledger": "<URL it was read from>",
//    "size": <n>, "root": "<hex>", "checkpoint": "<signed note, with cosignature lines>",
//    "accepted_at": <POSIX seconds>}
// Evidence (JSON, one object, a new file each time, never overwritten):
//   {"format": "tabella-view-evidence/1", "fault": "<log_fault_name>", "reason": "<text>",
//    "ledger": "<URL>", "origin": "<origin>", "observed_at": <POSIX seconds>,
//    "accepted_checkpoint": "<note or empty>", "offered_checkpoint": "<note>",
//    "entries_read": <n>, "prefix_root": "<hex>" | null,
//    "consistency_proof": ["<hex>", ...], "ledger_consistency_proof": ["<hex>", ...]}
// (docs/admin-guide.md "When a tool refuses the ledger's view" says what to do with it.)
// Thread-safety: free functions.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "tabella/ledger/log_view.h"
#include "tabella/util/result.h"

namespace tabella::client {

// The checkpoint note saved in `path`; nullopt when the file does not exist. kInvalidEncoding
// naming the path for a file that is not a view state.
Result<std::optional<std::string>> load_view_state(const std::filesystem::path& path);

// Replaces `path` with the view state of `accepted`.
Status save_view_state(const std::filesystem::path& path, const ledger::LogView::Accepted& accepted,
                       const std::string& ledger_url);

// Writes the evidence next to `state_path` (or in the current directory when it is empty) as
// "<state file name>.evidence-<POSIX seconds>[-<n>].json"; returns the path written.
Result<std::filesystem::path> write_view_evidence(const std::filesystem::path& state_path,
                                                  const ledger::ViewConflict& conflict,
                                                  const std::string& origin,
                                                  const std::string& ledger_url);

}  // namespace tabella::client
