// tabella-kiosk: command line, configuration, first-run enrolment, translations, and the
// --screenshots, --demo and --simulate-voters (headless, ui/headless) modes. The window is
// ui/kiosk_window; the logic is core/.
#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QFile>
#include <QGuiApplication>
#include <QKeyEvent>
#include <QPushButton>
#include <QScreen>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTranslator>
#include <chrono>
#include <cstdio>
#include <functional>
#include <iostream>
#include <memory>
#include <string>

#include "core/audio_guide.h"
#include "core/kiosk_config.h"
#include "core/kiosk_model.h"
#include "core/memory_ledger.h"
#include "core/pump_until.h"
#ifdef TABELLA_KIOSK_HTTP
#include "net/http_ledger_client.h"
#endif
#include "tabella/election/manifest.h"
#include "ui/espeak_speech.h"
#include "ui/headless.h"
#include "ui/kiosk_window.h"
#include "ui/speech.h"

using namespace tabella;
using namespace tabella::kiosk;

namespace {

// Swaps the UI translation when the voter picks a language (English is the source text).
class Translations {
 public:
  // False when there is no translation for `tag` (English is then used).
  bool use(const QString& tag) {
    QCoreApplication::removeTranslator(&tr_);
    if (tag != QStringLiteral("en") &&
        tr_.load(QStringLiteral(":/i18n/tabella_kiosk_") + tag + QStringLiteral(".qm"))) {
      QCoreApplication::installTranslator(&tr_);
      return true;
    }
    return tag == QStringLiteral("en");
  }

 private:
  QTranslator tr_;
};

int fail(const std::string& what) {
  std::fprintf(stderr, "tabella-kiosk: %s\n", what.c_str());
  return 1;
}

// The kiosk key: loaded, or generated on first run (0600) with the enrolment details printed.
Result<std::shared_ptr<const SigningKey>> kiosk_key(const KioskConfig& config, bool* created) {
  const std::string path = config.key_path().toStdString();
  *created = false;
  if (!QFile::exists(config.key_path())) {
    QDir().mkpath(QFileInfo(config.key_path()).absolutePath());
    SigningKey k = SigningKey::generate();
    TABELLA_TRY(k.save_pem(path));
    *created = true;
  }
  auto k = SigningKey::load_pem(path);
  if (!k.ok()) return k.error();
  return std::make_shared<const SigningKey>(std::move(*k));
}

void print_enrolment(const SigningKey& key, const QString& path) {
  std::printf(
      "Kiosk key: %s\nFingerprint: %s\nPublic key: %s\n"
      "Enrol it (election official): tabella-admin kiosks enrol --public-key %s "
      "--expect-fingerprint %s --name <kiosk name> --precinct <precinct>\n",
      path.toStdString().c_str(), key.verify_key().fingerprint().c_str(),
      key.verify_key().to_hex().c_str(), key.verify_key().to_hex().c_str(),
      key.verify_key().fingerprint().c_str());
}

struct Demo {
  DemoElection election;
  std::shared_ptr<const SigningKey> key;
};

Result<Demo> make_demo(const QString& manifest_path) {
  auto m = election::load_manifest_file(manifest_path.toStdString());
  if (!m.ok()) return m.error();
  Demo d;
  d.key = std::make_shared<const SigningKey>(SigningKey::generate());
  auto e = make_demo_election(*m, {d.key->verify_key().bytes()}, 40, SystemRng::instance());
  if (!e.ok()) return e.error();
  d.election = std::move(*e);
  return d;
}

KioskModel::Options demo_options(const Demo& demo, const QString& dir, const std::string& pin) {
  KioskModel::Options o;
  auto ledger = demo.election.ledger;
  o.client_factory = [ledger]() -> Result<std::unique_ptr<LedgerClient>> {
    return ledger->make_client();
  };
  o.db_path = QDir(dir).filePath(QStringLiteral("kiosk.db"));
  o.kiosk_key = demo.key;
  o.pin_hash = QString::fromStdString(hash_pin(pin, 1000));
  o.ledger_url = QStringLiteral("http://127.0.0.1:8640");
  return o;
}

// Drives the view-model through every screen and grabs the window (offscreen platform), in each
// of `languages` (en, es); closed.png and not-enrolled-en.png with English, the long contest with
// Spanish.
int screenshots(const QString& out, const QString& manifest_path, const QStringList& languages,
                Translations& translations) {
  QDir().mkpath(out);
  QTemporaryDir data;
  auto demo = make_demo(manifest_path);
  if (!demo.ok()) return fail(demo.error().describe());
  auto o = demo_options(*demo, data.path(), "0000");
  o.idle_timeout_ms = 3600 * 1000;
  o.cast_patience_ms = 60000;
  KioskModel model(o);
  QObject::connect(&model, &KioskModel::language_changed, &model,
                   [&translations](const QString& tag) { translations.use(tag); });
  KioskWindow window(&model, data.filePath(QStringLiteral("receipts")), QString());
  // The audio ballot as on a kiosk (its header control, the poll worker's audio row), speaking
  // into a transcript.
  TranscriptSink speech;
  AudioGuide guide(&model, &speech);
  window.set_audio(&guide);
  window.resize(1024, 768);
  window.show();
  model.start();
  if (!pump_until([&] { return model.ready(); })) return fail("demo election did not load");
  int count = 0;
  int faults = 0;
  QString suffix;
  auto shot = [&](const QString& name) {
    // Show the model's last change: one rebuild (the one it scheduled, else one now), then let
    // the old page's deleteLater run.
    const bool pending = window.rebuild_pending();
    if (!pump_until([&] { return !window.rebuild_pending(); }))
      std::fprintf(stderr, "the window did not show the model's change\n");
    if (!pending) window.rebuild();
    QCoreApplication::processEvents();
    const QString path = QDir(out).filePath(name + suffix + QStringLiteral(".png"));
    if (!window.grab().save(path)) std::fprintf(stderr, "cannot write %s\n", qPrintable(path));
    // The same geometry check as kiosk_layout_test: nothing cut, overlapping or off the window.
    for (const QString& problem : window.layout_problems()) {
      std::fprintf(stderr, "%s: %s\n", qPrintable(path), qPrintable(problem));
      ++faults;
    }
    ++count;
  };
  suffix.clear();
  const bool en = languages.contains(QStringLiteral("en"));
  if (en) shot(QStringLiteral("closed"));
  model.enter_poll_worker();
  model.submit_pin(QStringLiteral("0000"));
  model.set_kiosk_open(true);
  pump_until([&] { return model.kiosk_open(); });
  model.leave_poll_worker();
  std::size_t token = 0;
  for (const QString& lang : languages) {
    for (const int contrast : {0, 1, 2}) {
      static const char* const kModes[] = {"-normal", "-contrast", "-light"};
      suffix = QStringLiteral("-") + lang + QString::fromLatin1(kModes[contrast]);
      model.reset();
      model.choose_language(lang);
      model.set_contrast(contrast);
      shot(QStringLiteral("welcome"));
      model.start_voting();
      model.submit_token(QStringLiteral("ABCD-EFGH"));  // shows the explanation
      shot(QStringLiteral("token"));
      model.submit_token(QString::fromStdString(demo->election.tokens[token++]));
      pump_until([&] { return model.screen() == Screen::kContest; });
      model.toggle_choice(1);
      shot(QStringLiteral("contest-1"));
      model.next();
      model.toggle_choice(0);
      model.toggle_choice(2);
      model.toggle_choice(3);  // refused: explains the limit
      shot(QStringLiteral("contest-2"));
      while (model.screen() == Screen::kContest) model.next();
      shot(QStringLiteral("review"));
      model.encrypt();
      pump_until([&] { return model.screen() == Screen::kTracking; });
      shot(QStringLiteral("tracking"));
      model.challenge();
      pump_until([&] { return model.screen() == Screen::kChallenged; });
      shot(QStringLiteral("challenged"));
      model.challenge_done();
      model.encrypt();
      pump_until([&] { return model.screen() == Screen::kTracking; });
      model.cast();
      pump_until([&] { return model.screen() == Screen::kCastDone; });
      shot(QStringLiteral("cast-done"));
      model.done();
      model.choose_language(lang);
      model.set_contrast(contrast);
      model.enter_poll_worker();
      model.submit_pin(QStringLiteral("1234"));
      shot(QStringLiteral("pin"));
      model.submit_pin(QStringLiteral("0000"));
      pump_until([&] { return model.poll_status().cast_here > 0; });
      shot(QStringLiteral("poll-worker"));
      model.leave_poll_worker();
    }
  }
  // Text sizes.
  for (const QString& lang : languages) {
    for (int size = 1; size < KioskModel::kTextSizes; ++size) {
      suffix = QStringLiteral("-%1-size%2").arg(lang).arg(size);
      model.reset();
      model.choose_language(lang);
      model.set_text_size(size);
      shot(QStringLiteral("welcome"));
      model.start_voting();
      model.submit_token(QString::fromStdString(demo->election.tokens[token++]));
      pump_until([&] { return model.screen() == Screen::kContest; });
      shot(QStringLiteral("contest-1"));
      model.next();
      model.toggle_choice(0);
      shot(QStringLiteral("contest-2"));
      model.next();
      shot(QStringLiteral("contest-3"));
      model.next();
      shot(QStringLiteral("review"));
      model.encrypt();
      pump_until([&] { return model.screen() == Screen::kTracking; });
      shot(QStringLiteral("tracking"));
      model.on_idle_timeout();  // "Are you still voting?" over a sealed, uncast ballot
      shot(QStringLiteral("idle-warning"));
      model.user_activity();
      model.back();
    }
  }
  // The audio ballot and two-switch scanning: the header's "Audio ballot: on" with the scanning
  // highlight moved by the move switch (a real key event) onto a choice, and the headphone-mode
  // panel; every text size in the standard colours, both other contrast modes at standard size.
  for (const QString& lang : languages) {
    const std::pair<int, int> looks[] = {{0, 0}, {1, 0}, {2, 0}, {3, 0}, {0, 1}, {0, 2}};
    for (const auto& [size, contrast] : looks) {
      static const char* const kModes[] = {"normal", "contrast", "light"};
      suffix =
          QStringLiteral("-%1-size%2-%3").arg(lang).arg(size).arg(QLatin1String(kModes[contrast]));
      model.reset();
      model.choose_language(lang);
      model.set_text_size(size);
      model.set_contrast(contrast);
      guide.set_active(true);
      window.set_switch_scanning(true);
      if (size == 0 || size == KioskModel::kTextSizes - 1) shot(QStringLiteral("welcome-scanning"));
      model.start_voting();
      model.submit_token(QString::fromStdString(demo->election.tokens[token++]));
      pump_until([&] { return model.screen() == Screen::kContest; });
      pump_until([&] { return !window.rebuild_pending(); });
      QCoreApplication::processEvents();
      // The move switch, twice: from the contest's title to its second control.
      for (int i = 0; i < 2; ++i) {
        QWidget* target = QApplication::focusWidget() != nullptr ? QApplication::focusWidget()
                                                                 : static_cast<QWidget*>(&window);
        QKeyEvent press(QEvent::KeyPress, KioskWindow::kScanMoveKey, Qt::NoModifier,
                        QStringLiteral(" "));
        QKeyEvent release(QEvent::KeyRelease, KioskWindow::kScanMoveKey, Qt::NoModifier,
                          QStringLiteral(" "));
        QCoreApplication::sendEvent(target, &press);
        QCoreApplication::sendEvent(target, &release);
      }
      shot(QStringLiteral("audio-scanning"));
      // The headphone panel is one centred message: the smallest and largest text suffice.
      if (size == 0 || size == KioskModel::kTextSizes - 1) {
        guide.set_headphones(true);
        shot(QStringLiteral("headphones"));
        guide.set_headphones(false);
      }
      guide.set_active(false);
      window.set_switch_scanning(false);
    }
    // The poll worker's screen with the audio ballot's state, and its warning when a ballot
    // language has no voice (here: the transcript claims to have no Spanish voice).
    suffix = QStringLiteral("-") + lang;
    model.reset();
    model.choose_language(lang);
    speech.no_voice = QStringList{QStringLiteral("es")};
    model.enter_poll_worker();
    model.submit_pin(QStringLiteral("0000"));
    shot(QStringLiteral("poll-worker-no-voice"));
    speech.no_voice.clear();
    model.leave_poll_worker();
  }
  // A long contest (8 candidates with long names, tests/kiosk/long-ballot.json) at the two largest
  // text sizes in Spanish: every page of it, the middle ones with their "Opciones 4 a 4 de 8"
  // (kiosk_layout_test pages it in both languages).
  const QString long_ballot = QStringLiteral(TABELLA_SOURCE_DIR "/tests/kiosk/long-ballot.json");
  if (languages.contains(QStringLiteral("es")) && QFile::exists(long_ballot)) {
    auto long_demo = make_demo(long_ballot);
    if (!long_demo.ok()) return fail(long_demo.error().describe());
    const QString dir = data.filePath(QStringLiteral("long"));
    QDir().mkpath(dir);
    auto lo = demo_options(*long_demo, dir, "0000");
    lo.idle_timeout_ms = 3600 * 1000;
    KioskModel m3(lo);
    QObject::connect(&m3, &KioskModel::language_changed, &m3,
                     [&translations](const QString& tag) { translations.use(tag); });
    KioskWindow w3(&m3, dir, QString());
    w3.resize(1024, 768);
    w3.show();
    m3.start();
    if (!pump_until([&] { return m3.ready(); })) return fail("long demo election did not load");
    m3.enter_poll_worker();
    m3.submit_pin(QStringLiteral("0000"));
    m3.set_kiosk_open(true);
    pump_until([&] { return m3.kiosk_open(); });
    m3.leave_poll_worker();
    std::size_t long_token = 0;
    for (const QString& lang : {QStringLiteral("es")}) {  // the longer texts
      for (int size = 2; size < KioskModel::kTextSizes; ++size) {
        m3.reset();
        m3.choose_language(lang);
        m3.set_text_size(size);
        m3.start_voting();
        m3.submit_token(QString::fromStdString(long_demo->election.tokens[long_token++]));
        pump_until([&] { return m3.screen() == Screen::kContest; });
        m3.next();
        m3.next();
        for (int page = 1; page <= 8; ++page) {
          pump_until([&] { return !w3.rebuild_pending(); });
          w3.rebuild();
          QCoreApplication::processEvents();
          const QString path = QDir(out).filePath(
              QStringLiteral("long-contest-%1-size%2-page%3.png").arg(lang).arg(size).arg(page));
          if (!w3.grab().save(path)) std::fprintf(stderr, "cannot write %s\n", qPrintable(path));
          for (const QString& problem : w3.layout_problems()) {
            std::fprintf(stderr, "%s: %s\n", qPrintable(path), qPrintable(problem));
            ++faults;
          }
          ++count;
          QPushButton* more = nullptr;
          for (auto* b : w3.findChildren<QPushButton*>(QStringLiteral("more-page")))
            if (b->isVisible()) more = b;
          if (more == nullptr) break;
          more->click();
        }
      }
    }
  }
  // A kiosk that is not enrolled: shows its key for the official.
  if (en) {
    suffix = QStringLiteral("-en");
    auto other = demo_options(*demo, data.filePath(QStringLiteral("other")), "0000");
    QDir().mkpath(data.filePath(QStringLiteral("other")));
    other.kiosk_key = std::make_shared<const SigningKey>(SigningKey::generate());
    KioskModel m2(other);
    KioskWindow w2(&m2, data.path(), QString());
    w2.resize(1024, 768);
    w2.show();
    m2.start();
    pump_until([&] { return m2.screen() == Screen::kUnavailable; });
    pump_until([] { return false; }, 60);
    w2.rebuild();
    QCoreApplication::processEvents();
    w2.grab().save(QDir(out).filePath(QStringLiteral("not-enrolled-en.png")));
    ++count;
  }
  // The printed receipt as an image of its PDF is not rendered here; the PDF is written.
  std::printf("%d screenshots in %s, %d layout faults\n", count, qPrintable(out), faults);
  return faults == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  // Headless modes (simulated voters; enrolment and configuration, run on a terminal) need no
  // window, so no QApplication: no display or platform plugin at all.
  bool headless = false;
  bool windowless = false;
  bool report = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--poll-report" || a.rfind("--poll-report=", 0) == 0) report = true;
    if (a == "--simulate-voters" || a.rfind("--simulate-voters=", 0) == 0) headless = true;
    // --help and --version print and exit: no display needed (they used to abort without one).
    if (a == "--enrol" || a == "--init-config" || a == "--set-pin" || a == "--help" || a == "-h" ||
        a == "-?" || a == "--help-all" || a == "--version" || a == "-v")
      windowless = true;
  }
  // --poll-report draws a PDF (fonts: a QGuiApplication) but shows no window: without a display
  // it renders offscreen.
  if (report && !windowless && qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM") &&
      qEnvironmentVariableIsEmpty("DISPLAY") && qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY")) {
    qputenv("QT_QPA_PLATFORM", "offscreen");
  }
  std::unique_ptr<QCoreApplication> app_ptr =
      headless || windowless ? std::make_unique<QCoreApplication>(argc, argv)
      : report               ? std::make_unique<QGuiApplication>(argc, argv)
                             : std::make_unique<QApplication>(argc, argv);
  QCoreApplication& app = *app_ptr;
  QApplication::setApplicationName(QStringLiteral("tabella-kiosk"));
  QApplication::setApplicationVersion(QStringLiteral("0.1.0"));
  Translations translations;

  QCommandLineParser p;
  p.setApplicationDescription(QStringLiteral(
      "Tabella voting kiosk: voters mark, check (challenge) and cast encrypted ballots that are "
      "signed by this kiosk and recorded on the election's ledger."));
  p.addHelpOption();
  p.addVersionOption();
  const QString default_config =
      QDir(QStandardPaths::writableLocation(QStandardPaths::AppConfigLocation))
          .filePath(QStringLiteral("kiosk.conf"));
  QCommandLineOption config_opt(
      QStringLiteral("config"),
      QStringLiteral("Configuration file (default %1).").arg(default_config),
      QStringLiteral("file"), default_config);
  QCommandLineOption ledger_opt(QStringLiteral("ledger"),
                                QStringLiteral("Ledger URL (overrides ledger_url)."),
                                QStringLiteral("url"));
  QCommandLineOption data_opt(QStringLiteral("data-dir"),
                              QStringLiteral("Data directory (overrides data_dir)."),
                              QStringLiteral("dir"));
  QCommandLineOption init_opt(QStringLiteral("init-config"),
                              QStringLiteral("Write the configuration file with the current "
                                             "settings and exit."));
  QCommandLineOption pin_opt(QStringLiteral("set-pin"),
                             QStringLiteral("Read a poll-worker PIN from standard input and "
                                            "store its salted hash in the configuration."));
  QCommandLineOption enrol_opt(QStringLiteral("enrol"),
                               QStringLiteral("Create the kiosk key if missing, print its "
                                              "fingerprint and public key, and exit."));
  QCommandLineOption demo_opt(QStringLiteral("demo"),
                              QStringLiteral("Run against an in-process demo ledger (prints "
                                             "voting codes; PIN 0000)."));
  QCommandLineOption manifest_opt(
      QStringLiteral("manifest"), QStringLiteral("Ballot for --demo / --screenshots."),
      QStringLiteral("file"), QStringLiteral(TABELLA_SOURCE_DIR "/ballots/demo-general.json"));
  QCommandLineOption shots_opt(QStringLiteral("screenshots"),
                               QStringLiteral("Render every screen in every language (or in "
                                              "--language), normal and high contrast, to PNG "
                                              "files in DIR, and exit."),
                               QStringLiteral("dir"));
  QCommandLineOption full_opt(
      QStringLiteral("fullscreen"),
      QStringLiteral("Fill the whole screen (works without a window manager)."));
  QCommandLineOption public_opt(
      QStringLiteral("public-url"),
      QStringLiteral("The bulletin board voters look ballots up on: the receipt's QR code "
                     "points at <url>/ballot/<tracking code> (overrides public_url; default the "
                     "ledger URL, which serves the board)."),
      QStringLiteral("url"));
  QCommandLineOption sim_opt(
      QStringLiteral("simulate-voters"),
      QStringLiteral("Headless (no window): N voters vote through this kiosk's own code path "
                     "(view-model, queue, ledger client) with random valid choices; one line "
                     "per voter; exit 1 unless every ballot is confirmed by the ledger."),
      QStringLiteral("n"));
  QCommandLineOption tokens_opt(QStringLiteral("tokens"),
                                QStringLiteral("tokens.csv for --simulate-voters."),
                                QStringLiteral("file"));
  QCommandLineOption skip_opt(QStringLiteral("skip-tokens"),
                              QStringLiteral("Start after the first K tokens of --tokens."),
                              QStringLiteral("k"), QStringLiteral("0"));
  QCommandLineOption challenge_opt(
      QStringLiteral("challenge"),
      QStringLiteral("The first M simulated voters check (challenge) a ballot, then cast."),
      QStringLiteral("m"), QStringLiteral("0"));
  QCommandLineOption seed_opt(QStringLiteral("seed"),
                              QStringLiteral("Seed of the simulated choices (0: random)."),
                              QStringLiteral("s"), QStringLiteral("0"));
  QCommandLineOption drain_opt(
      QStringLiteral("drain-timeout"),
      QStringLiteral("Seconds to wait, after the last simulated voter, for the queue to be "
                     "delivered (default 60)."),
      QStringLiteral("s"), QStringLiteral("60"));
  QCommandLineOption pin_stdin_opt(
      QStringLiteral("pin-stdin"),
      QStringLiteral("With --simulate-voters: read the poll-worker PIN from standard input and "
                     "open the kiosk with it, as a poll worker would, if it is closed."));
  QCommandLineOption json_opt(QStringLiteral("json"),
                              QStringLiteral("With --simulate-voters: write a JSON summary "
                                             "(tracking codes, outcomes, plaintext totals)."),
                              QStringLiteral("file"));
  QCommandLineOption report_opt(
      QStringLiteral("poll-report"),
      QStringLiteral("Make the poll worker's polls-opened (zero) or polls-closed report without a "
                     "window: reads the poll-worker PIN from the first line of standard input, "
                     "prints the report and writes it as PDF (see --report-out). Exit status 0 "
                     "when it lists no problem."),
      QStringLiteral("opened|closed"));
  QCommandLineOption report_out_opt(
      QStringLiteral("report-out"),
      QStringLiteral("With --poll-report: the PDF file, or a directory for the report's own name "
                     "(default: the receipts directory)."),
      QStringLiteral("path"));
  QCommandLineOption language_opt(
      QStringLiteral("language"),
      QStringLiteral("With --poll-report: the report's language (en, es; default en). On the "
                     "poll-worker screen the report is in the kiosk's current language. With "
                     "--screenshots: only this language's screens."),
      QStringLiteral("tag"), QStringLiteral("en"));
  QCommandLineOption speech_opt(
      QStringLiteral("speech-engine"),
      QStringLiteral("The audio ballot's voice: espeak-ng (default: English, Spanish and more, "
                     "offline), or a Qt TextToSpeech engine (flite: English only; speechd: "
                     "needs speech-dispatcher). Overrides speech_engine."),
      QStringLiteral("name"));
  QCommandLineOption scan_opt(
      QStringLiteral("switch-scanning"),
      QStringLiteral("Start with two-switch scanning on (one switch moves the highlight, the "
                     "other selects; overrides switch_scanning)."));
  p.addOptions({speech_opt, scan_opt});
  p.addOptions({config_opt, ledger_opt,   data_opt,       init_opt,    pin_opt,    enrol_opt,
                demo_opt,   manifest_opt, shots_opt,      full_opt,    public_opt, sim_opt,
                tokens_opt, skip_opt,     challenge_opt,  seed_opt,    drain_opt,  pin_stdin_opt,
                json_opt,   report_opt,   report_out_opt, language_opt});
  p.process(app);

  if (headless && (p.isSet(shots_opt) || p.isSet(full_opt))) {
    return fail("--simulate-voters has no window: no --screenshots or --fullscreen");
  }
  if (report && (headless || p.isSet(shots_opt) || p.isSet(full_opt))) {
    return fail("--poll-report has no window and simulates no voters");
  }
  if (p.isSet(shots_opt)) {
    QStringList languages{QStringLiteral("en"), QStringLiteral("es")};
    if (p.isSet(language_opt)) {
      if (!languages.contains(p.value(language_opt))) {
        return fail("--language: no translation for \"" + p.value(language_opt).toStdString() +
                    "\" (en, es)");
      }
      languages = QStringList{p.value(language_opt)};
    }
    return screenshots(p.value(shots_opt), p.value(manifest_opt), languages, translations);
  }

  const QString default_data =
      QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation);
  auto config = load_config(p.value(config_opt), default_data);
  if (!config.ok()) return fail(config.error().describe());
  if (p.isSet(ledger_opt)) config->ledger_url = p.value(ledger_opt);
  if (p.isSet(data_opt)) config->data_dir = p.value(data_opt);
  if (p.isSet(public_opt)) config->public_url = p.value(public_opt);
  if (p.isSet(speech_opt)) config->speech_engine = p.value(speech_opt);
  if (p.isSet(scan_opt)) config->switch_scanning = true;
  if (p.isSet(pin_opt)) {
    std::string pin;
    std::getline(std::cin, pin);
    if (pin.size() < 4) return fail("a PIN has at least 4 characters");
    config->pin_hash = QString::fromStdString(hash_pin(pin));
    secure_zero(pin.data(), pin.size());
  }
  if (p.isSet(init_opt) || p.isSet(pin_opt)) {
    QDir().mkpath(QFileInfo(p.value(config_opt)).absolutePath());
    auto s = save_config(*config, p.value(config_opt));
    if (!s.ok()) return fail(s.error().describe());
    std::printf("wrote %s\n", qPrintable(p.value(config_opt)));
    return 0;
  }

  KioskModel::Options o;
  std::optional<Demo> demo;
  QTemporaryDir demo_dir;
  if (p.isSet(demo_opt)) {
    auto d = make_demo(p.value(manifest_opt));
    if (!d.ok()) return fail(d.error().describe());
    demo = std::move(*d);
    o = demo_options(*demo, demo_dir.path(), "0000");
    if (p.isSet(public_opt)) o.public_url = p.value(public_opt);
    std::printf("Demo election; poll-worker PIN 0000. Voting codes:\n");
    for (const auto& t : demo->election.tokens) std::printf("  %s\n", t.c_str());
  } else {
    QDir().mkpath(config->data_dir);
    bool created = false;
    auto key = kiosk_key(*config, &created);
    if (!key.ok()) return fail(key.error().describe());
    if (created || p.isSet(enrol_opt)) print_enrolment(**key, config->key_path());
    if (p.isSet(enrol_opt)) return 0;
    const auto timeout = std::chrono::seconds(config->network_timeout_s);
    const std::string url = config->ledger_url.toStdString();
#ifdef TABELLA_KIOSK_HTTP
    o.client_factory = [url, timeout]() { return make_http_ledger_client(url, timeout); };
#else
    (void)timeout;
    (void)url;
    o.client_factory = []() -> Result<std::unique_ptr<LedgerClient>> {
      return make_error(ErrorCode::kIo, "built without HTTP support (client/lib missing)");
    };
#endif
    o.db_path = config->db_path();
    o.kiosk_key = *key;
    o.authority = config->authority_key;
    o.pin_hash = config->pin_hash;
    o.ledger_url = config->ledger_url;
    o.public_url = config->public_url;
    o.idle_timeout_ms = config->idle_timeout_s * 1000;
  }
  if (headless) {
    HeadlessArgs h;
    bool ok[5] = {};
    h.voters = p.value(sim_opt).toInt(&ok[0]);
    h.skip_tokens = p.value(skip_opt).toInt(&ok[1]);
    h.challenge = p.value(challenge_opt).toInt(&ok[2]);
    h.seed = p.value(seed_opt).toULongLong(&ok[3]);
    h.drain_timeout_s = p.value(drain_opt).toInt(&ok[4]);
    for (bool b : ok) {
      if (!b)
        return fail(
            "--simulate-voters, --skip-tokens, --challenge, --seed, --drain-timeout: "
            "whole numbers");
    }
    h.tokens_file = p.value(tokens_opt);
    h.pin_stdin = p.isSet(pin_stdin_opt);
    h.json_file = p.value(json_opt);
    if (demo) h.tokens = demo->election.tokens;  // --demo: the in-process election's codes
    return run_headless(std::move(o), h);
  }
  if (report) {
    QString out = p.value(report_out_opt);
    if (out.isEmpty()) {
      out = demo ? demo_dir.filePath(QStringLiteral("receipts")) : config->receipts_dir();
      QDir().mkpath(out);
    }
    const QString lang = p.value(language_opt);
    if (lang != QStringLiteral("en") && !translations.use(lang))
      return fail("--language: no translation for \"" + lang.toStdString() + "\" (en, es)");
    return run_poll_report(std::move(o), p.value(report_opt), out);
  }
  if (windowless) return fail("--enrol, --init-config and --set-pin do not open the window");
  KioskModel model(o);
  QObject::connect(&model, &KioskModel::language_changed, &model,
                   [&translations](const QString& tag) { translations.use(tag); });
  // The audio ballot's voice; a kiosk without one says so on the poll worker's screen.
  std::unique_ptr<SpeechSink> speech;
  if (config->speech_engine == QStringLiteral("espeak-ng"))
    speech = std::make_unique<EspeakSpeechSink>();
  else
    speech = std::make_unique<QtSpeechSink>(config->speech_engine);
  if (!speech->problem().isEmpty())
    std::fprintf(stderr, "tabella-kiosk: audio ballot: %s\n", qPrintable(speech->problem()));
  AudioGuide guide(&model, speech.get());
  KioskWindow window(&model,
                     demo ? demo_dir.filePath(QStringLiteral("receipts")) : config->receipts_dir(),
                     config->printer);
  window.set_audio(&guide);
  window.set_switch_scanning(config->switch_scanning);
  // Never larger than the screen: the pages are laid out (paged, stacked) for the window's size.
  const QRect screen = QGuiApplication::primaryScreen() != nullptr
                           ? QGuiApplication::primaryScreen()->geometry()
                           : QRect(0, 0, 1024, 768);
  if (p.isSet(full_opt)) {
    // Without a window manager nobody resizes the window: give it the screen's geometry.
    window.setGeometry(screen);
    window.showFullScreen();
  } else {
    window.resize(QSize(1024, 768).boundedTo(screen.size()));
    window.show();
  }
  model.start();
  return QCoreApplication::exec();
}
