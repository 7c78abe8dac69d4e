// Metrics: the server's counters and histograms, rendered in the Prometheus text exposition
// format (version 0.0.4) for GET /metrics. Names are prefixed tabella_ledger_.
//
// Thread-safety: every method may be called from any thread (atomics and one mutex).
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tabella/util/mutex.h"

namespace tabella::server {

// A fixed-bucket histogram (cumulative buckets at render time).
class Histogram {
 public:
  explicit Histogram(std::vector<double> upper_bounds);
  void observe(double value);
  // Appends "<name>_bucket{<labels>le=...} n", _sum and _count lines.
  void render(std::string& out, std::string_view name, std::string_view labels) const;

 private:
  std::vector<double> bounds_;
  mutable Mutex mu_;
  std::vector<std::uint64_t> counts_ TABELLA_GUARDED_BY(mu_);  // one per bound, plus +Inf
  double sum_ TABELLA_GUARDED_BY(mu_) = 0;
  std::uint64_t count_ TABELLA_GUARDED_BY(mu_) = 0;
};

// Appends one unlabelled metric in Prometheus text (HELP, TYPE "counter" or "gauge", value).
void render_metric(std::string& out, const char* name, const char* type, const char* help,
                   std::uint64_t value);

class Metrics {
 public:
  Metrics();

  // One HTTP request finished. route is the matched route pattern ("unmatched" for 404s) so the
  // label set stays bounded.
  void observe_request(std::string_view route, unsigned status, double seconds);
  // One committed transaction (one fsync) holding batch_size appended entries.
  void observe_commit(std::size_t batch_size, double seconds);
  void add_duplicates(std::uint64_t n) { duplicates_ += n; }
  // Entries that reached the proof stage (every cheaper check passed first).
  void add_proof_checks(std::uint64_t n) { proof_checks_ += n; }
  void add_early_proofs(std::uint64_t n) { early_proofs_ += n; }
  void add_early_decodes(std::uint64_t n) { early_decodes_ += n; }
  // Cluster mode: a batch answered without a catch-up first (won), or caught up and validated
  // again after all (retried: the cluster had grown, something was refused, or an entry the
  // appender stored was not in the copy yet).
  void add_optimistic_appends(bool won) { (won ? optimistic_won_ : optimistic_retried_) += 1; }
  std::uint64_t proof_checks() const { return proof_checks_.load(); }
  void add_rejected(std::uint64_t n) { rejected_ += n; }
  void add_commit_failures(std::uint64_t n) { commit_failures_ += n; }
  // After a failed commit: the batch undone in memory, or the state rebuilt from storage.
  void add_rollbacks(std::uint64_t n) { rollbacks_ += n; }
  void add_rebuilds(std::uint64_t n) { rebuilds_ += n; }
  std::uint64_t rollbacks() const { return rollbacks_.load(); }
  std::uint64_t rebuilds() const { return rebuilds_.load(); }
  // Election ledger counters: appended entries by type name ("cast-ballot"), rejected
  // submissions by reason (the error code name, "unknown_author" for 401s), ballots (cast and
  // challenged), fsyncs (transactions: batches and stored checkpoints).
  void add_entries_by_type(std::string_view type, std::uint64_t n);
  void add_rejection(std::string_view reason);
  // Requests the HTTP boundary refused before any handler ran, by reason (e.g. "bad_framing").
  void add_refusal(std::string_view reason);
  std::uint64_t refusals(std::string_view reason) const;
  void add_ballots(std::uint64_t n) { ballots_ += n; }
  void add_fsyncs(std::uint64_t n) { fsyncs_ += n; }
  std::uint64_t fsyncs() const { return fsyncs_.load(); }
  // Time spent by stage (timing counters; perf is not always at hand): thread CPU seconds of
  // "precheck", "validate", "merkle", "publish", "receipt"; wall seconds of "commit" (fsync).
  void add_stage_seconds(std::string_view stage, double seconds);

  std::uint64_t entries_appended() const { return entries_appended_.load(); }
  std::uint64_t commits() const { return commits_.load(); }

  // More Prometheus text appended to render() (e.g. the cluster storage's counters). Call
  // before serving; `source` must stay callable while render() may run.
  void add_source(std::function<std::string()> source);

  std::string render() const;

 private:
  mutable Mutex mu_;
  std::map<std::pair<std::string, unsigned>, std::uint64_t> requests_ TABELLA_GUARDED_BY(mu_);
  std::map<std::string, std::uint64_t> by_type_ TABELLA_GUARDED_BY(mu_);
  std::map<std::string, std::uint64_t> rejections_ TABELLA_GUARDED_BY(mu_);
  std::map<std::string, std::uint64_t> refusals_ TABELLA_GUARDED_BY(mu_);
  std::map<std::string, double> stage_seconds_ TABELLA_GUARDED_BY(mu_);
  std::vector<std::function<std::string()>> sources_ TABELLA_GUARDED_BY(mu_);
  std::atomic<std::uint64_t> ballots_{0};
  std::atomic<std::uint64_t> fsyncs_{0};
  Histogram latency_;
  Histogram batch_sizes_;
  Histogram commit_seconds_;
  std::atomic<std::uint64_t> entries_appended_{0};
  std::atomic<std::uint64_t> commits_{0};
  std::atomic<std::uint64_t> duplicates_{0};
  std::atomic<std::uint64_t> proof_checks_{0};
  std::atomic<std::uint64_t> early_proofs_{0};
  std::atomic<std::uint64_t> early_decodes_{0};
  std::atomic<std::uint64_t> optimistic_won_{0};
  std::atomic<std::uint64_t> optimistic_retried_{0};
  std::atomic<std::uint64_t> rejected_{0};
  std::atomic<std::uint64_t> commit_failures_{0};
  std::atomic<std::uint64_t> rollbacks_{0};
  std::atomic<std::uint64_t> rebuilds_{0};
};

// Adds the calling thread's CPU time since construction to a stage counter (CPU, not wall
// time: on a busy machine wall time mostly measures preemption).
class StageTimer {
 public:
  StageTimer(Metrics* m, const char* stage) : m_(m), stage_(stage), start_(thread_cpu()) {}
  ~StageTimer() {
    if (m_) m_->add_stage_seconds(stage_, thread_cpu() - start_);
  }
  static double thread_cpu();

 private:
  Metrics* m_;
  const char* stage_;
  double start_;
};

}  // namespace tabella::server
