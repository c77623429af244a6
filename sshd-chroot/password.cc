#include "password.h"

#include <crypt.h>
#include <sys/random.h>
#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstdlib>
#include <vector>

#include "registry.h"

namespace webvps::sshd_chroot {
namespace {

constexpr std::string_view kAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";  // no 0/O, 1/l/I
constexpr size_t kLength = 20;

std::vector<std::string> Lines(std::string_view text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size() - 1;
    lines.emplace_back(text.substr(start, end - start + 1));
    start = end + 1;
  }
  if (!lines.empty() && lines.back().back() != '\n') lines.back() += '\n';
  return lines;
}

std::string Join(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) out += line;
  return out;
}

// The registry entry of `site` with only its password hash different: checks an edit.
bool OnlyTheHashChanged(const Registry& before, const Registry& after, const std::string& site, const std::string& hash) {
  Registry expected = before;
  for (auto& entry : expected.sites) {
    if (entry.name == site) entry.ssh.password_hash = hash;
  }
  return expected == after;
}

}  // namespace

RandomSource SystemRandom() {
  return [](unsigned char* bytes, size_t count) {
    while (count > 0) {
      ssize_t got = ::getrandom(bytes, count, 0);
      if (got < 0) {
        if (errno == EINTR) continue;
        std::abort();  // no randomness: never hand out a guessable password
      }
      bytes += got;
      count -= static_cast<size_t>(got);
    }
  };
}

std::string GeneratePassword(const RandomSource& random) {
  // Bytes at or above the largest multiple of the alphabet's size are drawn again: no bias.
  const unsigned limit = 256 - 256 % kAlphabet.size();
  std::string password;
  while (password.size() < kLength) {
    unsigned char byte = 0;
    random(&byte, 1);
    if (byte < limit) password += kAlphabet[byte % kAlphabet.size()];
  }
  return password;
}

Result<std::string> HashPassword(const std::string& password) {
  char* setting = ::crypt_gensalt_ra("$y$", 0, nullptr, 0);
  if (setting == nullptr) return Error::FromErrno("crypt_gensalt(yescrypt)");
  std::string salt(setting);
  std::free(setting);
  struct crypt_data data {};
  const char* hash = ::crypt_r(password.c_str(), salt.c_str(), &data);
  if (hash == nullptr || hash[0] == '*') return Error("crypt(yescrypt) failed");
  return std::string(hash);
}

Result<RegistryEdit> SetPasswordHash(std::string_view registry_text, const std::string& source, const std::string& site,
                                     const std::string& hash) {
  auto before = ParseRegistry(registry_text, source);
  if (!before.ok()) return before.error();
  if (!before->FindSite(site)) return Error("no site " + site + " in " + source);
  std::vector<std::string> lines = Lines(registry_text);
  std::string quoted = "\"" + hash + "\"";
  bool edited = false;
  try {
    YAML::Node root = YAML::Load(std::string(registry_text));
    for (const auto& node : root["sites"]) {
      if (!node["name"] || node["name"].Scalar() != site) continue;
      if (node.Style() == YAML::EmitterStyle::Flow) break;
      std::string indent(node.Mark().column, ' ');
      if (const YAML::Node ssh = node["ssh"]) {
        if (ssh.Style() == YAML::EmitterStyle::Flow || !ssh.IsMap()) break;
        if (const YAML::Node old = ssh["password_hash"]) {
          std::string& line = lines[static_cast<size_t>(old.Mark().line)];
          size_t key = line.find("password_hash:");
          if (key == std::string::npos) break;
          line = line.substr(0, key) + "password_hash: " + quoted + "\n";
        } else {
          auto at = lines.begin() + ssh.Mark().line;
          lines.insert(at, std::string(ssh.Mark().column, ' ') + "password_hash: " + quoted + "\n");
        }
      } else {
        auto at = lines.begin() + node["name"].Mark().line + 1;
        lines.insert(at, indent + "ssh:\n" + indent + "  password_hash: " + quoted + "\n");
      }
      edited = true;
      break;
    }
  } catch (const YAML::Exception&) {
    edited = false;
  }
  if (edited) {
    std::string text = Join(lines);
    auto after = ParseRegistry(text, source);
    if (after.ok() && OnlyTheHashChanged(*before, *after, site, hash)) return RegistryEdit{text, false};
  }
  // A layout the line edit does not handle (flow maps): the registry written anew.
  Registry registry = *before;
  for (auto& entry : registry.sites) {
    if (entry.name == site) entry.ssh.password_hash = hash;
  }
  return RegistryEdit{RenderRegistry(registry), true};
}

}  // namespace webvps::sshd_chroot
