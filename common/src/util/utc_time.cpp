#include "tabella/util/utc_time.h"

#include <ctime>

namespace tabella {

std::string utc_time(std::uint64_t seconds, const char* format) {
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char out[64];
  std::size_t n = std::strftime(out, sizeof out, format, &tm);
  return std::string(out, n);
}

}  // namespace tabella
