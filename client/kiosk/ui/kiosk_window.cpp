#include "ui/kiosk_window.h"

#include <qrencode.h>

#include <QApplication>
#include <QDir>
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
  // A model change (a screen change above all) is shown only after the input event that caused
  // it has been handled completely: the rebuild is queued, and until it runs every key and
  // pointer event is dropped. So the Enter that submits a code or a PIN cannot reach the next
  // screen's widgets (issue 12: it selected the first candidate, toggled the kiosk open/closed).
  connect(model_, &KioskModel::changed, this, &KioskWindow::schedule_rebuild);
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
      // A held key repeats: it must not choose, un-choose or advance again and again.
      const auto* k = static_cast<QKeyEvent*>(event);
      if (k->isAutoRepeat() && (k->key() == Qt::Key_Return || k->key() == Qt::Key_Enter ||
                                k->key() == Qt::Key_Space || k->key() == Qt::Key_Select))
        return true;
      break;
    }
    case QEvent::MouseButtonPress:
    case QEvent::MouseButtonRelease:
    case QEvent::MouseButtonDblClick:
      if (ours && rebuild_pending_) return true;
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
  auto* b = new QPushButton(text);
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

void KioskWindow::apply_style() {
  static const int kSizes[] = {20, 27, 36};
  const int px = kSizes[model_->text_size()];
  const bool hc = model_->high_contrast();
  const QString bg = hc ? QStringLiteral("#000000") : QStringLiteral("#f6f5f0");
  const QString fg = hc ? QStringLiteral("#ffffff") : QStringLiteral("#141414");
  const QString card = hc ? QStringLiteral("#000000") : QStringLiteral("#ffffff");
  const QString accent = hc ? QStringLiteral("#ffff00") : QStringLiteral("#0b4f8a");
  const QString accent_fg = hc ? QStringLiteral("#000000") : QStringLiteral("#ffffff");
  const QString border = hc ? QStringLiteral("#ffffff") : QStringLiteral("#8a8a8a");
  const QString sel_bg = hc ? QStringLiteral("#003300") : QStringLiteral("#e1f0dc");
  const QString sel_border = hc ? QStringLiteral("#00ff00") : QStringLiteral("#1e7b34");
  const QString warn_bg = hc ? QStringLiteral("#000000") : QStringLiteral("#fff1c2");
  const QString warn_fg = hc ? QStringLiteral("#ffff00") : QStringLiteral("#5c3d00");
  const QString focus = hc ? QStringLiteral("#00ffff") : QStringLiteral("#e07000");
  setStyleSheet(
      QStringLiteral(R"(
    QWidget#kiosk, QWidget#page, QScrollArea, QScrollArea > QWidget > QWidget { background: %1; }
    QWidget { color: %2; font-size: %3px; }
    QLabel[role="title"] { font-size: %4px; font-weight: bold; }
    QLabel[role="heading"] { font-size: %5px; font-weight: bold; }
    QLabel[role="small"] { font-size: %6px; }
    QLabel[role="code"] { font-size: %7px; font-weight: bold; font-family: monospace;
                          letter-spacing: 2px; }
    QLabel[role="notice"] { background: %8; color: %9; border: 2px solid %9; padding: 12px;
                            border-radius: 6px; }
    QFrame[role="card"] { background: %10; border: 2px solid %11; border-radius: 8px; }
    QFrame[role="card"][undervote="true"] { background: %8; border: 3px solid %9; }
    QPushButton { background: %10; border: 2px solid %11; border-radius: 8px; padding: 10px 18px;
                  text-align: left; }
    QPushButton[primary="true"] { background: %12; color: %13; border-color: %12;
                                  font-weight: bold; text-align: center; }
    QPushButton[nav="true"] { text-align: center; }
    QPushButton[selected="true"] { background: %14; border: 4px solid %15; font-weight: bold; }
    QPushButton[available="false"] { color: %11; }
    QPushButton:focus { border: 5px solid %16; padding: 7px 15px; }
    QScrollBar:vertical { width: 28px; }
    QLineEdit { background: %10; border: 3px solid %11; border-radius: 6px; padding: 10px;
                font-family: monospace; font-size: %7px; }
    QLineEdit:focus { border: 5px solid %16; }
    QLabel:focus { border: 5px solid %16; border-radius: 6px; }
  )")
          .arg(bg, fg)
          .arg(px)
          .arg(px * 3 / 2)
          .arg(px * 5 / 4)
          .arg(px * 4 / 5)
          .arg(px * 2)
          .arg(warn_bg, warn_fg, card, border, accent, accent_fg, sel_bg, sel_border, focus));
}

void KioskWindow::rebuild() {
  rebuild_pending_ = false;
  ++generation_;
  // Focus is restored by name only when the same screen is rebuilt (a choice toggled, a setting
  // changed); a new screen starts at its own first control, never at a leftover name.
  const int contest_index = model_->screen() == Screen::kContest ? model_->contest().index : -1;
  const bool same_screen = model_->screen() == shown_screen_ && contest_index == shown_contest_;
  shown_screen_ = model_->screen();
  shown_contest_ = contest_index;
  focus_name_.clear();
  if (QWidget* f = focusWidget(); same_screen && f != nullptr) focus_name_ = f->objectName();
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
  }
  page_ = new QWidget;
  page_->setObjectName(QStringLiteral("page"));
  auto* l = new QVBoxLayout(page_);
  l->setContentsMargins(40, 28, 40, 28);
  l->setSpacing(16);
  // Header: the election, on every voter screen.
  if (model_->ready()) {
    auto* head = label(model_->election_title(), QStringLiteral("small"));
    head->setObjectName(QStringLiteral("election-title"));
    l->addWidget(head);
  }
  switch (model_->screen()) {
    case Screen::kStarting:
      page_message(l, tr("Starting"), tr("The kiosk is getting ready. Please wait."));
      break;
    case Screen::kUnavailable:
      page_message(l, tr("Kiosk not ready"), model_->unavailable_text());
      break;
    case Screen::kClosed:
      page_message(l, tr("This kiosk is closed"),
                   tr("Voting is not open at this kiosk. Please ask a poll worker."));
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
  layout()->addWidget(page_);
  page_->show();
  if (!typed.isEmpty()) {
    if (auto* e = page_->findChild<QLineEdit*>()) {
      e->setText(typed);
      e->setCursorPosition(cursor);
    }
  }
  // Restore keyboard focus, else focus the first control.
  QWidget* target = focus_name_.isEmpty() ? nullptr : page_->findChild<QWidget*>(focus_name_);
  if (target == nullptr) {
    for (auto* w : page_->findChildren<QWidget*>()) {
      if (w->focusPolicy() & Qt::TabFocus) {
        if (target == nullptr || w->property("first").toBool()) target = w;
        if (w->property("first").toBool()) break;
      }
    }
  }
  if (target != nullptr) target->setFocus(Qt::OtherFocusReason);
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

void KioskWindow::page_message(QVBoxLayout* l, const QString& title, const QString& text) {
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
    auto* row = new QHBoxLayout;
    row->addStretch(1);
    row->addWidget(pw);
    l->addLayout(row);
  }
}

void KioskWindow::page_welcome(QVBoxLayout* l) {
  l->addWidget(label(tr("Welcome"), QStringLiteral("title")));
  l->addWidget(
      label(tr("You can choose your language, a larger text size or high contrast "
               "before you start. Use the Tab and arrow keys to move, Enter to choose, "
               "Escape to go back.")));
  l->addWidget(label(tr("Language"), QStringLiteral("heading")));
  auto* langs = new QHBoxLayout;
  for (const auto& lang : model_->languages()) {
    auto* b = button(QStringLiteral("lang-") + lang.tag, lang.name,
                     tr("Show the ballot and the kiosk in %1.").arg(lang.name),
                     [this, tag = lang.tag] { model_->choose_language(tag); });
    b->setProperty("selected", lang.tag == model_->language());
    b->setProperty("nav", true);
    b->setAccessibleDescription(b->accessibleDescription() +
                                (lang.tag == model_->language() ? tr(" Selected.") : QString()));
    langs->addWidget(b);
  }
  langs->addStretch(1);
  l->addLayout(langs);
  l->addWidget(label(tr("Text size"), QStringLiteral("heading")));
  auto* sizes = new QHBoxLayout;
  const QString names[] = {tr("Standard"), tr("Large"), tr("Extra large")};
  for (int i = 0; i < 3; ++i) {
    auto* b = button(QStringLiteral("size-%1").arg(i), names[i],
                     tr("Set the text size to %1.").arg(names[i]),
                     [this, i] { model_->set_text_size(i); });
    b->setProperty("selected", model_->text_size() == i);
    b->setProperty("nav", true);
    sizes->addWidget(b);
  }
  sizes->addStretch(1);
  l->addLayout(sizes);
  auto* hc = button(QStringLiteral("contrast"),
                    model_->high_contrast() ? tr("High contrast: on") : tr("High contrast: off"),
                    tr("Switch between normal colours and white text on black."),
                    [this] { model_->set_high_contrast(!model_->high_contrast()); });
  hc->setProperty("selected", model_->high_contrast());
  hc->setProperty("nav", true);
  auto* hrow = new QHBoxLayout;
  hrow->addWidget(hc);
  hrow->addStretch(1);
  l->addLayout(hrow);
  l->addStretch(1);
  auto* start = button(
      QStringLiteral("start"), tr("Start voting"),
      tr("Begin: you will be asked for your voting code."), [this] { model_->start_voting(); },
      /*primary=*/true);
  start->setProperty("first", true);
  start->setMinimumHeight(84);
  l->addWidget(start);
  auto* pw = button(QStringLiteral("poll-worker"), tr("Poll worker"),
                    tr("For poll workers only: opens the PIN screen."),
                    [this] { model_->enter_poll_worker(); });
  pw->setProperty("nav", true);
  auto* row = new QHBoxLayout;
  row->addStretch(1);
  row->addWidget(pw);
  l->addLayout(row);
}

void KioskWindow::page_token(QVBoxLayout* l) {
  l->addWidget(label(model_->recasting() ? tr("Enter a new voting code") : tr("Your voting code"),
                     QStringLiteral("title")));
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
  auto* nav = new QHBoxLayout;
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
  auto* top = new QHBoxLayout;
  top->addWidget(label(v.progress, QStringLiteral("small")));
  top->addStretch(1);
  l->addLayout(top);
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
  if (!v.instructions.isEmpty()) l->addWidget(label(v.instructions));
  l->addWidget(label(v.rule, QStringLiteral("heading")));
  // The choices scroll when they do not fit (many candidates, extra large text).
  auto* area = new QScrollArea;
  area->setWidgetResizable(true);
  area->setFrameShape(QFrame::NoFrame);
  area->setFocusPolicy(Qt::NoFocus);
  auto* inner = new QWidget;
  auto* list = new QVBoxLayout(inner);
  list->setContentsMargins(0, 0, 0, 0);
  list->setSpacing(10);
  for (std::size_t j = 0; j < v.choices.size(); ++j) {
    const auto& c = v.choices[j];
    QString text = (c.selected ? QStringLiteral("☑  ") : QStringLiteral("☐  ")) + c.label;
    if (!c.party.isEmpty()) text += QStringLiteral("  —  ") + c.party;
    QString desc = c.selected ? tr("Chosen. Press to remove this choice.")
                   : c.available
                       ? tr("Not chosen. Press to choose.")
                       : tr("Not available: you have already chosen %1, the most allowed. Remove "
                            "a choice first.")
                             .arg(v.max);
    auto* b = button(QStringLiteral("choice-%1").arg(j), text, desc,
                     [this, j] { model_->toggle_choice(static_cast<int>(j)); });
    b->setAccessibleName(c.label +
                         (c.party.isEmpty() ? QString() : QStringLiteral(", ") + c.party));
    b->setProperty("selected", c.selected);
    b->setProperty("available", c.available);
    b->setMinimumHeight(72);
    list->addWidget(b);
  }
  list->addStretch(1);
  area->setWidget(inner);
  l->addWidget(area, 1);
  auto* status = label(v.status);
  status->setObjectName(QStringLiteral("status"));
  l->addWidget(status);
  if (!model_->notice().isEmpty()) {
    auto* n = label(model_->notice(), QStringLiteral("notice"));
    n->setObjectName(QStringLiteral("notice"));
    l->addWidget(n);
  }
  auto* nav = new QHBoxLayout;
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
  l->addWidget(label(tr("Review your choices"), QStringLiteral("title")));
  l->addWidget(
      label(tr("Check every contest. Contests marked in yellow have fewer choices than "
               "allowed. Choose \"Change\" to edit a contest.")));
  auto* area = new QScrollArea;
  area->setWidgetResizable(true);
  area->setFrameShape(QFrame::NoFrame);
  auto* inner = new QWidget;
  auto* rows = new QVBoxLayout(inner);
  rows->setSpacing(10);
  for (const auto& r : model_->review()) {
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
    g->addWidget(edit);
    rows->addWidget(card);
  }
  rows->addStretch(1);
  area->setWidget(inner);
  l->addWidget(area, 1);
  if (!model_->notice().isEmpty()) l->addWidget(label(model_->notice(), QStringLiteral("notice")));
  auto* nav = new QHBoxLayout;
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
  l->addWidget(label(tr("Your ballot is sealed"), QStringLiteral("title")));
  l->addWidget(label(tr("Your tracking code:")));
  auto* code = label(model_->tracking_code(), QStringLiteral("code"));
  code->setObjectName(QStringLiteral("tracking-code"));
  code->setAccessibleName(tr("Tracking code %1").arg(model_->tracking_code()));
  l->addWidget(code);
  l->addWidget(
      label(tr("Cast your ballot to have it counted. Or, if you want to make sure the "
               "kiosk sealed your choices correctly, check it: the kiosk then shows what "
               "it sealed and publishes it, that ballot is NOT counted, and you vote "
               "again.")));
  l->addStretch(1);
  auto* cast = button(
      QStringLiteral("cast"), tr("Cast my ballot"), tr("Record your ballot. It will be counted."),
      [this] { model_->cast(); }, true);
  cast->setProperty("first", true);
  cast->setMinimumHeight(84);
  l->addWidget(cast);
  auto* row = new QHBoxLayout;
  auto* back = button(QStringLiteral("back"), tr("Change my choices"),
                      tr("Go back to the review. This sealed ballot is discarded."),
                      [this] { model_->back(); });
  back->setProperty("nav", true);
  row->addWidget(back);
  row->addStretch(1);
  auto* check = button(QStringLiteral("challenge"), tr("Check this ballot (not counted)"),
                       tr("Open this sealed ballot to verify it. It will not be counted and you "
                          "will vote again."),
                       [this] { model_->challenge(); });
  check->setProperty("nav", true);
  row->addWidget(check);
  l->addLayout(row);
}

void KioskWindow::page_challenged(QVBoxLayout* l) {
  l->addWidget(label(tr("Checked ballot: NOT counted"), QStringLiteral("title")));
  l->addWidget(label(
      tr("The ballot with tracking code %1 contained:").arg(model_->receipt().tracking_code)));
  auto* grid = new QGridLayout;
  int row = 0;
  for (const auto& r : model_->challenge_rows()) {
    grid->addWidget(label(r.title, QStringLiteral("heading")), row, 0);
    grid->addWidget(
        label(r.choices.isEmpty() ? tr("(blank)") : r.choices.join(QStringLiteral(", "))), row, 1);
    ++row;
  }
  grid->setColumnStretch(1, 1);
  l->addLayout(grid);
  if (!model_->notice().isEmpty()) l->addWidget(label(model_->notice(), QStringLiteral("notice")));
  l->addWidget(label(tr("If this is not what you chose, tell a poll worker.")));
  l->addStretch(1);
  auto* nav = new QHBoxLayout;
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
    auto* row = new QHBoxLayout;
    auto* col = new QVBoxLayout;
    col->addWidget(label(tr("Tracking code:")));
    auto* code = label(r.tracking_code, QStringLiteral("code"));
    code->setAccessibleName(tr("Tracking code %1").arg(r.tracking_code));
    col->addWidget(code);
    col->addWidget(label(tr("Use it to find your ballot on the election record later."),
                         QStringLiteral("small")));
    if (!r.checkpoint.isEmpty()) {
      col->addWidget(label(tr("Checkpoint: %1").arg(r.checkpoint), QStringLiteral("small")));
    }
    col->addStretch(1);
    row->addLayout(col, 1);
    auto* qr = new QLabel;
    qr->setPixmap(QPixmap::fromImage(qr_image(r.lookup, 6)));
    qr->setAccessibleName(tr("QR code of your tracking code"));
    qr->setStyleSheet(QStringLiteral("background: white; padding: 8px;"));
    row->addWidget(qr, 0, Qt::AlignTop);
    l->addLayout(row);
  }
  l->addStretch(1);
  auto* nav = new QHBoxLayout;
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
  auto* nav = new QHBoxLayout;
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
  l->addWidget(label(tr("Poll worker"), QStringLiteral("title")));
  auto* grid = new QGridLayout;
  int row = 0;
  auto add = [&](const QString& k, const QString& v) {
    grid->addWidget(label(k, QStringLiteral("heading")), row, 0);
    auto* value = label(v);
    value->setAccessibleName(k + QStringLiteral(": ") + v);
    grid->addWidget(value, row, 1);
    ++row;
  };
  add(tr("Kiosk"), model_->kiosk_open() ? tr("open") : tr("closed"));
  add(tr("Ledger"), !s.checked    ? tr("checking…")
                    : s.reachable ? tr("reachable (%1)").arg(QString::fromStdString(s.ledger_phase))
                                  : tr("NOT reachable"));
  add(tr("Waiting to be sent"), QString::number(s.queue_length));
  add(tr("Ballots cast here"), QString::number(s.cast_here));
  add(tr("Ballots checked here"), QString::number(s.challenged_here));
  add(tr("Kiosk fingerprint"), model_->kiosk_fingerprint());
  grid->setColumnStretch(1, 1);
  l->addLayout(grid);
  if (!s.rejected.empty()) {
    l->addWidget(
        label(tr("Refused by the ledger: %1 — contact the election office").arg(s.rejected.size()),
              QStringLiteral("notice")));
    for (const auto& r : s.rejected) {
      l->addWidget(label(tr("#%1 %2, sequence %3: %4")
                             .arg(r.id)
                             .arg(r.kind == EntryKind::kCast ? tr("cast") : tr("checked"))
                             .arg(r.sequence)
                             .arg(QString::fromStdString(r.error.describe())),
                         QStringLiteral("small")));
    }
  }
  if (!s.last_error.empty() && !s.reachable) {
    l->addWidget(label(tr("Last error: %1").arg(QString::fromStdString(s.last_error)),
                       QStringLiteral("small")));
  }
  l->addStretch(1);
  auto* nav = new QHBoxLayout;
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
  auto line = [&](const QString& text, int pt, bool bold = false) {
    QFont f(QStringLiteral("Sans"), pt);
    f.setBold(bold);
    p.setFont(f);
    QRect box(0, y, w, page.height() - y);
    QRect used = p.boundingRect(box, Qt::TextWordWrap, text);
    p.drawText(box, Qt::TextWordWrap, text);
    y += used.height() + used.height() / 3;
  };
  line(r.election_title, 16, true);
  line(challenged ? tr("Checked ballot — NOT counted") : tr("Ballot receipt"), 14, true);
  line(tr("Tracking code: %1").arg(r.tracking_code), 14, true);
  line(tr("Ballot code: %1").arg(r.code_hex), 8);
  line(tr("Time (UTC): %1").arg(r.time.toString(Qt::ISODate)), 10);
  if (challenged) {
    for (const auto& row : model_->challenge_rows()) {
      line(row.title + QStringLiteral(": ") +
               (row.choices.isEmpty() ? tr("(blank)") : row.choices.join(QStringLiteral(", "))),
           11);
    }
  } else {
    line(r.outcome == CastOutcome::kRecorded
             ? tr("Recorded. Checkpoint: %1").arg(r.checkpoint)
             : tr("Recorded on this kiosk; confirmation from the election record is pending."),
         10);
    QImage qr = qr_image(r.lookup, 8);
    if (!qr.isNull()) {
      const int side = w / 3;
      p.drawImage(QRect(0, y, side, side), qr);
      y += side + 20;
    }
    line(r.lookup, 8);
  }
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
