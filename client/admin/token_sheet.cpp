#include "token_sheet.h"

#include <qrencode.h>

#include <memory>

#include "pdf_document.h"

namespace tabella::admin {

namespace {

constexpr double kPageWidth = PdfDocument::kPageWidth;
constexpr double kPageHeight = PdfDocument::kPageHeight;
constexpr int kColumns = 2;
constexpr int kRows = 5;
constexpr double kMargin = 28;

struct QrDeleter {
  void operator()(QRcode* q) const { QRcode_free(q); }
};

Status draw_qr(cairo_t* cr, const std::string& text, double x, double y, double size) {
  std::unique_ptr<QRcode, QrDeleter> qr(
      QRcode_encodeString(text.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, /*casesensitive=*/1));
  if (!qr) return make_error(ErrorCode::kIo, "libqrencode could not encode a token");
  int width = qr->width;
  double module = size / (width + 8);  // 4-module quiet zone on each side
  cairo_set_source_rgb(cr, 0, 0, 0);
  for (int row = 0; row < width; ++row) {
    for (int col = 0; col < width; ++col) {
      if ((qr->data[row * width + col] & 1) != 0) {
        cairo_rectangle(cr, x + (col + 4) * module, y + (row + 4) * module, module, module);
      }
    }
  }
  cairo_fill(cr);
  return {};
}

}  // namespace

Result<Bytes> render_token_pdf(const TokenSheet& sheet) {
  if (sheet.tokens.size() > 100000) {
    return make_error(ErrorCode::kLimit, "at most 100000 tokens per sheet", "count");
  }
  auto doc = PdfDocument::create();
  if (!doc) return doc.error();
  cairo_t* c = (*doc)->cr();
  const double slip_w = (kPageWidth - 2 * kMargin) / kColumns;
  const double slip_h = (kPageHeight - 2 * kMargin) / kRows;
  const std::size_t per_page = kColumns * kRows;
  for (std::size_t i = 0; i < sheet.tokens.size(); ++i) {
    std::size_t slot = i % per_page;
    if (slot == 0 && i != 0) cairo_show_page(c);
    double x = kMargin + static_cast<double>(slot % kColumns) * slip_w;
    double y = kMargin + static_cast<double>(slot / kColumns) * slip_h;
    // Cut line.
    cairo_set_source_rgb(c, 0.6, 0.6, 0.6);
    cairo_set_line_width(c, 0.5);
    const double dashes[] = {4.0, 3.0};
    cairo_set_dash(c, dashes, 2, 0);
    cairo_rectangle(c, x, y, slip_w, slip_h);
    cairo_stroke(c);
    cairo_set_dash(c, nullptr, 0, 0);
    // Text.
    cairo_set_source_rgb(c, 0, 0, 0);
    std::string title = sheet.title.size() > 48 ? sheet.title.substr(0, 45) + "..." : sheet.title;
    (*doc)->text_at(x + 12, y + 22, 10, true, title);
    (*doc)->text_at(x + 12, y + 38, 8, false, "Precinct " + sheet.precinct);
    (*doc)->text_at(x + 12, y + 52, 8, false, "Voter token - single use");
    double qr = slip_h - 70;
    TABELLA_TRY(draw_qr(c, sheet.tokens[i], x + slip_w - qr - 8, y + 8, qr));
    cairo_set_source_rgb(c, 0, 0, 0);
    (*doc)->text_at(x + 12, y + slip_h - 22, 13, true, sheet.tokens[i]);
    (*doc)->text_at(x + 12, y + slip_h - 8, 6.5, false,
                    "Type or scan this code at the kiosk. It works once.");
    (*doc)->text_at(x + slip_w - 40, y + slip_h - 8, 6.5, false, "#" + std::to_string(i + 1));
  }
  return (*doc)->finish();
}

}  // namespace tabella::admin
