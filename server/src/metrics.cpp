#include "tabella/server/metrics.h"

#include <cstdio>
#include <ctime>

namespace tabella::server {

namespace {
std::string format_double(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

void counter(std::string& out, const char* name, const char* help, std::uint64_t value) {
  render_metric(out, name, "counter", help, value);
}
}  // namespace

void render_metric(std::string& out, const char* name, const char* type, const char* help,
                   std::uint64_t value) {
  out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" +
         name + " " + std::to_string(value) + "\n";
}

Histogram::Histogram(std::vector<double> upper_bounds)
    : bounds_(std::move(upper_bounds)), counts_(bounds_.size() + 1, 0) {}

void Histogram::observe(double value) {
  MutexLock lock(mu_);
  std::size_t i = 0;
  while (i < bounds_.size() && value > bounds_[i]) ++i;
  ++counts_[i];
  sum_ += value;
  ++count_;
}

void Histogram::render(std::string& out, std::string_view name, std::string_view labels) const {
  MutexLock lock(mu_);
  std::string n(name);
  std::string l(labels);
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    cumulative += counts_[i];
    std::string le = i < bounds_.size() ? format_double(bounds_[i]) : "+Inf";
    out += n + "_bucket{" + l + "le=\"" + le + "\"} " + std::to_string(cumulative) + "\n";
  }
  std::string braces = l.empty() ? "" : "{" + l.substr(0, l.size() - 1) + "}";
  out += n + "_sum" + braces + " " + format_double(sum_) + "\n";
  out += n + "_count" + braces + " " + std::to_string(count_) + "\n";
}

Metrics::Metrics()
    : latency_({0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}),
      batch_sizes_({1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096}),
      commit_seconds_({0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1}) {}

void Metrics::observe_request(std::string_view route, unsigned status, double seconds) {
  {
    MutexLock lock(mu_);
    ++requests_[{std::string(route), status}];
  }
  latency_.observe(seconds);
}

void Metrics::observe_commit(std::size_t batch_size, double seconds) {
  ++commits_;
  entries_appended_ += batch_size;
  batch_sizes_.observe(static_cast<double>(batch_size));
  commit_seconds_.observe(seconds);
}

void Metrics::add_entries_by_type(std::string_view type, std::uint64_t n) {
  MutexLock lock(mu_);
  by_type_[std::string(type)] += n;
}

void Metrics::add_stage_seconds(std::string_view stage, double seconds) {
  MutexLock lock(mu_);
  stage_seconds_[std::string(stage)] += seconds;
}

void Metrics::add_rejection(std::string_view reason) {
  MutexLock lock(mu_);
  ++rejections_[std::string(reason)];
}

void Metrics::add_refusal(std::string_view reason) {
  MutexLock lock(mu_);
  ++refusals_[std::string(reason)];
}

std::uint64_t Metrics::refusals(std::string_view reason) const {
  MutexLock lock(mu_);
  auto it = refusals_.find(std::string(reason));
  return it == refusals_.end() ? 0 : it->second;
}

std::string Metrics::render() const {
  std::string out;
  out +=
      "# HELP tabella_ledger_http_requests_total HTTP requests by route and status.\n"
      "# TYPE tabella_ledger_http_requests_total counter\n";
  {
    MutexLock lock(mu_);
    for (const auto& [key, value] : requests_) {
      out += "tabella_ledger_http_requests_total{route=\"" + key.first + "\",status=\"" +
             std::to_string(key.second) + "\"} " + std::to_string(value) + "\n";
    }
  }
  out +=
      "# HELP tabella_ledger_http_request_duration_seconds Time from parsed request to response.\n"
      "# TYPE tabella_ledger_http_request_duration_seconds histogram\n";
  latency_.render(out, "tabella_ledger_http_request_duration_seconds", "");
  counter(out, "tabella_ledger_entries_appended_total", "Entries durably appended.",
          entries_appended_.load());
  counter(out, "tabella_ledger_commits_total", "Committed transactions (one fsync each).",
          commits_.load());
  counter(out, "tabella_ledger_commit_failures_total", "Transactions that failed to commit.",
          commit_failures_.load());
  counter(out, "tabella_ledger_batch_rollbacks_total",
          "Failed commits (lost cluster races) undone in memory.", rollbacks_.load());
  counter(out, "tabella_ledger_state_rebuilds_total",
          "Failed commits after which the state was rebuilt from storage.", rebuilds_.load());
  counter(out, "tabella_ledger_duplicate_appends_total",
          "Appends answered with the index of an identical stored entry.", duplicates_.load());
  counter(out, "tabella_ledger_proof_checks_total",
          "Entries that reached the proof stage (every cheaper check passed first).",
          proof_checks_.load());
  counter(out, "tabella_ledger_early_proofs_total",
          "Remote entries whose proofs this node had checked before they came back from the "
          "cluster log (ballots it sent on to the appender): not checked again.",
          early_proofs_.load());
  counter(out, "tabella_ledger_early_decodes_total",
          "Remote entries applied from what this node decoded and signature-checked when they "
          "came in (ballots it sent on to the appender): not decoded again.",
          early_decodes_.load());
  out +=
      "# HELP tabella_ledger_optimistic_appends_total Cluster batches answered without a "
      "catch-up first (won), or caught up and validated again after all (retried).\n"
      "# TYPE tabella_ledger_optimistic_appends_total counter\n"
      "tabella_ledger_optimistic_appends_total{outcome=\"won\"} " +
      std::to_string(optimistic_won_.load()) +
      "\n"
      "tabella_ledger_optimistic_appends_total{outcome=\"retried\"} " +
      std::to_string(optimistic_retried_.load()) + "\n";
  counter(out, "tabella_ledger_rejected_appends_total", "Appends refused by the validator.",
          rejected_.load());
  counter(out, "tabella_ledger_ballots_total", "Ballots appended (cast and challenged).",
          ballots_.load());
  counter(out, "tabella_ledger_fsyncs_total",
          "Durable transactions (entry batches and stored checkpoints), one fsync each.",
          fsyncs_.load());
  {
    MutexLock lock(mu_);
    out +=
        "# HELP tabella_ledger_entries_by_type_total Entries appended, by entry type.\n"
        "# TYPE tabella_ledger_entries_by_type_total counter\n";
    for (const auto& [type, n] : by_type_) {
      out +=
          "tabella_ledger_entries_by_type_total{type=\"" + type + "\"} " + std::to_string(n) + "\n";
    }
    out +=
        "# HELP tabella_ledger_stage_seconds_total Time per stage: thread CPU seconds; commit and "
        "*_wall: wall.\n"
        "# TYPE tabella_ledger_stage_seconds_total counter\n";
    for (const auto& [stage, sec] : stage_seconds_) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.6f", sec);
      out += "tabella_ledger_stage_seconds_total{stage=\"" + stage + "\"} " + buf + "\n";
    }
    out +=
        "# HELP tabella_ledger_rejections_total Submissions refused, by reason.\n"
        "# TYPE tabella_ledger_rejections_total counter\n";
    for (const auto& [reason, n] : rejections_) {
      out +=
          "tabella_ledger_rejections_total{reason=\"" + reason + "\"} " + std::to_string(n) + "\n";
    }
  }
  out +=
      "# HELP tabella_ledger_http_refusals_total Requests refused at the HTTP boundary, by "
      "reason.\n"
      "# TYPE tabella_ledger_http_refusals_total counter\n";
  {
    MutexLock lock(mu_);
    for (const auto& [reason, n] : refusals_) {
      out += "tabella_ledger_http_refusals_total{reason=\"" + reason + "\"} " + std::to_string(n) +
             "\n";
    }
  }
  out +=
      "# HELP tabella_ledger_commit_batch_size Entries per committed transaction.\n"
      "# TYPE tabella_ledger_commit_batch_size histogram\n";
  batch_sizes_.render(out, "tabella_ledger_commit_batch_size", "");
  out +=
      "# HELP tabella_ledger_commit_duration_seconds Time of one commit including fsync.\n"
      "# TYPE tabella_ledger_commit_duration_seconds histogram\n";
  commit_seconds_.render(out, "tabella_ledger_commit_duration_seconds", "");
  std::vector<std::function<std::string()>> sources;
  {
    MutexLock lock(mu_);
    sources = sources_;
  }
  for (const auto& source : sources) out += source();
  return out;
}

void Metrics::add_source(std::function<std::string()> source) {
  MutexLock lock(mu_);
  sources_.push_back(std::move(source));
}

double StageTimer::thread_cpu() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

}  // namespace tabella::server
