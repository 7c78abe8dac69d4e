#include "tabella/election/manifest.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace tabella::election {
namespace {

using nlohmann::json;

const std::string kBallotsDir = std::string(TABELLA_SOURCE_DIR) + "/ballots";

// Known answer: manifest_hash(ballots/demo-general.json), also in docs/spec-drafts/manifest.md.
constexpr std::string_view kDemoGeneralHash =
    "eebc6d5567cfb2b4b978410951daa61352ad1692a6c119b368ef2d239236a366";

// A small valid document: two languages, a candidate contest, an approval contest and a
// referendum, one witness.
json base_doc() {
  return json::parse(R"({
    "format": "tabella-election/1",
    "election_id": "test-2026",
    "origin": "tabella.example/test-2026",
    "languages": ["en", "es"],
    "title": {"en": "Test Election", "es": "Elección de Prueba"},
    "start": "2026-11-03T07:00:00Z",
    "end": "2026-11-03T20:00:00Z",
    "guardians": {"count": 3, "quorum": 2},
    "witnesses": {"quorum": 1, "members": [
      {"name": "witness.example/w1", "key": "witness.example/w1+01020304+AQIDBA=="}]},
    "contests": [
      {"id": "mayor", "kind": "candidate",
       "title": {"en": "Mayor", "es": "Alcaldía"},
       "instructions": {"en": "Vote for one.", "es": "Vote por una opción."},
       "min": 0, "max": 1,
       "choices": [
         {"id": "c1", "label": {"en": "Ann Able", "es": "Ann Able"},
          "party": {"en": "Blue", "es": "Azul"}},
         {"id": "c2", "label": {"en": "Bo Baker", "es": "Bo Baker"}},
         {"id": "c3", "label": {"en": "Cy Cole", "es": "Cy Cole"}},
         {"id": "c4", "label": {"en": "Di Dunn", "es": "Di Dunn"}}]},
      {"id": "parks", "kind": "approval",
       "title": {"en": "Parks", "es": "Parques"},
       "instructions": {"en": "Approve any.", "es": "Apruebe las que quiera."},
       "choices": [
         {"id": "north", "label": {"en": "North", "es": "Norte"}},
         {"id": "south", "label": {"en": "South", "es": "Sur"}},
         {"id": "east", "label": {"en": "East", "es": "Este"}}]},
      {"id": "measure-a", "kind": "referendum",
       "title": {"en": "Measure A", "es": "Medida A"},
       "instructions": {"en": "Yes or no.", "es": "Sí o no."},
       "choices": [
         {"id": "yes", "label": {"en": "Yes", "es": "Sí"}},
         {"id": "no", "label": {"en": "No", "es": "No"}}]}
    ]})");
}

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::string hex(const Digest& d) {
  return to_hex(d);
}

Manifest load_ok(const json& doc) {
  auto r = parse_manifest(doc.dump());
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : Manifest{};
}

TEST(ManifestTest, BaseDocumentLoadsWithDefaults) {
  Manifest m = load_ok(base_doc());
  EXPECT_EQ(m.format, "tabella-election/1");
  EXPECT_EQ(m.election_id, "test-2026");
  EXPECT_EQ(m.languages, (std::vector<std::string>{"en", "es"}));
  EXPECT_EQ(m.guardians, 3u);
  EXPECT_EQ(m.quorum, 2u);
  ASSERT_EQ(m.witnesses.size(), 1u);
  EXPECT_EQ(m.witness_quorum, 1u);
  ASSERT_EQ(m.contests.size(), 3u);
  EXPECT_EQ(m.selection_count(), 9u);
  // Approval: min 0, max defaults to the number of choices.
  EXPECT_EQ(m.contests[1].kind, ContestKind::kApproval);
  EXPECT_EQ(m.contests[1].min, 0u);
  EXPECT_EQ(m.contests[1].max, 3u);
  // Referendum: min defaults to 0 (abstention allowed), max is 1.
  EXPECT_EQ(m.contests[2].kind, ContestKind::kReferendum);
  EXPECT_EQ(m.contests[2].min, 0u);
  EXPECT_EQ(m.contests[2].max, 1u);
  // Ballot order and language order are kept.
  EXPECT_EQ(m.contests[0].choices[3].id, "c4");
  EXPECT_EQ(m.contests[0].title.entries[0].first, "en");
  EXPECT_EQ(m.contests[0].title.entries[1].first, "es");
  EXPECT_EQ(m.contests[0].choices[0].party.in("es"), "Azul");
  EXPECT_TRUE(m.contests[0].choices[1].party.empty());
}

// A verifier key is name+key id+base64, and base64 uses '+': only the name part follows the
// key-name rule (a key whose base64 held "++" or ended in '+' was once refused).
TEST(ManifestTest, WitnessKeyWhoseBase64ContainsPlusLoads) {
  json doc = base_doc();
  doc["witnesses"]["members"][0]["key"] = "witness.example/w1+01020304+BA++/w8+";
  Manifest m = load_ok(doc);
  ASSERT_EQ(m.witnesses.size(), 1u);
  EXPECT_EQ(m.witnesses[0].key, "witness.example/w1+01020304+BA++/w8+");
  doc["witnesses"]["members"][0]["key"] = "+01020304+AQIDBA==";  // no name
  EXPECT_FALSE(parse_manifest(doc.dump()).ok());
}

TEST(ManifestTest, LookupsAndLanguageFallback) {
  Manifest m = load_ok(base_doc());
  ASSERT_NE(m.find_contest("parks"), nullptr);
  EXPECT_EQ(m.find_contest("parks")->choices.size(), 3u);
  EXPECT_EQ(m.find_contest("nope"), nullptr);
  EXPECT_EQ(m.title.in("es"), "Elección de Prueba");
  EXPECT_EQ(m.title.in("fr"), "Test Election");  // falls back to the default language
  EXPECT_EQ(LocalizedText{}.in("en"), "");
  EXPECT_EQ(contest_kind_from_name("approval"), ContestKind::kApproval);
  EXPECT_FALSE(contest_kind_from_name("Approval").has_value());
}

TEST(ManifestTest, EveryShippedBallotLoads) {
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kBallotsDir)) {
    if (entry.path().extension() != ".json") continue;
    ++count;
    auto r = load_manifest_file(entry.path());
    ASSERT_TRUE(r.ok()) << entry.path() << "\n" << r.error().describe();
    EXPECT_GT(r->selection_count(), 0u);
  }
  EXPECT_GE(count, 3);
}

TEST(ManifestTest, ShippedBallotsMeetTheirBriefs) {
  auto demo = load_manifest_file(kBallotsDir + "/demo-general.json");
  ASSERT_TRUE(demo.ok());
  EXPECT_EQ(demo->languages, (std::vector<std::string>{"en", "es"}));
  EXPECT_EQ(demo->guardians, 3u);
  EXPECT_EQ(demo->quorum, 2u);
  ASSERT_EQ(demo->contests.size(), 3u);
  EXPECT_EQ(demo->contests[0].choices.size(), 4u);
  EXPECT_EQ(demo->contests[0].max, 1u);
  EXPECT_EQ(demo->contests[1].choices.size(), 5u);
  EXPECT_EQ(demo->contests[1].min, 0u);
  EXPECT_EQ(demo->contests[1].max, 2u);
  EXPECT_EQ(demo->contests[2].kind, ContestKind::kReferendum);

  auto stress = load_manifest_file(kBallotsDir + "/stress-100.json");
  ASSERT_TRUE(stress.ok());
  EXPECT_GE(stress->contests.size(), 25u);
  EXPECT_GE(stress->selection_count(), 100u);
  EXPECT_EQ(stress->guardians, 5u);
  EXPECT_EQ(stress->quorum, 3u);
  std::set<ContestKind> kinds;
  for (const Contest& c : stress->contests) kinds.insert(c.kind);
  EXPECT_EQ(kinds.size(), 3u);
}

// ---------------------------------------------------------------------------------------------
// One row per rule: a mutation of the base document and the one "path: reason" line it must give.

struct BrokenCase {
  const char* name;
  std::function<void(json&)> mutate;
  std::string expected;  // the complete, only error line
};

std::vector<BrokenCase> broken_cases() {
  return {
      {"duplicate contest id", [](json& d) { d["contests"][1]["id"] = "mayor"; },
       "contests[1].id: duplicate id \"mayor\""},
      {"duplicate choice id",
       [](json& d) {
         d["contests"][0]["choices"][0]["id"] = "c7";
         d["contests"][0]["choices"][1]["id"] = "c7";
       },
       "contests[0].choices[1].id: duplicate id \"c7\""},
      {"unknown contest field", [](json& d) { d["contests"][0]["colour"] = "red"; },
       "contests[0].colour: unknown field"},
      {"unknown top-level field", [](json& d) { d["colour"] = 1; }, "colour: unknown field"},
      {"unknown field with odd name", [](json& d) { d["contests"][2]["a b"] = 1; },
       "contests[2][\"a b\"]: unknown field"},
      {"unknown choice field", [](json& d) { d["contests"][1]["choices"][2]["photo"] = "x"; },
       "contests[1].choices[2].photo: unknown field"},
      {"missing field", [](json& d) { d["contests"][0].erase("title"); },
       "contests[0].title: missing field"},
      {"missing top-level field", [](json& d) { d.erase("origin"); }, "origin: missing field"},
      {"min greater than max",
       [](json& d) {
         d["contests"][0]["min"] = 2;
         d["contests"][0]["max"] = 1;
       },
       "contests[0].min: must not exceed max (1), got 2"},
      {"max greater than choices", [](json& d) { d["contests"][0]["max"] = 5; },
       "contests[0].max: must not exceed the number of choices (4), got 5"},
      {"max above 64", [](json& d) { d["contests"][0]["max"] = 65; },
       "contests[0].max: must be between 1 and 64, got 65"},
      {"max zero", [](json& d) { d["contests"][0]["max"] = 0; },
       "contests[0].max: must be between 1 and 64, got 0"},
      {"candidate without max", [](json& d) { d["contests"][0].erase("max"); },
       "contests[0].max: missing field"},
      {"negative min", [](json& d) { d["contests"][0]["min"] = -1; },
       "contests[0].min: must be between 0 and 64, got -1"},
      {"missing language in a label",
       [](json& d) { d["contests"][0]["choices"][2]["label"].erase("es"); },
       "contests[0].choices[2].label.es: missing translation"},
      {"missing language in the title", [](json& d) { d["title"].erase("en"); },
       "title.en: missing translation"},
      {"label in a language not offered",
       [](json& d) { d["contests"][1]["title"]["fr"] = "Parcs"; },
       "contests[1].title.fr: language \"fr\" is not in languages"},
      {"label not an object", [](json& d) { d["contests"][0]["choices"][0]["label"] = "Ann"; },
       "contests[0].choices[0].label: expected an object of translations like {\"en\": \"...\"}, "
       "got string"},
      {"empty label", [](json& d) { d["contests"][0]["choices"][0]["label"]["en"] = ""; },
       "contests[0].choices[0].label.en: must not be empty"},
      {"control character", [](json& d) { d["title"]["en"] = "Test\tElection"; },
       "title.en: must not contain control characters"},
      {"newline outside instructions", [](json& d) { d["title"]["es"] = "a\nb"; },
       "title.es: must not contain control characters"},
      {"title too long", [](json& d) { d["title"]["en"] = std::string(257, 'x'); },
       "title.en: too long: 257 bytes (limit 256)"},
      {"bad calendar date", [](json& d) { d["start"] = "2026-02-30T07:00:00Z"; },
       "start: invalid date \"2026-02-30T07:00:00Z\": expected RFC 3339 UTC time "
       "\"YYYY-MM-DDTHH:MM:SSZ\" like \"2026-11-03T07:00:00Z\""},
      {"date with offset", [](json& d) { d["end"] = "2026-11-03T20:00:00+01:00"; },
       "end: invalid date \"2026-11-03T20:00:00+01:00\": expected RFC 3339 UTC time "
       "\"YYYY-MM-DDTHH:MM:SSZ\" like \"2026-11-03T07:00:00Z\""},
      {"end before start", [](json& d) { d["end"] = "2026-11-03T06:59:59Z"; },
       "end: must be after start (2026-11-03T07:00:00Z)"},
      {"bad id characters", [](json& d) { d["contests"][0]["id"] = "Mayor!"; },
       "contests[0].id: invalid id \"Mayor!\": use 1 to 64 characters from a-z, 0-9 and '-'"},
      {"election id too short", [](json& d) { d["election_id"] = "ab"; },
       "election_id: invalid id \"ab\": use 3 to 64 characters from a-z, 0-9 and '-'"},
      {"id too long", [](json& d) { d["contests"][1]["choices"][0]["id"] = std::string(65, 'a'); },
       "contests[1].choices[0].id: invalid id \"" + std::string(65, 'a') +
           "\": use 1 to 64 characters from a-z, 0-9 and '-'"},
      {"wrong type: string for integer", [](json& d) { d["guardians"]["count"] = "3"; },
       "guardians.count: expected an integer, got string"},
      {"wrong type: float", [](json& d) { d["contests"][0]["max"] = 1.5; },
       "contests[0].max: expected an integer, got 1.5"},
      {"wrong type: object for array", [](json& d) { d["contests"] = json::object(); },
       "contests: expected an array, got object"},
      {"wrong type: number for id", [](json& d) { d["contests"][0]["id"] = 7; },
       "contests[0].id: expected a string, got number"},
      {"wrong type: contest not an object", [](json& d) { d["contests"][1] = true; },
       "contests[1]: expected an object, got boolean"},
      {"empty contests", [](json& d) { d["contests"] = json::array(); },
       "contests: must list at least one contest"},
      {"too many contests",
       [](json& d) {
         json one = d["contests"][2];
         d["contests"] = json::array();
         for (int i = 0; i < 201; ++i) {
           one["id"] = "q" + std::to_string(i);
           d["contests"].push_back(one);
         }
       },
       "contests: too many contests: 201 (limit 200)"},
      {"no choices", [](json& d) { d["contests"][1]["choices"] = json::array(); },
       "contests[1].choices: must list at least one choice"},
      {"too many choices",
       [](json& d) {
         json& c = d["contests"][1];
         json one = c["choices"][0];
         c["choices"] = json::array();
         for (int i = 0; i < 101; ++i) {
           one["id"] = "o" + std::to_string(i);
           c["choices"].push_back(one);
         }
         c["max"] = 10;
       },
       "contests[1].choices: too many choices: 101 (limit 100)"},
      {"unknown kind", [](json& d) { d["contests"][0]["kind"] = "plurality"; },
       "contests[0].kind: unknown contest kind \"plurality\": expected \"candidate\", "
       "\"approval\" or \"referendum\""},
      {"approval with min", [](json& d) { d["contests"][1]["min"] = 1; },
       "contests[1].min: must be 0 for an approval contest"},
      {"referendum with three choices",
       [](json& d) {
         d["contests"][2]["choices"].push_back(
             {{"id", "maybe"}, {"label", {{"en", "Maybe"}, {"es", "Quizás"}}}});
       },
       "contests[2].choices: a referendum has exactly 2 choices, \"yes\" and \"no\", got 3"},
      {"referendum choice not yes/no",
       [](json& d) { d["contests"][2]["choices"][1]["id"] = "nay"; },
       "contests[2].choices[1].id: a referendum choice must be \"yes\" or \"no\", got \"nay\""},
      {"referendum max 2", [](json& d) { d["contests"][2]["max"] = 2; },
       "contests[2].max: must be 1 for a referendum"},
      {"referendum min 2", [](json& d) { d["contests"][2]["min"] = 2; },
       "contests[2].min: must not exceed max (1), got 2"},
      {"referendum with a party",
       [](json& d) {
         d["contests"][2]["choices"][0]["party"] = {{"en", "P"}, {"es", "P"}};
       },
       "contests[2].choices[0].party: a referendum choice has no party"},
      {"bad origin: space", [](json& d) { d["origin"] = "tabella example/x"; },
       "origin: invalid origin \"tabella example/x\": use 1 to 255 bytes of UTF-8 without white "
       "space, control characters or '+'"},
      {"bad origin: plus", [](json& d) { d["origin"] = "tabella.example/a+b"; },
       "origin: invalid origin \"tabella.example/a+b\": use 1 to 255 bytes of UTF-8 without white "
       "space, control characters or '+'"},
      // The origin is a signed-note key name (the ledger's key is named by it): the one rule of
      // ledger::is_valid_key_name, Unicode white space included ("ñ" alone is fine).
      {"bad origin: no-break space", [](json& d) { d["origin"] = "tabella.example/\u00a0x"; },
       "origin: invalid origin \"tabella.example/\u00a0x\": use 1 to 255 bytes of UTF-8 without "
       "white space, control characters or '+'"},
      {"bad origin: DEL", [](json& d) { d["origin"] = "tabella.example/\x7f"; },
       "origin: invalid origin \"tabella.example/\x7f\": use 1 to 255 bytes of UTF-8 without "
       "white space, control characters or '+'"},
      {"quorum greater than guardians", [](json& d) { d["guardians"]["quorum"] = 4; },
       "guardians.quorum: must be between 1 and guardians.count (3), got 4"},
      {"quorum zero", [](json& d) { d["guardians"]["quorum"] = 0; },
       "guardians.quorum: must be between 1 and guardians.count (3), got 0"},
      {"too many guardians",
       [](json& d) {
         d["guardians"] = {{"count", 33}, {"quorum", 2}};
       },
       "guardians.count: must be between 1 and 32, got 33"},
      {"bad format", [](json& d) { d["format"] = "tabella-election/2"; },
       "format: unsupported format \"tabella-election/2\" (expected \"tabella-election/1\")"},
      {"duplicate language",
       [](json& d) {
         d["languages"] = {"en", "es", "ES"};
       },
       "languages[2]: invalid language tag \"ES\": expected a BCP 47 tag like \"en\" or "
       "\"es-MX\""},
      {"duplicate language, other case",
       [](json& d) {
         d["languages"] = {"en", "es-MX", "es-mx"};
       },
       "languages[2]: duplicate language \"es-mx\""},
      {"bad language tag", [](json& d) { d["languages"][1] = "Spanish"; },
       "languages[1]: invalid language tag \"Spanish\": expected a BCP 47 tag like \"en\" or "
       "\"es-MX\""},
      {"no languages", [](json& d) { d["languages"] = json::array(); },
       "languages: must list at least one language"},
      {"witness quorum above members", [](json& d) { d["witnesses"]["quorum"] = 2; },
       "witnesses.quorum: must be between 1 and the number of witnesses (1), got 2"},
      {"duplicate witness name",
       [](json& d) { d["witnesses"]["members"].push_back(d["witnesses"]["members"][0]); },
       "witnesses.members[1].name: duplicate witness name \"witness.example/w1\""},
      {"witness key with space", [](json& d) { d["witnesses"]["members"][0]["key"] = "a b"; },
       "witnesses.members[0].key: invalid verifier key: use 1 to 1024 bytes of UTF-8 without white "
       "space or control characters, as name+key id+key"},
      {"empty witness list", [](json& d) { d["witnesses"]["members"] = json::array(); },
       "witnesses.members: must list at least one witness (omit \"witnesses\" for none)"},
      {"root not an object", [](json& d) { d = json::array(); },
       "$: expected an object, got array"},
  };
}

TEST(ManifestTest, EachBrokenRuleIsReportedWithPathAndReason) {
  for (const BrokenCase& c : broken_cases()) {
    SCOPED_TRACE(c.name);
    json doc = base_doc();
    c.mutate(doc);
    auto r = parse_manifest(doc.dump());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().field, "");
    EXPECT_EQ(lines(r.error().message), std::vector<std::string>{c.expected});
    // validate_manifest_json reports the same problem as field + message.
    auto errors = validate_manifest_json(doc);
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0].describe(), c.expected);
  }
}

// Raw texts: JSON syntax and structure problems the DOM cannot show.
struct RawCase {
  const char* name;
  std::string text;
  std::string expected_prefix;  // the only error line starts with this
  std::string expected_part;    // ... and contains this
};

TEST(ManifestTest, MalformedTextIsReportedWithPosition) {
  std::string good = base_doc().dump(2);
  std::string deep;
  for (int i = 0; i < 40; ++i) deep += "[";
  const std::vector<RawCase> cases = {
      {"syntax error", "{\"format\": }",
       "$: malformed JSON: parse error at line 1, column 12: syntax error while parsing value",
       "(byte 12)"},
      {"error on a later line", "{\n  \"format\": \"x\",\n  \"origin\" \"y\"\n}",
       "$: malformed JSON: parse error at line 3, column 14:", "expected ':'"},
      {"truncated file", good.substr(0, good.size() / 2), "$: malformed JSON: parse error at line ",
       "unexpected end of input"},
      {"empty input", "",
       "$: malformed JSON: parse error at line 1, column 1:", "unexpected end of input"},
      {"trailing garbage", good + " {}", "$: malformed JSON: parse error at line ",
       "expected end of input"},
      {"comment", "// hi\n" + good, "$: malformed JSON: parse error at line 1, column 1:", ""},
      {"invalid UTF-8", "{\"format\": \"\xff\"}", "$: malformed JSON: parse error at line 1",
       "ill-formed UTF-8"},
      {"number too large", "{\"guardians\": 1e999}", "$: malformed JSON: ", "1e999"},
      {"duplicate key", "{\"format\": \"tabella-election/1\", \"format\": \"tabella-election/1\"}",
       "format: duplicate key \"format\"", ""},
      {"deep nesting", "{\"contests\": " + deep, "contests", "nested deeper than 16 levels"},
      {"not an object", "42", "$: expected an object, got number", ""},
  };
  for (const RawCase& c : cases) {
    SCOPED_TRACE(c.name);
    auto r = parse_manifest(c.text);
    ASSERT_FALSE(r.ok());
    auto got = lines(r.error().message);
    ASSERT_FALSE(got.empty());
    EXPECT_EQ(got[0].rfind(c.expected_prefix, 0), 0u) << got[0];
    EXPECT_NE(got[0].find(c.expected_part), std::string::npos) << got[0];
  }
}

TEST(ManifestTest, DuplicateKeyInsideContestsHasItsPath) {
  std::string text = base_doc().dump();
  // Give the second contest's first choice a second "id" key.
  std::string needle = "\"id\":\"north\"";
  auto at = text.find(needle);
  ASSERT_NE(at, std::string::npos);
  text.insert(at + needle.size(), ",\"id\":\"north\"");
  auto r = parse_manifest(text);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(lines(r.error().message),
            std::vector<std::string>{"contests[1].choices[0].id: duplicate key \"id\""});
}

TEST(ManifestTest, AllProblemsInOneDocumentAreReported) {
  json doc = base_doc();
  doc["contests"][0]["colour"] = "red";
  doc["contests"][0]["choices"][1]["id"] = "c1";
  doc["guardians"]["quorum"] = 5;
  doc["title"].erase("es");
  doc["start"] = "yesterday";
  auto r = parse_manifest(doc.dump());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(lines(r.error().message),
            (std::vector<std::string>{
                "title.es: missing translation",
                "start: invalid date \"yesterday\": expected RFC 3339 UTC time "
                "\"YYYY-MM-DDTHH:MM:SSZ\" like \"2026-11-03T07:00:00Z\"",
                "guardians.quorum: must be between 1 and guardians.count (3), got 5",
                "contests[0].colour: unknown field",
                "contests[0].choices[1].id: duplicate id \"c1\"",
            }));
  EXPECT_EQ(validate_manifest_json(doc).size(), 5u);
}

TEST(ManifestTest, ValidDocumentHasNoErrors) {
  EXPECT_TRUE(validate_manifest_json(base_doc()).empty());
}

TEST(ManifestTest, LoadFileReportsMissingFile) {
  auto r = load_manifest_file(kBallotsDir + "/does-not-exist.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kIo);
  EXPECT_NE(r.error().field.find("does-not-exist.json"), std::string::npos);
}

TEST(ManifestTest, OversizedDocumentIsRefused) {
  std::string text(kMaxDocumentSize + 1, ' ');
  auto r = parse_manifest(text);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kLimit);
}

// ---------------------------------------------------------------------------------------------
// Canonical encoding and hash

// JSON with the same content but other whitespace and key order.
std::string reordered_text(const json& j) {
  if (j.is_object()) {
    std::string out = "{\n";
    std::vector<std::string> parts;
    for (const auto& item : j.items()) {
      parts.push_back("   " + json(item.key()).dump() + " :\t" + reordered_text(item.value()));
    }
    for (auto it = parts.rbegin(); it != parts.rend(); ++it) {
      out += *it;
      if (it + 1 != parts.rend()) out += " ,\n";
    }
    return out + "\n}";
  }
  if (j.is_array()) {
    std::string out = "[ ";
    for (std::size_t i = 0; i < j.size(); ++i) out += (i ? " , " : "") + reordered_text(j[i]);
    return out + " ]";
  }
  return j.dump();
}

TEST(ManifestHashTest, SameContentSameHash) {
  json doc = base_doc();
  Manifest a = load_ok(doc);
  auto b = parse_manifest(doc.dump(4));
  auto c = parse_manifest(reordered_text(doc));
  ASSERT_TRUE(b.ok());
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(manifest_hash(a), manifest_hash(*b));
  EXPECT_EQ(manifest_hash(a), manifest_hash(*c));
  // Writing a default out explicitly does not change the content.
  doc["contests"][1]["max"] = 3;
  doc["contests"][2]["min"] = 0;
  EXPECT_EQ(manifest_hash(load_ok(doc)), manifest_hash(a));
}

TEST(ManifestHashTest, EveryContentChangeChangesTheHash) {
  const std::vector<std::pair<const char*, std::function<void(json&)>>> changes = {
      {"election id", [](json& d) { d["election_id"] = "test-2027"; }},
      {"origin", [](json& d) { d["origin"] = "tabella.example/other"; }},
      {"title text", [](json& d) { d["title"]["es"] = "Elección de prueba"; }},
      {"start", [](json& d) { d["start"] = "2026-11-03T07:00:01Z"; }},
      {"end", [](json& d) { d["end"] = "2026-11-03T20:00:01Z"; }},
      {"language order",
       [](json& d) {
         d["languages"] = {"es", "en"};
       }},
      {"guardians", [](json& d) { d["guardians"]["count"] = 4; }},
      {"quorum", [](json& d) { d["guardians"]["quorum"] = 3; }},
      {"witness key",
       [](json& d) {
         d["witnesses"]["members"][0]["key"] = "witness.example/w1+05060708+BQYHCA==";
       }},
      {"no witnesses", [](json& d) { d.erase("witnesses"); }},
      {"contest order", [](json& d) { std::swap(d["contests"][0], d["contests"][1]); }},
      {"choice order",
       [](json& d) { std::swap(d["contests"][0]["choices"][0], d["contests"][0]["choices"][1]); }},
      {"contest id", [](json& d) { d["contests"][0]["id"] = "mayor-2"; }},
      {"kind",
       [](json& d) {
         d["contests"][1]["kind"] = "candidate";  // same min 0 and max 3 as the approval default
         d["contests"][1]["max"] = 3;
       }},
      {"min", [](json& d) { d["contests"][0]["min"] = 1; }},
      {"max", [](json& d) { d["contests"][1]["max"] = 2; }},
      {"instructions", [](json& d) { d["contests"][0]["instructions"]["en"] = "Vote for 1."; }},
      {"choice label",
       [](json& d) { d["contests"][0]["choices"][2]["label"]["en"] = "Cy Cole Jr"; }},
      {"party removed", [](json& d) { d["contests"][0]["choices"][0].erase("party"); }},
      {"party added",
       [](json& d) {
         d["contests"][0]["choices"][1]["party"] = {{"en", "Red"}, {"es", "Rojo"}};
       }},
      {"choice removed", [](json& d) { d["contests"][1]["choices"].erase(2); }},
      {"referendum abstention", [](json& d) { d["contests"][2]["min"] = 1; }},
      // Moving text between adjacent fields must not collide (length prefixes).
      {"text moved between fields",
       [](json& d) {
         d["contests"][0]["choices"][0]["label"] = {{"en", "Ann AbleB"}, {"es", "Ann Able"}};
         d["contests"][0]["choices"][0]["party"] = {{"en", "lue"}, {"es", "Azul"}};
       }},
  };
  std::set<std::string> seen = {hex(manifest_hash(load_ok(base_doc())))};
  for (const auto& [name, change] : changes) {
    SCOPED_TRACE(name);
    json doc = base_doc();
    change(doc);
    auto r = parse_manifest(doc.dump());
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_TRUE(seen.insert(hex(manifest_hash(*r))).second) << "hash did not change";
  }
}

// An independent encoder written from docs/spec-drafts/manifest.md, checked against the library.
struct SpecEncoder {
  Bytes out;
  void u32(std::uint32_t v) {
    for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<std::uint8_t>(v >> s));
  }
  void str(const std::string& s) {
    u32(static_cast<std::uint32_t>(s.size()));
    out.insert(out.end(), s.begin(), s.end());
  }
  void text(const json& obj, const std::vector<std::string>& langs) {
    if (obj.is_null()) return u32(0);
    u32(static_cast<std::uint32_t>(langs.size()));
    for (const auto& l : langs) {
      str(l);
      str(obj.at(l).get<std::string>());
    }
  }
};

Bytes spec_encoding(const json& d) {
  SpecEncoder e;
  auto langs = d["languages"].get<std::vector<std::string>>();
  for (const char* k : {"format", "election_id", "origin", "start", "end"}) {
    e.str(d[k].get<std::string>());
  }
  e.u32(static_cast<std::uint32_t>(langs.size()));
  for (const auto& l : langs) e.str(l);
  e.text(d["title"], langs);
  e.u32(d["guardians"]["count"].get<std::uint32_t>());
  e.u32(d["guardians"]["quorum"].get<std::uint32_t>());
  json members = d.contains("witnesses") ? d["witnesses"]["members"] : json::array();
  e.u32(static_cast<std::uint32_t>(members.size()));
  for (const auto& w : members) {
    e.str(w["name"].get<std::string>());
    e.str(w["key"].get<std::string>());
  }
  e.u32(d.contains("witnesses") ? d["witnesses"]["quorum"].get<std::uint32_t>() : 0);
  e.u32(static_cast<std::uint32_t>(d["contests"].size()));
  for (const auto& c : d["contests"]) {
    e.str(c["id"].get<std::string>());
    e.str(c["kind"].get<std::string>());
    e.text(c["title"], langs);
    e.text(c["instructions"], langs);
    e.u32(c["min"].get<std::uint32_t>());
    e.u32(c["max"].get<std::uint32_t>());
    e.u32(static_cast<std::uint32_t>(c["choices"].size()));
    for (const auto& ch : c["choices"]) {
      e.str(ch["id"].get<std::string>());
      e.text(ch["label"], langs);
      e.text(ch.contains("party") ? ch["party"] : json(), langs);
    }
  }
  return e.out;
}

TEST(ManifestHashTest, CanonicalBytesFollowTheSpec) {
  for (const char* file : {"demo-general.json", "city-referendum.json", "stress-100.json"}) {
    SCOPED_TRACE(file);
    auto m = load_manifest_file(kBallotsDir + "/" + file);
    ASSERT_TRUE(m.ok());
    // to_json writes every default out, so the spec encoder sees min and max.
    Bytes expected = spec_encoding(to_json(*m));
    EXPECT_EQ(canonical_bytes(*m), expected);
    // manifest_hash = SHA-256(u32be(19) || "tabella/v1/manifest" || u32be(len) || bytes)
    Bytes pre = {0, 0, 0, 19};
    std::string tag = "tabella/v1/manifest";
    pre.insert(pre.end(), tag.begin(), tag.end());
    auto n = static_cast<std::uint32_t>(expected.size());
    for (int s = 24; s >= 0; s -= 8) pre.push_back(static_cast<std::uint8_t>(n >> s));
    pre.insert(pre.end(), expected.begin(), expected.end());
    EXPECT_EQ(manifest_hash(*m), sha256(pre));
  }
}

TEST(ManifestHashTest, CanonicalBytesStartAsSpecified) {
  Manifest m = load_ok(base_doc());
  Bytes b = canonical_bytes(m);
  // u32be(18) || "tabella-election/1" || u32be(9) || "test-2026" ...
  std::string head = to_hex(ByteView(b).first(4 + 18 + 4 + 9));
  EXPECT_EQ(head, "00000012" + to_hex(as_bytes("tabella-election/1")) + "00000009" +
                      to_hex(as_bytes("test-2026")));
}

// The worked example of docs/spec-drafts/manifest.md: every byte of a one-question manifest.
TEST(ManifestHashTest, TinyManifestKnownAnswer) {
  auto m = parse_manifest(
      R"({"format":"tabella-election/1","election_id":"tiny","origin":"t.example/tiny",)"
      R"("languages":["en"],"title":{"en":"T"},"start":"2026-01-01T00:00:00Z",)"
      R"("end":"2026-01-02T00:00:00Z","guardians":{"count":1,"quorum":1},)"
      R"("contests":[{"id":"q","kind":"referendum","title":{"en":"Q"},"instructions":{"en":"?"},)"
      R"("choices":[{"id":"yes","label":{"en":"Yes"}},{"id":"no","label":{"en":"No"}}]}]})");
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(to_hex(canonical_bytes(*m)),
            "00000012746162656c6c612d656c656374696f6e2f310000000474696e790000000e742e6578616d70"
            "6c652f74696e7900000014323032362d30312d30315430303a30303a30305a00000014323032362d30"
            "312d30325430303a30303a30305a0000000100000002656e0000000100000002656e00000001540000"
            "00010000000100000000000000000000000100000001710000000a7265666572656e64756d00000001"
            "00000002656e00000001510000000100000002656e000000013f000000000000000100000002000000"
            "037965730000000100000002656e0000000359657300000000000000026e6f0000000100000002656e"
            "000000024e6f00000000");
  EXPECT_EQ(hex(manifest_hash(*m)),
            "dcdbd602a24e80c2937b7e7ef6449eeecacb8578393ab41a14f0566aeea7fed3");
}

TEST(ManifestHashTest, DemoGeneralKnownAnswer) {
  auto m = load_manifest_file(kBallotsDir + "/demo-general.json");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(hex(manifest_hash(*m)), kDemoGeneralHash);
}

TEST(ManifestJsonTest, ToJsonRoundTrips) {
  std::vector<Manifest> all = {load_ok(base_doc())};
  for (const char* file : {"demo-general.json", "city-referendum.json", "stress-100.json"}) {
    auto m = load_manifest_file(kBallotsDir + "/" + file);
    ASSERT_TRUE(m.ok());
    all.push_back(*m);
  }
  for (const Manifest& m : all) {
    SCOPED_TRACE(m.election_id);
    json j = to_json(m);
    EXPECT_TRUE(validate_manifest_json(j).empty());
    auto again = parse_manifest(j.dump());
    ASSERT_TRUE(again.ok()) << again.error().message;
    EXPECT_EQ(*again, m);
    EXPECT_EQ(to_json(*again), j);
    EXPECT_EQ(canonical_bytes(*again), canonical_bytes(m));
  }
}

// A test election (logic and accuracy testing): "test": true, an origin ending in "/test"; its
// canonical bytes are the real election's followed by str("test"), so its hash (and Q) differ.
TEST(ManifestTestElection, DerivedTestElectionHasItsOwnOriginAndHash) {
  Manifest real = load_ok(base_doc());
  auto t = derive_test_manifest(real);
  ASSERT_TRUE(t.ok());
  EXPECT_TRUE(t->test);
  EXPECT_EQ(t->origin, "tabella.example/test-2026/test");
  Bytes rb = canonical_bytes(real);
  Manifest same_origin = *t;
  same_origin.origin = real.origin;
  Bytes tb = canonical_bytes(same_origin);
  ASSERT_EQ(tb.size(), rb.size() + 8);
  EXPECT_TRUE(std::equal(rb.begin(), rb.end(), tb.begin()));
  EXPECT_EQ(to_hex(ByteView(tb).subspan(rb.size())), "00000004" + to_hex(as_bytes("test")));
  EXPECT_NE(manifest_hash(*t), manifest_hash(real));
  // The JSON form carries "test": true and reads back; a real manifest's has no "test" field.
  json j = to_json(*t);
  EXPECT_EQ(j["test"], true);
  EXPECT_FALSE(to_json(real).contains("test"));
  EXPECT_EQ(load_ok(j), *t);
  EXPECT_FALSE(derive_test_manifest(*t).ok());  // already a test election
}

TEST(ManifestTestElection, TestFlagAndOriginSuffixMustAgree) {
  json doc = base_doc();
  doc["test"] = true;  // the origin lacks "/test"
  auto r = parse_manifest(doc.dump());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("origin: a test election's origin must end in \"/test\""),
            std::string::npos)
      << r.error().message;
  doc = base_doc();
  doc["origin"] = "tabella.example/test-2026/test";  // a real election with a test origin
  r = parse_manifest(doc.dump());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("is reserved for test elections"), std::string::npos);
  doc = base_doc();
  doc["test"] = "yes";
  r = parse_manifest(doc.dump());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("test: expected a boolean"), std::string::npos)
      << r.error().message;
  doc = base_doc();
  doc["test"] = false;  // explicitly real
  EXPECT_FALSE(load_ok(doc).test);
}

}  // namespace
}  // namespace tabella::election

namespace tabella::election {
namespace {

// docs/spec.md §7.7: the canonical JSON text of the §7.5 example, byte for byte, and the
// escaping of every character class a manifest string can hold.
TEST(CanonicalJsonTest, KnownAnswers) {
  const std::string tiny = R"({"format":"tabella-election/1","election_id":"tiny",)"
                           R"("origin":"t.example/tiny","languages":["en"],"title":{"en":"T"},)"
                           R"("start":"2026-01-01T00:00:00Z","end":"2026-01-02T00:00:00Z",)"
                           R"("guardians":{"count":1,"quorum":1},"contests":[{"id":"q",)"
                           R"("kind":"referendum","title":{"en":"Q"},"instructions":{"en":"?"},)"
                           R"("choices":[{"id":"yes","label":{"en":"Yes"}},)"
                           R"({"id":"no","label":{"en":"No"}}]}]})";
  auto m = parse_manifest(tiny);
  ASSERT_TRUE(m.ok()) << m.error().describe();
  EXPECT_EQ(to_json(*m).dump(),
            R"({"contests":[{"choices":[{"id":"yes","label":{"en":"Yes"}},{"id":"no","label":)"
            R"({"en":"No"}}],"id":"q","instructions":{"en":"?"},"kind":"referendum","max":1,)"
            R"("min":0,"title":{"en":"Q"}}],"election_id":"tiny","end":"2026-01-02T00:00:00Z",)"
            R"("format":"tabella-election/1","guardians":{"count":1,"quorum":1},)"
            R"("languages":["en"],"origin":"t.example/tiny","start":"2026-01-01T00:00:00Z",)"
            R"("title":{"en":"T"}})");
  // Instructions with a quote, a backslash, a slash, U+2028, a non-BMP character, a non-ASCII
  // letter and a line feed, written with JSON escapes: only ", \ and the line feed are escaped.
  auto doc = nlohmann::json::parse(tiny);
  doc["contests"][0]["instructions"]["en"] = "Say \"yes\" \\ a/b \u2028 \U0001F600 \u00e9\nthen";
  auto e = parse_manifest(doc.dump(-1, ' ', /*ensure_ascii=*/true));
  ASSERT_TRUE(e.ok()) << e.error().describe();
  const std::string text = to_json(*e).dump();
  const Bytes hex = *from_hex(
      "7b22656e223a22536179205c227965735c22205c5c20612f6220e280a820f09f988020c3a95c6e7468656e227d");
  const std::string want(hex.begin(), hex.end());
  EXPECT_NE(text.find(want), std::string::npos) << text;
}

}  // namespace
}  // namespace tabella::election
