// The audio ballot's default voice: a SpeechSink (core/audio_guide.h) over the espeak-ng library
// (Debian libespeak-ng1 + espeak-ng-data), offline, in-process, no daemon. It has voices for
// both ballot languages (English and Spanish, and ~100 more), where Qt's flite plugin speaks
// English only and the speechd plugin needs a speech-dispatcher daemon (docs/kiosk.md, "Audio
// ballot", has the comparison). Playback goes through espeak-ng's own audio output (PulseAudio
// or ALSA, through pcaudiolib); Output::kMemory keeps the samples instead, so a test can check
// that the real engine said something in Spanish on a machine without a sound card.
//
// The voice follows the ballot language (set_language("es") picks espeak-ng's Spanish voice);
// a language without a voice leaves the previous voice speaking, and has_voice()/description()
// say so, so that the poll worker's screen warns before a voter needs it (AudioGuide::
// missing_voices()).
//
// espeak-ng is one per process: a second sink while one exists reports the problem and says
// nothing. Thread-safety: UI thread only (kAudio speaks on espeak-ng's own thread).
#pragma once

#include <QString>
#include <QStringList>
#include <vector>

#include "core/audio_guide.h"

namespace tabella::kiosk {

class EspeakSpeechSink : public SpeechSink {
 public:
  enum class Output {
    kAudio,   // to the sound device, asynchronously (say() returns at once)
    kMemory,  // synthesised synchronously into samples() (tests)
  };
  explicit EspeakSpeechSink(Output output = Output::kAudio);
  ~EspeakSpeechSink() override;
  EspeakSpeechSink(const EspeakSpeechSink&) = delete;
  EspeakSpeechSink& operator=(const EspeakSpeechSink&) = delete;

  void say(const QString& text) override;
  void stop() override;
  void set_language(const QString& tag) override;
  void set_rate(double rate) override;
  void set_volume(double volume) override;
  QString problem() const override;
  QString description() const override;
  bool has_voice(const QString& tag) const override;

  // The voice now speaking (espeak-ng's name, "Spanish (Spain)") and its language tag ("es").
  QString voice_name() const { return voice_name_; }
  QString voice_language() const { return voice_language_; }
  // Output::kMemory: every sample said so far (mono, 16 bit, sample_rate() Hz).
  const std::vector<short>& samples() const { return samples_; }
  int sample_rate() const { return sample_rate_; }
  // Milliseconds from the last say() to its first sample (Output::kMemory), -1 before any.
  double first_audio_ms() const { return first_audio_ms_; }

 private:
  struct Voice {
    QString name;
    QString language;  // "es", "es-419", "en-gb"
    int priority = 0;  // espeak-ng's: lower is preferred
  };
  const Voice* best_voice(const QString& tag) const;
  static int on_synth(short* wav, int count, void* events);

  Output output_;
  bool owner_ = false;  // this sink initialised espeak-ng
  int sample_rate_ = 0;
  QString error_;
  QString sound_problem_;  // kAudio: no sound device found
  bool playback_ = false;  // kAudio with a sound device: espeak-ng plays (and can be cancelled)
  std::vector<Voice> voices_;
  QString language_;
  bool language_voice_ = true;
  QString voice_name_;
  QString voice_language_;
  std::vector<short> samples_;
  double first_audio_ms_ = -1;
  long long said_at_ns_ = 0;
};

}  // namespace tabella::kiosk
