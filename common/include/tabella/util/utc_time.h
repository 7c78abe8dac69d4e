#pragma once
// Seconds since the epoch as UTC text (the manifest's times, the logs, the board's pages).
//
// Thread-safety: pure functions (gmtime_r).
#include <cstdint>
#include <string>

namespace tabella {

// RFC 3339, whole seconds: "2026-05-03T18:00:00Z", the form of the manifest's start and end
// (strings of this form compare as times).
inline constexpr const char* kRfc3339 = "%Y-%m-%dT%H:%M:%SZ";

// `seconds` formatted with strftime's `format` (at most 63 characters of output).
std::string utc_time(std::uint64_t seconds, const char* format = kRfc3339);

}  // namespace tabella
