// Expected failures as values: an Error names the operation, the object and the cause
// ("reload apache: kill(1234, SIGUSR1): No such process"); Result<T> holds a value or an Error.
#pragma once

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>
#include <variant>

namespace webvps {

/// A failure that a caller is expected to handle or report. The message reads as one line.
class Error {
 public:
  explicit Error(std::string message) : message_(std::move(message)) {}

  /// "<operation>: <strerror(errnum)>", for failed system calls.
  static Error FromErrno(const std::string& operation, int errnum = errno) {
    return Error(operation + ": " + std::strerror(errnum));
  }

  const std::string& message() const { return message_; }

  /// The same error with context in front: Wrap("load registry") -> "load registry: <message>".
  Error Wrap(const std::string& context) const { return Error(context + ": " + message_); }

 private:
  std::string message_;
};

/// Either a T or an Error. Check ok() before value().
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : state_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return ok(); }

  const T& value() const& { return std::get<T>(state_); }
  T& value() & { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

  const Error& error() const { return std::get<Error>(state_); }

 private:
  std::variant<T, Error> state_;
};

/// The outcome of an operation that returns nothing.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)), failed_(true) {}  // NOLINT: implicit by design

  static Status Ok() { return Status(); }

  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  const Error& error() const { return error_; }
  /// "ok" or the error message, for logs and test failures.
  std::string ToString() const { return failed_ ? error_.message() : "ok"; }

 private:
  Error error_{""};
  bool failed_ = false;
};

}  // namespace webvps
