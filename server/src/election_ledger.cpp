#include "tabella/server/election_ledger.h"

#include <filesystem>

#include "election_ledger_impl.h"

namespace tabella::server {

Response entry_error_response(const Error& error) {
  if (error.reason == ErrorReason::kUnknownAuthor) {
    Response r = error_response(error);
    r.status = 401;
    return r;
  }
  return error_response(error);
}

Result<std::shared_ptr<const SigningKey>> load_or_create_ledger_key(const std::string& path,
                                                                    bool* created) {
  if (created) *created = false;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    auto parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    SigningKey fresh = SigningKey::generate();
    Status saved = fresh.save_pem(path);
    if (!saved.ok()) return saved.error().with_prefix("key-file");
    if (created) *created = true;
  }
  auto key = SigningKey::load_pem(path);
  if (!key) return key.error().with_prefix("key-file");
  return std::shared_ptr<const SigningKey>(std::make_shared<SigningKey>(std::move(*key)));
}

ElectionLedger::ElectionLedger(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ElectionLedger::~ElectionLedger() = default;

Result<std::unique_ptr<ElectionLedger>> ElectionLedger::open(Storage& storage,
                                                             LedgerIdentity identity,
                                                             Metrics* metrics,
                                                             WitnessOptions witnesses) {
  if (!identity.key) return make_error(ErrorCode::kInvalidArgument, "no ledger key", "key-file");
  if (!ledger::is_valid_key_name(identity.origin)) {
    return make_error(ErrorCode::kInvalidArgument,
                      "origin \"" + identity.origin + "\" is not a valid note key name", "origin");
  }
  auto impl = std::make_unique<Impl>(storage, std::move(identity), metrics);
  auto stored_size = storage.size();
  if (!stored_size) return stored_size.error();
  impl->frontier->committed(*stored_size);
  auto probe = storage.get_token(Digest{});  // kNotFound: a storage without a token table
  if (!probe && probe.error().code != ErrorCode::kNotFound) return probe.error();
  impl->token_table = probe.ok();
  TABELLA_TRY(impl->rebuild());
  auto pub = impl->published();
  // Cluster mode: entries committed before their proofs were checked (the node stopped before
  // the check finished) are checked now, before anything is served.
  auto verified = storage.get_state(kVerifiedKey);
  if (!verified) return verified.error();
  if (*verified) {
    auto from = read_u64be(**verified);
    if (!from) {
      return make_error(ErrorCode::kConflict, "malformed state row", std::string(kVerifiedKey));
    }
    TABELLA_TRY(impl->recheck_proofs(*from, pub->size));
  }
  if (metrics) {
    metrics->add_source([frontier = impl->frontier] {
      auto c = frontier->counts();
      std::string out;
      render_metric(out, "tabella_ledger_verified_size", "gauge",
                    "Entries up to which every proof is checked: what this node serves.",
                    c.frontier);
      render_metric(out, "tabella_ledger_committed_size", "gauge", "Entries in the local copy.",
                    c.committed);
      render_metric(out, "tabella_ledger_remote_proofs_pending", "gauge",
                    "Remote entries whose proofs are being checked.", c.pending);
      render_metric(out, "tabella_ledger_remote_proofs_checked_total", "counter",
                    "Remote entries whose proofs were checked off the commit path.", c.checked);
      render_metric(out, "tabella_ledger_remote_proof_failures_total", "counter",
                    "Remote entries whose proofs failed (the node halts).", c.failures);
      return out;
    });
  }

  // The latest stored checkpoint must be signed by this key and agree with the stored tree.
  auto latest = storage.latest_checkpoint();
  if (!latest) return latest.error();
  if (*latest) {
    ledger::NoteVerifier verifier(impl->id.origin, impl->id.key->verify_key());
    auto cp = ledger::open_checkpoint((*latest)->note, verifier);
    if (!cp) {
      return make_error(ErrorCode::kConflict,
                        "the stored checkpoint does not verify with this ledger's key and origin "
                        "(another --key-file or --origin?): " +
                            cp.error().describe());
    }
    auto root = ledger::root_at(cp->size, impl->reader);
    if (!root) return root.error();
    if (cp->size > pub->size || *root != cp->root) {
      return make_error(ErrorCode::kConflict, "the stored checkpoint of size " +
                                                  std::to_string(cp->size) +
                                                  " does not match the stored log");
    }
    MutexLock lock(impl->cp_mu);  // not shared yet: for the analysis
    impl->published_cp = **latest;
  }
  // The latest cosigned checkpoint: signed by this key, agrees with the stored tree.
  auto cosigned = storage.latest_cosigned_checkpoint();
  if (!cosigned) return cosigned.error();
  if (*cosigned) {
    ledger::NoteVerifier verifier(impl->id.origin, impl->id.key->verify_key());
    auto cp = ledger::open_checkpoint((*cosigned)->note, verifier);
    if (!cp) {
      return make_error(ErrorCode::kConflict,
                        "the stored cosigned checkpoint does not verify with this ledger's key: " +
                            cp.error().describe());
    }
    auto root = ledger::root_at(cp->size, impl->reader);
    if (!root) return root.error();
    if (cp->size != (*cosigned)->size || cp->size > pub->size || *root != cp->root) {
      return make_error(ErrorCode::kConflict, "the stored cosigned checkpoint of size " +
                                                  std::to_string(cp->size) +
                                                  " does not match the stored log");
    }
    MutexLock lock(impl->cp_mu);  // not shared yet: for the analysis
    impl->cosigned = **cosigned;
  }
  impl->cosign_wait = witnesses.cosign_wait;
  if (!witnesses.urls.empty()) {
    Cosigner::Options co;
    co.urls = std::move(witnesses.urls);
    co.share = std::move(witnesses.share);
    auto c = Cosigner::create(std::move(co), impl->cosigner_view(), impl->latest_cosigned());
    if (!c) return c.error();
    impl->cosigner = std::move(*c);
    // Its counters on GET /metrics (GET /metrics/witnesses still has them alone).
    if (metrics) metrics->add_source(impl->cosigner->metrics_source());
  }
  if (const election::Manifest* m = impl->state.manifest()) {
    TABELLA_TRY(impl->witnesses_known(*m, /*at_open=*/true));
  }
  impl->opened = true;
  if (impl->cosigner) impl->cosigner->offer(pub->size, pub->receipt_note);
  std::unique_ptr<ElectionLedger> out(new ElectionLedger(std::move(impl)));
  // The checkpoint of the replayed size. On a full disk the record is still served, read-only:
  // GET /checkpoint and the export sign that size on the fly, nothing new is stored.
  if (Status st = out->publish_checkpoint(); !st.ok()) {
    if (!is_disk_full(st.error())) return st.error();
    log_event(LogLevel::kError, "started_read_only",
              {{"message", st.error().describe()},
               {"action",
                "started read-only: serving the stored record, refusing appends (503) "
                "until space is freed"}});
    out->impl_->disk_full_at_open = st.error();
  }
  return out;
}

const std::optional<Error>& ElectionLedger::disk_full_at_open() const {
  return impl_->disk_full_at_open;
}

std::string ElectionLedger::verifier_key() const {
  return impl_->signer.verifier_key();
}

Status ElectionLedger::check_root(const ledger::Checkpoint& checkpoint) const {
  return impl_->check_root(checkpoint);
}

void ElectionLedger::set_cluster_mode(bool cluster) {
  impl_->cluster = cluster;
}

void ElectionLedger::set_resume_totals_every(std::uint64_t entries) {
  impl_->totals_every = std::max<std::uint64_t>(entries, 1);
}

void ElectionLedger::set_append_forwarder(AppendForwarder* forwarder) {
  impl_->forwarder = forwarder;
}

std::uint64_t ElectionLedger::size() const {
  return impl_->published()->size;
}

Result<Prepared> ElectionLedger::pre_verify(ByteView entry) const {
  auto admitted = admit(entry);
  if (!admitted) return admitted.error();
  return verify_admitted(entry, *admitted);
}

// Inside an entry of allowed size, a length past a decoder's bound is malformed input.
static Error as_malformed(Error e) {
  if (e.code == ErrorCode::kLimit) e.code = ErrorCode::kInvalidEncoding;
  return e;
}

Result<ElectionLedger::Admitted> ElectionLedger::admit(ByteView entry) const {
  if (entry.size() > record::kMaxEntrySize) {
    return make_error(ErrorCode::kLimit,
                      "entry has " + std::to_string(entry.size()) + " bytes; at most " +
                          std::to_string(record::kMaxEntrySize) + " are allowed",
                      "entry");
  }
  // Cheapest first (docs/api.md, "Order of checks"): a stored entry is answered as a duplicate
  // without any check (it passed them all when it was appended); the committer finds it again.
  const Digest id = sha256(entry);
  auto stored = impl_->storage.find_by_hash(id);
  if (!stored) return stored.error();
  if (*stored) return Admitted{nullptr, "stored", id};
  // Envelope and signature, then author and phase before the body is decoded (a ballot's group
  // elements cost more to decode than the signature to check).
  auto decoded = record::Entry::decode(entry);
  if (!decoded) return as_malformed(decoded.error());
  if (Status st = decoded->verify_signature(); !st.ok()) return as_malformed(st.error());
  auto p = impl_->published();
  if (Status st = impl_->gate(*decoded, nullptr, Impl::PublishedGateView{*p, *impl_}); !st.ok()) {
    return as_malformed(st.error());
  }
  std::string flow = to_hex(decoded->author);
  return Admitted{std::make_shared<const record::Entry>(std::move(*decoded)), std::move(flow), id};
}

Result<Prepared> ElectionLedger::verify_admitted(ByteView entry, const Admitted& admitted) const {
  if (!admitted.decoded) return Prepared();  // stored: a duplicate
  StageTimer timer(impl_->metrics, "precheck");
  // Then the token (against the latest committed state), and only then the proofs.
  const record::Entry& decoded = *admitted.decoded;
  auto p = impl_->published();
  Impl::PublishedGateView view{*p, *impl_};
  auto body = record::decode_body(decoded.type, decoded.body);
  if (!body) return as_malformed(body.error());
  CheckedEntry checked{decoded, std::move(*body), admitted.id, false, ledger::leaf_hash(entry)};
  if (Status st = impl_->gate(checked.entry, &checked.body, view); !st.ok()) {
    return as_malformed(st.error());
  }
  if (impl_->metrics) impl_->metrics->add_proof_checks(1);
  if (Status st = record::complete_proofs(checked, *p->snapshot); !st.ok()) {
    return as_malformed(st.error());
  }
  return Prepared(std::make_shared<const CheckedEntry>(std::move(checked)));
}

Status ElectionLedger::validate(ByteView entry, const Prepared& prepared, BatchView& view) {
  Impl& m = *impl_;
  StageTimer timer(m.metrics, "validate");
  if (m.broken) {
    return make_error(ErrorCode::kIo, "the ledger failed to recover from a storage error");
  }
  m.begin_batch();
  if (prepared) return m.accept(*prepared, view);
  auto checked = record::precheck(entry, record::Snapshot{});
  if (!checked) return checked.error();
  TABELLA_TRY(m.gate(checked->entry, &checked->body, Impl::StateGateView{m.state}));
  if (m.metrics) m.metrics->add_proof_checks(1);
  TABELLA_TRY(record::complete_proofs(*checked, m.state.snapshot()));
  return m.accept(*checked, view);
}

Status ElectionLedger::validate_remote(ByteView entry, BatchView& view) {
  Impl& m = *impl_;
  // Without a pool (a ledger not serving routes) the proofs are checked here, as for a local
  // entry without a product.
  if (m.pool == nullptr) return validate(entry, nullptr, view);
  StageTimer timer(m.metrics, "validate");
  if (m.broken) {
    return make_error(ErrorCode::kIo, "the ledger failed to recover from a storage error");
  }
  m.begin_batch();
  // Decode and signature, the gate, then every rule of ElectionState::apply except the proofs
  // (checks 7, 14, 17), which run after the COMMIT on the pool (after_commit); until they
  // passed, nothing from this entry on is served. A ballot this node sent on to the appender
  // was decoded and its signature checked when it came in: the same bytes, so a copy of that.
  const Prepared early = m.early_product(entry);
  auto checked = early ? Result<CheckedEntry>(CheckedEntry(*early))
                       : record::precheck(entry, record::Snapshot{});
  if (!checked) return checked.error();
  if (early && m.metrics) m.metrics->add_early_decodes(1);
  TABELLA_TRY(m.gate(checked->entry, &checked->body, Impl::StateGateView{m.state}));
  if (!m.proof_snapshot) {
    m.proof_snapshot = std::make_shared<const record::Snapshot>(m.state.snapshot());
  }
  std::shared_ptr<const record::Snapshot> before = m.proof_snapshot;  // accept() may reset it
  auto deferred = std::make_shared<CheckedEntry>(std::move(*checked));
  deferred->proofs_checked = true;  // deferred, not skipped: see above
  TABELLA_TRY(m.accept(*deferred, view));
  deferred->proofs_checked = record::ProofCheck{};
  m.batch_deferred.push_back({view.index(), std::move(deferred), std::move(before)});
  return Status::success();
}

void ElectionLedger::Impl::begin_batch() {
  if (in_batch) return;
  in_batch = true;
  state.begin_batch();
  batch_builder = builder;
}

Status ElectionLedger::Impl::accept(const CheckedEntry& checked, BatchView& view) {
  Impl& m = *this;
  const CheckedEntry* c = &checked;
  const record::Entry& e = c->entry;
  TABELLA_TRY(m.check_author(e));
  bool first = m.state.phase() == record::Phase::kEmpty && e.type == EntryType::kElection;
  if (first) TABELLA_TRY(m.check_first_entry(*c));
  const record::Phase phase_before = m.state.phase();
  TABELLA_TRY(m.state.apply(*c));
  if (m.state.phase() == record::Phase::kOpen) {
    if (phase_before == record::Phase::kKeyed) {
      m.resume_tracking = true;  // polls-open: the resume/ rows start here
    } else if (m.resume_tracking && e.type != EntryType::kCastBallot &&
               e.type != EntryType::kChallengedBallot) {
      view.put_state(resume_key(kResumeEntryPrefix, view.index()), Bytes());
    }
  }
  if (m.token_table && e.type == EntryType::kTokenCommitments) {
    auto listed = view.get_state(std::string(kTokenEntriesKey));
    if (!listed) return listed.error();
    Bytes value = listed->value_or(Bytes());
    auto at = u64be(view.index());
    value.insert(value.end(), at.begin(), at.end());
    view.put_state(std::string(kTokenEntriesKey), std::move(value));
  }

  // Accepted: index rows for ballots.
  const record::EncryptedBallot* ballot = nullptr;
  if (auto* cast = std::get_if<record::CastBallotBody>(&c->body)) ballot = &cast->ballot;
  if (auto* ch = std::get_if<record::ChallengedBallotBody>(&c->body)) ballot = &ch->ballot;
  if (ballot != nullptr) {
    Digest code = election::ballot_code(e.base_hash, e.author, *ballot);
    view.put_state(ballot_key(code), Writer().u64(view.index()).bytes());
    Bytes code_bytes(code.begin(), code.end());
    view.put_state(short_key(election::short_code(code)), std::move(code_bytes));
    ++m.batch_ballots;
  }
  ++m.batch_types[std::string(record::entry_type_name(e.type))];
  Impl::note_tokens(c->body, m.batch_tokens);
  if (e.type == EntryType::kElection || e.type == EntryType::kElectionKey) {
    m.proof_snapshot.reset();  // the snapshot's constants changed
  }
  return Status::success();
}

void ElectionLedger::before_commit(std::uint64_t first_index, const std::vector<Bytes>& accepted,
                                   BatchView& view) {
  Impl& m = *impl_;
  StageTimer timer(m.metrics, "merkle");
  assert(first_index == m.builder.size());
  (void)first_index;
  std::vector<ledger::StoredHash> completed;
  for (const Bytes& e : accepted) {
    completed.clear();
    m.builder.append(ledger::leaf_hash(e), &completed);
    for (const auto& h : completed) {
      view.put_hash(static_cast<std::uint32_t>(h.at.level), h.at.index, h.hash);
    }
    m.reader.remember(completed);
  }
  // The batch's token rows join its transaction; readers do not see them before its snapshot
  // is served.
  if (m.table != nullptr) {
    for (const auto& [hash, row] : m.table->changes()) {
      StateWrite w = token_row_write(row);
      view.put_state(std::move(w.key), std::move(*w.value));
    }
  }
  m.register_unserved(m.batch_tokens);
  m.batch_tokens_registered = true;
  if (m.state.phase() == record::Phase::kOpen) {
    if (m.resume_tracking) {
      const std::uint64_t size = m.state.size();
      if (m.totals_stored_at == 0 || size - m.totals_stored_at >= m.totals_every.load()) {
        view.put_state(std::string(kResumeTotalsKey), m.state.open_totals().encode());
        m.totals_in_batch = size;
      }
    } else {
      view.delete_state(std::string(kResumeTotalsKey));
    }
  }
  // What open() must check again after a crash: the entries from the frontier on (at most the
  // committed size before this batch; this batch's remote entries are not checked yet).
  if (m.cluster)
    view.put_state(std::string(kVerifiedKey), Writer().u64(m.frontier->frontier()).bytes());
}

void ElectionLedger::after_commit(const Status& committed) {
  Impl& m = *impl_;
  StageTimer timer(m.metrics, "publish");
  if (m.totals_in_batch != 0 && committed.ok()) m.totals_stored_at = m.totals_in_batch;
  m.totals_in_batch = 0;
  if (committed.ok()) {
    bool snapshot_changed = m.batch_types.count("election") || m.batch_types.count("election-key");
    if (m.metrics) {
      for (const auto& [type, n] : m.batch_types) m.metrics->add_entries_by_type(type, n);
      m.metrics->add_ballots(m.batch_ballots);
      m.metrics->add_fsyncs(1);
    }
    // The remote entries' proofs, off the commit path; the snapshot published now is served
    // once they passed (Impl::promote).
    for (const auto& d : m.batch_deferred) m.frontier->pending(d.index);
    m.frontier->committed(m.builder.size());
    for (auto& d : m.batch_deferred) m.check_proofs_later(std::move(d));
    m.batch_deferred.clear();
    if (m.table != nullptr) m.table->committed();
    m.apply_memory_tokens(m.batch_tokens);
    m.publish(snapshot_changed, std::move(m.batch_tokens));
    // The result closes the record: its covering checkpoint is stored (and, through publish(),
    // offered to the witnesses) now, not at the next --checkpoint-interval tick.
    if (m.batch_types.count("result") != 0) {
      Status st = publish_checkpoint();
      if (!st.ok()) {
        log_event(LogLevel::kError, "checkpoint_store_failed",
                  {{"message", st.error().describe()}});
      }
    }
  } else {
    log_event(LogLevel::kError, "commit_failed", {{"message", committed.error().describe()}});
    m.batch_deferred.clear();
    m.proof_snapshot.reset();
    if (m.batch_tokens_registered) m.unregister_unserved(m.batch_tokens);
    if (m.table != nullptr) m.table->dropped();
    // Undo the batch in memory when it held only ballots (O(batch)); else rebuild from storage.
    if (m.in_batch && m.state.rollback_batch()) {
      m.builder = m.batch_builder;
      m.reader.forget_from(m.builder.size());
      if (m.metrics) m.metrics->add_rollbacks(1);
    } else {
      Status st = m.rebuild();
      if (m.metrics) m.metrics->add_rebuilds(1);
      if (!st.ok()) {
        m.broken = true;
        log_event(LogLevel::kError, "rebuild_failed", {{"message", st.error().describe()}});
      }
    }
  }
  m.in_batch = false;
  m.batch_types.clear();
  m.batch_tokens.clear();
  m.batch_tokens_registered = false;
  m.batch_ballots = 0;
}

bool ElectionLedger::resumed_from_stored_state() const {
  return impl_->resumed_from_stored;
}

Status ElectionLedger::publish_checkpoint() {
  MutexLock serial(impl_->publish_mu);
  auto p = impl_->published();
  {
    MutexLock lock(impl_->cp_mu);
    // Size 0 is never stored (it proves nothing; GET /checkpoint signs it on the fly).
    if (p->size == 0 || impl_->published_cp.size >= p->size) return Status::success();
  }
  StoredCheckpoint cp{p->size, p->receipt_note};
  TABELLA_TRY(impl_->storage.append_checkpoint(cp));
  if (impl_->metrics) impl_->metrics->add_fsyncs(1);
  MutexLock lock(impl_->cp_mu);
  impl_->published_cp = std::move(cp);
  return Status::success();
}

void ElectionLedger::Impl::check_proofs_later(Deferred d) {
  bool passed = false;
  {
    MutexLock lock(early_mu);
    auto it = early_proofs.find(d.entry->id);
    if (it != early_proofs.end()) {
      if (!it->second.passed) {  // checked on the pool right now: its verdict decides
        {
          MutexLock jobs_lock(jobs_mu);
          ++jobs;
        }
        it->second.waiting.push_back(std::move(d));
        return;
      }
      passed = true;
      early_proofs.erase(it);
    }
  }
  if (passed) return verified_early(d);
  post_proof_check(std::move(d));
}

void ElectionLedger::Impl::verified_early(const Deferred& d) {
  if (metrics) metrics->add_early_proofs(1);
  frontier->verified(d.index);
  promote();
}

bool ElectionLedger::Impl::begin_early_proofs(const Digest& entry_id) {
  MutexLock lock(early_mu);
  if (early_proofs.size() >= kMaxEarlyProofs) return false;
  return early_proofs.try_emplace(entry_id).second;
}

void ElectionLedger::Impl::end_early_proofs(const Digest& entry_id, Prepared passed) {
  const bool ok = passed != nullptr;
  std::vector<Deferred> waiting;
  {
    MutexLock lock(early_mu);
    auto it = early_proofs.find(entry_id);
    if (it == early_proofs.end()) return;
    waiting = std::move(it->second.waiting);
    if (ok && waiting.empty()) {
      it->second.passed = std::move(passed);  // for the catch-up that brings the entry back
    } else {
      early_proofs.erase(it);  // resolved now, or useless (the remote path checks itself)
    }
  }
  for (auto& d : waiting) {
    if (ok) {
      verified_early(d);
    } else {
      post_proof_check(std::move(d));
    }
    MutexLock lock(jobs_mu);
    if (--jobs == 0) jobs_cv.notify_all();
  }
}

Prepared ElectionLedger::Impl::early_product(ByteView entry) {
  {
    MutexLock lock(early_mu);
    if (early_proofs.empty()) return nullptr;  // no hash to compute for a lookup that must miss
  }
  const Digest entry_id = sha256(entry);
  MutexLock lock(early_mu);
  auto it = early_proofs.find(entry_id);
  return it == early_proofs.end() ? nullptr : it->second.passed;
}

void ElectionLedger::Impl::drop_early_proofs(const Digest& entry_id) {
  MutexLock lock(early_mu);
  auto it = early_proofs.find(entry_id);
  if (it != early_proofs.end() && it->second.waiting.empty()) early_proofs.erase(it);
}

void ElectionLedger::Impl::post_proof_check(Deferred d) {
  {
    MutexLock lock(jobs_mu);
    ++jobs;
  }
  auto job = [this, d = std::move(d)]() {
    Status st;
    {
      StageTimer timer(metrics, "remote_proofs");
      if (metrics) metrics->add_proof_checks(1);
      st = record::complete_proofs(*d.entry, *d.snapshot);
    }
    if (st.ok()) {
      frontier->verified(d.index);
    } else if (frontier->failed(d.index, st.error())) {
      ProofFrontier::Failure f{d.index, st.error()};
      log_event(LogLevel::kError, "remote_proof_failed",
                {{"index", std::to_string(d.index)},
                 {"message", st.error().describe()},
                 {"action", "serving stops before this entry; no checkpoint covers it"}});
      if (committer) committer->halt(remote_proof_error(f));
    }
    promote();
    MutexLock lock(jobs_mu);
    if (--jobs == 0) jobs_cv.notify_all();
  };
  if (pool == nullptr || !pool->post(job)) job();  // stopping: check it here
}

Status ElectionLedger::Impl::recheck_proofs(std::uint64_t from, std::uint64_t to) {
  const record::Snapshot snap = state.snapshot();
  for (std::uint64_t at = from; at < to; at += kReplayChunk) {
    auto entries = storage.read_range(at, std::min(kReplayChunk, to - at));
    if (!entries) return entries.error();
    for (std::size_t i = 0; i < entries->size(); ++i) {
      auto c = record::precheck((*entries)[i], snap);
      Status st = c ? record::complete_proofs(*c, snap) : Status(c.error());
      if (!st.ok()) {
        return make_error(ErrorCode::kConflict,
                          "entry " + std::to_string(at + i) +
                              " of the local copy was committed before its proofs were checked, "
                              "and they fail (" +
                              st.error().describe() +
                              "): this node does not serve that history (docs/cluster.md)",
                          "cluster");
      }
    }
  }
  if (to > from) {
    log_event(LogLevel::kInfo, "proofs_rechecked",
              {{"from", std::to_string(from)}, {"to", std::to_string(to)}});
  }
  return Status::success();
}

void ElectionLedger::register_routes(Router& router, Committer& committer, ThreadPool& pool) {
  impl_->pool = &pool;
  impl_->committer = &committer;
  register_record_routes(router, committer, pool);
  register_tlog_routes(router);
}

}  // namespace tabella::server
