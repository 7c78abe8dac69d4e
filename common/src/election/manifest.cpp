#include "tabella/election/manifest.h"

#include <algorithm>
#include <cctype>
#include <exception>
#include <fstream>
#include <initializer_list>
#include <set>
#include <unordered_set>

#include "tabella/ledger/note.h"
#include "tabella/util/canonical.h"

namespace tabella::election {

using nlohmann::json;

// ---------------------------------------------------------------------------------------------
// Small value helpers

const std::string& LocalizedText::in(std::string_view lang) const {
  static const std::string kEmpty;
  for (const auto& [tag, text] : entries) {
    if (tag == lang) return text;
  }
  return entries.empty() ? kEmpty : entries.front().second;
}

std::string_view contest_kind_name(ContestKind kind) {
  switch (kind) {
    case ContestKind::kCandidate:
      return "candidate";
    case ContestKind::kApproval:
      return "approval";
    case ContestKind::kReferendum:
      return "referendum";
  }
  return "unknown";
}

std::optional<ContestKind> contest_kind_from_name(std::string_view name) {
  for (ContestKind k :
       {ContestKind::kCandidate, ContestKind::kApproval, ContestKind::kReferendum}) {
    if (contest_kind_name(k) == name) return k;
  }
  return std::nullopt;
}

const Contest* Manifest::find_contest(std::string_view id) const {
  for (const Contest& c : contests) {
    if (c.id == id) return &c;
  }
  return nullptr;
}

std::size_t Manifest::selection_count() const {
  std::size_t n = 0;
  for (const Contest& c : contests) n += c.choices.size();
  return n;
}

namespace {

// ---------------------------------------------------------------------------------------------
// JSON paths: "contests[2].choices[1].id"; keys that are not plain words are quoted:
// contests[0]["two words"]. The document root is "$".

bool plain_key(std::string_view key) {
  if (key.empty()) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

std::string json_quote(std::string_view s) {
  // dump() with replacement never throws on invalid UTF-8.
  return json(std::string(s)).dump(-1, ' ', /*ensure_ascii=*/false, json::error_handler_t::replace);
}

std::string member(const std::string& path, std::string_view key) {
  if (!plain_key(key))
    return (path.empty() ? std::string("$") : path) + "[" + json_quote(key) + "]";
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

std::string element(const std::string& path, std::size_t i) {
  return (path.empty() ? std::string("$") : path) + "[" + std::to_string(i) + "]";
}

std::string where(const std::string& path) {
  return path.empty() ? std::string("$") : path;
}

// ---------------------------------------------------------------------------------------------
// Text rules

// Validates UTF-8 (no overlongs, surrogates or code points above U+10FFFF) and refuses control
// characters (C0 except an allowed '\n', DEL, C1). Returns the reason or nullptr.
const char* text_problem(std::string_view s, bool allow_newline) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  std::size_t n = s.size(), i = 0;
  while (i < n) {
    unsigned c = p[i];
    std::uint32_t cp = 0;
    std::size_t len = 0;
    if (c < 0x80) {
      cp = c, len = 1;
    } else if (c >= 0xC2 && c <= 0xDF) {
      cp = c & 0x1F, len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      cp = c & 0x0F, len = 3;
    } else if (c >= 0xF0 && c <= 0xF4) {
      cp = c & 0x07, len = 4;
    } else {
      return "invalid UTF-8";
    }
    if (i + len > n) return "invalid UTF-8";
    for (std::size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return "invalid UTF-8";
      cp = cp << 6 | (p[i + k] & 0x3F);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (len == 4 && (cp < 0x10000 || cp > 0x10FFFF))) {
      return "invalid UTF-8";
    }
    if ((cp < 0x20 && !(allow_newline && cp == '\n')) || (cp >= 0x7F && cp <= 0x9F)) {
      return "must not contain control characters";
    }
    i += len;
  }
  return nullptr;
}

bool valid_id(std::string_view id, std::size_t min_len) {
  if (id.size() < min_len || id.size() > kMaxIdLength) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

// BCP 47, the subset used for ballots: a 2-3 letter lower-case primary language subtag, then
// subtags of 1-8 letters or digits ("en", "es-MX", "zh-Hant-TW").
bool valid_language_tag(std::string_view tag) {
  if (tag.empty() || tag.size() > kMaxLanguageTagLength) return false;
  std::size_t i = 0;
  while (i < tag.size() && tag[i] >= 'a' && tag[i] <= 'z') ++i;
  if (i < 2 || i > 3) return false;
  while (i < tag.size()) {
    if (tag[i] != '-') return false;
    std::size_t start = ++i;
    while (i < tag.size() && std::isalnum(static_cast<unsigned char>(tag[i]))) ++i;
    if (i - start < 1 || i - start > 8) return false;
  }
  return true;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// RFC 3339 in UTC, whole seconds: "YYYY-MM-DDTHH:MM:SSZ" with a real calendar date.
bool valid_utc_time(std::string_view s) {
  static constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:ddZ";
  if (s.size() != kShape.size()) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (kShape[i] == 'd' ? !(s[i] >= '0' && s[i] <= '9') : s[i] != kShape[i]) return false;
  }
  auto num = [&](std::size_t at, std::size_t len) {
    int v = 0;
    for (std::size_t i = at; i < at + len; ++i) v = v * 10 + (s[i] - '0');
    return v;
  };
  int year = num(0, 4), month = num(5, 2), day = num(8, 2);
  int hour = num(11, 2), minute = num(14, 2), second = num(17, 2);
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  int days = kDays[month - 1] + (month == 2 && leap ? 1 : 0);
  return day <= days && hour <= 23 && minute <= 59 && second <= 59;
}

// The origin and the witness names are signed-note key names (docs/spec.md §6.3.1).
bool valid_note_name(std::string_view s, std::size_t max_len) {
  return s.size() <= max_len && ledger::is_valid_key_name(s);
}

// A witness's verifier key, `name+hex8(key id)+base64(key)`: every '+'-separated part a key
// name (check 4 parses it further).
bool valid_verifier_key_text(std::string_view s, std::size_t max_len) {
  // name+key id+key: the name follows the one key-name rule; the key id (hex) and the key
  // (standard base64, whose alphabet includes '+') are printable ASCII without spaces.
  if (s.size() > max_len) return false;
  const std::size_t plus = s.find('+');
  if (plus == std::string_view::npos || !ledger::is_valid_key_name(s.substr(0, plus))) return false;
  const std::string_view rest = s.substr(plus + 1);
  if (rest.empty()) return false;
  for (char c : rest) {
    const auto b = static_cast<unsigned char>(c);
    if (b <= 0x20 || b >= 0x7F) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// The decoder: validates the whole document and builds a Manifest on the way. The Manifest is
// only used when no error was recorded.

class Decoder {
 public:
  Manifest decode(const json& doc);
  std::vector<Error> take_errors() { return std::move(errors_); }

 private:
  void fail(const std::string& path, ErrorCode code, std::string reason) {
    errors_.push_back(make_error(code, std::move(reason), where(path)));
  }
  void wrong_type(const std::string& path, std::string_view expected, const json& got) {
    fail(path, ErrorCode::kInvalidArgument,
         "expected " + std::string(expected) + ", got " + std::string(got.type_name()));
  }

  bool expect_object(const json& j, const std::string& path) {
    if (j.is_object()) return true;
    wrong_type(path, "an object", j);
    return false;
  }
  void reject_unknown(const json& obj, const std::string& path,
                      std::initializer_list<std::string_view> known) {
    for (const auto& item : obj.items()) {
      if (std::find(known.begin(), known.end(), item.key()) == known.end()) {
        fail(member(path, item.key()), ErrorCode::kInvalidArgument, "unknown field");
      }
    }
  }
  const json* get(const json& obj, const std::string& path, std::string_view name, bool required) {
    auto it = obj.find(std::string(name));
    if (it != obj.end()) return &*it;
    if (required) fail(member(path, name), ErrorCode::kInvalidArgument, "missing field");
    return nullptr;
  }

  std::optional<std::string> string_value(const json& j, const std::string& path) {
    if (!j.is_string()) {
      wrong_type(path, "a string", j);
      return std::nullopt;
    }
    return j.get<std::string>();
  }
  // Non-empty UTF-8 text without control characters, at most max_len bytes.
  std::optional<std::string> text_value(const json& j, const std::string& path, std::size_t max_len,
                                        bool allow_newline) {
    auto s = string_value(j, path);
    if (!s) return s;
    if (const char* problem = text_problem(*s, allow_newline)) {
      fail(path, ErrorCode::kInvalidArgument, problem);
      return std::nullopt;
    }
    if (s->empty()) {
      fail(path, ErrorCode::kInvalidArgument, "must not be empty");
      return std::nullopt;
    }
    if (s->size() > max_len) {
      fail(path, ErrorCode::kLimit,
           "too long: " + std::to_string(s->size()) + " bytes (limit " + std::to_string(max_len) +
               ")");
      return std::nullopt;
    }
    return s;
  }
  // An integer in [lo, hi]; hi_name names a bound that comes from another field.
  std::optional<std::uint32_t> uint_value(const json& j, const std::string& path, std::uint32_t lo,
                                          std::uint32_t hi, const std::string& hi_name = {}) {
    std::string got;
    // A DOM built in memory may hold a non-negative value as a signed integer.
    if (j.is_number_unsigned() || (j.is_number_integer() && j.get<std::int64_t>() >= 0)) {
      auto v = j.get<std::uint64_t>();
      if (v >= lo && v <= hi) return static_cast<std::uint32_t>(v);
      got = std::to_string(v);
    } else if (j.is_number_integer()) {
      got = std::to_string(j.get<std::int64_t>());
    } else if (j.is_number_float()) {
      fail(path, ErrorCode::kInvalidArgument, "expected an integer, got " + j.dump());
      return std::nullopt;
    } else {
      wrong_type(path, "an integer", j);
      return std::nullopt;
    }
    std::string upper =
        hi_name.empty() ? std::to_string(hi) : hi_name + " (" + std::to_string(hi) + ")";
    fail(path, ErrorCode::kOutOfRange,
         "must be between " + std::to_string(lo) + " and " + upper + ", got " + got);
    return std::nullopt;
  }
  std::optional<std::string> id_value(const json& j, const std::string& path, std::size_t min_len) {
    auto s = string_value(j, path);
    if (!s) return s;
    if (!valid_id(*s, min_len)) {
      fail(path, ErrorCode::kInvalidArgument,
           "invalid id " + json_quote(*s) + ": use " + std::to_string(min_len) + " to " +
               std::to_string(kMaxIdLength) + " characters from a-z, 0-9 and '-'");
      return std::nullopt;
    }
    return s;
  }
  const json* array_field(const json& obj, const std::string& path, std::string_view name,
                          bool required) {
    const json* a = get(obj, path, name, required);
    if (a == nullptr) return nullptr;
    if (!a->is_array()) {
      wrong_type(member(path, name), "an array", *a);
      return nullptr;
    }
    return a;
  }

  LocalizedText localized(const json& j, const std::string& path, std::size_t max_len,
                          bool allow_newline);
  void decode_languages(const json& doc, Manifest& m);
  void decode_times(const json& doc, Manifest& m);
  void decode_guardians(const json& doc, Manifest& m);
  void decode_witnesses(const json& doc, Manifest& m);
  void decode_contests(const json& doc, Manifest& m);
  void decode_test(const json& doc, Manifest& m);
  std::optional<Contest> decode_contest(const json& j, const std::string& path);
  std::optional<Choice> decode_choice(const json& j, const std::string& path, ContestKind kind,
                                      bool check_yes_no);

  std::vector<Error> errors_;
  std::vector<std::string> languages_;  // the valid, distinct language tags
  bool languages_ok_ = false;           // languages_ is exactly the document's list
};

Manifest Decoder::decode(const json& doc) {
  Manifest m;
  const std::string root;
  if (!expect_object(doc, root)) return m;
  reject_unknown(doc, root,
                 {"format", "election_id", "origin", "languages", "title", "start", "end",
                  "guardians", "witnesses", "contests", "test"});

  if (const json* f = get(doc, root, "format", true)) {
    if (auto s = string_value(*f, "format")) {
      if (*s == kManifestFormat) {
        m.format = *s;
      } else {
        fail("format", ErrorCode::kInvalidArgument,
             "unsupported format " + json_quote(*s) + " (expected \"" +
                 std::string(kManifestFormat) + "\")");
      }
    }
  }
  if (const json* f = get(doc, root, "election_id", true)) {
    if (auto s = id_value(*f, "election_id", kMinElectionIdLength)) m.election_id = *s;
  }
  if (const json* f = get(doc, root, "origin", true)) {
    if (auto s = string_value(*f, "origin")) {
      if (valid_note_name(*s, kMaxOriginLength)) {
        m.origin = *s;
      } else {
        fail("origin", ErrorCode::kInvalidArgument,
             "invalid origin " + json_quote(*s) + ": use 1 to " + std::to_string(kMaxOriginLength) +
                 " bytes of UTF-8 without white space, control characters or '+'");
      }
    }
  }
  decode_languages(doc, m);
  if (const json* f = get(doc, root, "title", true)) {
    m.title = localized(*f, "title", kMaxTitleLength, /*allow_newline=*/false);
  }
  decode_times(doc, m);
  decode_guardians(doc, m);
  decode_witnesses(doc, m);
  decode_contests(doc, m);
  decode_test(doc, m);
  return m;
}

// "test": true marks a test election; its origin, and only its, ends in "/test", so a test log's
// checkpoints can never pass for the real election's.
void Decoder::decode_test(const json& doc, Manifest& m) {
  if (const json* f = get(doc, "", "test", false)) {
    if (f->is_boolean()) {
      m.test = f->get<bool>();
    } else {
      wrong_type("test", "a boolean", *f);
    }
  }
  if (m.origin.empty()) return;
  const bool suffixed =
      m.origin.size() > kTestOriginSuffix.size() && m.origin.ends_with(kTestOriginSuffix);
  if (m.test && !suffixed) {
    fail("origin", ErrorCode::kInvalidArgument,
         "a test election's origin must end in \"" + std::string(kTestOriginSuffix) + "\", got " +
             json_quote(m.origin));
  } else if (!m.test && suffixed) {
    fail("origin", ErrorCode::kInvalidArgument,
         "an origin ending in \"" + std::string(kTestOriginSuffix) +
             "\" is reserved for test elections (\"test\": true), got " + json_quote(m.origin));
  }
}

void Decoder::decode_languages(const json& doc, Manifest& m) {
  const json* a = array_field(doc, "", "languages", true);
  if (a == nullptr) return;
  std::size_t before = errors_.size();
  if (a->empty()) fail("languages", ErrorCode::kInvalidArgument, "must list at least one language");
  if (a->size() > kMaxLanguages) {
    fail("languages", ErrorCode::kLimit,
         "too many languages: " + std::to_string(a->size()) + " (limit " +
             std::to_string(kMaxLanguages) + ")");
  }
  std::set<std::string> seen;
  for (std::size_t i = 0; i < a->size(); ++i) {
    std::string path = element("languages", i);
    auto tag = string_value((*a)[i], path);
    if (!tag) continue;
    if (!valid_language_tag(*tag)) {
      fail(path, ErrorCode::kInvalidArgument,
           "invalid language tag " + json_quote(*tag) + ": expected a BCP 47 tag like \"en\" or " +
               "\"es-MX\"");
      continue;
    }
    if (!seen.insert(lower(*tag)).second) {
      fail(path, ErrorCode::kInvalidArgument, "duplicate language " + json_quote(*tag));
      continue;
    }
    languages_.push_back(*tag);
  }
  languages_ok_ = errors_.size() == before;
  m.languages = languages_;
}

// {"en": "...", "es": "..."}: exactly one text per election language, stored in language order.
// When the languages list itself is broken only the texts are checked, to avoid noise.
LocalizedText Decoder::localized(const json& j, const std::string& path, std::size_t max_len,
                                 bool allow_newline) {
  LocalizedText out;
  if (!j.is_object()) {
    wrong_type(path, "an object of translations like {\"en\": \"...\"}", j);
    return out;
  }
  if (!languages_ok_) {
    for (const auto& item : j.items()) {
      if (auto t = text_value(item.value(), member(path, item.key()), max_len, allow_newline)) {
        out.entries.emplace_back(item.key(), *t);
      }
    }
    return out;
  }
  for (const auto& item : j.items()) {
    if (std::find(languages_.begin(), languages_.end(), item.key()) == languages_.end()) {
      fail(member(path, item.key()), ErrorCode::kInvalidArgument,
           "language " + json_quote(item.key()) + " is not in languages");
    }
  }
  for (const std::string& lang : languages_) {
    auto it = j.find(lang);
    if (it == j.end()) {
      fail(member(path, lang), ErrorCode::kInvalidArgument, "missing translation");
      continue;
    }
    if (auto t = text_value(*it, member(path, lang), max_len, allow_newline)) {
      out.entries.emplace_back(lang, *t);
    }
  }
  return out;
}

void Decoder::decode_times(const json& doc, Manifest& m) {
  bool both = true;
  for (auto [name, slot] : {std::pair{"start", &m.start}, std::pair{"end", &m.end}}) {
    const json* f = get(doc, "", name, true);
    if (f == nullptr) {
      both = false;
      continue;
    }
    auto s = string_value(*f, name);
    if (s && valid_utc_time(*s)) {
      *slot = *s;
      continue;
    }
    both = false;
    if (s) {
      fail(name, ErrorCode::kInvalidArgument,
           "invalid date " + json_quote(*s) +
               ": expected RFC 3339 UTC time \"YYYY-MM-DDTHH:MM:SSZ\" like "
               "\"2026-11-03T07:00:00Z\"");
    }
  }
  // The fixed-width form orders lexicographically like the times it names.
  if (both && m.end <= m.start) {
    fail("end", ErrorCode::kInvalidArgument, "must be after start (" + m.start + ")");
  }
}

void Decoder::decode_guardians(const json& doc, Manifest& m) {
  const json* g = get(doc, "", "guardians", true);
  if (g == nullptr || !expect_object(*g, "guardians")) return;
  reject_unknown(*g, "guardians", {"count", "quorum"});
  std::optional<std::uint32_t> n;
  if (const json* f = get(*g, "guardians", "count", true)) {
    n = uint_value(*f, "guardians.count", 1, kMaxGuardians);
    if (n) m.guardians = *n;
  }
  if (const json* f = get(*g, "guardians", "quorum", true)) {
    auto k = n ? uint_value(*f, "guardians.quorum", 1, *n, "guardians.count")
               : uint_value(*f, "guardians.quorum", 1, kMaxGuardians);
    if (k) m.quorum = *k;
  }
}

void Decoder::decode_witnesses(const json& doc, Manifest& m) {
  const json* w = get(doc, "", "witnesses", false);
  if (w == nullptr || !expect_object(*w, "witnesses")) return;
  reject_unknown(*w, "witnesses", {"quorum", "members"});
  const json* a = array_field(*w, "witnesses", "members", true);
  std::optional<std::size_t> count;
  if (a != nullptr) {
    bool sized = true;
    if (a->empty()) {
      fail("witnesses.members", ErrorCode::kInvalidArgument,
           "must list at least one witness (omit \"witnesses\" for none)");
      sized = false;
    } else if (a->size() > kMaxWitnesses) {
      fail("witnesses.members", ErrorCode::kLimit,
           "too many witnesses: " + std::to_string(a->size()) + " (limit " +
               std::to_string(kMaxWitnesses) + ")");
      sized = false;
    }
    if (sized) count = a->size();
    std::set<std::string> names;
    for (std::size_t i = 0; i < a->size(); ++i) {
      std::string path = element("witnesses.members", i);
      const json& item = (*a)[i];
      if (!expect_object(item, path)) continue;
      reject_unknown(item, path, {"name", "key"});
      Witness wit;
      bool ok = true;
      if (const json* f = get(item, path, "name", true)) {
        auto s = string_value(*f, path + ".name");
        if (s && !valid_note_name(*s, kMaxWitnessNameLength)) {
          fail(path + ".name", ErrorCode::kInvalidArgument,
               "invalid witness name " + json_quote(*s) + ": use 1 to " +
                   std::to_string(kMaxWitnessNameLength) +
                   " bytes of UTF-8 without white space, control characters or '+'");
          s.reset();
        } else if (s && !names.insert(*s).second) {
          fail(path + ".name", ErrorCode::kInvalidArgument,
               "duplicate witness name " + json_quote(*s));
          s.reset();
        }
        if (s) wit.name = *s;
        ok = ok && s.has_value();
      }
      if (const json* f = get(item, path, "key", true)) {
        auto s = string_value(*f, path + ".key");
        if (s && !valid_verifier_key_text(*s, kMaxWitnessKeyLength)) {
          fail(path + ".key", ErrorCode::kInvalidArgument,
               "invalid verifier key: use 1 to " + std::to_string(kMaxWitnessKeyLength) +
                   " bytes of UTF-8 without white space or control characters, as "
                   "name+key id+key");
          s.reset();
        }
        if (s) wit.key = *s;
        ok = ok && s.has_value();
      }
      if (ok) m.witnesses.push_back(std::move(wit));
    }
  }
  if (const json* f = get(*w, "witnesses", "quorum", true)) {
    auto q = count ? uint_value(*f, "witnesses.quorum", 1, static_cast<std::uint32_t>(*count),
                                "the number of witnesses")
                   : uint_value(*f, "witnesses.quorum", 1, kMaxWitnesses);
    if (q) m.witness_quorum = *q;
  }
}

void Decoder::decode_contests(const json& doc, Manifest& m) {
  const json* a = array_field(doc, "", "contests", true);
  if (a == nullptr) return;
  if (a->empty()) fail("contests", ErrorCode::kInvalidArgument, "must list at least one contest");
  if (a->size() > kMaxContests) {
    fail("contests", ErrorCode::kLimit,
         "too many contests: " + std::to_string(a->size()) + " (limit " +
             std::to_string(kMaxContests) + ")");
  }
  std::set<std::string> ids;
  for (std::size_t i = 0; i < a->size(); ++i) {
    std::string path = element("contests", i);
    auto c = decode_contest((*a)[i], path);
    if (!c || c->id.empty()) continue;
    if (!ids.insert(c->id).second) {
      fail(path + ".id", ErrorCode::kInvalidArgument, "duplicate id " + json_quote(c->id));
      continue;
    }
    m.contests.push_back(std::move(*c));
  }
}

std::optional<Contest> Decoder::decode_contest(const json& j, const std::string& path) {
  if (!expect_object(j, path)) return std::nullopt;
  reject_unknown(j, path, {"id", "kind", "title", "instructions", "min", "max", "choices"});
  Contest c;
  if (const json* f = get(j, path, "id", true)) {
    if (auto s = id_value(*f, path + ".id", 1)) c.id = *s;
  }
  bool kind_known = false;
  if (const json* f = get(j, path, "kind", true)) {
    if (auto s = string_value(*f, path + ".kind")) {
      if (auto k = contest_kind_from_name(*s)) {
        c.kind = *k;
        kind_known = true;
      } else {
        fail(path + ".kind", ErrorCode::kInvalidArgument,
             "unknown contest kind " + json_quote(*s) +
                 ": expected \"candidate\", \"approval\" or \"referendum\"");
      }
    }
  }
  if (const json* f = get(j, path, "title", true)) {
    c.title = localized(*f, path + ".title", kMaxTitleLength, /*allow_newline=*/false);
  }
  if (const json* f = get(j, path, "instructions", true)) {
    c.instructions =
        localized(*f, path + ".instructions", kMaxInstructionsLength, /*allow_newline=*/true);
  }

  // Choices first: max defaults from their number.
  std::optional<std::size_t> n_choices;
  if (const json* a = array_field(j, path, "choices", true)) {
    std::string cpath = path + ".choices";
    if (a->empty()) {
      fail(cpath, ErrorCode::kInvalidArgument, "must list at least one choice");
    } else if (a->size() > kMaxChoices) {
      fail(cpath, ErrorCode::kLimit,
           "too many choices: " + std::to_string(a->size()) + " (limit " +
               std::to_string(kMaxChoices) + ")");
    } else if (kind_known && c.kind == ContestKind::kReferendum && a->size() != 2) {
      fail(cpath, ErrorCode::kInvalidArgument,
           "a referendum has exactly 2 choices, \"yes\" and \"no\", got " +
               std::to_string(a->size()));
    } else {
      n_choices = a->size();
    }
    std::set<std::string> ids;
    for (std::size_t i = 0; i < a->size(); ++i) {
      std::string chpath = element(cpath, i);
      // A referendum's choice ids are only checked when there are two of them: with a wrong
      // count, the count is the one problem worth reporting.
      bool referendum = kind_known && c.kind == ContestKind::kReferendum;
      auto ch = decode_choice((*a)[i], chpath, c.kind, referendum && a->size() == 2);
      if (!ch || ch->id.empty()) continue;
      if (!ids.insert(ch->id).second) {
        fail(chpath + ".id", ErrorCode::kInvalidArgument, "duplicate id " + json_quote(ch->id));
        continue;
      }
      c.choices.push_back(std::move(*ch));
    }
  }

  // min and max: defaults and fixed values by kind, then min <= max <= min(64, choices).
  std::optional<std::uint32_t> min, max;
  const json* fmin = get(j, path, "min", false);
  const json* fmax = get(j, path, "max", false);
  if (fmin != nullptr) {
    min = uint_value(*fmin, path + ".min", 0, kMaxSelectionsPerContest);
    if (min && kind_known && c.kind == ContestKind::kApproval && *min != 0) {
      fail(path + ".min", ErrorCode::kInvalidArgument, "must be 0 for an approval contest");
      min.reset();
    }
  } else {
    min = 0;
  }
  if (fmax != nullptr) {
    max = uint_value(*fmax, path + ".max", 1, kMaxSelectionsPerContest);
    if (max && kind_known && c.kind == ContestKind::kReferendum && *max != 1) {
      fail(path + ".max", ErrorCode::kInvalidArgument, "must be 1 for a referendum");
      max.reset();
    }
  } else if (kind_known) {
    switch (c.kind) {
      case ContestKind::kCandidate:
        fail(path + ".max", ErrorCode::kInvalidArgument, "missing field");
        break;
      case ContestKind::kApproval:
        if (n_choices && *n_choices > kMaxSelectionsPerContest) {
          fail(path + ".max", ErrorCode::kInvalidArgument,
               "missing field (required when an approval contest has more than " +
                   std::to_string(kMaxSelectionsPerContest) + " choices)");
        } else if (n_choices) {
          max = static_cast<std::uint32_t>(*n_choices);
        }
        break;
      case ContestKind::kReferendum:
        max = 1;
        break;
    }
  }
  if (max && n_choices && *max > *n_choices) {
    fail(path + ".max", ErrorCode::kOutOfRange,
         "must not exceed the number of choices (" + std::to_string(*n_choices) + "), got " +
             std::to_string(*max));
    max.reset();
  }
  if (min && max && *min > *max) {
    fail(path + ".min", ErrorCode::kOutOfRange,
         "must not exceed max (" + std::to_string(*max) + "), got " + std::to_string(*min));
  }
  c.min = min.value_or(c.min);
  c.max = max.value_or(c.max);
  return c;
}

std::optional<Choice> Decoder::decode_choice(const json& j, const std::string& path,
                                             ContestKind kind, bool check_yes_no) {
  if (!expect_object(j, path)) return std::nullopt;
  reject_unknown(j, path, {"id", "label", "party"});
  Choice ch;
  if (const json* f = get(j, path, "id", true)) {
    if (auto s = id_value(*f, path + ".id", 1)) {
      if (check_yes_no && *s != "yes" && *s != "no") {
        fail(path + ".id", ErrorCode::kInvalidArgument,
             "a referendum choice must be \"yes\" or \"no\", got " + json_quote(*s));
      } else {
        ch.id = *s;
      }
    }
  }
  if (const json* f = get(j, path, "label", true)) {
    ch.label = localized(*f, path + ".label", kMaxLabelLength, /*allow_newline=*/false);
  }
  if (const json* f = get(j, path, "party", false)) {
    if (kind == ContestKind::kReferendum) {
      fail(path + ".party", ErrorCode::kInvalidArgument, "a referendum choice has no party");
    } else {
      ch.party = localized(*f, path + ".party", kMaxPartyLength, /*allow_newline=*/false);
    }
  }
  return ch;
}

// ---------------------------------------------------------------------------------------------
// Strict JSON reading: nlohmann's SAX parser building the DOM ourselves, so that duplicate keys
// (which the DOM parser silently collapses) and excessive nesting are reported with their path.

class StrictSax {
 public:
  using string_t = json::string_t;
  using number_integer_t = json::number_integer_t;
  using number_unsigned_t = json::number_unsigned_t;
  using number_float_t = json::number_float_t;
  using binary_t = json::binary_t;

  json root;
  std::vector<Error> errors;  // duplicate keys; a syntax or depth error ends the list
  bool failed = false;        // syntax or depth error: the DOM is incomplete

  bool null() { return put(json(nullptr)) != nullptr; }
  bool boolean(bool v) { return put(json(v)) != nullptr; }
  bool number_integer(number_integer_t v) { return put(json(v)) != nullptr; }
  bool number_unsigned(number_unsigned_t v) { return put(json(v)) != nullptr; }
  bool number_float(number_float_t v, const string_t&) { return put(json(v)) != nullptr; }
  bool string(string_t& v) { return put(json(std::move(v))) != nullptr; }
  bool binary(binary_t& v) { return put(json::binary(std::move(v))) != nullptr; }
  bool start_object(std::size_t) { return open(json::object()); }
  bool start_array(std::size_t) { return open(json::array()); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }
  bool key(string_t& k) {
    Frame& f = frames_.back();
    if (!f.seen.insert(k).second) {
      errors.push_back(make_error(ErrorCode::kInvalidArgument, "duplicate key " + json_quote(k),
                                  member(path(), k)));
    }
    f.key = k;
    return true;
  }
  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception& ex) {
    std::string what = ex.what();
    if (auto at = what.find("] "); what.rfind("[json.exception.", 0) == 0 && at != what.npos) {
      what = what.substr(at + 2);
    }
    fail(ErrorCode::kInvalidEncoding,
         "malformed JSON: " + what + " (byte " + std::to_string(position) + ")", "$");
    return false;
  }

 private:
  struct Frame {
    json* node;
    std::string key;             // objects: the key whose value comes next
    std::set<std::string> seen;  // objects: keys so far
  };

  // The path of the value being read inside the innermost open container.
  std::string path() const {
    std::string p;
    for (std::size_t i = 0; i + 1 < frames_.size(); ++i) {
      const Frame& f = frames_[i];
      p = f.node->is_array() ? element(p, f.node->size() - 1) : member(p, f.key);
    }
    return p;
  }
  void fail(ErrorCode code, std::string message, std::string field) {
    errors.push_back(make_error(code, std::move(message), std::move(field)));
    failed = true;
  }
  json* put(json v) {
    if (frames_.empty()) {
      root = std::move(v);
      return &root;
    }
    Frame& f = frames_.back();
    if (f.node->is_array()) {
      f.node->push_back(std::move(v));
      return &f.node->back();
    }
    json& slot = (*f.node)[f.key];
    slot = std::move(v);
    return &slot;
  }
  bool open(json container) {
    if (frames_.size() >= kMaxJsonDepth) {
      std::string p = frames_.empty() ? std::string() : path();
      if (!frames_.empty()) {
        const Frame& f = frames_.back();
        p = f.node->is_array() ? element(p, f.node->size()) : member(p, f.key);
      }
      fail(ErrorCode::kLimit, "nested deeper than " + std::to_string(kMaxJsonDepth) + " levels",
           where(p));
      return false;
    }
    json* node = put(std::move(container));
    frames_.push_back(Frame{node, {}, {}});
    return true;
  }
  bool close() {
    frames_.pop_back();
    return true;
  }

  std::vector<Frame> frames_;
};

Error combine(const std::vector<Error>& errors) {
  std::string message;
  for (const Error& e : errors) {
    if (!message.empty()) message += '\n';
    message += e.describe();
  }
  return make_error(errors.front().code, std::move(message));
}

void put_text(Writer& w, const LocalizedText& t) {
  w.count(t.entries.size());
  for (const auto& [lang, text] : t.entries) w.text(lang).text(text);
}

json text_json(const LocalizedText& t) {
  json out = json::object();
  for (const auto& [lang, text] : t.entries) out[lang] = text;
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Public API

std::vector<Error> validate_manifest_json(const json& doc) {
  try {
    Decoder d;
    (void)d.decode(doc);
    return d.take_errors();
  } catch (const std::exception& e) {
    return {
        make_error(ErrorCode::kInvalidArgument, std::string("cannot validate: ") + e.what(), "$")};
  }
}

Result<Manifest> parse_manifest(std::string_view json_text) {
  if (json_text.size() > kMaxDocumentSize) {
    return make_error(ErrorCode::kLimit,
                      "$: document too large: " + std::to_string(json_text.size()) +
                          " bytes (limit " + std::to_string(kMaxDocumentSize) + ")");
  }
  try {
    StrictSax sax;
    json::sax_parse(json_text.begin(), json_text.end(), &sax, json::input_format_t::json,
                    /*strict=*/true, /*ignore_comments=*/false);
    if (sax.failed) return combine({sax.errors.back()});
    std::vector<Error> errors = std::move(sax.errors);
    Decoder d;
    Manifest m = d.decode(sax.root);
    for (Error& e : d.take_errors()) errors.push_back(std::move(e));
    if (!errors.empty()) return combine(errors);
    return m;
  } catch (const std::exception& e) {
    return make_error(ErrorCode::kInvalidArgument, std::string("$: cannot parse: ") + e.what());
  }
}

Result<Manifest> load_manifest_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(ErrorCode::kIo, "cannot open file", path.string());
  std::string text;
  char buf[65536];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxDocumentSize) {
      return make_error(ErrorCode::kLimit,
                        "file larger than " + std::to_string(kMaxDocumentSize) + " bytes",
                        path.string());
    }
  }
  if (in.bad()) return make_error(ErrorCode::kIo, "read error", path.string());
  return parse_manifest(text);
}

json to_json(const Manifest& m) {
  json doc = json::object();
  doc["format"] = m.format;
  doc["election_id"] = m.election_id;
  doc["origin"] = m.origin;
  doc["languages"] = m.languages;
  doc["title"] = text_json(m.title);
  doc["start"] = m.start;
  doc["end"] = m.end;
  doc["guardians"] = {{"count", m.guardians}, {"quorum", m.quorum}};
  if (!m.witnesses.empty()) {
    json members = json::array();
    for (const Witness& w : m.witnesses) members.push_back({{"name", w.name}, {"key", w.key}});
    doc["witnesses"] = {{"quorum", m.witness_quorum}, {"members", std::move(members)}};
  }
  json contests = json::array();
  for (const Contest& c : m.contests) {
    json choices = json::array();
    for (const Choice& ch : c.choices) {
      json cj = {{"id", ch.id}, {"label", text_json(ch.label)}};
      if (!ch.party.empty()) cj["party"] = text_json(ch.party);
      choices.push_back(std::move(cj));
    }
    contests.push_back({{"id", c.id},
                        {"kind", std::string(contest_kind_name(c.kind))},
                        {"title", text_json(c.title)},
                        {"instructions", text_json(c.instructions)},
                        {"min", c.min},
                        {"max", c.max},
                        {"choices", std::move(choices)}});
  }
  doc["contests"] = std::move(contests);
  if (m.test) doc["test"] = true;
  return doc;
}

Result<Manifest> derive_test_manifest(const Manifest& real) {
  if (real.test) {
    return make_error(ErrorCode::kInvalidArgument,
                      "election " + real.election_id + " is a test election already", "test");
  }
  Manifest t = real;
  t.test = true;
  t.origin += kTestOriginSuffix;
  if (t.origin.size() > kMaxOriginLength) {
    return make_error(ErrorCode::kInvalidArgument,
                      "the test origin " + t.origin + " would be longer than " +
                          std::to_string(kMaxOriginLength) + " bytes",
                      "origin");
  }
  return t;
}

// docs/spec.md, "Election manifest": the field order below is normative.
Bytes canonical_bytes(const Manifest& m) {
  Writer w;
  w.text(m.format).text(m.election_id).text(m.origin).text(m.start).text(m.end);
  w.count(m.languages.size());
  for (const std::string& lang : m.languages) w.text(lang);
  put_text(w, m.title);
  w.u32(m.guardians).u32(m.quorum);  // n, k
  w.count(m.witnesses.size());
  for (const Witness& wit : m.witnesses) w.text(wit.name).text(wit.key);
  w.u32(m.witness_quorum);
  w.count(m.contests.size());
  for (const Contest& c : m.contests) {
    w.text(c.id).text(contest_kind_name(c.kind));
    put_text(w, c.title);
    put_text(w, c.instructions);
    w.u32(c.min).u32(c.max);
    w.count(c.choices.size());
    for (const Choice& ch : c.choices) {
      w.text(ch.id);
      put_text(w, ch.label);
      put_text(w, ch.party);
    }
  }
  if (m.test) w.text("test");  // only a test election's bytes carry this trailing item
  return std::move(w).bytes();
}

Digest manifest_hash(const Manifest& m) {
  // H("tabella/v1/manifest"; canonical_bytes)
  return Hasher(kManifestHashTag).add(ByteView(canonical_bytes(m))).finish();
}

}  // namespace tabella::election
