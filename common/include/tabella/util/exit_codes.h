// The exit codes every Tabella program uses (docs/admin-guide.md): 0 success, 1 the operation
// failed (refused, verification failed, timed out), 2 bad usage (an unknown option, a missing or
// malformed argument) or unreadable input.
#pragma once

namespace tabella {

inline constexpr int kExitSuccess = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

}  // namespace tabella
