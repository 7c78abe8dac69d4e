// The audio ballot: turns the view-model's state (KioskModel) into speech, and a 4-key layout
// (up / down / select / back, plus volume, speech rate, repeat and screen blanking) into the
// model's actions, so that a voter who cannot see the screen votes, reviews, checks and casts
// eyes-free. What is said lives here, not in a widget: the window only maps keys to AudioKey and
// shows the "audio ballot in use" panel while headphones() is on; tests drive this object and
// read the transcript of a recording SpeechSink.
//
// Each screen is a list of items the voter moves through with up and down (position -1 is the
// screen itself: its title, instructions and state); select acts on the item, back is the
// screen's Back. Speech follows the voter: a new screen is read when it opens, an item when it
// is reached, the result of an action (a choice now selected, the over-vote notice) right after
// it; the periodic status reports of the ledger say nothing. Every text goes through tr() and is
// spoken in the voter's language (the sink is told the language, set_language()).
// Thread-safety: a QObject of the UI thread.
#pragma once

#include <QObject>
#include <QString>
#include <QStringList>
#include <functional>
#include <vector>

#include "core/kiosk_model.h"

namespace tabella::kiosk {

// Where the audio ballot's speech goes: QTextToSpeech on a kiosk (ui/speech.h), a transcript in
// tests. say() cuts off whatever is being said (the voter has moved on).
class SpeechSink {
 public:
  virtual ~SpeechSink() = default;
  virtual void say(const QString& text) = 0;
  virtual void stop() = 0;
  // The voter's language (a ballot language tag, "en", "es").
  virtual void set_language(const QString& tag) = 0;
  // -1 (slowest) .. 0 (normal) .. 1 (fastest), QTextToSpeech's scale.
  virtual void set_rate(double rate) = 0;
  // 0 .. 1.
  virtual void set_volume(double volume) = 0;
  // Empty while speech works; else why not, in plain words, for the poll worker's screen.
  virtual QString problem() const = 0;
  // What speaks (engine and voice), for the poll worker's screen.
  virtual QString description() const = 0;
  // The engine has a voice for the language `tag` (a ballot language tag); without one the text
  // is read by another language's voice, which the poll worker is warned of.
  virtual bool has_voice(const QString& tag) const = 0;
};

// Records what would be said, one entry per say(); for tests and for a kiosk without speech.
class TranscriptSink : public SpeechSink {
 public:
  void say(const QString& text) override { lines.push_back(text); }
  void stop() override {}
  void set_language(const QString& tag) override { language = tag; }
  void set_rate(double r) override { rate = r; }
  void set_volume(double v) override { volume = v; }
  QString problem() const override { return missing; }
  QString description() const override { return QStringLiteral("transcript"); }
  bool has_voice(const QString& tag) const override { return !no_voice.contains(tag); }

  QStringList lines;
  QString language;
  double rate = 0;
  double volume = 1;
  QString missing;       // what problem() reports
  QStringList no_voice;  // languages has_voice() says no to
};

// The keys of the audio ballot (ui maps physical keys to these; docs/kiosk.md has the layout).
enum class AudioKey {
  kUp,      // previous item (at the top: the screen itself)
  kDown,    // next item
  kSelect,  // act on the item (choose, un-choose, next, cast, ...)
  kBack,    // the screen's Back
  kRepeat,  // say the current item (or the screen) again
  kVolumeUp,
  kVolumeDown,
  kFaster,
  kSlower,
  kHeadphones,  // headphone mode: blank the screen / show it again
};

class AudioGuide : public QObject {
  Q_OBJECT
 public:
  // `sink` must outlive the guide.
  AudioGuide(KioskModel* model, SpeechSink* sink, QObject* parent = nullptr);

  // The audio ballot is in use: keys are taken by the guide and every screen is spoken.
  bool active() const { return active_; }
  void set_active(bool on);
  // Headphone mode: the screen is blanked for privacy (the window shows a neutral panel).
  bool headphones() const { return headphones_; }
  void set_headphones(bool on);

  // Handles one key; false when the key means nothing to the guide here (inactive, or a
  // poll-worker screen): the window then handles it as usual.
  bool key(AudioKey k);

  // For two-switch scanning (the window moves a highlight over the screen's controls): says
  // `text` now, when the guide is active.
  void announce(const QString& text);
  // The window acted on choice `j` of the contest on screen: its new state (or the over-vote
  // notice) is said when the model has changed, as after the guide's own select.
  void choice_acted(int j);

  // Position on the current screen: -1 the screen itself, else an index into items().
  int position() const { return position_; }
  // What each item of the current screen says when it is reached.
  QStringList items() const;
  // What the current screen says when it opens.
  QString screen_text() const;
  // The ballot's languages the sink has no voice for, as their names in their own language
  // ("español"); the poll worker's screen warns of them.
  QStringList missing_voices() const;
  double rate() const { return rate_; }
  double volume() const { return volume_; }
  SpeechSink* sink() const { return sink_; }

  // A tracking code spelled for listening: "Group 1: 2, M, Z, P. Group 2: ...".
  static QString spell_code(const QString& code);

 signals:
  // active() or headphones() changed.
  void mode_changed();

 private:
  struct Item {
    QString text;
    std::function<void()> action;  // empty: select repeats the item
  };
  std::vector<Item> build_items() const;
  QString screen_key() const;
  QString choice_text(const ContestView& v, int j) const;
  void say(const QString& text);
  void say_position();
  void on_changed();
  void on_idle_changed();
  void on_session_cleared();

  KioskModel* model_;
  SpeechSink* sink_;
  bool active_ = false;
  bool headphones_ = false;
  int position_ = -1;
  double rate_ = 0;
  double volume_ = 0.8;
  QString shown_key_;      // the screen last spoken (screen_key())
  QString shown_notice_;   // the notice last spoken
  int acted_choice_ = -1;  // a choice just selected: its new state is spoken next
  bool acted_ = false;     // an item was just selected: its new state is spoken next
  bool idle_warned_ = false;
  int idle_last_said_ = -1;
};

}  // namespace tabella::kiosk
