// Structured logs: one line per event on stderr, key=value pairs after a UTC timestamp and level:
//   ts=2024-05-01T12:00:00.123Z level=info event=request id=3f2a... method=GET status=200
// Values with spaces, quotes or '=' are double-quoted with \" and \\ escapes.
//
// Thread-safety: log_event may be called from any thread; lines never interleave.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace tabella::server {

enum class LogLevel { kInfo, kWarn, kError };

using LogField = std::pair<std::string_view, std::string>;

void log_event(LogLevel level, std::string_view event, std::initializer_list<LogField> fields = {});

// Formats one line without the trailing newline (exposed for tests).
std::string format_log_line(LogLevel level, std::string_view event,
                            std::initializer_list<LogField> fields);

// Off: nothing is written (quiet tests). On by default.
void set_logging_enabled(bool enabled);

}  // namespace tabella::server
