// When nginx refuses a candidate config: which host's block is to blame, so that its containers
// can be left out and everyone else served. `nginx -t` names the file and line ("... in
// /etc/nginx/conf.d/default.conf:42"); the renderer heads every host's part with a comment.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace webvps::proxy_gen {

/// The line number nginx's output gives for `config_path`, if any.
std::optional<int> ErrorLine(const std::string& nginx_output, const std::string& config_path);

/// The host whose part of the rendered `config` holds `line` (1-based), or nullopt when the line
/// is in the shared head (then no container is to blame).
std::optional<std::string> HostAtLine(const std::string& config, int line);

/// A file next to the config that nginx's output names: a certificate, a vhost.d include or an
/// htpasswd file that nginx could not load. Leaving that file out (as if it were absent) is how
/// the sites that do not use it keep being served.
struct BlamedFile {
  std::string directory;  ///< one of the directories handed to FindBlamedFile
  std::string name;       ///< the file's name in it
  bool operator==(const BlamedFile&) const = default;
};

/// The first file under one of `directories` that `nginx_output` names, if any.
std::optional<BlamedFile> FindBlamedFile(const std::string& nginx_output, const std::vector<std::string>& directories);

}  // namespace webvps::proxy_gen
