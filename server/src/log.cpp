#include "tabella/server/log.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>

#include "tabella/util/mutex.h"

namespace tabella::server {

namespace {
std::atomic<bool> g_enabled{true};
Mutex g_mu;  // one line at a time on stderr

const char* level_name(LogLevel level) {
  switch (level) {
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

void append_value(std::string& out, std::string_view v) {
  bool quote = v.empty();
  for (char c : v) quote = quote || c == ' ' || c == '"' || c == '=' || c == '\\' || c < 0x20;
  if (!quote) {
    out += v;
    return;
  }
  out += '"';
  for (char c : v) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += ' ';
    } else {
      out += c;
    }
  }
  out += '"';
}
}  // namespace

std::string format_log_line(LogLevel level, std::string_view event,
                            std::initializer_list<LogField> fields) {
  auto now = std::chrono::system_clock::now();
  std::time_t secs = std::chrono::system_clock::to_time_t(now);
  auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char ts[96];
  std::snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  std::string line = std::string("ts=") + ts + " level=" + level_name(level) + " event=";
  append_value(line, event);
  for (const auto& [key, value] : fields) {
    line += ' ';
    line += key;
    line += '=';
    append_value(line, value);
  }
  return line;
}

void log_event(LogLevel level, std::string_view event, std::initializer_list<LogField> fields) {
  if (!g_enabled.load(std::memory_order_relaxed)) return;
  std::string line = format_log_line(level, event, fields);
  line += '\n';
  MutexLock lock(g_mu);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

void set_logging_enabled(bool enabled) {
  g_enabled = enabled;
}

}  // namespace tabella::server
