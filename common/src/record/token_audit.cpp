#include "tabella/record/token_audit.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <queue>
#include <type_traits>

#include "tabella/record/state.h"

namespace tabella::record {

namespace {

// An unnamed file in `dir` (O_TMPFILE), else a named one removed at once.
int open_unnamed(const std::filesystem::path& dir) {
  int fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd >= 0) return fd;
  std::string name = (dir / "tabella-token-audit-XXXXXX").string();
  fd = ::mkostemp(name.data(), O_CLOEXEC);
  if (fd >= 0) ::unlink(name.c_str());
  return fd;
}

}  // namespace

TokenAudit::TokenAudit(std::FILE* file, std::filesystem::path dir, std::size_t run_records)
    : file_(file), dir_(std::move(dir)), run_records_(std::max<std::size_t>(run_records, 1)) {
  buffer_.reserve(run_records_);
}

TokenAudit::~TokenAudit() {
  if (file_ != nullptr) std::fclose(file_);
}

Result<std::unique_ptr<TokenAudit>> TokenAudit::create(const std::filesystem::path& dir,
                                                       std::size_t run_records) {
  int fd = open_unnamed(dir);
  if (fd < 0) {
    return make_error(ErrorCode::kIo,
                      "cannot create the voter-token check's temporary file in " + dir.string() +
                          ": " + std::strerror(errno) +
                          " (set TMPDIR or --temp-dir to a writable directory)",
                      dir.string());
  }
  std::FILE* file = ::fdopen(fd, "w+b");
  if (file == nullptr) {
    ::close(fd);
    return errno_error("fdopen", dir.string());
  }
  return std::unique_ptr<TokenAudit>(new TokenAudit(file, dir, run_records));
}

std::uint32_t TokenAudit::precinct_id(const std::string& precinct) {
  auto [it, added] = precinct_ids_.emplace(precinct, static_cast<std::uint32_t>(precincts_.size()));
  if (added) precincts_.push_back(precinct);
  return it->second;
}

void TokenAudit::commit(const Digest& hash, const std::string& precinct, std::uint64_t index,
                        std::uint32_t position) {
  ++committed_;
  add(Event{hash, index, precinct_id(precinct), position});
}

void TokenAudit::spend(const Digest& hash, const std::string& kiosk_precinct, std::uint64_t index) {
  add(Event{hash, index, precinct_id(kiosk_precinct), kSpend});
}

void TokenAudit::refuse_last_spend() {
  // add() writes a full buffer out before it appends, so the last event is still here.
  if (!buffer_.empty() && buffer_.back().position == kSpend)
    buffer_.back().position = kRefusedSpend;
}

void TokenAudit::add(const Event& e) {
  if (write_error_) return;  // finish() reports it; the events after it no longer matter
  if (buffer_.size() >= run_records_) {
    if (Status st = flush_run(); !st.ok()) {
      write_error_ = st.error();
      buffer_.clear();
      return;
    }
  }
  buffer_.push_back(e);
}

namespace {
bool before(const Digest& ha, std::uint64_t ia, const Digest& hb, std::uint64_t ib) {
  return ha != hb ? ha < hb : ia < ib;
}
}  // namespace

Status TokenAudit::flush_run() {
  static_assert(std::is_trivially_copyable_v<Event> && sizeof(Event) == kEventSize);
  if (buffer_.empty()) return {};
  std::sort(buffer_.begin(), buffer_.end(), [](const Event& a, const Event& b) {
    return before(a.hash, a.index, b.hash, b.index);
  });
  if (std::fseek(file_, static_cast<long>(written_ * kEventSize), SEEK_SET) != 0 ||
      std::fwrite(buffer_.data(), kEventSize, buffer_.size(), file_) != buffer_.size() ||
      std::fflush(file_) != 0) {
    return errno_error("cannot write the voter-token check's temporary file in " + dir_.string(),
                       dir_.string());
  }
  runs_.emplace_back(written_, buffer_.size());
  written_ += buffer_.size();
  buffer_.clear();
  return {};
}

Result<std::vector<TokenAudit::Violation>> TokenAudit::finish() {
  if (write_error_) return *write_error_;
  TABELLA_TRY(flush_run());
  buffer_.shrink_to_fit();
  const int fd = ::fileno(file_);

  // One cursor per run, reading a few KiB at a time.
  constexpr std::size_t kChunk = 256;
  struct Cursor {
    std::uint64_t next = 0;  // next event of the run to read into `events`
    std::uint64_t end = 0;
    std::vector<Event> events;
    std::size_t at = 0;
  };
  std::vector<Cursor> cursors(runs_.size());
  auto refill = [&](Cursor& c) -> Status {
    c.events.resize(static_cast<std::size_t>(std::min<std::uint64_t>(kChunk, c.end - c.next)));
    c.at = 0;
    const std::size_t bytes = c.events.size() * kEventSize;
    std::size_t got = 0;
    while (got < bytes) {
      ssize_t n = ::pread(fd, reinterpret_cast<char*>(c.events.data()) + got, bytes - got,
                          static_cast<off_t>(c.next * kEventSize + got));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        return make_error(ErrorCode::kIo,
                          "cannot read back the voter-token check's temporary file in " +
                              dir_.string() + ": " +
                              (n < 0 ? std::strerror(errno) : "file too short"),
                          dir_.string());
      }
      got += static_cast<std::size_t>(n);
    }
    c.next += c.events.size();
    return {};
  };
  auto greater = [&](std::size_t a, std::size_t b) {
    const Event& ea = cursors[a].events[cursors[a].at];
    const Event& eb = cursors[b].events[cursors[b].at];
    return before(eb.hash, eb.index, ea.hash, ea.index);
  };
  std::priority_queue<std::size_t, std::vector<std::size_t>, decltype(greater)> heap(greater);
  for (std::size_t r = 0; r < runs_.size(); ++r) {
    cursors[r].next = runs_[r].first;
    cursors[r].end = runs_[r].first + runs_[r].second;
    TABELLA_TRY(refill(cursors[r]));
    if (!cursors[r].events.empty()) heap.push(r);
  }

  std::vector<Violation> out;
  // The token being walked: its events come in log order.
  Digest current{};
  bool any = false, committed = false, spent = false;
  std::uint32_t precinct = 0;
  while (!heap.empty()) {
    std::size_t r = heap.top();
    heap.pop();
    Cursor& c = cursors[r];
    const Event e = c.events[c.at];
    if (++c.at == c.events.size() && c.next < c.end) TABELLA_TRY(refill(c));
    if (c.at < c.events.size()) heap.push(r);

    if (!any || e.hash != current) {
      current = e.hash;
      any = true;
      committed = spent = false;
    }
    const bool spends = e.position == kSpend;
    if (!spends && e.position != kRefusedSpend) {  // check 12
      if (committed) {
        out.push_back({e.index, false, token_committed_twice(e.position)});
      } else {
        committed = true;
        precinct = e.precinct;
      }
      continue;
    }
    // check 15
    if (!committed) {
      out.push_back({e.index, true, token_not_committed()});
    } else if (spent) {
      out.push_back({e.index, true, token_already_spent()});
    } else if (auto st = check_token_precinct(precincts_[precinct], precincts_[e.precinct]);
               !st.ok()) {
      out.push_back({e.index, true, st.error()});
    } else if (spends) {
      spent = true;
    }
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const Violation& a, const Violation& b) { return a.index < b.index; });
  return out;
}

}  // namespace tabella::record
