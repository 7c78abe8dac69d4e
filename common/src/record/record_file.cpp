#include "tabella/record/record_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "tabella/record/entry.h"

namespace tabella::record {

namespace {
Error line_error(std::uint64_t line, ErrorCode code, const std::string& message) {
  return make_error(code, message, "line " + std::to_string(line));
}

// One line of the record (docs/spec.md §12.1): a JSON object, no member repeated.
// nlohmann::json keeps the last of two equal keys, so duplicates are caught while parsing.
Result<nlohmann::json> parse_object(const std::string& text, std::uint64_t line,
                                    std::string_view what) {
  std::set<std::string> keys;
  std::string duplicate;
  auto callback = [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    if (event == nlohmann::json::parse_event_t::key && depth == 1 && parsed.is_string()) {
      if (!keys.insert(parsed.get<std::string>()).second && duplicate.empty()) {
        duplicate = parsed.get<std::string>();
      }
    }
    return true;
  };
  auto j = nlohmann::json::parse(text, callback, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return line_error(line, ErrorCode::kInvalidEncoding,
                      "not a JSON object (truncated file?); expected " + std::string(what));
  }
  if (!duplicate.empty()) {
    return line_error(line, ErrorCode::kInvalidEncoding,
                      "member \"" + duplicate + "\" appears twice; expected " + std::string(what));
  }
  return j;
}

// Its members are exactly `members`.
Status check_members(const nlohmann::json& j, std::uint64_t line,
                     std::initializer_list<std::string_view> members, std::string_view what) {
  for (const auto& [key, value] : j.items()) {
    if (std::find(members.begin(), members.end(), key) == members.end()) {
      return line_error(line, ErrorCode::kInvalidEncoding,
                        "unknown member \"" + key + "\"; expected " + std::string(what));
    }
  }
  for (std::string_view key : members) {
    if (!j.contains(key)) {
      return line_error(
          line, ErrorCode::kInvalidEncoding,
          "member \"" + std::string(key) + "\" is missing; expected " + std::string(what));
    }
  }
  return {};
}

constexpr std::string_view kHeaderShape =
    R"({"format":"tabella-record/1","origin":"<log origin>"})";
constexpr std::string_view kCheckpointShape = R"({"checkpoint":"<signed note>"})";
constexpr std::string_view kEntryShape = R"({"index":N,"type":"<entry type>","entry":"<base64>"})";
}  // namespace

Result<RecordReader> RecordReader::open(const std::filesystem::path& path) {
  std::error_code ec;
  std::filesystem::path file = path;
  if (std::filesystem::is_directory(path, ec)) file = path / "record.jsonl";
  if (!std::filesystem::is_regular_file(file, ec)) {
    return make_error(ErrorCode::kIo, "no record file at " + file.string());
  }
  RecordReader r;
  r.in_ = std::make_unique<std::ifstream>(file, std::ios::binary);
  if (!*r.in_) return make_error(ErrorCode::kIo, "cannot open " + file.string());
  std::string first;
  if (!std::getline(*r.in_, first)) {
    return make_error(ErrorCode::kInvalidEncoding, "empty record file " + file.string());
  }
  r.line_ = 1;
  if (first.size() > kMaxRecordLine) {
    return line_error(1, ErrorCode::kLimit,
                      "line longer than " + std::to_string(kMaxRecordLine) + " bytes");
  }
  const std::string header = "the record header " + std::string(kHeaderShape);
  auto j = parse_object(first, 1, header);
  if (!j.ok()) return j.error();
  TABELLA_TRY(check_members(*j, 1, {"format", "origin"}, header));
  if (!(*j)["format"].is_string() || !(*j)["origin"].is_string()) {
    return line_error(1, ErrorCode::kInvalidEncoding,
                      "\"format\" and \"origin\" must be strings; expected the record header " +
                          std::string(kHeaderShape));
  }
  if ((*j)["format"].get<std::string>() != kRecordFormat) {
    return line_error(1, ErrorCode::kInvalidEncoding,
                      "unsupported record format \"" + (*j)["format"].get<std::string>() + "\"");
  }
  r.header_.origin = (*j)["origin"].get<std::string>();
  return r;
}

Result<std::optional<RecordItem>> RecordReader::next() {
  std::string text;
  for (;;) {
    if (!std::getline(*in_, text)) {
      if (in_->bad())
        return make_error(ErrorCode::kIo, "read error after line " + std::to_string(line_));
      return std::optional<RecordItem>();
    }
    ++line_;
    if (!text.empty()) break;
  }
  if (text.size() > kMaxRecordLine) {
    return line_error(line_, ErrorCode::kLimit,
                      "line longer than " + std::to_string(kMaxRecordLine) + " bytes");
  }
  const std::string what = "a checkpoint line " + std::string(kCheckpointShape) +
                           " or an entry line " + std::string(kEntryShape);
  auto j = parse_object(text, line_, what);
  if (!j.ok()) return j.error();
  if (j->contains("checkpoint")) {
    TABELLA_TRY(check_members(*j, line_, {"checkpoint"}, what));
    if (!(*j)["checkpoint"].is_string()) {
      return line_error(line_, ErrorCode::kInvalidEncoding, "checkpoint must be a string");
    }
    if (next_index_ != 0) {
      return line_error(line_, ErrorCode::kInvalidEncoding, "checkpoint after the first entry");
    }
    return std::optional<RecordItem>(RecordCheckpoint{(*j)["checkpoint"].get<std::string>()});
  }
  TABELLA_TRY(check_members(*j, line_, {"index", "type", "entry"}, what));
  // A JSON integer without sign, fraction or exponent, 0 .. 2^64 - 1 ("23.0", "-0", "1e3" are not).
  // nlohmann::json reads digits without a sign as unsigned, "-0" and "-1" as signed.
  if (!(*j)["index"].is_number_unsigned()) {
    return line_error(line_, ErrorCode::kInvalidEncoding,
                      "\"index\" must be a non-negative integer written without fraction or "
                      "exponent, got " +
                          (*j)["index"].dump());
  }
  if (!(*j)["type"].is_string() || !(*j)["entry"].is_string()) {
    return line_error(
        line_, ErrorCode::kInvalidEncoding,
        "\"type\" and \"entry\" must be strings; expected " + std::string(kEntryShape));
  }
  // An index out of sequence (a missing, repeated or moved entry) is returned as it is: whether
  // the entries form the signed log is the verifier's question, not a reading error.
  auto index = (*j)["index"].get<std::uint64_t>();
  auto bytes = from_base64((*j)["entry"].get<std::string>());
  if (!bytes.ok()) return bytes.error().with_prefix("line " + std::to_string(line_) + ".entry");
  // `type` repeats the entry's type: compared when the envelope decodes (an entry check 1
  // refuses is reported by the verifier, whatever its line says).
  const std::string type = (*j)["type"].get<std::string>();
  if (auto decoded = Entry::decode(*bytes);
      decoded.ok() && type != entry_type_name(decoded->type)) {
    return line_error(line_, ErrorCode::kInvalidEncoding,
                      "\"type\" is \"" + type + "\" but the entry's own type is \"" +
                          std::string(entry_type_name(decoded->type)) + "\"");
  }
  ++next_index_;
  return std::optional<RecordItem>(RecordEntry{index, std::move(*bytes)});
}

Result<RecordWriter> RecordWriter::create(const std::filesystem::path& path,
                                          const RecordHeader& header) {
  RecordWriter w;
  w.path_ = path;
  w.out_ = std::make_unique<std::ofstream>(path, std::ios::binary | std::ios::trunc);
  if (!*w.out_) return make_error(ErrorCode::kIo, "cannot create " + path.string());
  nlohmann::json h = {{"format", kRecordFormat}, {"origin", header.origin}};
  *w.out_ << h.dump() << '\n';
  return w;
}

Status RecordWriter::add_checkpoint(const std::string& note) {
  if (next_index_ != 0) {
    return make_error(ErrorCode::kInvalidArgument, "checkpoints must precede the entries");
  }
  *out_ << nlohmann::json{{"checkpoint", note}}.dump() << '\n';
  return {};
}

Status RecordWriter::add_entry(ByteView entry_bytes) {
  std::string type = "unknown";
  if (auto e = Entry::decode(entry_bytes); e.ok()) type = std::string(entry_type_name(e->type));
  nlohmann::json j = {{"index", next_index_}, {"type", type}, {"entry", to_base64(entry_bytes)}};
  *out_ << j.dump() << '\n';
  ++next_index_;
  if (!*out_) return make_error(ErrorCode::kIo, "write failed on " + path_.string());
  return {};
}

Status RecordWriter::close() {
  out_->flush();
  if (!*out_) return make_error(ErrorCode::kIo, "write failed on " + path_.string());
  out_->close();
  int fd = ::open(path_.c_str(), O_RDONLY);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
  return {};
}

}  // namespace tabella::record
