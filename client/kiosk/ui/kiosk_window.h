// The kiosk's Qt Widgets presentation: one window that shows the view-model's current screen.
// It only reads the KioskModel's values and calls its actions (no election logic here): every
// change of the model rebuilds the current page after the input event that caused it has been
// handled (input arriving meanwhile is dropped), restoring focus by name on the same screen.
// Keyboard: Tab / arrows move, Enter or Space activates, Escape goes back; Ctrl+Shift+P opens the
// poll-worker PIN screen. Every control has an accessible name and description.
// Thread-safety: UI thread only.
#pragma once

#include <QImage>
#include <QPointer>
#include <QString>
#include <QWidget>

#include "core/kiosk_model.h"

class QVBoxLayout;
class QPagedPaintDevice;
class QPushButton;

namespace tabella::kiosk {

class KioskWindow : public QWidget {
  Q_OBJECT
 public:
  // `receipts_dir`: where printed receipts are written as PDF; `printer`: optional printer name.
  KioskWindow(KioskModel* model, QString receipts_dir, QString printer, QWidget* parent = nullptr);
  ~KioskWindow() override;

  // Rebuilds the page for the model's current screen.
  void rebuild();
  // Writes the receipt (cast) or the challenged ballot's contents as PDF; returns the path.
  QString print_receipt(bool challenged);

  // A QR code of `text` (libqrencode, level M), `scale` pixels per module; null on failure.
  static QImage qr_image(const QString& text, int scale);

 protected:
  void keyPressEvent(QKeyEvent* event) override;
  bool eventFilter(QObject* watched, QEvent* event) override;

 private:
  QPushButton* button(const QString& name, const QString& text, const QString& description,
                      const std::function<void()>& action, bool primary = false);
  void schedule_rebuild();
  void apply_style();
  void focus_changed(QWidget* now);
  void page_welcome(QVBoxLayout* l);
  void page_message(QVBoxLayout* l, const QString& title, const QString& text);
  void page_token(QVBoxLayout* l);
  void page_contest(QVBoxLayout* l);
  void page_review(QVBoxLayout* l);
  void page_tracking(QVBoxLayout* l);
  void page_challenged(QVBoxLayout* l);
  void page_cast_done(QVBoxLayout* l);
  void page_pin(QVBoxLayout* l);
  void page_poll_worker(QVBoxLayout* l);
  void draw_receipt(QPagedPaintDevice* device, bool challenged);

  KioskModel* model_;
  QString receipts_dir_;
  QString printer_;
  QWidget* page_ = nullptr;
  QString focus_name_;
  QString last_print_;
  bool rebuild_pending_ = false;
  unsigned generation_ = 0;  // counts rebuilt pages; a button acts only for its own page
  Screen shown_screen_ = Screen::kStarting;
  int shown_contest_ = -1;
};

}  // namespace tabella::kiosk
