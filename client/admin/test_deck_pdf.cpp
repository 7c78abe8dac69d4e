#include "test_deck_pdf.h"

#include <algorithm>
#include <string>

#include "pdf_document.h"

namespace tabella::admin {

namespace {

constexpr double kMargin = 42;
constexpr double kLeading = 13;

class Pages {
 public:
  Pages(PdfDocument& d, std::string header) : d_(d), header_(std::move(header)) { start(); }
  // Room for `lines` more lines, else a new page.
  void need(int lines) {
    if (y_ + lines * kLeading > PdfDocument::kPageHeight - kMargin - 20) {
      cairo_show_page(d_.cr());
      start();
    }
  }
  void line(double size, bool bold, const std::string& text, double indent = 0) {
    need(1);
    d_.text_at(kMargin + indent, y_, size, bold, text);
    y_ += kLeading;
  }
  void gap() { y_ += kLeading / 2; }

 private:
  void start() {
    // A band across the top of every page: this paper is never a real ballot.
    cairo_set_source_rgb(d_.cr(), 0, 0, 0);
    cairo_rectangle(d_.cr(), kMargin, kMargin - 8, PdfDocument::kPageWidth - 2 * kMargin, 26);
    cairo_stroke(d_.cr());
    d_.text_at(kMargin + 8, kMargin + 11, 13, true, "TEST - NOT A REAL BALLOT - " + header_);
    y_ = kMargin + 40;
  }
  PdfDocument& d_;
  std::string header_;
  double y_ = 0;
};

}  // namespace

Result<Bytes> render_test_deck_pdf(const election::Manifest& m, const client::TestDeck& deck) {
  auto doc = PdfDocument::create();
  if (!doc) return doc.error();
  PdfDocument& d = **doc;
  const std::string lang = m.languages.front();
  const std::size_t n = deck.ballots.size();
  for (std::size_t b = 0; b < n; ++b) {
    if (b > 0) cairo_show_page(d.cr());
    Pages p(d, "test ballot " + std::to_string(b + 1) + " of " + std::to_string(n));
    p.line(11, true, m.title.in(lang) + " (" + m.election_id + ")");
    p.line(8, false,
           "Logic and accuracy test deck: mark exactly the choices marked [X] below, in the "
           "test election only.");
    p.gap();
    for (std::size_t c = 0; c < m.contests.size(); ++c) {
      const auto& contest = m.contests[c];
      const auto& marked = deck.ballots[b].contests[c].choice_ids;
      p.need(static_cast<int>(contest.choices.size()) + 2);
      p.line(10, true,
             contest.title.in(lang) + "  (vote for up to " + std::to_string(contest.max) +
                 (marked.empty() ? "; leave BLANK)" : ")"));
      for (const auto& ch : contest.choices) {
        bool x = std::find(marked.begin(), marked.end(), ch.id) != marked.end();
        std::string party = ch.party.empty() ? "" : " - " + ch.party.in(lang);
        p.line(9.5, x, std::string(x ? "[X]  " : "[  ]  ") + ch.label.in(lang) + party, 12);
      }
      p.gap();
    }
  }
  cairo_show_page(d.cr());
  Pages p(d, "expected tally");
  p.line(11, true, m.title.in(lang) + " (" + m.election_id + ")");
  p.line(9, false,
         "Cast all " + std::to_string(n) +
             " test ballots, tally, publish, then run tabella-admin test-deck check.");
  p.line(9, false, "Expected ballots cast: " + std::to_string(n));
  p.gap();
  for (const auto& contest : m.contests) {
    p.need(static_cast<int>(contest.choices.size()) + 2);
    p.line(10, true, contest.title.in(lang));
    for (const auto& ch : contest.choices) {
      p.line(9.5, false,
             std::to_string(deck.counts.at(contest.id).at(ch.id)) + "   " + ch.label.in(lang), 12);
    }
    p.line(9.5, false, std::to_string(deck.undervotes.at(contest.id)) + "   under-votes", 12);
    p.gap();
  }
  return d.finish();
}

}  // namespace tabella::admin
