#include "ui/speech.h"

#include <QCoreApplication>
#include <QLocale>
#include <QTextToSpeech>
#include <QVoice>
#include <algorithm>

namespace tabella::kiosk {

QtSpeechSink::QtSpeechSink(const QString& engine) {
  const QStringList engines = QTextToSpeech::availableEngines();
  engine_ = engine;
  if (engine_.isEmpty() && engines.contains(QStringLiteral("flite")))
    engine_ = QStringLiteral("flite");
  if (engines.isEmpty()) {
    error_ = QCoreApplication::translate(
        "tabella::kiosk::QtSpeechSink",
        "No text-to-speech engine is installed (the package qt6-speech-flite-plugin): the audio "
        "ballot cannot speak.");
    return;
  }
  if (!engine_.isEmpty() && !engines.contains(engine_)) {
    error_ = QCoreApplication::translate(
                 "tabella::kiosk::QtSpeechSink",
                 "The text-to-speech engine \"%1\" is not installed (installed: %2).")
                 .arg(engine_, engines.join(QStringLiteral(", ")));
    return;
  }
  tts_ = engine_.isEmpty() ? std::make_unique<QTextToSpeech>()
                           : std::make_unique<QTextToSpeech>(engine_);
  engine_ = tts_->engine();
  QObject::connect(tts_.get(), &QTextToSpeech::errorOccurred, tts_.get(),
                   [this](QTextToSpeech::ErrorReason, const QString& why) { error_ = why; });
  if (tts_->state() == QTextToSpeech::Error) error_ = tts_->errorString();
}

QtSpeechSink::~QtSpeechSink() = default;

bool QtSpeechSink::ready() const {
  return tts_ != nullptr &&
         (tts_->state() == QTextToSpeech::Ready || tts_->state() == QTextToSpeech::Speaking);
}

void QtSpeechSink::say(const QString& text) {
  if (!ready()) return;
  tts_->stop();
  tts_->say(text);
}

void QtSpeechSink::stop() {
  if (tts_ != nullptr) tts_->stop();
}

void QtSpeechSink::set_language(const QString& tag) {
  language_ = tag;
  if (tts_ == nullptr) return;
  const QLocale want(tag);
  QLocale best;
  bool found = false;
  for (const QLocale& l : tts_->availableLocales()) {
    if (l.language() != want.language()) continue;
    if (!found || l.territory() == want.territory()) best = l;
    found = true;
  }
  language_voice_ = found;
  if (found) tts_->setLocale(best);
}

bool QtSpeechSink::has_voice(const QString& tag) const {
  if (tts_ == nullptr) return false;
  const QLocale want(tag);
  const auto locales = tts_->availableLocales();
  return std::any_of(locales.begin(), locales.end(),
                     [&want](const QLocale& l) { return l.language() == want.language(); });
}

void QtSpeechSink::set_rate(double rate) {
  if (tts_ != nullptr) tts_->setRate(rate);
}

void QtSpeechSink::set_volume(double volume) {
  if (tts_ != nullptr) tts_->setVolume(volume);
}

QString QtSpeechSink::problem() const {
  if (tts_ == nullptr || !error_.isEmpty()) return error_;
  if (tts_->state() == QTextToSpeech::Error) return tts_->errorString();
  return QString();
}

QString QtSpeechSink::description() const {
  if (tts_ == nullptr) return QString();
  QString d =
      QCoreApplication::translate("tabella::kiosk::QtSpeechSink", "engine %1, voice %2 (%3)")
          .arg(engine_, tts_->voice().name(), tts_->locale().nativeLanguageName());
  if (!language_voice_ && !language_.isEmpty())
    d += QCoreApplication::translate("tabella::kiosk::QtSpeechSink",
                                     "; no %1 voice: the text in %1 is read with this voice")
             .arg(QLocale(language_).nativeLanguageName());
  return d;
}

}  // namespace tabella::kiosk
