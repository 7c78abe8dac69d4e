// The canvass report as a PDF (A4, cairo): the published results (results_text) under a heading
// with the election's title in every language, the time it was generated and the election's
// identity on every page's footer (Q, the final checkpoint root), for an office to print, sign
// and file.
// Thread-safety: as PdfDocument (pdf_document.h).
#pragma once

#include <string>

#include "results_report.h"
#include "tabella/util/bytes.h"
#include "tabella/util/result.h"

namespace tabella::admin {

// generated: "YYYY-MM-DDTHH:MM:SSZ". kIo if cairo fails.
Result<Bytes> render_canvass_pdf(const PublishedResults& r, const std::string& generated);

}  // namespace tabella::admin
