#pragma once
// Set-up shared by the kiosk's tests: a kiosk model over a demo election's in-memory ledger, the
// kiosk's own strings following the voter's language, and (KioskWindowFixture) the real
// KioskWindow on it, offscreen, for the window, layout and audio tests.
#include <gtest/gtest.h>

#include <QApplication>
#include <QCoreApplication>
#include <QString>
#include <QTemporaryDir>
#include <QTranslator>
#include <functional>
#include <memory>
#include <string>

#include "core/audio_guide.h"
#include "core/kiosk_config.h"
#include "core/kiosk_model.h"
#include "core/memory_ledger.h"
#include "qt_wait.h"
#include "ui/kiosk_window.h"

namespace tabella::kiosk::testing {

// Options for a kiosk enrolled in `demo` with `key`, its queue in `db_path`, PIN 2468, and no
// inactivity reset; each test sets what it needs beyond these.
inline KioskModel::Options demo_kiosk_options(const DemoElection& demo, const QString& db_path,
                                              std::shared_ptr<const SigningKey> key) {
  KioskModel::Options o;
  auto ledger = demo.ledger;
  o.client_factory = [ledger]() -> Result<std::unique_ptr<LedgerClient>> {
    return ledger->make_client();
  };
  o.db_path = db_path;
  o.kiosk_key = std::move(key);
  o.pin_hash = QString::fromStdString(hash_pin("2468", 1000));
  o.ledger_url = QStringLiteral("http://ledger.test");
  o.idle_timeout_ms = 3600 * 1000;
  o.cast_patience_ms = 60000;
  return o;
}

// Swaps `translator` to the kiosk's .qm file in `qm_dir` whenever the voter picks a language,
// as tabella-kiosk does.
inline void follow_language(KioskModel* model, QTranslator* translator, const QString& qm_dir) {
  QObject::connect(model, &KioskModel::language_changed, model,
                   [translator, qm_dir](const QString& tag) {
                     QCoreApplication::removeTranslator(translator);
                     if (tag != QStringLiteral("en") &&
                         translator->load(qm_dir + QStringLiteral("/tabella_kiosk_") + tag +
                                          QStringLiteral(".qm"))) {
                       QCoreApplication::installTranslator(translator);
                     }
                   });
}

// A real KioskWindow at 1024x768 over a started, ready KioskModel of a demo election (its kiosk
// enrolled, the polls open, the kiosk itself still closed), in the language of the test's
// parameter ("en", "es"; t() picks the string of that language).
class KioskWindowFixture : public ::testing::TestWithParam<const char*> {
 protected:
  // The demo election of `manifest` (relative to the source tree) with `tokens` voting codes in
  // demo_; the model on demo_kiosk_options() as changed by `options`; with `speech`, the audio
  // guide speaking into it, set on the window as on a kiosk. Fails the test (fatally) when the
  // election does not build or the model is not ready.
  void start_kiosk(const std::string& manifest, std::size_t tokens,
                   const std::function<void(KioskModel::Options&)>& options = {},
                   SpeechSink* speech = nullptr) {
    ASSERT_TRUE(dir_.isValid());
    key_ = std::make_shared<const SigningKey>(SigningKey::generate());
    auto m = election::load_manifest_file(std::string(TABELLA_SOURCE_DIR) + "/" + manifest);
    ASSERT_TRUE(m.ok()) << m.error().describe();
    SeededRng rng("kiosk-window-fixture");
    auto demo = make_demo_election(*m, {key_->verify_key().bytes()}, tokens, rng);
    ASSERT_TRUE(demo.ok()) << demo.error().describe();
    demo_ = std::move(*demo);
    KioskModel::Options o =
        demo_kiosk_options(demo_, dir_.filePath(QStringLiteral("kiosk.db")), key_);
    if (options) options(o);
    model_ = std::make_unique<KioskModel>(o);
    follow_language(model_.get(), &translator_, QStringLiteral(TABELLA_BINARY_DIR));
    window_ =
        std::make_unique<KioskWindow>(model_.get(), dir_.filePath(QStringLiteral("r")), QString());
    if (speech != nullptr) {
      guide_ = std::make_unique<AudioGuide>(model_.get(), speech);
      window_->set_audio(guide_.get());
    }
    window_->resize(1024, 768);
    window_->show();
    QApplication::setActiveWindow(window_.get());
    model_->start();
    ASSERT_TRUE(wait_for([&] { return model_->ready(); }));
  }

  void TearDown() override {
    window_.reset();
    guide_.reset();
    model_.reset();
    QCoreApplication::removeTranslator(&translator_);
  }

  QString t(const char* en, const char* es) const {
    return QString::fromUtf8(QString::fromLatin1(GetParam()) == QStringLiteral("es") ? es : en);
  }

  QTemporaryDir dir_;
  std::shared_ptr<const SigningKey> key_;
  DemoElection demo_;
  QTranslator translator_;
  std::unique_ptr<KioskModel> model_;
  std::unique_ptr<AudioGuide> guide_;
  std::unique_ptr<KioskWindow> window_;
};

}  // namespace tabella::kiosk::testing
