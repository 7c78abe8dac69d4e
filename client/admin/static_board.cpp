#include "static_board.h"

#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <vector>

#include "tabella/http/client.h"

namespace tabella::admin {
namespace {

namespace fs = std::filesystem;

struct Target {
  std::string path;  // "/board"
  std::map<std::string, std::string> query;
};

Target split(const std::string& url) {
  Target t;
  std::string text = std::regex_replace(url, std::regex("&amp;"), "&");
  auto q = text.find('?');
  t.path = text.substr(0, q);
  if (q != std::string::npos) {
    std::string rest = text.substr(q + 1);
    std::size_t pos = 0;
    while (pos <= rest.size()) {
      auto amp = rest.find('&', pos);
      if (amp == std::string::npos) amp = rest.size();
      std::string kv = rest.substr(pos, amp - pos);
      auto eq = kv.find('=');
      if (eq != std::string::npos) t.query[kv.substr(0, eq)] = kv.substr(eq + 1);
      pos = amp + 1;
    }
  }
  return t;
}

// The file (relative to the site root) of a board URL, or empty when the URL is not a page of
// the board. `lang` is the page's language when the URL names none.
std::string file_for(const std::string& url, const std::string& lang) {
  Target t = split(url);
  std::string l = t.query.count("lang") ? t.query["lang"] : lang;
  if (t.path.rfind("/assets/", 0) == 0) return "assets/" + t.path.substr(8);
  if (t.path == "/v1/export") return "../record.jsonl";
  if (t.path == "/") return l + "/index.html";
  if (t.path == "/board") {
    return l + "/board-" + (t.query.count("from") ? t.query["from"] : std::string("0")) + ".html";
  }
  if (t.path == "/checkpoints") {
    return l + "/checkpoints-" + (t.query.count("from") ? t.query["from"] : std::string("0")) +
           ".html";
  }
  if (t.path == "/results" || t.path == "/voters" || t.path == "/auditors") {
    return l + t.path + ".html";
  }
  if (t.path.rfind("/ballot/", 0) == 0) return l + "/ballot/" + t.path.substr(8) + ".html";
  if (t.path == "/ballot") return l + "/ballot/";
  return {};
}

std::string with_lang(const std::string& path, const std::string& lang) {
  return path + (path.find('?') == std::string::npos ? "?" : "&") + "lang=" + lang;
}

// Root-relative links of a page rewritten to the files of the static site.
std::string relink(const std::string& html, const std::string& lang, const std::string& up) {
  static const std::regex link("(href|src|action)=\"(/[^\"]*)\"");
  std::string out;
  auto begin = std::sregex_iterator(html.begin(), html.end(), link);
  std::size_t last = 0;
  for (auto it = begin; it != std::sregex_iterator(); ++it) {
    const auto& m = *it;
    out.append(html, last, static_cast<std::size_t>(m.position(0)) - last);
    std::string file = file_for(m[2].str(), lang);
    std::string attr = m[1].str();
    if (file.empty()) {
      out += m[0].str();
    } else if (attr == "action") {
      // The lookup form: the script turns the typed code into the ballot page's file name.
      out += "action=\"" + up + file + "\" data-static=\"1\"";
    } else {
      out += attr + "=\"" + up + file + "\"";
    }
    last = static_cast<std::size_t>(m.position(0) + m.length(0));
  }
  out.append(html, last, std::string::npos);
  return out;
}

Status write_file(const fs::path& path, const std::string& bytes) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  std::ofstream f(path, std::ios::binary);
  f << bytes;
  f.close();
  if (ec || !f) return Error{ErrorCode::kIo, "cannot write " + path.string(), "DIR"};
  return Status::success();
}

}  // namespace

Result<std::size_t> write_static_board(const std::string& ledger_url, const fs::path& dir,
                                       std::ostream* progress) {
  http::Options options;
  options.peer_name = "ledger";
  auto ledger = http::Client::create(ledger_url, options);
  if (!ledger) return ledger.error();
  auto fetch = [&](const std::string& target) -> Result<std::string> {
    auto r = ledger->get(target);
    if (!r) return r.error();
    if (r->status != 200) {
      return Error{ErrorCode::kIo,
                   "the ledger answered " + std::to_string(r->status) + " for " + target, "ledger"};
    }
    return std::move(r->body);
  };
  auto home = fetch("/");
  if (!home) return home.error();
  std::smatch m;
  std::vector<std::string> langs;
  if (std::regex_search(*home, m, std::regex("<html lang=\"([^\"]+)\""))) langs.push_back(m[1]);
  static const std::regex other("hreflang=\"([^\"]+)\"");
  for (auto it = std::sregex_iterator(home->begin(), home->end(), other);
       it != std::sregex_iterator(); ++it) {
    langs.push_back((*it)[1].str());
  }
  if (langs.empty()) return Error{ErrorCode::kIo, "the ledger's board names no language", "ledger"};

  const fs::path root = dir / "board";
  std::size_t pages = 0;
  for (const char* asset : {"board.css", "board.js"}) {
    auto bytes = fetch(std::string("/assets/") + asset);
    if (!bytes) return bytes.error();
    if (Status st = write_file(root / "assets" / asset, *bytes); !st.ok()) return st.error();
  }
  for (const auto& lang : langs) {
    std::vector<std::string> targets = {"/", "/results", "/voters", "/auditors"};
    std::set<std::string> ballots;
    std::map<std::string, std::string> crawled;  // the list pages, fetched once
    // The paged lists (tracking codes, checkpoints), following each page's "later" link; every
    // ballot they list.
    for (const std::string list : {"/board", "/checkpoints"}) {
      const std::regex rel("href=\"(" + list + "\\?from=[0-9]+)[^\"]*\" rel=\"next\"");
      std::string next = list + "?from=0";
      while (!next.empty()) {
        targets.push_back(next);
        auto page = fetch(with_lang(next, lang));
        if (!page) return page.error();
        crawled[next] = *page;
        static const std::regex ballot("href=\"(/ballot/[A-Z0-9-]+)");
        for (auto it = std::sregex_iterator(page->begin(), page->end(), ballot);
             it != std::sregex_iterator(); ++it) {
          ballots.insert((*it)[1].str());
        }
        std::smatch later;
        next = std::regex_search(*page, later, rel) ? later[1].str() : std::string();
      }
    }
    targets.insert(targets.end(), ballots.begin(), ballots.end());
    if (progress != nullptr) {
      *progress << "board (" << lang << "): writing " << targets.size() << " pages" << std::endl;
    }
    for (const auto& target : targets) {
      if (progress != nullptr && pages % 100 == 0 && pages > 0) {
        *progress << "board: " << pages << " pages written" << std::endl;
      }
      auto known = crawled.find(target);
      auto page = known != crawled.end() ? Result<std::string>(std::move(known->second))
                                         : fetch(with_lang(target, lang));
      if (!page) return page.error();
      std::string file = file_for(target, lang);
      std::string up;
      for (char c : file) up += c == '/' ? "../" : "";
      if (Status st = write_file(root / file, relink(*page, lang, up)); !st.ok()) {
        return st.error();
      }
      ++pages;
    }
  }
  std::string index =
      "<!DOCTYPE html>\n<meta charset=\"utf-8\">\n<title>Tabella</title>\n"
      "<meta http-equiv=\"refresh\" content=\"0; url=" +
      langs.front() + "/index.html\">\n<a href=\"" + langs.front() + "/index.html\">" +
      langs.front() + "/index.html</a>\n";
  if (Status st = write_file(root / "index.html", index); !st.ok()) return st.error();
  return pages;
}

}  // namespace tabella::admin
