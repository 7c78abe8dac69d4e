// The printable logic-and-accuracy test deck: one pre-marked test ballot per page (each contest
// with its choices, the marked ones as [X]), every page marked TEST, then the expected tally.
// Thread-safety: as PdfDocument (no other cairo drawing at the same time).
#pragma once

#include "tabella/client/test_deck.h"
#include "tabella/election/manifest.h"
#include "tabella/util/bytes.h"
#include "tabella/util/result.h"

namespace tabella::admin {

// kIo if cairo fails.
Result<Bytes> render_test_deck_pdf(const election::Manifest& m, const client::TestDeck& deck);

}  // namespace tabella::admin
