// Program configuration: a YAML file whose nested maps are flattened to dotted keys
// ("smtp.port"), overlaid with environment variables (PREFIX + key in upper case, dots and
// hyphens as underscores: WEBVPS_MAILER_SMTP_PORT). Errors name the file and line, or the
// variable, and the key: "mailer.yaml:7: smtp.port: expected an integer from 1 to 65535, got "x"".
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "result.h"

namespace webvps {

/// Splits "a, b ,,c" at `separator` into trimmed, non-empty items: ["a", "b", "c"].
std::vector<std::string> SplitList(std::string_view text, char separator = ',');

/// The items joined with `separator` ("a, b").
template <typename Items>
std::string JoinList(const Items& items, std::string_view separator = ", ") {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

/// The lines of `text` without their line feeds, empty ones included (line numbers are their
/// index + 1); a final line feed does not start another line.
std::vector<std::string_view> SplitLines(std::string_view text);

/// The longest duration ParseDuration accepts: 100 years.
inline constexpr int64_t kMaxDurationDays = 36'500;

/// Parses "250ms", "90s", "2m", "1h", "7d" or a plain number of seconds ("120"), at most
/// kMaxDurationDays.
Result<std::chrono::milliseconds> ParseDuration(std::string_view text);

/// One configuration value and where it came from.
struct ConfigValue {
  std::vector<std::string> items;  ///< one item for a scalar, any number for a list
  bool is_list = false;
  std::string origin;              ///< "file.yaml:12" or "environment variable NAME"
};

/// The flattened key -> value map of one YAML document. Keys are never guessed or merged.
class ConfigSource {
 public:
  /// An empty source (every key takes its default or its environment variable).
  ConfigSource() = default;

  /// Reads and flattens `path`; errors name the file and line.
  static Result<ConfigSource> FromFile(const std::string& path);
  /// Flattens YAML `text`; `name` stands for the file in messages.
  static Result<ConfigSource> FromText(std::string_view text, const std::string& name);

  const ConfigValue* Find(const std::string& key) const;
  std::vector<std::string> Keys() const;

 private:
  std::map<std::string, ConfigValue> values_;
};

/// Environment lookup, injectable so tests need not touch the process environment.
using EnvironmentLookup = std::function<std::optional<std::string>(const std::string& name)>;
/// Reads the real process environment.
EnvironmentLookup ProcessEnvironment();

/// Typed, validated reads from a ConfigSource with environment overrides. Problems are
/// collected, not thrown, so one run reports all of them; Finish() also reports file keys that
/// no read asked for (a misspelt key is an error, not silently ignored).
class ConfigReader {
 public:
  ConfigReader(const ConfigSource& source, std::string env_prefix, EnvironmentLookup environment);

  std::string String(const std::string& key, const std::string& fallback);
  int64_t Integer(const std::string& key, int64_t fallback, int64_t min, int64_t max);
  bool Boolean(const std::string& key, bool fallback);
  std::chrono::milliseconds Duration(const std::string& key, std::chrono::milliseconds fallback);
  /// A YAML list, or a comma-separated string (environment variables are always the latter).
  std::vector<std::string> List(const std::string& key, const std::vector<std::string>& fallback);
  /// One of `choices`.
  std::string Choice(const std::string& key, const std::string& fallback,
                     const std::vector<std::string>& choices);

  /// Records a problem with `key` found by the caller's own validation.
  void Reject(const std::string& key, const std::string& problem);

  /// The name of the environment variable that overrides `key`.
  std::string EnvironmentName(const std::string& key) const;

  /// All problems so far plus unknown keys, one per line; ok when there are none.
  Status Finish();

 private:
  /// The value of `key` from the environment, else the file, else nullopt. Marks it used.
  std::optional<ConfigValue> Lookup(const std::string& key);
  std::optional<std::string> Scalar(const std::string& key, std::string* origin);
  void Problem(const std::string& origin, const std::string& key, const std::string& message);

  const ConfigSource& source_;
  std::string env_prefix_;
  EnvironmentLookup environment_;
  std::set<std::string> read_keys_;
  std::vector<std::string> problems_;
};

}  // namespace webvps
