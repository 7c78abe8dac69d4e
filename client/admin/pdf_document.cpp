#include "pdf_document.h"

#include <cairo-pdf.h>
#include <fontconfig/fontconfig.h>

namespace tabella::admin {

namespace {

cairo_status_t append_bytes(void* closure, const unsigned char* data, unsigned int length) {
  auto* out = static_cast<Bytes*>(closure);
  out->insert(out->end(), data, data + length);
  return CAIRO_STATUS_SUCCESS;
}

}  // namespace

Result<std::unique_ptr<PdfDocument>> PdfDocument::create() {
  std::unique_ptr<PdfDocument> doc(new PdfDocument());
  doc->surface_ =
      cairo_pdf_surface_create_for_stream(append_bytes, &doc->out_, kPageWidth, kPageHeight);
  if (cairo_surface_status(doc->surface_) != CAIRO_STATUS_SUCCESS) {
    return make_error(ErrorCode::kIo, "cairo cannot create a PDF surface");
  }
  cairo_pdf_surface_restrict_to_version(doc->surface_, CAIRO_PDF_VERSION_1_5);
  doc->cr_ = cairo_create(doc->surface_);
  return doc;
}

PdfDocument::~PdfDocument() {
  if (cr_ != nullptr) cairo_destroy(cr_);
  if (surface_ != nullptr) cairo_surface_destroy(surface_);
}

void PdfDocument::text_at(double x, double y, double size, bool bold, const std::string& text,
                          bool mono) {
  cairo_set_source_rgb(cr_, 0, 0, 0);
  cairo_select_font_face(cr_, mono ? "DejaVu Sans Mono" : "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL,
                         bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr_, size);
  cairo_move_to(cr_, x, y);
  cairo_show_text(cr_, text.c_str());
}

Result<Bytes> PdfDocument::finish() {
  cairo_show_page(cr_);
  cairo_destroy(cr_);
  cr_ = nullptr;
  cairo_surface_finish(surface_);
  cairo_status_t status = cairo_surface_status(surface_);
  cairo_surface_destroy(surface_);
  surface_ = nullptr;
  // Release cairo's and fontconfig's process-wide caches (both re-initialise on the next use),
  // so leak checkers see no memory left behind by a rendering.
  cairo_debug_reset_static_data();
  FcFini();
  if (status != CAIRO_STATUS_SUCCESS) {
    return make_error(ErrorCode::kIo,
                      std::string("cairo failed: ") + cairo_status_to_string(status));
  }
  return std::move(out_);
}

}  // namespace tabella::admin
