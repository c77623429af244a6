// Reading the Engine API's JSON leniently: a field that is missing or of another type reads as
// empty, as fields come and go between API versions. These are the only accessors the adapters
// use on untrusted JSON: none of them throws on a type mismatch (nlohmann's value() and get<>()
// do, and an exception escaping an event handler would end proxy-gen, PID 1 of the proxy).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace webvps::proxy_gen {

/// The string at `key` of `object`, or "".
inline std::string StringAt(const nlohmann::json& object, const char* key) {
  if (!object.is_object()) return "";
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

/// The boolean at `key` of `object`, or `fallback` (a missing key, or a value of another type).
inline bool BoolAt(const nlohmann::json& object, const char* key, bool fallback) {
  if (!object.is_object()) return fallback;
  auto it = object.find(key);
  return it != object.end() && it->is_boolean() ? it->get<bool>() : fallback;
}

/// The object at `key` of `object`, or nullptr.
inline const nlohmann::json* ObjectAt(const nlohmann::json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  return it != object.end() && it->is_object() ? &*it : nullptr;
}

}  // namespace webvps::proxy_gen
