#include "tabella/server/etcd/etcd_storage.h"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>

#include "etcd_json.h"
#include "tabella/http/client.h"

namespace tabella::server::etcd {

using json = nlohmann::json;

Result<std::vector<http::Url>> parse_etcd_url(std::string_view url) {
  if (url.substr(0, 7) != "etcd://") {
    return make_error(ErrorCode::kInvalidArgument, "must start with etcd://", "cluster");
  }
  url.remove_prefix(7);
  std::vector<http::Url> out;
  while (!url.empty()) {
    auto comma = url.find(',');
    auto item = url.substr(0, comma);
    auto ep = http::Url::parse(item, http::kEndpointRules);
    if (!ep) return ep.error().with_prefix("cluster");
    out.push_back(*ep);
    if (comma == std::string_view::npos) break;
    url.remove_prefix(comma + 1);
  }
  if (out.empty()) return make_error(ErrorCode::kInvalidArgument, "no endpoint", "cluster");
  return out;
}

using detail::b64;
using detail::kv_value;

namespace {

std::string index_key(const std::string& prefix, std::uint64_t i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%020llu", static_cast<unsigned long long>(i));
  return prefix + "log/" + buf;
}

}  // namespace

// The JSON gateway with failover across members. Connections are kept alive: each member has a
// few idle http::Clients (one per concurrent caller: the committer, the witness side, a
// benchmark's reader), so a request costs no TCP handshake. A kept-alive connection the member
// closed is re-opened once by http::Client; a transaction sent twice that way is harmless (its
// compare fails and the entries its failure branch reads are this node's own).
struct EtcdStorage::Client {
  EtcdOptions options;
  Mutex mu;
  std::size_t preferred TABELLA_GUARDED_BY(mu) = 0;
  std::vector<std::vector<http::Client>> idle TABELLA_GUARDED_BY(mu);  // per endpoint

  http::Client take(std::size_t i) {
    {
      MutexLock lock(mu);
      if (idle.size() < options.endpoints.size()) idle.resize(options.endpoints.size());
      if (!idle[i].empty()) {
        http::Client c = std::move(idle[i].back());
        idle[i].pop_back();
        return c;
      }
    }
    http::Options o;
    o.timeout = std::chrono::milliseconds(2000);
    o.peer_name = "etcd member";
    o.busy_retries = 0;  // failover to the next member instead
    o.keep_alive = true;
    return http::Client::create(options.endpoints[i], o);
  }
  void give_back(std::size_t i, http::Client c) {
    MutexLock lock(mu);
    if (idle[i].size() < 4) idle[i].push_back(std::move(c));
  }

  Result<json> call(const std::string& path, const json& body) {
    auto deadline = std::chrono::steady_clock::now() + options.timeout;
    std::size_t start;
    {
      MutexLock lock(mu);
      start = preferred;
    }
    std::string text = body.dump();
    Error last{ErrorCode::kIo, "no etcd endpoint", "etcd"};
    for (std::size_t attempt = 0;; ++attempt) {
      std::size_t i = (start + attempt) % options.endpoints.size();
      http::Client client = take(i);
      auto r = client.request(http::Request{"POST", path, text, "application/json", {}});
      // A connection that failed is dropped; one that answered goes back to the pool.
      if (r) give_back(i, std::move(client));
      if (r && r->status == 200) {
        json doc = json::parse(r->body, nullptr, /*allow_exceptions=*/false);
        if (doc.is_discarded()) {
          return make_error(ErrorCode::kIo, "etcd answered invalid JSON", "etcd" + path);
        }
        MutexLock lock(mu);
        preferred = i;
        return doc;
      }
      if (r) {
        last = Error{ErrorCode::kIo,
                     "etcd member " + options.endpoints[i].authority() + " answered " +
                         std::to_string(r->status) + ": " + r->body.substr(0, 200),
                     "etcd" + path};
        // 4xx other than 408/429: the request itself is wrong; do not retry elsewhere.
        if (r->status >= 400 && r->status < 500 && r->status != 408 && r->status != 429) {
          return last;
        }
      } else {
        last = r.error();
      }
      if (std::chrono::steady_clock::now() >= deadline) return last;
      if ((attempt + 1) % options.endpoints.size() == 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    }
  }

  // Entries [from, from + count) as stored in etcd (fewer if the log is shorter).
  Result<std::vector<Bytes>> range(const std::string& prefix, std::uint64_t from,
                                   std::uint64_t count) {
    json req{{"key", b64(index_key(prefix, from))},
             {"range_end", b64(prefix + "log0")},  // '0' follows '/'
             {"limit", std::to_string(count)}};
    auto doc = call("/v3/kv/range", req);
    if (!doc) return doc.error();
    return entries_of(*doc, prefix, from);
  }

  // A range request over P log/ from `from` on (as in range()), for a transaction.
  static json log_range_op(const std::string& prefix, std::uint64_t from, std::uint64_t count) {
    return json{{"requestRange",
                 {{"key", b64(index_key(prefix, from))},
                  {"range_end", b64(prefix + "log0")},
                  {"limit", std::to_string(count)}}}};
  }

  // The entries of a range answer over P log/ that started at `from`: consecutive, no gap.
  static Result<std::vector<Bytes>> entries_of(const json& range_answer, const std::string& prefix,
                                               std::uint64_t from) {
    std::vector<Bytes> out;
    if (!range_answer.contains("kvs")) return out;
    for (const auto& kv : range_answer["kvs"]) {
      auto key = from_base64(kv["key"].get<std::string>());
      if (!key || to_string(*key) != index_key(prefix, from + out.size())) {
        return make_error(ErrorCode::kConflict, "the cluster log has a gap", "etcd");
      }
      auto v = kv_value(kv);
      if (!v) return v.error();
      out.push_back(std::move(*v));
    }
    return out;
  }
};

EtcdStorage::EtcdStorage(EtcdOptions options, std::unique_ptr<Storage> local)
    : options_(std::move(options)),
      local_(std::move(local)),
      client_(std::make_unique<Client>()),
      watched_(options_.watch_buffer_bytes) {
  client_->options = options_;
}

EtcdStorage::~EtcdStorage() {
  (void)close();
}

Result<std::unique_ptr<EtcdStorage>> EtcdStorage::open(EtcdOptions options,
                                                       std::unique_ptr<Storage> local) {
  if (options.endpoints.empty()) {
    return make_error(ErrorCode::kInvalidArgument, "no etcd endpoint", "cluster");
  }
  if (options.origin.empty() || options.origin.find('\n') != std::string::npos) {
    return make_error(ErrorCode::kInvalidArgument, "an origin is required", "origin");
  }
  std::unique_ptr<EtcdStorage> s(new EtcdStorage(std::move(options), std::move(local)));
  // The local copy must be a prefix of the cluster log.
  auto n = s->local_->size();
  if (!n) return n.error();
  auto cluster = s->cluster_size();
  if (!cluster) return cluster.error();
  if (*n > *cluster) {
    return make_error(ErrorCode::kConflict,
                      "the local copy has " + std::to_string(*n) + " entries, the cluster log " +
                          std::to_string(*cluster) + ": this data dir is not from this cluster",
                      "data-dir");
  }
  if (*n > 0) {
    auto last = s->client_->range(s->prefix(), *n - 1, 1);
    auto mine = s->local_->read_range(*n - 1, 1);
    if (!last) return last.error();
    if (!mine) return mine.error();
    if (last->size() != 1 || *mine != *last) {
      return make_error(ErrorCode::kConflict,
                        "the local entry " + std::to_string(*n - 1) + " differs from the cluster's",
                        "data-dir");
    }
  }
  s->known_size_ = *n;
  if (s->options_.watch) {
    s->watcher_ = std::thread([p = s.get()] { p->watch_loop(); });
  }
  return s;
}

std::string EtcdStorage::prefix() const {
  return "/tabella/" + options_.origin + "/";
}

namespace {

// P size from a range answer over that key (no kvs: the key is absent, size 0).
Result<std::uint64_t> size_of(const json& range_answer) {
  if (!range_answer.contains("kvs") || range_answer["kvs"].empty()) return std::uint64_t{0};
  auto v = kv_value(range_answer["kvs"][0]);
  if (!v) return v.error();
  try {
    return static_cast<std::uint64_t>(std::stoull(to_string(*v)));
  } catch (const std::exception&) {
    return make_error(ErrorCode::kInvalidEncoding, "the size key is not a number", "etcd");
  }
}

// The range answer at `i` of a transaction's answer (an empty object when absent).
json txn_range(const json& txn_answer, std::size_t i) {
  const auto& responses = txn_answer.value("responses", json::array());
  if (i >= responses.size()) return json::object();
  return responses[i].value("response_range", json::object());
}

}  // namespace

// One round trip for what a catch-up needs: a read-only transaction (etcd serves it as a
// linearizable read, no Raft proposal) reads P size and the first prefetch_entries entries after
// the local copy from the same revision. The entries are kept for the fetch_remote() that
// follows (they are immutable once in the log: a position is written only by the compare on
// P size), so catching up costs one round trip instead of two.
Result<std::uint64_t> EtcdStorage::cluster_size() {
  auto n = local_->size();
  if (!n) return n.error();
  json success = json::array({json{{"requestRange", {{"key", b64(prefix() + "size")}}}}});
  if (options_.prefetch_entries > 0) {
    success.push_back(Client::log_range_op(prefix(), *n, options_.prefetch_entries));
  }
  auto doc = client_->call("/v3/kv/txn", json{{"success", success}});
  if (!doc) return doc.error();
  auto size = size_of(txn_range(*doc, 0));
  if (!size) return size.error();
  if (options_.prefetch_entries > 0) {
    auto entries = Client::entries_of(txn_range(*doc, 1), prefix(), *n);
    if (!entries) return entries.error();
    MutexLock lock(prefetch_mu_);
    prefetched_from_ = *n;
    prefetched_ = std::move(*entries);
    hinted_size_.reset();
  }
  return size;
}

Result<std::vector<std::uint64_t>> EtcdStorage::append_batch(std::vector<Bytes> entries,
                                                             BatchEffects effects) {
  MutexLock lock(append_mu_);
  auto n = local_->size();
  if (!n) return n.error();
  std::uint64_t pos = *n;
  std::size_t i = 0;
  while (i < entries.size()) {
    // One chunk: bounded by entries and bytes (base64 grows them by 4/3).
    std::size_t j = i, bytes = 0;
    while (j < entries.size() && j - i < options_.max_txn_entries &&
           (j == i || bytes + entries[j].size() * 4 / 3 <= options_.max_txn_bytes)) {
      bytes += entries[j].size() * 4 / 3 + 64;
      ++j;
    }
    json compare = json::array();
    if (pos == 0) {
      compare.push_back(json{{"key", b64(prefix() + "size")},
                             {"target", "VERSION"},
                             {"result", "EQUAL"},
                             {"version", "0"}});
    } else {
      compare.push_back(json{{"key", b64(prefix() + "size")},
                             {"target", "VALUE"},
                             {"result", "EQUAL"},
                             {"value", b64(std::to_string(pos))}});
    }
    json success = json::array();
    for (std::size_t k = i; k < j; ++k) {
      success.push_back(json{{"requestPut",
                              {{"key", b64(index_key(prefix(), pos + (k - i)))},
                               {"value", b64(ByteView(entries[k]))}}}});
    }
    success.push_back(
        json{{"requestPut",
              {{"key", b64(prefix() + "size")}, {"value", b64(std::to_string(pos + (j - i)))}}}});
    // Fairness under contention: a transaction that loses bumps P contend (its failure branch);
    // one that wins reads it back (its success branch), so a node learns, without an extra
    // round trip, that another node lost a race since its own last append (contended()).
    success.push_back(json{{"requestRange", {{"key", b64(prefix() + "contend")}}}});
    // The failure branch also reads what is at our positions and the size, so a lost race
    // costs no further round trip (the read-back below is only for a request that failed).
    json failure = json::array(
        {json{{"requestPut", {{"key", b64(prefix() + "contend")}, {"value", b64("")}}}},
         Client::log_range_op(prefix(), pos, std::max(j - i, options_.prefetch_entries)),
         json{{"requestRange", {{"key", b64(prefix() + "size")}}}}});
    own_target_ = pos + (j - i);
    auto doc = client_->call(
        "/v3/kv/txn", json{{"compare", compare}, {"success", success}, {"failure", failure}});
    ++txns_;
    bool committed = doc && doc->value("succeeded", false);
    if (committed) note_contend(*doc);
    if (doc && !committed) note_own_contend(*doc);
    if (!committed) {
      // Either someone else appended, or an earlier attempt of this very request committed
      // (a timeout after etcd applied it): the bytes at our positions tell.
      auto there = doc ? Client::entries_of(txn_range(*doc, 1), prefix(), pos)
                       : client_->range(prefix(), pos, j - i);
      bool ours = there && there->size() >= j - i &&
                  std::equal(there->begin(), there->begin() + static_cast<long>(j - i),
                             entries.begin() + static_cast<long>(i));
      if (!ours) {
        if (!doc) return doc.error();
        ++conflicts_;
        auto cs = size_of(txn_range(*doc, 2));
        if (cs && there && pos == *n) {
          // The catch-up that follows needs no round trip: the size and the first entries
          // after the local copy came with this answer (catch_up_target(), fetch_remote()).
          MutexLock prefetch_lock(prefetch_mu_);
          prefetched_from_ = pos;
          prefetched_ = std::move(*there);
          hinted_size_ = *cs;
        }
        return make_error(ErrorCode::kConflict,
                          "the cluster log grew to " + (cs ? std::to_string(*cs) : "?") +
                              " entries while this node has " + std::to_string(*n) +
                              "; catch up and validate again",
                          "etcd.size", ErrorReason::kAppendRace);
      }
    }
    pos += j - i;
    i = j;
  }
  // Committed in the cluster: now the local copy, with the effects, in one transaction.
  if (pos > known_size_.load()) known_size_ = pos;
  auto local = local_->append_batch(std::move(entries), std::move(effects));
  if (!local) {
    return make_error(ErrorCode::kIo,
                      "committed in the cluster but the local copy failed (it will catch up): " +
                          local.error().describe(),
                      "local");
  }
  return local;
}

Result<std::uint64_t> EtcdStorage::catch_up_target() {
  {
    MutexLock lock(prefetch_mu_);
    if (hinted_size_) {
      const std::uint64_t size = *hinted_size_;
      hinted_size_.reset();
      return size;
    }
  }
  // A size the watch saw, when the watch also delivered every entry from the local size up to
  // it: the catch-up then reads nothing from etcd (fetch_remote takes them from the buffer).
  // Nothing kept (a node watching the size alone): no local read either.
  bool kept = false;
  {
    MutexLock lock(prefetch_mu_);
    kept = !watched_.empty();
  }
  if (kept) {
    auto n = local_->size();
    if (!n) return n.error();
    MutexLock lock(prefetch_mu_);
    if (auto target = watched_.covered_target(*n)) {
      ++watch_fed_;
      return *target;
    }
  }
  ++read_catch_ups_;
  return cluster_size();
}

Result<std::vector<Bytes>> EtcdStorage::fetch_remote(std::size_t max_entries) {
  auto n = local_->size();
  if (!n) return n.error();
  Result<std::vector<Bytes>> r = std::vector<Bytes>{};
  bool prefetched = false;
  {
    // What the last cluster_size() read after the local copy, if it starts here.
    MutexLock lock(prefetch_mu_);
    if (prefetched_from_ == *n && !prefetched_.empty()) {
      const std::size_t k = std::min(max_entries, prefetched_.size());
      r->assign(std::make_move_iterator(prefetched_.begin()),
                std::make_move_iterator(prefetched_.begin() + static_cast<long>(k)));
      prefetched_.erase(prefetched_.begin(), prefetched_.begin() + static_cast<long>(k));
      prefetched_from_ += k;
      prefetched = true;
    }
    // Else what the watch delivered, once the entries the local copy holds are dropped.
    if (!prefetched) {
      *r = watched_.take(*n, max_entries);
      prefetched = !r->empty();
    }
  }
  if (!prefetched) r = client_->range(prefix(), *n, max_entries);
  if (!r) return r;
  MutexLock lock(fetched_mu_);
  fetched_from_ = *n;
  fetched_.clear();
  for (const auto& e : *r) fetched_.push_back(sha256(e));
  return r;
}

Status EtcdStorage::apply_remote(std::uint64_t first_index, std::vector<Bytes> entries,
                                 BatchEffects effects) {
  MutexLock lock(append_mu_);
  auto n = local_->size();
  if (!n) return n.error();
  if (first_index != *n) {
    return make_error(ErrorCode::kConflict,
                      "remote entries start at " + std::to_string(first_index) +
                          ", the local copy has " + std::to_string(*n),
                      "etcd");
  }
  bool fetched = false;
  {
    MutexLock fetched_lock(fetched_mu_);
    fetched = first_index == fetched_from_ && entries.size() <= fetched_.size() &&
              std::equal(entries.begin(), entries.end(), fetched_.begin(),
                         [](const Bytes& e, const Digest& h) { return sha256(e) == h; });
  }
  if (!fetched) {
    auto there = client_->range(prefix(), first_index, entries.size());
    if (!there) return there.error();
    if (*there != entries) {
      return make_error(ErrorCode::kConflict, "the entries differ from the cluster's", "etcd");
    }
  }
  const std::uint64_t end = first_index + entries.size();
  auto r = local_->append_batch(std::move(entries), std::move(effects));
  if (!r) return r.error();
  if (end > known_size_.load()) known_size_ = end;
  return Status::success();
}

void EtcdStorage::note_contend(const json& txn_answer) {
  // The last response of the success branch is the range of P contend.
  std::uint64_t revision = 0;
  const auto& responses = txn_answer.value("responses", json::array());
  if (!responses.empty()) {
    const auto& range = responses.back().value("response_range", json::object());
    const auto& kvs = range.value("kvs", json::array());
    if (!kvs.empty()) {
      try {
        revision = std::stoull(kvs[0].value("mod_revision", std::string("0")));
      } catch (const std::exception&) {
        revision = 0;
      }
    }
  }
  std::uint64_t seen = contend_revision_.exchange(revision);
  // P contend last written by this node's own lost race (its retry is what just won): nobody
  // else is known to be waiting, and yielding would only delay this node's next batch.
  if (revision != seen && revision != own_contend_revision_.load()) contended_.store(true);
}

void EtcdStorage::note_own_contend(const json& txn_answer) {
  // A transaction's writes carry the revision of its answer's header.
  try {
    own_contend_revision_.store(std::stoull(
        txn_answer.value("header", json::object()).value("revision", std::string("0"))));
  } catch (const std::exception&) {
    own_contend_revision_.store(0);
  }
}

Result<json> EtcdStorage::gateway(const std::string& path, const json& body) {
  return client_->call(path, body);
}

bool EtcdStorage::take_contended() {
  return contended_.exchange(false);
}

void EtcdStorage::set_remote_listener(std::function<void()> listener) {
  MutexLock lock(listener_mu_);
  listener_ = std::move(listener);
}

void EtcdStorage::watch(const std::string& key, const std::string& range_end,
                        const std::function<void(std::string_view)>& on_change,
                        const std::function<bool()>& running) const {
  // Each watch starts on a member of its own choosing and avoids the Raft leader, so the
  // streams of a cluster's nodes (which, with watch_entries, carry every entry) spread over the
  // followers: the leader's time goes to the appends, whose answer every receipt waits for.
  std::size_t member = std::random_device{}();
  auto is_leader = [](const http::Url& endpoint, http::Options o) {
    o.timeout = std::chrono::milliseconds(1000);  // unanswered: try the stream there anyway
    auto client = http::Client::create(endpoint, o);
    auto r = client.post_json("/v3/maintenance/status", "{}");
    if (!r || r->status != 200) return false;
    const json doc = json::parse(r->body, nullptr, /*allow_exceptions=*/false);
    if (!doc.is_object() || !doc.contains("header") || !doc["header"].is_object()) return false;
    const json& id = doc["header"].value("member_id", json());
    const json& leader = doc.value("leader", json());
    return id.is_string() && leader.is_string() && id == leader;
  };
  json create{{"key", b64(key)}};
  if (!range_end.empty()) create["range_end"] = b64(range_end);
  const std::string body = json{{"create_request", create}}.dump();
  while (running()) {
    http::Options o;
    o.timeout = std::chrono::milliseconds(3000);
    o.peer_name = "etcd member";
    if (options_.endpoints.size() > 1 &&
        is_leader(options_.endpoints[member % options_.endpoints.size()], o)) {
      ++member;
    }
    auto watcher = http::Client::create(options_.endpoints[member % options_.endpoints.size()], o);
    auto st = watcher.stream(
        http::Request{"POST", "/v3/watch", body, "application/json", {}},
        [&](std::string_view data) {
          on_change(data);
          return running();
        },
        running);
    if (!running()) break;
    // Idle timeouts end the stream every second; a failure moves to the next member. Either
    // way, tell the caller once (a change may have happened while not watching).
    on_change({});
    if (!st.ok()) {
      ++member;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
}

std::optional<EtcdStorage::WatchEvents> EtcdStorage::parse_watch_line(std::string_view line,
                                                                      const std::string& prefix) {
  const json doc = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return std::nullopt;
  const json& result = doc.contains("result") ? doc["result"] : doc;
  WatchEvents out;
  if (!result.is_object() || !result.contains("events")) return out;  // created, progress
  const std::string log = prefix + "log/";
  const std::string size_key = prefix + "size";
  try {
    for (const auto& event : result["events"]) {
      // Nothing deletes these keys: a DELETE, or an event without a kv, is not read here (the
      // caller then reads etcd).
      if (!event.is_object() || !event.contains("kv") || event.value("type", "PUT") != "PUT") {
        return std::nullopt;
      }
      const json& kv = event["kv"];
      auto key = from_base64(kv.at("key").get<std::string>());
      if (!key) return std::nullopt;
      const std::string k = to_string(*key);
      if (k == size_key) {
        auto size = size_of(json{{"kvs", json::array({kv})}});
        if (!size) return std::nullopt;
        out.size = std::max(out.size.value_or(0), *size);
      } else if (k.size() == log.size() + 20 && k.compare(0, log.size(), log) == 0 &&
                 k.find_first_not_of("0123456789", log.size()) == std::string::npos) {
        auto value = kv_value(kv);
        if (!value) return std::nullopt;
        out.entries.emplace_back(std::stoull(k.substr(log.size())), std::move(*value));
      }
    }
  } catch (const std::exception&) {  // a field of the wrong type
    return std::nullopt;
  }
  return out;
}

std::pair<std::size_t, std::size_t> EtcdStorage::watch_buffered() const {
  MutexLock lock(prefetch_mu_);
  return {watched_.count(), watched_.bytes()};
}

void EtcdStorage::note_watched(WatchEvents events) {
  MutexLock lock(prefetch_mu_);
  if (events.size) watched_.note_size(*events.size);
  // Not kept: what the local copy holds, and this node's own append in flight (if it lost, its
  // answer carried the entries at those positions).
  const std::uint64_t skip = std::max(known_size_.load(), own_target_.load());
  for (auto& [index, bytes] : events.entries) watched_.add(index, std::move(bytes), skip);
}

void WatchedEntries::add(std::uint64_t index, Bytes bytes, std::uint64_t skip) {
  if (max_bytes_ == 0 || index < skip) return;
  const std::uint64_t end = from_ + run_.size();
  if (!run_.empty() && index < end) return;  // kept already
  if (run_.empty() || index > end) {         // a gap: a new run from here on
    run_.clear();
    bytes_ = 0;
    from_ = index;
  }
  bytes_ += bytes.size();
  run_.push_back(std::move(bytes));
  while (bytes_ > max_bytes_ && !run_.empty()) drop_front();
}

std::optional<std::uint64_t> WatchedEntries::covered_target(std::uint64_t local_size) const {
  if (size_ > local_size && from_ <= local_size && from_ + run_.size() >= size_) return size_;
  return std::nullopt;
}

std::vector<Bytes> WatchedEntries::take(std::uint64_t first, std::size_t max_entries) {
  while (!run_.empty() && from_ < first) drop_front();
  std::vector<Bytes> out;
  if (run_.empty() || from_ != first) return out;
  const std::size_t k = std::min(max_entries, run_.size());
  out.reserve(k);
  for (std::size_t i = 0; i < k; ++i) {
    bytes_ -= run_.front().size();
    out.push_back(std::move(run_.front()));
    run_.pop_front();
  }
  from_ += k;
  return out;
}

void WatchedEntries::drop_front() {
  bytes_ -= run_.front().size();
  run_.pop_front();
  ++from_;
}

bool StreamLines::feed(std::string_view piece,
                       const std::function<void(std::string_view line)>& on_line) {
  if (skipping_) {  // the rest of a line dropped in an earlier piece
    const auto nl = piece.find('\n');
    if (nl == std::string_view::npos) return true;
    skipping_ = false;
    piece.remove_prefix(nl + 1);
  }
  const std::size_t searched = pending_.size();  // holds no newline
  pending_.append(piece);
  std::size_t start = 0;
  for (auto nl = pending_.find('\n', searched); nl != std::string::npos;
       nl = pending_.find('\n', start)) {
    on_line(std::string_view(pending_).substr(start, nl - start));
    start = nl + 1;
  }
  pending_.erase(0, start);
  if (pending_.size() <= max_line_) return true;
  pending_.clear();
  skipping_ = true;
  return false;
}

void EtcdStorage::watch_loop() {
  // The stream's pieces are not its lines: a line (one watch response) can span many pieces.
  StreamLines lines(64u << 20);
  const bool entries = options_.watch_entries;
  watch(
      entries ? prefix() + "log/" : prefix() + "size",
      entries ? prefix() + "size" + std::string(1, '\0') : std::string(),
      [this, &lines](std::string_view piece) {
        bool wake = false;
        if (piece.empty()) {
          lines.reset();  // the stream ended: a change may have happened while not watching
          wake = true;
        } else {
          const bool whole = lines.feed(piece, [this, &wake](std::string_view line) {
            if (line.find_first_not_of(" \r\t") == std::string_view::npos) return;
            auto events = parse_watch_line(line, prefix());
            if (!events) {
              wake = true;  // unreadable: assume the log grew
              return;
            }
            const auto size = events->size;
            note_watched(std::move(*events));
            // This node's own append, or entries it already has: nothing to catch up with. (An
            // event for the size its append in flight would make, from another node's append
            // that won instead, is skipped too: that append's lost compare makes the committer
            // catch up anyway.)
            if (size && *size > known_size_.load() && *size != own_target_.load()) wake = true;
          });
          if (!whole) wake = true;  // a response past the bound was dropped: assume the log grew
        }
        if (!wake) return;
        MutexLock lock(listener_mu_);
        if (listener_) listener_();
      },
      [this] { return !stopping_.load(); });
}

Result<std::uint64_t> EtcdStorage::size() {
  return local_->size();
}
Result<std::vector<Bytes>> EtcdStorage::read_range(std::uint64_t start, std::uint64_t count) {
  return local_->read_range(start, count);
}
Result<std::optional<std::uint64_t>> EtcdStorage::find_by_hash(const Digest& entry_hash) {
  return local_->find_by_hash(entry_hash);
}
Result<std::optional<Bytes>> EtcdStorage::get_state(std::string_view key) {
  return local_->get_state(key);
}
Result<std::optional<TokenRow>> EtcdStorage::get_token(const Digest& hash) {
  return local_->get_token(hash);
}
Result<TokenTableSummary> EtcdStorage::token_summary() {
  return local_->token_summary();
}
Status EtcdStorage::replace_tokens(const std::vector<TokenRow>& rows,
                                   std::vector<StateWrite> state) {
  return local_->replace_tokens(rows, std::move(state));
}
Result<std::vector<std::pair<std::string, Bytes>>> EtcdStorage::scan_state(
    std::string_view prefix) {
  return local_->scan_state(prefix);
}
Status EtcdStorage::put_state(std::vector<StateWrite> writes) {
  return local_->put_state(std::move(writes));
}
Result<std::optional<Digest>> EtcdStorage::get_hash(std::uint32_t level, std::uint64_t index) {
  return local_->get_hash(level, index);
}
Status EtcdStorage::put_hashes(std::vector<HashWrite> hashes) {
  return local_->put_hashes(std::move(hashes));
}
Result<std::vector<std::optional<Digest>>> EtcdStorage::get_hashes(std::span<const HashKey> at) {
  return local_->get_hashes(at);
}
Status EtcdStorage::append_checkpoint(const StoredCheckpoint& checkpoint) {
  return local_->append_checkpoint(checkpoint);
}
Result<std::optional<StoredCheckpoint>> EtcdStorage::latest_checkpoint() {
  return local_->latest_checkpoint();
}
Result<std::optional<StoredCheckpoint>> EtcdStorage::get_checkpoint(std::uint64_t size) {
  return local_->get_checkpoint(size);
}
Result<std::vector<StoredCheckpoint>> EtcdStorage::list_checkpoints() {
  return local_->list_checkpoints();
}
Result<Storage::CheckpointPage> EtcdStorage::checkpoint_page(std::uint64_t start,
                                                             std::uint64_t count) {
  return local_->checkpoint_page(start, count);
}
Status EtcdStorage::close() {
  stopping_.store(true);
  if (watcher_.joinable()) watcher_.join();
  return local_->close();
}

}  // namespace tabella::server::etcd
