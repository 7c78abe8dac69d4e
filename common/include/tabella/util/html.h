#pragma once
// Text for HTML pages (the ledger's bulletin board, the published results page).
#include <string>
#include <string_view>

namespace tabella {

// `text` as HTML character data or a quoted attribute value: & < > " ' escaped.
inline std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
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

}  // namespace tabella
