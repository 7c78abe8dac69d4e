// A ledger's GET /v1/export body through tabella-verify's engine, as the integration tests check
// every record they make: the body is written to `file` (kept for a failure's post-mortem) and
// verified from there, the way an auditor would. Thread-safety: a function of its arguments.
#pragma once

#include <filesystem>
#include <fstream>
#include <string>

#include "verifier.h"

namespace tabella::testing {

inline Result<verify::Report> verify_export(const std::string& body,
                                            const std::filesystem::path& file,
                                            const verify::Options& options = {}) {
  {
    std::ofstream out(file, std::ios::binary);
    out << body;
  }
  return verify::verify_record(file, options);
}

}  // namespace tabella::testing
