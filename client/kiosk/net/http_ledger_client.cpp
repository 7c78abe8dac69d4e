#include "net/http_ledger_client.h"

#include <utility>

#include "tabella/client/kiosk_client.h"
#include "tabella/client/ledger_client.h"
#include "tabella/record/entry.h"

namespace tabella::kiosk {

namespace {

class HttpLedgerClient final : public LedgerClient {
 public:
  explicit HttpLedgerClient(client::LedgerConnection c) : c_(std::move(c)) {}

  Result<Receipt> submit(ByteView entry) override {
    auto s = c_.submit_bytes(entry);
    if (!s.ok()) return s.error();
    Receipt r;
    r.index = s->receipt.index;
    r.leaf_hash = s->receipt.leaf_hash;
    r.tree_size = s->receipt.tree_size;
    r.inclusion_proof = s->receipt.inclusion_proof;
    r.checkpoint = s->receipt.checkpoint;
    return r;
  }

  Result<LedgerStatus> status() override {
    auto st = c_.status();
    if (!st.ok()) return st.error();
    LedgerStatus s;
    s.phase = st->phase;
    s.size = st->size;
    s.ballots_cast = st->ballots_cast;
    return s;
  }

  Result<KioskRecord> kiosk(const PublicKeyBytes& key) override {
    auto k = c_.kiosk(key);
    if (!k.ok()) return k.error();
    return KioskRecord{k->revoked,    k->last_sequence, k->chain_head, k->cast,
                       k->challenged, k->name,          k->precinct};
  }

  Result<std::vector<Bytes>> election() override {
    // Read, replayed and checked against the log the ledger signed as tabella-voters does;
    // the dispatcher loads the entries again with its pinned authority (and after a restart,
    // from its own copy).
    auto election = client::fetch_kiosk_election(c_, std::nullopt);
    if (!election.ok()) return election.error();
    return std::move(election->setup);
  }

  Result<TokenRecord> token(const Digest& token_hash) override {
    auto token = c_.token(token_hash);
    if (!token.ok()) return token.error();
    TokenRecord t;
    t.spent = token->spent;
    t.precinct = token->precinct;
    return t;
  }

  Result<record::PollsCloseBody> polls_close() override {
    // polls-close follows every ballot: read the log backwards, a page at a time.
    std::uint64_t size = 0;
    auto first = c_.entries(0, 1, &size);
    if (!first.ok()) return first.error();
    constexpr std::uint64_t kPage = 1000;
    for (std::uint64_t end = size; end > 0;) {
      const std::uint64_t start = end > kPage ? end - kPage : 0;
      auto page = c_.entries(start, static_cast<std::uint32_t>(end - start));
      if (!page.ok()) return page.error();
      if (page->empty()) break;
      for (auto it = page->rbegin(); it != page->rend(); ++it) {
        auto decoded = record::Entry::decode(it->bytes);
        if (decoded.ok() && decoded->type == record::EntryType::kPollsClose) {
          return record::PollsCloseBody::decode(decoded->body);
        }
      }
      end = start;
    }
    return make_error(ErrorCode::kNotFound, "the polls are not closed", "polls_close");
  }

 private:
  client::LedgerConnection c_;
};

}  // namespace

Result<std::unique_ptr<LedgerClient>> make_http_ledger_client(std::string_view url,
                                                              std::chrono::milliseconds timeout) {
  http::Options options;
  options.timeout = timeout;
  options.peer_name = "ledger";
  auto c = client::LedgerConnection::connect(url, options);
  if (!c.ok()) return c.error();
  return std::unique_ptr<LedgerClient>(new HttpLedgerClient(std::move(*c)));
}

}  // namespace tabella::kiosk
