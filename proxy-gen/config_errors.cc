#include "config_errors.h"

#include <charconv>
#include <sstream>

namespace webvps::proxy_gen {

std::optional<int> ErrorLine(const std::string& nginx_output, const std::string& config_path) {
  std::string needle = config_path + ":";
  size_t at = nginx_output.find(needle);
  if (at == std::string::npos) return std::nullopt;
  const char* begin = nginx_output.data() + at + needle.size();
  const char* end = nginx_output.data() + nginx_output.size();
  int line = 0;
  auto [next, error] = std::from_chars(begin, end, line);
  if (error != std::errc() || next == begin || line < 1) return std::nullopt;
  return line;
}

std::optional<std::string> HostAtLine(const std::string& config, int line) {
  std::istringstream in(config);
  std::string text;
  std::optional<std::string> host;
  for (int number = 1; std::getline(in, text) && number <= line; ++number) {
    // "# shop.example.org (2 containers)": the renderer's head of a host's part.
    if (text.starts_with("# ") && (text.ends_with(" container)") || text.ends_with(" containers)"))) {
      size_t paren = text.rfind(" (");
      if (paren != std::string::npos && paren > 2) host = text.substr(2, paren - 2);
    }
  }
  return host;
}

std::optional<BlamedFile> FindBlamedFile(const std::string& nginx_output, const std::vector<std::string>& directories) {
  std::optional<BlamedFile> first;
  size_t first_at = std::string::npos;
  for (const auto& directory : directories) {
    std::string prefix = directory + "/";
    for (size_t at = nginx_output.find(prefix); at != std::string::npos; at = nginx_output.find(prefix, at + 1)) {
      // A path nginx prints ends at a quote, a colon (file:line), whitespace or the end.
      size_t begin = at + prefix.size();
      size_t end = nginx_output.find_first_of("\"': \n", begin);
      if (end == std::string::npos) end = nginx_output.size();
      std::string name = nginx_output.substr(begin, end - begin);
      if (name.empty() || name.find('/') != std::string::npos) continue;
      if (at < first_at) {
        first_at = at;
        first = BlamedFile{directory, name};
      }
      break;
    }
  }
  return first;
}

}  // namespace webvps::proxy_gen
