// The one HTTP/1.1 client (over Boost.Beast; Beast stays in src/): the ledger's clients, the
// cosigner, the witness's log follower, the etcd storage and the tests all use it. Plain TCP or
// TLS, a timeout on every step, a bounded response body (or one streamed to a file or a
// callback), and failures typed by what failed, so that no caller reads a message:
//   "cannot reach ledger at http://127.0.0.1:8640: connection refused"   (Failure::kConnect)
// Thread-safety: thread-compatible; one Client per thread (it owns one connection). fetch() is a
// free function that owns its connection.
#pragma once

#include <cassert>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tabella/http/url.h"
#include "tabella/util/result.h"

namespace tabella::http {

// The policy, one for every caller; a caller changes what it truly needs.
struct Options {
  std::chrono::milliseconds timeout{30000};  // per resolve+connect, TLS handshake, write, read
  std::uint64_t body_limit = 64u << 20;      // largest response body accepted in memory
  std::string peer_name = "server";          // in messages: "cannot reach <peer_name> at <url>"
  std::string ca_file;                       // extra trusted CA (PEM) for https; empty: system
  bool verify_tls = true;                    // false only for tests with self-signed certs
  // false: every request says "Connection: close" and gets a connection of its own.
  bool keep_alive = true;
  // A 503 with Retry-After (the server is busy: full queue, too many connections; nothing was
  // done) is sent again after the delay it asks for, at most busy_retries times and while the
  // delays add up to at most max_retry_wait; then that 503 is returned. 0: returned at once.
  int busy_retries = 5;
  std::chrono::milliseconds max_retry_wait{20000};
};

struct Request {
  std::string method = "GET";
  std::string target;        // after the URL's prefix; starts with '/'
  std::string body;          // sent with a Content-Length (also when empty, for POST and PUT)
  std::string content_type;  // sent when not empty
  std::vector<std::pair<std::string, std::string>> headers;  // more headers, as given
};

struct Response {
  unsigned status = 0;
  std::string content_type;
  std::string body;                            // empty when the body went to a file
  std::map<std::string, std::string> headers;  // every header, names lower-cased
  // Retry-After in seconds (the delta-seconds form; an HTTP date is ignored), if sent.
  std::optional<std::chrono::seconds> retry_after;
  int retries = 0;  // how many times a busy server's 503 made the client send it again
};

// What failed when there is no response to return. The Error says it for people.
enum class Failure {
  kNone,      // (a success)
  kUrl,       // the URL does not parse (Client::create, fetch)
  kResolve,   // the host name does not resolve
  kConnect,   // refused or unreachable
  kTls,       // the TLS handshake failed (certificate, name, protocol)
  kTimeout,   // a step took longer than Options::timeout (or a stream's first byte its idle)
  kBroken,    // the connection broke or the reply is not HTTP
  kTooLarge,  // the body passed Options::body_limit
  kFile,      // a download's file cannot be created or written
  kStatus,    // a stream was answered with another status than 200
};
// "connect", "timeout", ...: for logs and metrics.
const char* failure_name(Failure failure);

// A Result that also says what failed. Converts to Result<T> where the kind does not matter.
template <class T>
class [[nodiscard]] Outcome : public Result<T> {
 public:
  Outcome(T value) : Result<T>(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Outcome(Failure failure, Error error) : Result<T>(std::move(error)), failure_(failure) {}

  // kNone on success.
  Failure failure() const { return failure_; }

 private:
  Failure failure_ = Failure::kNone;
};

// How a stream ended without a failure.
enum class StreamEnd {
  kComplete,  // the server ended the body
  kStopped,   // on_data returned false or keep_going() did
  kIdle,      // nothing arrived for `idle`; the caller may open it again
};

// "120" -> 120 s; anything else (an HTTP-date, junk, more than a day) -> nullopt.
std::optional<std::chrono::seconds> parse_retry_after(std::string_view value);

class Client {
 public:
  // kInvalidArgument (Failure::kUrl) when the URL does not parse; nothing is connected yet.
  static Outcome<Client> create(std::string_view base_url, Options options = {});
  static Client create(Url url, Options options = {});
  ~Client();
  Client(Client&&) noexcept;
  Client& operator=(Client&&) noexcept;
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Sends one request to prefix + target. A kept-alive connection the server closed while idle
  // is re-opened once, transparently; a busy server's 503 + Retry-After is retried as Options
  // says. Any HTTP status is a success here; the error's code is kIo (kLimit for kTooLarge).
  Outcome<Response> request(const Request& request);
  Outcome<Response> get(std::string_view target);
  Outcome<Response> post_json(std::string_view target, std::string body);

  // GET target and stream a 200 response body into `path` (created or truncated); no body
  // limit. The response for any other status is returned with its body read (bounded).
  Outcome<Response> download(std::string_view target, const std::filesystem::path& path);

  // A long-lived request on a connection of its own (chunked or close-delimited body): on_data
  // gets each piece of a 200 body as it arrives and returns false to stop; keep_going() is
  // asked at least every `idle`. Ends kIdle when nothing arrives for `idle`.
  Outcome<StreamEnd> stream(const Request& request,
                            const std::function<bool(std::string_view)>& on_data,
                            const std::function<bool()>& keep_going,
                            std::chrono::milliseconds idle = std::chrono::milliseconds(1000));

  // Writes `bytes` as they are on a fresh connection and reads one response, then closes: for
  // tests of a server's handling of malformed requests.
  Outcome<Response> exchange_raw(std::string_view bytes);

  const Url& url() const;
  const Options& options() const;

 private:
  struct Impl;
  explicit Client(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// One request on a connection of its own (Options::keep_alive is ignored: it sends
// "Connection: close"). For peers called now and then: witnesses, etcd members.
Outcome<Response> fetch(const Url& url, const Request& request, Options options = {});

}  // namespace tabella::http
