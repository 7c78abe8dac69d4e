#include "support/accept_all_ledger.h"

#include <nlohmann/json.hpp>

namespace tabella::testing {

using nlohmann::json;
using server::error_response;
using server::json_error;
using server::json_ok;
using server::Request;
using server::Responder;
using server::Response;

Status AcceptAllHooks::validate(ByteView entry, const server::Prepared&, server::BatchView& view) {
  return check_ ? check_(entry, view) : Status::success();
}

void AcceptAllHooks::before_commit(std::uint64_t, const std::vector<Bytes>&, server::BatchView&) {}

void AcceptAllHooks::after_commit(const Status&) {}

void register_opaque_entry_routes(server::Router& router, const OpaqueEntryRoutes& routes) {
  OpaqueEntryRoutes a = routes;  // copied into the handlers; references inside stay references

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
    auto task = [a, respond, entry = std::move(*bytes)]() mutable {
      if (a.pre_check) {
        Status st = a.pre_check(entry);
        if (!st.ok()) return respond(error_response(st.error().with_prefix("entry")));
      }
      a.committer.submit(std::move(entry), [respond](Result<server::AppendOutcome> outcome) {
        if (!outcome) return respond(error_response(outcome.error()));
        json reply = {{"index", outcome->index},
                      {"duplicate", outcome->duplicate},
                      {"sha256", to_hex(outcome->hash)}};
        respond(json_ok(reply.dump()));
      });
    };
    if (a.committer.writes_refused()) {
      a.metrics.add_refusal("disk_full");
      return respond(error_response(server::disk_full_error(
          "the ledger's disk is full: nothing can be stored until space is freed (reads go on); "
          "send the same entry again later")));
    }
    switch (a.pool.try_post(std::move(task))) {
      case server::ThreadPool::Admission::kQueued:
        break;
      case server::ThreadPool::Admission::kFull:
        a.metrics.add_refusal("queue_full");
        respond(server::retry_later("the verification queue is full (" +
                                        std::to_string(a.pool.max_queued()) +
                                        " entries wait); nothing was stored, send the same entry "
                                        "again",
                                    "queue"));
        break;
      case server::ThreadPool::Admission::kStopped:
        respond(server::retry_later("the ledger is shutting down; nothing was stored", "server"));
        break;
    }
  });

  router.add("GET", "/v1/entries", [a](const Request& req, Responder respond) {
    auto start = query_u64(req, "start", std::nullopt);
    if (!start) return respond(error_response(start.error()));
    auto count = query_u64(req, "count", 100);
    if (!count) return respond(error_response(count.error()));
    if (*count == 0 || *count > 1000) {
      return respond(json_error(400, "out_of_range", "count must be between 1 and 1000", "count"));
    }
    auto entries = a.storage.read_range(*start, *count);
    if (!entries) return respond(error_response(entries.error()));
    json list = json::array();
    for (const Bytes& e : *entries) list.push_back(to_base64(e));
    respond(json_ok(json{{"start", *start}, {"entries", std::move(list)}}.dump()));
  });
}

}  // namespace tabella::testing
