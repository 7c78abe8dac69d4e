// The bulletin board as a static site (docs/api.md, "Bulletin board"): `tabella-admin publish`
// fetches every board page of the ledger (election, tracking codes, results, the how-to pages
// and one page per ballot, in every language of the manifest) with its embedded data and the
// bundled script, and writes them as files whose links point at each other, so an election
// office can host the final board anywhere. The browser checks run on the static pages as on
// the live ones (the data they check is inside each page).
#pragma once

#include <cstddef>
#include <filesystem>
#include <ostream>
#include <string>

#include "tabella/util/result.h"

namespace tabella::admin {

// Writes <dir>/board/ (index.html redirects to the default language). The record is linked as
// ../record.jsonl. Returns the number of pages written; kIo when a page cannot be fetched or a
// file written. With `progress`, a line per language and every 100 pages goes there.
Result<std::size_t> write_static_board(const std::string& ledger_url,
                                       const std::filesystem::path& dir,
                                       std::ostream* progress = nullptr);

}  // namespace tabella::admin
