#include "config.h"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "names.h"

namespace webvps {
namespace {

std::string Origin(const std::string& name, const YAML::Node& node) {
  return name + ":" + std::to_string(node.Mark().line + 1);
}

// Flattens nested maps into dotted keys; scalars and lists of scalars are values.
Status Flatten(const YAML::Node& node, const std::string& prefix, const std::string& name,
               std::map<std::string, ConfigValue>& out) {
  for (const auto& entry : node) {
    if (!entry.first.IsScalar()) {
      return Error(Origin(name, entry.first) + ": keys must be plain words");
    }
    std::string key = prefix.empty() ? entry.first.Scalar() : prefix + "." + entry.first.Scalar();
    if (out.contains(key)) return Error(Origin(name, entry.first) + ": " + key + ": duplicate key");
    const YAML::Node& value = entry.second;
    if (value.IsMap()) {
      if (Status status = Flatten(value, key, name, out); !status.ok()) return status;
      continue;
    }
    ConfigValue flat;
    flat.origin = Origin(name, entry.first);
    if (value.IsSequence()) {
      flat.is_list = true;
      for (const auto& item : value) {
        if (!item.IsScalar()) return Error(Origin(name, item) + ": " + key + ": list items must be plain values");
        flat.items.push_back(item.Scalar());
      }
    } else if (value.IsScalar()) {
      flat.items.push_back(value.Scalar());
    } else {
      flat.items.push_back("");  // `key:` with nothing after it
    }
    out.emplace(key, std::move(flat));
  }
  return Status::Ok();
}

std::string Trim(std::string_view text) {
  size_t begin = text.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return "";
  size_t end = text.find_last_not_of(" \t");
  return std::string(text.substr(begin, end - begin + 1));
}

}  // namespace

std::vector<std::string> SplitList(std::string_view text, char separator) {
  std::vector<std::string> items;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(separator, start);
    std::string item = Trim(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (!item.empty()) items.push_back(item);
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return items;
}

std::vector<std::string_view> SplitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

Result<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0 || digits > 12) return Error("expected a duration like 250ms, 90s, 2m, 1h or 7d, got " + QuoteForMessage(text));
  int64_t number = 0;
  std::from_chars(text.data(), text.data() + digits, number);
  std::string_view unit = text.substr(digits);
  int64_t millis_per_unit = 0;
  if (unit.empty() || unit == "s") millis_per_unit = 1000;
  else if (unit == "ms") millis_per_unit = 1;
  else if (unit == "m") millis_per_unit = 60'000;
  else if (unit == "h") millis_per_unit = 3'600'000;
  else if (unit == "d") millis_per_unit = 86'400'000;
  else return Error("expected a duration like 250ms, 90s, 2m, 1h or 7d, got " + QuoteForMessage(text));
  // Up to 100 years: added to a clock's now (nanoseconds), anything longer would overflow it.
  if (number > kMaxDurationDays * 86'400'000 / millis_per_unit) {
    return Error("a duration longer than " + std::to_string(kMaxDurationDays) + " days, got " + QuoteForMessage(text));
  }
  return std::chrono::milliseconds(number * millis_per_unit);
}

Result<ConfigSource> ConfigSource::FromFile(const std::string& path) {
  std::ifstream file(path);
  if (!file) return Error::FromErrno("read " + path);
  std::stringstream text;
  text << file.rdbuf();
  return FromText(text.str(), path);
}

Result<ConfigSource> ConfigSource::FromText(std::string_view text, const std::string& name) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return Error(name + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  ConfigSource source;
  if (root.IsNull()) return source;  // an empty file is a valid, empty configuration
  if (!root.IsMap()) return Error(name + ":" + std::to_string(root.Mark().line + 1) + ": the file must be a map of keys");
  if (Status status = Flatten(root, "", name, source.values_); !status.ok()) return status.error();
  return source;
}

const ConfigValue* ConfigSource::Find(const std::string& key) const {
  auto it = values_.find(key);
  return it == values_.end() ? nullptr : &it->second;
}

std::vector<std::string> ConfigSource::Keys() const {
  std::vector<std::string> keys;
  for (const auto& [key, value] : values_) keys.push_back(key);
  return keys;
}

EnvironmentLookup ProcessEnvironment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

ConfigReader::ConfigReader(const ConfigSource& source, std::string env_prefix, EnvironmentLookup environment)
    : source_(source), env_prefix_(std::move(env_prefix)), environment_(std::move(environment)) {}

std::string ConfigReader::EnvironmentName(const std::string& key) const {
  std::string name = env_prefix_;
  for (char c : key) {
    if (c == '.' || c == '-') name += '_';
    else if (c >= 'a' && c <= 'z') name += static_cast<char>(c - 'a' + 'A');
    else name += c;
  }
  return name;
}

std::optional<ConfigValue> ConfigReader::Lookup(const std::string& key) {
  read_keys_.insert(key);
  std::string variable = EnvironmentName(key);
  if (auto value = environment_(variable)) {
    return ConfigValue{{*value}, false, "environment variable " + variable};
  }
  if (const ConfigValue* value = source_.Find(key)) return *value;
  return std::nullopt;
}

std::optional<std::string> ConfigReader::Scalar(const std::string& key, std::string* origin) {
  auto value = Lookup(key);
  if (!value) return std::nullopt;
  *origin = value->origin;
  if (value->is_list) {
    Problem(value->origin, key, "expected a single value, got a list");
    return std::nullopt;
  }
  return value->items.front();
}

void ConfigReader::Problem(const std::string& origin, const std::string& key, const std::string& message) {
  problems_.push_back(origin + ": " + key + ": " + message);
}

void ConfigReader::Reject(const std::string& key, const std::string& problem) {
  auto value = Lookup(key);
  Problem(value ? value->origin : "configuration", key, problem);
}

std::string ConfigReader::String(const std::string& key, const std::string& fallback) {
  std::string origin;
  auto value = Scalar(key, &origin);
  return value ? *value : fallback;
}

int64_t ConfigReader::Integer(const std::string& key, int64_t fallback, int64_t min, int64_t max) {
  std::string origin;
  auto value = Scalar(key, &origin);
  if (!value) return fallback;
  std::string text = Trim(*value);
  int64_t number = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (error != std::errc() || end != text.data() + text.size() || text.empty() || number < min || number > max) {
    Problem(origin, key,
            "expected an integer from " + std::to_string(min) + " to " + std::to_string(max) + ", got " + QuoteForMessage(*value));
    return fallback;
  }
  return number;
}

bool ConfigReader::Boolean(const std::string& key, bool fallback) {
  std::string origin;
  auto value = Scalar(key, &origin);
  if (!value) return fallback;
  std::string text = LowerCase(Trim(*value));
  if (text == "true" || text == "yes" || text == "on" || text == "1") return true;
  if (text == "false" || text == "no" || text == "off" || text == "0") return false;
  Problem(origin, key, "expected true or false, got " + QuoteForMessage(*value));
  return fallback;
}

std::chrono::milliseconds ConfigReader::Duration(const std::string& key, std::chrono::milliseconds fallback) {
  std::string origin;
  auto value = Scalar(key, &origin);
  if (!value) return fallback;
  auto duration = ParseDuration(Trim(*value));
  if (!duration.ok()) {
    Problem(origin, key, duration.error().message());
    return fallback;
  }
  return *duration;
}

std::vector<std::string> ConfigReader::List(const std::string& key, const std::vector<std::string>& fallback) {
  auto value = Lookup(key);
  if (!value) return fallback;
  if (value->is_list) return value->items;
  return SplitList(value->items.front());
}

std::string ConfigReader::Choice(const std::string& key, const std::string& fallback,
                                 const std::vector<std::string>& choices) {
  std::string origin;
  auto value = Scalar(key, &origin);
  if (!value) return fallback;
  for (const auto& choice : choices) {
    if (*value == choice) return choice;
  }
  std::string allowed;
  for (const auto& choice : choices) allowed += (allowed.empty() ? "" : ", ") + choice;
  Problem(origin, key, "expected one of " + allowed + ", got " + QuoteForMessage(*value));
  return fallback;
}

Status ConfigReader::Finish() {
  std::vector<std::string> problems = problems_;
  for (const auto& key : source_.Keys()) {
    if (!read_keys_.contains(key)) problems.push_back(source_.Find(key)->origin + ": " + key + ": unknown key");
  }
  if (problems.empty()) return Status::Ok();
  std::string message;
  for (const auto& problem : problems) message += (message.empty() ? "" : "\n") + problem;
  return Error(message);
}

}  // namespace webvps
