// The election ledger's transparency-log endpoints (docs/api.md): GET /v1/proof/inclusion and
// /v1/proof/consistency (RFC 9162), /log-key, /v1/checkpoints, /checkpoint (C2SP
// tlog-checkpoint) and /tile/* (C2SP tlog-tiles). Read-only, any I/O thread, from the published
// snapshot and the tree hash cache.
#include "election_ledger_impl.h"
#include "tabella/api/messages.h"
#include "tabella/ledger/tiles.h"

namespace tabella::server {

void ElectionLedger::register_tlog_routes(Router& router) {
  Impl* m = impl_.get();

  router.add("GET", "/v1/proof/inclusion", [m](const Request& req, Responder respond) {
    auto p = m->published();
    auto index = query_u64(req, "index", std::nullopt);
    if (!index) return respond(error_response(index.error()));
    auto size = query_u64(req, "size", p->size);
    if (!size) return respond(error_response(size.error()));
    if (*size > p->size || *index >= *size) {
      return respond(error_response(
          Error{ErrorCode::kOutOfRange,
                "need index < size <= " + std::to_string(p->size) + " (the committed log size)",
                *size > p->size ? "size" : "index"}));
    }
    auto proof = ledger::inclusion_proof(*index, *size, m->reader);
    if (!proof) return respond(error_response(proof.error()));
    auto root = ledger::root_at(*size, m->reader);
    if (!root) return respond(error_response(root.error()));
    respond(json_ok(
        api::InclusionProofReply{*index, *size, *root, std::move(*proof)}.to_json().dump()));
  });

  router.add("GET", "/v1/proof/consistency", [m](const Request& req, Responder respond) {
    auto p = m->published();
    auto from = query_u64(req, "from", std::nullopt);
    if (!from) return respond(error_response(from.error()));
    auto to = query_u64(req, "to", p->size);
    if (!to) return respond(error_response(to.error()));
    if (*to > p->size || *from > *to) {
      return respond(error_response(
          Error{ErrorCode::kOutOfRange,
                "need from <= to <= " + std::to_string(p->size) + " (the committed log size)",
                *to > p->size ? "to" : "from"}));
    }
    auto proof = ledger::consistency_proof(*from, *to, m->reader);
    if (!proof) return respond(error_response(proof.error()));
    respond(json_ok(json{{"from", *from}, {"to", *to}, {"proof", hex_list(*proof)}}.dump()));
  });

  router.add("GET", "/log-key", [m](const Request&, Responder respond) {
    Response r = json_ok(m->signer.verifier_key());
    r.content_type = "text/plain; charset=utf-8";
    respond(std::move(r));
  });

  // GET /v1/checkpoints?start=<u64>&count=<u64>: the ledger's stored checkpoints, in size order,
  // from the `start`-th (0 = the first), at most `count` (1..1000, default 100); and the latest
  // cosigned one (docs/api.md). The bulletin board lists them; the record's export carries them.
  router.add("GET", "/v1/checkpoints", [m](const Request& req, Responder respond) {
    auto start = query_u64(req, "start", 0);
    if (!start) return respond(error_response(start.error()));
    auto count = query_u64(req, "count", 100);
    if (!count) return respond(error_response(count.error()));
    if (*count == 0 || *count > 1000) {
      return respond(error_response(
          Error{ErrorCode::kOutOfRange, "count must be between 1 and 1000", "count"}));
    }
    auto page = m->storage.checkpoint_page(*start, *count);
    if (!page) return respond(error_response(page.error()));
    api::CheckpointPage reply;
    reply.total = page->total;
    reply.start = *start;
    for (auto& cp : page->checkpoints) reply.checkpoints.push_back({cp.size, std::move(cp.note)});
    if (auto c = m->latest_cosigned()) reply.cosigned = api::CheckpointPage::Item{c->size, c->note};
    respond(json_ok(reply.to_json().dump()));
  });

  router.add("GET", "/checkpoint", [m](const Request&, Responder respond) {
    std::string note;
    {
      MutexLock lock(m->cp_mu);
      // Witnessed: the latest cosigned checkpoint is the published one.
      note = m->cosigned ? m->cosigned->note : m->published_cp.note;
    }
    if (note.empty()) note = m->published()->receipt_note;  // the empty log
    Response r = json_ok(std::move(note));
    r.content_type = "text/plain; charset=utf-8";
    r.headers.emplace_back("Cache-Control", "no-cache");
    respond(std::move(r));
  });

  router.add("GET", "/tile/*", [m](const Request& req, Responder respond) {
    auto id = ledger::parse_tile_path(std::string_view(req.path).substr(1));
    if (!id) return respond(error_response(id.error().with_prefix("path")));
    auto p = m->published();
    auto not_found = [&] {
      respond(json_error(404, "not_found", "tile is beyond the committed log", "path"));
    };
    Response r;
    r.content_type = "application/octet-stream";
    if (id->entries) {
      std::uint64_t first = id->index * ledger::kTileWidth;
      if (id->index > (UINT64_MAX - ledger::kTileWidth) / ledger::kTileWidth ||
          first + id->width > p->size) {
        return not_found();
      }
      auto entries = m->storage.read_range(first, id->width);
      if (!entries) return respond(error_response(entries.error()));
      auto bundle = ledger::encode_entry_bundle(*entries);
      if (!bundle) return respond(error_response(bundle.error()));
      r.body.assign(bundle->begin(), bundle->end());
    } else {
      if (id->level > 7) return not_found();
      int shift = ledger::kTileHeight * id->level;
      std::uint64_t stored = shift >= 64 ? 0 : p->size >> shift;  // hashes at level 8L
      if (id->index > stored / ledger::kTileWidth ||
          id->index * ledger::kTileWidth + id->width > stored) {
        return not_found();
      }
      auto tile = ledger::read_tile(m->reader, id->level, id->index, id->width);
      if (!tile) return respond(error_response(tile.error()));
      r.body.assign(tile->begin(), tile->end());
    }
    r.headers.emplace_back("Cache-Control", id->width == ledger::kTileWidth
                                                ? "public, max-age=31536000, immutable"
                                                : "no-cache");
    respond(std::move(r));
  });
}

}  // namespace tabella::server
