#include "ui/poll_report_pdf.h"

#include <QFile>
#include <QFileInfo>
#include <QFont>
#include <QPainter>
#include <QPdfWriter>

namespace tabella::kiosk {

void draw_poll_report(const PollReport& report, QPagedPaintDevice* device) {
  QPainter p(device);
  const QRect page = p.viewport();
  int y = 0;
  const QStringList lines = report.lines();
  for (int i = 0; i < lines.size(); ++i) {
    QFont f(QStringLiteral("Sans"), i == 0 ? 16 : 10);
    f.setBold(i == 0);
    p.setFont(f);
    // Long words (the chain head's 64 hex digits) break anywhere rather than leave the page.
    const int flags = Qt::TextWordWrap | Qt::TextWrapAnywhere;
    QRect used = p.boundingRect(QRect(0, 0, page.width(), page.height()), flags, lines[i]);
    if (y > 0 && y + used.height() > page.height()) {
      device->newPage();
      y = 0;
    }
    p.drawText(QRect(0, y, page.width(), used.height()), flags, lines[i]);
    y += used.height() + used.height() / 4;
  }
}

Status write_poll_report_pdf(const PollReport& report, const QString& path) {
  {
    QPdfWriter pdf(path);
    pdf.setPageSize(QPageSize(QPageSize::A4));
    pdf.setResolution(300);
    pdf.setTitle(report.heading);
    pdf.setCreator(QStringLiteral("tabella-kiosk"));
    draw_poll_report(report, &pdf);
  }
  QFileInfo written(path);
  if (!written.exists() || written.size() == 0) {
    return make_error(ErrorCode::kIo, "cannot write the report to " + path.toStdString(), "path");
  }
  return Status::success();
}

QString poll_report_file_name(const PollReport& report) {
  return QStringLiteral("polls-%1-%2-%3.pdf")
      .arg(poll_report_kind_name(report.kind), report.fingerprint,
           report.time.toUTC().toString(QStringLiteral("yyyyMMdd-HHmmss")));
}

}  // namespace tabella::kiosk
