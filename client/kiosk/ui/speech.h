// The audio ballot's voice: a SpeechSink (core/audio_guide.h) over Qt TextToSpeech. On a kiosk
// the engine is the offline flite plugin (Debian qt6-speech-flite-plugin) unless another is
// named. A kiosk without any engine, or an engine that fails, does not crash: problem() says so
// in plain words and the poll worker's screen shows it; the guide then speaks into nothing.
// Voices: the voter's language is looked for among the engine's locales; when it has none (flite
// ships English voices only) the default voice reads the text, and description() says so.
// Thread-safety: UI thread only.
#pragma once

#include <QString>
#include <memory>

#include "core/audio_guide.h"

class QTextToSpeech;

namespace tabella::kiosk {

class QtSpeechSink : public SpeechSink {
 public:
  // `engine`: a Qt TextToSpeech engine name; empty: "flite" when installed, else Qt's default.
  explicit QtSpeechSink(const QString& engine = QString());
  ~QtSpeechSink() override;

  void say(const QString& text) override;
  void stop() override;
  void set_language(const QString& tag) override;
  void set_rate(double rate) override;
  void set_volume(double volume) override;
  QString problem() const override;
  QString description() const override;
  bool has_voice(const QString& tag) const override;

  // The engine's state is Ready (or Speaking): it can speak now.
  bool ready() const;

 private:
  std::unique_ptr<QTextToSpeech> tts_;
  QString engine_;
  QString error_;               // from the engine
  QString language_;            // the voter's language
  bool language_voice_ = true;  // the engine has a voice for it
};

}  // namespace tabella::kiosk
