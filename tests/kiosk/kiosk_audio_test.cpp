// The audio ballot, eyes-free, on the real KioskWindow (offscreen) with real key events: the
// 4-key layout (up/down arrows, Enter, Escape) plus keypad volume and rate keys and F2 for
// headphone mode. A recording SpeechSink keeps the transcript, which is checked step by step in
// English and Spanish: the welcome, the voting code, each choice and its state (selected, not
// selected, not available because the contest is full), the over-vote notice, a skipped contest,
// the review with its blank contest, going back, the sealed ballot's NOT-cast state and its
// tracking code spelled in groups, the inactivity countdown, a challenge (the opened contents
// must be exactly the choices the keys made) and the cast. Headphone mode must cover the screen
// with the neutral panel. The real Qt TextToSpeech (flite) engine is created once and must be
// ready or say clearly why not. The ledger is the in-process MemoryLedger.
#include <gtest/gtest.h>

#include <QApplication>
#include <QDir>
#include <QFile>
#include <QKeyEvent>
#include <QLabel>
#include <QPushButton>
#include <QTemporaryDir>
#include <QTest>
#include <QTranslator>
#include <algorithm>

#include "core/audio_guide.h"
#include "core/kiosk_config.h"
#include "core/kiosk_model.h"
#include "core/memory_ledger.h"
#include "kiosk_fixture.h"
#include "qt_wait.h"
#include "ui/espeak_speech.h"
#include "ui/kiosk_window.h"
#include "ui/speech.h"

namespace tabella::kiosk {
namespace {

using testing::wait_for;

class KioskAudioTest : public testing::KioskWindowFixture {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(start_kiosk("ballots/demo-general.json", 3, {}, &sink_));
    model_->enter_poll_worker();
    model_->submit_pin(QStringLiteral("2468"));
    model_->set_kiosk_open(true);
    ASSERT_TRUE(wait_for([&] { return model_->kiosk_open(); }));
    model_->leave_poll_worker();
    ASSERT_TRUE(shown());
    ASSERT_EQ(model_->screen(), Screen::kWelcome);
  }

  // The window shows the model's state (its rebuild ran): keys reach the screen on display.
  bool shown() {
    return wait_for([&] { return !window_->rebuild_pending(); }, 20000);
  }
  void press(Qt::Key k, Qt::KeyboardModifiers mods = Qt::NoModifier) {
    QWidget* target =
        QApplication::focusWidget() != nullptr ? QApplication::focusWidget() : window_.get();
    QTest::keyClick(target, k, mods);
    ASSERT_TRUE(shown());
  }
  // What was spoken since the last call (each say() on its own line).
  QString said() {
    QStringList out = sink_.lines.mid(heard_);
    heard_ = static_cast<int>(sink_.lines.size());
    return out.join(QStringLiteral("\n"));
  }
  // Moves down until the item spoken contains `what`.
  void down_to(const QString& what) {
    for (int i = 0; i < 12; ++i) {
      press(Qt::Key_Down);
      if (said().contains(what)) return;
    }
    FAIL() << "no item says " << what.toStdString();
  }
  // On the review: down to "These are my choices", Enter seals, the tracking screen is shown.
  void seal_from_review() {
    ASSERT_EQ(model_->screen(), Screen::kReview);
    down_to(t("These are my choices", "Estas son mis opciones"));
    press(Qt::Key_Return);
    ASSERT_TRUE(wait_for([&] { return model_->screen() == Screen::kTracking; }));
    ASSERT_TRUE(shown());
  }
  QString label_of(int choice) const {
    return model_->contest().choices[static_cast<std::size_t>(choice)].label;
  }

  TranscriptSink sink_;
  int heard_ = 0;
};

#define EXPECT_SAID(text, ...)                                                                   \
  do {                                                                                           \
    const QString heard_now = (text);                                                            \
    for (const QString& want : {__VA_ARGS__})                                                    \
      EXPECT_TRUE(heard_now.contains(want)) << "expected \"" << want.toStdString() << "\" in:\n" \
                                            << heard_now.toStdString();                          \
  } while (0)

TEST_P(KioskAudioTest, AWholeVoteReviewChallengeAndCastEyesFree) {
  const QString lang = QString::fromLatin1(GetParam());
  // F1 turns the audio ballot on; the welcome screen is read.
  press(Qt::Key_F1);
  ASSERT_TRUE(guide_->active());
  EXPECT_SAID(said(), QStringLiteral("Audio ballot."), QStringLiteral("Welcome"),
              model_->election_title());
  // The language, by the 4 keys: down to it, select.
  if (lang != QStringLiteral("en")) {
    down_to(QStringLiteral("Español"));
    press(Qt::Key_Return);
    ASSERT_EQ(model_->language(), lang);
    EXPECT_EQ(sink_.language, lang);
    EXPECT_SAID(said(), QStringLiteral("Español. Seleccionado."));
  }
  down_to(t("Start voting", "Empezar a votar"));
  press(Qt::Key_Return);
  ASSERT_EQ(model_->screen(), Screen::kToken);
  EXPECT_SAID(said(), t("Your voting code", "Su código de votación"));
  // The code is typed (or scanned) into the field and submitted with Enter.
  QTest::keyClicks(QApplication::focusWidget(), QString::fromStdString(demo_.tokens[0]));
  press(Qt::Key_Return);
  ASSERT_TRUE(wait_for([&] { return model_->screen() == Screen::kContest; }));
  ASSERT_TRUE(shown());
  EXPECT_SAID(said(), t("Contest 1 of 3", "Contienda 1 de 3"), model_->contest().title,
              t("4 choices", "4 opciones"));
  EXPECT_EQ(guide_->position(), -1);

  // Contest 1 (one choice): hear two choices, select the second.
  press(Qt::Key_Down);
  EXPECT_SAID(said(), t("Choice 1 of 4", "Opción 1 de 4"), label_of(0),
              t("Not selected.", "No seleccionado."));
  press(Qt::Key_Down);
  press(Qt::Key_Return);
  const QString mayor = label_of(1);
  EXPECT_SAID(said(), mayor + t(": selected.", ": seleccionado."),
              t("You have chosen 1 of 1.", "Ha elegido 1 de 1."));
  press(Qt::Key_Up);
  press(Qt::Key_Down);
  EXPECT_SAID(said(), t("Choice 2 of 4", "Opción 2 de 4"), mayor, t("Selected.", "Seleccionado."));
  down_to(t("Next contest", "Siguiente contienda"));
  press(Qt::Key_Return);

  // Contest 2 (up to two): choose the 1st and the 3rd; the 4th is refused (over-vote) and then
  // said to be not available.
  ASSERT_EQ(model_->contest().index, 1);
  EXPECT_SAID(said(), t("Contest 2 of 3", "Contienda 2 de 3"),
              t("Choose up to 2.", "Elija hasta 2."));
  press(Qt::Key_Down);
  press(Qt::Key_Return);
  press(Qt::Key_Down);
  press(Qt::Key_Down);
  press(Qt::Key_Return);
  const QStringList council{label_of(0), label_of(2)};
  EXPECT_SAID(said(), label_of(2) + t(": selected.", ": seleccionado."),
              t("You have chosen 2 of 2.", "Ha elegido 2 de 2."));
  press(Qt::Key_Down);
  EXPECT_SAID(said(), label_of(3), t("Not available", "No disponible"));
  press(Qt::Key_Return);
  ASSERT_FALSE(model_->notice().isEmpty());
  EXPECT_SAID(said(), model_->notice());
  // Keypad volume and rate keys.
  press(Qt::Key_Plus, Qt::KeypadModifier);
  EXPECT_SAID(said(), t("Volume 90 percent.", "Volumen 90 por ciento."));
  EXPECT_NEAR(sink_.volume, 0.9, 1e-9);
  press(Qt::Key_Asterisk, Qt::KeypadModifier);
  EXPECT_SAID(said(), t("Faster.", "Más rápido."));
  EXPECT_NEAR(sink_.rate, 0.25, 1e-9);
  press(Qt::Key_Slash, Qt::KeypadModifier);
  EXPECT_SAID(said(), t("Slower.", "Más lento."));
  EXPECT_NEAR(sink_.rate, 0.0, 1e-9);
  down_to(t("Next contest", "Siguiente contienda"));
  press(Qt::Key_Return);

  // Contest 3: skipped, left blank.
  ASSERT_EQ(model_->contest().index, 2);
  EXPECT_TRUE(model_->notice().isEmpty()) << "the over-vote notice followed to the next contest";
  EXPECT_SAID(said(), t("Contest 3 of 3", "Contienda 3 de 3"));
  down_to(t("Review my choices", "Revisar mis opciones"));
  press(Qt::Key_Return);

  // The review: three contests, one blank; each read in turn.
  ASSERT_EQ(model_->screen(), Screen::kReview);
  EXPECT_SAID(said(), t("Review your choices. 3 contests.", "Revise sus opciones. 3 contiendas."),
              t("Contests with fewer choices than allowed: 1.",
                "Contiendas con menos opciones de las permitidas: 1."));
  press(Qt::Key_Down);
  EXPECT_SAID(said(), mayor);
  press(Qt::Key_Down);
  EXPECT_SAID(said(), council.join(QStringLiteral(", ")));
  press(Qt::Key_Down);
  EXPECT_SAID(said(), t("blank, no choice", "en blanco, sin ninguna opción"));
  // Back goes to the last contest, and forward again.
  press(Qt::Key_Escape);
  ASSERT_EQ(model_->screen(), Screen::kContest);
  {
    const QString back = said();
    EXPECT_SAID(back, t("Contest 3 of 3", "Contienda 3 de 3"));
    EXPECT_FALSE(back.contains(t("no going back", "no se puede volver"))) << back.toStdString();
  }
  down_to(t("Review my choices", "Revisar mis opciones"));
  press(Qt::Key_Return);
  ASSERT_NO_FATAL_FAILURE(seal_from_review());
  // Sealed, NOT cast, and the tracking code spelled in groups.
  const QString code = model_->tracking_code();
  const QString spelled = AudioGuide::spell_code(code);
  EXPECT_SAID(said(), t("Sealing your ballot", "Sellando su boleta"),
              t("NOT cast yet", "AÚN NO está depositada"), spelled);
  EXPECT_TRUE(spelled.startsWith(t("Group 1: ", "Grupo 1: ") + QString(code[0]) +
                                 QStringLiteral(", ") + QString(code[1])))
      << spelled.toStdString();

  // Headphone mode (F2): the screen shows only the neutral panel.
  press(Qt::Key_F2);
  ASSERT_TRUE(guide_->headphones());
  auto* panel = window_->findChild<QWidget*>(QStringLiteral("headphone-panel"));
  ASSERT_NE(panel, nullptr);
  EXPECT_TRUE(panel->isVisible());
  EXPECT_EQ(panel->geometry(), window_->rect());
  EXPECT_EQ(window_->findChild<QLabel*>(QStringLiteral("headphone-title"))->text(),
            t("Audio ballot in use", "Boleta de audio en uso"));
  EXPECT_TRUE(window_->layout_problems().isEmpty())
      << window_->layout_problems().join(QStringLiteral("; ")).toStdString();
  EXPECT_SAID(said(), t("The screen is now blank", "La pantalla está ahora en blanco"));
  const QByteArray shots = qgetenv("KIOSK_AUDIO_SHOTS");
  if (!shots.isEmpty()) {
    QDir().mkpath(QString::fromLocal8Bit(shots));
    window_->grab().save(QDir(QString::fromLocal8Bit(shots))
                             .filePath(QStringLiteral("headphones-%1.png").arg(lang)));
  }

  // The inactivity countdown is spoken, with the NOT-cast warning; a key continues.
  model_->on_idle_timeout();
  ASSERT_TRUE(model_->idle_warning());
  EXPECT_SAID(said(), t("Are you still voting?", "¿Sigue votando?"),
              t("NOT cast yet", "NO está depositada"), t("30 seconds", "30 segundos"));
  press(Qt::Key_Down);  // ends the warning, does nothing else
  EXPECT_FALSE(model_->idle_warning());
  EXPECT_EQ(model_->screen(), Screen::kTracking);
  EXPECT_SAID(said(), t("You are still voting.", "Sigue votando."));

  // Check (challenge) the ballot: what the kiosk sealed is read back, blank contest included,
  // and it is exactly what the keys chose.
  down_to(t("Check this ballot", "Verificar esta boleta"));
  press(Qt::Key_Return);
  ASSERT_TRUE(wait_for([&] { return model_->screen() == Screen::kChallenged; }));
  ASSERT_TRUE(shown());
  const auto rows = model_->challenge_rows();
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].choices, QStringList{mayor});
  EXPECT_EQ(rows[1].choices, council);
  EXPECT_TRUE(rows[2].choices.isEmpty());
  EXPECT_SAID(said(), t("NOT counted", "NO se cuenta"), mayor, council.join(QStringLiteral(", ")),
              t("blank, no choice", "en blanco, sin ninguna opción"), spelled);
  down_to(t("Continue and vote", "Continuar y votar"));
  press(Qt::Key_Return);
  ASSERT_NO_FATAL_FAILURE(seal_from_review());
  said();
  // Cast.
  down_to(t("Cast my ballot", "Depositar mi boleta"));
  press(Qt::Key_Return);
  ASSERT_TRUE(wait_for([&] { return model_->screen() == Screen::kCastDone; }));
  ASSERT_TRUE(shown());
  ASSERT_EQ(model_->receipt().outcome, CastOutcome::kRecorded);
  EXPECT_SAID(said(), t("has been cast and recorded", "ha sido depositada y registrada"),
              AudioGuide::spell_code(model_->receipt().tracking_code));
  ASSERT_TRUE(wait_for([&] { return model_->poll_status().cast_here == 1; }));
  EXPECT_EQ(model_->poll_status().challenged_here, 1u);
  // Done: the session ends, the audio ballot and headphone mode with it.
  down_to(t("Done", "Terminar"));
  press(Qt::Key_Return);
  EXPECT_EQ(model_->screen(), Screen::kWelcome);
  EXPECT_FALSE(guide_->active());
  EXPECT_FALSE(guide_->headphones());
  EXPECT_FALSE(panel->isVisible());
  EXPECT_SAID(said(), t("Your session has ended", "Su sesión ha terminado"));
  if (!shots.isEmpty()) {
    QFile f(QDir(QString::fromLocal8Bit(shots))
                .filePath(QStringLiteral("transcript-%1.txt").arg(lang)));
    ASSERT_TRUE(f.open(QIODevice::WriteOnly));
    f.write(sink_.lines.join(QStringLiteral("\n")).toUtf8());
  }
}

TEST_P(KioskAudioTest, KeysMeanNothingToTheGuideWhenItIsOffOrOnPollWorkerScreens) {
  // Off: the arrows and Enter work the screen as usual; nothing is said.
  press(Qt::Key_Down);
  press(Qt::Key_Up);
  EXPECT_TRUE(sink_.lines.isEmpty());
  // On, then the poll worker's screens: their keys are theirs.
  press(Qt::Key_F1);
  said();
  press(Qt::Key_P, Qt::ControlModifier | Qt::ShiftModifier);
  ASSERT_EQ(model_->screen(), Screen::kPin);
  QTest::keyClicks(QApplication::focusWidget(), QStringLiteral("2468"));
  press(Qt::Key_Return);
  ASSERT_EQ(model_->screen(), Screen::kPollWorker);
  // The poll worker's screen says whether speech works, and can blank the voter's screen.
  auto* blank = window_->findChild<QPushButton*>(QStringLiteral("headphones"));
  ASSERT_NE(blank, nullptr);
  blank->setFocus();
  press(Qt::Key_Return);
  EXPECT_TRUE(guide_->headphones());
  auto* panel = window_->findChild<QWidget*>(QStringLiteral("headphone-panel"));
  EXPECT_FALSE(panel->isVisible()) << "the poll worker's own screen must stay visible";
  sink_.missing = QStringLiteral("no engine here");
  window_->rebuild();
  ASSERT_TRUE(wait_for([&] {
    for (auto* l : window_->findChildren<QLabel*>())
      if (l->text().contains(QStringLiteral("no engine here"))) return true;
    return false;
  }));
  model_->leave_poll_worker();
  ASSERT_TRUE(shown());
  EXPECT_TRUE(panel->isVisible());
}

// The audio keys: the 4-key layout from arrows or the numeric keypad; in the voting-code field
// Enter, Backspace and digits stay the field's.
TEST(KioskAudioKeys, TheKeypadLayout) {
  auto key = [](int k, Qt::KeyboardModifiers m, bool in_field) {
    QKeyEvent e(QEvent::KeyPress, k, m);
    return KioskWindow::audio_key(e, in_field);
  };
  EXPECT_EQ(key(Qt::Key_Up, Qt::NoModifier, false), AudioKey::kUp);
  EXPECT_EQ(key(Qt::Key_8, Qt::KeypadModifier, false), AudioKey::kUp);
  EXPECT_EQ(key(Qt::Key_2, Qt::KeypadModifier, false), AudioKey::kDown);
  EXPECT_EQ(key(Qt::Key_5, Qt::KeypadModifier, false), AudioKey::kSelect);
  EXPECT_EQ(key(Qt::Key_Return, Qt::NoModifier, false), AudioKey::kSelect);
  EXPECT_EQ(key(Qt::Key_Enter, Qt::KeypadModifier, false), AudioKey::kSelect);
  EXPECT_EQ(key(Qt::Key_Escape, Qt::NoModifier, true), AudioKey::kBack);
  EXPECT_EQ(key(Qt::Key_4, Qt::KeypadModifier, false), AudioKey::kBack);
  EXPECT_EQ(key(Qt::Key_Plus, Qt::KeypadModifier, false), AudioKey::kVolumeUp);
  EXPECT_EQ(key(Qt::Key_VolumeDown, Qt::NoModifier, true), AudioKey::kVolumeDown);
  EXPECT_EQ(key(Qt::Key_Asterisk, Qt::KeypadModifier, false), AudioKey::kFaster);
  EXPECT_EQ(key(Qt::Key_Slash, Qt::KeypadModifier, false), AudioKey::kSlower);
  EXPECT_EQ(key(Qt::Key_F2, Qt::NoModifier, true), AudioKey::kHeadphones);
  EXPECT_EQ(key(Qt::Key_Return, Qt::NoModifier, true), std::nullopt);
  EXPECT_EQ(key(Qt::Key_Backspace, Qt::NoModifier, true), std::nullopt);
  EXPECT_EQ(key(Qt::Key_8, Qt::KeypadModifier, true), std::nullopt);
  EXPECT_EQ(key(Qt::Key_Minus, Qt::NoModifier, false), std::nullopt);  // a code's dash
  EXPECT_EQ(key(Qt::Key_A, Qt::NoModifier, false), std::nullopt);
}

// The real engine, once: Qt TextToSpeech with the flite plugin is created offscreen and is ready,
// or says clearly why not (no audio hardware is needed to create it).
TEST(KioskSpeech, TheRealEngineIsReadyOrSaysWhyNot) {
  QtSpeechSink speech;
  if (speech.problem().isEmpty()) {
    EXPECT_TRUE(wait_for([&] { return speech.ready(); }, 10000));
    EXPECT_TRUE(speech.description().contains(QStringLiteral("flite")))
        << speech.description().toStdString();
    speech.set_language(QStringLiteral("es"));
    speech.set_volume(0);
    speech.say(QStringLiteral("prueba"));
    EXPECT_FALSE(speech.description().isEmpty());
    std::printf("speech: %s\n", qPrintable(speech.description()));
  } else {
    std::printf("speech: not available: %s\n", qPrintable(speech.problem()));
    EXPECT_GT(speech.problem().size(), 20);
    EXPECT_FALSE(speech.ready());
  }
  // An engine that is not installed is an error in words, never a crash.
  QtSpeechSink none(QStringLiteral("no-such-engine"));
  EXPECT_TRUE(none.problem().contains(QStringLiteral("no-such-engine")))
      << none.problem().toStdString();
  EXPECT_FALSE(none.ready());
  none.say(QStringLiteral("nothing"));
}

// Two-switch scanning with the audio ballot on, driven by real key events: Space (the move
// switch) steps the highlight through the screen's controls, announcing each; Enter (the select
// switch) acts on it. A whole vote — language, code (scanned), three contests including a
// refused over-vote, review, seal — then the check (challenge) decrypts the sealed ballot: it
// holds exactly the choices the switches made.
TEST_P(KioskAudioTest, TwoSwitchScanningAWholeVoteAnnouncedAndSealedAsChosen) {
  const QString lang = QString::fromLatin1(GetParam());
  // The poll worker turns scanning on (its own screen keeps the ordinary keys).
  model_->enter_poll_worker();
  model_->submit_pin(QStringLiteral("2468"));
  ASSERT_TRUE(shown());
  auto* toggle = window_->findChild<QPushButton*>(QStringLiteral("switch-scanning"));
  ASSERT_NE(toggle, nullptr);
  EXPECT_FALSE(window_->switch_scanning());
  toggle->click();
  ASSERT_TRUE(shown());
  EXPECT_TRUE(window_->switch_scanning());
  model_->leave_poll_worker();
  ASSERT_TRUE(shown());
  guide_->set_active(true);
  ASSERT_TRUE(shown());
  said();
  auto focus_name = [] {
    return QApplication::focusWidget() != nullptr ? QApplication::focusWidget()->objectName()
                                                  : QString();
  };
  // Move switch until `name` is highlighted; every step is announced with the control's name.
  auto scan_to = [&](const QString& name) {
    for (int i = 0; i < 40 && focus_name() != name; ++i) {
      press(Qt::Key_Space);
      const QString heard = said();
      const QWidget* f = QApplication::focusWidget();
      ASSERT_NE(f, nullptr);
      EXPECT_TRUE(heard.contains(f->accessibleName()))
          << "reached " << f->objectName().toStdString() << ", heard: " << heard.toStdString();
    }
    ASSERT_EQ(focus_name(), name);
  };
  auto select = [&] { press(Qt::Key_Return); };
  if (lang != QStringLiteral("en")) {
    scan_to(QStringLiteral("lang-") + lang);
    select();
    ASSERT_EQ(model_->language(), lang);
  }
  scan_to(QStringLiteral("start"));
  said();
  select();
  ASSERT_EQ(model_->screen(), Screen::kToken);
  ASSERT_EQ(focus_name(), QStringLiteral("token"));
  // The new screen is read, then where the highlight starts.
  EXPECT_SAID(said(), t("Highlighted: Voting code.", "Resaltado: Código de votación."));
  // The code comes from the scanner (its Enter is the field's, not the select switch's).
  QTest::keyClicks(QApplication::focusWidget(), QString::fromStdString(demo_.tokens[0]));
  press(Qt::Key_Return);
  ASSERT_TRUE(wait_for([&] { return model_->screen() == Screen::kContest; }));
  ASSERT_TRUE(shown());
  EXPECT_TRUE(model_->contest().choices[0].selected == false);
  said();
  // Contest 1: the second choice.
  scan_to(QStringLiteral("choice-1"));
  const QString mayor = label_of(1);
  select();
  EXPECT_SAID(said(), mayor + t(": selected.", ": seleccionad"));
  // The select switch on a chosen choice's neighbours never chose them: move on, to Next.
  scan_to(QStringLiteral("next"));
  select();
  ASSERT_EQ(model_->contest().index, 1);
  // Contest 2 (up to 2): the first and fourth; the third is refused with the notice spoken.
  scan_to(QStringLiteral("choice-0"));
  select();
  const QString first = label_of(0);
  scan_to(QStringLiteral("choice-3"));
  select();
  const QString fourth = label_of(3);
  press(Qt::Key_Space);  // wraps nothing yet: the next choice
  ASSERT_TRUE(focus_name().startsWith(QStringLiteral("choice-")));
  ASSERT_NE(focus_name(), QStringLiteral("choice-0"));
  said();
  select();  // over-vote: refused
  EXPECT_FALSE(model_->notice().isEmpty());
  EXPECT_SAID(said(), model_->notice());
  scan_to(QStringLiteral("next"));
  select();
  ASSERT_EQ(model_->contest().index, 2);
  // Contest 3: past the end the highlight wraps to the first control, then on to the choice.
  scan_to(QStringLiteral("next"));
  press(Qt::Key_Space);
  said();
  EXPECT_NE(focus_name(), QStringLiteral("next"));
  scan_to(QStringLiteral("choice-1"));
  const QString measure = label_of(1);
  select();
  scan_to(QStringLiteral("next"));
  select();
  ASSERT_EQ(model_->screen(), Screen::kReview);
  scan_to(QStringLiteral("seal"));
  select();
  ASSERT_TRUE(wait_for([&] { return model_->screen() == Screen::kTracking; }));
  ASSERT_TRUE(shown());
  scan_to(QStringLiteral("challenge"));
  select();
  ASSERT_TRUE(wait_for([&] { return model_->screen() == Screen::kChallenged; }));
  ASSERT_TRUE(shown());
  const auto rows = model_->challenge_rows();
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].choices, QStringList{mayor});
  EXPECT_EQ(rows[1].choices, (QStringList{first, fourth}));
  EXPECT_EQ(rows[2].choices, QStringList{measure});
  EXPECT_EQ(demo_.ledger->submissions(), 1u);  // the challenged ballot only: nothing cast
}

// The kiosk's own output (Output::kAudio, through the sound device): created, told the language,
// silenced and made to speak, it never crashes or blocks; without a sound device (as here, in
// CI) it says so in plain words for the poll worker's screen.
TEST(KioskSpeech, EspeakNgToTheSoundDeviceSpeaksOrSaysWhyNot) {
  EspeakSpeechSink speech;
  if (speech.problem().contains(QStringLiteral("espeak-ng-data")))
    GTEST_SKIP() << "espeak-ng-data is not installed: " << speech.problem().toStdString();
  speech.set_language(QStringLiteral("es"));
  EXPECT_EQ(speech.voice_language(), QStringLiteral("es"));
  speech.set_volume(0);
  speech.say(QStringLiteral("prueba"));
  speech.stop();
  EXPECT_TRUE(speech.description().contains(QStringLiteral("espeak-ng")));
  if (!speech.problem().isEmpty()) {
    std::printf("espeak-ng audio: %s\n", qPrintable(speech.problem()));
    EXPECT_TRUE(speech.problem().contains(QStringLiteral("no sound device")))
        << speech.problem().toStdString();
  }
}

// The accessibility settings of the configuration file: the voice engine and switch scanning at
// start (tabella-kiosk's --speech-engine and --switch-scanning override them). A value that is
// not true/false is refused with the key's name, not taken as false.
TEST(KioskAccessConfig, SpeechEngineAndSwitchScanningAreReadWrittenAndChecked) {
  QTemporaryDir dir;
  ASSERT_TRUE(dir.isValid());
  const QString path = dir.filePath(QStringLiteral("kiosk.conf"));
  auto defaults = load_config(path, dir.path());
  ASSERT_TRUE(defaults.ok()) << defaults.error().describe();
  EXPECT_EQ(defaults->speech_engine, QStringLiteral("espeak-ng"));
  EXPECT_FALSE(defaults->switch_scanning);
  KioskConfig c = *defaults;
  c.speech_engine = QStringLiteral("flite");
  c.switch_scanning = true;
  ASSERT_TRUE(save_config(c, path).ok());
  auto back = load_config(path, dir.path());
  ASSERT_TRUE(back.ok()) << back.error().describe();
  EXPECT_EQ(back->speech_engine, QStringLiteral("flite"));
  EXPECT_TRUE(back->switch_scanning);
  QFile f(path);
  ASSERT_TRUE(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
  f.write("[kiosk]\nswitch_scanning=yes please\n");
  f.close();
  auto bad = load_config(path, dir.path());
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().field, "switch_scanning");
}

// A ballot language the engine has no voice for is a warning on the poll worker's screen (not
// silence discovered by a voter): here the recording sink says it has no Spanish voice.
TEST_P(KioskAudioTest, AMissingVoiceIsAWarningOnThePollWorkerScreen) {
  model_->choose_language(QString::fromLatin1(GetParam()));
  auto warning = [&] {
    model_->enter_poll_worker();
    model_->submit_pin(QStringLiteral("2468"));
    EXPECT_TRUE(shown());
    QString found;
    for (const QLabel* l : window_->findChildren<QLabel*>()) {
      if (l->isVisible() && l->property("role").toString() == QStringLiteral("notice") &&
          l->text().contains(QStringLiteral("Español")))
        found = l->text();
    }
    model_->leave_poll_worker();
    EXPECT_TRUE(shown());
    return found;
  };
  EXPECT_TRUE(guide_->missing_voices().isEmpty());
  EXPECT_TRUE(warning().isEmpty());
  sink_.no_voice << QStringLiteral("es");
  EXPECT_EQ(guide_->missing_voices(), QStringList{QStringLiteral("Español")});
  const QString w = warning();
  EXPECT_TRUE(w.contains(t("NO voice", "NINGUNA voz"))) << w.toStdString();
}

// The kiosk's default voice, the real espeak-ng engine on this machine: it has a voice for every
// language of the demo ballot, picks it from the ballot language, and really synthesises a
// Spanish sentence (into memory: no sound card is needed) with the Spanish voice, which sounds
// different from the English voice reading the same words.
TEST(KioskSpeech, EspeakNgSpeaksEveryBallotLanguageIncludingSpanish) {
  EspeakSpeechSink speech(EspeakSpeechSink::Output::kMemory);
  if (speech.problem().contains(QStringLiteral("espeak-ng-data")))
    GTEST_SKIP() << "espeak-ng-data is not installed: " << speech.problem().toStdString();
  ASSERT_TRUE(speech.problem().isEmpty()) << speech.problem().toStdString();
  auto m =
      election::load_manifest_file(std::string(TABELLA_SOURCE_DIR) + "/ballots/demo-general.json");
  ASSERT_TRUE(m.ok()) << m.error().describe();
  ASSERT_GE(m->languages.size(), 2u);
  for (const auto& lang : m->languages) {
    const QString tag = QString::fromStdString(lang);
    EXPECT_TRUE(speech.has_voice(tag)) << "no espeak-ng voice for ballot language " << lang;
    speech.set_language(tag);
    EXPECT_TRUE(speech.voice_language().startsWith(tag)) << speech.voice_language().toStdString();
  }
  const QString sentence =
      QStringLiteral("Elija hasta dos candidatos. Su boleta todavía no ha sido depositada.");
  speech.set_language(QStringLiteral("es"));
  EXPECT_EQ(speech.voice_language(), QStringLiteral("es"));
  EXPECT_FALSE(speech.description().contains(QStringLiteral("no ")))
      << speech.description().toStdString();
  speech.say(sentence);
  const std::vector<short> spanish = speech.samples();
  const double seconds = static_cast<double>(spanish.size()) / speech.sample_rate();
  std::printf("espeak-ng: %s, %.2f s of audio, first audio after %.1f ms\n",
              qPrintable(speech.description()), seconds, speech.first_audio_ms());
  EXPECT_GT(seconds, 2.0);  // about 4.5 s at the normal rate: the whole sentence, not a blip
  EXPECT_LT(seconds, 15.0);
  EXPECT_GT(*std::max_element(spanish.begin(), spanish.end()), 3000);  // not silence
  EXPECT_GE(speech.first_audio_ms(), 0.0);
  // The same words read by the English voice are other sounds.
  speech.set_language(QStringLiteral("en"));
  speech.say(sentence);
  const std::vector<short> english(speech.samples().begin() + static_cast<long>(spanish.size()),
                                   speech.samples().end());
  EXPECT_NE(english, spanish);
  EXPECT_NE(english.size(), spanish.size());
  // A language without a voice keeps the previous voice and says so.
  speech.set_language(QStringLiteral("tlh"));
  EXPECT_FALSE(speech.has_voice(QStringLiteral("tlh")));
  EXPECT_TRUE(speech.description().contains(QStringLiteral("no ")))
      << speech.description().toStdString();
  // espeak-ng is one per process: a second voice says so instead of crashing.
  EspeakSpeechSink second(EspeakSpeechSink::Output::kMemory);
  EXPECT_FALSE(second.problem().isEmpty());
  second.say(QStringLiteral("nada"));
}

INSTANTIATE_TEST_SUITE_P(Languages, KioskAudioTest, ::testing::Values("en", "es"));

}  // namespace
}  // namespace tabella::kiosk
