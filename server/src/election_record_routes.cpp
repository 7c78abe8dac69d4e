// The election ledger's record endpoints (docs/api.md, "Record endpoints"): POST and GET
// /v1/entries, /v1/status, /v1/receipt, /v1/ballots/*, /v1/kiosks/*, /v1/tokens/*, /v1/export,
// /v1/witnesses and /metrics/witnesses. Handlers run on I/O threads and read the published
// snapshot; POST /v1/entries goes on to the pool and the committer (election_ledger.h).
#include "election_ledger_impl.h"
#include "tabella/api/messages.h"
#include "tabella/record/record_file.h"

namespace tabella::server {

void ElectionLedger::register_record_routes(Router& router, Committer& committer,
                                            ThreadPool& pool) {
  Impl* m = impl_.get();
  ElectionLedger* self = this;
  Metrics* metrics = m->metrics;
  auto reject = [metrics](const Error& error) {
    Response r = entry_error_response(error);
    if (metrics) {
      metrics->add_rejection(r.status == 401 ? "unknown_author" : error_code_name(error.code));
    }
    return r;
  };

  router.add(
      "POST", "/v1/entries",
      [m, self, metrics, &committer, &pool, reject](const Request& req, Responder respond) {
        // Fast path for the exact shape clients send; anything else goes through the parser.
        std::string parsed_text;
        std::string_view b64;
        if (auto fast = entry_field_fast(req.body)) {
          b64 = *fast;
        } else {
          json body = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
          if (body.is_discarded() || !body.is_object()) {
            return respond(reject(
                Error{ErrorCode::kInvalidArgument,
                      "request body must be a JSON object {\"entry\": \"<base64>\"}", "body"}));
          }
          auto it = body.find("entry");
          if (it == body.end() || !it->is_string()) {
            return respond(
                reject(Error{ErrorCode::kInvalidArgument,
                             "'entry' must be a base64 string (RFC 4648, padded)", "entry"}));
          }
          for (const auto& [key, unused] : body.items()) {
            if (key != "entry") {
              return respond(
                  reject(Error{ErrorCode::kInvalidArgument, "unknown field '" + key + "'", key}));
            }
          }
          parsed_text = it->get<std::string>();
          b64 = parsed_text;
        }
        // Refuse an oversized entry by its text's length, before decoding up to a body's worth.
        constexpr std::size_t kMaxEntryBase64 = (record::kMaxEntrySize + 2) / 3 * 4;
        if (b64.size() > kMaxEntryBase64) {
          return respond(reject(
              Error{ErrorCode::kLimit,
                    "entry has " + std::to_string(b64.size()) + " base64 characters (more than " +
                        std::to_string(record::kMaxEntrySize) + " bytes); at most " +
                        std::to_string(kMaxEntryBase64) + " characters (" +
                        std::to_string(record::kMaxEntrySize) + " bytes) are allowed",
                    "entry"}));
        }
        auto bytes = from_base64(b64);
        if (!bytes) return respond(reject(bytes.error().with_prefix("entry")));
        if (committer.writes_refused()) {
          if (metrics) metrics->add_refusal("disk_full");
          return respond(error_response(
              disk_full_error("the ledger's disk is full: nothing can be stored until space is "
                              "freed (reads go on); send the same entry again later")));
        }
        // Sent on by another node of the cluster (docs/cluster.md, "One appender"): that node
        // builds its own receipt and waits for the witnesses itself, so the answer here does
        // not wait for a cosigned checkpoint (it would only hold up the other node's request).
        const bool from_node = !req.header("x-tabella-forwarded").empty();
        // The committer's answer, made into this node's receipt. `via`: the appender stored the
        // entry (the committer then finds it as a duplicate of that copy; what the client is
        // told about duplication is what the appender saw).
        auto on_outcome = [m, &pool, reject, respond, from_node](std::string type,
                                                                 ledger::Hash leaf,
                                                                 std::optional<AppenderReply> via) {
          return [m, &pool, reject, respond, from_node, type, leaf,
                  via](Result<AppendOutcome> outcome) {
            if (!outcome) return respond(reject(outcome.error()));
            AppendOutcome o = *outcome;
            if (via && o.duplicate && o.index == via->index) o.duplicate = via->duplicate;
            // Proof reads off the committer thread.
            auto build = [m, respond, type, leaf, o]() {
              StageTimer timer(m->metrics, "receipt");
              auto p = m->published();
              auto receipt = m->receipt(o.index, *p, leaf);
              if (!receipt) return respond(error_response(receipt.error()));
              api::SubmitReply reply{o.index, o.hash, type, o.duplicate, std::move(*receipt)};
              respond(json_ok(reply.to_json().dump()));
            };
            // Cluster mode: the receipt's checkpoint is one this node serves, so it waits
            // until every entry up to this one has its proofs checked (docs/cluster.md).
            m->when_served(o.index + 1, [m, &pool, respond, build, from_node,
                                         index = o.index](std::optional<Error> no) {
              if (no) return respond(error_response(*no));
              if (from_node || m->receipt_final(index)) {
                if (!pool.post_reply(build)) build();
                return;
              }
              // Witnessed election: answer once a cosigned checkpoint covers
              // the entry, or after --cosign-wait with "cosigned": false.
              m->cosigner->wait_for(index + 1, std::chrono::steady_clock::now() + m->cosign_wait,
                                    [&pool, build](bool) {
                                      if (!pool.post_reply(build)) build();
                                    });
            });
          };
        };
        // This node checks and appends the entry itself.
        auto local = [m, self, metrics, &committer, &pool, reject, respond,
                      on_outcome](Bytes entry) {
          // The cheap checks here, on the I/O thread: an entry they refuse is answered now and
          // never waits in the verification queue beside an honest one; an admitted one waits
          // in its author's flow, so that one author's flood delays another's entries by at
          // most one of its own (ThreadPool). Cluster mode: a refusal may be this node lagging
          // the cluster log; the pool task decides, as below.
          auto admitted = self->admit(entry);
          if (!admitted && !m->cluster) return respond(reject(admitted.error()));
          std::string flow = admitted ? admitted->flow : "unadmitted";
          auto task = [m, self, &committer, reject, respond, on_outcome,
                       admitted = std::move(admitted), entry = std::move(entry)]() mutable {
            auto prepared = admitted ? self->verify_admitted(entry, *admitted)
                                     : Result<Prepared>(admitted.error());
            Prepared product;
            std::string type;
            if (prepared && *prepared) {
              product = std::move(*prepared);
              type = record::entry_type_name(product->entry.type);
            } else if (prepared) {
              // Already stored: the committer answers it as a duplicate without validating.
              auto decoded = record::Entry::decode(entry);
              if (decoded) type = record::entry_type_name(decoded->type);
            } else {
              // Cluster mode: the snapshot may lag the cluster log; validate() prechecks again
              // after the committer caught up. A malformed entry is refused at once.
              auto decoded = record::Entry::decode(entry);
              if (!m->cluster || !decoded || entry.size() > record::kMaxEntrySize) {
                return respond(reject(prepared.error()));
              }
              type = record::entry_type_name(decoded->type);
            }
            // The product's leaf hash when there is one (computed once, on the pool).
            ledger::Hash leaf =
                product && product->leaf ? *product->leaf : ledger::leaf_hash(entry);
            committer.submit(std::move(entry), std::move(product),
                             on_outcome(type, leaf, std::nullopt));
          };
          switch (pool.try_post(std::move(flow), std::move(task))) {
            case ThreadPool::Admission::kQueued:
              break;
            case ThreadPool::Admission::kFull:
              if (metrics) metrics->add_refusal("queue_full");
              respond(retry_later(
                  "the verification queue is full (" + std::to_string(pool.max_queued()) +
                      " entries wait); nothing was stored, send the same entry again",
                  "queue"));
              break;
            case ThreadPool::Admission::kStopped:
              respond(retry_later("the ledger is shutting down; nothing was stored", "server"));
              break;
          }
        };
        // One appender (docs/cluster.md): the body goes to the appender first, unless it came
        // from another node. Its 200 is not trusted: this node's committer catches up and must
        // find the entry in the cluster log (else it checks and appends it itself). Any other
        // answer, or none: as if there were no appender.
        if (m->forwarder != nullptr && !from_node) {
          auto held = std::make_shared<Bytes>(std::move(*bytes));
          const Digest id = sha256(*held);
          // While the appender stores it, this node checks the proofs itself (section 1b needs
          // them checked here before it serves the entry), so that the entry does not wait for
          // that check when the catch-up brings it back. Only a cast ballot's verdict is kept:
          // its proofs depend on nothing but the election's key and manifest.
          const bool early = m->begin_early_proofs(id);
          Bytes copy = early ? *held : Bytes{};  // the callback may take `held` at once
          bool sent = m->forwarder->forward(req.body, [m, held, id, local, on_outcome, &committer](
                                                          std::optional<AppenderReply> reply) {
            if (!reply) {
              m->drop_early_proofs(id);
              return local(std::move(*held));
            }
            auto decoded = record::Entry::decode(*held);
            std::string type =
                decoded ? std::string(record::entry_type_name(decoded->type)) : std::string();
            ledger::Hash leaf = ledger::leaf_hash(*held);
            committer.submit_stored(std::move(*held), [m, id, done = on_outcome(type, leaf, reply)](
                                                          Result<AppendOutcome> outcome) {
              m->drop_early_proofs(id);  // a verdict nobody took (appended here after all)
              done(std::move(outcome));
            });
          });
          if (!sent) {
            m->drop_early_proofs(id);
            return local(std::move(*held));
          }
          if (early) {
            auto check = [m, self, id, entry = std::move(copy)]() {
              auto pre = self->pre_verify(entry);
              const bool ok = pre && *pre && (*pre)->entry.type == record::EntryType::kCastBallot &&
                              (*pre)->proofs_checked && !(*pre)->proofs_checked.proofs &&
                              !(*pre)->proofs_checked.opening;
              m->end_early_proofs(id, ok ? *pre : nullptr);
            };
            if (pool.try_post("forwarded", std::move(check)) != ThreadPool::Admission::kQueued) {
              m->end_early_proofs(id, nullptr);
            }
          }
          return;
        }
        local(std::move(*bytes));
      });

  router.add("GET", "/v1/entries", [m](const Request& req, Responder respond) {
    auto start = query_u64(req, "start", std::nullopt);
    if (!start) return respond(error_response(start.error()));
    auto count = query_u64(req, "count", 100);
    if (!count) return respond(error_response(count.error()));
    if (*count == 0 || *count > 1000) {
      return respond(error_response(
          Error{ErrorCode::kOutOfRange, "count must be between 1 and 1000", "count"}));
    }
    auto p = m->published();
    if (*start > p->size) {
      return respond(error_response(Error{
          ErrorCode::kOutOfRange,
          "start " + std::to_string(*start) + " is past the log size " + std::to_string(p->size),
          "start"}));
    }
    auto entries = m->storage.read_range(*start, std::min(*count, p->size - *start));
    if (!entries) return respond(error_response(entries.error()));
    api::EntryPage page;
    page.size = p->size;
    for (std::size_t i = 0; i < entries->size(); ++i) {
      Bytes& e = (*entries)[i];
      auto decoded = record::Entry::decode(e);
      page.entries.push_back(
          {*start + i,
           decoded ? std::string(record::entry_type_name(decoded->type)) : std::string(),
           std::move(e)});
    }
    respond(json_ok(page.to_json().dump()));
  });

  router.add("GET", "/v1/status", [m](const Request&, Responder respond) {
    respond(json_ok(m->published()->status(m->id.origin).to_json().dump()));
  });

  router.add("GET", "/v1/receipt", [m](const Request& req, Responder respond) {
    auto index = query_u64(req, "index", std::nullopt);
    if (!index) return respond(error_response(index.error()));
    auto r = m->receipt(*index, *m->published());
    respond(r ? json_ok(r->to_json().dump()) : error_response(r.error()));
  });

  router.add("GET", "/v1/ballots/*", [m](const Request& req, Responder respond) {
    std::string text = req.path.substr(std::string_view("/v1/ballots/").size());
    std::optional<Digest> code;
    if (text.size() == 64) {
      auto raw = from_hex(text);
      if (raw && raw->size() == 32) {
        code.emplace();
        std::copy(raw->begin(), raw->end(), code->begin());
      }
    }
    if (!code) {
      auto canonical = election::normalize_short_code(text);
      if (!canonical) {
        return respond(error_response(
            Error{ErrorCode::kInvalidArgument,
                  "not a ballot code (64 hex digits) or short code (ABCD-EFGH-IJKL-MNOP): " +
                      canonical.error().message,
                  "code"}));
      }
      auto full = m->storage.get_state(short_key(*canonical));
      if (!full) return respond(error_response(full.error()));
      if (!*full || (*full)->size() != 32) {
        return respond(json_error(404, "not_found", "no ballot has this code", "code"));
      }
      code.emplace();
      std::copy((*full)->begin(), (*full)->end(), code->begin());
    }
    auto p = m->published();
    auto row = m->storage.get_state(ballot_key(*code));
    if (!row) return respond(error_response(row.error()));
    std::optional<std::uint64_t> index = *row ? read_u64be(**row) : std::nullopt;
    if (!index || *index >= p->size) {
      return respond(json_error(404, "not_found", "no ballot has this code", "code"));
    }
    auto entries = m->storage.read_range(*index, 1);
    if (!entries) return respond(error_response(entries.error()));
    if (entries->size() != 1) return respond(json_error(500, "io_error", "ballot entry missing"));
    auto e = record::Entry::decode(entries->front());
    if (!e) return respond(error_response(e.error()));
    auto body = record::decode_body(e->type, e->body);
    if (!body) return respond(error_response(body.error()));
    std::uint64_t sequence = 0;
    if (auto* cast = std::get_if<record::CastBallotBody>(&*body)) sequence = cast->ballot.sequence;
    if (auto* ch = std::get_if<record::ChallengedBallotBody>(&*body))
      sequence = ch->ballot.sequence;
    auto receipt = m->receipt(*index, *p);
    if (!receipt) return respond(error_response(receipt.error()));
    api::BallotLookup out{*index,
                          std::string(record::entry_type_name(e->type)),
                          *code,
                          election::short_code(*code),
                          e->author,
                          sequence,
                          std::move(*receipt)};
    respond(json_ok(out.to_json().dump()));
  });

  router.add("GET", "/v1/kiosks/*", [m](const Request& req, Responder respond) {
    std::string key = req.path.substr(std::string_view("/v1/kiosks/").size());
    for (auto& ch : key) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    auto p = m->published();
    auto it = p->kiosks.find(key);
    if (it == p->kiosks.end()) {
      return respond(json_error(404, "not_found", "no kiosk is enrolled with this key", "key"));
    }
    respond(json_ok(Published::kiosk_status(it->second).to_json().dump()));
  });

  // A voting code's state, for a kiosk checking a code as it is typed: asked by the token's hash
  // H("tabella/v1/voter-token"; Q, token) (what the record's token-commitments list) and answered
  // for that hash only: committed or not, spent or not, the precinct it was committed for.
  router.add("GET", "/v1/tokens/*", [m](const Request& req, Responder respond) {
    const std::string text = req.path.substr(std::string_view("/v1/tokens/").size());
    auto raw = from_hex(text);
    if (text.size() != 64 || !raw || raw->size() != 32) {
      return respond(error_response(
          Error{ErrorCode::kInvalidArgument, "not a token hash (64 hex digits)", "token_hash"}));
    }
    Digest h{};
    std::copy(raw->begin(), raw->end(), h.begin());
    auto row = m->committed_token(h);
    if (!row) return respond(error_response(row.error()));
    if (!*row) {
      return respond(
          json_error(404, "not_found", "no voting code with this hash is committed", "token_hash"));
    }
    api::TokenStatus out{h, (*row)->spent, (*row)->precinct};
    respond(json_ok(out.to_json().dump()));
  });
  // GET /v1/export: the record as of now. It ends with a checkpoint of its own size (docs/spec.md
  // §12; tabella-verify check 24): the cosigned one when the witnesses covered the whole record,
  // else the ledger-signed checkpoint of that size, stored first so that it is durable.
  auto export_now = [m, self](const Responder& respond) {
    // On a full disk the export still ends with the checkpoint of its size, signed now.
    if (Status st = self->publish_checkpoint(); !st.ok() && !is_disk_full(st.error()))
      return respond(error_response(st.error()));
    // The size is fixed when the export starts; checkpoints are read then too (all <= size).
    auto p = m->published();
    std::optional<StoredCheckpoint> cosigned_cp = m->latest_cosigned();
    std::uint64_t end = p->size;
    if (cosigned_cp && cosigned_cp->size > end) end = cosigned_cp->size;  // committed meanwhile
    auto cps = m->storage.list_checkpoints();
    if (!cps) return respond(error_response(cps.error()));
    struct Cursor {
      std::string head;
      std::uint64_t next = 0;
      std::uint64_t end = 0;
      bool head_sent = false;
    };
    auto cur = std::make_shared<Cursor>();
    cur->head = json{{"format", record::kRecordFormat}, {"origin", m->id.origin}}.dump() + "\n";
    for (const auto& cp : *cps) {
      if (cp.size <= end) cur->head += json{{"checkpoint", cp.note}}.dump() + "\n";
    }
    // Last: the checkpoint of the record's size. The cosigned one comes after any ledger-only
    // note of its size, so that it is the record's final checkpoint (checks 23 and 24).
    if (cosigned_cp) cur->head += json{{"checkpoint", cosigned_cp->note}}.dump() + "\n";
    if (end > 0 && (!cosigned_cp || cosigned_cp->size < end)) {
      cur->head += json{{"checkpoint", p->receipt_note}}.dump() + "\n";
    }
    cur->end = end;
    Response r;
    r.content_type = "application/x-ndjson";
    r.headers.emplace_back("Content-Disposition", "attachment; filename=\"record.jsonl\"");
    r.stream = [m, cur]() -> Result<std::optional<std::string>> {
      if (!cur->head_sent) {
        cur->head_sent = true;
        return std::optional<std::string>(std::move(cur->head));
      }
      if (cur->next >= cur->end) return std::optional<std::string>();
      auto entries = m->storage.read_range(cur->next, std::min(kExportChunk, cur->end - cur->next));
      if (!entries) return entries.error();
      if (entries->empty()) return make_error(ErrorCode::kIo, "the log shrank during the export");
      std::string out;
      for (const Bytes& e : *entries) {
        auto decoded = record::Entry::decode(e);
        out += json{{"index", cur->next},
                    {"type",
                     decoded ? std::string(record::entry_type_name(decoded->type)) : std::string()},
                    {"entry", to_base64(e)}}
                   .dump();
        out += "\n";
        ++cur->next;
      }
      return std::optional<std::string>(std::move(out));
    };
    respond(std::move(r));
  };
  router.add("GET", "/v1/export", [m, &pool, export_now](const Request&, Responder respond) {
    // Witnessed: wait (at most --cosign-wait) for a cosigned checkpoint of the current size, so
    // that the record's latest checkpoint carries the cosignatures (tabella-verify check 23).
    auto p = m->published();
    if (p->size > 0 && !m->receipt_final(p->size - 1)) {
      auto again = [export_now, respond]() { export_now(respond); };
      m->cosigner->wait_for(p->size, std::chrono::steady_clock::now() + m->cosign_wait,
                            [&pool, again](bool) {
                              if (!pool.post(again)) again();
                            });
      return;
    }
    export_now(respond);
  });
  router.add("GET", "/v1/witnesses", [m](const Request&, Responder respond) {
    json list = json::array();
    if (m->cosigner) {
      for (const auto& w : m->cosigner->stats()) {
        list.push_back({{"url", w.url},
                        {"name", w.name},
                        {"verifier_key", w.verifier_key},
                        {"member", w.member},
                        {"size", w.size},
                        {"collected", w.collected},
                        {"failed", w.failed},
                        {"last_error", w.last_error}});
      }
    }
    auto c = m->latest_cosigned();
    auto p = m->published();
    // The manifest's witness policy, so a client can name the members that did not cosign.
    json members = json::array();
    std::uint32_t quorum = 0;
    if (p->snapshot && p->snapshot->manifest) {
      quorum = p->snapshot->manifest->witness_quorum;
      for (const auto& w : p->snapshot->manifest->witnesses) members.push_back(w.name);
    }
    respond(json_ok(json{{"witnessed", m->witnessed.load()},
                         {"size", p->size},
                         {"cosigned_size", c ? c->size : 0},
                         // Whether this node pushes to the witnesses (a cluster has one).
                         {"pushing", m->cosigner && m->cosigner->pushing()},
                         {"quorum", quorum},
                         {"members", std::move(members)},
                         {"witnesses", std::move(list)}}
                        .dump()));
  });
  router.add("GET", "/metrics/witnesses", [m](const Request&, Responder respond) {
    Response r;
    r.content_type = "text/plain; version=0.0.4";
    r.body = m->cosigner ? m->cosigner->render_metrics() : std::string();
    respond(std::move(r));
  });
}

}  // namespace tabella::server
