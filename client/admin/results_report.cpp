#include "results_report.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tabella/crypto/ed25519.h"
#include "tabella/election/context.h"
#include "tabella/ledger/checkpoint.h"
#include "tabella/ledger/note.h"
#include "tabella/record/bodies.h"
#include "tabella/record/entry.h"
#include "tabella/record/record_file.h"
#include "tabella/util/html.h"

namespace tabella::admin {

namespace {

std::string percent(std::uint64_t n, std::uint64_t total) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", total == 0 ? 0.0 : 100.0 * n / total);
  return buf;
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
  std::map<PublicKeyBytes, std::size_t> kiosk_at;  // kiosk key -> index in r.kiosks
  auto kiosk_of = [&](const PublicKeyBytes& key) -> KioskTotals* {
    auto it = kiosk_at.find(key);
    return it == kiosk_at.end() ? nullptr : &r.kiosks[it->second];
  };
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
        auto vk = VerifyKey::from_bytes(e->author);
        r.authority_fingerprint = vk ? vk->fingerprint() : "";
        break;
      }
      case record::EntryType::kKioskEnrolment: {
        auto b = record::KioskEnrolmentBody::decode(e->body);
        if (!b) return b.error().with_prefix("entry " + std::to_string(re.index));
        auto vk = VerifyKey::from_bytes(b->key);
        kiosk_at.emplace(b->key, r.kiosks.size());
        r.kiosks.push_back({b->name, b->precinct, vk ? vk->fingerprint() : "", false, 0, 0});
        break;
      }
      case record::EntryType::kKioskRevocation: {
        auto b = record::KioskRevocationBody::decode(e->body);
        if (!b) return b.error().with_prefix("entry " + std::to_string(re.index));
        if (auto* k = kiosk_of(b->key)) k->revoked = true;
        break;
      }
      case record::EntryType::kCastBallot:
        if (auto* k = kiosk_of(e->author)) ++k->cast;
        break;
      case record::EntryType::kChallengedBallot:
        ++r.challenged_count;
        if (auto* k = kiosk_of(e->author)) ++k->challenged;
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

ContestSummary contest_summary(const PublishedResults& r, std::size_t contest) {
  const auto& c = r.manifest.contests[contest];
  const auto& counts = r.counts[contest];
  ContestSummary s;
  s.seats = c.kind == election::ContestKind::kCandidate ? c.max : 1;
  s.ballots = r.cast_count;
  s.votes = contest_total(counts);
  const std::uint64_t capacity = static_cast<std::uint64_t>(c.max) * r.cast_count;
  s.undervotes = capacity > s.votes ? capacity - s.votes : 0;
  if (c.min >= 1) {
    s.blank = 0;
  } else if (c.max == 1) {
    s.blank = r.cast_count > s.votes ? r.cast_count - s.votes : 0;
  }
  // Highest count first, ballot order among equals; a choice with no vote never wins.
  std::vector<std::size_t> order(counts.size());
  for (std::size_t j = 0; j < order.size(); ++j) order[j] = j;
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return counts[a] > counts[b]; });
  const std::size_t seats = std::min<std::size_t>(s.seats, order.size());
  if (seats == 0) return s;
  const std::uint64_t last = counts[order[seats - 1]];
  const bool tie_at_last = seats < order.size() && counts[order[seats]] == last;
  for (std::size_t k = 0; k < order.size(); ++k) {
    std::uint64_t n = counts[order[k]];
    if (n == 0) break;
    if (tie_at_last && n == last) {
      s.tied.push_back(order[k]);
    } else if (k < seats) {
      s.winners.push_back(order[k]);
    }
  }
  return s;
}

std::vector<std::pair<std::string, std::pair<std::uint64_t, std::uint64_t>>> precinct_totals(
    const PublishedResults& r) {
  std::vector<std::pair<std::string, std::pair<std::uint64_t, std::uint64_t>>> out;
  for (const auto& k : r.kiosks) {
    auto it =
        std::find_if(out.begin(), out.end(), [&](const auto& p) { return p.first == k.precinct; });
    if (it == out.end()) it = out.insert(out.end(), {k.precinct, {0, 0}});
    it->second.first += k.cast;
    it->second.second += k.challenged;
  }
  return out;
}

namespace {

// Every language's text, the default first: "Mayor / Alcalde" (a language whose text equals
// the default's is left out).
std::string all_languages(const election::LocalizedText& t, const election::Manifest& m,
                          const char* sep = " / ") {
  std::string out = t.in(lang0(m));
  for (std::size_t i = 1; i < m.languages.size(); ++i) {
    const std::string& other = t.in(m.languages[i]);
    if (!other.empty() && other != t.in(lang0(m))) out += sep + other;
  }
  return out;
}

bool contains(const std::vector<std::size_t>& v, std::size_t x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

std::string outcome_text(const PublishedResults& r, std::size_t c, const ContestSummary& s) {
  const auto& contest = r.manifest.contests[c];
  std::string lang = lang0(r.manifest);
  std::string out;
  auto names = [&](const std::vector<std::size_t>& v) {
    std::string t;
    for (auto j : v) t += (t.empty() ? "" : ", ") + contest.choices[j].label.in(lang);
    return t;
  };
  if (contest.kind == election::ContestKind::kReferendum && !s.winners.empty()) {
    // Whether a measure passes can need a special majority the manifest does not state.
    out += "Most votes: " + names(s.winners);
  } else if (!s.winners.empty()) {
    out += (s.seats == 1 ? "Winner: " : "Elected (" + std::to_string(s.seats) + " seats): ") +
           names(s.winners);
  }
  if (!s.tied.empty()) {
    out += (out.empty() ? "" : "; ") + std::string("TIE for the last seat between ") +
           names(s.tied) + " (resolved by law, not by this report)";
  }
  if (out.empty()) out = "No winner: no votes";
  return out;
}

std::string blank_text(const ContestSummary& s) {
  return s.blank ? std::to_string(*s.blank)
                 : std::string("not determined by the totals (the tally sums marks, not ballots)");
}

constexpr const char* kOvervoteText =
    "Over-votes: none, and impossible: every ballot proves in zero knowledge that each mark is 0 "
    "or 1 and that the contest's marks are within its limits (tabella-verify check 14); the "
    "ledger accepts no other ballot.";

std::string csv_field(const std::string& v) {
  if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
  std::string out = "\"";
  for (char ch : v) {
    if (ch == '"') out += '"';
    out += ch;
  }
  return out + "\"";
}

}  // namespace

const char* const kTestBanner =
    "TEST ELECTION - a logic and accuracy test, not a real election result";

std::string results_text(const PublishedResults& r) {
  const auto& m = r.manifest;
  std::string lang = lang0(m);
  std::ostringstream o;
  if (m.test) o << kTestBanner << "\n";
  o << all_languages(m.title, m) << " (" << m.election_id << ")\n";
  o << "Ballots cast: " << r.cast_count
    << "   challenged (opened, not counted): " << r.challenged_count << "\n";
  o << "Decrypted by guardians:";
  for (auto g : r.guardians) o << " " << g;
  o << " (quorum " << m.quorum << " of " << m.guardians << ")\n\n";
  for (std::size_t c = 0; c < m.contests.size(); ++c) {
    const auto& contest = m.contests[c];
    auto sum = contest_summary(r, c);
    o << all_languages(contest.title, m) << "\n";
    o << "  ballots cast " << sum.ballots << ", votes " << sum.votes << ", vote for up to "
      << contest.max << ", under-votes " << sum.undervotes << ", blank ballots " << blank_text(sum)
      << ", over-votes 0\n";
    std::size_t width = 0;
    for (const auto& ch : contest.choices) width = std::max(width, ch.label.in(lang).size());
    for (std::size_t j = 0; j < contest.choices.size(); ++j) {
      std::string label = contest.choices[j].label.in(lang);
      o << "  " << label << std::string(width + 2 - label.size(), ' ');
      std::string n = std::to_string(r.counts[c][j]);
      o << std::string(n.size() < 8 ? 8 - n.size() : 0, ' ') << n << "  "
        << percent(r.counts[c][j], sum.votes)
        << (contains(sum.winners, j) ? "  *"
            : contains(sum.tied, j)  ? "  (tie)"
                                     : "")
        << "\n";
    }
    o << "  " << outcome_text(r, c, sum) << "\n\n";
  }
  o << kOvervoteText << "\n\n";
  o << "Ballots per kiosk (the result is decrypted as one total; the record holds no vote counts "
       "per kiosk):\n";
  for (const auto& k : r.kiosks) {
    o << "  " << k.name << " (precinct " << k.precinct << ", " << k.fingerprint
      << (k.revoked ? ", revoked" : "") << "): " << k.cast << " cast, " << k.challenged
      << " challenged\n";
  }
  o << "Ballots per precinct:\n";
  for (const auto& [p, n] : precinct_totals(r)) {
    o << "  " << p << ": " << n.first << " cast, " << n.second << " challenged\n";
  }
  o << "\n";
  o << "Election hash Q:   " << r.q_hex << "\n";
  o << "Manifest hash:     " << r.manifest_hash_hex << "\n";
  o << "Authority key:     " << r.authority_hex << " (fingerprint " << r.authority_fingerprint
    << ")\n";
  o << "Record:            " << r.log_size << " entries, checkpoint at size " << r.checkpoint_size
    << ", root " << r.checkpoint_root_hex << "\n";
  o << "Verification:      " << (r.verified ? "all checks passed" : "FAILED") << "\n";
  return o.str();
}

std::string results_html(const PublishedResults& r) {
  const auto& m = r.manifest;
  std::string lang = lang0(m);
  // The default language's text, with the other languages' after it in a quieter style.
  auto both = [&](const election::LocalizedText& t) {
    std::string out = html_escape(t.in(lang));
    for (std::size_t i = 1; i < m.languages.size(); ++i) {
      const std::string& other = t.in(m.languages[i]);
      if (!other.empty() && other != t.in(lang)) {
        out += " <span class=\"alt\" lang=\"" + html_escape(m.languages[i]) + "\">/ " +
               html_escape(other) + "</span>";
      }
    }
    return out;
  };
  std::ostringstream o;
  o << "<!DOCTYPE html>\n<html lang=\"" << html_escape(lang)
    << "\">\n<head><meta charset=\"utf-8\">\n"
    << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    << "<title>" << html_escape(m.title.in(lang)) << " - results</title>\n"
    << "<style>body{font-family:DejaVu Sans,Arial,sans-serif;max-width:56em;margin:2em auto;"
       "padding:0 1em;color:#222}h2{margin-top:2em}code,pre{font-size:.8em;word-break:break-all}"
       ".ok{color:#176117}.bad{color:#a11}.alt{color:#666;font-weight:normal}"
       "table{border-collapse:collapse;margin:.5em 0}td,th{padding:.2em .6em;text-align:left;"
       "border-bottom:1px solid #ddd}td.n{text-align:right}.win{font-weight:bold}"
       "dl.id dt{font-weight:bold;margin-top:.4em}dl.id dd{margin-left:1em}</style>\n"
       "</head>\n<body>\n";
  if (m.test) {
    o << "<p style=\"border:3px solid #a11;color:#a11;font-weight:bold;padding:.5em\">"
      << html_escape(kTestBanner) << "</p>\n";
  }
  o << "<h1>" << both(m.title) << "</h1>\n";
  o << "<p>Election <code>" << html_escape(m.election_id) << "</code>. Ballots cast: <b>"
    << r.cast_count << "</b>; challenged and opened (not counted): " << r.challenged_count
    << ". Decrypted by guardians";
  for (std::size_t i = 0; i < r.guardians.size(); ++i) o << (i ? ", " : " ") << r.guardians[i];
  o << " (quorum " << m.quorum << " of " << m.guardians << ").</p>\n";
  o << "<p class=\""
    << (r.verified ? "ok\">&#10004; Every check of tabella-verify passed on the published record."
                   : "bad\">&#10008; Verification FAILED: see verify-report.txt.")
    << "</p>\n";
  for (std::size_t c = 0; c < m.contests.size(); ++c) {
    const auto& contest = m.contests[c];
    auto sum = contest_summary(r, c);
    std::uint64_t top = 1;
    for (auto n : r.counts[c]) top = std::max(top, n);
    o << "<h2>" << both(contest.title) << "</h2>\n";
    o << "<p class=\"win\">" << html_escape(outcome_text(r, c, sum)) << "</p>\n";
    const int bar_h = 26, label_w = 240, chart_w = 300, pad = 6;
    int height = static_cast<int>(contest.choices.size()) * (bar_h + pad) + pad;
    o << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << label_w + chart_w + 150
      << "\" height=\"" << height << "\" role=\"img\" aria-label=\""
      << html_escape(contest.title.in(lang)) << "\">\n";
    for (std::size_t j = 0; j < contest.choices.size(); ++j) {
      int y = pad + static_cast<int>(j) * (bar_h + pad);
      int w = static_cast<int>(static_cast<double>(chart_w) * static_cast<double>(r.counts[c][j]) /
                               static_cast<double>(top));
      const auto& ch = contest.choices[j];
      bool won = contains(sum.winners, j);
      o << "  <text x=\"0\" y=\"" << y + 17 << "\" font-size=\"13\""
        << (won ? " font-weight=\"bold\"" : "") << ">" << html_escape(ch.label.in(lang))
        << "</text>\n";
      o << "  <rect x=\"" << label_w << "\" y=\"" << y << "\" width=\"" << std::max(w, 1)
        << "\" height=\"" << bar_h << "\" fill=\"" << (won ? "#1f5f99" : "#7fa6cc") << "\"/>\n";
      o << "  <text x=\"" << label_w + std::max(w, 1) + 6 << "\" y=\"" << y + 17
        << "\" font-size=\"13\">" << r.counts[c][j] << " (" << percent(r.counts[c][j], sum.votes)
        << ")</text>\n";
    }
    o << "</svg>\n";
    o << "<table><tr><th>Choice</th><th>Party</th><th>Votes</th><th>Share</th><th></th></tr>\n";
    for (std::size_t j = 0; j < contest.choices.size(); ++j) {
      const auto& ch = contest.choices[j];
      o << "<tr><td>" << both(ch.label) << "</td><td>" << both(ch.party) << "</td><td class=\"n\">"
        << r.counts[c][j] << "</td><td class=\"n\">" << percent(r.counts[c][j], sum.votes)
        << "</td><td>"
        << (contains(sum.winners, j) ? (sum.seats == 1 ? "winner" : "elected")
            : contains(sum.tied, j)  ? "tie"
                                     : "")
        << "</td></tr>\n";
    }
    o << "</table>\n<table><tr><td>Ballots cast</td><td class=\"n\">" << sum.ballots
      << "</td></tr><tr><td>Votes (marks) counted; vote for up to " << contest.max
      << "</td><td class=\"n\">" << sum.votes << "</td></tr><tr><td>Under-votes (marks left unused)"
      << "</td><td class=\"n\">" << sum.undervotes << "</td></tr><tr><td>Blank ballots</td><td"
      << (sum.blank ? " class=\"n\">" : ">") << html_escape(blank_text(sum))
      << "</td></tr><tr><td>Over-votes</td><td class=\"n\">0</td></tr></table>\n";
  }
  o << "<p>" << html_escape(kOvervoteText) << "</p>\n";
  o << "<h2>Ballots per kiosk and per precinct</h2>\n<p>The result is decrypted as one total, so "
       "the record holds no vote counts per kiosk; it does show where each ballot was cast.</p>\n";
  std::uint64_t top = 1;
  for (const auto& k : r.kiosks) top = std::max(top, k.cast);
  const int row_h = 22, label_w = 240, chart_w = 300;
  o << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << label_w + chart_w + 150
    << "\" height=\"" << static_cast<int>(r.kiosks.size()) * row_h + 6
    << "\" role=\"img\" aria-label=\"ballots cast per kiosk\">\n";
  for (std::size_t i = 0; i < r.kiosks.size(); ++i) {
    const auto& k = r.kiosks[i];
    int y = 4 + static_cast<int>(i) * row_h;
    int w = static_cast<int>(static_cast<double>(chart_w) * static_cast<double>(k.cast) /
                             static_cast<double>(top));
    o << "  <text x=\"0\" y=\"" << y + 14 << "\" font-size=\"12\">" << html_escape(k.name) << " ("
      << html_escape(k.precinct) << ")</text>\n  <rect x=\"" << label_w << "\" y=\"" << y
      << "\" width=\"" << std::max(w, 1) << "\" height=\"" << row_h - 4
      << "\" fill=\"#7fa6cc\"/>\n  <text x=\"" << label_w + std::max(w, 1) + 6 << "\" y=\""
      << y + 14 << "\" font-size=\"12\">" << k.cast << "</text>\n";
  }
  o << "</svg>\n<table><tr><th>Kiosk</th><th>Precinct</th><th>Fingerprint</th><th>Cast</th>"
       "<th>Challenged</th></tr>\n";
  for (const auto& k : r.kiosks) {
    o << "<tr><td>" << html_escape(k.name) << (k.revoked ? " (revoked)" : "") << "</td><td>"
      << html_escape(k.precinct) << "</td><td><code>" << html_escape(k.fingerprint)
      << "</code></td><td class=\"n\">" << k.cast << "</td><td class=\"n\">" << k.challenged
      << "</td></tr>\n";
  }
  o << "</table>\n<table><tr><th>Precinct</th><th>Cast</th><th>Challenged</th></tr>\n";
  for (const auto& [p, n] : precinct_totals(r)) {
    o << "<tr><td>" << html_escape(p) << "</td><td class=\"n\">" << n.first
      << "</td><td class=\"n\">" << n.second << "</td></tr>\n";
  }
  o << "</table>\n";
  o << "<h2>The election's identity</h2>\n<dl class=\"id\"><dt>Election hash Q</dt><dd><code>"
    << r.q_hex << "</code></dd><dt>Authority key fingerprint</dt><dd><code>"
    << html_escape(r.authority_fingerprint) << "</code> (key <code>" << r.authority_hex
    << "</code>)</dd><dt>Final checkpoint</dt><dd>size " << r.checkpoint_size << ", root <code>"
    << r.checkpoint_root_hex << "</code></dd><dt>Manifest hash</dt><dd><code>"
    << r.manifest_hash_hex << "</code></dd><dt>Record</dt><dd>" << r.log_size
    << " entries</dd></dl>\n<pre>" << html_escape(r.checkpoint_note) << "</pre>\n"
    << "<p>Anyone can re-check every ballot proof, signature and the tally with "
       "<code>tabella-verify record.jsonl</code>.</p>\n</body>\n</html>\n";
  return o.str();
}

std::string results_csv(const PublishedResults& r) {
  const auto& m = r.manifest;
  std::ostringstream o;
  o << "contest_id,contest_kind";
  for (const auto& l : m.languages) o << ",contest_title_" << l;
  o << ",choice_id";
  for (const auto& l : m.languages) o << ",choice_label_" << l;
  o << ",party,votes,ballots_cast,seats,undervotes,overvotes,outcome,test\r\n";
  for (std::size_t c = 0; c < m.contests.size(); ++c) {
    const auto& contest = m.contests[c];
    auto sum = contest_summary(r, c);
    for (std::size_t j = 0; j < contest.choices.size(); ++j) {
      const auto& ch = contest.choices[j];
      o << csv_field(contest.id) << "," << election::contest_kind_name(contest.kind);
      for (const auto& l : m.languages) o << "," << csv_field(contest.title.in(l));
      o << "," << csv_field(ch.id);
      for (const auto& l : m.languages) o << "," << csv_field(ch.label.in(l));
      o << "," << csv_field(ch.party.in(lang0(m))) << "," << r.counts[c][j] << "," << sum.ballots
        << "," << sum.seats << "," << sum.undervotes << ",0,"
        << (contains(sum.winners, j) ? "winner"
            : contains(sum.tied, j)  ? "tie"
                                     : "")
        << (m.test ? ",TEST" : ",") << "\r\n";
    }
  }
  return o.str();
}

std::string results_nist_json(const PublishedResults& r, const std::string& generated) {
  using nlohmann::json;
  const auto& m = r.manifest;
  auto text = [&](const election::LocalizedText& t) {
    json strings = json::array();
    for (const auto& l : m.languages) {
      if (t.in(l).empty()) continue;
      strings.push_back(
          {{"@type", "ElectionResults.LanguageString"}, {"Language", l}, {"Content", t.in(l)}});
    }
    return json{{"@type", "ElectionResults.InternationalizedText"}, {"Text", strings}};
  };
  auto total = [](std::uint64_t n, const std::string& unit) {
    return json{{"@type", "ElectionResults.VoteCounts"},
                {"Type", "total"},
                {"GpUnitId", unit},
                {"Count", n}};
  };
  const std::string scope = "ru-" + m.election_id;
  // Geography: the election's scope, made of its precincts, made of their kiosks.
  json units = json::array();
  json precinct_ids = json::array();
  std::map<std::string, json> devices_of;  // precinct -> kiosk unit ids
  json devices = json::array();
  for (std::size_t i = 0; i < r.kiosks.size(); ++i) {
    const auto& k = r.kiosks[i];
    std::string id = "rd-kiosk-" + std::to_string(i + 1);
    devices_of[k.precinct].push_back(id);
    devices.push_back({{"@type", "ElectionResults.ReportingDevice"},
                       {"@id", id},
                       {"Name", k.name},
                       {"SerialNumber", k.fingerprint},
                       {"Device", {{"@type", "ElectionResults.Device"}, {"Type", "electronic"}}},
                       {"SummaryCounts", json::array({{{"@type", "ElectionResults.SummaryCounts"},
                                                       {"Type", "total"},
                                                       {"GpUnitId", id},
                                                       {"BallotsCast", k.cast}}})}});
  }
  std::size_t pn = 0;
  for (const auto& [p, n] : precinct_totals(r)) {
    std::string id = "ru-precinct-" + std::to_string(++pn);
    precinct_ids.push_back(id);
    units.push_back({{"@type", "ElectionResults.ReportingUnit"},
                     {"@id", id},
                     {"Type", "precinct"},
                     {"Name", p},
                     {"ComposingGpUnitIds", devices_of[p]},
                     {"SummaryCounts", json::array({{{"@type", "ElectionResults.SummaryCounts"},
                                                     {"Type", "total"},
                                                     {"GpUnitId", id},
                                                     {"BallotsCast", n.first}}})}});
  }
  units.insert(units.begin(),
               json{{"@type", "ElectionResults.ReportingUnit"},
                    {"@id", scope},
                    {"Type", "other"},
                    {"OtherType", "election-scope"},
                    {"Name", m.title.in(lang0(m))},
                    {"ComposingGpUnitIds", precinct_ids},
                    {"SummaryCounts", json::array({{{"@type", "ElectionResults.SummaryCounts"},
                                                    {"Type", "total"},
                                                    {"GpUnitId", scope},
                                                    {"BallotsCast", r.cast_count}}})}});
  for (auto& d : devices) units.push_back(std::move(d));

  json parties = json::array();
  std::map<std::string, std::string> party_id;  // default-language name -> @id
  json candidates = json::array();
  json contests = json::array();
  for (std::size_t c = 0; c < m.contests.size(); ++c) {
    const auto& contest = m.contests[c];
    auto sum = contest_summary(r, c);
    const bool measure = contest.kind == election::ContestKind::kReferendum;
    const std::string cid = "contest-" + contest.id;
    json selections = json::array();
    for (std::size_t j = 0; j < contest.choices.size(); ++j) {
      const auto& ch = contest.choices[j];
      json sel = {{"@id", "sel-" + contest.id + "-" + ch.id},
                  {"SequenceOrder", j + 1},
                  {"VoteCounts", json::array({total(r.counts[c][j], scope)})}};
      if (measure) {
        sel["@type"] = "ElectionResults.BallotMeasureSelection";
        sel["Selection"] = text(ch.label);
      } else {
        std::string cand = "cand-" + contest.id + "-" + ch.id;
        json candidate = {
            {"@type", "ElectionResults.Candidate"}, {"@id", cand}, {"BallotName", text(ch.label)}};
        if (!ch.party.empty()) {
          const std::string& name = ch.party.in(lang0(m));
          auto [it, added] = party_id.emplace(name, "party-" + std::to_string(party_id.size() + 1));
          if (added) {
            parties.push_back({{"@type", "ElectionResults.Party"},
                               {"@id", it->second},
                               {"Name", text(ch.party)}});
          }
          candidate["PartyId"] = it->second;
        }
        if (contains(sum.winners, j)) candidate["PostElectionStatus"] = "winner";
        candidates.push_back(std::move(candidate));
        sel["@type"] = "ElectionResults.CandidateSelection";
        sel["CandidateIds"] = json::array({cand});
      }
      selections.push_back(std::move(sel));
    }
    json summary = {{"@type", "ElectionResults.SummaryCounts"},
                    {"Type", "total"},
                    {"GpUnitId", scope},
                    {"BallotsCast", sum.ballots},
                    {"Undervotes", sum.undervotes},
                    {"Overvotes", 0}};
    json out = {{"@id", cid},
                {"Name", contest.title.in(lang0(m))},
                {"BallotTitle", text(contest.title)},
                {"ElectoralDistrictId", scope},
                {"SequenceOrder", c + 1},
                {"SummaryCounts", json::array({summary})},
                {"CountStatus", json::array({{{"@type", "ElectionResults.CountStatus"},
                                              {"Type", "total"},
                                              {"Status", "completed"}}})},
                {"BallotSelection", selections}};
    if (measure) {
      out["@type"] = "ElectionResults.BallotMeasureContest";
      out["Type"] = "referendum";
    } else {
      out["@type"] = "ElectionResults.CandidateContest";
      out["VotesAllowed"] = contest.max;
      out["NumberElected"] = sum.seats;
      out["VoteVariation"] = contest.kind == election::ContestKind::kApproval ? "approval"
                             : contest.max == 1                               ? "plurality"
                                                                              : "n-of-m";
    }
    contests.push_back(std::move(out));
  }
  auto id = [](const std::string& type, const std::string& value) {
    return json{{"@type", "ElectionResults.ExternalIdentifier"},
                {"Type", "other"},
                {"OtherType", type},
                {"Value", value}};
  };
  json election = {
      {"@type", "ElectionResults.Election"},
      {"Name", text(m.title)},
      {"Type", "other"},
      {"OtherType", "tabella-election"},
      {"StartDate", m.start.substr(0, 10)},
      {"EndDate", m.end.substr(0, 10)},
      {"ElectionScopeId", scope},
      {"ExternalIdentifier",
       json::array({id("tabella-election-id", m.election_id),
                    id("tabella-election-hash-q", r.q_hex),
                    id("tabella-authority-fingerprint", r.authority_fingerprint),
                    id("tabella-final-checkpoint-root", r.checkpoint_root_hex),
                    id("tabella-final-checkpoint-size", std::to_string(r.checkpoint_size))})},
      {"CountStatus", json::array({{{"@type", "ElectionResults.CountStatus"},
                                    {"Type", "total"},
                                    {"Status", "completed"}}})},
      {"Candidate", candidates},
      {"Contest", contests}};
  json report = {
      {"@type", "ElectionResults.ElectionReport"},
      {"Format", "summary-contest"},
      {"GeneratedDate", generated},
      {"Issuer", "Election authority " + r.authority_fingerprint},
      {"IssuerAbbreviation", m.election_id},
      {"SequenceStart", 1},
      {"SequenceEnd", 1},
      {"Status", "unofficial-complete"},
      {"VendorApplicationId", "Tabella tabella-admin"},
      {"IsTest", m.test},
      {"Notes", "Decrypted from the verifiable record (Q " + r.q_hex + "; final checkpoint size " +
                    std::to_string(r.checkpoint_size) + ", root " + r.checkpoint_root_hex + "); " +
                    (r.verified ? "every check of tabella-verify passed" : "verification FAILED") +
                    ". Over-votes are impossible: every ballot proves its marks are within the "
                    "contest's limits."},
      {"Election", json::array({election})},
      {"GpUnit", units},
      {"Party", parties}};
  return report.dump(2) + "\n";
}

}  // namespace tabella::admin
