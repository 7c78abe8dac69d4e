#include "tabella/record/record_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "tabella/record/entry.h"

namespace tabella::record {

namespace {
Error line_error(std::uint64_t line, ErrorCode code, const std::string& message) {
  return make_error(code, message, "line " + std::to_string(line));
}
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
  auto j = nlohmann::json::parse(first, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object() || !j.contains("format") || !j["format"].is_string()) {
    return line_error(1, ErrorCode::kInvalidEncoding,
                      "the first line must be the record header {\"format\":\"" +
                          std::string(kRecordFormat) + "\",...}");
  }
  if (j["format"].get<std::string>() != kRecordFormat) {
    return line_error(1, ErrorCode::kInvalidEncoding,
                      "unsupported record format \"" + j["format"].get<std::string>() + "\"");
  }
  if (j.contains("origin") && j["origin"].is_string()) {
    r.header_.origin = j["origin"].get<std::string>();
  }
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
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return line_error(line_, ErrorCode::kInvalidEncoding, "not a JSON object (truncated file?)");
  }
  if (j.contains("checkpoint")) {
    if (!j["checkpoint"].is_string()) {
      return line_error(line_, ErrorCode::kInvalidEncoding, "checkpoint must be a string");
    }
    if (next_index_ != 0) {
      return line_error(line_, ErrorCode::kInvalidEncoding, "checkpoint after the first entry");
    }
    return std::optional<RecordItem>(RecordCheckpoint{j["checkpoint"].get<std::string>()});
  }
  if (!j.contains("index") || !j["index"].is_number_unsigned() || !j.contains("entry") ||
      !j["entry"].is_string()) {
    return line_error(line_, ErrorCode::kInvalidEncoding,
                      "expected {\"index\":N,\"type\":...,\"entry\":\"<base64>\"}");
  }
  // An index out of sequence (a missing, repeated or moved entry) is returned as it is: whether
  // the entries form the signed log is the verifier's question, not a reading error.
  auto index = j["index"].get<std::uint64_t>();
  auto bytes = from_base64(j["entry"].get<std::string>());
  if (!bytes.ok()) return bytes.error().with_prefix("line " + std::to_string(line_) + ".entry");
  if (j.contains("type")) {
    auto decoded = Entry::decode(*bytes);
    if (decoded.ok() && (!j["type"].is_string() ||
                         j["type"].get<std::string>() != entry_type_name(decoded->type))) {
      return line_error(line_, ErrorCode::kInvalidEncoding,
                        "\"type\" does not match the entry's own type \"" +
                            std::string(entry_type_name(decoded->type)) + "\"");
    }
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
