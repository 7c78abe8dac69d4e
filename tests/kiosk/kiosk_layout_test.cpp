// Every screen of the real KioskWindow (offscreen) at 1024x768 and 1920x1080, at every text size,
// in every contrast mode and in English and Spanish, is checked on its widgets' geometry:
// nothing outside the window, no text cut (a label or button smaller than its text needs at its
// width), no controls overlapping, every touch target at least 64 x 64 px, and the window never
// grows past the screen. A long contest (8 candidates, long names) must be split into screens
// ("More choices") rather than cut. Every text colour of every contrast mode is >= 4.5:1 on its
// background. Each screen is also saved as PNG when KIOSK_LAYOUT_SHOTS names a directory, for a
// person to look at.
#include <gtest/gtest.h>

#include <QApplication>
#include <QDir>
#include <QKeyEvent>
#include <QPushButton>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>
#include <QTranslator>
#include <chrono>
#include <functional>
#include <set>

#include "core/audio_guide.h"
#include "core/kiosk_config.h"
#include "core/kiosk_model.h"
#include "core/memory_ledger.h"
#include "kiosk_fixture.h"
#include "qt_wait.h"
#include "ui/kiosk_window.h"

namespace tabella::kiosk {
namespace {

using testing::settle;
using testing::wait_for;

TEST(KioskContrast, EveryTextOfEveryModeIsAtLeast4_5To1) {
  for (int mode = 0; mode < KioskModel::kContrastModes; ++mode) {
    for (const auto& p : KioskWindow::text_pairs(mode)) {
      EXPECT_GE(KioskWindow::contrast_ratio(p.text, p.background), 4.5)
          << "mode " << mode << ": " << p.what << " " << p.text.name().toStdString() << " on "
          << p.background.name().toStdString();
    }
  }
  // The measure itself: black on white is 21:1, a colour on itself 1:1, and the grey that
  // disabled choices had before (#8a8a8a on white) fails.
  EXPECT_NEAR(KioskWindow::contrast_ratio(Qt::black, Qt::white), 21.0, 0.01);
  EXPECT_NEAR(KioskWindow::contrast_ratio(QColor("#0b4f8a"), QColor("#0b4f8a")), 1.0, 0.01);
  EXPECT_LT(KioskWindow::contrast_ratio(QColor("#8a8a8a"), Qt::white), 4.5);
}

class KioskLayoutTest : public testing::KioskWindowFixture {
 protected:
  void SetUp() override {
    // As on a kiosk: the audio ballot's controls (welcome screen, poll-worker screen) are there.
    ASSERT_NO_FATAL_FAILURE(start_kiosk(
        "tests/kiosk/long-ballot.json", 4,
        [](auto& o) {
          o.ledger_url = QStringLiteral("http://127.0.0.1:8640");
          o.public_url = QStringLiteral("https://results.riverton.example");
        },
        &speech_));
    settle();
    // Where to save each screen as PNG: KIOSK_LAYOUT_SHOTS, else nowhere.
    out_ = QString::fromLocal8Bit(qgetenv("KIOSK_LAYOUT_SHOTS"));
    if (!out_.isEmpty()) QDir().mkpath(out_);
  }

  // Checks the screen on display at every window size, text size and contrast mode, and saves
  // it. Returns to the voter's standard settings afterwards.
  void check_all(const QString& screen) {
    const QString lang = QString::fromLatin1(GetParam());
    // Geometry depends on the window and the text size (the contrast modes share every font and
    // border width): every size at 1024x768 in the standard colours, both high-contrast modes at
    // the largest text, and the large screen at the smallest and largest text.
    struct Combo {
      QSize window;
      int size, mode;
    };
    std::vector<Combo> combos;
    for (int size = 0; size < KioskModel::kTextSizes; ++size)
      combos.push_back({QSize(1024, 768), size, 0});
    for (int mode = 1; mode < KioskModel::kContrastModes; ++mode)
      combos.push_back({QSize(1024, 768), KioskModel::kTextSizes - 1, mode});
    combos.push_back({QSize(1920, 1080), 0, 0});
    combos.push_back({QSize(1920, 1080), KioskModel::kTextSizes - 1, 0});
    for (const auto& [sz, size, mode] : combos) {
      window_->resize(sz);
      {
        {
          model_->set_text_size(size);
          model_->set_contrast(mode);
          // A setting is the voter's activity: the countdown is started again to be measured.
          if (screen == QStringLiteral("idle-warning")) {
            model_->on_idle_timeout();
            EXPECT_TRUE(model_->idle_warning());
          }
          // One rebuild per combination: the one the change scheduled, else one now.
          const bool pending = window_->rebuild_pending();
          ASSERT_TRUE(wait_for([&] { return !window_->rebuild_pending(); }));
          if (!pending) window_->rebuild();
          settle();
          const QString name = QStringLiteral("%1-%2-%3x%4-size%5-contrast%6")
                                   .arg(screen, lang)
                                   .arg(sz.width())
                                   .arg(sz.height())
                                   .arg(size)
                                   .arg(mode);
          EXPECT_EQ(window_->size(), sz) << name.toStdString() << ": the window changed size";
          const QStringList problems = window_->layout_problems();
          EXPECT_TRUE(problems.isEmpty()) << name.toStdString() << ":\n  "
                                          << problems.join(QStringLiteral("\n  ")).toStdString();
          ++checked_;
          // Pictures for a person to look at, when asked for: `tabella-kiosk --screenshots`
          // (ctest kiosk_screenshots_{en,es}) renders them already, so the suite renders each once.
          if (!out_.isEmpty()) {
            EXPECT_TRUE(window_->grab().save(QDir(out_).filePath(name + QStringLiteral(".png"))));
          }
        }
      }
    }
    window_->resize(1024, 768);
    model_->set_text_size(0);
    model_->set_contrast(0);
    settle();
  }

  // The control of the page on screen (a page that was replaced may still await deletion).
  QPushButton* shown(const QString& name) const {
    for (auto* b : window_->findChildren<QPushButton*>(name))
      if (b->isVisible()) return b;
    return nullptr;
  }
  void press(const QString& name) {
    auto* b = shown(name);
    ASSERT_NE(b, nullptr) << name.toStdString();
    b->setFocus();
    QTest::keyClick(b, Qt::Key_Return);
    ASSERT_TRUE(wait_for([&] { return !window_->rebuild_pending(); }));
    settle();
  }

  TranscriptSink speech_;
  QString out_;
  int checked_ = 0;
};

TEST_P(KioskLayoutTest, EveryScreenFitsAtEverySizeLanguageAndContrast) {
  const QString lang = QString::fromLatin1(GetParam());
  check_all(QStringLiteral("closed"));
  model_->enter_poll_worker();
  model_->submit_pin(QStringLiteral("2468"));
  model_->set_kiosk_open(true);
  ASSERT_TRUE(wait_for([&] { return model_->kiosk_open(); }));
  model_->leave_poll_worker();
  settle();
  model_->choose_language(lang);
  if (lang != QStringLiteral("en")) {
    ASSERT_FALSE(translator_.isEmpty()) << "no UI translation";
  }
  check_all(QStringLiteral("welcome"));
  model_->start_voting();
  model_->submit_token(QStringLiteral("ABCD-EFGH"));  // not complete: the notice is shown
  check_all(QStringLiteral("token"));
  model_->submit_token(QString::fromStdString(demo_.tokens[0]));
  ASSERT_TRUE(wait_for([&] { return model_->screen() == Screen::kContest; }));
  model_->toggle_choice(1);
  check_all(QStringLiteral("contest-1"));
  model_->next();
  model_->toggle_choice(0);
  model_->toggle_choice(2);
  model_->toggle_choice(3);  // refused: the over-vote notice
  check_all(QStringLiteral("contest-2"));
  model_->next();
  // The long contest: at the largest text it cannot fit on one screen, so it is paged, and
  // every page fits. "More choices" by key until the last choice has been shown.
  model_->toggle_choice(0);
  model_->toggle_choice(7);
  check_all(QStringLiteral("contest-3"));
  // At Extra large and Largest text, every page (the middle ones too) must fit and say where
  // in the list it is (layout_problems() reports a paged list without "Choices 4 to 4 of 8").
  for (int size = KioskModel::kTextSizes - 2; size < KioskModel::kTextSizes; ++size) {
    model_->set_text_size(size);
    settle();
    window_->rebuild();
    settle();
    ASSERT_NE(shown(QStringLiteral("more-page")), nullptr)
        << "8 long choices at text size " << size << " on 1024x768 must be split into screens";
    std::set<QString> seen;
    for (int page = 0; page < 8; ++page) {
      for (auto* b : window_->findChildren<QPushButton*>()) {
        if (b->isVisible() && b->objectName().startsWith(QStringLiteral("choice-")))
          seen.insert(b->objectName());
      }
      EXPECT_TRUE(window_->layout_problems().isEmpty())
          << "page " << page << ": "
          << window_->layout_problems().join(QStringLiteral("; ")).toStdString();
      if (!out_.isEmpty()) {
        EXPECT_TRUE(window_->grab().save(QDir(out_).filePath(
            QStringLiteral("contest-3-%1-size%2-page%3.png").arg(lang).arg(size).arg(page + 1))));
      }
      if (shown(QStringLiteral("more-page")) == nullptr) break;
      press(QStringLiteral("more-page"));
      // Focus stays on the paging control, not on a choice: Enter again pages on.
      EXPECT_EQ(QApplication::focusWidget()->objectName().toStdString().substr(0, 4),
                std::string(shown(QStringLiteral("more-page")) ? "more" : "prev"));
    }
    EXPECT_EQ(seen.size(), 8u) << "some choices of the long contest were never shown";
    // Back to the first page for the next size.
    while (shown(QStringLiteral("previous-page")) != nullptr)
      press(QStringLiteral("previous-page"));
  }
  model_->set_text_size(0);
  settle();
  model_->next();
  check_all(QStringLiteral("contest-4"));
  model_->next();
  ASSERT_EQ(model_->screen(), Screen::kReview);
  check_all(QStringLiteral("review"));
  model_->encrypt();
  ASSERT_TRUE(wait_for([&] { return model_->screen() == Screen::kTracking; }));
  settle();
  check_all(QStringLiteral("tracking"));
  // The inactivity warning over the sealed ballot: "NOT cast" and a countdown.
  model_->on_idle_timeout();
  settle();
  ASSERT_TRUE(model_->idle_warning());
  ASSERT_TRUE(model_->sealed_not_cast());
  check_all(QStringLiteral("idle-warning"));
  model_->user_activity();
  settle();
  model_->challenge();
  ASSERT_TRUE(wait_for([&] { return model_->screen() == Screen::kChallenged; }));
  check_all(QStringLiteral("challenged"));
  model_->challenge_done();
  model_->encrypt();
  ASSERT_TRUE(wait_for([&] { return model_->screen() == Screen::kTracking; }));
  model_->cast();
  ASSERT_TRUE(wait_for([&] { return model_->screen() == Screen::kCastDone; }));
  check_all(QStringLiteral("cast-done"));
  model_->done();
  model_->choose_language(lang);
  model_->enter_poll_worker();
  model_->submit_pin(QStringLiteral("1111"));
  check_all(QStringLiteral("pin"));
  model_->submit_pin(QStringLiteral("2468"));
  ASSERT_TRUE(wait_for([&] { return model_->poll_status().cast_here > 0; }));
  check_all(QStringLiteral("poll-worker"));
  // With its longest state: the audio ballot's warning that a ballot language has no voice.
  speech_.no_voice = QStringList{QStringLiteral("es")};
  window_->rebuild();
  check_all(QStringLiteral("poll-worker-no-voice"));
  EXPECT_GE(checked_, 13 * 8);
}

INSTANTIATE_TEST_SUITE_P(Languages, KioskLayoutTest, ::testing::Values("en", "es"));

}  // namespace
}  // namespace tabella::kiosk
