#include "tabella/server/append_forwarder.h"

#include <algorithm>
#include <atomic>
#include <deque>
#include <nlohmann/json.hpp>
#include <thread>
#include <utility>
#include <vector>

#include "tabella/http/client.h"
#include "tabella/server/log.h"
#include "tabella/server/metrics.h"
#include "tabella/util/mutex.h"

namespace tabella::server {

namespace {

// The index and duplicate flag of a POST /v1/entries 200 body, or an error naming the member.
Result<AppenderReply> parse_appender_reply(std::string_view body) {
  auto j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return Error{ErrorCode::kInvalidArgument, "the appender's reply is not a JSON object", "body"};
  }
  auto index = j.find("index");
  if (index == j.end() || !index->is_number_unsigned()) {
    return Error{ErrorCode::kInvalidArgument, "the appender's reply has no unsigned 'index'",
                 "index"};
  }
  auto duplicate = j.find("duplicate");
  if (duplicate == j.end() || !duplicate->is_boolean()) {
    return Error{ErrorCode::kInvalidArgument, "the appender's reply has no boolean 'duplicate'",
                 "duplicate"};
  }
  return AppenderReply{index->get<std::uint64_t>(), duplicate->get<bool>()};
}

}  // namespace

struct AppendForwarder::Impl {
  struct Item {
    std::string body;
    Done done;
  };

  http::Url url;
  std::string url_text;
  Options options;

  Mutex mu;
  CondVar cv;
  std::deque<Item> queue TABELLA_GUARDED_BY(mu);
  bool stopping TABELLA_GUARDED_BY(mu) = false;
  std::vector<std::thread> threads;

  std::atomic<std::int64_t> cool_until{0};  // steady_clock ticks
  std::atomic<bool> unreachable{false};     // for one log line per outage
  // Shared with the metrics source, which may outlive the forwarder.
  struct Counters {
    std::atomic<std::uint64_t> stored{0}, declined{0}, failed{0};
  };
  std::shared_ptr<Counters> counts = std::make_shared<Counters>();

  static std::int64_t now_ticks() {
    return std::chrono::steady_clock::now().time_since_epoch().count();
  }
  bool cooling() const { return now_ticks() < cool_until.load(); }

  void run() {
    http::Options http_options;
    http_options.timeout = options.timeout;
    http_options.peer_name = "cluster appender";
    http_options.busy_retries = 0;  // a busy appender: this node appends the entry itself
    http_options.body_limit = 1u << 20;
    http::Client client = http::Client::create(url, http_options);
    for (;;) {
      Item item;
      {
        MutexLock lock(mu);
        while (!stopping && queue.empty()) cv.wait(mu);
        if (stopping) return;
        item = std::move(queue.front());
        queue.pop_front();
      }
      item.done(send(client, std::move(item.body)));
    }
  }

  std::optional<AppenderReply> send(http::Client& client, std::string body) {
    if (cooling()) {  // another thread failed to reach it since this entry was queued
      ++counts->failed;
      return std::nullopt;
    }
    http::Request request;
    request.method = "POST";
    request.target = "/v1/entries";
    request.body = std::move(body);
    request.content_type = "application/json";
    request.headers.emplace_back("X-Tabella-Forwarded", "1");
    auto response = client.request(request);
    if (!response) {
      ++counts->failed;
      cool_until =
          now_ticks() +
          std::chrono::duration_cast<std::chrono::steady_clock::duration>(options.cooldown).count();
      if (!unreachable.exchange(true)) {
        log_event(LogLevel::kWarn, "appender_unreachable",
                  {{"message", response.error().describe()},
                   {"action", "this node appends its entries itself for " +
                                  std::to_string(options.cooldown.count()) +
                                  " ms, then tries the appender again"}});
      }
      return std::nullopt;
    }
    if (unreachable.exchange(false)) {
      log_event(LogLevel::kInfo, "appender_reachable", {{"url", url_text}});
    }
    if (response->status != 200) {
      ++counts->failed;
      return std::nullopt;
    }
    auto reply = parse_appender_reply(response->body);
    if (!reply) {
      ++counts->failed;
      return std::nullopt;
    }
    ++counts->stored;
    return *reply;
  }

  static std::string render(const Counters& c) {
    std::string out =
        "# HELP tabella_ledger_forwarded_total POST /v1/entries bodies sent on to the cluster "
        "appender, by outcome (stored: it answered with an index; failed: no usable answer; "
        "declined: not sent, appender cooling down or queue full)\n"
        "# TYPE tabella_ledger_forwarded_total counter\n";
    out += "tabella_ledger_forwarded_total{outcome=\"stored\"} " + std::to_string(c.stored.load()) +
           "\n";
    out += "tabella_ledger_forwarded_total{outcome=\"failed\"} " + std::to_string(c.failed.load()) +
           "\n";
    out += "tabella_ledger_forwarded_total{outcome=\"declined\"} " +
           std::to_string(c.declined.load()) + "\n";
    return out;
  }
};

Result<std::unique_ptr<AppendForwarder>> AppendForwarder::create(std::string_view appender_url,
                                                                 Options options,
                                                                 Metrics* metrics) {
  auto url = http::Url::parse(appender_url);
  if (!url) return url.error().with_prefix("cluster-appender");
  auto impl = std::make_unique<Impl>();
  impl->url = *url;
  impl->url_text = std::string(appender_url);
  impl->options = options;
  std::unique_ptr<AppendForwarder> forwarder(new AppendForwarder(std::move(impl)));
  Impl* raw = forwarder->impl_.get();
  if (metrics) metrics->add_source([counts = raw->counts] { return Impl::render(*counts); });
  for (std::size_t i = 0; i < std::max<std::size_t>(1, options.threads); ++i) {
    raw->threads.emplace_back([raw] { raw->run(); });
  }
  return forwarder;
}

AppendForwarder::AppendForwarder(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

AppendForwarder::~AppendForwarder() {
  std::deque<Impl::Item> left;
  {
    MutexLock lock(impl_->mu);
    impl_->stopping = true;
    left.swap(impl_->queue);
  }
  impl_->cv.notify_all();
  for (auto& t : impl_->threads) t.join();
  for (auto& item : left) item.done(std::nullopt);
}

bool AppendForwarder::forward(std::string body, Done done) {
  if (impl_->cooling()) {
    ++impl_->counts->declined;
    return false;
  }
  {
    MutexLock lock(impl_->mu);
    if (impl_->stopping || impl_->queue.size() >= impl_->options.max_waiting) {
      ++impl_->counts->declined;
      return false;
    }
    impl_->queue.push_back(Impl::Item{std::move(body), std::move(done)});
  }
  impl_->cv.notify_one();
  return true;
}

}  // namespace tabella::server
