// OpenSSL's per-thread state: the error queue and the per-thread random generators. OpenSSL
// frees it from a thread-exit hook, after everything else the thread does. A thread whose end
// is reported before the operating-system thread has exited (a QThread is detached: wait()
// returns once run() is over) must free it itself: otherwise the process can reach exit() and
// OpenSSL's cleanup, which deletes the hook, while the thread is still on its way out, and the
// state is never freed (a leak LeakSanitizer reports, seen once in CI on the kiosk).
// Thread-safety: acts on the calling thread only.
#pragma once

namespace tabella {

// Frees the calling thread's OpenSSL state now. OpenSSL makes it again if the thread uses it
// afterwards, so call it last.
void release_thread_crypto_state() noexcept;

}  // namespace tabella
