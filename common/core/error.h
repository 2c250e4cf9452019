// Errors are values: every fallible kc function returns Result<T>, and an Error carries what
// failed, where (a path, URL or unit), why, and what the user can do about it.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace kc {

struct Error {
  std::string what;   // the action that failed: "install kubeadm"
  std::string where;  // the thing it failed on: a path, URL or unit name
  std::string why;    // the cause: "HTTP 404", "No such file or directory"
  std::string hint;   // what to do about it; may be empty

  // One line: "what: where: why (hint)", skipping empty parts.
  std::string message() const;

  // Prefixes context to an error bubbling up: "install kubeadm: " + what.
  Error& context(const std::string& outer);
};

// Builds an Error from errno (or an explicit errno value).
Error errno_error(std::string what, std::string where, int err);
Error errno_error(std::string what, std::string where);

// A minimal std::expected stand-in (C++23's is not available to C++20).
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const& { return std::get<1>(v_); }
  Error&& error() && { return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const& { return error_; }
  Error&& error() && { return std::move(error_); }

 private:
  Error error_;
  bool ok_ = true;
};

using Status = Result<void>;

}  // namespace kc

// Returns the error of a Result expression from the enclosing function.
#define KC_TRY(expr)                                               \
  do {                                                             \
    auto kc_try_result_ = (expr);                                  \
    if (!kc_try_result_) return std::move(kc_try_result_).error(); \
  } while (0)
