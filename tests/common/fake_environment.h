// An environment for tests: a fixed map instead of the process environment.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "config.h"

namespace webvps {

inline EnvironmentLookup FakeEnvironment(std::map<std::string, std::string> variables) {
  return [variables = std::move(variables)](const std::string& name) -> std::optional<std::string> {
    auto it = variables.find(name);
    if (it == variables.end()) return std::nullopt;
    return it->second;
  };
}

}  // namespace webvps
