#include "ui/headless.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <cstdio>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "core/poll_report.h"
#include "core/voter_simulator.h"
#include "tabella/util/bytes.h"
#include "ui/poll_report_pdf.h"

namespace tabella::kiosk {

namespace {

int usage(const std::string& what) {
  std::fprintf(stderr, "tabella-kiosk: %s\n", what.c_str());
  return 2;
}

// The first column of every line but the header ("token,precinct").
Result<std::vector<std::string>> read_tokens(const QString& path) {
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly)) {
    return make_error(ErrorCode::kIo, "cannot read: " + f.errorString().toStdString(),
                      path.toStdString());
  }
  std::vector<std::string> out;
  while (!f.atEnd()) {
    QByteArray line = f.readLine().trimmed();
    if (line.isEmpty() || line.startsWith("token")) continue;
    const auto comma = line.indexOf(',');
    out.push_back((comma < 0 ? line : line.left(comma)).toStdString());
    secure_zero(line.data(), static_cast<std::size_t>(line.size()));
  }
  return out;
}

const char* outcome_name(CastOutcome o) {
  switch (o) {
    case CastOutcome::kRecorded:
      return "recorded";
    case CastOutcome::kPending:
      return "pending";
    case CastOutcome::kRefused:
      return "refused";
  }
  return "refused";
}

void print_voter(const SimulatedVoter& v) {
  std::string line = "voter " + std::to_string(v.number) + " (" + v.language.toStdString() + "): ";
  if (v.challenged && !v.challenge_code.isEmpty()) {
    line += "checked " + v.challenge_code.toStdString() + " (opened, published, not counted); ";
  }
  line += "tracking code " +
          (v.tracking_code.isEmpty() ? std::string("-") : v.tracking_code.toStdString());
  switch (v.outcome) {
    case CastOutcome::kRecorded:
      line += ": recorded, receipt verified, ledger index " + std::to_string(v.index) + " (" +
              v.checkpoint.toStdString() + ")";
      break;
    case CastOutcome::kPending:
      line +=
          ": pending - recorded on this kiosk; confirmation from the election record is "
          "pending";
      break;
    case CastOutcome::kRefused:
      line += ": NOT recorded - " + v.error.toStdString();
      break;
  }
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}

QJsonObject summary_json(const SimulationReport& r, const KioskModel& model) {
  QJsonObject counts;
  for (const auto& [contest, per] : r.counts) {
    QJsonObject o;
    for (const auto& [choice, n] : per) o[QString::fromStdString(choice)] = static_cast<qint64>(n);
    counts[QString::fromStdString(contest)] = o;
  }
  QJsonArray voters;
  for (const auto& v : r.voters) {
    voters.append(
        QJsonObject{{QStringLiteral("voter"), v.number},
                    {QStringLiteral("language"), v.language},
                    {QStringLiteral("challenged"), v.challenged},
                    {QStringLiteral("tracking_code"), v.tracking_code},
                    {QStringLiteral("code"), v.code_hex},
                    {QStringLiteral("outcome"), QString::fromUtf8(outcome_name(v.outcome))},
                    {QStringLiteral("index"), static_cast<qint64>(v.index)},
                    {QStringLiteral("error"), v.error}});
  }
  return QJsonObject{{QStringLiteral("ok"), r.all_confirmed()},
                     {QStringLiteral("kiosk"), model.kiosk_public_key_hex()},
                     {QStringLiteral("fingerprint"), model.kiosk_fingerprint()},
                     {QStringLiteral("cast"), r.recorded + r.pending},
                     {QStringLiteral("recorded"), r.recorded},
                     {QStringLiteral("pending"), r.pending},
                     {QStringLiteral("refused"), r.refused},
                     {QStringLiteral("challenged"), r.challenged},
                     {QStringLiteral("drained"), r.drained},
                     {QStringLiteral("queue_left"), static_cast<qint64>(r.queue_left)},
                     {QStringLiteral("rejected_new"), static_cast<qint64>(r.rejected_new)},
                     {QStringLiteral("counts"), counts},
                     {QStringLiteral("voters"), voters}};
}

}  // namespace

int run_headless(KioskModel::Options options, const HeadlessArgs& args) {
  if (args.voters < 0 || args.skip_tokens < 0 || args.challenge < 0 || args.drain_timeout_s < 0) {
    return usage("--simulate-voters, --skip-tokens, --challenge and --drain-timeout are >= 0");
  }
  SimulationOptions o;
  if (args.voters > 0) {
    if (args.tokens_file.isEmpty() && args.tokens.empty()) {
      return usage("--simulate-voters needs --tokens FILE");
    }
    auto tokens = args.tokens_file.isEmpty() ? Result<std::vector<std::string>>(args.tokens)
                                             : read_tokens(args.tokens_file);
    if (!tokens.ok()) return usage(tokens.error().describe());
    const auto need = static_cast<std::size_t>(args.skip_tokens + args.voters);
    if (tokens->size() < need) {
      return usage(
          (args.tokens_file.isEmpty() ? std::string("the demo") : args.tokens_file.toStdString()) +
          " has " + std::to_string(tokens->size()) + " tokens; --skip-tokens " +
          std::to_string(args.skip_tokens) + " --simulate-voters " + std::to_string(args.voters) +
          " need " + std::to_string(need));
    }
    o.tokens.assign(tokens->begin() + args.skip_tokens, tokens->begin() + static_cast<long>(need));
    for (auto& t : *tokens) secure_zero(t.data(), t.size());
  }
  if (args.pin_stdin) {
    std::string pin;
    std::getline(std::cin, pin);
    o.pin = QString::fromStdString(pin);
    secure_zero(pin.data(), pin.size());
  }
  o.challenge = args.challenge;
  o.seed = args.seed != 0 ? args.seed : std::random_device{}();
  o.drain_timeout_ms = args.drain_timeout_s * 1000;

  KioskModel model(std::move(options));
  model.start();
  std::printf("kiosk %s: %zu voters, %d checking a ballot first, choices seed %llu\n",
              qPrintable(model.kiosk_fingerprint()), o.tokens.size(),
              std::min(o.challenge, args.voters), static_cast<unsigned long long>(o.seed));
  std::fflush(stdout);
  auto report = simulate_voters(model, o, print_voter);
  for (auto& t : o.tokens) secure_zero(t.data(), t.size());
  if (!report.ok()) {
    std::fprintf(stderr, "tabella-kiosk: %s\n", report.error().describe().c_str());
    return 1;
  }
  const SimulationReport& r = *report;
  std::printf(
      "kiosk %s: %d recorded at once, %d pending, %d not recorded, %d checked; queue %s; %s\n",
      qPrintable(model.kiosk_fingerprint()), r.recorded, r.pending, r.refused, r.challenged,
      r.drained ? "drained (every entry delivered with a verified receipt)"
                : (std::to_string(r.queue_left) + " entries waiting").c_str(),
      r.all_confirmed() ? "every ballot confirmed by the ledger"
                        : "NOT every ballot confirmed by the ledger");
  if (r.rejected_new > 0) {
    std::printf("kiosk: %llu entries refused by the ledger (see the poll-worker screen)\n",
                static_cast<unsigned long long>(r.rejected_new));
  }
  if (!args.json_file.isEmpty()) {
    QFile f(args.json_file);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate) ||
        f.write(QJsonDocument(summary_json(r, model)).toJson()) < 0) {
      std::fprintf(stderr, "tabella-kiosk: cannot write %s\n", qPrintable(args.json_file));
      return 1;
    }
  }
  return r.all_confirmed() ? 0 : 1;
}

int run_poll_report(KioskModel::Options options, const QString& kind, const QString& out) {
  PollReportKind k;
  if (kind == QStringLiteral("opened")) {
    k = PollReportKind::kOpened;
  } else if (kind == QStringLiteral("closed")) {
    k = PollReportKind::kClosed;
  } else {
    return usage("--poll-report takes \"opened\" or \"closed\", not \"" + kind.toStdString() +
                 "\"");
  }
  std::string pin;
  std::getline(std::cin, pin);
  KioskModel model(std::move(options));
  model.start();
  if (!pump_until([&] { return model.ready() || model.not_enrolled(); }, 120000) ||
      !model.ready()) {
    std::fprintf(stderr, "tabella-kiosk: the election is not loaded: %s\n",
                 qPrintable(model.technical_detail().isEmpty() ? model.unavailable_text()
                                                               : model.technical_detail()));
    secure_zero(pin.data(), pin.size());
    return 1;
  }
  model.enter_poll_worker();
  model.submit_pin(QString::fromStdString(pin));
  secure_zero(pin.data(), pin.size());
  if (model.screen() != Screen::kPollWorker) {
    std::fprintf(stderr, "tabella-kiosk: poll-worker PIN refused: %s\n",
                 qPrintable(model.notice()));
    return 1;
  }
  model.request_poll_report(k);
  if (!pump_until([&] { return model.poll_report().has_value(); }, 120000)) {
    std::fprintf(stderr, "tabella-kiosk: the report was not made in time\n");
    return 1;
  }
  const PollReport report = *model.poll_report();
  model.leave_poll_worker();
  for (const QString& line : report.lines()) std::printf("%s\n", qPrintable(line));
  if (!report.produced) return 1;
  QString path = out;
  if (QFileInfo(out).isDir()) path = QDir(out).filePath(poll_report_file_name(report));
  if (auto s = write_poll_report_pdf(report, path); !s.ok()) {
    std::fprintf(stderr, "tabella-kiosk: %s\n", s.error().describe().c_str());
    return 1;
  }
  std::printf("wrote %s\n", qPrintable(path));
  return report.ok() ? 0 : 1;
}

}  // namespace tabella::kiosk
