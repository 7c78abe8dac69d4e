// Private files of the client tools (authority and guardian keys, guardian secret state, voter
// tokens): written atomically with mode 0600 and read only when no one else can read them.
// Thread-safety: free functions; concurrent writers to one path are serialised by the file system
// (one of them wins the rename).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "tabella/crypto/ed25519.h"
#include "tabella/util/bytes.h"
#include "tabella/util/result.h"

namespace tabella::client {

// Writes `data` to `path` with mode 0600: a temporary file in the same directory (O_CREAT|O_EXCL,
// 0600), written, fsync'ed, then renamed over `path`. kConflict if `path` exists and !overwrite;
// kIo otherwise, naming the path.
Status write_private_file(const std::filesystem::path& path, ByteView data, bool overwrite);

// Reads a private file. kPermission if group or others may access it (mode & 077), kIo if it
// cannot be read, kLimit past max_size.
Result<SecretBytes> read_private_file(const std::filesystem::path& path,
                                      std::size_t max_size = 1u << 20);

// SigningKey::load_pem with a message that says whose key it is:
//   "cannot load the authority key from ./authority.key: no such file (create one with
//    `tabella-admin keygen`)"
Result<SigningKey> load_signing_key(const std::filesystem::path& path, std::string_view whose,
                                    std::string_view hint);

// 64 hex digits -> an Ed25519 public key (kInvalidArgument naming `field`).
Result<PublicKeyBytes> parse_public_key(std::string_view hex, std::string_view field);

}  // namespace tabella::client
