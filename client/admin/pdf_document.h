// A PDF being drawn with cairo, into memory: the A4 surface, its drawing context, text in
// DejaVu Sans (or Mono), and the bytes when finished. Shared by the printable documents
// (token_sheet.h, canvass_report.h).
// Thread-safety: one document per thread; finish() resets cairo's and fontconfig's process-wide
// caches, so no other cairo drawing may run at the same time.
#pragma once

#include <cairo.h>

#include <memory>
#include <string>

#include "tabella/util/bytes.h"
#include "tabella/util/result.h"

namespace tabella::admin {

class PdfDocument {
 public:
  static constexpr double kPageWidth = 595.28;  // A4 in points
  static constexpr double kPageHeight = 841.89;

  // kIo when cairo cannot create the surface.
  static Result<std::unique_ptr<PdfDocument>> create();
  ~PdfDocument();
  PdfDocument(const PdfDocument&) = delete;
  PdfDocument& operator=(const PdfDocument&) = delete;

  cairo_t* cr() { return cr_; }
  // Draws `text` with its baseline starting at (x, y), in black.
  void text_at(double x, double y, double size, bool bold, const std::string& text,
               bool mono = false);
  // Ends the last page and returns the PDF bytes (kIo naming cairo's error).
  Result<Bytes> finish();

 private:
  PdfDocument() = default;
  Bytes out_;
  cairo_surface_t* surface_ = nullptr;
  cairo_t* cr_ = nullptr;
};

}  // namespace tabella::admin
