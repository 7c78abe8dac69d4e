// Result<T>: a value or an Error. User input and outside bytes get an Error with a message that
// says what, where and why; assertions are for programmer errors only.
// Thread-safety: value types, no shared state.
#pragma once

#include <cassert>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace tabella {

enum class ErrorCode {
  kInvalidArgument,   // malformed input: bad length, bad syntax, unknown field
  kInvalidEncoding,   // bytes that do not decode (point, scalar, base64, hex, entry)
  kInvalidProof,      // a zero-knowledge proof that does not verify
  kInvalidSignature,  // a signature that does not verify
  kOutOfRange,        // a value outside its allowed range
  kNotFound,
  kPermission,  // the author may not do this
  kConflict,    // state forbids it (token spent, polls closed, chain mismatch)
  kLimit,       // too large / past a bound
  kIo,          // file or network failure
  kCrypto,      // an OpenSSL failure that should not happen
  // Temporarily unable, and nothing was done: the same request may succeed later (a full disk,
  // an unreachable cluster log, a server shutting down). HTTP 503 with Retry-After.
  kUnavailable,
};

// "invalid_argument", ... "unavailable": the "error" of an HTTP error body.
const char* error_code_name(ErrorCode code);
// The inverse of error_code_name; nullopt for any other text.
std::optional<ErrorCode> error_code_from_name(std::string_view name);

// Why a request was refused, where a caller acts on the cause (docs/api.md, "Errors": the
// "reason" member of an error body). Callers decide by code and reason, never by the message.
// kNone: nothing more specific than the code and field.
enum class ErrorReason {
  kNone,
  kUnknownAuthor,       // "unknown_author": the entry's author key is not known (HTTP 401)
  kKioskNotAllowed,     // "kiosk_not_allowed": not an enrolled kiosk, or a revoked one
  kPollsNotOpen,        // "polls_not_open": a ballot or polls-close while the polls are not open
  kPhase,               // "phase": the election's phase forbids this entry type now
  kTokenNotCommitted,   // "token_not_committed": the ballot's voter token was never committed
  kTokenSpent,          // "token_spent": the voter token was already used
  kTokenOtherPrecinct,  // "token_other_precinct": the token is for another precinct's kiosks
  kKioskChain,          // "kiosk_chain": sequence or previous code does not follow the chain
  kDiskFull,            // "disk_full": nothing can be stored until space is freed (503)
  kAppendRace,          // "append_race": another cluster node appended first (cluster mode)
};
// "unknown_author", ...; "" for kNone.
const char* error_reason_name(ErrorReason reason);
// The inverse of error_reason_name; nullopt for any other text (and for "").
std::optional<ErrorReason> error_reason_from_name(std::string_view name);

struct Error {
  ErrorCode code = ErrorCode::kInvalidArgument;
  std::string message;
  std::string field;  // where: a JSON path, a field name or an entry index; may be empty
  // kUnavailable: seconds after which trying again makes sense (0: soon, the caller's default).
  std::uint32_t retry_after = 0;
  ErrorReason reason = ErrorReason::kNone;  // the cause, for callers that act on it

  // "field: message" (or just the message).
  std::string describe() const { return field.empty() ? message : field + ": " + message; }
  // The same error, located one level further out: with_prefix("contests[2]").
  Error with_prefix(const std::string& outer) const {
    Error e = *this;
    e.field = field.empty() ? outer : (field.front() == '[' ? outer + field : outer + "." + field);
    return e;
  }
};

inline Error make_error(ErrorCode code, std::string message, std::string field = {}) {
  return Error{code, std::move(message), std::move(field)};
}
inline Error make_error(ErrorCode code, std::string message, std::string field,
                        ErrorReason reason) {
  return Error{code, std::move(message), std::move(field), 0, reason};
}
// A kIo error for a failed system call: "<doing>: <what errno says>", field `field` (the path).
// Call it before anything else can change errno.
inline Error errno_error(const std::string& doing, std::string field = {}, int err = errno) {
  return Error{ErrorCode::kIo, doing + ": " + std::strerror(err), std::move(field)};
}
// A kUnavailable error: try again after retry_after seconds.
inline Error make_unavailable(std::string message, std::string field, std::uint32_t retry_after) {
  return Error{ErrorCode::kUnavailable, std::move(message), std::move(field), retry_after};
}

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  // REQUIRES: ok()
  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  // REQUIRES: !ok()
  const Error& error() const {
    assert(!ok());
    return std::get<1>(v_);
  }

 private:
  std::variant<T, Error> v_;
};

// Status: success or an Error.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error)
      : error_(std::move(error)), ok_(false) {}  // NOLINT(google-explicit-constructor)
  static Status success() { return Status(); }
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const {
    assert(!ok_);
    return error_;
  }

 private:
  Error error_;
  bool ok_ = true;
};

}  // namespace tabella

// Early return on failure, Beast-style: TABELLA_TRY(status_expr);
#define TABELLA_TRY(expr)                                    \
  do {                                                       \
    auto tabella_try_r_ = (expr);                            \
    if (!tabella_try_r_.ok()) return tabella_try_r_.error(); \
  } while (0)
