// The printable voter-token sheet: a PDF (cairo) with one slip per token — election title,
// precinct, the token as text and as a QR code (libqrencode) — 10 slips per A4 page, with cut
// lines. Poll workers hand one slip to each voter; the kiosk reads the code typed or scanned.
// Thread-safety: pure function (cairo and libqrencode state is local to the call).
#pragma once

#include <string>
#include <vector>

#include "tabella/util/bytes.h"
#include "tabella/util/result.h"

namespace tabella::admin {

struct TokenSheet {
  std::string title;     // election title in the default language
  std::string precinct;  //
  std::vector<std::string> tokens;
};

// The PDF bytes. kLimit for more than 100,000 tokens, kIo if cairo or libqrencode fails.
Result<Bytes> render_token_pdf(const TokenSheet& sheet);

}  // namespace tabella::admin
