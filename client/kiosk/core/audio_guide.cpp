#include "core/audio_guide.h"

#include <algorithm>

namespace tabella::kiosk {

AudioGuide::AudioGuide(KioskModel* model, SpeechSink* sink, QObject* parent)
    : QObject(parent), model_(model), sink_(sink) {
  sink_->set_rate(rate_);
  sink_->set_volume(volume_);
  if (!model_->language().isEmpty()) sink_->set_language(model_->language());
  connect(model_, &KioskModel::language_changed, this,
          [this](const QString& tag) { sink_->set_language(tag); });
  connect(model_, &KioskModel::changed, this, &AudioGuide::on_changed);
  connect(model_, &KioskModel::idle_changed, this, &AudioGuide::on_idle_changed);
  connect(model_, &KioskModel::session_cleared, this, &AudioGuide::on_session_cleared);
}

void AudioGuide::set_active(bool on) {
  if (on == active_) return;
  active_ = on;
  if (!on) {
    sink_->stop();
    set_headphones(false);
  } else {
    position_ = -1;
    shown_key_ = screen_key();
    shown_notice_ = model_->notice();
    say(tr("Audio ballot.") + QLatin1Char(' ') + screen_text());
  }
  emit mode_changed();
}

void AudioGuide::set_headphones(bool on) {
  if (on == headphones_) return;
  headphones_ = on;
  if (active_) {
    say(on ? tr("The screen is now blank, for your privacy. Press the same key to show it again.")
           : tr("The screen is now shown."));
  }
  emit mode_changed();
}

QString AudioGuide::screen_key() const {
  const Screen s = model_->screen();
  QString k = QString::number(static_cast<int>(s));
  if (s == Screen::kContest) {
    k += QLatin1Char('/') + QString::number(model_->contest().index);
    if (model_->editing_from_review()) k += QStringLiteral("/edit");
  }
  if (s == Screen::kToken && model_->recasting()) k += QStringLiteral("/recast");
  if (s == Screen::kWorking) k += QLatin1Char('/') + model_->working_text();
  return k;
}

QStringList AudioGuide::missing_voices() const {
  QStringList missing;
  for (const LanguageOption& l : model_->languages())
    if (!sink_->has_voice(l.tag)) missing << l.name;
  return missing;
}

QString AudioGuide::spell_code(const QString& code) {
  const QStringList groups = code.split(QLatin1Char('-'), Qt::SkipEmptyParts);
  QStringList out;
  for (int g = 0; g < groups.size(); ++g) {
    QStringList chars;
    for (const QChar c : groups[g]) chars << QString(c);
    out << tr("Group %1: %2.").arg(g + 1).arg(chars.join(QStringLiteral(", ")));
  }
  return out.join(QLatin1Char(' '));
}

QString AudioGuide::choice_text(const ContestView& v, int j) const {
  const ChoiceView& c = v.choices[static_cast<std::size_t>(j)];
  QString name = c.label;
  if (!c.party.isEmpty()) name += QStringLiteral(", ") + c.party;
  const QString state =
      c.selected    ? tr("Selected.")
      : c.available ? tr("Not selected.")
                    : tr("Not available: you have already chosen %1, the most allowed in this "
                         "contest. Remove a choice first.")
                          .arg(v.max);
  return tr("Choice %1 of %2: %3. %4").arg(j + 1).arg(v.choices.size()).arg(name, state);
}

QString AudioGuide::screen_text() const {
  const QString keys =
      tr("Use the up and down keys to move, select to choose, and back to go "
         "back.");
  switch (model_->screen()) {
    case Screen::kStarting:
      return tr("The kiosk is getting ready. Please wait.");
    case Screen::kUnavailable:
      return tr("This kiosk is not ready. Please ask a poll worker.");
    case Screen::kClosed:
      return model_->polls_closed()
                 ? tr("The polls are closed. This kiosk does not accept ballots any more.")
                 : tr("This kiosk is closed. Please ask a poll worker.");
    case Screen::kWelcome:
      return tr("Welcome to %1. %2 Press down to choose your language, then start voting.")
          .arg(model_->election_title(), keys);
    case Screen::kToken: {
      QString t = model_->recasting()
                      ? tr("Enter a new voting code. Your sealed ballot is kept and will be cast "
                           "with the new code.")
                      : tr("Your voting code. Type the code on your card, or scan it, or ask a "
                           "poll worker to enter it. Then press Enter.");
      if (!model_->notice().isEmpty()) t += QLatin1Char(' ') + model_->notice();
      return t;
    }
    case Screen::kContest: {
      const ContestView v = model_->contest();
      QString t = v.progress + QStringLiteral(": ") + v.title + QStringLiteral(". ");
      if (!v.instructions.isEmpty()) t += v.instructions + QLatin1Char(' ');
      t += v.rule + QLatin1Char(' ') + v.status + QLatin1Char(' ');
      t += tr("%1 choices. Press down to hear them.").arg(v.choices.size());
      if (!model_->notice().isEmpty()) t += QLatin1Char(' ') + model_->notice();
      return t;
    }
    case Screen::kReview: {
      const auto rows = model_->review();
      const auto blank =
          std::count_if(rows.begin(), rows.end(), [](const ReviewRow& r) { return r.undervote; });
      QString t = tr("Review your choices. %1 contests.").arg(rows.size());
      if (blank > 0)
        t += QLatin1Char(' ') +
             tr("Contests with fewer choices than allowed: %1.").arg(static_cast<int>(blank));
      t += QLatin1Char(' ') +
           tr("Press down to hear each contest; select on a contest changes it. The last item "
              "seals your ballot.");
      return t;
    }
    case Screen::kWorking:
      return model_->working_text() + QLatin1Char(' ') + tr("Please wait.");
    case Screen::kTracking:
      return tr("Your ballot is sealed. It is NOT cast yet: only Cast my ballot counts it. Your "
                "tracking code is: %1 Press down for Cast my ballot, Check this ballot, or Change "
                "my choices.")
          .arg(spell_code(model_->tracking_code()));
    case Screen::kChallenged: {
      QString t = tr("Checked ballot: NOT counted. The ballot with tracking code %1 contained:")
                      .arg(spell_code(model_->receipt().tracking_code));
      for (const auto& r : model_->challenge_rows()) {
        t += QLatin1Char(' ') + r.title + QStringLiteral(": ") +
             (r.choices.isEmpty() ? tr("blank, no choice") : r.choices.join(QStringLiteral(", "))) +
             QLatin1Char('.');
      }
      t += QLatin1Char(' ') + tr("If this is not what you chose, tell a poll worker. Press down, "
                                 "then select, to continue and vote.");
      return t;
    }
    case Screen::kCastDone: {
      const auto& r = model_->receipt();
      switch (r.outcome) {
        case CastOutcome::kRecorded:
          return tr("Your ballot has been cast and recorded. Thank you for voting. Your tracking "
                    "code is: %1 Press down for Done.")
              .arg(spell_code(r.tracking_code));
        case CastOutcome::kPending:
          return tr("Your ballot is cast and saved on this kiosk; the election record will "
                    "confirm it later. Your tracking code is: %1 Press down for Done.")
              .arg(spell_code(r.tracking_code));
        case CastOutcome::kRefused:
          return tr("Your ballot was not recorded.") + QLatin1Char(' ') + model_->notice() +
                 QLatin1Char(' ') + tr("Please ask a poll worker.");
      }
      return QString();
    }
    case Screen::kPin:
    case Screen::kPollWorker:
      return tr("Poll worker screen.");
  }
  return QString();
}

std::vector<AudioGuide::Item> AudioGuide::build_items() const {
  std::vector<Item> out;
  KioskModel* m = model_;
  switch (m->screen()) {
    case Screen::kWelcome:
      for (const auto& lang : m->languages()) {
        const bool on = lang.tag == m->language();
        out.push_back({lang.name + QStringLiteral(". ") +
                           (on ? tr("Selected.") : tr("Press select to use this language.")),
                       [m, tag = lang.tag] { m->choose_language(tag); }});
      }
      out.push_back({tr("Start voting."), [m] { m->start_voting(); }});
      break;
    case Screen::kContest: {
      const ContestView v = m->contest();
      for (int j = 0; j < static_cast<int>(v.choices.size()); ++j) {
        out.push_back({choice_text(v, j), [m, j] { m->toggle_choice(j); }});
      }
      const bool last = v.index + 1 >= v.count;
      out.push_back({m->editing_from_review() ? tr("Back to review.")
                     : last                   ? tr("Review my choices.")
                                              : tr("Next contest."),
                     [m] { m->next(); }});
      break;
    }
    case Screen::kReview: {
      for (const auto& r : m->review()) {
        QString t =
            r.title + QStringLiteral(": ") +
            (r.choices.isEmpty() ? tr("blank, no choice") : r.choices.join(QStringLiteral(", "))) +
            QLatin1Char('.');
        if (!r.note.isEmpty()) t += QLatin1Char(' ') + r.note;
        t += QLatin1Char(' ') + tr("Press select to change it.");
        out.push_back({t, [m, c = r.contest] { m->edit_contest(c); }});
      }
      out.push_back({tr("These are my choices: seal my ballot. You can still check it or cast it "
                        "next."),
                     [m] { m->encrypt(); }});
      break;
    }
    case Screen::kTracking:
      out.push_back({tr("Cast my ballot. It will be counted."), [m] { m->cast(); }});
      out.push_back({tr("Check this ballot. It is opened and NOT counted, and you vote again."),
                     [m] { m->challenge(); }});
      out.push_back(
          {tr("Change my choices. This sealed ballot is discarded."), [m] { m->back(); }});
      out.push_back({tr("Your tracking code is: %1").arg(spell_code(m->tracking_code())), {}});
      break;
    case Screen::kChallenged:
      out.push_back({tr("Continue and vote: back to your choices, to seal a new ballot."),
                     [m] { m->challenge_done(); }});
      break;
    case Screen::kCastDone:
      out.push_back({tr("Done. The screen is cleared for the next voter."), [m] { m->done(); }});
      if (m->receipt().outcome != CastOutcome::kRefused)
        out.push_back(
            {tr("Your tracking code is: %1").arg(spell_code(m->receipt().tracking_code)), {}});
      break;
    default:
      break;
  }
  return out;
}

QStringList AudioGuide::items() const {
  QStringList out;
  for (const auto& i : build_items()) out << i.text;
  return out;
}

void AudioGuide::announce(const QString& text) {
  say(text);
}

void AudioGuide::choice_acted(int j) {
  if (!active_ || model_->screen() != Screen::kContest) return;
  acted_choice_ = j;
  acted_ = true;
}

void AudioGuide::say(const QString& text) {
  if (active_ && !text.isEmpty()) sink_->say(text);
}

void AudioGuide::say_position() {
  const auto list = build_items();
  if (position_ < 0 || position_ >= static_cast<int>(list.size())) {
    position_ = -1;
    say(screen_text());
    return;
  }
  say(list[static_cast<std::size_t>(position_)].text);
}

bool AudioGuide::key(AudioKey k) {
  if (!active_) return false;
  const Screen s = model_->screen();
  if (s == Screen::kPin || s == Screen::kPollWorker) return false;
  switch (k) {
    case AudioKey::kUp:
      position_ = std::max(-1, position_ - 1);
      say_position();
      return true;
    case AudioKey::kDown: {
      const int n = static_cast<int>(build_items().size());
      if (n == 0) {
        say(screen_text());
      } else if (position_ + 1 >= n) {
        say(tr("End of this screen.") + QLatin1Char(' ') +
            build_items()[static_cast<std::size_t>(n - 1)].text);
        position_ = n - 1;
      } else {
        ++position_;
        say_position();
      }
      return true;
    }
    case AudioKey::kSelect: {
      const auto list = build_items();
      if (position_ < 0 || position_ >= static_cast<int>(list.size()) ||
          !list[static_cast<std::size_t>(position_)].action) {
        say_position();
        return true;
      }
      if (s == Screen::kContest) acted_choice_ = position_;
      acted_ = true;
      list[static_cast<std::size_t>(position_)].action();
      // What changed (a new screen, a choice's new state, the item's new state) was spoken by
      // on_changed(); an action that changed nothing says so.
      acted_choice_ = -1;
      acted_ = false;
      return true;
    }
    case AudioKey::kBack: {
      const QString before = screen_key();
      model_->back();
      // A new screen was spoken by on_changed(); else there was nowhere to go back to.
      if (screen_key() == before)
        say(tr("There is no going back from here.") + QLatin1Char(' ') + screen_text());
      return true;
    }
    case AudioKey::kRepeat:
      say_position();
      return true;
    case AudioKey::kVolumeUp:
    case AudioKey::kVolumeDown:
      volume_ = std::clamp(volume_ + (k == AudioKey::kVolumeUp ? 0.1 : -0.1), 0.2, 1.0);
      sink_->set_volume(volume_);
      say(tr("Volume %1 percent.").arg(qRound(volume_ * 100)));
      return true;
    case AudioKey::kFaster:
    case AudioKey::kSlower:
      rate_ = std::clamp(rate_ + (k == AudioKey::kFaster ? 0.25 : -0.25), -0.75, 1.0);
      sink_->set_rate(rate_);
      say(k == AudioKey::kFaster ? tr("Faster.") : tr("Slower."));
      return true;
    case AudioKey::kHeadphones:
      set_headphones(!headphones_);
      return true;
  }
  return false;
}

void AudioGuide::on_changed() {
  const QString key = screen_key();
  const QString notice = model_->notice();
  if (key != shown_key_) {
    shown_key_ = key;
    shown_notice_ = notice;
    acted_choice_ = -1;
    acted_ = false;
    position_ = -1;
    say(screen_text());
    return;
  }
  if (acted_ && acted_choice_ < 0) {
    acted_ = false;
    shown_notice_ = notice;
    say(notice.isEmpty() ? items().value(position_) : notice);
    return;
  }
  if (acted_choice_ >= 0 && model_->screen() == Screen::kContest) {
    acted_ = false;
    const ContestView v = model_->contest();
    const int j = acted_choice_;
    acted_choice_ = -1;
    shown_notice_ = notice;
    if (j < static_cast<int>(v.choices.size())) {
      const ChoiceView& c = v.choices[static_cast<std::size_t>(j)];
      QString t = notice.isEmpty()
                      ? (c.selected ? tr("%1: selected.") : tr("%1: not selected.")).arg(c.label)
                      : notice;
      t += QLatin1Char(' ') + v.status;
      say(t);
    }
    return;
  }
  if (notice != shown_notice_) {
    shown_notice_ = notice;
    say(notice);
  }
}

void AudioGuide::on_idle_changed() {
  if (!model_->idle_warning()) {
    if (idle_warned_) {
      idle_warned_ = false;
      idle_last_said_ = -1;
      if (model_->holds_voter_data() || model_->screen() != Screen::kWelcome)
        say(tr("You are still voting. Continuing.") + QLatin1Char(' ') +
            (position_ < 0 ? screen_text() : items().value(position_)));
    }
    return;
  }
  const int left = model_->idle_seconds_left();
  // Said when the warning starts, then at 20, 10 and 5 seconds.
  const bool start = !idle_warned_;
  if (!start && !(left == 20 || left == 10 || left == 5)) return;
  if (!start && left == idle_last_said_) return;
  idle_warned_ = true;
  idle_last_said_ = left;
  const QString when = left == 1 ? tr("1 second") : tr("%1 seconds").arg(left);
  QString t = start ? tr("Are you still voting?") + QLatin1Char(' ') : QString();
  t += model_->sealed_not_cast()
           ? tr("Your ballot is sealed but NOT cast yet. If you do not continue, it will be "
                "discarded and NOT counted in %1.")
                 .arg(when)
           : tr("Your choices will be cleared in %1.").arg(when);
  t += QLatin1Char(' ') + tr("Press any key to continue voting.");
  say(t);
}

void AudioGuide::on_session_cleared() {
  if (!active_) return;
  say(tr("Your session has ended and the screen is cleared. The audio ballot is off."));
  idle_warned_ = false;
  set_active(false);
}

}  // namespace tabella::kiosk
