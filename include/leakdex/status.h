// Status and Result<T>: how every fallible core function reports failure.
//
// The core never prints and never exits; it returns a Status. Only the CLI
// maps a Status code to a process exit code (src/cli/exit_codes.h).
// Messages name files, lines and byte offsets, never an input value (SPEC P1).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace leakdex {

class [[nodiscard]] Status {
 public:
  // Each code maps to one SPEC §4.6 exit code; see src/cli/exit_codes.h.
  enum class Code {
    kOk = 0,
    kNotFound,         // a looked-up thing does not exist (not an error for lookups)
    kInvalidArgument,  // usage: bad option value                         -> exit 2
    kInputError,       // unreadable/undecodable input, bad query value    -> exit 3
    kCorruption,       // index damaged or truncated                       -> exit 4
    kNotSupported,     // index of an unknown version                      -> exit 4
    kIndexMissing,     // no index at the path given (typo, wrong $LEAKDEX_INDEX) -> exit 4
    kKeyError,         // missing/wrong/unsafe key                         -> exit 5
    kIOError,          // cannot write, disk full                          -> exit 6
    kInternal,         // a bug                                            -> exit 70
  };

  Status() = default;
  static Status Ok() { return Status(); }
  static Status NotFound(std::string msg) { return {Code::kNotFound, std::move(msg)}; }
  static Status InvalidArgument(std::string msg) { return {Code::kInvalidArgument, std::move(msg)}; }
  static Status InputError(std::string msg) { return {Code::kInputError, std::move(msg)}; }
  static Status Corruption(std::string msg) { return {Code::kCorruption, std::move(msg)}; }
  static Status NotSupported(std::string msg) { return {Code::kNotSupported, std::move(msg)}; }
  static Status IndexMissing(std::string msg) { return {Code::kIndexMissing, std::move(msg)}; }
  static Status KeyError(std::string msg) { return {Code::kKeyError, std::move(msg)}; }
  static Status IOError(std::string msg) { return {Code::kIOError, std::move(msg)}; }
  static Status Internal(std::string msg) { return {Code::kInternal, std::move(msg)}; }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // "Corruption: index/seg-000001.ldx: offset 4096: block checksum mismatch"
  std::string ToString() const;

 private:
  Status(Code code, std::string msg) : code_(code), message_(std::move(msg)) {}
  Code code_ = Code::kOk;
  std::string message_;
};

// A value or the Status explaining why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}  // NOLINT: must not be Ok
  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() { return value(); }

 private:
  std::variant<T, Status> v_;
};

// A failure with no Status path back to the caller: a library leakdex opens on
// first use (libarchive, OpenCC, the plugin leakdex-i18n.so) cannot be loaded
// inside a normaliser, which returns outcomes, not statuses. Carrying on would
// misreport values (a Traditional name as "bad encoding", a landline as
// invalid) and silently miss exposures, so the run must end. The core never
// prints or exits: it calls the handler the program installed, which reports
// `status` (it names the library and package, never a data value) and ends the
// process. The handler must not return; if it does, or none is installed, the
// process aborts. May be called from any thread; set it once, before any work.
using FatalErrorHandler = void (*)(const Status& status);
void SetFatalErrorHandler(FatalErrorHandler handler);

}  // namespace leakdex

#define LEAKDEX_RETURN_IF_ERROR(expr)        \
  do {                                       \
    ::leakdex::Status _st = (expr);          \
    if (!_st.ok()) return _st;               \
  } while (0)

#define LEAKDEX_CONCAT_INNER(a, b) a##b
#define LEAKDEX_CONCAT(a, b) LEAKDEX_CONCAT_INNER(a, b)
// LEAKDEX_ASSIGN_OR_RETURN(auto x, Foo()); — declares x from a Result or returns its Status.
#define LEAKDEX_ASSIGN_OR_RETURN(lhs, expr)                                   \
  auto LEAKDEX_CONCAT(_res_, __LINE__) = (expr);                              \
  if (!LEAKDEX_CONCAT(_res_, __LINE__).ok())                                  \
    return LEAKDEX_CONCAT(_res_, __LINE__).status();                          \
  lhs = std::move(LEAKDEX_CONCAT(_res_, __LINE__)).value()
