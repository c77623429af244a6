// Testing a candidate config with `nginx -t` before it replaces the live one: nginx tests a
// whole main config, so proxy-gen writes a copy of the main config (nginx.conf) in which the
// include that loads the live generated file loads the candidate instead. Everything else the
// main config loads (modules, mime types, the admin's own conf.d files) is tested with it, so a
// candidate that passes here passes when nginx reloads. Pure: the glob is handed in.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace webvps::proxy_gen {

/// Expands an include pattern to the files it names, like glob(3).
using GlobFunction = std::function<std::vector<std::string>(const std::string& pattern)>;

/// The main config that loads `candidate_path` where `main_text` loads `live_path`. An include
/// of the exact path is redirected; a pattern that matches it (conf.d/*.conf) becomes explicit
/// includes of its files in nginx's (sorted) order with the candidate in the live file's place.
/// Relative includes become absolute against `main_dir`, since nginx resolves them against the
/// directory of the file given with -c. nullopt when no top-level include loads the live file.
std::optional<std::string> CandidateMainConfig(std::string_view main_text, const std::string& main_dir,
                                               const std::string& live_path, const std::string& candidate_path,
                                               const GlobFunction& expand);

/// A main config for when the real one does not include the live file: the candidate inside
/// an http block with the mime types, enough for nginx to check every directive of it.
std::string MinimalMainConfig(const std::string& main_dir, const std::string& candidate_path);

}  // namespace webvps::proxy_gen
