// The poll worker's report (core/poll_report.h) on paper: PollReport::lines(), wrapped inside the
// page's margins, on as many A4 pages as it takes. Used by the poll-worker screen and by
// `tabella-kiosk --poll-report`.
// Thread-safety: call on the GUI thread (QPainter, fonts): a QGuiApplication must exist.
#pragma once

#include <QPagedPaintDevice>
#include <QString>

#include "core/poll_report.h"
#include "tabella/util/result.h"

namespace tabella::kiosk {

// Draws the report on `device` (a QPdfWriter or a QPrinter).
void draw_poll_report(const PollReport& report, QPagedPaintDevice* device);

// Writes the report as PDF to `path`. Errors: kIo when the file cannot be written.
Status write_poll_report_pdf(const PollReport& report, const QString& path);

// polls-<opened|closed>-<fingerprint>-<yyyyMMdd-HHmmss>.pdf
QString poll_report_file_name(const PollReport& report);

}  // namespace tabella::kiosk
