// Small pieces of etcd's v3 JSON gateway shared by the log (etcd_storage.cpp) and the
// cosignature sharing (etcd_cosign.cpp): keys and values travel base64-encoded.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "tabella/util/bytes.h"
#include "tabella/util/result.h"

namespace tabella::server::etcd::detail {

inline std::string b64(std::string_view s) {
  return to_base64(as_bytes(s));
}
inline std::string b64(ByteView b) {
  return to_base64(b);
}

// The decoded value of one kv of a range answer; a kv without "value" (etcd omits empty values)
// is empty. `what` names the key in the error.
inline Result<Bytes> kv_value(const nlohmann::json& kv, std::string_view what = "etcd value") {
  if (!kv.contains("value")) return Bytes{};
  auto v = from_base64(kv["value"].get<std::string>());
  if (!v) return v.error().with_prefix(std::string(what));
  return v;
}

}  // namespace tabella::server::etcd::detail
