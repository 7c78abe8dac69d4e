#include "results_report.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "tabella/election/context.h"
#include "tabella/ledger/checkpoint.h"
#include "tabella/ledger/note.h"
#include "tabella/record/bodies.h"
#include "tabella/record/entry.h"
#include "tabella/record/record_file.h"

namespace tabella::admin {

namespace {

std::string percent(std::uint64_t n, std::uint64_t total) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", total == 0 ? 0.0 : 100.0 * n / total);
  return buf;
}

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string lang0(const election::Manifest& m) {
  return m.languages.empty() ? "" : m.languages[0];
}

std::uint64_t contest_total(const std::vector<std::uint64_t>& counts) {
  std::uint64_t t = 0;
  for (auto c : counts) t += c;
  return t;
}

}  // namespace

Result<PublishedResults> read_results(const std::filesystem::path& record_path) {
  auto reader = record::RecordReader::open(record_path);
  if (!reader) return reader.error();
  PublishedResults r;
  std::string largest_note;
  bool have_result = false;
  for (;;) {
    auto item = reader->next();
    if (!item) return item.error();
    if (!*item) break;
    if (auto* cp = std::get_if<record::RecordCheckpoint>(&**item)) {
      auto note = ledger::parse_note(cp->note);
      if (!note) continue;
      auto body = ledger::Checkpoint::parse(note->text);
      if (body && body->size >= r.checkpoint_size) {
        r.checkpoint_size = body->size;
        r.checkpoint_root_hex = to_hex(body->root);
        r.checkpoint_note = cp->note;
      }
      continue;
    }
    auto& re = std::get<record::RecordEntry>(**item);
    r.log_size = re.index + 1;
    auto e = record::Entry::decode(re.bytes);
    if (!e) return e.error().with_prefix("entry " + std::to_string(re.index));
    switch (e->type) {
      case record::EntryType::kElection: {
        auto b = record::ElectionBody::decode(e->body);
        if (!b) return b.error().with_prefix("entry 0");
        auto m = election::parse_manifest(b->manifest_json);
        if (!m) return m.error().with_prefix("entry 0.manifest");
        r.manifest = std::move(*m);
        auto mh = election::manifest_hash(r.manifest);
        r.manifest_hash_hex = to_hex(mh);
        r.q_hex = to_hex(election::base_hash(mh, e->author));
        r.authority_hex = to_hex(e->author);
        break;
      }
      case record::EntryType::kChallengedBallot:
        ++r.challenged_count;
        break;
      case record::EntryType::kResult: {
        auto b = record::ResultBody::decode(e->body);
        if (!b) return b.error().with_prefix("entry " + std::to_string(re.index));
        r.cast_count = b->cast_count;
        r.counts = b->counts;
        r.guardians = b->guardians;
        have_result = true;
        break;
      }
      default:
        break;
    }
  }
  if (!have_result) {
    return make_error(ErrorCode::kNotFound, "the record has no result entry yet", record_path);
  }
  if (r.counts.size() != r.manifest.contests.size()) {
    return make_error(ErrorCode::kInvalidArgument, "result does not match the manifest", "counts");
  }
  return r;
}

std::string results_text(const PublishedResults& r) {
  const auto& m = r.manifest;
  std::string lang = lang0(m);
  std::ostringstream o;
  o << m.title.in(lang) << " (" << m.election_id << ")\n";
  o << "Ballots cast: " << r.cast_count << "   challenged (not counted): " << r.challenged_count
    << "\n";
  o << "Decrypted by guardians:";
  for (auto g : r.guardians) o << " " << g;
  o << " (quorum " << m.quorum << " of " << m.guardians << ")\n\n";
  for (std::size_t c = 0; c < m.contests.size(); ++c) {
    const auto& contest = m.contests[c];
    std::uint64_t total = contest_total(r.counts[c]);
    o << contest.title.in(lang) << "  (" << total << " marks)\n";
    std::size_t width = 0;
    for (const auto& ch : contest.choices) width = std::max(width, ch.label.in(lang).size());
    for (std::size_t j = 0; j < contest.choices.size(); ++j) {
      std::string label = contest.choices[j].label.in(lang);
      o << "  " << label << std::string(width + 2 - label.size(), ' ');
      std::string n = std::to_string(r.counts[c][j]);
      o << std::string(n.size() < 8 ? 8 - n.size() : 0, ' ') << n << "  "
        << percent(r.counts[c][j], total) << "\n";
    }
    o << "\n";
  }
  o << "Election hash Q:   " << r.q_hex << "\n";
  o << "Manifest hash:     " << r.manifest_hash_hex << "\n";
  o << "Authority key:     " << r.authority_hex << "\n";
  o << "Record:            " << r.log_size << " entries, checkpoint at size " << r.checkpoint_size
    << ", root " << r.checkpoint_root_hex << "\n";
  o << "Verification:      " << (r.verified ? "all checks passed" : "FAILED") << "\n";
  return o.str();
}

std::string results_html(const PublishedResults& r) {
  const auto& m = r.manifest;
  std::string lang = lang0(m);
  std::ostringstream o;
  o << "<!DOCTYPE html>\n<html lang=\"" << escape(lang) << "\">\n<head><meta charset=\"utf-8\">\n"
    << "<title>" << escape(m.title.in(lang)) << " - results</title>\n"
    << "<style>body{font-family:DejaVu Sans,Arial,sans-serif;max-width:52em;margin:2em auto;"
       "color:#222}h2{margin-top:2em}code,pre{font-size:.8em;word-break:break-all}"
       ".ok{color:#176117}.bad{color:#a11}table{border-collapse:collapse}"
       "td,th{padding:.2em .6em;text-align:left}</style>\n</head>\n<body>\n";
  o << "<h1>" << escape(m.title.in(lang)) << "</h1>\n";
  o << "<p>Election <code>" << escape(m.election_id) << "</code>. Ballots cast: <b>" << r.cast_count
    << "</b>; challenged and opened (not counted): " << r.challenged_count
    << ". Decrypted by guardians";
  for (std::size_t i = 0; i < r.guardians.size(); ++i) o << (i ? ", " : " ") << r.guardians[i];
  o << " (quorum " << m.quorum << " of " << m.guardians << ").</p>\n";
  o << "<p class=\""
    << (r.verified ? "ok\">&#10004; Every check of tabella-verify passed."
                   : "bad\">&#10008; Verification FAILED: see the report.")
    << "</p>\n";
  for (std::size_t c = 0; c < m.contests.size(); ++c) {
    const auto& contest = m.contests[c];
    std::uint64_t total = contest_total(r.counts[c]);
    std::uint64_t top = 1;
    for (auto n : r.counts[c]) top = std::max(top, n);
    o << "<h2>" << escape(contest.title.in(lang)) << "</h2>\n";
    const int bar_h = 26, label_w = 220, chart_w = 300, pad = 6;
    int height = static_cast<int>(contest.choices.size()) * (bar_h + pad) + pad;
    o << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << label_w + chart_w + 150
      << "\" height=\"" << height << "\" role=\"img\" aria-label=\""
      << escape(contest.title.in(lang)) << "\">\n";
    for (std::size_t j = 0; j < contest.choices.size(); ++j) {
      int y = pad + static_cast<int>(j) * (bar_h + pad);
      int w = static_cast<int>(static_cast<double>(chart_w) * static_cast<double>(r.counts[c][j]) /
                               static_cast<double>(top));
      const auto& ch = contest.choices[j];
      std::string label = ch.label.in(lang);
      o << "  <text x=\"0\" y=\"" << y + 17 << "\" font-size=\"13\">" << escape(label)
        << "</text>\n";
      o << "  <rect x=\"" << label_w << "\" y=\"" << y << "\" width=\"" << std::max(w, 1)
        << "\" height=\"" << bar_h << "\" fill=\"#3b6ea8\"/>\n";
      o << "  <text x=\"" << label_w + std::max(w, 1) + 6 << "\" y=\"" << y + 17
        << "\" font-size=\"13\">" << r.counts[c][j] << " (" << percent(r.counts[c][j], total)
        << ")</text>\n";
    }
    o << "</svg>\n";
    o << "<table><tr><th>Choice</th><th>Party</th><th>Votes</th><th>Share</th></tr>\n";
    for (std::size_t j = 0; j < contest.choices.size(); ++j) {
      const auto& ch = contest.choices[j];
      o << "<tr><td>" << escape(ch.label.in(lang)) << "</td><td>" << escape(ch.party.in(lang))
        << "</td><td>" << r.counts[c][j] << "</td><td>" << percent(r.counts[c][j], total)
        << "</td></tr>\n";
    }
    o << "</table>\n";
  }
  o << "<h2>Checking this result</h2>\n<p>Election hash Q: <code>" << r.q_hex
    << "</code><br>Manifest hash: <code>" << r.manifest_hash_hex
    << "</code><br>Authority key: <code>" << r.authority_hex << "</code><br>Record: " << r.log_size
    << " entries; checkpoint at size " << r.checkpoint_size << ", root <code>"
    << r.checkpoint_root_hex << "</code></p>\n<pre>" << escape(r.checkpoint_note) << "</pre>\n"
    << "<p>Anyone can re-check every ballot proof, signature and the tally with "
       "<code>tabella-verify record.jsonl</code>.</p>\n</body>\n</html>\n";
  return o.str();
}

}  // namespace tabella::admin
