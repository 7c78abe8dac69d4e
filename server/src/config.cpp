#include "tabella/server/config.h"

#include <charconv>
#include <filesystem>
#include <nlohmann/json.hpp>

namespace tabella::server {

namespace {
std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

std::string normalise_key(std::string_view key) {
  std::string out(key);
  for (char& c : out) {
    if (c == '_') c = '-';
  }
  return out;
}

template <class T>
bool parse_uint(std::string_view text, T& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return !text.empty() && ec == std::errc() && end == text.data() + text.size();
}
}  // namespace

std::string ledger_key_path(const ServerConfig& config) {
  if (!config.key_file.empty()) return config.key_file;
  return (std::filesystem::path(config.data_dir) / "ledger.key").string();
}

Result<ListenAddress> parse_listen(std::string_view text) {
  auto bad = [&](const std::string& why) {
    return make_error(ErrorCode::kInvalidArgument,
                      "'" + std::string(text) + "' is not host:port (" + why + ")", "listen");
  };
  std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return bad("missing ':port'");
  std::string_view host = text.substr(0, colon);
  std::string_view port = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    return bad("IPv6 addresses need brackets: [::1]:8640");
  }
  if (host.empty()) return bad("empty host");
  if (host.find_first_of("[]") != std::string_view::npos) {
    return bad("brackets only around an IPv6 address: [::1]:8640");
  }
  ListenAddress out;
  out.host = std::string(host);
  if (!parse_uint(port, out.port)) return bad("port must be 0..65535");
  return out;
}

Result<std::chrono::milliseconds> parse_duration(std::string_view text) {
  std::uint64_t n = 0;
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  std::string_view unit = text.substr(digits);
  auto bad = make_error(ErrorCode::kInvalidArgument,
                        "'" + std::string(text) + "' is not a duration like 250ms, 1s, 2m",
                        "checkpoint_interval");
  if (!parse_uint(text.substr(0, digits), n) || n > (1ull << 40)) return bad;
  if (unit == "ms") return std::chrono::milliseconds(n);
  if (unit.empty() || unit == "s") return std::chrono::milliseconds(n * 1000);
  if (unit == "m") return std::chrono::milliseconds(n * 60000);
  if (unit == "h") return std::chrono::milliseconds(n * 3600000);
  return bad;
}

Result<std::uint64_t> parse_size(std::string_view text) {
  std::uint64_t mult = 1;
  if (!text.empty()) {
    switch (text.back()) {
      case 'K':
      case 'k':
        mult = 1ull << 10;
        break;
      case 'M':
      case 'm':
        mult = 1ull << 20;
        break;
      case 'G':
      case 'g':
        mult = 1ull << 30;
        break;
      default:
        break;
    }
  }
  if (mult != 1) text.remove_suffix(1);
  std::uint64_t n = 0;
  if (!parse_uint(text, n) || n > (UINT64_MAX / mult)) {
    return make_error(ErrorCode::kInvalidArgument,
                      "'" + std::string(text) + "' is not a size like 1048576, 512K or 1M",
                      "body_limit");
  }
  return n * mult;
}

Result<std::vector<std::pair<std::string, std::string>>> parse_config_text(std::string_view text) {
  std::vector<std::pair<std::string, std::string>> out;
  std::string_view body = trim(text);
  while (!body.empty() && (body.front() == '\n')) body = trim(body.substr(1));
  if (!body.empty() && body.front() == '{') {
    auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) {
      return make_error(ErrorCode::kInvalidArgument, "config file is not a valid JSON object");
    }
    for (const auto& [key, value] : j.items()) {
      if (key.empty()) return make_error(ErrorCode::kInvalidArgument, "empty key");
      if (value.is_string()) {
        out.emplace_back(normalise_key(key), value.get<std::string>());
      } else if (value.is_number_unsigned() || value.is_boolean()) {
        out.emplace_back(normalise_key(key), value.dump());
      } else if (value.is_array()) {
        // A list option ("witness": ["http://a:1", "http://b:2"]): one item per element.
        for (const auto& item : value) {
          if (!item.is_string()) {
            return make_error(ErrorCode::kInvalidArgument, "list elements must be strings", key);
          }
          out.emplace_back(normalise_key(key), item.get<std::string>());
        }
      } else {
        return make_error(ErrorCode::kInvalidArgument,
                          "value must be a string, an unsigned number, a boolean or a list of "
                          "strings",
                          key);
      }
    }
    return out;
  }
  std::size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    std::size_t nl = text.find('\n');
    std::string_view line = trim(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    std::size_t eq = line.find('=');
    if (eq == std::string_view::npos) {
      return make_error(ErrorCode::kInvalidArgument, "expected 'key = value'",
                        "line " + std::to_string(line_no));
    }
    std::string_view key = trim(line.substr(0, eq));
    std::string_view value = trim(line.substr(eq + 1));
    if (key.empty()) {
      return make_error(ErrorCode::kInvalidArgument, "empty key",
                        "line " + std::to_string(line_no));
    }
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
        value.back() == value.front()) {
      value = value.substr(1, value.size() - 2);
    }
    out.emplace_back(normalise_key(key), std::string(value));
  }
  return out;
}

}  // namespace tabella::server
