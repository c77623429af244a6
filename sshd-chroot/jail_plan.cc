#include "jail_plan.h"

#include <algorithm>
#include <map>
#include <sstream>

namespace webvps::sshd_chroot {
namespace {

const char* const kProfile =
    "# The jail's shell profile (sshd-chroot): the site's files are at /var/www, as in its container.\n"
    "export PATH=/usr/local/bin:/usr/bin:/bin\n"
    "export HOME=/var/www\n"
    "export TERM=${TERM:-xterm}\n"
    "umask 022\n"
    "PS1='\\u@\\h:\\w\\$ '\n";

void AddBase(std::map<std::string, JailEntry>& entries) {
  entries["var"] = {JailEntry::Kind::kDirectory, "var", 0755, 0, "", 0, 0};
  entries["var/www"] = {JailEntry::Kind::kSymlink, "var/www", 0777, 0, "../www", 0, 0};
}

JailPlan Finish(std::map<std::string, JailEntry>& entries) {
  JailPlan plan;
  for (auto& [path, entry] : entries) {
    plan.top_level.insert(path.substr(0, path.find('/')));
    plan.entries.push_back(std::move(entry));
  }
  return plan;
}

std::string ParentOf(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "" : path.substr(0, slash);
}

}  // namespace

JailPlan PlanSftpJail() {
  std::map<std::string, JailEntry> entries;
  AddBase(entries);
  return Finish(entries);
}

JailPlan PlanShellJail(const SiteUser& user, const std::vector<ToolEntry>& tools, const JailExtras& extras) {
  std::map<std::string, JailEntry> entries;
  AddBase(entries);
  for (const auto& tool : tools) {
    std::string path = tool.path.substr(1);
    switch (tool.kind) {
      case ToolEntry::Kind::kDirectory:
        entries[path] = {JailEntry::Kind::kDirectory, path, 0755, 0, "", 0, 0};
        break;
      case ToolEntry::Kind::kFile:
        entries[path] = {JailEntry::Kind::kLink, path, tool.mode & 0755, 0, path, 0, 0};
        break;
      case ToolEntry::Kind::kSymlink:
        entries[path] = {JailEntry::Kind::kSymlink, path, 0777, 0, tool.target, 0, 0};
        break;
    }
  }
  for (const char* dir : {"etc", "dev"}) entries.try_emplace(dir, JailEntry{JailEntry::Kind::kDirectory, dir, 0755, 0, "", 0, 0});
  entries["tmp"] = {JailEntry::Kind::kDirectory, "tmp", 01777, 0, "", 0, 0};
  auto file = [&](const std::string& path, std::string content) {
    entries[path] = {JailEntry::Kind::kFile, path, 0644, 0, std::move(content), 0, 0};
  };
  file("etc/passwd", JailPasswd(user));
  file("etc/group", JailGroup(user));
  file("etc/nsswitch.conf", "passwd: files\ngroup: files\nshadow: files\nhosts: files dns\n");
  file("etc/hosts", "127.0.0.1 localhost\n::1 localhost\n");
  file("etc/resolv.conf", extras.resolv_conf);
  file("etc/profile", kProfile);
  for (const auto& device : kJailDevices) {
    std::string path = std::string("dev/") + device.name;
    entries[path] = {JailEntry::Kind::kDevice, path, 0666, 0, "", device.major, device.minor};
  }
  return Finish(entries);
}

std::vector<std::string> ValidateJailPlan(const JailPlan& plan, const SiteUser& user) {
  std::vector<std::string> problems;
  std::map<std::string, const JailEntry*> by_path;
  for (const auto& entry : plan.entries) {
    const std::string& path = entry.path;
    auto problem = [&](const std::string& text) { problems.push_back(path + ": " + text); };
    if (path.empty() || path.front() == '/' || path.back() == '/' || path.find("//") != std::string::npos) {
      problem("not a plain relative path");
      continue;
    }
    bool dot_component = false;
    for (std::istringstream parts(path); !parts.eof();) {
      std::string part;
      std::getline(parts, part, '/');
      dot_component |= part == "." || part == "..";
    }
    if (dot_component) problem("'.' or '..' in the path");
    if (!by_path.emplace(path, &entry).second) problem("listed twice");
    std::string parent = ParentOf(path);
    if (!parent.empty()) {
      auto it = by_path.find(parent);
      if (it == by_path.end() || it->second->kind != JailEntry::Kind::kDirectory) problem("its directory is not in the plan before it");
    }
    if (entry.owner != 0) problem("owned by uid " + std::to_string(entry.owner) + ", not root");
    if (entry.mode & 06000) problem("set-user-ID or set-group-ID bit");
    switch (entry.kind) {
      case JailEntry::Kind::kDirectory:
        if (path == "tmp") {
          if (entry.mode != 01777) problem("/tmp must be 1777: writable, with the sticky bit");
        } else if (entry.mode & 022) {
          problem("directory writable by group or others");
        }
        break;
      case JailEntry::Kind::kLink:
      case JailEntry::Kind::kFile:
        if (entry.mode & 022) problem("file writable by group or others");
        if (entry.mode & 01000) problem("sticky bit on a file");
        break;
      case JailEntry::Kind::kSymlink:
        break;
      case JailEntry::Kind::kDevice: {
        bool allowed = std::any_of(std::begin(kJailDevices), std::end(kJailDevices), [&](const DeviceNode& device) {
          return path == std::string("dev/") + device.name && entry.major == device.major && entry.minor == device.minor;
        });
        if (!allowed) problem("device node not among null, zero, random, urandom, tty");
        break;
      }
    }
    if (entry.kind == JailEntry::Kind::kFile && (path == "etc/passwd" || path == "etc/group")) {
      std::istringstream lines(entry.source);
      std::string line;
      while (std::getline(lines, line)) {
        std::string name = line.substr(0, line.find(':'));
        bool allowed = name == "root" || name == user.name || (path == "etc/group" && name == kShellGroup);
        if (!allowed) problem("lists " + name + ", who is neither root nor " + user.name);
        // A group's members (the fourth field) may only be the user.
        size_t third = 0;
        for (int i = 0; i < 3 && third != std::string::npos; ++i) third = line.find(':', third + (i ? 1 : 0));
        if (path == "etc/group" && third != std::string::npos) {
          std::string members = line.substr(third + 1);
          if (!members.empty() && members != user.name) problem("group " + name + " lists members other than " + user.name);
        }
      }
    }
  }
  if (user.access == SshAccess::kShell && !by_path.contains("tmp")) problems.push_back("tmp: missing");
  auto home = by_path.find("var/www");
  if (home == by_path.end() || home->second->kind != JailEntry::Kind::kSymlink || home->second->source != "../www") {
    problems.push_back("var/www: must be the link to ../www, the site's files");
  }
  return problems;
}

}  // namespace webvps::sshd_chroot
