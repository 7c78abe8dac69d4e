// The published election record as a file (docs/spec.md §12): JSON Lines, one object a line.
//
//   {"format":"tabella-record/1","origin":"<log origin>"}          first line, always
//   {"checkpoint":"<signed note text>"}                            zero or more, any order
//   {"index":0,"type":"election","entry":"<base64 entry bytes>"}   the log's entries, in order
//
// Checkpoint lines come before the entries, so a reader knows every checkpoint size before it
// streams the entries through the Merkle tree. `entry` holds the exact canonical bytes that the
// ledger hashed into its leaves; `type` repeats the entry's type for people reading the file and
// must agree with it. A directory holding `record.jsonl` is the same record.
// Thread-safety: a reader or writer belongs to one thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <variant>

#include "tabella/util/bytes.h"
#include "tabella/util/result.h"

namespace tabella::record {

inline constexpr std::string_view kRecordFormat = "tabella-record/1";
inline constexpr std::size_t kMaxRecordLine = 1u << 20;

struct RecordHeader {
  std::string origin;
};

struct RecordCheckpoint {
  std::string note;  // signed note text (checkpoint body + signature lines)
};

struct RecordEntry {
  std::uint64_t index = 0;
  Bytes bytes;
};

using RecordItem = std::variant<RecordCheckpoint, RecordEntry>;

class RecordReader {
 public:
  // A file, or a directory holding record.jsonl. Reads and checks the header line.
  static Result<RecordReader> open(const std::filesystem::path& path);

  const RecordHeader& header() const { return header_; }
  // The next checkpoint or entry; std::nullopt at the end. A checkpoint after the first entry is
  // an error. Errors name the line ("line 17: ..."). Entry indices should count up from 0; an
  // entry is returned with the index its line states, so the caller can report a missing,
  // repeated or moved entry (tabella-verify check 27) instead of failing to read.
  Result<std::optional<RecordItem>> next();
  std::uint64_t line() const { return line_; }

 private:
  std::unique_ptr<std::ifstream> in_;
  RecordHeader header_;
  std::uint64_t line_ = 0;
  std::uint64_t next_index_ = 0;
};

class RecordWriter {
 public:
  // Creates (truncates) the file. Checkpoints must be written before entries.
  static Result<RecordWriter> create(const std::filesystem::path& path, const RecordHeader& header);
  Status add_checkpoint(const std::string& note);
  Status add_entry(ByteView entry_bytes);  // index and type are derived
  // Flushes and fsyncs.
  Status close();

 private:
  std::filesystem::path path_;
  std::unique_ptr<std::ofstream> out_;
  std::uint64_t next_index_ = 0;
};

}  // namespace tabella::record
