#include "candidate_config.h"

#include <fnmatch.h>

#include <algorithm>

namespace webvps::proxy_gen {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool HasGlob(const std::string& path) { return path.find_first_of("*?[") != std::string::npos; }

struct IncludeDirective {
  size_t begin = 0;  ///< offset of "include"
  size_t end = 0;    ///< offset after the ';'
  std::string argument;
};

// The next `include ...;` directive at or after `from` that is not inside a comment or a
// quoted string; nullopt when there is none.
std::optional<IncludeDirective> NextInclude(std::string_view text, size_t from) {
  constexpr std::string_view kWord = "include";
  char quote = 0;
  bool token_start = true;
  for (size_t i = from; i < text.size(); ++i) {
    char c = text[i];
    if (quote) {
      if (c == '\\') ++i;
      else if (c == quote) quote = 0;
      continue;
    }
    if (c == '#') {
      while (i < text.size() && text[i] != '\n') ++i;
      token_start = true;
      continue;
    }
    if (c == '"' || c == '\'') {
      quote = c;
      token_start = false;
      continue;
    }
    if (IsSpace(c) || c == ';' || c == '{' || c == '}') {
      token_start = true;
      continue;
    }
    if (token_start && text.substr(i, kWord.size()) == kWord && i + kWord.size() < text.size() && IsSpace(text[i + kWord.size()])) {
      size_t at = i + kWord.size();
      while (at < text.size() && IsSpace(text[at])) ++at;
      std::string argument;
      if (at < text.size() && (text[at] == '"' || text[at] == '\'')) {
        char open = text[at++];
        while (at < text.size() && text[at] != open) argument += text[at++];
        ++at;
      } else {
        while (at < text.size() && !IsSpace(text[at]) && text[at] != ';') argument += text[at++];
      }
      while (at < text.size() && IsSpace(text[at])) ++at;
      if (at < text.size() && text[at] == ';' && !argument.empty()) return IncludeDirective{i, at + 1, argument};
    }
    token_start = false;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> CandidateMainConfig(std::string_view main_text, const std::string& main_dir,
                                               const std::string& live_path, const std::string& candidate_path,
                                               const GlobFunction& expand) {
  std::string out;
  bool redirected = false;
  size_t copied = 0;
  for (auto include = NextInclude(main_text, 0); include; include = NextInclude(main_text, include->end)) {
    std::string path = include->argument.starts_with('/') ? include->argument : main_dir + "/" + include->argument;
    std::string replacement;
    if (path == live_path) {
      replacement = "include " + candidate_path + ";";
      redirected = true;
    } else if (HasGlob(path) && ::fnmatch(path.c_str(), live_path.c_str(), FNM_PATHNAME) == 0) {
      std::vector<std::string> files = expand(path);
      if (std::find(files.begin(), files.end(), live_path) == files.end()) files.push_back(live_path);
      std::sort(files.begin(), files.end());
      for (const auto& file : files) replacement += "include " + (file == live_path ? candidate_path : file) + "; ";
      replacement.pop_back();
      redirected = true;
    } else {
      replacement = "include " + path + ";";
    }
    out.append(main_text.substr(copied, include->begin - copied));
    out += replacement;
    copied = include->end;
  }
  if (!redirected) return std::nullopt;
  out.append(main_text.substr(copied));
  return out;
}

std::string MinimalMainConfig(const std::string& main_dir, const std::string& candidate_path) {
  return "events {}\nhttp {\n    include " + main_dir + "/mime.types;\n    include " + candidate_path + ";\n}\n";
}

}  // namespace webvps::proxy_gen
