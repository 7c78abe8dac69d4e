#include "token_sheet.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <fontconfig/fontconfig.h>
#include <qrencode.h>

#include <memory>

namespace tabella::admin {

namespace {

constexpr double kPageWidth = 595.28;  // A4 in points
constexpr double kPageHeight = 841.89;
constexpr int kColumns = 2;
constexpr int kRows = 5;
constexpr double kMargin = 28;

cairo_status_t append_bytes(void* closure, const unsigned char* data, unsigned int length) {
  auto* out = static_cast<Bytes*>(closure);
  out->insert(out->end(), data, data + length);
  return CAIRO_STATUS_SUCCESS;
}

struct SurfaceDeleter {
  void operator()(cairo_surface_t* s) const { cairo_surface_destroy(s); }
};
struct ContextDeleter {
  void operator()(cairo_t* c) const { cairo_destroy(c); }
};
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

void text_at(cairo_t* cr, double x, double y, double size, bool bold, const std::string& text) {
  cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL,
                         bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, size);
  cairo_move_to(cr, x, y);
  cairo_show_text(cr, text.c_str());
}

}  // namespace

Result<Bytes> render_token_pdf(const TokenSheet& sheet) {
  if (sheet.tokens.size() > 100000) {
    return make_error(ErrorCode::kLimit, "at most 100000 tokens per sheet", "count");
  }
  Bytes out;
  std::unique_ptr<cairo_surface_t, SurfaceDeleter> surface(
      cairo_pdf_surface_create_for_stream(append_bytes, &out, kPageWidth, kPageHeight));
  if (cairo_surface_status(surface.get()) != CAIRO_STATUS_SUCCESS) {
    return make_error(ErrorCode::kIo, "cairo cannot create a PDF surface");
  }
  cairo_pdf_surface_restrict_to_version(surface.get(), CAIRO_PDF_VERSION_1_5);
  std::unique_ptr<cairo_t, ContextDeleter> cr(cairo_create(surface.get()));
  cairo_t* c = cr.get();
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
    text_at(c, x + 12, y + 22, 10, true, title);
    text_at(c, x + 12, y + 38, 8, false, "Precinct " + sheet.precinct);
    text_at(c, x + 12, y + 52, 8, false, "Voter token - single use");
    double qr = slip_h - 70;
    TABELLA_TRY(draw_qr(c, sheet.tokens[i], x + slip_w - qr - 8, y + 8, qr));
    cairo_set_source_rgb(c, 0, 0, 0);
    text_at(c, x + 12, y + slip_h - 22, 13, true, sheet.tokens[i]);
    text_at(c, x + 12, y + slip_h - 8, 6.5, false,
            "Type or scan this code at the kiosk. It works once.");
    text_at(c, x + slip_w - 40, y + slip_h - 8, 6.5, false, "#" + std::to_string(i + 1));
  }
  cairo_show_page(c);
  cr.reset();
  cairo_surface_finish(surface.get());
  if (cairo_surface_status(surface.get()) != CAIRO_STATUS_SUCCESS) {
    return make_error(ErrorCode::kIo,
                      std::string("cairo failed: ") +
                          cairo_status_to_string(cairo_surface_status(surface.get())));
  }
  surface.reset();
  // Release cairo's and fontconfig's process-wide caches (both re-initialise on the next use),
  // so leak checkers see no memory left behind by a rendering.
  cairo_debug_reset_static_data();
  FcFini();
  return out;
}

}  // namespace tabella::admin
