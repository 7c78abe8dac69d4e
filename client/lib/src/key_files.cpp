#include "tabella/client/key_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>

namespace tabella::client {

Status write_private_file(const std::filesystem::path& path, ByteView data, bool overwrite) {
  std::error_code ec;
  if (!overwrite && std::filesystem::exists(path, ec)) {
    return make_error(ErrorCode::kConflict, "file exists; refusing to overwrite it", path.string());
  }
  std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : ".";
  std::random_device rd;
  std::filesystem::path tmp =
      dir / ("." + path.filename().string() + ".tmp" + std::to_string(rd() % 1000000));
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return errno_error("cannot create", tmp.string());
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      Error e = errno_error("cannot write", tmp.string());
      ::close(fd);
      ::unlink(tmp.c_str());
      return e;
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    Error e = errno_error("cannot fsync", tmp.string());
    ::close(fd);
    ::unlink(tmp.c_str());
    return e;
  }
  ::close(fd);
  if (!overwrite) {
    if (::link(tmp.c_str(), path.c_str()) != 0) {
      Error e = errno == EEXIST ? make_error(ErrorCode::kConflict,
                                             "file exists; refusing to overwrite it", path.string())
                                : errno_error("cannot create", path.string());
      ::unlink(tmp.c_str());
      return e;
    }
    ::unlink(tmp.c_str());
  } else if (::rename(tmp.c_str(), path.c_str()) != 0) {
    Error e = errno_error("cannot replace", path.string());
    ::unlink(tmp.c_str());
    return e;
  }
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    (void)::fsync(dfd);
    ::close(dfd);
  }
  return {};
}

Result<SecretBytes> read_private_file(const std::filesystem::path& path, std::size_t max_size) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return errno_error("cannot read", path.string());
  if ((st.st_mode & 077) != 0) {
    return make_error(ErrorCode::kPermission,
                      "file is readable by others; it must be mode 0600 (chmod 600)",
                      path.string());
  }
  if (static_cast<std::size_t>(st.st_size) > max_size) {
    return make_error(ErrorCode::kLimit, "file is larger than expected", path.string());
  }
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno_error("cannot open", path.string());
  SecretBytes out(static_cast<std::size_t>(st.st_size));
  std::size_t done = 0;
  while (done < out.size()) {
    ssize_t n = ::read(fd, out.data() + done, out.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      Error e = errno_error("cannot read", path.string());
      ::close(fd);
      return e;
    }
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
  return out;
}

Result<SigningKey> load_signing_key(const std::filesystem::path& path, std::string_view whose,
                                    std::string_view hint) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return make_error(ErrorCode::kIo, "cannot load the " + std::string(whose) + " from " +
                                          path.string() + ": no such file" +
                                          (hint.empty() ? "" : " (" + std::string(hint) + ")"));
  }
  auto key = SigningKey::load_pem(path.string());
  if (!key) {
    return make_error(key.error().code, "cannot load the " + std::string(whose) + " from " +
                                            path.string() + ": " + key.error().describe());
  }
  return key;
}

Result<PublicKeyBytes> parse_public_key(std::string_view hex, std::string_view field) {
  auto bytes = from_hex(hex);
  if (!bytes || bytes->size() != 32) {
    return make_error(ErrorCode::kInvalidArgument,
                      "expected an Ed25519 public key as 64 hex digits, got '" +
                          std::string(hex.substr(0, 80)) + "'",
                      std::string(field));
  }
  auto vk = VerifyKey::from_bytes(*bytes);
  if (!vk) return vk.error();
  return vk->bytes();
}

}  // namespace tabella::client
