#include "tabella/server/ledger_api.h"

#include <nlohmann/json.hpp>

namespace tabella::server {

using nlohmann::json;

void register_ledger_api(Router& router, const LedgerApi& api) {
  LedgerApi a = api;  // copied into the handlers; references inside stay references

  // 200 while the process serves reads; "writable": false while the disk is full. 503 with
  // "status": "halted" once the node stopped at a history it must not serve or extend (cluster
  // mode: a remote entry its rules or proof checks refuse; docs/cluster.md).
  router.add("GET", "/healthz", [a](const Request&, Responder respond) {
    if (auto halted = a.committer.halted()) {
      return respond(json_ok(
          json{{"status", "halted"}, {"writable", false}, {"reason", halted->describe()}}.dump(),
          503));
    }
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
}

}  // namespace tabella::server
