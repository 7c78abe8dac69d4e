// The real KioskWindow driven with real key events (QTest, offscreen platform): a key acts on
// exactly one screen. The Enter that submits a voting code must not choose a candidate on the
// next screen, the Enter that submits the PIN must not open or close the kiosk, going back and
// entering the code again must not replace a choice, held keys must not repeat a choice, and a
// scanner's burst "CODE\n" followed by more keys must not reach the ballot. Every run ends by
// checking the ballot (the challenge decrypts what was sealed) against the choices the keys
// made, in English and in Spanish. The ledger on the other side is the in-process MemoryLedger.
#include "ui/kiosk_window.h"

#include <gtest/gtest.h>

#include <QApplication>
#include <QKeyEvent>
#include <QLabel>
#include <QProcess>
#include <QPushButton>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>
#include <QTranslator>
#include <chrono>
#include <functional>
#include <map>

#include "core/kiosk_config.h"
#include "core/kiosk_model.h"
#include "core/memory_ledger.h"
#include "kiosk_fixture.h"
#include "qt_wait.h"
#include "tabella/record/bodies.h"
#include "tabella/record/entry.h"
#include "ui/poll_report_pdf.h"

namespace tabella::kiosk {
namespace {

using testing::wait_for;

class KioskWindowTest : public testing::KioskWindowFixture {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(start_kiosk("ballots/demo-general.json", 6, [](auto& o) {
      o.cast_patience_ms = 20000;
      o.status_interval_ms = 100;
    }));
    settle();
  }

  // Lets the window show the model's state, as the event loop does between two keystrokes:
  // waits until no rebuild is pending (a condition, not a time: a loaded machine is slower).
  void settle() {
    testing::settle();
    EXPECT_TRUE(wait_for([&] { return !window_->rebuild_pending(); }))
        << "the window did not show the model's change";
    testing::settle();
  }
  QWidget* focus() const { return QApplication::focusWidget(); }
  QString focus_name() const { return focus() ? focus()->objectName() : QString(); }

  void key(Qt::Key k, Qt::KeyboardModifiers mods = Qt::NoModifier) {
    QWidget* target = focus() ? focus() : window_.get();
    QTest::keyClick(target, k, mods);
  }
  // A key held down: the platform sends repeated press/release pairs marked auto-repeat.
  void held(Qt::Key k, int repeats) {
    for (int i = 0; i < repeats; ++i) {
      QWidget* target = focus() ? focus() : window_.get();
      QKeyEvent press(QEvent::KeyPress, k, Qt::NoModifier, QString(), /*autorep=*/true);
      QApplication::sendEvent(target, &press);
      QKeyEvent release(QEvent::KeyRelease, k, Qt::NoModifier, QString(), /*autorep=*/true);
      QApplication::sendEvent(target, &release);
    }
  }
  void type(const std::string& text) { QTest::keyClicks(focus(), QString::fromStdString(text)); }
  // Tab until the control named `name` has focus.
  void tab_to(const QString& name) {
    for (int i = 0; i < 40 && focus_name() != name; ++i) {
      key(Qt::Key_Tab);
      settle();
    }
    ASSERT_EQ(focus_name(), name);
  }
  // The choices currently marked in the contest on screen (labels, in screen order).
  QStringList marked() const {
    QStringList out;
    for (const auto& c : model_->contest().choices)
      if (c.selected) out << c.label;
    return out;
  }
  QString label_of(int contest_choice) const {
    return model_->contest().choices[static_cast<std::size_t>(contest_choice)].label;
  }
  // From the contest's title: two arrows down to the second choice and Space chooses it, alone.
  void choose_second_choice(QString* label) {
    key(Qt::Key_Down);
    key(Qt::Key_Down);
    settle();
    ASSERT_EQ(focus_name(), QStringLiteral("choice-1"));
    key(Qt::Key_Space);
    settle();
    *label = label_of(1);
    EXPECT_EQ(marked(), QStringList{*label});
  }

  void open_kiosk_by_keys() {
    ASSERT_EQ(model_->screen(), Screen::kClosed);
    key(Qt::Key_P, Qt::ControlModifier | Qt::ShiftModifier);
    settle();
    ASSERT_EQ(model_->screen(), Screen::kPin);
    ASSERT_EQ(focus_name(), QStringLiteral("pin"));
    type("2468");
    key(Qt::Key_Return);  // submits the PIN: must not toggle open/closed as well
    settle();
    ASSERT_EQ(model_->screen(), Screen::kPollWorker);
    settle();
    // A status report or two (every 100 ms) must not act on the screen either.
    const auto reports = model_->status_reports();
    EXPECT_TRUE(wait_for([&] { return model_->status_reports() >= reports + 2; }));
    settle();
    EXPECT_FALSE(model_->kiosk_open()) << "the PIN's Enter opened the kiosk";
    ASSERT_EQ(focus_name(), QStringLiteral("exit"));
    key(Qt::Key_Return);  // on the poll-worker screen's first control, "Exit": harmless
    settle();
    EXPECT_FALSE(model_->kiosk_open());
    if (model_->screen() != Screen::kPollWorker) {  // that control was "Exit": come back
      key(Qt::Key_P, Qt::ControlModifier | Qt::ShiftModifier);
      settle();
      type("2468");
      key(Qt::Key_Return);
      settle();
    }
    tab_to(QStringLiteral("open-close"));
    key(Qt::Key_Return);
    ASSERT_TRUE(wait_for([&] { return model_->kiosk_open(); }));
    settle();
    tab_to(QStringLiteral("exit"));
    key(Qt::Key_Return);
    settle();
    ASSERT_EQ(model_->screen(), Screen::kWelcome);
  }
};

TEST_P(KioskWindowTest, EveryKeyActsOnOneScreenAndTheSealedBallotHoldsWhatTheKeysChose) {
  const QString lang = QString::fromLatin1(GetParam());
  open_kiosk_by_keys();
  // Welcome: choose the language by keys, then Start.
  if (lang != QStringLiteral("en")) {
    tab_to(QStringLiteral("lang-") + lang);
    key(Qt::Key_Space);
    settle();
    ASSERT_EQ(model_->language(), lang);
  }
  tab_to(QStringLiteral("start"));
  key(Qt::Key_Return);
  settle();
  ASSERT_EQ(model_->screen(), Screen::kToken);
  ASSERT_EQ(focus_name(), QStringLiteral("token"));

  // A half-typed code survives the periodic status reports (every 100 ms here).
  type(demo_.tokens[0].substr(0, 6));
  const auto reports = model_->status_reports();
  ASSERT_TRUE(wait_for([&] { return model_->status_reports() >= reports + 3; }));
  settle();
  ASSERT_EQ(focus_name(), QStringLiteral("token"));
  EXPECT_EQ(focus()->property("text").toString().toStdString(), demo_.tokens[0].substr(0, 6));
  focus()->setProperty("text", QString());

  // A scanner burst: the code, Enter, and (fast) another Enter and a Space before the kiosk had
  // time to show the next screen. None of it may reach the contest.
  type(demo_.tokens[0]);
  key(Qt::Key_Return);
  key(Qt::Key_Return);
  key(Qt::Key_Space);
  settle();
  // The code is checked with the ledger; the contest comes with the answer.
  ASSERT_TRUE(wait_for([&] { return !model_->token_check_busy(); }));
  settle();
  ASSERT_EQ(model_->screen(), Screen::kContest);
  EXPECT_TRUE(marked().isEmpty()) << "the code's Enter chose " << marked().join(",").toStdString();
  EXPECT_EQ(focus_name(), QStringLiteral("contest-title"));
  EXPECT_TRUE(model_->notice().isEmpty());

  // Enter on the title does nothing; arrows move; Space chooses the second candidate.
  key(Qt::Key_Return);
  settle();
  EXPECT_EQ(model_->contest().index, 0);
  EXPECT_TRUE(marked().isEmpty());
  QString mayor;
  ASSERT_NO_FATAL_FAILURE(choose_second_choice(&mayor));
  // A held Space repeats: the choice must stay made, not flip on and off.
  held(Qt::Key_Space, 7);
  held(Qt::Key_Return, 6);
  settle();
  EXPECT_EQ(marked(), QStringList{mayor});

  // Escape goes back to the code screen (one screen only); entering the code again with Enter
  // must keep the choice, not replace it with the first candidate.
  key(Qt::Key_Escape);
  settle();
  ASSERT_EQ(model_->screen(), Screen::kToken);
  ASSERT_EQ(focus_name(), QStringLiteral("token"));
  focus()->setProperty("text", QString());
  type(demo_.tokens[0]);
  key(Qt::Key_Enter);  // the keypad's Enter
  settle();
  ASSERT_TRUE(wait_for([&] { return !model_->token_check_busy(); }));
  settle();
  ASSERT_EQ(model_->screen(), Screen::kContest);
  EXPECT_EQ(marked(), QStringList{mayor}) << "going back and re-entering the code changed it";

  // To the next contest with Enter on "Next contest", pressed twice fast: one contest only.
  tab_to(QStringLiteral("next"));
  key(Qt::Key_Return);
  key(Qt::Key_Return);
  settle();
  ASSERT_EQ(model_->contest().index, 1);
  EXPECT_TRUE(marked().isEmpty());
  EXPECT_EQ(focus_name(), QStringLiteral("contest-title"));
  // Council (choose up to 2): first and fourth by arrows and Enter; a third is refused.
  key(Qt::Key_Right);
  settle();
  ASSERT_EQ(focus_name(), QStringLiteral("choice-0"));
  key(Qt::Key_Return);
  settle();
  ASSERT_EQ(focus_name(), QStringLiteral("choice-0"));  // focus stays on the choice
  for (int i = 0; i < 3; ++i) key(Qt::Key_Down);
  settle();
  ASSERT_EQ(focus_name(), QStringLiteral("choice-3"));
  key(Qt::Key_Return);
  settle();
  const QStringList council{label_of(0), label_of(3)};
  EXPECT_EQ(marked(), council);
  key(Qt::Key_Down);
  settle();
  key(Qt::Key_Space);  // over-vote: refused with a notice
  settle();
  EXPECT_EQ(marked(), council);
  EXPECT_FALSE(model_->notice().isEmpty());
  tab_to(QStringLiteral("next"));
  key(Qt::Key_Return);
  settle();
  ASSERT_EQ(model_->contest().index, 2);
  EXPECT_TRUE(model_->notice().isEmpty()) << "the over-vote notice followed to the next contest";
  EXPECT_TRUE(marked().isEmpty());
  // The measure: Enter, Enter, Enter on the title chooses and skips nothing.
  for (int i = 0; i < 3; ++i) key(Qt::Key_Return);
  settle();
  ASSERT_EQ(model_->screen(), Screen::kContest);
  ASSERT_EQ(model_->contest().index, 2);
  EXPECT_TRUE(marked().isEmpty());
  QString measure;
  ASSERT_NO_FATAL_FAILURE(choose_second_choice(&measure));
  tab_to(QStringLiteral("next"));
  key(Qt::Key_Return);
  settle();
  ASSERT_EQ(model_->screen(), Screen::kReview);

  // Seal with Enter, then check (challenge) the sealed ballot: the kiosk decrypts what it sealed.
  ASSERT_EQ(focus_name(), QStringLiteral("seal"));
  key(Qt::Key_Return);
  ASSERT_TRUE(wait_for([&] { return model_->screen() == Screen::kTracking; }));
  settle();
  // "Are you still voting?" over the sealed ballot: it says the ballot is NOT cast, and the first
  // key only dismisses it — the Enter aimed at the focused "Cast my ballot" casts nothing.
  ASSERT_EQ(focus_name(), QStringLiteral("cast"));
  model_->on_idle_timeout();
  settle();
  ASSERT_TRUE(model_->idle_warning());
  auto* warning = window_->findChild<QWidget*>(QStringLiteral("idle-warning"));
  ASSERT_NE(warning, nullptr);
  EXPECT_TRUE(warning->isVisible());
  auto* warning_text = window_->findChild<QLabel*>(QStringLiteral("idle-text"));
  ASSERT_NE(warning_text, nullptr);
  EXPECT_TRUE(warning_text->text().contains(t("NOT cast", "NO depositada")));
  auto* warning_title = window_->findChild<QLabel*>(QStringLiteral("idle-title"));
  ASSERT_NE(warning_title, nullptr);
  EXPECT_EQ(warning_title->text(), t("Are you still voting?", "¿Sigue votando?"));
  key(Qt::Key_Return);
  settle();
  EXPECT_FALSE(model_->idle_warning());
  EXPECT_FALSE(warning->isVisible());
  EXPECT_EQ(model_->screen(), Screen::kTracking) << "the key that dismissed the warning cast";
  EXPECT_EQ(demo_.ledger->submissions(), 0u);
  tab_to(QStringLiteral("challenge"));
  key(Qt::Key_Return);
  ASSERT_TRUE(wait_for([&] { return model_->screen() == Screen::kChallenged; }));
  settle();
  const auto rows = model_->challenge_rows();
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].choices, QStringList{mayor});
  EXPECT_EQ(rows[1].choices, council);
  EXPECT_EQ(rows[2].choices, QStringList{measure});

  // Continue to vote again, seal and cast by keys: the cast ballot holds the same choices.
  ASSERT_EQ(focus_name(), QStringLiteral("continue"));
  key(Qt::Key_Return);
  settle();
  ASSERT_EQ(model_->screen(), Screen::kReview);
  const auto review = model_->review();
  ASSERT_EQ(review.size(), 3u);
  EXPECT_EQ(review[0].choices, QStringList{mayor});
  EXPECT_EQ(review[1].choices, council);
  EXPECT_EQ(review[2].choices, QStringList{measure});
  // Change the council from the review: the contest says "Back to review" and returns there.
  tab_to(QStringLiteral("edit-1"));
  key(Qt::Key_Return);
  settle();
  ASSERT_EQ(model_->screen(), Screen::kContest);
  ASSERT_EQ(model_->contest().index, 1);
  EXPECT_EQ(focus_name(), QStringLiteral("contest-title"));
  auto* next = window_->findChild<QPushButton*>(QStringLiteral("next"));
  ASSERT_NE(next, nullptr);
  // (The test loads no UI translation: the kiosk's own strings are in English here.)
  EXPECT_EQ(next->accessibleName(), t("Back to review", "Volver a la revisión"));
  tab_to(QStringLiteral("next"));
  key(Qt::Key_Return);
  settle();
  ASSERT_EQ(model_->screen(), Screen::kReview);

  EXPECT_EQ(model_->review()[1].choices, council);
}

// The poll-worker screen's reports, read back from the PDF they wrote (pdftotext): the closed
// report names the counts and chain head the ledger's polls-close entry names for this kiosk.
TEST_P(KioskWindowTest, PollWorkerScreenWritesTheReportsAsPdf) {
  auto pdf_text = [](const QString& path) {
    QProcess p;
    p.start(QStringLiteral("pdftotext"), {QStringLiteral("-layout"), path, QStringLiteral("-")});
    EXPECT_TRUE(p.waitForFinished(60000)) << "pdftotext (poppler-utils) did not run";
    EXPECT_EQ(p.exitCode(), 0) << p.readAllStandardError().toStdString();
    // The PDF's "fi" ligatures come back as one character: compare compatibility-normalised.
    return QString::fromUtf8(p.readAllStandardOutput()).normalized(QString::NormalizationForm_KC);
  };
  auto report_by_button = [&](const QString& name) {
    settle();
    auto* b = window_->findChild<QPushButton*>(name);
    EXPECT_NE(b, nullptr) << name.toStdString();
    if (b == nullptr) return QString();
    b->click();
    EXPECT_TRUE(wait_for([&] { return !window_->last_poll_report().isEmpty(); }));
    settle();
    return window_->last_poll_report();
  };
  // The report is in the kiosk's language (the one on screen when the poll worker makes it).
  const QString lang = QString::fromLatin1(GetParam());
  open_kiosk_by_keys();
  model_->choose_language(lang);
  model_->enter_poll_worker();
  model_->submit_pin(QStringLiteral("2468"));
  ASSERT_EQ(model_->screen(), Screen::kPollWorker);
  const QString opened = pdf_text(report_by_button(QStringLiteral("report-opened")));
  EXPECT_TRUE(opened.contains(
      t("Polls-opened report (zero report)", "Informe de apertura de la votación (informe cero)")))
      << opened.toStdString();
  EXPECT_TRUE(opened.contains(t("Zero report: no ballot", "Informe cero: no se ha depositado")));
  EXPECT_TRUE(opened.contains(t("Kiosk fingerprint: ", "Huella del quiosco: ") +
                              model_->kiosk_fingerprint()));
  EXPECT_TRUE(opened.contains(t("Precinct: precinct-1", "Distrito: precinct-1")));
  EXPECT_TRUE(opened.contains(t("open for voters", "abierto a los votantes")));
  if (lang != QStringLiteral("en")) {
    EXPECT_FALSE(opened.contains(QStringLiteral("Ballots cast"))) << "English left in the report";
  }
  // Closed report while the polls are open: refused on screen, no file.
  auto* closed_button = window_->findChild<QPushButton*>(QStringLiteral("report-closed"));
  ASSERT_NE(closed_button, nullptr);
  closed_button->click();
  ASSERT_TRUE(wait_for([&] { return model_->poll_report().has_value(); }));
  settle();
  EXPECT_FALSE(model_->poll_report()->produced);
  EXPECT_TRUE(window_->last_poll_report().isEmpty());
  model_->leave_poll_worker();
  settle();

  // One ballot cast, then the polls close.
  model_->start_voting();
  model_->submit_token(QString::fromStdString(demo_.tokens[0]));
  ASSERT_TRUE(wait_for([&] { return model_->screen() == Screen::kContest; }));
  model_->toggle_choice(0);
  for (int i = 0; i < 3; ++i) model_->next();
  ASSERT_EQ(model_->screen(), Screen::kReview);
  model_->encrypt();
  ASSERT_TRUE(wait_for([&] { return model_->screen() == Screen::kTracking; }));
  model_->cast();
  ASSERT_TRUE(wait_for([&] { return model_->screen() == Screen::kCastDone; }));
  ASSERT_EQ(model_->receipt().outcome, CastOutcome::kRecorded);
  const QString code = model_->receipt().code_hex;
  model_->done();
  ASSERT_TRUE(demo_.ledger->close_polls().ok());
  ASSERT_TRUE(wait_for([&] { return model_->polls_closed(); }));
  settle();
  model_->choose_language(lang);  // the session's end reset it
  model_->enter_poll_worker();
  model_->submit_pin(QStringLiteral("2468"));
  ASSERT_EQ(model_->screen(), Screen::kPollWorker);
  const QString closed = pdf_text(report_by_button(QStringLiteral("report-closed")));
  auto entry = record::Entry::decode(demo_.ledger->entries().back());
  ASSERT_EQ(entry->type, record::EntryType::kPollsClose);
  auto close = record::PollsCloseBody::decode(entry->body);
  ASSERT_TRUE(close.ok());
  ASSERT_EQ(close->kiosks.size(), 1u);
  const auto& head = close->kiosks[0];
  EXPECT_EQ(QString::fromStdString(to_hex(head.chain_head)), code);
  EXPECT_TRUE(closed.contains(t("Polls-closed report", "Informe de cierre de la votación")))
      << closed.toStdString();
  EXPECT_TRUE(closed.contains(t("Ballots cast: %1", "Boletas depositadas: %1").arg(head.cast)));
  EXPECT_TRUE(
      closed.contains(t("Ballots checked (opened for checking, not counted): %1",
                        "Boletas verificadas (abiertas para verificarlas, no se cuentan): %1")
                          .arg(head.challenged)));
  EXPECT_TRUE(closed.contains(QString::fromStdString(to_hex(head.chain_head))));
  EXPECT_TRUE(closed.contains(t("the polls are closed", "la votación está cerrada")));
  EXPECT_FALSE(closed.contains(t("open for voters", "abierto a los votantes")));
  EXPECT_TRUE(closed.contains(t("Nothing to report", "Nada que informar")));
  // The ledger's phase comes in the same language.
  EXPECT_TRUE(closed.contains(t("Election record: ", "Registro de la elección: ") +
                              KioskModel::phase_text(model_->poll_status().ledger_phase)))
      << closed.toStdString();
}

INSTANTIATE_TEST_SUITE_P(Languages, KioskWindowTest, ::testing::Values("en", "es"));

}  // namespace
}  // namespace tabella::kiosk
