// Fuzzes the record-file reader (record_file.h), which reads a published election record from
// anyone: the bytes go to a file, RecordReader reads it to the end or to the first error. Nothing
// may crash; what was read, written again with RecordWriter, reads back the same.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <variant>
#include <vector>

#include "tabella/record/record_file.h"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

struct Read {
  std::string origin;
  std::vector<std::string> checkpoints;
  std::vector<tabella::record::RecordEntry> entries;
  bool complete = false;  // read to the end without an error
};

Read read_all(const std::filesystem::path& path) {
  using namespace tabella::record;
  Read out;
  auto reader = RecordReader::open(path);
  if (!reader.ok()) return out;
  out.origin = reader->header().origin;
  for (;;) {
    auto item = reader->next();
    if (!item.ok()) return out;
    if (!*item) break;
    if (auto* c = std::get_if<RecordCheckpoint>(&**item)) {
      check(out.entries.empty());  // the reader refuses a checkpoint after an entry
      out.checkpoints.push_back(c->note);
    } else {
      out.entries.push_back(std::get<RecordEntry>(std::move(**item)));
    }
  }
  out.complete = true;
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tabella::record;
  static const std::filesystem::path dir = [] {
    auto d = std::filesystem::temp_directory_path() /
             ("tabella-record-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    return d;
  }();
  const auto in = dir / "in.jsonl";
  const auto out = dir / "out.jsonl";
  {
    std::ofstream f(in, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  Read first = read_all(in);
  if (!first.complete) return 0;
  // Entries in sequence re-encode exactly (the writer numbers them itself).
  for (std::size_t i = 0; i < first.entries.size(); ++i) {
    if (first.entries[i].index != i) return 0;
  }
  auto writer = RecordWriter::create(out, RecordHeader{first.origin});
  check(writer.ok());
  for (const auto& c : first.checkpoints) check(writer->add_checkpoint(c).ok());
  for (const auto& e : first.entries) check(writer->add_entry(e.bytes).ok());
  check(writer->close().ok());
  Read second = read_all(out);
  check(second.complete && second.origin == first.origin &&
        second.checkpoints == first.checkpoints && second.entries.size() == first.entries.size());
  for (std::size_t i = 0; i < first.entries.size(); ++i) {
    check(second.entries[i].index == i && second.entries[i].bytes == first.entries[i].bytes);
  }
  return 0;
}
