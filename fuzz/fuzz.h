// What every harness shares: the input as text, and a finding that libFuzzer reports as a crash
// (with the input saved as its reproducer) when an oracle says the output is wrong.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace webvps::fuzz {

inline std::string_view Text(const uint8_t* data, size_t size) { return {reinterpret_cast<const char*>(data), size}; }

/// Ends the run as a finding: the oracle `what` failed on this input.
[[noreturn]] inline void Finding(const std::string& what) {
  std::fprintf(stderr, "FINDING: %s\n", what.c_str());
  std::abort();
}

/// Splits the input at the first `separator` (or not at all): two independent parts.
inline std::pair<std::string_view, std::string_view> SplitInput(std::string_view text, char separator = '\0') {
  size_t at = text.find(separator);
  if (at == std::string_view::npos) return {text, {}};
  return {text.substr(0, at), text.substr(at + 1)};
}

}  // namespace webvps::fuzz
