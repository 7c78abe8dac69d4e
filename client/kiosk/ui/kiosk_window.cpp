#include "ui/kiosk_window.h"

#include <qrencode.h>

#include <QAbstractButton>
#include <QApplication>
#include <QDir>
#include <QFontMetrics>
#include <QFrame>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QPainter>
#include <QPdfWriter>
#include <QPrinter>
#include <QPushButton>
#include <QScrollArea>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "ui/poll_report_pdf.h"

namespace tabella::kiosk {

namespace {

QLabel* label(const QString& text, const QString& role = QString(), bool wrap = true) {
  auto* l = new QLabel(text);
  l->setWordWrap(wrap);
  l->setTextFormat(Qt::PlainText);
  if (!role.isEmpty()) l->setProperty("role", role);
  l->setAccessibleName(text);
  return l;
}

// A push button whose text wraps onto more lines instead of being cut: its text is a word-wrapped
// label, and its height follows its width.
class WrapButton : public QPushButton {
 public:
  WrapButton(const QString& text, Qt::Alignment align) {
    text_ = new QLabel(text, this);
    text_->setObjectName(QStringLiteral("button-text"));
    text_->setWordWrap(true);
    text_->setTextFormat(Qt::PlainText);
    text_->setAlignment(align | Qt::AlignVCenter);
    text_->setAttribute(Qt::WA_TransparentForMouseEvents);
    auto* l = new QHBoxLayout(this);
    l->setContentsMargins(20, 8, 20, 8);
    l->addWidget(text_);
    QSizePolicy sp(QSizePolicy::Preferred, QSizePolicy::Preferred);
    sp.setHeightForWidth(true);
    setSizePolicy(sp);
  }
  // Wide enough for the text on one line (a word-wrapped label's own hint is narrower), so a
  // row of buttons that is too wide is stacked rather than squeezed.
  QSize sizeHint() const override {
    const QMargins m = layout()->contentsMargins();
    const int w = text_->fontMetrics().horizontalAdvance(text_->text()) + m.left() + m.right() + 2;
    return QSize(std::max(64, w), std::max(minimumHeight(), heightForWidth(w)));
  }
  QSize minimumSizeHint() const override {
    return QSize(std::max(64, layout()->minimumSize().width()), minimumHeight());
  }
  bool hasHeightForWidth() const override { return true; }
  int heightForWidth(int w) const override {
    return std::max(minimumHeight(), layout()->totalHeightForWidth(w));
  }

 private:
  QLabel* text_;
};

QString hex(const QColor& c) {
  return c.name(QColor::HexRgb);
}

}  // namespace

KioskWindow::KioskWindow(KioskModel* model, QString receipts_dir, QString printer, QWidget* parent)
    : QWidget(parent),
      model_(model),
      receipts_dir_(std::move(receipts_dir)),
      printer_(std::move(printer)) {
  setObjectName(QStringLiteral("kiosk"));
  setWindowTitle(tr("Tabella voting kiosk"));
  auto* outer = new QVBoxLayout(this);
  outer->setContentsMargins(0, 0, 0, 0);
  // The window keeps the size it is given (the screen's): a page never grows it past the screen;
  // rebuild() pages and stacks the content until it fits instead.
  outer->setSizeConstraint(QLayout::SetNoConstraint);
  // "Are you still voting?": drawn over the page, updated in place every second.
  idle_overlay_ = new QFrame(this);
  idle_overlay_->setObjectName(QStringLiteral("idle-warning"));
  auto* ol = new QVBoxLayout(idle_overlay_);
  ol->setContentsMargins(40, 40, 40, 40);
  ol->addStretch(1);
  auto* ot = label(tr("Are you still voting?"), QStringLiteral("title"));
  ot->setObjectName(QStringLiteral("idle-title"));  // retranslated when shown
  ot->setAlignment(Qt::AlignHCenter);
  ol->addWidget(ot);
  idle_text_ = label(QString());
  idle_text_->setObjectName(QStringLiteral("idle-text"));
  idle_text_->setAlignment(Qt::AlignHCenter);
  ol->addWidget(idle_text_);
  ol->addStretch(1);
  idle_overlay_->hide();
  // Headphone mode: the voter's screens are covered by a neutral panel (privacy).
  headphone_panel_ = new QFrame(this);
  headphone_panel_->setObjectName(QStringLiteral("headphone-panel"));
  auto* hl = new QVBoxLayout(headphone_panel_);
  hl->setContentsMargins(40, 40, 40, 40);
  hl->addStretch(1);
  auto* ht = label(QString(), QStringLiteral("title"));
  ht->setObjectName(QStringLiteral("headphone-title"));
  ht->setAlignment(Qt::AlignHCenter);
  hl->addWidget(ht);
  auto* hx = label(QString());
  hx->setObjectName(QStringLiteral("headphone-text"));
  hx->setAlignment(Qt::AlignHCenter);
  hl->addWidget(hx);
  hl->addStretch(1);
  headphone_panel_->hide();
  connect(model_, &KioskModel::idle_changed, this, &KioskWindow::update_idle_warning);
  // A model change (a screen change above all) is shown only after the input event that caused
  // it has been handled completely: the rebuild is queued, and until it runs every key and
  // pointer event is dropped. So the Enter that submits a code or a PIN cannot reach the next
  // screen's widgets (issue 12: it selected the first candidate, toggled the kiosk open/closed).
  connect(model_, &KioskModel::changed, this, &KioskWindow::schedule_rebuild);
  connect(model_, &KioskModel::poll_report_ready, this, [this] {
    save_poll_report();
    schedule_rebuild();
  });
  qApp->installEventFilter(this);
  connect(qApp, &QApplication::focusChanged, this,
          [this](QWidget*, QWidget* now) { focus_changed(now); });
  rebuild();
}

KioskWindow::~KioskWindow() {
  // No focus or event notifications while the widgets are torn down.
  disconnect(qApp, nullptr, this, nullptr);
  qApp->removeEventFilter(this);
}

void KioskWindow::schedule_rebuild() {
  if (rebuild_pending_) return;
  rebuild_pending_ = true;
  QMetaObject::invokeMethod(this, &KioskWindow::rebuild, Qt::QueuedConnection);
}

void KioskWindow::set_audio(AudioGuide* guide) {
  audio_ = guide;
  if (audio_ != nullptr) {
    connect(audio_, &AudioGuide::mode_changed, this, &KioskWindow::schedule_rebuild);
  }
  schedule_rebuild();
}

void KioskWindow::update_headphone_panel() {
  const bool staff = model_->screen() == Screen::kPin || model_->screen() == Screen::kPollWorker;
  if (audio_ == nullptr || !audio_->headphones() || staff) {
    headphone_panel_->hide();
    return;
  }
  // Neutral: nothing of the ballot, the voter's choices or the screen's state.
  auto* title = headphone_panel_->findChild<QLabel*>(QStringLiteral("headphone-title"));
  auto* text = headphone_panel_->findChild<QLabel*>(QStringLiteral("headphone-text"));
  title->setText(tr("Audio ballot in use"));
  title->setAccessibleName(title->text());
  text->setText(tr("The screen is blank for the voter's privacy."));
  text->setAccessibleName(text->text());
  headphone_panel_->setGeometry(rect());
  headphone_panel_->show();
  headphone_panel_->raise();
}

std::optional<AudioKey> KioskWindow::audio_key(const QKeyEvent& e, bool in_field) {
  const bool keypad = (e.modifiers() & Qt::KeypadModifier) != 0;
  switch (e.key()) {
    case Qt::Key_Up:
      return AudioKey::kUp;
    case Qt::Key_Down:
      return AudioKey::kDown;
    case Qt::Key_Escape:
    case Qt::Key_Back:
      return AudioKey::kBack;
    case Qt::Key_F1:
    case Qt::Key_Help:
      return AudioKey::kRepeat;
    case Qt::Key_F2:
      return AudioKey::kHeadphones;
    case Qt::Key_VolumeUp:
      return AudioKey::kVolumeUp;
    case Qt::Key_VolumeDown:
      return AudioKey::kVolumeDown;
    default:
      break;
  }
  if (in_field) return std::nullopt;  // Enter, Backspace and digits belong to the field
  switch (e.key()) {
    case Qt::Key_Return:
    case Qt::Key_Enter:
    case Qt::Key_Select:
      return AudioKey::kSelect;
    case Qt::Key_Backspace:
      return AudioKey::kBack;
    default:
      break;
  }
  if (!keypad) return std::nullopt;
  switch (e.key()) {
    case Qt::Key_8:
      return AudioKey::kUp;
    case Qt::Key_2:
      return AudioKey::kDown;
    case Qt::Key_5:
      return AudioKey::kSelect;
    case Qt::Key_4:
      return AudioKey::kBack;
    case Qt::Key_0:
      return AudioKey::kRepeat;
    case Qt::Key_Plus:
      return AudioKey::kVolumeUp;
    case Qt::Key_Minus:
      return AudioKey::kVolumeDown;
    case Qt::Key_Asterisk:
      return AudioKey::kFaster;
    case Qt::Key_Slash:
      return AudioKey::kSlower;
    default:
      return std::nullopt;
  }
}

void KioskWindow::set_switch_scanning(bool on) {
  if (on == scanning_) return;
  scanning_ = on;
  schedule_rebuild();
}

void KioskWindow::scan_next() {
  if (page_ == nullptr) return;
  QWidget* start = focusWidget() != nullptr ? focusWidget() : this;
  QWidget* w = start;
  // The focus chain is the screen's order (the order Tab follows); only controls count.
  for (int i = 0; i < 2000; ++i) {
    w = w->nextInFocusChain();
    if (w == nullptr || w == start) break;
    const bool control =
        qobject_cast<QAbstractButton*>(w) != nullptr || qobject_cast<QLineEdit*>(w) != nullptr;
    if (control && page_->isAncestorOf(w) && w->isVisible() && w->isEnabled() &&
        (w->focusPolicy() & Qt::TabFocus) != 0) {
      w->setFocus(Qt::TabFocusReason);
      scan_announce_ = false;
      announce_focus();
      return;
    }
  }
}

void KioskWindow::scan_select() {
  auto* b = qobject_cast<QAbstractButton*>(focusWidget());
  if (b == nullptr || page_ == nullptr || !page_->isAncestorOf(b)) {
    announce_focus();  // not a control (the contest's title): say it again
    return;
  }
  const QString name = b->objectName();
  if (audio_ != nullptr && name.startsWith(QStringLiteral("choice-")))
    audio_->choice_acted(name.mid(7).toInt());  // the guide says the choice's new state
  else
    scan_announce_ = true;  // on the same screen, say the control again (its new state)
  b->click();
}

void KioskWindow::announce_focus() {
  QWidget* f = focusWidget();
  if (audio_ == nullptr || f == nullptr) return;
  QString text = f->accessibleName();
  const QString d = f->accessibleDescription();
  if (!d.isEmpty()) {
    if (!text.isEmpty() && !text.back().isPunct()) text += QLatin1Char('.');
    text += QLatin1Char(' ') + d;
  }
  audio_->announce(text.trimmed());
}

void KioskWindow::resizeEvent(QResizeEvent* event) {
  QWidget::resizeEvent(event);
  idle_overlay_->setGeometry(rect());
  headphone_panel_->setGeometry(rect());
  // What fits, and so the paging and stacking, depends on the window's size.
  if (page_ != nullptr) schedule_rebuild();
}

void KioskWindow::update_idle_warning() {
  if (!model_->idle_warning()) {
    idle_overlay_->hide();
    return;
  }
  const int s = model_->idle_seconds_left();
  const QString when = s == 1 ? tr("1 second") : tr("%1 seconds").arg(s);
  QString text = model_->sealed_not_cast()
                     ? tr("Your ballot is sealed but NOT cast yet. If you do not continue, it "
                          "will be discarded and NOT counted, and the screen will be cleared in "
                          "%1.")
                           .arg(when)
                     : tr("The screen will be cleared for the next voter in %1 and your choices "
                          "will be lost.")
                           .arg(when);
  text += QStringLiteral("\n\n") + tr("Press any key or touch the screen to continue voting.");
  // In the voter's language (the overlay is built once, before any language is chosen).
  if (auto* title = idle_overlay_->findChild<QLabel*>(QStringLiteral("idle-title"))) {
    title->setText(tr("Are you still voting?"));
    title->setAccessibleName(title->text());
  }
  idle_text_->setText(text);
  idle_text_->setAccessibleName(text);
  idle_overlay_->setGeometry(rect());
  idle_overlay_->show();
  idle_overlay_->raise();
}

bool KioskWindow::eventFilter(QObject* watched, QEvent* event) {
  const bool ours =
      watched == this || (watched->isWidgetType() && isAncestorOf(static_cast<QWidget*>(watched)));
  switch (event->type()) {
    case QEvent::KeyPress:
    case QEvent::KeyRelease:
    case QEvent::ShortcutOverride: {
      if (!ours) break;
      // A screen change is on its way: this key was meant for the screen being left.
      if (rebuild_pending_) return true;
      // The inactivity warning is on: a key only says "I am still here".
      if (idle_overlay_->isVisible()) {
        if (event->type() == QEvent::KeyPress) model_->user_activity();
        return true;
      }
      // A held key repeats: it must not choose, un-choose or advance again and again.
      const auto* k = static_cast<QKeyEvent*>(event);
      if (k->isAutoRepeat() && (k->key() == Qt::Key_Return || k->key() == Qt::Key_Enter ||
                                k->key() == Qt::Key_Space || k->key() == Qt::Key_Select))
        return true;
      // Two-switch scanning on voter screens: the move switch steps the highlight through the
      // screen's controls, the select switch acts on it (a text field takes its Enter itself).
      const bool staff =
          model_->screen() == Screen::kPin || model_->screen() == Screen::kPollWorker;
      if (scanning_ && !staff &&
          (k->key() == kScanMoveKey || ((k->key() == kScanSelectKey || k->key() == Qt::Key_Enter) &&
                                        qobject_cast<QLineEdit*>(focusWidget()) == nullptr))) {
        if (event->type() == QEvent::KeyPress && !k->isAutoRepeat()) {
          if (k->key() == kScanMoveKey)
            scan_next();
          else
            scan_select();
        }
        return true;
      }
      // The audio ballot takes the keys of its layout (each acts once: held keys do not repeat).
      if (audio_ != nullptr && audio_->active()) {
        const bool in_field = qobject_cast<QLineEdit*>(focusWidget()) != nullptr;
        if (const auto a = audio_key(*k, in_field)) {
          if (event->type() != QEvent::KeyPress) return true;
          if (k->isAutoRepeat()) return true;
          if (audio_->key(*a)) return true;
        }
      } else if (audio_ != nullptr && event->type() == QEvent::KeyPress &&
                 (k->key() == Qt::Key_F1 || k->key() == Qt::Key_Help) &&
                 model_->screen() != Screen::kPin && model_->screen() != Screen::kPollWorker) {
        // F1 (Help) starts the audio ballot on any voter screen.
        audio_->set_active(true);
        return true;
      }
      break;
    }
    case QEvent::MouseButtonPress:
    case QEvent::MouseButtonRelease:
    case QEvent::MouseButtonDblClick:
      if (ours && rebuild_pending_) return true;
      if (ours && idle_overlay_->isVisible()) {
        if (event->type() == QEvent::MouseButtonPress) model_->user_activity();
        return true;
      }
      break;
    default:
      break;
  }
  switch (event->type()) {
    case QEvent::KeyPress:
    case QEvent::MouseButtonPress:
    case QEvent::TouchBegin:
      model_->user_activity();
      break;
    default:
      break;
  }
  return QWidget::eventFilter(watched, event);
}

void KioskWindow::keyPressEvent(QKeyEvent* event) {
  if (event->key() == Qt::Key_Escape) {
    model_->back();
    return;
  }
  if (event->key() == Qt::Key_P &&
      event->modifiers() == (Qt::ControlModifier | Qt::ShiftModifier)) {
    model_->enter_poll_worker();
    return;
  }
  if (event->key() == Qt::Key_Return || event->key() == Qt::Key_Enter) {
    // Only a key that has not already been used by a field (QLineEdit passes Enter on after
    // emitting returnPressed) and only a button of the page on screen.
    if (auto* b = qobject_cast<QPushButton*>(focusWidget());
        b != nullptr && page_ != nullptr && page_->isAncestorOf(b)) {
      b->click();
      return;
    }
  }
  if (event->key() == Qt::Key_Down || event->key() == Qt::Key_Right) {
    focusNextChild();
    return;
  }
  if (event->key() == Qt::Key_Up || event->key() == Qt::Key_Left) {
    focusPreviousChild();
    return;
  }
  QWidget::keyPressEvent(event);
}

QPushButton* KioskWindow::button(const QString& name, const QString& text,
                                 const QString& description, const std::function<void()>& action,
                                 bool primary) {
  auto* b = new WrapButton(text, primary ? Qt::AlignHCenter : Qt::AlignLeft);
  b->setObjectName(name);
  b->setAccessibleName(text);
  b->setAccessibleDescription(description);
  b->setToolTip(description);
  b->setMinimumHeight(64);
  b->setFocusPolicy(Qt::StrongFocus);
  b->setCursor(Qt::PointingHandCursor);
  if (primary) b->setProperty("primary", true);
  // A button acts only for the page it was built for.
  connect(b, &QPushButton::clicked, this, [this, action, gen = generation_] {
    if (gen == generation_ && !rebuild_pending_) action();
  });
  return b;
}

int KioskWindow::text_px(int size) {
  // VVSG 2.0 7.1-G: at least four sizes from about 3.5 mm to 9 mm capitals (on a 15" kiosk
  // screen at 1024 x 768, one pixel is about 0.3 mm).
  static const int kSizes[KioskModel::kTextSizes] = {20, 26, 32, 40};
  return kSizes[std::clamp(size, 0, KioskModel::kTextSizes - 1)];
}

Theme KioskWindow::theme(int mode) {
  switch (mode) {
    case 1:  // high contrast, dark: white on black, yellow/green/cyan accents
      return Theme{QColor("#000000"), QColor("#ffffff"), QColor("#000000"), QColor("#ffff00"),
                   QColor("#000000"), QColor("#ffffff"), QColor("#003300"), QColor("#00ff00"),
                   QColor("#000000"), QColor("#ffff00"), QColor("#00ffff"), QColor("#c8c8c8")};
    case 2:  // high contrast, light: black on white, dark blue/green accents
      return Theme{QColor("#ffffff"), QColor("#000000"), QColor("#ffffff"), QColor("#00007a"),
                   QColor("#ffffff"), QColor("#000000"), QColor("#d9ffd9"), QColor("#005000"),
                   QColor("#ffffff"), QColor("#000000"), QColor("#c000c0"), QColor("#3a3a3a")};
    default:  // standard: dark on a warm light grey, blue accent
      return Theme{QColor("#f6f5f0"), QColor("#141414"), QColor("#ffffff"), QColor("#0b4f8a"),
                   QColor("#ffffff"), QColor("#6f6f6f"), QColor("#e1f0dc"), QColor("#1e7b34"),
                   QColor("#fff1c2"), QColor("#5c3d00"), QColor("#e07000"), QColor("#545454")};
  }
}

std::vector<TextPair> KioskWindow::text_pairs(int mode) {
  const Theme t = theme(mode);
  return {{"text on the page", t.fg, t.bg},       {"text on a button or card", t.fg, t.card},
          {"main button", t.accent_fg, t.accent}, {"notice", t.warn_fg, t.warn_bg},
          {"chosen choice", t.fg, t.sel_bg},      {"choice that is not available", t.muted, t.card},
          {"inactivity warning", t.fg, t.bg}};
}

double KioskWindow::contrast_ratio(const QColor& a, const QColor& b) {
  auto lum = [](const QColor& c) {
    auto ch = [](double v) {
      return v <= 0.03928 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4);
    };
    return 0.2126 * ch(c.redF()) + 0.7152 * ch(c.greenF()) + 0.0722 * ch(c.blueF());
  };
  const double la = lum(a);
  const double lb = lum(b);
  return (std::max(la, lb) + 0.05) / (std::min(la, lb) + 0.05);
}

void KioskWindow::apply_style() {
  // The poll worker's screens are staff screens: the voter's largest sizes do not apply there.
  const bool staff = model_->screen() == Screen::kPin || model_->screen() == Screen::kPollWorker;
  const int px = text_px(staff ? std::min(model_->text_size(), 1) : model_->text_size());
  const Theme t = theme(model_->contrast());
  // Rules are appended in order; %-arguments stay below ten per chunk for readability.
  QString css = QStringLiteral(R"(
    QWidget#kiosk, QWidget#page { background: %1; }
    QWidget { color: %2; font-size: %3px; }
    QLabel[role="title"] { font-size: %4px; font-weight: bold; }
    QLabel[role="heading"] { font-size: %5px; font-weight: bold; }
    QLabel[role="small"] { font-size: %6px; }
    QLabel[role="code"] { font-size: %7px; font-weight: bold; font-family: monospace; }
  )")
                    .arg(hex(t.bg), hex(t.fg))
                    .arg(px)
                    .arg(px <= 26 ? px * 3 / 2 : px * 5 / 4)
                    .arg(px <= 26 ? px * 5 / 4 : px * 11 / 10)
                    .arg(std::max(18, px * 4 / 5))
                    .arg(std::min(px * 3 / 2, 52));
  css += QStringLiteral(R"(
    QLabel[role="notice"] { background: %1; color: %2; border: 3px solid %2; padding: 12px;
                            border-radius: 6px; font-weight: bold; }
    QFrame[role="card"] { background: %3; border: 2px solid %4; border-radius: 8px; }
    QFrame[role="card"][undervote="true"] { background: %1; border: 3px solid %2; }
    QFrame[role="card"][undervote="true"] QLabel { color: %2; }
    QFrame#idle-warning { background: %5; border: 8px solid %6; }
    QFrame#headphone-panel { background: %5; }
    QPushButton { background: %3; border: 2px solid %4; border-radius: 8px; }
    QPushButton QLabel { background: transparent; }
  )")
             .arg(hex(t.warn_bg), hex(t.warn_fg), hex(t.card), hex(t.border), hex(t.bg),
                  hex(t.warn_fg));
  css += QStringLiteral(R"(
    QPushButton[primary="true"] { background: %1; border-color: %1; }
    QPushButton[primary="true"] QLabel { color: %2; font-weight: bold; }
    QPushButton[selected="true"] { background: %3; border: 4px solid %4; }
    QPushButton[selected="true"] QLabel { font-weight: bold; }
    QPushButton[available="false"] { border-style: dashed; }
    QPushButton[available="false"] QLabel { color: %5; }
    QPushButton:focus { border: 6px solid %6; }
    QLineEdit { background: %7; border: 6px solid %8; border-radius: 6px; padding: 8px;
                font-family: monospace; font-size: %9px; }
    QLineEdit:focus { border-color: %6; }
    QLabel[role="title"] { border: 5px solid transparent; border-radius: 6px; padding: 0 6px; }
    QLabel:focus { border: 5px solid %6; border-radius: 6px; }
  )")
             .arg(hex(t.accent), hex(t.accent_fg), hex(t.sel_bg), hex(t.sel_border), hex(t.muted),
                  hex(t.focus), hex(t.card), hex(t.border))
             .arg(std::min(px * 3 / 2, 52));
  setStyleSheet(css);
}

void KioskWindow::rebuild() {
  rebuild_pending_ = false;
  // Focus is restored by name only when the same screen is rebuilt (a choice toggled, a setting
  // changed); a new screen starts at its own first control, never at a leftover name.
  const int contest_index = model_->screen() == Screen::kContest ? model_->contest().index : -1;
  const bool same_screen = model_->screen() == shown_screen_ && contest_index == shown_contest_;
  shown_screen_ = model_->screen();
  shown_contest_ = contest_index;
  focus_name_.clear();
  if (QWidget* f = focusWidget(); same_screen && f != nullptr) focus_name_ = f->objectName();
  if (!focus_after_.isEmpty()) focus_name_ = focus_after_;
  focus_after_.clear();
  if (!same_screen) list_first_ = 0;
  // What the voter is typing survives a rebuild of the same screen (the periodic status report
  // changes the model too): a half-typed code must never be wiped.
  QString typed;
  int cursor = 0;
  if (same_screen && page_ != nullptr) {
    if (auto* e = page_->findChild<QLineEdit*>()) {
      typed = e->text();
      cursor = e->cursorPosition();
    }
  }
  apply_style();
  if (page_ != nullptr) {
    layout()->removeWidget(page_);
    page_->hide();
    page_->deleteLater();
    page_ = nullptr;
  }
  // Build the page, then make it fit the window: rows of controls that are too wide are stacked,
  // then a list (choices, review, checked ballot) is split into screens until the page fits.
  stack_rows_.clear();
  list_page_size_ = 0;
  drop_optional_ = false;
  for (int attempt = 0; attempt < 64; ++attempt) {
    build_page();
    if (page_fits()) break;
    // Only the rows that are too wide are stacked (the pages are built the same way each time,
    // so a row is known by its place).
    bool wide = false;
    const int avail = width() - page_->layout()->contentsMargins().left() -
                      page_->layout()->contentsMargins().right();
    stack_rows_.resize(rows_.size(), false);
    for (std::size_t i = 0; i < rows_.size(); ++i) {
      if (!stack_rows_[i] && rows_[i]->sizeHint().width() > avail) {
        stack_rows_[i] = true;
        wide = true;
      }
    }
    if (wide) {
      // rebuild with those rows stacked
    } else if (list_count_ > 1 && list_page_size_ != 1) {
      list_page_size_ = (list_page_size_ == 0 ? list_count_ : list_page_size_) - 1;
      // Rows are known by their place, and paging adds or changes rows: a row stacked for the
      // last try's content (say "Previous" beside "Choices 2 to 8 of 8") would stay stacked for
      // other content in its place. Only the first row (the header) keeps its measure.
      stack_rows_.resize(std::min<std::size_t>(stack_rows_.size(), 1));
    } else if (!drop_optional_) {
      drop_optional_ = true;
      stack_rows_.resize(std::min<std::size_t>(stack_rows_.size(), 1));
    } else {
      break;  // nothing more to try: layout_problems() tells what does not fit
    }
    layout()->removeWidget(page_);
    delete page_;
    page_ = nullptr;
  }
  if (!typed.isEmpty()) {
    if (auto* e = page_->findChild<QLineEdit*>()) {
      e->setText(typed);
      e->setCursorPosition(cursor);
    }
  }
  // Restore keyboard focus, else focus the first control.
  QWidget* target = focus_name_.isEmpty() ? nullptr : page_->findChild<QWidget*>(focus_name_);
  // Paged to the last (first) screen of a list: "More" ("Previous") is gone, focus the other one.
  if (target == nullptr && focus_name_ == QStringLiteral("more-page"))
    target = page_->findChild<QWidget*>(QStringLiteral("previous-page"));
  if (target == nullptr && focus_name_ == QStringLiteral("previous-page"))
    target = page_->findChild<QWidget*>(QStringLiteral("more-page"));
  if (target == nullptr) {
    for (auto* w : page_->findChildren<QWidget*>()) {
      if (w->focusPolicy() & Qt::TabFocus) {
        if (target == nullptr || w->property("first").toBool()) target = w;
        if (w->property("first").toBool()) break;
      }
    }
  }
  if (target != nullptr) target->setFocus(Qt::OtherFocusReason);
  if (scan_announce_) {
    scan_announce_ = false;
    if (same_screen) announce_focus();
  }
  // Scanning, a new screen: after what the screen says, which control the highlight starts on
  // (so that a voter who cannot see it knows what the select switch would do).
  if (scanning_ && !same_screen && audio_ != nullptr && audio_->active() &&
      model_->screen() != Screen::kPin && model_->screen() != Screen::kPollWorker &&
      focusWidget() != nullptr && page_->isAncestorOf(focusWidget())) {
    audio_->announce(audio_->screen_text() + QLatin1Char(' ') +
                     tr("Highlighted: %1.").arg(focusWidget()->accessibleName()));
  }
  update_idle_warning();
  update_headphone_panel();
}

void KioskWindow::build_page() {
  ++generation_;
  rows_.clear();
  header_label_ = nullptr;
  range_shown_.clear();
  list_count_ = 0;
  page_ = new QWidget;
  page_->setObjectName(QStringLiteral("page"));
  auto* l = new QVBoxLayout(page_);
  const bool big = model_->text_size() >= 2;
  l->setContentsMargins(big ? 20 : 32, big ? 10 : 20, big ? 20 : 32, big ? 10 : 20);
  l->setSpacing(big ? 8 : 12);
  // In the window first, so that the style sheet applies before the page is measured.
  layout()->addWidget(page_);
  switch (model_->screen()) {
    case Screen::kStarting:
      page_message(l, tr("Starting"), tr("The kiosk is getting ready. Please wait."));
      break;
    case Screen::kUnavailable:
      page_message(l, tr("Kiosk not ready"), model_->unavailable_text());
      break;
    case Screen::kClosed:
      page_message(l,
                   model_->polls_closed() ? tr("The polls are closed") : tr("This kiosk is closed"),
                   model_->polls_closed()
                       ? tr("Voting has ended. This kiosk does not accept ballots any more.")
                       : tr("Voting is not open at this kiosk. Please ask a poll worker."));
      break;
    case Screen::kWelcome:
      page_welcome(l);
      break;
    case Screen::kToken:
      page_token(l);
      break;
    case Screen::kContest:
      page_contest(l);
      break;
    case Screen::kReview:
      page_review(l);
      break;
    case Screen::kWorking:
      page_message(l, model_->working_text(), tr("Please wait. This takes a few seconds."));
      break;
    case Screen::kTracking:
      page_tracking(l);
      break;
    case Screen::kChallenged:
      page_challenged(l);
      break;
    case Screen::kCastDone:
      page_cast_done(l);
      break;
    case Screen::kPin:
      page_pin(l);
      break;
    case Screen::kPollWorker:
      page_poll_worker(l);
      break;
  }
  page_->ensurePolished();
  for (auto* w : page_->findChildren<QWidget*>()) w->ensurePolished();
  page_->show();
  layout()->activate();
  page_->layout()->activate();
}

bool KioskWindow::page_fits() const {
  QLayout* l = page_->layout();
  const int need =
      l->hasHeightForWidth() ? l->totalHeightForWidth(width()) : l->totalSizeHint().height();
  if (need > height()) return false;
  if (l->totalMinimumSize().width() > width()) return false;
  const int avail = width() - l->contentsMargins().left() - l->contentsMargins().right();
  for (QBoxLayout* r : rows_) {
    if (r->direction() == QBoxLayout::LeftToRight && r->sizeHint().width() > avail) return false;
  }
  return true;
}

QBoxLayout* KioskWindow::row() {
  const std::size_t i = rows_.size();
  const bool stack = i < stack_rows_.size() && stack_rows_[i];
  auto* r = new QBoxLayout(stack ? QBoxLayout::TopToBottom : QBoxLayout::LeftToRight);
  r->setSpacing(12);
  rows_.push_back(r);
  return r;
}

void KioskWindow::header(QVBoxLayout* l, const QString& progress) {
  if (!model_->ready()) return;
  // The poll worker knows the election (and its reports name it): when the poll-worker screen
  // needs the room (Large text, a warning), its header line goes first.
  if (drop_optional_ && model_->screen() == Screen::kPollWorker) return;
  auto* h = row();
  auto* col = new QVBoxLayout;
  auto* head =
      label(progress.isEmpty() ? model_->election_title()
                               : model_->election_title() + QStringLiteral(" · ") + progress,
            QStringLiteral("small"));
  head->setObjectName(QStringLiteral("election-title"));
  header_label_ = head;
  col->addWidget(head);
  h->addLayout(col, 1);
  // The display settings are reachable on every voter screen (VVSG 2.0 7.1-D), one press each.
  const bool voter = model_->screen() == Screen::kToken || model_->screen() == Screen::kContest ||
                     model_->screen() == Screen::kReview || model_->screen() == Screen::kTracking ||
                     model_->screen() == Screen::kChallenged ||
                     model_->screen() == Screen::kCastDone;
  if (voter) {
    const QString sizes[] = {tr("Standard"), tr("Large"), tr("Extra large"), tr("Largest")};
    const QString modes[] = {tr("Standard colours"), tr("White on black"), tr("Black on white")};
    const int next_size = (model_->text_size() + 1) % KioskModel::kTextSizes;
    const int next_mode = (model_->contrast() + 1) % KioskModel::kContrastModes;
    auto* size = button(
        QStringLiteral("text-size"), tr("Text size"),
        tr("Text size is %1. Press for %2.").arg(sizes[model_->text_size()], sizes[next_size]),
        [this, next_size] { model_->set_text_size(next_size); });
    size->setProperty("nav", true);
    auto* contrast =
        button(QStringLiteral("contrast"), tr("Contrast"),
               tr("Colours: %1. Press for %2.").arg(modes[model_->contrast()], modes[next_mode]),
               [this, next_mode] { model_->set_contrast(next_mode); });
    contrast->setProperty("nav", true);
    // The two buttons stay side by side; when the header is too wide they go under the title.
    auto* buttons = new QHBoxLayout;
    buttons->setSpacing(12);
    if (h->direction() == QBoxLayout::TopToBottom) buttons->addStretch(1);
    buttons->addWidget(size, 0, Qt::AlignTop);
    buttons->addWidget(contrast, 0, Qt::AlignTop);
    h->addLayout(buttons);
  }
  l->addLayout(h);
}

void KioskWindow::paged_list(QVBoxLayout* l, int count, const std::function<QWidget*(int)>& item,
                             const QString& range_text, const QString& more_text,
                             const QString& previous_text) {
  list_count_ = count;
  const int per = list_page_size_ == 0 ? count : list_page_size_;
  list_first_ = std::clamp(list_first_, 0, std::max(0, count - 1));
  // The voter's place in the list is kept while rebuild() tries page sizes (its first try shows
  // everything): resetting it there sent "More choices" back to the first choice every time.
  const int first = per >= count ? 0 : list_first_;
  const int last = std::min(count, first + per);  // exclusive
  const bool paged = per < count;
  for (int i = first; i < last; ++i) l->addWidget(item(i));
  if (!paged) return;
  auto* r = row();
  auto* range = label(range_text.arg(first + 1).arg(last).arg(count), QStringLiteral("heading"),
                      /*wrap=*/false);
  range->setObjectName(QStringLiteral("page-range"));
  range->setAlignment(Qt::AlignCenter);
  // With both controls the range goes on its own line above them: three in a row are too wide
  // at the largest text. As a last resort (drop_optional_, when that line does not fit under a
  // long contest's title) it joins the header's line ("Contest 3 of 4 · Choices 4 to 4 of 8").
  // It is never left out: the voter always sees where in the list the screen is.
  const bool both = first > 0 && last < count;
  const QString where = range->text();
  range_shown_ = where;
  if (both && drop_optional_ && header_label_ != nullptr) {
    header_label_->setText(header_label_->text() + QStringLiteral(" · ") + where);
    header_label_->setAccessibleName(header_label_->text());
    delete range;
    range = nullptr;
  } else if (both) {
    l->addWidget(range);
  }
  if (first > 0) {
    auto* prev = button(QStringLiteral("previous-page"), QStringLiteral("▲  ") + previous_text,
                        previous_text + QStringLiteral(" (") + where + QStringLiteral(")."),
                        [this, first, per] {
                          list_first_ = std::max(0, first - per);
                          focus_after_ = QStringLiteral("previous-page");
                          schedule_rebuild();
                        });
    prev->setProperty("nav", true);
    r->addWidget(prev);
  }
  if (both)
    r->addStretch(1);
  else
    r->addWidget(range, 1);
  if (last < count) {
    auto* more =
        button(QStringLiteral("more-page"), QStringLiteral("▼  ") + more_text,
               tr("%1 (%2 more).").arg(more_text).arg(count - last) + QStringLiteral(" ") + where,
               [this, last] {
                 list_first_ = last;
                 focus_after_ = QStringLiteral("more-page");
                 schedule_rebuild();
               });
    more->setProperty("nav", true);
    r->addWidget(more);
  }
  l->addLayout(r);
}

void KioskWindow::focus_changed(QWidget* now) {
  // Keep the keyboard focus visible inside scrolled lists.
  for (QWidget* w = now; w != nullptr; w = w->parentWidget()) {
    if (auto* area = qobject_cast<QScrollArea*>(w)) {
      area->ensureWidgetVisible(now);
      return;
    }
  }
}

QStringList KioskWindow::layout_problems() const {
  QStringList out;
  if (page_ == nullptr) return {QStringLiteral("no page")};
  const QRect win = rect();
  auto name = [](const QWidget* w) {
    QString n = w->objectName();
    if (auto* lab = qobject_cast<const QLabel*>(w); lab != nullptr && !lab->text().isEmpty())
      n += QStringLiteral(" \"") + lab->text().left(40) + QStringLiteral("\"");
    if (n.isEmpty()) n = w->accessibleName().left(40);
    return QString::fromLatin1(w->metaObject()->className()) + QStringLiteral(" ") + n;
  };
  std::vector<std::pair<const QWidget*, QRect>> leaves;
  QList<QWidget*> all = page_->findChildren<QWidget*>();
  if (idle_overlay_->isVisible()) all += idle_overlay_->findChildren<QWidget*>();
  if (headphone_panel_->isVisible()) all += headphone_panel_->findChildren<QWidget*>();
  for (const QWidget* w : all) {
    if (!w->isVisibleTo(this)) continue;
    const QRect r(w->mapTo(this, QPoint(0, 0)), w->size());
    if (!win.contains(r))
      out << QStringLiteral("off the window: %1 at %2,%3 %4x%5")
                 .arg(name(w))
                 .arg(r.x())
                 .arg(r.y())
                 .arg(r.width())
                 .arg(r.height());
    // A widget sticking out of its parent is cut by it, whatever room the window has.
    if (const QWidget* parent = w->parentWidget();
        parent != nullptr && parent != this &&
        !QRect(QPoint(0, 0), parent->size()).contains(QRect(w->pos(), w->size())))
      out << QStringLiteral("cut by its parent: %1").arg(name(w));
    const bool in_button = qobject_cast<const QPushButton*>(w->parentWidget()) != nullptr;
    if (auto* lab = qobject_cast<const QLabel*>(w)) {
      QSize need = lab->sizeHint();
      if (lab->wordWrap())
        need = QSize(lab->minimumSizeHint().width(), lab->heightForWidth(w->width()));
      if (w->width() < need.width() || w->height() < need.height())
        out << QStringLiteral("text cut: %1 is %2x%3, needs %4x%5")
                   .arg(name(w))
                   .arg(w->width())
                   .arg(w->height())
                   .arg(need.width())
                   .arg(need.height());
      if (!in_button) leaves.emplace_back(w, r);
    } else if (auto* b = qobject_cast<const QPushButton*>(w)) {
      if (w->height() < b->heightForWidth(w->width()) || w->width() < b->minimumSizeHint().width())
        out << QStringLiteral("button cut: %1 is %2x%3")
                   .arg(name(w))
                   .arg(w->width())
                   .arg(w->height());
      if (w->height() < 64 || w->width() < 64)
        out << QStringLiteral("target too small: %1 is %2x%3")
                   .arg(name(w))
                   .arg(w->width())
                   .arg(w->height());
      leaves.emplace_back(w, r);
    } else if (qobject_cast<const QLineEdit*>(w) != nullptr) {
      if (w->height() < w->sizeHint().height())
        out << QStringLiteral("field cut: %1 is %2 high, needs %3")
                   .arg(name(w))
                   .arg(w->height())
                   .arg(w->sizeHint().height());
      leaves.emplace_back(w, r);
    }
  }
  for (std::size_t i = 0; i < leaves.size(); ++i) {
    for (std::size_t j = i + 1; j < leaves.size(); ++j) {
      const auto& [a, ra] = leaves[i];
      const auto& [b, rb] = leaves[j];
      if (a->isAncestorOf(b) || b->isAncestorOf(a)) continue;
      // The warning and the headphone panel are drawn over the page on purpose.
      if (idle_overlay_->isAncestorOf(a) != idle_overlay_->isAncestorOf(b)) continue;
      if (headphone_panel_->isAncestorOf(a) != headphone_panel_->isAncestorOf(b)) continue;
      if (ra.intersects(rb)) out << QStringLiteral("overlap: %1 and %2").arg(name(a), name(b));
    }
  }
  // A list split into screens always says where the voter is in it ("Choices 4 to 4 of 8").
  bool paged = false;
  bool range = false;
  for (const QWidget* w : page_->findChildren<QWidget*>()) {
    if (!w->isVisibleTo(this)) continue;
    const QString n = w->objectName();
    if (n == QStringLiteral("more-page") || n == QStringLiteral("previous-page")) paged = true;
    if (auto* lab = qobject_cast<const QLabel*>(w);
        lab != nullptr && !range_shown_.isEmpty() && lab->text().contains(range_shown_))
      range = true;
  }
  if (paged && !range)
    out << QStringLiteral("a list split into screens without where the screen is in it (\"%1\")")
               .arg(range_shown_);
  if (size() != win.size()) out << QStringLiteral("window resized");
  return out;
}

void KioskWindow::page_message(QVBoxLayout* l, const QString& title, const QString& text) {
  header(l);
  l->addStretch(1);
  l->addWidget(label(title, QStringLiteral("title")));
  l->addWidget(label(text));
  if (model_->screen() == Screen::kUnavailable && model_->not_enrolled()) {
    l->addWidget(label(tr("Kiosk fingerprint: %1").arg(model_->kiosk_fingerprint()),
                       QStringLiteral("heading")));
    auto* key =
        label(tr("Public key: %1").arg(model_->kiosk_public_key_hex()), QStringLiteral("small"));
    key->setTextInteractionFlags(Qt::TextSelectableByMouse);
    l->addWidget(key);
    l->addWidget(label(tr("An election official enrols it with: tabella-admin kiosks enrol "
                          "--public-key %1")
                           .arg(model_->kiosk_public_key_hex()),
                       QStringLiteral("small")));
  }
  if (model_->screen() == Screen::kUnavailable && !model_->technical_detail().isEmpty()) {
    l->addWidget(label(tr("Detail for poll workers: %1").arg(model_->technical_detail()),
                       QStringLiteral("small")));
  }
  l->addStretch(2);
  if (model_->screen() != Screen::kWorking) {
    auto* pw = button(QStringLiteral("poll-worker"), tr("Poll worker"),
                      tr("For poll workers only: opens the PIN screen."),
                      [this] { model_->enter_poll_worker(); });
    pw->setProperty("nav", true);
    auto* r = row();
    r->addStretch(1);
    r->addWidget(pw);
    l->addLayout(r);
  }
}

void KioskWindow::page_welcome(QVBoxLayout* l) {
  header(l);
  l->addWidget(label(tr("Welcome"), QStringLiteral("title")));
  if (!drop_optional_)
    l->addWidget(
        label(scanning_ ? tr("Choose your language, text size and colours, then start. Switch "
                             "scanning: Space moves the highlight, Enter chooses.")
                        : tr("Choose your language, text size and colours, then start. Tab and the "
                             "arrow keys move, Enter chooses, Escape goes back.")));
  // Three settings; at the largest text they are split into screens like a long contest.
  paged_list(
      l, 3,
      [this](int section) -> QWidget* {
        auto* box = new QWidget;
        auto* v = new QVBoxLayout(box);
        v->setContentsMargins(0, 0, 0, 0);
        v->setSizeConstraint(QLayout::SetMinimumSize);
        v->setSpacing(6);
        auto* r = row();
        if (section == 0) {
          v->addWidget(label(tr("Language"), QStringLiteral("heading")));
          for (const auto& lang : model_->languages()) {
            auto* b = button(QStringLiteral("lang-") + lang.tag, lang.name,
                             tr("Show the ballot and the kiosk in %1.").arg(lang.name),
                             [this, tag = lang.tag] { model_->choose_language(tag); });
            b->setProperty("selected", lang.tag == model_->language());
            b->setProperty("nav", true);
            b->setAccessibleDescription(b->accessibleDescription() + (lang.tag == model_->language()
                                                                          ? tr(" Selected.")
                                                                          : QString()));
            r->addWidget(b);
          }
        } else if (section == 1) {
          v->addWidget(label(tr("Text size"), QStringLiteral("heading")));
          const QString names[] = {tr("Standard"), tr("Large"), tr("Extra large"), tr("Largest")};
          for (int i = 0; i < KioskModel::kTextSizes; ++i) {
            auto* b = button(QStringLiteral("size-%1").arg(i), names[i],
                             tr("Set the text size to %1.").arg(names[i]) +
                                 (model_->text_size() == i ? tr(" Selected.") : QString()),
                             [this, i] { model_->set_text_size(i); });
            b->setProperty("selected", model_->text_size() == i);
            b->setProperty("nav", true);
            r->addWidget(b);
          }
        } else {
          v->addWidget(label(tr("Contrast"), QStringLiteral("heading")));
          const QString mode_names[] = {tr("Standard colours"), tr("White on black"),
                                        tr("Black on white")};
          for (int i = 0; i < KioskModel::kContrastModes; ++i) {
            auto* b = button(QStringLiteral("contrast-%1").arg(i), mode_names[i],
                             tr("Show the screen in %1.").arg(mode_names[i]) +
                                 (model_->contrast() == i ? tr(" Selected.") : QString()),
                             [this, i] { model_->set_contrast(i); });
            b->setProperty("selected", model_->contrast() == i);
            b->setProperty("nav", true);
            r->addWidget(b);
          }
        }
        r->addStretch(1);
        v->addLayout(r);
        return box;
      },
      tr("Settings %1 to %2 of %3"), tr("More settings"), tr("Previous settings"));
  l->addStretch(1);
  auto* start = button(
      QStringLiteral("start"), tr("Start voting"),
      tr("Begin: you will be asked for your voting code."), [this] { model_->start_voting(); },
      /*primary=*/true);
  start->setProperty("first", true);
  start->setMinimumHeight(84);
  auto* pw = button(QStringLiteral("poll-worker"), tr("Poll worker"),
                    tr("For poll workers only: opens the PIN screen."),
                    [this] { model_->enter_poll_worker(); });
  pw->setProperty("nav", true);
  auto* r = row();
  r->addWidget(start, 1);
  if (audio_ != nullptr) {
    const bool on = audio_->active();
    auto* audio = button(QStringLiteral("audio"), on ? tr("Audio ballot: on") : tr("Audio ballot"),
                         on ? tr("The ballot is read aloud. Press to turn it off.")
                            : tr("Have the ballot read aloud through headphones (or press F1)."),
                         [this, on] { audio_->set_active(!on); });
    audio->setProperty("nav", true);
    audio->setProperty("selected", on);
    r->addWidget(audio);
  }
  r->addWidget(pw);
  l->addLayout(r);
}

void KioskWindow::page_token(QVBoxLayout* l) {
  header(l);
  l->addWidget(label(model_->recasting() ? tr("Enter a new voting code") : tr("Your voting code"),
                     QStringLiteral("title")));
  if (!drop_optional_)
    l->addWidget(
        label(tr("Type the code printed on the card a poll worker gave you, or scan it. "
                 "Capital or small letters and spaces do not matter.")));
  auto* edit = new QLineEdit;
  edit->setObjectName(QStringLiteral("token"));
  edit->setPlaceholderText(QStringLiteral("ABCD-EFGH-JKLM-NPQR"));
  edit->setAccessibleName(tr("Voting code"));
  edit->setAccessibleDescription(
      tr("16 letters and digits, in four groups. Press Enter when "
         "done."));
  edit->setMaxLength(64);
  edit->setProperty("first", true);
  connect(edit, &QLineEdit::returnPressed, this,
          [this, edit] { model_->submit_token(edit->text()); });
  l->addWidget(edit);
  if (!model_->notice().isEmpty()) {
    auto* n = label(model_->notice(), QStringLiteral("notice"));
    n->setObjectName(QStringLiteral("notice"));
    l->addWidget(n);
  }
  l->addStretch(1);
  auto* nav = row();
  if (!model_->recasting()) {
    auto* back = button(QStringLiteral("back"), tr("Back"), tr("Return to the welcome screen."),
                        [this] { model_->back(); });
    back->setProperty("nav", true);
    nav->addWidget(back);
  }
  nav->addStretch(1);
  auto* go = button(
      QStringLiteral("continue"), model_->recasting() ? tr("Cast with this code") : tr("Continue"),
      tr("Check the code and continue."), [this, edit] { model_->submit_token(edit->text()); },
      true);
  nav->addWidget(go);
  l->addLayout(nav);
}

void KioskWindow::page_contest(QVBoxLayout* l) {
  const ContestView v = model_->contest();
  header(l, v.progress);
  // Focus starts on the contest's title (read first by a screen reader), not on a choice or on
  // "Next contest": Enter, Enter, Enter must not choose or skip anything unseen.
  auto* title = label(v.title, QStringLiteral("title"));
  title->setObjectName(QStringLiteral("contest-title"));
  title->setFocusPolicy(Qt::StrongFocus);
  title->setProperty("first", true);
  if (!v.instructions.isEmpty())
    title->setAccessibleDescription(v.instructions + QStringLiteral(" ") + v.rule);
  else
    title->setAccessibleDescription(v.rule);
  l->addWidget(title);
  // The ballot's instructions are also the title's accessible description (and spoken by the
  // audio ballot): left out only when the page needs the room.
  if (!v.instructions.isEmpty() && !drop_optional_) l->addWidget(label(v.instructions));
  auto* status = label(v.rule + QStringLiteral(" ") + v.status, QStringLiteral("heading"));
  status->setObjectName(QStringLiteral("status"));
  l->addWidget(status);
  // The choices are split into screens when they do not all fit ("More choices").
  paged_list(
      l, static_cast<int>(v.choices.size()),
      [this, &v](int j) -> QWidget* {
        const auto& c = v.choices[static_cast<std::size_t>(j)];
        QString text = (c.selected ? QStringLiteral("☑  ") : QStringLiteral("☐  ")) + c.label;
        if (!c.party.isEmpty()) text += QStringLiteral("  —  ") + c.party;
        QString desc = c.selected ? tr("Chosen. Press to remove this choice.")
                       : c.available
                           ? tr("Not chosen. Press to choose.")
                           : tr("Not available: you have already chosen %1, the most allowed. "
                                "Remove a choice first.")
                                 .arg(v.max);
        auto* b = button(QStringLiteral("choice-%1").arg(j), text, desc,
                         [this, j] { model_->toggle_choice(j); });
        b->setAccessibleName(c.label +
                             (c.party.isEmpty() ? QString() : QStringLiteral(", ") + c.party));
        b->setProperty("selected", c.selected);
        b->setProperty("available", c.available);
        b->setMinimumHeight(72);
        return b;
      },
      tr("Choices %1 to %2 of %3"), tr("More choices"), tr("Previous choices"));
  l->addStretch(1);
  if (!model_->notice().isEmpty()) {
    auto* n = label(model_->notice(), QStringLiteral("notice"));
    n->setObjectName(QStringLiteral("notice"));
    l->addWidget(n);
  }
  auto* nav = row();
  auto* back = button(QStringLiteral("back"), tr("Back"), tr("Go to the previous step."),
                      [this] { model_->back(); });
  back->setProperty("nav", true);
  nav->addWidget(back);
  nav->addStretch(1);
  const bool last = v.index + 1 >= v.count;
  auto* next = button(
      QStringLiteral("next"),
      model_->editing_from_review() ? tr("Back to review")
      : last                        ? tr("Review my choices")
                                    : tr("Next contest"),
      tr("Continue. You may leave a contest blank or choose fewer than allowed."),
      [this] { model_->next(); }, true);
  nav->addWidget(next);
  l->addLayout(nav);
}

void KioskWindow::page_review(QVBoxLayout* l) {
  header(l);
  l->addWidget(label(tr("Review your choices"), QStringLiteral("title")));
  l->addWidget(
      label(tr("Check every contest. Contests marked in yellow have fewer choices than "
               "allowed. Choose \"Change\" to edit a contest.")));
  const auto rows = model_->review();
  paged_list(
      l, static_cast<int>(rows.size()),
      [this, &rows](int i) -> QWidget* {
        const auto& r = rows[static_cast<std::size_t>(i)];
        auto* card = new QFrame;
        card->setProperty("role", QStringLiteral("card"));
        card->setProperty("undervote", r.undervote);
        auto* g = new QHBoxLayout(card);
        auto* col = new QVBoxLayout;
        col->addWidget(label(r.title, QStringLiteral("heading")));
        col->addWidget(
            label(r.choices.isEmpty() ? tr("(blank)") : r.choices.join(QStringLiteral(", "))));
        if (!r.note.isEmpty())
          col->addWidget(label(QStringLiteral("⚠ ") + r.note, QStringLiteral("small")));
        g->addLayout(col, 1);
        auto* edit = button(QStringLiteral("edit-%1").arg(r.contest), tr("Change"),
                            tr("Change your choices for %1.").arg(r.title),
                            [this, c = r.contest] { model_->edit_contest(c); });
        edit->setProperty("nav", true);
        edit->setAccessibleName(tr("Change %1").arg(r.title));
        g->addWidget(edit, 0, Qt::AlignVCenter);
        return card;
      },
      tr("Contests %1 to %2 of %3"), tr("More contests"), tr("Previous contests"));
  l->addStretch(1);
  if (!model_->notice().isEmpty()) l->addWidget(label(model_->notice(), QStringLiteral("notice")));
  auto* nav = row();
  auto* back = button(QStringLiteral("back"), tr("Back"), tr("Go to the last contest."),
                      [this] { model_->back(); });
  back->setProperty("nav", true);
  nav->addWidget(back);
  nav->addStretch(1);
  auto* seal = button(
      QStringLiteral("seal"), tr("These are my choices"),
      tr("Seal (encrypt) your ballot. You can still check it or cast it next."),
      [this] { model_->encrypt(); }, true);
  seal->setProperty("first", true);
  nav->addWidget(seal);
  l->addLayout(nav);
}

void KioskWindow::page_tracking(QVBoxLayout* l) {
  header(l);
  l->addWidget(label(tr("Your ballot is sealed"), QStringLiteral("title")));
  // Unmistakable: sealing is not casting.
  auto* not_cast =
      label(tr("NOT cast yet: only \"Cast my ballot\" counts it."), QStringLiteral("notice"));
  not_cast->setObjectName(QStringLiteral("not-cast"));
  l->addWidget(not_cast);
  auto* code_row = row();
  code_row->addWidget(label(tr("Your tracking code:")));
  auto* code = label(model_->tracking_code(), QStringLiteral("code"), /*wrap=*/false);
  code->setObjectName(QStringLiteral("tracking-code"));
  code->setAccessibleName(tr("Tracking code %1").arg(model_->tracking_code()));
  code_row->addWidget(code);
  code_row->addStretch(1);
  l->addLayout(code_row);
  if (!drop_optional_)
    l->addWidget(
        label(tr("Or check it first: the kiosk shows what it sealed. A checked ballot is NOT "
                 "counted, and you vote again.")));
  l->addStretch(1);
  auto* cast = button(
      QStringLiteral("cast"), tr("Cast my ballot"), tr("Record your ballot. It will be counted."),
      [this] { model_->cast(); }, true);
  cast->setProperty("first", true);
  cast->setMinimumHeight(84);
  l->addWidget(cast);
  auto* r = row();
  auto* back = button(QStringLiteral("back"), tr("Change my choices"),
                      tr("Go back to the review. This sealed ballot is discarded."),
                      [this] { model_->back(); });
  back->setProperty("nav", true);
  r->addWidget(back);
  r->addStretch(1);
  auto* check = button(QStringLiteral("challenge"), tr("Check this ballot"),
                       tr("Open this sealed ballot to verify it. It will not be counted and you "
                          "will vote again."),
                       [this] { model_->challenge(); });
  check->setProperty("nav", true);
  r->addWidget(check);
  l->addLayout(r);
}

void KioskWindow::page_challenged(QVBoxLayout* l) {
  header(l);
  l->addWidget(label(tr("Checked ballot: NOT counted"), QStringLiteral("title")));
  // (The tracking code is also on the printout; left out when the page needs the room.)
  if (!drop_optional_)
    l->addWidget(label(
        tr("The ballot with tracking code %1 contained:").arg(model_->receipt().tracking_code)));
  const auto rows = model_->challenge_rows();
  paged_list(
      l, static_cast<int>(rows.size()),
      [&rows](int i) -> QWidget* {
        const auto& r = rows[static_cast<std::size_t>(i)];
        auto* card = new QFrame;
        card->setProperty("role", QStringLiteral("card"));
        auto* col = new QVBoxLayout(card);
        col->addWidget(label(r.title, QStringLiteral("heading")));
        col->addWidget(
            label(r.choices.isEmpty() ? tr("(blank)") : r.choices.join(QStringLiteral(", "))));
        return card;
      },
      tr("Contests %1 to %2 of %3"), tr("More contests"), tr("Previous contests"));
  if (!model_->notice().isEmpty()) l->addWidget(label(model_->notice(), QStringLiteral("notice")));
  l->addWidget(label(tr("If this is not what you chose, tell a poll worker.")));
  l->addStretch(1);
  auto* nav = row();
  auto* print =
      button(QStringLiteral("print"), tr("Print"), tr("Print what this checked ballot contained."),
             [this] { print_receipt(/*challenged=*/true); });
  print->setProperty("nav", true);
  nav->addWidget(print);
  nav->addStretch(1);
  auto* go = button(
      QStringLiteral("continue"), tr("Continue and vote"),
      tr("Return to your choices to seal a new ballot."), [this] { model_->challenge_done(); },
      true);
  go->setProperty("first", true);
  nav->addWidget(go);
  l->addLayout(nav);
}

void KioskWindow::page_cast_done(QVBoxLayout* l) {
  header(l);
  const auto& r = model_->receipt();
  switch (r.outcome) {
    case CastOutcome::kRecorded:
      l->addWidget(label(tr("Your ballot has been recorded"), QStringLiteral("title")));
      l->addWidget(
          label(tr("Thank you for voting. The election record has confirmed your "
                   "ballot.")));
      break;
    case CastOutcome::kPending:
      l->addWidget(label(tr("Your ballot is saved"), QStringLiteral("title")));
      l->addWidget(label(tr("Your ballot is recorded on this kiosk; confirmation from the "
                            "election record is pending. It will be sent automatically. You do "
                            "not need to wait."),
                         QStringLiteral("notice")));
      break;
    case CastOutcome::kRefused:
      l->addWidget(label(tr("Your ballot was not recorded"), QStringLiteral("title")));
      l->addWidget(label(model_->notice(), QStringLiteral("notice")));
      break;
  }
  if (r.outcome != CastOutcome::kRefused) {
    auto* box = row();
    auto* col = new QVBoxLayout;
    col->addWidget(label(tr("Tracking code:")));
    auto* code = label(r.tracking_code, QStringLiteral("code"), /*wrap=*/false);
    code->setObjectName(QStringLiteral("tracking-code"));
    code->setAccessibleName(tr("Tracking code %1").arg(r.tracking_code));
    col->addWidget(code);
    col->addWidget(
        label(tr("To check your ballot later, scan the QR code, or look up your "
                 "tracking code on the election's public website.")));
    col->addStretch(1);
    box->addLayout(col, 1);
    auto* qr = new QLabel;
    qr->setObjectName(QStringLiteral("qr"));
    qr->setPixmap(QPixmap::fromImage(qr_image(r.lookup, 4)));
    qr->setAccessibleName(tr("QR code of your tracking code"));
    box->addWidget(qr, 0, Qt::AlignTop);
    l->addLayout(box);
  }
  l->addStretch(1);
  auto* nav = row();
  if (r.outcome != CastOutcome::kRefused) {
    auto* print =
        button(QStringLiteral("print"), tr("Print receipt"),
               tr("Print a receipt with your tracking code."), [this] { print_receipt(false); });
    print->setProperty("nav", true);
    nav->addWidget(print);
  }
  nav->addStretch(1);
  auto* done = button(
      QStringLiteral("done"), tr("Done"), tr("Finish. The screen is cleared for the next voter."),
      [this] { model_->done(); }, true);
  done->setProperty("first", true);
  nav->addWidget(done);
  l->addLayout(nav);
}

void KioskWindow::page_pin(QVBoxLayout* l) {
  header(l);
  l->addWidget(label(tr("Poll worker"), QStringLiteral("title")));
  l->addWidget(label(tr("Enter the poll-worker PIN.")));
  auto* edit = new QLineEdit;
  edit->setObjectName(QStringLiteral("pin"));
  edit->setEchoMode(QLineEdit::Password);
  edit->setAccessibleName(tr("PIN"));
  edit->setAccessibleDescription(tr("The poll-worker PIN. Press Enter when done."));
  edit->setProperty("first", true);
  connect(edit, &QLineEdit::returnPressed, this,
          [this, edit] { model_->submit_pin(edit->text()); });
  l->addWidget(edit);
  if (!model_->notice().isEmpty()) l->addWidget(label(model_->notice(), QStringLiteral("notice")));
  l->addStretch(1);
  auto* nav = row();
  auto* back = button(QStringLiteral("back"), tr("Cancel"), tr("Return to the voter screen."),
                      [this] { model_->back(); });
  back->setProperty("nav", true);
  nav->addWidget(back);
  nav->addStretch(1);
  nav->addWidget(button(
      QStringLiteral("enter"), tr("Enter"), tr("Check the PIN."),
      [this, edit] { model_->submit_pin(edit->text()); }, true));
  l->addLayout(nav);
}

void KioskWindow::page_poll_worker(QVBoxLayout* l) {
  const auto& s = model_->poll_status();
  header(l);
  l->addWidget(label(tr("Poll worker"), QStringLiteral("title")));
  auto* grid = new QGridLayout;
  grid->setHorizontalSpacing(32);
  grid->setVerticalSpacing(2);  // room for the buttons and a warning at Large text
  int line = 0;
  auto add = [&](const QString& k, const QString& v) {
    // The names on one line each (wrapped, each took two lines and the page no longer fit).
    grid->addWidget(label(k, QStringLiteral("heading"), /*wrap=*/false), line, 0);
    auto* value = label(v);
    value->setAccessibleName(k + QStringLiteral(": ") + v);
    grid->addWidget(value, line, 1);
    ++line;
  };
  // One state, never two that contradict each other: the ledger's closed polls win over the
  // kiosk's own switch.
  add(tr("Kiosk"), model_->polls_closed() ? tr("not accepting ballots: the polls are closed")
                                          : (model_->kiosk_open() ? tr("open") : tr("closed")));
  add(tr("Election record"), !s.checked ? tr("checking…")
                             : s.reachable
                                 ? tr("reachable (%1)").arg(KioskModel::phase_text(s.ledger_phase))
                                 : tr("NOT reachable"));
  add(tr("Waiting to be sent"), QString::number(s.queue_length));
  add(tr("Ballots cast here"), QString::number(s.cast_here));
  add(tr("Ballots checked here"), QString::number(s.challenged_here));
  add(tr("Kiosk fingerprint"), model_->kiosk_fingerprint());
  if (audio_ != nullptr) {
    const QString problem = audio_->sink()->problem();
    add(tr("Audio ballot"), !problem.isEmpty()
                                ? tr("NOT available: %1").arg(problem)
                                : tr("%1; %2").arg(audio_->active() ? tr("in use") : tr("ready"),
                                                   audio_->sink()->description()));
  }
  grid->setColumnStretch(1, 1);
  l->addLayout(grid);
  // A ballot language without a voice is read by another language's voice: say so before a
  // voter who needs it arrives.
  if (audio_ != nullptr && audio_->sink()->problem().isEmpty()) {
    const QStringList missing = audio_->missing_voices();
    if (!missing.isEmpty()) {
      l->addWidget(label(tr("Audio ballot: NO voice for %1: it would be read by another "
                            "language's voice. Install the voice or call the election office.")
                             .arg(missing.join(QStringLiteral(", "))),
                         QStringLiteral("notice")));
    }
  }
  if (!s.rejected.empty()) {
    l->addWidget(label(tr("Refused by the election record: %1 — contact the election office")
                           .arg(s.rejected.size()),
                       QStringLiteral("notice")));
    // The newest three, in plain words; the election office reads the full list in kiosk.db.
    const std::size_t from = s.rejected.size() > 3 ? s.rejected.size() - 3 : 0;
    for (std::size_t i = from; i < s.rejected.size(); ++i) {
      const auto& r = s.rejected[i];
      auto* w = label(QStringLiteral("#%1: %2").arg(r.id).arg(KioskModel::refusal_text(r)),
                      QStringLiteral("small"));
      w->setToolTip(QString::fromStdString(r.error.describe()));
      l->addWidget(w);
    }
  }
  if (!s.last_error.empty() && !s.reachable) {
    l->addWidget(label(tr("Last error: %1").arg(QString::fromStdString(s.last_error)),
                       QStringLiteral("small")));
  }
  // The reports: what was made (or why not) and where it was written.
  if (model_->poll_report_busy()) {
    l->addWidget(label(tr("Making the report…"), QStringLiteral("small")));
  } else if (const auto& rep = model_->poll_report()) {
    l->addWidget(rep->produced ? label(tr("%1 saved: %2").arg(rep->heading, report_path_),
                                       QStringLiteral("small"))
                               : label(rep->refusal, QStringLiteral("notice")));
  }
  auto* reports = row();
  reports->addWidget(button(QStringLiteral("report-opened"), tr("Polls-opened report"),
                            tr("Print the zero report: this kiosk's counts at the opening."),
                            [this] { model_->request_poll_report(PollReportKind::kOpened); }));
  reports->addWidget(button(QStringLiteral("report-closed"), tr("Polls-closed report"),
                            tr("Print the closing report: this kiosk's counts and last ballot as "
                               "the election record's closing entry names them."),
                            [this] { model_->request_poll_report(PollReportKind::kClosed); }));
  reports->addStretch(1);
  l->addLayout(reports);
  // The voter's accessibility modes, on a row of their own (four controls in one row stack into
  // a column taller than the screen at large text).
  auto* access = row();
  if (audio_ != nullptr) {
    access->addWidget(button(
        QStringLiteral("headphones"),
        audio_->headphones() ? tr("Show the voter's screen") : tr("Blank the voter's screen"),
        tr("Headphone mode: the voter's screen shows only \"Audio ballot in use\" while the "
           "ballot is read aloud (privacy)."),
        [this] {
          // Blanking the screen is for a voter listening: it turns the audio ballot on too.
          if (!audio_->headphones()) audio_->set_active(true);
          audio_->set_headphones(!audio_->headphones());
        }));
  }
  access->addWidget(
      button(QStringLiteral("switch-scanning"),
             scanning_ ? tr("Switch scanning: on") : tr("Switch scanning: off"),
             tr("Two-switch scanning for voters who use switches: one switch (Space) moves the "
                "highlight to the next control, the other (Enter) selects it."),
             [this] { set_switch_scanning(!scanning_); }));
  access->addStretch(1);
  l->addLayout(access);
  l->addStretch(1);
  auto* nav = row();
  auto* open = button(
      QStringLiteral("open-close"),
      model_->kiosk_open() ? tr("Close this kiosk") : tr("Open this kiosk"),
      tr("Allow or stop voting on this kiosk."),
      [this] { model_->set_kiosk_open(!model_->kiosk_open()); }, true);
  nav->addWidget(open);
  auto* retry = button(QStringLiteral("retry"), tr("Send now"),
                       tr("Try to send waiting ballots to the ledger now."),
                       [this] { model_->retry_delivery(); });
  retry->setProperty("nav", true);
  nav->addWidget(retry);
  nav->addStretch(1);
  auto* exit = button(QStringLiteral("exit"), tr("Exit"), tr("Leave poll-worker mode."),
                      [this] { model_->leave_poll_worker(); });
  // The screen opens on "Exit": a stray Enter must never open or close the polls.
  exit->setProperty("first", true);
  exit->setProperty("nav", true);
  nav->addWidget(exit);
  l->addLayout(nav);
}

QImage KioskWindow::qr_image(const QString& text, int scale) {
  const QByteArray utf8 = text.toUtf8();
  QRcode* qr = QRcode_encodeString(utf8.constData(), 0, QR_ECLEVEL_M, QR_MODE_8, 1);
  if (qr == nullptr) return QImage();
  const int quiet = 4;
  const int n = qr->width + 2 * quiet;
  QImage img(n * scale, n * scale, QImage::Format_RGB32);
  img.fill(Qt::white);
  QPainter p(&img);
  for (int y = 0; y < qr->width; ++y) {
    for (int x = 0; x < qr->width; ++x) {
      if (qr->data[y * qr->width + x] & 1) {
        p.fillRect((x + quiet) * scale, (y + quiet) * scale, scale, scale, Qt::black);
      }
    }
  }
  p.end();
  QRcode_free(qr);
  return img;
}

void KioskWindow::draw_receipt(QPagedPaintDevice* device, bool challenged) {
  const auto& r = model_->receipt();
  QPainter p(device);
  const QRect page = p.viewport();
  const int w = page.width();
  int y = 0;
  // Every line is wrapped inside the page's margins; `anywhere` also breaks a long code.
  auto line = [&](const QString& text, int pt, bool bold = false, bool anywhere = false) {
    QFont f(QStringLiteral("Sans"), pt);
    f.setBold(bold);
    p.setFont(f);
    const int flags = anywhere ? Qt::TextWrapAnywhere : Qt::TextWordWrap;
    QRect box(0, y, w, page.height() - y);
    QRect used = p.boundingRect(box, flags, text);
    p.drawText(box, flags, text);
    y += used.height() + used.height() / 3;
  };
  line(r.election_title, 14, true);
  line(challenged ? tr("Checked ballot — NOT counted") : tr("Ballot receipt"), 13, true);
  line(tr("Tracking code:"), 10);
  // The short code on one line, never broken (it is the one voters type).
  {
    QFont f(QStringLiteral("Monospace"), 16);
    f.setBold(true);
    while (f.pointSize() > 8 && QFontMetrics(f, device).horizontalAdvance(r.tracking_code) > w)
      f.setPointSize(f.pointSize() - 1);
    p.setFont(f);
    const int h = QFontMetrics(f, device).height();
    p.drawText(QRect(0, y, w, h), Qt::AlignLeft | Qt::AlignVCenter, r.tracking_code);
    y += h + h / 3;
  }
  // The full code in groups of eight, wrapped inside the margins.
  QString full;
  for (int i = 0; i < r.code_hex.size(); i += 8)
    full += r.code_hex.mid(i, 8).toUpper() + QLatin1Char(' ');
  line(tr("Full tracking code: %1").arg(full.trimmed()), 7, false, true);
  line(tr("Time (UTC): %1").arg(r.time.toString(Qt::ISODate)), 9);
  if (challenged) {
    for (const auto& row : model_->challenge_rows()) {
      line(row.title + QStringLiteral(": ") +
               (row.choices.isEmpty() ? tr("(blank)") : row.choices.join(QStringLiteral(", "))),
           10);
    }
  } else {
    line(r.outcome == CastOutcome::kRecorded
             ? tr("Your ballot was recorded on the election record.")
             : tr("Your ballot is saved on this kiosk and will be sent to the election record."),
         10);
    QImage qr = qr_image(r.lookup, 8);
    if (!qr.isNull()) {
      const int side = w / 3;
      p.drawImage(QRect(0, y, side, side), qr);
      y += side + 20;
    }
    line(tr("How to check your ballot: scan the QR code or open the address below. The page "
            "must show your tracking code as a cast ballot. If it does not, tell the election "
            "office."),
         9);
    line(r.lookup, 8, false, true);
  }
}

QString KioskWindow::save_poll_report() {
  report_path_.clear();
  const auto& rep = model_->poll_report();
  if (!rep || !rep->produced) return QString();
  QDir().mkpath(receipts_dir_);
  const QString path = QDir(receipts_dir_).filePath(poll_report_file_name(*rep));
  if (!write_poll_report_pdf(*rep, path).ok()) return QString();
  if (!printer_.isEmpty()) {
    QPrinter printer(QPrinter::HighResolution);
    printer.setPrinterName(printer_);
    if (printer.isValid()) draw_poll_report(*rep, &printer);
  }
  report_path_ = path;
  return path;
}

QString KioskWindow::print_receipt(bool challenged) {
  QDir().mkpath(receipts_dir_);
  const QString path =
      QDir(receipts_dir_)
          .filePath((challenged ? QStringLiteral("checked-") : QStringLiteral("receipt-")) +
                    model_->receipt().tracking_code + QStringLiteral(".pdf"));
  {
    QPdfWriter pdf(path);
    pdf.setPageSize(QPageSize(QPageSize::A6));
    pdf.setResolution(300);
    pdf.setTitle(tr("Ballot receipt"));
    draw_receipt(&pdf, challenged);
  }
  if (!printer_.isEmpty()) {
    QPrinter printer(QPrinter::HighResolution);
    printer.setPrinterName(printer_);
    if (printer.isValid()) draw_receipt(&printer, challenged);
  }
  last_print_ = path;
  return path;
}

}  // namespace tabella::kiosk
