// The kiosk's Qt Widgets presentation: one window that shows the view-model's current screen.
// It only reads the KioskModel's values and calls its actions (no election logic here): every
// change of the model rebuilds the current page after the input event that caused it has been
// handled (input arriving meanwhile is dropped), restoring focus by name on the same screen.
// Keyboard: Tab / arrows move, Enter or Space activates, Escape goes back; Ctrl+Shift+P opens the
// poll-worker PIN screen. Every control has an accessible name and description.
// Thread-safety: UI thread only.
#pragma once

#include <QColor>
#include <QImage>
#include <QPointer>
#include <QString>
#include <QStringList>
#include <QWidget>
#include <functional>
#include <optional>
#include <vector>

#include "core/audio_guide.h"
#include "core/kiosk_model.h"

class QBoxLayout;
class QFrame;
class QKeyEvent;
class QLabel;
class QVBoxLayout;
class QPagedPaintDevice;
class QPushButton;

namespace tabella::kiosk {

// The colours of one contrast mode (KioskModel::contrast()).
struct Theme {
  QColor bg, fg, card, accent, accent_fg, border, sel_bg, sel_border, warn_bg, warn_fg, focus,
      muted;
};

// A text drawn on a background, for the contrast check (WCAG 2 ratio, VVSG 2.0 asks >= 4.5:1).
struct TextPair {
  const char* what;
  QColor text, background;
};

class KioskWindow : public QWidget {
  Q_OBJECT
 public:
  // `receipts_dir`: where printed receipts are written as PDF; `printer`: optional printer name.
  KioskWindow(KioskModel* model, QString receipts_dir, QString printer, QWidget* parent = nullptr);
  ~KioskWindow() override;

  // Rebuilds the page for the model's current screen.
  void rebuild();
  // The audio ballot (nullptr: none). While it is active the keys of its layout (audio_key())
  // go to it; in headphone mode a neutral "audio ballot in use" panel covers the voter's screens.
  void set_audio(AudioGuide* guide);
  // Two-switch scanning (VVSG 2.0 7.2-J): on voter screens one switch (Space) moves the
  // highlight (the keyboard focus) to the screen's next control, in order, wrapping at the end;
  // the other (Enter) selects it. Each control reached is announced through the audio ballot
  // when it is on. Poll-worker screens keep the ordinary keys. Set by the poll worker (or
  // --switch-scanning / switch_scanning).
  void set_switch_scanning(bool on);
  bool switch_scanning() const { return scanning_; }
  // The switches: the move and select keys (a switch interface is set up to send these).
  static constexpr Qt::Key kScanMoveKey = Qt::Key_Space;
  static constexpr Qt::Key kScanSelectKey = Qt::Key_Return;
  // True while a model change is waiting to be shown (keys are dropped until it is): tests wait
  // for this to be false instead of for a fixed time.
  bool rebuild_pending() const { return rebuild_pending_; }
  // The audio ballot's key for a key event, if it is one (docs/kiosk.md, "Audio ballot"):
  // up/down arrows or keypad 8/2, Enter/Select or keypad 5, Escape/Back/Backspace or keypad 4 (the
  // 4-key layout); volume keys or keypad +/-, keypad * and / for the speech rate; F1/Help or
  // keypad 0 repeats; F2 blanks the screen. `in_field`: a text field has focus (the voting code):
  // then only keys a typist or scanner never sends there count (no Enter, Backspace or digits).
  static std::optional<AudioKey> audio_key(const QKeyEvent& event, bool in_field);
  // Writes the receipt (cast) or the challenged ballot's contents as PDF; returns the path.
  QString print_receipt(bool challenged);
  // Writes the model's poll-worker report (KioskModel::poll_report()) as PDF next to the
  // receipts (and prints it when a printer is configured); returns the path, empty when the
  // report was refused. Called when the report is ready.
  QString save_poll_report();
  QString last_poll_report() const { return report_path_; }

  // A QR code of `text` (libqrencode, level M), `scale` pixels per module; null on failure.
  static QImage qr_image(const QString& text, int scale);

  // Text size setting (0..KioskModel::kTextSizes-1) -> body text pixel size.
  static int text_px(int size);
  static Theme theme(int contrast_mode);
  // Every text colour on every background the style sheet of `contrast_mode` uses.
  static std::vector<TextPair> text_pairs(int contrast_mode);
  static double contrast_ratio(const QColor& a, const QColor& b);

  // What is wrong with the page on screen, one line per fault: a widget outside the window,
  // text cut (a label or button smaller than its text needs at its width), controls overlapping,
  // a touch target under 64 x 64 px. Empty when the page is laid out cleanly.
  QStringList layout_problems() const;

 protected:
  void keyPressEvent(QKeyEvent* event) override;
  void resizeEvent(QResizeEvent* event) override;
  bool eventFilter(QObject* watched, QEvent* event) override;

 private:
  QPushButton* button(const QString& name, const QString& text, const QString& description,
                      const std::function<void()>& action, bool primary = false);
  void schedule_rebuild();
  void apply_style();
  void build_page();
  bool page_fits() const;
  void focus_changed(QWidget* now);
  void update_idle_warning();
  void update_headphone_panel();
  // Scanning: the page's next control (a button or text field) after the focus, wrapping.
  void scan_next();
  void scan_select();
  void announce_focus();
  // The election's title and, on voter screens, the text size and contrast controls.
  void header(QVBoxLayout* l, const QString& progress = QString());
  // A row of controls that is laid out vertically when it is wider than the page.
  QBoxLayout* row();
  // Items [first, first + page size) of `count`, with "Previous"/"More" controls and a range
  // ("Choices 5-7 of 7") when they do not all fit on the screen.
  void paged_list(QVBoxLayout* l, int count, const std::function<QWidget*(int)>& item,
                  const QString& range_text, const QString& more_text,
                  const QString& previous_text);
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
  QString report_path_;
  bool rebuild_pending_ = false;
  unsigned generation_ = 0;  // counts rebuilt pages; a button acts only for its own page
  Screen shown_screen_ = Screen::kStarting;
  int shown_contest_ = -1;
  // Layout state of the page on screen, chosen by rebuild() so that everything fits.
  std::vector<bool> stack_rows_;  // by place on the page: a row of controls laid out vertically
  int list_page_size_ = 0;        // items of the paged list per screen, 0 = all
  bool drop_optional_ = false;    // last resort: leave out help texts said elsewhere too
  int list_first_ = 0;            // first item shown
  int list_count_ = 0;            // items of the paged list on this page (0: none)
  std::vector<QBoxLayout*> rows_;
  QString focus_after_;  // a control to focus after the next rebuild (paging)
  QFrame* idle_overlay_ = nullptr;
  QLabel* idle_text_ = nullptr;
  AudioGuide* audio_ = nullptr;
  QFrame* headphone_panel_ = nullptr;
  QLabel* header_label_ = nullptr;  // the page's header line (election, progress)
  QString range_shown_;             // a paged list's "Choices 4 to 4 of 8" on this page
  bool scanning_ = false;
  bool scan_announce_ = false;  // announce the focused control after the next rebuild
};

}  // namespace tabella::kiosk
