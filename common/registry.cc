#include "registry.h"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "config.h"
#include "names.h"

namespace webvps {
namespace {

// Collects problems while walking the YAML tree; each names source, line and key path.
class Problems {
 public:
  explicit Problems(std::string source) : source_(std::move(source)) {}

  void Add(const YAML::Node& node, const std::string& path, const std::string& message) {
    int line = node.IsDefined() ? node.Mark().line + 1 : 0;
    list_.push_back(source_ + ":" + (line > 0 ? std::to_string(line) : "?") + ": " + path + ": " + message);
  }
  bool empty() const { return list_.empty(); }
  std::string Joined() const {
    std::string text;
    for (const auto& line : list_) text += (text.empty() ? "" : "\n") + line;
    return text;
  }

 private:
  std::string source_;
  std::vector<std::string> list_;
};

// Checks that `node` is a map whose keys are all in `allowed` and appear once each.
bool CheckMap(const YAML::Node& node, const std::string& path, const std::set<std::string>& allowed,
              Problems& problems) {
  if (!node.IsMap()) {
    problems.Add(node, path, "expected a map");
    return false;
  }
  std::set<std::string> seen;
  for (const auto& entry : node) {
    std::string key = entry.first.IsScalar() ? entry.first.Scalar() : "?";
    std::string key_path = path.empty() ? key : path + "." + key;
    if (!allowed.contains(key)) {
      std::string known;
      for (const auto& name : allowed) known += (known.empty() ? "" : ", ") + name;
      problems.Add(entry.first, key_path, "unknown key (known: " + known + ")");
    } else if (!seen.insert(key).second) {
      problems.Add(entry.first, key_path, "duplicate key");
    }
  }
  return true;
}

std::optional<std::string> ScalarAt(const YAML::Node& node, const std::string& path, Problems& problems) {
  if (!node.IsScalar()) {
    problems.Add(node, path, "expected a single value");
    return std::nullopt;
  }
  return node.Scalar();
}

std::optional<int> IntegerAt(const YAML::Node& node, const std::string& path, int min, int max, Problems& problems) {
  auto text = ScalarAt(node, path, problems);
  if (!text) return std::nullopt;
  int number = 0;
  auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), number);
  if (error != std::errc() || end != text->data() + text->size() || text->empty() || number < min || number > max) {
    problems.Add(node, path,
                 "expected an integer from " + std::to_string(min) + " to " + std::to_string(max) + ", got " +
                     QuoteForMessage(*text));
    return std::nullopt;
  }
  return number;
}

std::optional<std::string> HostAt(const YAML::Node& node, const std::string& path, Problems& problems) {
  auto text = ScalarAt(node, path, problems);
  if (!text) return std::nullopt;
  std::string host = LowerCase(*text);
  if (auto problem = HostNameProblem(host)) {
    problems.Add(node, path, QuoteForMessage(*text) + ": " + *problem);
    return std::nullopt;
  }
  return host;
}

std::optional<std::string> EmailAt(const YAML::Node& node, const std::string& path, Problems& problems) {
  auto text = ScalarAt(node, path, problems);
  if (!text) return std::nullopt;
  if (auto problem = EmailProblem(*text)) {
    problems.Add(node, path, QuoteForMessage(*text) + ": " + *problem);
    return std::nullopt;
  }
  return *text;
}

std::optional<SshAccess> AccessAt(const YAML::Node& node, const std::string& path, Problems& problems) {
  auto text = ScalarAt(node, path, problems);
  if (!text) return std::nullopt;
  if (*text == "sftp") return SshAccess::kSftp;
  if (*text == "shell") return SshAccess::kShell;
  if (*text == "none") return SshAccess::kNone;
  problems.Add(node, path, "expected sftp, shell or none, got " + QuoteForMessage(*text));
  return std::nullopt;
}

void ParseMailLimit(const YAML::Node& node, const std::string& path, MailLimit& limit, Problems& problems,
                    const std::set<std::string>& keys = {"limit", "window"}) {
  if (!CheckMap(node, path, keys, problems)) return;
  if (node["limit"]) {
    if (auto value = IntegerAt(node["limit"], path + ".limit", 1, 1'000'000, problems)) limit.limit = *value;
  }
  if (const YAML::Node window = node["window"]) {
    auto text = ScalarAt(window, path + ".window", problems);
    if (!text) return;
    auto duration = ParseDuration(*text);
    if (!duration.ok()) {
      problems.Add(window, path + ".window", duration.error().message());
    } else if (*duration < std::chrono::seconds(1) || *duration > std::chrono::hours(24)) {
      problems.Add(window, path + ".window", "expected a window from 1s to 24h");
    } else {
      limit.window = std::chrono::duration_cast<std::chrono::seconds>(*duration);
    }
  }
}

void ParseSsh(const YAML::Node& node, const std::string& path, SiteSsh& ssh, Problems& problems) {
  if (!CheckMap(node, path, {"access", "password_hash", "keys"}, problems)) return;
  if (node["access"]) {
    if (auto access = AccessAt(node["access"], path + ".access", problems)) ssh.access = *access;
  }
  if (const YAML::Node hash = node["password_hash"]) {
    if (auto text = ScalarAt(hash, path + ".password_hash", problems)) {
      if (auto problem = PasswordHashProblem(*text)) {
        problems.Add(hash, path + ".password_hash", *problem);  // never echo the value: it may be a password
      } else {
        ssh.password_hash = *text;
      }
    }
  }
  if (const YAML::Node keys = node["keys"]) {
    if (!keys.IsSequence()) {
      problems.Add(keys, path + ".keys", "expected a list of public keys");
      return;
    }
    for (size_t i = 0; i < keys.size(); ++i) {
      std::string key_path = path + ".keys[" + std::to_string(i) + "]";
      auto text = ScalarAt(keys[i], key_path, problems);
      if (!text) continue;
      if (auto problem = PublicKeyProblem(*text)) problems.Add(keys[i], key_path, *problem);
      else ssh.keys.push_back(*text);
    }
  }
}

Site ParseSite(const YAML::Node& node, const std::string& path, const RegistryDefaults& defaults, Problems& problems) {
  Site site;
  site.mail = defaults.mail;
  site.ssh.access = defaults.ssh_access;
  if (!CheckMap(node, path, {"name", "id", "host", "aliases", "email", "mail", "ssh"}, problems)) return site;
  for (const char* required : {"name", "id", "host", "email"}) {
    if (!node[required]) problems.Add(node, path + "." + required, "missing");
  }
  if (node["name"]) {
    if (auto name = ScalarAt(node["name"], path + ".name", problems)) {
      if (IsValidSiteName(*name)) site.name = *name;
      else problems.Add(node["name"], path + ".name", QuoteForMessage(*name) + ": a site name is 1 to 32 characters: a lower-case letter, then lower-case letters, digits or '-'");
    }
  }
  if (node["id"]) {
    if (auto id = IntegerAt(node["id"], path + ".id", 1, kMaxSiteId, problems)) site.id = *id;
  }
  if (node["host"]) {
    if (auto host = HostAt(node["host"], path + ".host", problems)) site.host = *host;
  }
  if (const YAML::Node aliases = node["aliases"]) {
    if (!aliases.IsSequence()) {
      problems.Add(aliases, path + ".aliases", "expected a list of host names");
    } else {
      for (size_t i = 0; i < aliases.size(); ++i) {
        if (auto alias = HostAt(aliases[i], path + ".aliases[" + std::to_string(i) + "]", problems)) {
          site.aliases.push_back(*alias);
        }
      }
    }
  }
  if (node["email"]) {
    if (auto email = EmailAt(node["email"], path + ".email", problems)) site.email = *email;
  }
  if (const YAML::Node mail = node["mail"]) {
    ParseMailLimit(mail, path + ".mail", site.mail, problems, {"limit", "window", "sender", "senders"});
    if (mail.IsMap() && mail["sender"]) {
      if (auto sender = EmailAt(mail["sender"], path + ".mail.sender", problems)) site.mail_sender = LowerCase(*sender);
    }
    if (const YAML::Node senders = mail.IsMap() ? mail["senders"] : YAML::Node(); senders) {
      if (!senders.IsSequence()) {
        problems.Add(senders, path + ".mail.senders", "expected a list of addresses or @domains");
      } else {
        for (size_t i = 0; i < senders.size(); ++i) {
          std::string item_path = path + ".mail.senders[" + std::to_string(i) + "]";
          auto text = ScalarAt(senders[i], item_path, problems);
          if (!text) continue;
          std::string value = LowerCase(*text);
          auto problem = value.starts_with("@") ? HostNameProblem(value.substr(1)) : EmailProblem(value);
          if (problem) problems.Add(senders[i], item_path, QuoteForMessage(*text) + ": " + *problem);
          else site.mail_senders.push_back(value);
        }
      }
    }
  }
  if (node["ssh"]) ParseSsh(node["ssh"], path + ".ssh", site.ssh, problems);
  return site;
}

Result<Registry> ParseRegistryOrThrow(std::string_view text, const std::string& source);

}  // namespace

std::string_view SshAccessName(SshAccess access) {
  switch (access) {
    case SshAccess::kNone: return "none";
    case SshAccess::kSftp: return "sftp";
    case SshAccess::kShell: return "shell";
  }
  return "none";
}

const Site* Registry::FindSite(std::string_view name) const {
  for (const auto& site : sites) {
    if (site.name == name) return &site;
  }
  return nullptr;
}

std::optional<std::string> PasswordHashProblem(std::string_view hash) {
  static constexpr std::string_view kPrefixes[] = {"$y$", "$gy$", "$7$", "$2b$", "$2y$", "$6$", "$5$"};
  bool known = false;
  for (auto prefix : kPrefixes) known = known || hash.starts_with(prefix);
  if (!known) {
    return "not a crypt(3) hash (expected $y$, $gy$, $7$, $2b$, $2y$, $6$ or $5$; make one with "
           "`mkpasswd -m yescrypt` or `sshd-chroot passwd <site>`)";
  }
  for (char c : hash) {
    bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   c == '$' || c == '.' || c == '/' || c == '=' || c == ',';
    if (!allowed) return "character not allowed in a crypt(3) hash";
  }
  if (hash.size() < 20 || hash.size() > 512) return "crypt(3) hash of an impossible length";
  return std::nullopt;
}

std::optional<std::string> PublicKeyProblem(std::string_view key) {
  static constexpr std::string_view kTypes[] = {
      "ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
      "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com"};
  size_t space = key.find(' ');
  std::string_view type = key.substr(0, space);
  bool known = false;
  for (auto candidate : kTypes) known = known || type == candidate;
  if (!known) return "expected an OpenSSH public key starting with its type (ssh-ed25519, ssh-rsa, ecdsa-sha2-...), without options";
  if (space == std::string_view::npos) return "public key without its base64 body";
  std::string_view rest = key.substr(space + 1);
  size_t body_end = rest.find(' ');
  std::string_view body = rest.substr(0, body_end);
  if (body.size() < 16) return "public key body too short";
  for (char c : body) {
    bool base64 = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '=';
    if (!base64) return "public key body is not base64";
  }
  for (char c : key) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return "control character in public key line";
  }
  return std::nullopt;
}

Result<Registry> ParseRegistry(std::string_view text, const std::string& source) {
  try {
    return ParseRegistryOrThrow(text, source);
  } catch (const YAML::Exception& e) {
    // Validation checks node types first; this is the last line of defence, not the plan.
    return Error(source + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
}

namespace {

Result<Registry> ParseRegistryOrThrow(std::string_view text, const std::string& source) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return Error(source + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  Problems problems(source);
  Registry registry;
  if (!CheckMap(root, "registry", {"admin_email", "defaults", "sites"}, problems)) return Error(problems.Joined());

  if (root["admin_email"]) {
    if (auto email = EmailAt(root["admin_email"], "admin_email", problems)) registry.admin_email = *email;
  } else {
    problems.Add(root, "admin_email", "missing (alerts about paused sites go there)");
  }
  if (const YAML::Node defaults = root["defaults"]) {
    if (CheckMap(defaults, "defaults", {"mail", "ssh"}, problems)) {
      if (defaults["mail"]) ParseMailLimit(defaults["mail"], "defaults.mail", registry.defaults.mail, problems);
      if (const YAML::Node ssh = defaults["ssh"]; ssh && CheckMap(ssh, "defaults.ssh", {"access"}, problems)) {
        if (ssh["access"]) {
          if (auto access = AccessAt(ssh["access"], "defaults.ssh.access", problems)) registry.defaults.ssh_access = *access;
        }
      }
    }
  }

  const YAML::Node sites = root["sites"];
  if (sites && !sites.IsNull() && !sites.IsSequence()) {
    problems.Add(sites, "sites", "expected a list of sites");
  } else if (sites && sites.IsSequence()) {
    std::map<std::string, std::string> names, ids, hosts;  // value -> path of first use
    for (size_t i = 0; i < sites.size(); ++i) {
      std::string path = "sites[" + std::to_string(i) + "]";
      Site site = ParseSite(sites[i], path, registry.defaults, problems);
      if (!sites[i].IsMap()) continue;
      auto claim = [&](std::map<std::string, std::string>& seen, const std::string& value, const std::string& what,
                       const YAML::Node& node, const std::string& key_path) {
        if (value.empty()) return;
        auto [it, inserted] = seen.emplace(value, key_path);
        if (!inserted) problems.Add(node, key_path, what + " " + QuoteForMessage(value) + " is already used by " + it->second);
      };
      claim(names, site.name, "name", sites[i]["name"], path + ".name");
      if (site.id != 0) claim(ids, std::to_string(site.id), "id", sites[i]["id"], path + ".id");
      claim(hosts, site.host, "host", sites[i]["host"], path + ".host");
      for (size_t a = 0; a < site.aliases.size(); ++a) {
        claim(hosts, site.aliases[a], "host", sites[i]["aliases"][a], path + ".aliases[" + std::to_string(a) + "]");
      }
      registry.sites.push_back(std::move(site));
    }
  }
  if (!problems.empty()) return Error(problems.Joined());
  return registry;
}

}  // namespace

Result<Registry> LoadRegistry(const std::string& path) {
  std::ifstream file(path);
  if (!file) return Error::FromErrno("read registry " + path);
  std::stringstream text;
  text << file.rdbuf();
  return ParseRegistry(text.str(), path);
}

std::string RenderRegistry(const Registry& registry) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "admin_email" << YAML::Value << registry.admin_email;
  out << YAML::Key << "defaults" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "mail" << YAML::Value << YAML::BeginMap << YAML::Key << "limit" << YAML::Value
      << registry.defaults.mail.limit << YAML::Key << "window" << YAML::Value
      << std::to_string(registry.defaults.mail.window.count()) + "s" << YAML::EndMap;
  out << YAML::Key << "ssh" << YAML::Value << YAML::BeginMap << YAML::Key << "access" << YAML::Value
      << std::string(SshAccessName(registry.defaults.ssh_access)) << YAML::EndMap;
  out << YAML::EndMap;
  out << YAML::Key << "sites" << YAML::Value << YAML::BeginSeq;
  for (const auto& site : registry.sites) {
    out << YAML::BeginMap;
    out << YAML::Key << "name" << YAML::Value << site.name;
    out << YAML::Key << "id" << YAML::Value << site.id;
    out << YAML::Key << "host" << YAML::Value << site.host;
    if (!site.aliases.empty()) out << YAML::Key << "aliases" << YAML::Value << YAML::Flow << site.aliases;
    out << YAML::Key << "email" << YAML::Value << site.email;
    if (!(site.mail == registry.defaults.mail) || !site.mail_sender.empty() || !site.mail_senders.empty()) {
      out << YAML::Key << "mail" << YAML::Value << YAML::BeginMap << YAML::Key << "limit" << YAML::Value
          << site.mail.limit << YAML::Key << "window" << YAML::Value << std::to_string(site.mail.window.count()) + "s";
      if (!site.mail_sender.empty()) out << YAML::Key << "sender" << YAML::Value << site.mail_sender;
      if (!site.mail_senders.empty()) out << YAML::Key << "senders" << YAML::Value << YAML::Flow << site.mail_senders;
      out << YAML::EndMap;
    }
    out << YAML::Key << "ssh" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "access" << YAML::Value << std::string(SshAccessName(site.ssh.access));
    if (!site.ssh.password_hash.empty()) out << YAML::Key << "password_hash" << YAML::Value << site.ssh.password_hash;
    if (!site.ssh.keys.empty()) out << YAML::Key << "keys" << YAML::Value << site.ssh.keys;
    out << YAML::EndMap;
    out << YAML::EndMap;
  }
  out << YAML::EndSeq;
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace webvps
