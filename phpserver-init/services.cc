#include "services.h"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <csignal>
#include <set>

#include "config.h"
#include "names.h"

namespace webvps::phpserver_init {
namespace {

std::string Where(const std::string& source, const YAML::Node& node, const std::string& path) {
  return source + ":" + std::to_string(node.Mark().line + 1) + ": " + path + ": ";
}

Result<std::chrono::milliseconds> DurationAt(const YAML::Node& node, const std::string& where) {
  if (!node.IsScalar()) return Error(where + "expected a duration");
  auto duration = ParseDuration(node.Scalar());
  if (!duration.ok()) return Error(where + duration.error().message());
  return *duration;
}

Result<ServiceSpec> ParseService(const YAML::Node& node, const std::string& path, const std::string& source) {
  if (!node.IsMap()) return Error(Where(source, node, path) + "expected a map");
  static const std::set<std::string> kKeys = {"name", "command", "stop_signal", "reload_signal", "config_test", "restart",
                                              "main", "backoff_initial", "backoff_max", "crash_loop_limit", "stable_after"};
  ServiceSpec spec;
  for (const auto& entry : node) {
    std::string key = entry.first.Scalar();
    std::string where = Where(source, entry.first, path + "." + key);
    const YAML::Node& value = entry.second;
    if (!kKeys.contains(key)) return Error(where + "unknown key");
    if (key == "command") {
      if (!value.IsSequence() || value.size() == 0) return Error(where + "expected a non-empty list: [program, arg, ...]");
      for (const auto& arg : value) {
        if (!arg.IsScalar()) return Error(where + "every argument must be a string");
        spec.command.push_back(arg.Scalar());
      }
      continue;
    }
    if (!value.IsScalar()) return Error(where + "expected a single value");
    const std::string& text = value.Scalar();
    if (key == "name") {
      if (!IsValidSiteName(text)) return Error(where + QuoteForMessage(text) + " is not a name ([a-z][a-z0-9-]*)");
      spec.name = text;
    } else if (key == "stop_signal" || key == "reload_signal") {
      auto signal = ParseSignal(text);
      if (!signal.ok()) return Error(where + signal.error().message());
      (key == "stop_signal" ? spec.stop_signal : spec.reload_signal) = *signal;
    } else if (key == "config_test") {
      spec.config_test = text;
    } else if (key == "restart") {
      if (text == "always") spec.restart = RestartPolicy::kAlways;
      else if (text == "on-failure") spec.restart = RestartPolicy::kOnFailure;
      else if (text == "never") spec.restart = RestartPolicy::kNever;
      else return Error(where + "expected always, on-failure or never, got " + QuoteForMessage(text));
    } else if (key == "main") {
      if (text != "true" && text != "false") return Error(where + "expected true or false");
      spec.main = text == "true";
    } else if (key == "crash_loop_limit") {
      auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), spec.crash_loop_limit);
      if (error != std::errc() || end != text.data() + text.size() || spec.crash_loop_limit < 1) {
        return Error(where + "expected a positive integer");
      }
    } else {
      auto duration = DurationAt(value, where);
      if (!duration.ok()) return duration.error();
      if (key == "backoff_initial") spec.backoff_initial = *duration;
      else if (key == "backoff_max") spec.backoff_max = *duration;
      else spec.stable_after = *duration;
    }
  }
  if (spec.name.empty()) return Error(Where(source, node, path + ".name") + "missing");
  if (spec.command.empty()) return Error(Where(source, node, path + ".command") + "missing");
  if (spec.backoff_max < spec.backoff_initial) spec.backoff_max = spec.backoff_initial;
  return spec;
}

}  // namespace

Result<std::vector<ServiceSpec>> ParseServices(std::string_view text, const std::string& source) {
  try {
    YAML::Node root = YAML::Load(std::string(text));
    if (!root.IsMap() || !root["services"] || !root["services"].IsSequence()) {
      return Error(source + ":1: expected a map with a list `services:`");
    }
    for (const auto& entry : root) {
      if (entry.first.Scalar() != "services") {
        return Error(Where(source, entry.first, entry.first.Scalar()) + "unknown key");
      }
    }
    std::vector<ServiceSpec> services;
    std::set<std::string> names;
    const YAML::Node list = root["services"];
    for (size_t i = 0; i < list.size(); ++i) {
      std::string path = "services[" + std::to_string(i) + "]";
      auto service = ParseService(list[i], path, source);
      if (!service.ok()) return service.error();
      if (!names.insert(service->name).second) {
        return Error(Where(source, list[i], path + ".name") + "service " + QuoteForMessage(service->name) + " is defined twice");
      }
      services.push_back(std::move(*service));
    }
    if (services.empty()) return Error(source + ":1: services: the list is empty");
    return services;
  } catch (const YAML::Exception& e) {
    return Error(source + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
}

}  // namespace webvps::phpserver_init
