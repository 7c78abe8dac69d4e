// Test support: loads tests/vectors/*.json (path fixed at configure time; never ../shared).
#pragma once

#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

namespace tabella::testing {

inline nlohmann::json load_vectors(const std::string& file = "standard.json") {
  std::ifstream in(std::string(TABELLA_VECTORS_DIR) + "/" + file);
  if (!in) throw std::runtime_error("cannot open vectors file " + file);
  return nlohmann::json::parse(in);
}

}  // namespace tabella::testing
