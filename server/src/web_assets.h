// The bulletin board's static files (server/web/), embedded into the binary at build time by
// cmake/embed_assets.cmake. Thread-safety: immutable after first use.
#pragma once

#include <string_view>
#include <vector>

namespace tabella::server {

struct WebAsset {
  std::string_view name;   // file name under server/web/, e.g. "board.css"
  std::string_view bytes;  // its contents
};

const std::vector<WebAsset>& web_assets();

}  // namespace tabella::server
