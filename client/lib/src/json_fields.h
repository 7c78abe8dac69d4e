// Strict readers of JSON object fields for the client library: each returns an Error naming the
// field instead of throwing. Internal to tabella_client.
// Thread-safety: pure functions.
#pragma once

#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "tabella/util/bytes.h"
#include "tabella/util/result.h"

namespace tabella::client::detail {

inline Error missing(const std::string& name, const char* what) {
  return make_error(ErrorCode::kInvalidEncoding, std::string("expected ") + what, name);
}

inline Result<std::uint64_t> get_u64(const nlohmann::json& j, const std::string& name) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_number_unsigned()) {
    if (it != j.end() && it->is_number_integer() && it->get<std::int64_t>() >= 0) {
      return static_cast<std::uint64_t>(it->get<std::int64_t>());
    }
    return missing(name, "an unsigned integer");
  }
  return it->get<std::uint64_t>();
}

inline Result<std::string> get_string(const nlohmann::json& j, const std::string& name) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_string()) return missing(name, "a string");
  return it->get<std::string>();
}

inline bool get_bool_or(const nlohmann::json& j, const std::string& name, bool fallback) {
  auto it = j.find(name);
  return it != j.end() && it->is_boolean() ? it->get<bool>() : fallback;
}

template <std::size_t N>
Result<std::array<std::uint8_t, N>> hex_array(const std::string& text, const std::string& name) {
  auto bytes = from_hex(text);
  if (!bytes || bytes->size() != N) {
    return make_error(ErrorCode::kInvalidEncoding,
                      "expected " + std::to_string(N * 2) + " hex digits", name);
  }
  std::array<std::uint8_t, N> out{};
  std::copy(bytes->begin(), bytes->end(), out.begin());
  return out;
}

template <std::size_t N>
Result<std::array<std::uint8_t, N>> get_hex(const nlohmann::json& j, const std::string& name) {
  auto s = get_string(j, name);
  if (!s) return s.error();
  return hex_array<N>(*s, name);
}

}  // namespace tabella::client::detail
