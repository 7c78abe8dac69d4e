// Byte strings, hex/base64 codecs and secret hygiene.
// Thread-safety: free functions, no shared state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tabella/util/result.h"

namespace tabella {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

inline ByteView as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
inline std::string to_string(ByteView b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

std::string to_hex(ByteView data);
Result<Bytes> from_hex(std::string_view hex);  // lower or upper case, even length

// Standard base64 (RFC 4648 section 4) with padding, as used by C2SP signed notes.
std::string to_base64(ByteView data);
Result<Bytes> from_base64(std::string_view text);  // strict: rejects bad chars and bad padding

// Base32 (RFC 4648 section 6 alphabet, upper case) without padding: the last group of fewer
// than 5 bits is filled with zero bits. Typed codes and key fingerprints use it.
std::string to_base32(ByteView data);

// `chars` in groups of four joined by '-' ("ABCD-EFGH-IJ"), as codes are shown to people.
std::string dash_groups(std::string_view chars);

// Overwrites memory in a way the compiler cannot elide (OPENSSL_cleanse).
void secure_zero(void* data, std::size_t size);

// Constant-time equality of equal-length buffers; false if lengths differ.
bool ct_equal(ByteView a, ByteView b);

// A byte buffer for secrets: zeroised when destroyed or cleared. Move-only.
class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(std::size_t size) : data_(size) {}
  explicit SecretBytes(ByteView data) : data_(data.begin(), data.end()) {}
  ~SecretBytes() { clear(); }
  SecretBytes(SecretBytes&& other) noexcept : data_(std::move(other.data_)) { other.data_.clear(); }
  SecretBytes& operator=(SecretBytes&& other) noexcept {
    if (this != &other) {
      clear();
      data_ = std::move(other.data_);
      other.data_.clear();
    }
    return *this;
  }
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;

  void clear() {
    if (!data_.empty()) secure_zero(data_.data(), data_.size());
    data_.clear();
  }
  std::uint8_t* data() { return data_.data(); }
  const std::uint8_t* data() const { return data_.data(); }
  std::size_t size() const { return data_.size(); }
  bool empty() const { return data_.empty(); }
  ByteView view() const { return data_; }

 private:
  std::vector<std::uint8_t> data_;
};

}  // namespace tabella
