#include "tabella/server/web_board.h"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "tabella/api/messages.h"
#include "tabella/election/ballot.h"
#include "tabella/election/manifest.h"
#include "tabella/ledger/checkpoint.h"
#include "tabella/ledger/note.h"
#include "tabella/record/bodies.h"
#include "tabella/record/entry.h"
#include "tabella/util/bytes.h"
#include "tabella/util/html.h"
#include "tabella/util/mutex.h"
#include "tabella/util/utc_time.h"
#include "web_assets.h"

namespace tabella::server {
namespace {

using nlohmann::json;

constexpr std::uint64_t kBoardPage = 1000;      // log entries per board page
constexpr std::uint64_t kFetchCount = 1000;     // the most GET /v1/entries returns at once
constexpr std::uint64_t kCheckpointPage = 100;  // checkpoints per page of /checkpoints

// ------------------------------------------------------------------------------ in-process API

// One GET against the record routes of the same router. They answer synchronously; a late
// answer (none of the routes used here gives one) is dropped safely.
Response call(const Router& router, const std::string& path,
              std::map<std::string, std::string> query = {}) {
  struct Slot {
    Mutex mu;
    std::optional<Response> response TABELLA_GUARDED_BY(mu);
  };
  auto slot = std::make_shared<Slot>();
  Request req;
  req.method = "GET";
  req.path = path;
  req.target = path;
  req.query = std::move(query);
  req.request_id = "board";
  router.handle(req, [slot](Response r) {
    MutexLock lock(slot->mu);
    slot->response = std::move(r);
  });
  MutexLock lock(slot->mu);
  if (!slot->response) return json_error(503, "unavailable", "the record did not answer");
  return std::move(*slot->response);
}

// One GET whose 200 body is the API type T (tabella/api/messages.h); an error answer gives its
// ErrorBody's code and message.
template <typename T>
Result<T> call_api(const Router& router, const std::string& path,
                   std::map<std::string, std::string> query = {}) {
  Response r = call(router, path, std::move(query));
  json doc = json::parse(r.body, nullptr, false);
  if (r.status != 200) {
    auto body = api::ErrorBody::from_json(doc);
    if (!body) return Error{ErrorCode::kIo, r.body, path};
    return Error{body->code().value_or(ErrorCode::kIo), body->message, path};
  }
  if (doc.is_discarded()) return Error{ErrorCode::kIo, "not JSON", path};
  auto reply = T::from_json(doc);
  if (!reply) return reply.error().with_prefix(path);
  return reply;
}

struct LogEntry {
  std::uint64_t index = 0;
  Bytes bytes;
  record::Entry entry;
};

// Entries [start, start+count) clipped to the log, decoded.
Result<std::vector<LogEntry>> read_entries(const Router& router, std::uint64_t start,
                                           std::uint64_t count) {
  std::vector<LogEntry> out;
  while (count > 0) {
    std::uint64_t n = std::min(count, kFetchCount);
    auto page = call_api<api::EntryPage>(
        router, "/v1/entries", {{"start", std::to_string(start)}, {"count", std::to_string(n)}});
    if (!page) return page.error();
    const std::size_t got = page->entries.size();
    if (got == 0) break;
    for (auto& item : page->entries) {
      auto e = record::Entry::decode(item.entry);
      if (!e) return e.error();
      out.push_back(LogEntry{item.index, std::move(item.entry), std::move(*e)});
    }
    start += got;
    count -= std::min<std::uint64_t>(count, got);
  }
  return out;
}

// The election as the board shows it: the manifest and ledger key of entry 0, and the status.
struct Election {
  election::Manifest manifest;
  std::string ledger_key;
  api::LedgerStatus status;
};

Result<Election> load_election(const Router& router) {
  Election out;
  auto status = call_api<api::LedgerStatus>(router, "/v1/status");
  if (!status) return status.error();
  out.status = std::move(*status);
  auto first = read_entries(router, 0, 1);
  if (!first) return first.error();
  if (first->empty() || first->front().entry.type != record::EntryType::kElection) {
    return Error{ErrorCode::kNotFound, "the election has not been published yet", ""};
  }
  auto body = record::ElectionBody::decode(first->front().entry.body);
  if (!body) return body.error();
  auto manifest = election::parse_manifest(body->manifest_json);
  if (!manifest) return manifest.error();
  out.manifest = std::move(*manifest);
  out.ledger_key = body->ledger_key;
  return out;
}

// ------------------------------------------------------------------------------------ HTML

// JSON inside <script type="application/json">: "<" escaped so no text can close the element.
std::string script_json(const json& doc) {
  std::string text = doc.dump();
  std::string out;
  for (char c : text) {
    if (c == '<') {
      out += "\\u003c";
    } else {
      out += c;
    }
  }
  return out;
}

// The interface language: Spanish words for a Spanish tag, English otherwise. The election's
// own texts (titles, contests, choices) come from the manifest in the page's language.
struct Lang {
  std::string tag;
  bool es = false;
  const char* t(const char* en, const char* spanish) const { return es ? spanish : en; }
};

Lang pick_lang(const Request& req, const election::Manifest* manifest) {
  Lang lang;
  auto it = req.query.find("lang");
  std::string wanted = it == req.query.end() ? std::string() : it->second;
  if (manifest != nullptr && !manifest->languages.empty()) {
    lang.tag = manifest->languages.front();
    for (const auto& l : manifest->languages) {
      if (l == wanted) lang.tag = l;
    }
  } else {
    lang.tag = wanted == "es" ? "es" : "en";
  }
  lang.es = lang.tag.rfind("es", 0) == 0;
  return lang;
}

// "?lang=xx" or "&lang=xx" appended to a link so the language follows the visitor.
std::string with_lang(const std::string& href, const Lang& lang) {
  return href + (href.find('?') == std::string::npos ? "?" : "&amp;") +
         "lang=" + html_escape(lang.tag);
}

std::string phase_name(const std::string& phase, const Lang& l) {
  if (phase == "empty") return l.t("not started", "sin iniciar");
  if (phase == "setup")
    return l.t("setting up (key ceremony)", "preparación (ceremonia de claves)");
  if (phase == "keyed") return l.t("election key published", "clave de la elección publicada");
  if (phase == "open") return l.t("polls open", "votación abierta");
  if (phase == "closed") return l.t("polls closed", "votación cerrada");
  if (phase == "tallied") return l.t("tallied", "escrutada");
  if (phase == "finished") return l.t("results published", "resultados publicados");
  return phase;
}

struct Page {
  std::string title;
  std::string body;
  json data;         // for the checks in board.js; null when the page has none
  std::string path;  // this page's path with its query minus lang, for the language switch
};

std::string render(const Page& page, const Lang& lang, const Election* election) {
  std::string election_title =
      election != nullptr ? election->manifest.title.in(lang.tag) : std::string("Tabella");
  std::string h =
      "<!DOCTYPE html>\n<html lang=\"" + html_escape(lang.tag) +
      "\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>" +
      html_escape(page.title) + " — " + html_escape(election_title) +
      "</title>\n<link rel=\"stylesheet\" href=\"/assets/board.css\">\n</head>\n<body>\n";
  h += "<a class=\"skip\" href=\"#main\">" +
       std::string(lang.t("Skip to content", "Ir al contenido")) +
       "</a>\n<header>\n<p class=\"site\"><a href=\"" + with_lang("/", lang) + "\">" +
       html_escape(election_title) + "</a></p>\n<nav aria-label=\"" + lang.t("Main", "Principal") +
       "\"><ul>\n";
  h += "<li><a href=\"" + with_lang("/", lang) + "\">" + lang.t("Election", "Elección") +
       "</a></li>";
  h += "<li><a href=\"" + with_lang("/board", lang) + "\">" +
       lang.t("Tracking codes", "Códigos de seguimiento") + "</a></li>";
  h += "<li><a href=\"" + with_lang("/checkpoints", lang) + "\">" +
       lang.t("Checkpoints", "Puntos de control") + "</a></li>";
  h += "<li><a href=\"" + with_lang("/results", lang) + "\">" + lang.t("Results", "Resultados") +
       "</a></li>\n</ul></nav>\n";
  if (election != nullptr && election->manifest.languages.size() > 1) {
    h += "<nav class=\"langs\" aria-label=\"" + std::string(lang.t("Language", "Idioma")) +
         "\"><ul>";
    for (const auto& l : election->manifest.languages) {
      std::string name = l == "es" ? "Español" : l == "en" ? "English" : l;
      if (l == lang.tag) {
        h += "<li><span aria-current=\"true\">" + html_escape(name) + "</span></li>";
      } else {
        std::string href = html_escape(page.path) +
                           (page.path.find('?') == std::string::npos ? "?" : "&amp;") +
                           "lang=" + html_escape(l);
        h += "<li><a href=\"" + href + "\" hreflang=\"" + html_escape(l) + "\" lang=\"" +
             html_escape(l) + "\">" + html_escape(name) + "</a></li>";
      }
    }
    h += "</ul></nav>\n";
  }
  h += "</header>\n<main id=\"main\">\n<h1>" + html_escape(page.title) + "</h1>\n" + page.body +
       "</main>\n<footer><p>" +
       lang.t("This board is read-only. Every number on it can be checked: ",
              "Este tablero es de solo lectura. Cada dato se puede comprobar: ") +
       "<a href=\"" + with_lang("/voters", lang) + "\">" +
       lang.t("how to check your ballot", "cómo comprobar su papeleta") + "</a> · <a href=\"" +
       with_lang("/auditors", lang) + "\">" +
       lang.t("how to check the election", "cómo comprobar la elección") + "</a></p></footer>\n";
  if (!page.data.is_null()) {
    h += "<script type=\"application/json\" id=\"board-data\">" + script_json(page.data) +
         "</script>\n";
  }
  h += "<script defer src=\"/assets/board.js\"></script>\n";
  h += "</body>\n</html>\n";
  return h;
}

Response html(std::string body, unsigned status = 200) {
  Response r;
  r.status = status;
  r.content_type = "text/html; charset=utf-8";
  r.body = std::move(body);
  r.headers.emplace_back("Cache-Control", "no-cache");
  r.headers.emplace_back("Content-Security-Policy",
                         "default-src 'self'; script-src 'self'; style-src 'self'; "
                         "img-src 'self' data:; object-src 'none'; base-uri 'none'");
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  return r;
}

Response error_page(const Request& req, const Election* election, unsigned status,
                    const std::string& message) {
  Lang lang = pick_lang(req, election != nullptr ? &election->manifest : nullptr);
  Page page;
  page.title = status == 404 ? lang.t("Not found", "No encontrado")
                             : lang.t("Not available", "No disponible");
  page.path = req.path;
  page.body = "<p class=\"bad\" role=\"alert\">" + html_escape(message) + "</p>\n";
  return html(render(page, lang, election), status);
}

std::string short_hex(const std::string& hex) {
  return hex.size() > 16 ? hex.substr(0, 16) + "…" : hex;
}

std::string kiosk_name(const api::LedgerStatus& status, const PublicKeyBytes& key) {
  for (const auto& k : status.kiosks) {
    if (k.key == key) return k.name;
  }
  return short_hex(to_hex(key));
}

// The latest published checkpoint and its signature lines.
struct CheckpointView {
  std::string note;
  std::uint64_t size = 0;
  std::string root_hex;
  std::vector<std::string> signers;   // key names on the signature lines, in order
  std::optional<std::uint64_t> time;  // newest cosignature timestamp, seconds
};

// What the pages show of a signed checkpoint the ledger serves (signatures are not checked
// here: the browser checks run in the page). A note that does not parse shows as size 0.
CheckpointView parse_checkpoint(std::string note) {
  CheckpointView cp;
  cp.note = std::move(note);
  auto parsed = ledger::parse_note(cp.note);
  if (!parsed) return cp;
  if (auto body = ledger::Checkpoint::parse(parsed->text)) {
    cp.size = body->size;
    cp.root_hex = to_hex(body->root);
  }
  for (const auto& sig : parsed->signatures) {
    cp.signers.push_back(sig.key_name);
    // cosignature/v1: timestamp (8) || signature (64); the ledger's own signature is not one.
    if (auto cosig = ledger::decode_cosignature(sig.signature)) {
      if (!cp.time || cosig->timestamp > *cp.time) cp.time = cosig->timestamp;
    }
  }
  return cp;
}

std::string shown_time(std::uint64_t seconds) {
  return utc_time(seconds, "%Y-%m-%d %H:%M:%S UTC");
}

// ------------------------------------------------------------------------------------ pages

Response election_page(const Router& router, const Request& req) {
  auto election = load_election(router);
  if (!election) {
    return error_page(req, nullptr, 503, "The election has not been published on this ledger yet.");
  }
  const auto& m = election->manifest;
  const api::LedgerStatus& st = election->status;
  Lang l = pick_lang(req, &m);
  CheckpointView cp = parse_checkpoint(call(router, "/checkpoint").body);

  Page page;
  page.title = l.t("Election", "Elección");
  page.path = "/";
  std::string& b = page.body;
  b += "<section aria-labelledby=\"lookup-h\" class=\"lookup\">\n<h2 id=\"lookup-h\">" +
       std::string(l.t("Check your ballot", "Compruebe su papeleta")) +
       "</h2>\n<form action=\"/ballot\" method=\"get\">\n<input type=\"hidden\" name=\"lang\" "
       "value=\"" +
       html_escape(l.tag) + "\">\n<label for=\"code\">" +
       l.t("Tracking code (as printed on your receipt)",
           "Código de seguimiento (como figura en su recibo)") +
       "</label>\n<input id=\"code\" name=\"code\" autocomplete=\"off\" "
       "autocapitalize=\"characters\" "
       "spellcheck=\"false\" required placeholder=\"ABCD-EFGH-IJKL-MNOP\">\n<button "
       "type=\"submit\">" +
       l.t("Look up", "Buscar") + "</button>\n</form>\n</section>\n";

  b += "<section aria-labelledby=\"summary-h\">\n<h2 id=\"summary-h\">" +
       std::string(l.t("Summary", "Resumen")) + "</h2>\n<dl class=\"facts\">\n";
  b += "<dt>" + std::string(l.t("Phase", "Fase")) + "</dt><dd id=\"phase\">" +
       html_escape(phase_name(st.phase, l)) + "</dd>\n";
  b += "<dt>" + std::string(l.t("Polls", "Votación")) + "</dt><dd>" + html_escape(m.start) + " – " +
       html_escape(m.end) + "</dd>\n";
  b += "<dt>" + std::string(l.t("Ballots cast", "Papeletas emitidas")) + "</dt><dd id=\"cast\">" +
       std::to_string(st.ballots_cast) + "</dd>\n";
  b += "<dt>" +
       std::string(l.t("Ballots challenged (opened for checking)",
                       "Papeletas impugnadas (abiertas para comprobarlas)")) +
       "</dt><dd id=\"challenged\">" + std::to_string(st.ballots_challenged) + "</dd>\n";
  b += "<dt>" + std::string(l.t("Record entries", "Entradas del registro")) + "</dt><dd>" +
       std::to_string(st.size) + "</dd>\n</dl>\n</section>\n";

  b += "<section aria-labelledby=\"kiosks-h\">\n<h2 id=\"kiosks-h\">" +
       std::string(l.t("Voting kiosks", "Quioscos de votación")) + "</h2>\n";
  b += "<div class=\"scroll\"><table>\n<thead><tr><th scope=\"col\">" +
       std::string(l.t("Kiosk", "Quiosco")) + "</th><th scope=\"col\">" +
       l.t("Precinct", "Distrito") + "</th><th scope=\"col\">" + l.t("Key", "Clave") +
       "</th><th scope=\"col\" class=\"num\">" + l.t("Cast", "Emitidas") +
       "</th><th scope=\"col\" class=\"num\">" + l.t("Challenged", "Impugnadas") +
       "</th></tr></thead>\n<tbody>\n";
  for (const auto& k : st.kiosks) {
    b += "<tr><th scope=\"row\">" + html_escape(k.name) +
         (k.revoked ? std::string(" (") + l.t("revoked", "revocado") + ")" : "") + "</th><td>" +
         html_escape(k.precinct) + "</td><td><code>" + html_escape(k.fingerprint) +
         "</code></td><td class=\"num\">" + std::to_string(k.cast) + "</td><td class=\"num\">" +
         std::to_string(k.challenged) + "</td></tr>\n";
  }
  b += "</tbody></table></div>\n</section>\n";

  b += "<section aria-labelledby=\"guardians-h\">\n<h2 id=\"guardians-h\">" +
       std::string(l.t("Guardians", "Custodios")) + "</h2>\n<p>" + std::to_string(m.quorum) + " " +
       l.t("of", "de") + " " + std::to_string(m.guardians) + " " +
       l.t("guardians are needed to decrypt the result; no smaller group can.",
           "custodios son necesarios para descifrar el resultado; ningún grupo menor puede.") +
       "</p>\n<ul>\n";
  for (const auto& g : st.guardians) {
    std::string state = g.decrypted   ? l.t("decrypted", "descifró")
                        : g.shared    ? l.t("key shares sent", "partes enviadas")
                        : g.committed ? l.t("committed", "compromiso publicado")
                                      : l.t("enrolled", "inscrito");
    b += "<li>" + html_escape(g.name) + " — " + html_escape(state) + " <code>" +
         html_escape(short_hex(g.key)) + "</code></li>\n";
  }
  b += "</ul>\n</section>\n";

  b += "<section aria-labelledby=\"cp-h\">\n<h2 id=\"cp-h\">" +
       std::string(l.t("Latest checkpoint", "Último punto de control")) + "</h2>\n<p>" +
       l.t("A checkpoint is the ledger's signed promise of the whole record up to a size. "
           "Independent witnesses cosign it only if it extends what they saw before.",
           "Un punto de control es la promesa firmada del registro completo hasta un tamaño. "
           "Testigos independientes lo cofirman solo si amplía lo que ya vieron.") +
       "</p>\n<dl class=\"facts\">\n<dt>" + l.t("Size", "Tamaño") + "</dt><dd id=\"cp-size\">" +
       std::to_string(cp.size) + "</dd>\n<dt>" + l.t("Root hash", "Hash raíz") +
       "</dt><dd><code class=\"wrap\">" + html_escape(cp.root_hex) + "</code></dd>\n<dt>" +
       l.t("Time", "Hora") + "</dt><dd>" +
       (cp.time ? html_escape(shown_time(*cp.time))
                : std::string(l.t("not timestamped (no witness cosignature yet)",
                                  "sin hora (aún sin cofirma de testigos)"))) +
       "</dd>\n</dl>\n";
  if (!m.witnesses.empty()) {
    b += "<p>" + std::to_string(m.witness_quorum) + " " + l.t("of", "de") + " " +
         std::to_string(m.witnesses.size()) + " " +
         l.t("witnesses must cosign.", "testigos deben cofirmar.") + "</p>\n<ul>\n";
    for (const auto& w : m.witnesses) {
      bool signed_it = std::find(cp.signers.begin(), cp.signers.end(), w.name) != cp.signers.end();
      b += "<li>" + html_escape(w.name) + " — " +
           (signed_it
                ? std::string("<span class=\"ok\">") +
                      l.t("cosigned this checkpoint", "cofirmó este punto de control") + "</span>"
                : std::string(l.t("has not cosigned this checkpoint",
                                  "no ha cofirmado este punto de control"))) +
           "</li>\n";
    }
    b += "</ul>\n";
  } else {
    b += "<p>" +
         std::string(l.t("This election has no witnesses.", "Esta elección no tiene testigos.")) +
         "</p>\n";
  }
  b += "<details><summary>" + std::string(l.t("Signed checkpoint text", "Texto firmado")) +
       "</summary><pre>" + html_escape(cp.note) + "</pre></details>\n<p><a href=\"" +
       with_lang("/checkpoints", l) + "\">" +
       l.t("Every checkpoint of this election", "Todos los puntos de control de esta elección") +
       "</a></p>\n</section>\n";

  b += "<section aria-labelledby=\"dl-h\">\n<h2 id=\"dl-h\">" +
       std::string(l.t("Check the whole election", "Compruebe toda la elección")) + "</h2>\n<p>" +
       l.t("Download the complete record and check it with the open-source verifier:",
           "Descargue el registro completo y compruébelo con el verificador de código abierto:") +
       "</p>\n<p><a class=\"button\" href=\"/v1/export\" download=\"record.jsonl\">" +
       l.t("Download the record (record.jsonl)", "Descargar el registro (record.jsonl)") +
       "</a></p>\n<pre><code>tabella-verify record.jsonl</code></pre>\n<p>" +
       l.t("The ledger's checkpoint key, pinned by the election entry:",
           "La clave de puntos de control del registro, fijada por la entrada de la elección:") +
       " <code class=\"wrap\">" + html_escape(election->ledger_key) + "</code></p>\n</section>\n";
  return html(render(page, l, &*election));
}

// The lookup form without JavaScript: /ballot?code=X -> /ballot/X.
Response ballot_redirect(const Request& req) {
  auto it = req.query.find("code");
  std::string code = it == req.query.end() ? std::string() : it->second;
  std::string clean;
  for (char c : code) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '-') clean += c;
  }
  auto lang = req.query.find("lang");
  Response r;
  r.status = 303;
  r.content_type = "text/plain; charset=utf-8";
  std::string location = clean.empty() ? "/" : "/ballot/" + clean;
  if (lang != req.query.end()) {
    std::string tag;
    for (char c : lang->second) {
      if (std::isalnum(static_cast<unsigned char>(c)) || c == '-') tag += c;
    }
    location += "?lang=" + tag;
  }
  r.headers.emplace_back("Location", location);
  r.body = "see " + location;
  return r;
}

// The marks of a challenged ballot: the choice labels with mark 1, per contest.
std::string challenged_choices(const election::Manifest& m, const record::ChallengedBallotBody& c,
                               const Lang& l) {
  std::string b = "<dl class=\"choices\" id=\"claimed-choices\">\n";
  for (std::size_t i = 0; i < m.contests.size() && i < c.choices.size(); ++i) {
    const auto& contest = m.contests[i];
    b += "<dt>" + html_escape(contest.title.in(l.tag)) + "</dt><dd data-contest=\"" +
         html_escape(contest.id) + "\">";
    std::vector<std::string> marked;
    for (std::size_t j = 0; j < contest.choices.size() && j < c.choices[i].size(); ++j) {
      if (c.choices[i][j] == 1) marked.push_back(contest.choices[j].label.in(l.tag));
    }
    if (marked.empty()) {
      b += l.t("(no choice marked)", "(ninguna opción marcada)");
    } else {
      for (std::size_t k = 0; k < marked.size(); ++k) {
        b += (k ? ", " : "") + html_escape(marked[k]);
      }
    }
    b += "</dd>\n";
  }
  b += "</dl>\n";
  return b;
}

Response ballot_page(const Router& router, const Request& req) {
  auto election = load_election(router);
  if (!election) {
    return error_page(req, nullptr, 503, "The election has not been published on this ledger yet.");
  }
  const auto& m = election->manifest;
  Lang l = pick_lang(req, &m);
  std::string typed = req.path.substr(std::string_view("/ballot/").size());
  Page page;
  page.path = req.path;
  page.title = l.t("Your ballot", "Su papeleta");
  auto found = call_api<api::BallotLookup>(router, "/v1/ballots/" + typed);
  if (!found) {
    bool missing = found.error().code == ErrorCode::kNotFound;
    page.title = missing ? l.t("Ballot not found", "Papeleta no encontrada")
                         : l.t("Not a tracking code", "No es un código de seguimiento");
    page.body = "<p role=\"alert\" class=\"bad\">" +
                std::string(missing ? l.t("No ballot with this tracking code is on the board. "
                                          "Check that you typed it as printed; if it is right, "
                                          "your ballot is missing: tell the election office.",
                                          "No hay ninguna papeleta con este código en el tablero. "
                                          "Compruebe que lo escribió tal como está impreso; si es "
                                          "correcto, falta su papeleta: avise a la oficina "
                                          "electoral.")
                                    : l.t("This is not a tracking code. A tracking code looks "
                                          "like ABCD-EFGH-IJKL-MNOP.",
                                          "Esto no es un código de seguimiento. Un código tiene "
                                          "la forma ABCD-EFGH-IJKL-MNOP.")) +
                "</p>\n<p>" + l.t("You typed:", "Usted escribió:") + " <code>" +
                html_escape(typed) + "</code></p>\n";
    return html(render(page, l, &*election), missing ? 404 : 400);
  }
  const api::BallotLookup& ballot = *found;
  const std::uint64_t index = ballot.index;
  const bool challenged = ballot.type == "challenged-ballot";
  auto entries = read_entries(router, index, 1);
  if (!entries || entries->size() != 1) {
    return error_page(req, &*election, 503, "The ballot's record entry could not be read.");
  }
  const LogEntry& le = entries->front();
  const ledger::Receipt& receipt = ballot.receipt;

  std::string& b = page.body;
  b +=
      "<p class=\"status-line\" id=\"status-line\">" +
      std::string(challenged ? l.t("This ballot was <strong>challenged</strong>: it was opened for "
                                   "checking and not counted.",
                                   "Esta papeleta fue <strong>impugnada</strong>: se abrió para "
                                   "comprobarla y no se cuenta.")
                             : l.t("This ballot was <strong>cast</strong> and will be counted.",
                                   "Esta papeleta fue <strong>emitida</strong> y se contará.")) +
      "</p>\n";
  b += "<dl class=\"facts\">\n<dt>" + std::string(l.t("Tracking code", "Código de seguimiento")) +
       "</dt><dd><code id=\"short-code\">" + html_escape(ballot.short_code) + "</code></dd>\n<dt>" +
       l.t("Full code", "Código completo") + "</dt><dd><code class=\"wrap\">" +
       html_escape(to_hex(ballot.code)) + "</code></dd>\n<dt>" + l.t("Kiosk", "Quiosco") +
       "</dt><dd>" + html_escape(kiosk_name(election->status, ballot.kiosk)) + ", " +
       l.t("ballot number", "papeleta número") + " " + std::to_string(ballot.sequence) +
       "</dd>\n<dt>" + l.t("Place in the record", "Posición en el registro") +
       "</dt><dd id=\"index\">" + std::to_string(index) + "</dd>\n<dt>" +
       l.t("Checkpoint", "Punto de control") + "</dt><dd>" + l.t("size", "tamaño") +
       " <span id=\"receipt-size\">" + std::to_string(receipt.tree_size) + "</span>" +
       (receipt.cosigned
            ? (*receipt.cosigned
                   ? std::string(", ") + l.t("cosigned by witnesses", "cofirmado por testigos")
                   : std::string(", ") +
                         l.t("not yet cosigned by witnesses", "aún sin cofirma de testigos"))
            : std::string()) +
       "</dd>\n</dl>\n";
  if (challenged) {
    auto body = record::ChallengedBallotBody::decode(le.entry.body);
    if (!body) return error_page(req, &*election, 503, "The challenged ballot does not decode.");
    b += "<h2>" +
         std::string(l.t("Choices sealed in this ballot", "Opciones selladas en esta papeleta")) +
         "</h2>\n<p>" +
         l.t("Compare them with what you marked on the kiosk. If they differ, the kiosk did not "
             "encrypt your choices: tell the election office.",
             "Compárelas con lo que marcó en el quiosco. Si no coinciden, el quiosco no cifró "
             "sus opciones: avise a la oficina electoral.") +
         "</p>\n" + challenged_choices(m, *body, l);
  }
  b +=
      "<section aria-labelledby=\"checks-h\">\n<h2 id=\"checks-h\">" +
      std::string(l.t("Checks in your browser", "Comprobaciones en su navegador")) +
      "</h2>\n<p id=\"checks-nojs\">" +
      l.t("Your browser has not run the checks (JavaScript is off). The information above is "
          "what the server says; to check it yourself, turn JavaScript on or use the "
          "verifier described for auditors.",
          "Su navegador no ha hecho las comprobaciones (JavaScript desactivado). Lo anterior es "
          "lo que dice el servidor; para comprobarlo, active JavaScript o use el verificador "
          "descrito para auditores.") +
      "</p>\n<ul id=\"checks\" aria-live=\"polite\"></ul>\n<p id=\"verdict\" role=\"status\"></p>\n"
      "</section>\n";

  json witnesses = json::array();
  for (const auto& w : m.witnesses) witnesses.push_back({{"name", w.name}, {"key", w.key}});
  json contests = json::array();
  for (const auto& c : m.contests) {
    json choices = json::array();
    for (const auto& ch : c.choices)
      choices.push_back({{"id", ch.id}, {"label", ch.label.in(l.tag)}});
    contests.push_back({{"id", c.id}, {"title", c.title.in(l.tag)}, {"choices", choices}});
  }
  // What the browser needs to check without trusting this server: the election entry (it pins
  // the ledger key and the witnesses) and the election-key entry (K), each with its inclusion
  // proof in the receipt's checkpoint.
  const std::uint64_t tree_size = receipt.tree_size;
  auto proof_for = [&](std::uint64_t i) -> json {
    auto proof = call_api<api::InclusionProofReply>(
        router, "/v1/proof/inclusion",
        {{"index", std::to_string(i)}, {"size", std::to_string(tree_size)}});
    json hashes = json::array();
    if (proof) {
      for (const auto& h : proof->proof) hashes.push_back(to_hex(h));
    }
    return hashes;
  };
  auto setup = read_entries(router, 0, kFetchCount);
  json election_entry = json::object();
  json election_key = json::object();
  if (setup) {
    for (const auto& e : *setup) {
      if (e.index == 0) election_entry = {{"entry", to_base64(e.bytes)}, {"proof", proof_for(0)}};
      if (e.entry.type == record::EntryType::kElectionKey && e.index < tree_size) {
        election_key = {
            {"index", e.index}, {"entry", to_base64(e.bytes)}, {"proof", proof_for(e.index)}};
        break;
      }
    }
  }
  page.data = {{"page", "ballot"},
               {"code", to_hex(ballot.code)},
               {"election", election_entry},
               {"election_key", election_key},
               {"lang", l.tag},
               {"origin", m.origin},
               {"ledger_key", election->ledger_key},
               {"witnesses", witnesses},
               {"witness_quorum", m.witness_quorum},
               {"contests", contests},
               {"type", ballot.type},
               {"index", index},
               {"entry", to_base64(le.bytes)},
               {"receipt", receipt.to_json()}};
  return html(render(page, l, &*election));
}

Response board_page(const Router& router, const Request& req) {
  auto election = load_election(router);
  if (!election) {
    return error_page(req, nullptr, 503, "The election has not been published on this ledger yet.");
  }
  Lang l = pick_lang(req, &election->manifest);
  const std::uint64_t size = election->status.size;
  std::uint64_t from = 0;
  if (auto it = req.query.find("from"); it != req.query.end()) {
    from = std::strtoull(it->second.c_str(), nullptr, 10);
    from -= from % kBoardPage;
  }
  if (from > size) from = size - size % kBoardPage;
  Page page;
  page.title = l.t("Tracking codes", "Códigos de seguimiento");
  page.path = "/board?from=" + std::to_string(from);
  auto entries = read_entries(router, from, kBoardPage);
  if (!entries) return error_page(req, &*election, 503, entries.error().message);

  struct Row {
    std::uint64_t index;
    std::uint64_t sequence;
    std::string code;
    bool challenged;
  };
  std::vector<std::pair<PublicKeyBytes, std::vector<Row>>> by_kiosk;  // in order of first ballot
  for (const auto& le : *entries) {
    bool cast = le.entry.type == record::EntryType::kCastBallot;
    bool challenged = le.entry.type == record::EntryType::kChallengedBallot;
    if (!cast && !challenged) continue;
    Result<record::EncryptedBallot> ballot = Error{ErrorCode::kInvalidEncoding, "", ""};
    if (cast) {
      auto body = record::CastBallotBody::decode(le.entry.body);
      if (body) ballot = body->ballot;
    } else {
      auto body = record::ChallengedBallotBody::decode(le.entry.body);
      if (body) ballot = body->ballot;
    }
    if (!ballot) continue;
    const PublicKeyBytes& kiosk = le.entry.author;
    std::string code =
        election::short_code(election::ballot_code(le.entry.base_hash, le.entry.author, *ballot));
    auto it = std::find_if(by_kiosk.begin(), by_kiosk.end(),
                           [&](const auto& p) { return p.first == kiosk; });
    if (it == by_kiosk.end()) {
      by_kiosk.emplace_back(kiosk, std::vector<Row>{});
      it = std::prev(by_kiosk.end());
    }
    it->second.push_back(Row{le.index, ballot->sequence, code, challenged});
  }
  std::string& b = page.body;
  b += "<p>" +
       std::string(l.t("Every ballot in the record, by kiosk, in the order the ledger "
                       "received them. Record entries ",
                       "Todas las papeletas del registro, por quiosco, en el orden en que el "
                       "registro las recibió. Entradas ")) +
       std::to_string(from) + "–" + std::to_string(std::min(size, from + kBoardPage)) + " " +
       l.t("of", "de") + " " + std::to_string(size) + ".</p>\n";
  if (by_kiosk.empty())
    b += "<p>" + std::string(l.t("No ballots here.", "No hay papeletas aquí.")) + "</p>\n";
  for (const auto& [kiosk, rows] : by_kiosk) {
    std::string name = kiosk_name(election->status, kiosk);
    b += "<section><h2>" + html_escape(name) + "</h2>\n<div class=\"scroll\"><table>\n<caption>" +
         html_escape(name) + ": " + std::to_string(rows.size()) + " " +
         l.t("ballots on this page", "papeletas en esta página") +
         "</caption>\n<thead><tr><th scope=\"col\" class=\"num\">" + l.t("No.", "N.º") +
         "</th><th scope=\"col\">" + l.t("Tracking code", "Código de seguimiento") +
         "</th><th scope=\"col\">" + l.t("Status", "Estado") +
         "</th><th scope=\"col\" class=\"num\">" + l.t("Record entry", "Entrada") +
         "</th></tr></thead>\n<tbody>\n";
    for (const auto& r : rows) {
      b += "<tr><td class=\"num\">" + std::to_string(r.sequence) + "</td><td><a href=\"" +
           with_lang("/ballot/" + r.code, l) + "\"><code>" + html_escape(r.code) +
           "</code></a></td><td>" +
           (r.challenged ? l.t("challenged", "impugnada") : l.t("cast", "emitida")) +
           "</td><td class=\"num\">" + std::to_string(r.index) + "</td></tr>\n";
    }
    b += "</tbody></table></div></section>\n";
  }
  b += "<nav aria-label=\"" + std::string(l.t("Pages", "Páginas")) + "\" class=\"pager\">";
  if (from > 0) {
    b += "<a href=\"" + with_lang("/board?from=" + std::to_string(from - kBoardPage), l) +
         "\" rel=\"prev\">← " + l.t("Earlier", "Anteriores") + "</a> ";
  }
  if (from + kBoardPage < size) {
    b += "<a href=\"" + with_lang("/board?from=" + std::to_string(from + kBoardPage), l) +
         "\" rel=\"next\">" + l.t("Later", "Siguientes") + " →</a>";
  }
  b += "</nav>\n";
  return html(render(page, l, &*election));
}

// Every stored checkpoint, in size order, paged: size, root, time, who signed it. The record's
// export carries the same notes; tabella-verify checks each one (docs/spec.md §11, checks 21-25).
Response checkpoints_page(const Router& router, const Request& req) {
  auto election = load_election(router);
  if (!election) {
    return error_page(req, nullptr, 503, "The election has not been published on this ledger yet.");
  }
  const auto& m = election->manifest;
  Lang l = pick_lang(req, &m);
  std::uint64_t from = 0;
  if (auto it = req.query.find("from"); it != req.query.end()) {
    from = std::strtoull(it->second.c_str(), nullptr, 10);
    from -= from % kCheckpointPage;
  }
  auto doc = call_api<api::CheckpointPage>(
      router, "/v1/checkpoints",
      {{"start", std::to_string(from)}, {"count", std::to_string(kCheckpointPage)}});
  if (!doc) return error_page(req, &*election, 503, doc.error().message);
  const std::uint64_t total = doc->total;
  Page page;
  page.title = l.t("Checkpoints", "Puntos de control");
  page.path = "/checkpoints?from=" + std::to_string(from);
  std::string& b = page.body;
  // Who signed: the ledger (the note's origin) or a witness of the manifest, by name.
  auto signed_by = [&](const CheckpointView& cp) {
    std::string out;
    for (const auto& s : cp.signers) {
      std::string name = s == m.origin ? std::string(l.t("ledger", "registro")) : s;
      out += (out.empty() ? "" : ", ") + html_escape(name);
    }
    return out;
  };
  b += "<p>" +
       std::string(l.t("The ledger signs a checkpoint, a promise of the whole record up to a "
                       "size, as the record grows; witnesses cosign the ones that extend what "
                       "they saw. tabella-verify checks every one of them against the record "
                       "(see ",
                       "El registro firma un punto de control, una promesa del registro completo "
                       "hasta un tamaño, a medida que crece; los testigos cofirman los que amplían "
                       "lo que vieron. tabella-verify comprueba cada uno con el registro (vea ")) +
       "<a href=\"" + with_lang("/auditors", l) + "\">" +
       l.t("how to check the election", "cómo comprobar la elección") + "</a>).</p>\n";
  if (doc->cosigned) {
    CheckpointView cp = parse_checkpoint(doc->cosigned->note);
    b += "<section aria-labelledby=\"cosigned-h\">\n<h2 id=\"cosigned-h\">" +
         std::string(l.t("Latest cosigned checkpoint", "Último punto de control cofirmado")) +
         "</h2>\n<dl class=\"facts\">\n<dt>" + l.t("Size", "Tamaño") +
         "</dt><dd id=\"cosigned-size\">" + std::to_string(cp.size) + "</dd>\n<dt>" +
         l.t("Root hash", "Hash raíz") + "</dt><dd><code class=\"wrap\">" +
         html_escape(cp.root_hex) + "</code></dd>\n<dt>" + l.t("Signed by", "Firmado por") +
         "</dt><dd id=\"cosigned-by\">" + signed_by(cp) + "</dd>\n<dt>" + l.t("Time", "Hora") +
         "</dt><dd>" + (cp.time ? html_escape(shown_time(*cp.time)) : std::string("—")) +
         "</dd>\n</dl>\n" + "<details><summary>" + l.t("Signed checkpoint text", "Texto firmado") +
         "</summary><pre>" + html_escape(cp.note) + "</pre></details>\n</section>\n";
  }
  const auto& list = doc->checkpoints;
  b += "<section aria-labelledby=\"all-h\">\n<h2 id=\"all-h\">" +
       std::string(
           l.t("Checkpoints signed by the ledger", "Puntos de control firmados por el registro")) +
       "</h2>\n<p>" + std::to_string(list.empty() ? 0 : from + 1) + "–" +
       std::to_string(from + list.size()) + " " + l.t("of", "de") + " " + std::to_string(total) +
       ".</p>\n";
  if (list.empty()) {
    b += "<p>" + std::string(l.t("No checkpoints here.", "No hay puntos de control aquí.")) +
         "</p>\n";
  } else {
    b += "<div class=\"scroll\"><table id=\"checkpoints\">\n<thead><tr><th scope=\"col\" "
         "class=\"num\">" +
         std::string(l.t("Size (entries)", "Tamaño (entradas)")) + "</th><th scope=\"col\">" +
         l.t("Root hash", "Hash raíz") + "</th><th scope=\"col\">" +
         l.t("Signed by", "Firmado por") + "</th><th scope=\"col\">" + l.t("Time", "Hora") +
         "</th></tr></thead>\n<tbody>\n";
    for (const auto& item : list) {
      CheckpointView cp = parse_checkpoint(item.note);
      const std::string& root = cp.root_hex;
      b += "<tr><td class=\"num\">" + std::to_string(cp.size) + "</td><td><code title=\"" +
           html_escape(root) + "\">" + html_escape(short_hex(root)) + "</code></td><td>" +
           signed_by(cp) + "</td><td>" +
           (cp.time ? html_escape(shown_time(*cp.time)) : std::string("—")) + "</td></tr>\n";
    }
    b += "</tbody></table></div>\n";
  }
  b += "</section>\n<nav aria-label=\"" + std::string(l.t("Pages", "Páginas")) +
       "\" class=\"pager\">";
  if (from > 0) {
    b += "<a href=\"" +
         with_lang("/checkpoints?from=" + std::to_string(from - kCheckpointPage), l) +
         "\" rel=\"prev\">← " + l.t("Earlier", "Anteriores") + "</a> ";
  }
  if (from + kCheckpointPage < total) {
    b += "<a href=\"" +
         with_lang("/checkpoints?from=" + std::to_string(from + kCheckpointPage), l) +
         "\" rel=\"next\">" + l.t("Later", "Siguientes") + " →</a>";
  }
  b += "</nav>\n";
  return html(render(page, l, &*election));
}

// The result entry, searched from the end of the log (it follows the partial decryptions).
Result<std::optional<record::ResultBody>> find_result(const Router& router, std::uint64_t size) {
  std::uint64_t end = size;
  while (end > 0) {
    std::uint64_t start = end > kFetchCount ? end - kFetchCount : 0;
    auto entries = read_entries(router, start, end - start);
    if (!entries) return entries.error();
    for (auto it = entries->rbegin(); it != entries->rend(); ++it) {
      if (it->entry.type == record::EntryType::kResult) {
        auto body = record::ResultBody::decode(it->entry.body);
        if (!body) return body.error();
        return std::optional<record::ResultBody>(std::move(*body));
      }
      // Nothing before the tally can be the result: stop at the encrypted tally.
      if (it->entry.type == record::EntryType::kEncryptedTally)
        return std::optional<record::ResultBody>();
    }
    end = start;
  }
  return std::optional<record::ResultBody>();
}

Response results_page(const Router& router, const Request& req) {
  auto election = load_election(router);
  if (!election) {
    return error_page(req, nullptr, 503, "The election has not been published on this ledger yet.");
  }
  const auto& m = election->manifest;
  Lang l = pick_lang(req, &m);
  Page page;
  page.title = l.t("Results", "Resultados");
  page.path = "/results";
  const std::string& phase = election->status.phase;
  std::optional<record::ResultBody> result;
  if (phase == "finished" || phase == "tallied") {
    auto found = find_result(router, election->status.size);
    if (!found) return error_page(req, &*election, 503, found.error().message);
    result = std::move(*found);
  }
  std::string& b = page.body;
  if (!result) {
    b += "<p>" +
         std::string(l.t("No result has been published yet. Results appear here once the "
                         "guardians have decrypted the tally.",
                         "Aún no se ha publicado ningún resultado. Aparecerá aquí cuando los "
                         "custodios hayan descifrado el recuento.")) +
         "</p>\n";
    return html(render(page, l, &*election));
  }
  std::uint64_t cast = result->cast_count;
  b += "<p>" + std::string(l.t("Ballots counted:", "Papeletas contadas:")) + " <strong>" +
       std::to_string(cast) + "</strong>. " +
       l.t("The counts were decrypted by guardians", "Recuento descifrado por los custodios") + " ";
  for (std::size_t i = 0; i < result->guardians.size(); ++i) {
    b += (i ? ", " : "") + std::to_string(result->guardians[i]);
  }
  b += ".</p>\n";
  for (std::size_t c = 0; c < m.contests.size() && c < result->counts.size(); ++c) {
    const auto& contest = m.contests[c];
    const auto& counts = result->counts[c];
    std::uint64_t marks = 0;
    std::uint64_t top = 0;
    for (auto n : counts) {
      marks += n;
      top = std::max(top, n);
    }
    // Winners: the `max` choices with most votes (all tied at the cut are named).
    std::vector<std::uint64_t> sorted(counts.begin(), counts.end());
    std::sort(sorted.rbegin(), sorted.rend());
    std::uint64_t cut =
        sorted.empty() ? 0 : sorted[std::min<std::size_t>(contest.max, sorted.size()) - 1];
    // A tie at the cut (more choices reach it than there are seats) names no winner there.
    std::size_t at_or_above = 0;
    for (auto n : counts) at_or_above += n >= cut ? 1 : 0;
    bool tie = cut > 0 && at_or_above > contest.max;
    std::string id = "contest-" + contest.id;
    b += "<section aria-labelledby=\"" + html_escape(id) + "\">\n<h2 id=\"" + html_escape(id) +
         "\">" + html_escape(contest.title.in(l.tag)) +
         "</h2>\n<div class=\"scroll\"><table class=\"results\">\n"
         "<thead><tr><th scope=\"col\">" +
         l.t("Choice", "Opción") + "</th><th scope=\"col\" class=\"num\">" + l.t("Votes", "Votos") +
         "</th><th scope=\"col\" class=\"bar-col\">" +
         l.t("Share of ballots", "Parte de papeletas") + "</th></tr></thead>\n<tbody>\n";
    for (std::size_t j = 0; j < contest.choices.size() && j < counts.size(); ++j) {
      std::uint64_t n = counts[j];
      bool winner = n > 0 && n >= cut && !tie;
      unsigned pct = cast ? static_cast<unsigned>((n * 1000 + cast / 2) / cast) : 0;  // per mille
      std::string pct_text = std::to_string(pct / 10) + "." + std::to_string(pct % 10) + "%";
      std::string party = contest.choices[j].party.in(l.tag);
      b += "<tr" + std::string(winner ? " class=\"winner\"" : "") + "><th scope=\"row\">" +
           html_escape(contest.choices[j].label.in(l.tag)) +
           (party.empty() ? "" : " <span class=\"party\">(" + html_escape(party) + ")</span>") +
           (winner ? std::string(" <strong class=\"tag\">") + l.t("winner", "ganador") + "</strong>"
                   : "") +
           "</th><td class=\"num\">" + std::to_string(n) + "</td><td class=\"bar-col\">" +
           "<meter min=\"0\" max=\"" + std::to_string(std::max<std::uint64_t>(cast, 1)) +
           "\" value=\"" + std::to_string(n) + "\" aria-hidden=\"true\"></meter> " + pct_text +
           "</td></tr>\n";
    }
    b += "</tbody></table></div>\n";
    if (tie) {
      b += "<p>" +
           std::string(l.t("Tie: more choices share the last winning place than there "
                           "are places; the law decides.",
                           "Empate: más opciones comparten el último puesto ganador que "
                           "puestos hay; decide la ley.")) +
           "</p>\n";
    }
    if (contest.max == 1) {
      b += "<p>" +
           std::string(
               l.t("Blank ballots in this contest:", "Papeletas en blanco en esta contienda:")) +
           " <strong>" + std::to_string(cast >= marks ? cast - marks : 0) + "</strong></p>\n";
    } else {
      std::uint64_t possible = cast * contest.max;
      b += "<p>" +
           std::string(l.t("Unused marks (under-votes):",
                           "Marcas sin usar (votos por debajo del máximo):")) +
           " <strong>" + std::to_string(possible >= marks ? possible - marks : 0) + "</strong> " +
           l.t("of", "de") + " " + std::to_string(possible) + "</p>\n";
    }
    b += "</section>\n";
  }
  return html(render(page, l, &*election));
}

// The small Markdown subset of docs/voters.md and docs/auditors.md: "# " title (dropped: the
// page has its own), paragraphs, "1. " and "- " lists with indented continuation lines,
// **strong** and `code`. Everything is escaped first.
std::string inline_markdown(const std::string& text) {
  std::string out;
  bool strong = false;
  bool code = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (!code && text.compare(i, 2, "**") == 0) {
      out += strong ? "</strong>" : "<strong>";
      strong = !strong;
      ++i;
    } else if (text[i] == '`') {
      out += code ? "</code>" : "<code>";
      code = !code;
    } else {
      out += text[i];
    }
  }
  if (code) out += "</code>";
  if (strong) out += "</strong>";
  return out;
}

std::string render_markdown(std::string_view doc) {
  std::vector<std::string> blocks;  // each: kind char + text ('p', 'o' ordered, 'u' unordered)
  std::string list_kind;
  std::size_t pos = 0;
  while (pos <= doc.size()) {
    std::size_t nl = doc.find('\n', pos);
    if (nl == std::string_view::npos) nl = doc.size();
    std::string line(doc.substr(pos, nl - pos));
    pos = nl + 1;
    std::size_t dot = line.find(". ");
    bool ordered = dot != std::string::npos && dot > 0 && dot < 4 &&
                   std::all_of(line.begin(), line.begin() + static_cast<std::ptrdiff_t>(dot),
                               [](char c) { return c >= '0' && c <= '9'; });
    if (line.empty()) {
      blocks.emplace_back();
    } else if (line.rfind("# ", 0) == 0) {
      continue;
    } else if (ordered) {
      blocks.push_back("o" + line.substr(dot + 2));
    } else if (line.rfind("- ", 0) == 0) {
      blocks.push_back("u" + line.substr(2));
    } else if (!blocks.empty() && !blocks.back().empty()) {
      std::size_t start = line.find_first_not_of(' ');
      blocks.back() += " " + line.substr(start);
    } else {
      blocks.push_back("p" + line);
    }
    if (pos > doc.size()) break;
  }
  std::string out;
  char open = 0;
  for (const auto& b : blocks) {
    char kind = b.empty() ? 0 : b[0];
    if (open != 0 && kind != open) {
      out += open == 'o' ? "</ol>\n" : "</ul>\n";
      open = 0;
    }
    if (kind == 0) continue;
    std::string body = inline_markdown(html_escape(b.substr(1)));
    if (kind == 'p') {
      out += "<p>" + body + "</p>\n";
    } else {
      if (open != kind) out += kind == 'o' ? "<ol>\n" : "<ul>\n";
      open = kind;
      out += "<li>" + body + "</li>\n";
    }
  }
  if (open != 0) out += open == 'o' ? "</ol>\n" : "</ul>\n";
  return out;
}

// docs/voters.md and docs/auditors.md (embedded), in the board's layout.
Response doc_page(const Router& router, const Request& req, const std::string& file,
                  const char* title_en, const char* title_es) {
  auto election = load_election(router);
  const Election* e = election ? &*election : nullptr;
  Lang l = pick_lang(req, e != nullptr ? &e->manifest : nullptr);
  Page page;
  page.title = l.t(title_en, title_es);
  page.path = req.path;
  // The page's language version (voters.es.md) when there is one, else the English file.
  std::string localized = file.substr(0, file.size() - 3) + "." + l.tag + ".md";
  for (const std::string& name : {localized, file}) {
    for (const auto& a : web_assets()) {
      if (a.name == name && page.body.empty()) page.body = render_markdown(a.bytes);
    }
  }
  return html(render(page, l, e));
}

Response asset(const Request& req) {
  std::string name = req.path.substr(std::string_view("/assets/").size());
  for (const auto& a : web_assets()) {
    if (a.name != name) continue;
    Response r;
    r.body = std::string(a.bytes);
    r.content_type = name.ends_with(".css")  ? "text/css; charset=utf-8"
                     : name.ends_with(".js") ? "text/javascript; charset=utf-8"
                     : name.ends_with(".md") ? "text/markdown; charset=utf-8"
                                             : "application/octet-stream";
    r.headers.emplace_back("Cache-Control", "no-cache");
    r.headers.emplace_back("X-Content-Type-Options", "nosniff");
    return r;
  }
  return json_error(404, "not_found", "no such asset", "path");
}

}  // namespace

void register_web_board(Router& router) {
  const Router* r = &router;
  router.add("GET", "/",
             [r](const Request& req, Responder respond) { respond(election_page(*r, req)); });
  router.add("GET", "/ballot",
             [](const Request& req, Responder respond) { respond(ballot_redirect(req)); });
  router.add("GET", "/ballot/*",
             [r](const Request& req, Responder respond) { respond(ballot_page(*r, req)); });
  router.add("GET", "/board",
             [r](const Request& req, Responder respond) { respond(board_page(*r, req)); });
  router.add("GET", "/checkpoints",
             [r](const Request& req, Responder respond) { respond(checkpoints_page(*r, req)); });
  router.add("GET", "/results",
             [r](const Request& req, Responder respond) { respond(results_page(*r, req)); });
  router.add("GET", "/voters", [r](const Request& req, Responder respond) {
    respond(
        doc_page(*r, req, "voters.md", "How to check your ballot", "Cómo comprobar su papeleta"));
  });
  router.add("GET", "/auditors", [r](const Request& req, Responder respond) {
    respond(doc_page(*r, req, "auditors.md", "How to check the election",
                     "Cómo comprobar la elección"));
  });
  router.add("GET", "/assets/*",
             [](const Request& req, Responder respond) { respond(asset(req)); });
}

}  // namespace tabella::server
