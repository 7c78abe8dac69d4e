#include "ui/espeak_speech.h"

#include <espeak-ng/speak_lib.h>

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QLocale>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>

namespace tabella::kiosk {

namespace {

std::atomic<bool> g_in_use{false};
// espeak-ng is started once per process and never terminated: espeak_Terminate() of espeak-ng
// 1.51 (Debian 12) was seen to wait forever for its own queue thread, at a test's end and so
// at a kiosk's exit. The process's exit releases it. Guarded by g_in_use.
int g_sample_rate = 0;
int g_output = -1;  // the espeak_AUDIO_OUTPUT it was started with

QString tr(const char* text) {
  return QCoreApplication::translate("tabella::kiosk::EspeakSpeechSink", text);
}

long long now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Where espeak-ng's audio output (pcaudiolib) can play: a PulseAudio/PipeWire server or an ALSA
// sound card. Empty when one is there; else why not, in plain words.
QString sound_device_problem() {
  if (!qEnvironmentVariableIsEmpty("PULSE_SERVER")) return QString();
  const QString runtime = qEnvironmentVariable("XDG_RUNTIME_DIR");
  if (!runtime.isEmpty() && (QFile::exists(runtime + QStringLiteral("/pulse/native")) ||
                             QFile::exists(runtime + QStringLiteral("/pipewire-0"))))
    return QString();
  QFile cards(QStringLiteral("/proc/asound/cards"));
  if (cards.open(QIODevice::ReadOnly)) {
    const QByteArray text = cards.readAll();
    if (!text.trimmed().isEmpty() && !text.contains("no soundcards")) return QString();
  }
  return tr(
      "no sound device: no sound card (/proc/asound/cards) and no PulseAudio or PipeWire "
      "server; connect the headphones' sound card and restart the kiosk");
}

// "es" matches "es", "es-419"; "en" matches "en-gb", "en-us"; "es-419" matches only itself.
bool language_matches(const QString& voice, const QString& tag) {
  return voice.compare(tag, Qt::CaseInsensitive) == 0 ||
         voice.startsWith(tag + QLatin1Char('-'), Qt::CaseInsensitive);
}

}  // namespace

EspeakSpeechSink::EspeakSpeechSink(Output output) : output_(output) {
  if (g_in_use.exchange(true)) {
    error_ = tr("espeak-ng is already in use by another voice of this program");
    return;
  }
  owner_ = true;
  // Without a sound device espeak-ng is started synchronous (nothing is played): its playback
  // thread, started on a machine with nowhere to play, was seen to leave espeak_Cancel()
  // waiting forever. Synchronous synthesis has nothing to cancel.
  if (output_ == Output::kAudio) sound_problem_ = sound_device_problem();
  playback_ = output_ == Output::kAudio && sound_problem_.isEmpty();
  const int mode = playback_ ? AUDIO_OUTPUT_PLAYBACK : AUDIO_OUTPUT_SYNCHRONOUS;
  if (g_sample_rate <= 0) {
    g_sample_rate = espeak_Initialize(static_cast<espeak_AUDIO_OUTPUT>(mode), 0, nullptr, 0);
    g_output = mode;
  } else if (g_output != mode) {
    error_ =
        tr("espeak-ng was started for another output (sound device or memory) in this "
           "program");
    return;
  }
  sample_rate_ = g_sample_rate;
  if (sample_rate_ <= 0) {
    error_ =
        tr("the espeak-ng voices are not installed (the package espeak-ng-data): the audio "
           "ballot cannot speak");
    return;
  }
  espeak_SetSynthCallback(
      [](short* wav, int count, espeak_EVENT* events) { return on_synth(wav, count, events); });
  // The installed voices, without the MBROLA ones (they need the separate mbrola program and
  // voice files, which a kiosk does not have).
  const espeak_VOICE** list = espeak_ListVoices(nullptr);
  for (int i = 0; list != nullptr && list[i] != nullptr; ++i) {
    const espeak_VOICE* v = list[i];
    if (v->identifier != nullptr && QByteArray(v->identifier).startsWith("mb/")) continue;
    // languages: {priority byte, name, NUL}..., then an empty name.
    for (const char* p = v->languages; p != nullptr && *p != 0;) {
      const int priority = static_cast<unsigned char>(*p);
      const QString lang = QString::fromUtf8(p + 1);
      voices_.push_back({QString::fromUtf8(v->name), lang, priority});
      p += 1 + std::strlen(p + 1) + 1;
    }
  }
  if (voices_.empty()) {
    error_ = tr("espeak-ng has no voice installed (the package espeak-ng-data)");
    return;
  }
  // The engine outlives a sink: each new one starts at espeak-ng's normal volume and rate.
  espeak_SetParameter(espeakVOLUME, 100, 0);
  espeak_SetParameter(espeakRATE, 175, 0);
  set_language(QStringLiteral("en"));
}

EspeakSpeechSink::~EspeakSpeechSink() {
  if (!owner_) return;
  if (sample_rate_ > 0 && playback_) espeak_Cancel();
  g_in_use = false;
}

int EspeakSpeechSink::on_synth(short* wav, int count, void* events) {
  // Called on espeak-ng's thread (kAudio: samples go to the device, nothing to keep) or inside
  // espeak_Synth (kMemory): the sink is the user data of the call.
  auto* e = static_cast<espeak_EVENT*>(events);
  auto* self = e != nullptr ? static_cast<EspeakSpeechSink*>(e->user_data) : nullptr;
  if (self == nullptr || self->output_ != Output::kMemory || wav == nullptr || count <= 0) return 0;
  if (self->first_audio_ms_ < 0)
    self->first_audio_ms_ = static_cast<double>(now_ns() - self->said_at_ns_) / 1e6;
  self->samples_.insert(self->samples_.end(), wav, wav + count);
  return 0;
}

void EspeakSpeechSink::say(const QString& text) {
  if (sample_rate_ <= 0 || !error_.isEmpty()) return;
  if (output_ == Output::kAudio && !playback_) return;  // no sound device: nothing to play
  if (playback_) espeak_Cancel();
  const QByteArray utf8 = text.toUtf8();
  first_audio_ms_ = -1;
  said_at_ns_ = now_ns();
  espeak_Synth(utf8.constData(), static_cast<std::size_t>(utf8.size()) + 1, 0, POS_CHARACTER, 0,
               espeakCHARS_UTF8, nullptr, this);
}

void EspeakSpeechSink::stop() {
  if (sample_rate_ > 0 && playback_) espeak_Cancel();
}

const EspeakSpeechSink::Voice* EspeakSpeechSink::best_voice(const QString& tag) const {
  const Voice* best = nullptr;
  auto rank = [&tag](const Voice& v) {
    // An exact language first ("es" before "es-419"), then espeak-ng's own priority.
    return std::pair(v.language.compare(tag, Qt::CaseInsensitive) == 0 ? 0 : 1, v.priority);
  };
  for (const Voice& v : voices_) {
    if (!language_matches(v.language, tag)) continue;
    if (best == nullptr || rank(v) < rank(*best)) best = &v;
  }
  return best;
}

bool EspeakSpeechSink::has_voice(const QString& tag) const {
  return best_voice(tag) != nullptr;
}

void EspeakSpeechSink::set_language(const QString& tag) {
  language_ = tag;
  const Voice* v = best_voice(tag);
  language_voice_ = v != nullptr;
  if (v == nullptr || sample_rate_ <= 0) return;
  const QByteArray name = v->name.toUtf8();
  if (espeak_SetVoiceByName(name.constData()) != EE_OK) {
    language_voice_ = false;
    return;
  }
  voice_name_ = v->name;
  voice_language_ = v->language;
}

void EspeakSpeechSink::set_rate(double rate) {
  if (sample_rate_ <= 0) return;
  // -1 .. 0 .. 1 -> 80 .. 175 (espeak-ng's normal) .. 350 words a minute.
  const double r = std::clamp(rate, -1.0, 1.0);
  espeak_SetParameter(espeakRATE,
                      static_cast<int>(std::lround(r < 0 ? 175 + r * 95 : 175 + r * 175)), 0);
}

void EspeakSpeechSink::set_volume(double volume) {
  if (sample_rate_ <= 0) return;
  // 0 .. 1 -> 0 .. 125 (100 is espeak-ng's normal; above 150 it distorts).
  espeak_SetParameter(espeakVOLUME,
                      static_cast<int>(std::lround(std::clamp(volume, 0.0, 1.0) * 125)), 0);
}

QString EspeakSpeechSink::problem() const {
  if (!error_.isEmpty()) return error_;
  return sound_problem_;
}

QString EspeakSpeechSink::description() const {
  if (sample_rate_ <= 0) return QString();
  QString d = tr("engine espeak-ng, voice %1 (%2)")
                  .arg(voice_name_, QLocale(voice_language_).nativeLanguageName());
  if (!language_voice_ && !language_.isEmpty())
    d += tr("; no %1 voice: the text in %1 is read with this voice")
             .arg(QLocale(language_).nativeLanguageName());
  return d;
}

}  // namespace tabella::kiosk
