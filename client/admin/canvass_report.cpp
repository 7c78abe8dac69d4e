#include "canvass_report.h"

#include <sstream>
#include <vector>

#include "pdf_document.h"

namespace tabella::admin {

namespace {

constexpr double kMargin = 42;
constexpr double kBodySize = 8.5;
constexpr double kLeading = 11.5;
constexpr std::size_t kColumns = 100;  // DejaVu Sans Mono at 8.5pt across A4 less the margins

// Lines longer than kColumns bytes are broken at the last space before it (or at it, for long
// words such as hashes), the rest indented under the first.
std::vector<std::string> wrap(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::string indent;
    while (line.size() > kColumns) {
      std::size_t cut = line.rfind(' ', kColumns);
      if (cut == std::string::npos || cut <= indent.size() + 8) cut = kColumns;
      out.push_back(line.substr(0, cut));
      std::size_t lead = line.find_first_not_of(' ');
      indent.assign((lead == std::string::npos ? 0 : lead) + 4, ' ');
      line = indent + line.substr(cut == kColumns ? cut : cut + 1);
    }
    out.push_back(line);
  }
  return out;
}

}  // namespace

Result<Bytes> render_canvass_pdf(const PublishedResults& r, const std::string& generated) {
  auto doc = PdfDocument::create();
  if (!doc) return doc.error();
  PdfDocument& d = **doc;
  const auto& m = r.manifest;
  const auto lines = wrap(results_text(r));
  const double top = kMargin + 64;
  const double bottom = PdfDocument::kPageHeight - kMargin - 24;
  const auto per_page = static_cast<std::size_t>((bottom - top) / kLeading);
  const std::size_t pages = (lines.size() + per_page - 1) / per_page;
  for (std::size_t page = 0; page < pages; ++page) {
    if (page > 0) cairo_show_page(d.cr());
    d.text_at(
        kMargin, kMargin + 12, 15, true,
        m.test ? "TEST - canvass report of a test election, not a real result" : "Canvass report");
    std::string title;
    for (const auto& l : m.languages) {
      const std::string& t = m.title.in(l);
      if (title.find(t) == std::string::npos) title += (title.empty() ? "" : " / ") + t;
    }
    d.text_at(kMargin, kMargin + 30, 10, true, title);
    d.text_at(kMargin, kMargin + 44, 8, false,
              "Election " + m.election_id + ". Generated " + generated +
                  " by tabella-admin publish from the exported record, " +
                  (r.verified ? "after every check of tabella-verify passed."
                              : "which FAILED verification."));
    cairo_set_source_rgb(d.cr(), 0.5, 0.5, 0.5);
    cairo_set_line_width(d.cr(), 0.5);
    cairo_move_to(d.cr(), kMargin, kMargin + 52);
    cairo_line_to(d.cr(), PdfDocument::kPageWidth - kMargin, kMargin + 52);
    cairo_stroke(d.cr());
    for (std::size_t i = page * per_page; i < std::min(lines.size(), (page + 1) * per_page); ++i) {
      d.text_at(kMargin, top + static_cast<double>(i - page * per_page) * kLeading, kBodySize,
                false, lines[i], /*mono=*/true);
    }
    d.text_at(kMargin, PdfDocument::kPageHeight - kMargin, 6.5, false,
              "Q " + r.q_hex + "   checkpoint " + std::to_string(r.checkpoint_size) + " root " +
                  r.checkpoint_root_hex.substr(0, 16) + "...   page " + std::to_string(page + 1) +
                  " of " + std::to_string(pages));
  }
  return d.finish();
}

}  // namespace tabella::admin
