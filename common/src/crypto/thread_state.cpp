#include "tabella/crypto/thread_state.h"

#include <openssl/crypto.h>

namespace tabella {

void release_thread_crypto_state() noexcept {
  OPENSSL_thread_stop();
}

}  // namespace tabella
