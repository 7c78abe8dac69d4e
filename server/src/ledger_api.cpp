#include "tabella/server/ledger_api.h"

#include <charconv>
#include <nlohmann/json.hpp>

namespace tabella::server {

namespace {

using nlohmann::json;

// A strict unsigned decimal (no sign, no spaces, no overflow).
Result<std::uint64_t> parse_u64(const std::map<std::string, std::string>& query,
                                const std::string& name, std::optional<std::uint64_t> fallback) {
  auto it = query.find(name);
  if (it == query.end()) {
    if (fallback) return *fallback;
    return make_error(ErrorCode::kInvalidArgument, "missing query parameter", name);
  }
  const std::string& text = it->second;
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    return make_error(ErrorCode::kInvalidArgument,
                      "'" + text + "' is not an unsigned decimal integer", name);
  }
  return value;
}

Response receipt(const AppendOutcome& outcome) {
  json body = {
      {"index", outcome.index}, {"duplicate", outcome.duplicate}, {"sha256", to_hex(outcome.hash)}};
  return json_ok(body.dump());
}

}  // namespace

void register_ledger_api(Router& router, const LedgerApi& api) {
  LedgerApi a = api;  // copied into the handlers; references inside stay references

  // 200 while the process serves reads; "writable": false while the disk is full.
  router.add("GET", "/healthz", [a](const Request&, Responder respond) {
    bool full = a.committer.disk_full();
    json body = {{"status", full ? "read_only" : "ok"}, {"writable", !full}};
    if (full)
      body["reason"] = "the disk is full: appends are refused with 503 until space is freed";
    respond(json_ok(body.dump()));
  });

  router.add("GET", "/metrics", [a](const Request&, Responder respond) {
    Response r = json_ok(a.metrics.render());
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    respond(std::move(r));
  });

  if (!a.entry_routes) return;

  router.add("GET", "/v1/status", [a](const Request&, Responder respond) {
    auto size = a.storage.size();
    if (!size) return respond(error_response(size.error()));
    auto cp = a.storage.latest_checkpoint();
    if (!cp) return respond(error_response(cp.error()));
    json body = {{"size", *size}, {"checkpoint_size", nullptr}};
    if (*cp) body["checkpoint_size"] = (*cp)->size;
    respond(json_ok(body.dump()));
  });

  router.add("POST", "/v1/entries", [a](const Request& req, Responder respond) {
    json body = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
    if (body.is_discarded()) {
      return respond(json_error(400, "invalid_argument", "request body is not valid JSON", "body"));
    }
    if (!body.is_object()) {
      return respond(
          json_error(400, "invalid_argument", "request body must be a JSON object", "body"));
    }
    auto it = body.find("entry");
    if (it == body.end() || !it->is_string()) {
      return respond(json_error(400, "invalid_argument",
                                "'entry' must be a base64 string (RFC 4648, padded)", "entry"));
    }
    for (const auto& [key, unused] : body.items()) {
      if (key != "entry") {
        return respond(json_error(400, "invalid_argument", "unknown field '" + key + "'", key));
      }
    }
    auto bytes = from_base64(it->get_ref<const std::string&>());
    if (!bytes) return respond(error_response(bytes.error().with_prefix("entry")));
    if (bytes->empty()) {
      return respond(json_error(400, "invalid_argument", "entry must not be empty", "entry"));
    }
    // Off the I/O thread: expensive checks on the pool, then the committer; the response is
    // produced only after the entry (or its earlier copy) is durable.
    auto task = [a, respond, entry = std::move(*bytes)]() mutable {
      if (a.pre_verify) {
        Status st = a.pre_verify(entry);
        if (!st.ok()) return respond(error_response(st.error().with_prefix("entry")));
      }
      a.committer.submit(std::move(entry), [respond](Result<AppendOutcome> outcome) {
        respond(outcome ? receipt(*outcome) : error_response(outcome.error()));
      });
    };
    if (a.committer.writes_refused()) {
      a.metrics.add_refusal("disk_full");
      return respond(error_response(
          disk_full_error("the ledger's disk is full: nothing can be stored until space is "
                          "freed (reads go on); send the same entry again later")));
    }
    switch (a.pool.try_post(std::move(task))) {
      case ThreadPool::Admission::kQueued:
        break;
      case ThreadPool::Admission::kFull:
        a.metrics.add_refusal("queue_full");
        respond(retry_later("the verification queue is full (" +
                                std::to_string(a.pool.max_queued()) +
                                " entries wait); nothing was stored, send the same entry again",
                            "queue"));
        break;
      case ThreadPool::Admission::kStopped:
        respond(retry_later("the ledger is shutting down; nothing was stored", "server"));
        break;
    }
  });

  router.add("GET", "/v1/entries", [a](const Request& req, Responder respond) {
    auto start = parse_u64(req.query, "start", std::nullopt);
    if (!start) return respond(error_response(start.error()));
    auto count = parse_u64(req.query, "count", 100);
    if (!count) return respond(error_response(count.error()));
    if (*count == 0 || *count > a.max_read_count) {
      return respond(json_error(400, "out_of_range",
                                "count must be between 1 and " + std::to_string(a.max_read_count),
                                "count"));
    }
    auto entries = a.storage.read_range(*start, *count);
    if (!entries) return respond(error_response(entries.error()));
    json list = json::array();
    for (const Bytes& e : *entries) list.push_back(to_base64(e));
    respond(json_ok(json{{"start", *start}, {"entries", std::move(list)}}.dump()));
  });
}

}  // namespace tabella::server
