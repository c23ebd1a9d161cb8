#pragma once
// The single error type of vigia: the message already says what went wrong, where
// (file, layer, line, option) and what is allowed. It is thrown by the libraries
// and caught once, in main, which prints one line; no other exception type
// crosses a library boundary, and no library prints.

#include <stdexcept>
#include <string>

namespace vigia {

class Error : public std::runtime_error {
 public:
  enum class Kind {
    Input,      ///< bad input from the user: files, options, values (exit code 2)
    Runtime,    ///< the input was fine but the work failed: disk full, write error (exit code 1)
    Cancelled,  ///< the user interrupted the work (exit code 130)
  };
  explicit Error(const std::string& what, Kind kind = Kind::Input)
      : std::runtime_error(what), kind_(kind) {}
  [[nodiscard]] Kind kind() const noexcept { return kind_; }

 private:
  Kind kind_;
};

}  // namespace vigia
