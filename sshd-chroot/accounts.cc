#include "accounts.h"

#include <map>
#include <set>
#include <sstream>

namespace webvps::sshd_chroot {
namespace {

constexpr const char* kSftpShell = "/usr/sbin/nologin";  // never run: ForceCommand internal-sftp
constexpr const char* kShell = "/bin/bash";               // inside the jail

// The first field (name) and the third (id) of each line of a passwd or group file.
void CollectNamesAndIds(const std::string& text, std::set<std::string>& names, std::set<std::string>& ids) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    size_t first = line.find(':');
    if (first == std::string::npos) continue;
    names.insert(line.substr(0, first));
    size_t second = line.find(':', first + 1);
    size_t third = second == std::string::npos ? std::string::npos : line.find(':', second + 1);
    if (third != std::string::npos) ids.insert(line.substr(second + 1, third - second - 1));
  }
}

std::string WithNewline(const std::string& text) { return text.empty() || text.back() == '\n' ? text : text + "\n"; }

std::string Summary(const SiteUser& user) {
  std::string out = std::string(SshAccessName(user.access));
  if (!user.password_hash.empty()) out += ", password";
  out += ", " + std::to_string(user.keys.size()) + (user.keys.size() == 1 ? " key" : " keys");
  return out;
}

}  // namespace

std::vector<SiteUser> UsersOf(const Registry& registry) {
  std::vector<SiteUser> users;
  for (const auto& site : registry.sites) {
    if (site.ssh.access == SshAccess::kNone) continue;
    users.push_back({site.name, site.uid(), site.ssh.access, site.ssh.password_hash, site.ssh.keys});
  }
  return users;
}

std::vector<std::string> DescribeChanges(const std::vector<SiteUser>& before, const std::vector<SiteUser>& after) {
  std::map<std::string, const SiteUser*> old_users;
  for (const auto& user : before) old_users[user.name] = &user;
  std::vector<std::string> lines;
  std::set<std::string> seen;
  for (const auto& user : after) {
    seen.insert(user.name);
    auto old = old_users.find(user.name);
    if (old == old_users.end()) {
      lines.push_back(user.name + ": added (" + Summary(user) + ")");
      continue;
    }
    const SiteUser& was = *old->second;
    if (was == user) continue;
    std::vector<std::string> what;
    if (was.access != user.access) what.push_back(std::string(SshAccessName(was.access)) + " -> " + std::string(SshAccessName(user.access)));
    if (was.uid != user.uid) what.push_back("uid " + std::to_string(was.uid) + " -> " + std::to_string(user.uid));
    if (was.password_hash != user.password_hash) {
      what.push_back(user.password_hash.empty() ? "password removed" : was.password_hash.empty() ? "password set" : "password changed");
    }
    if (was.keys != user.keys) what.push_back("keys " + std::to_string(was.keys.size()) + " -> " + std::to_string(user.keys.size()));
    std::string line = user.name + ": ";
    for (size_t i = 0; i < what.size(); ++i) line += (i ? ", " : "") + what[i];
    lines.push_back(line);
  }
  for (const auto& user : before) {
    if (!seen.contains(user.name)) lines.push_back(user.name + ": removed");
  }
  return lines;
}

AccountsPlan PlanAccounts(const AccountFiles& base, const std::vector<SiteUser>& users) {
  std::set<std::string> user_names, user_ids, group_names, group_ids;
  CollectNamesAndIds(base.passwd, user_names, user_ids);
  CollectNamesAndIds(base.group, group_names, group_ids);
  AccountsPlan plan;
  plan.files = {WithNewline(base.passwd), WithNewline(base.group), WithNewline(base.shadow)};
  std::string sftp_members, shell_members;
  for (const auto& user : users) {
    std::string uid = std::to_string(user.uid);
    if (user_names.contains(user.name) || group_names.contains(user.name)) {
      plan.problems.push_back(user.name + ": the name is an account of the sshd image itself; this site gets no login");
      continue;
    }
    if (user_ids.contains(uid) || group_ids.contains(uid)) {
      plan.problems.push_back(user.name + ": uid " + uid + " is an account of the sshd image itself; this site gets no login");
      continue;
    }
    bool shell = user.access == SshAccess::kShell;
    plan.files.passwd += user.name + ":x:" + uid + ":" + uid + ":webvps site " + user.name + ":" + kJailHome + ":" +
                         (shell ? kShell : kSftpShell) + "\n";
    plan.files.group += user.name + ":x:" + uid + ":\n";
    // "*": no password login, keys still work ("!" would lock the account for keys too).
    plan.files.shadow += user.name + ":" + (user.password_hash.empty() ? "*" : user.password_hash) + ":::::::\n";
    std::string& members = shell ? shell_members : sftp_members;
    members += (members.empty() ? "" : ",") + user.name;
    plan.users.push_back(user);
  }
  plan.files.group += std::string(kSftpGroup) + ":x:" + std::to_string(kSftpGid) + ":" + sftp_members + "\n";
  plan.files.group += std::string(kShellGroup) + ":x:" + std::to_string(kShellGid) + ":" + shell_members + "\n";
  return plan;
}

std::string JailPasswd(const SiteUser& user) {
  std::string uid = std::to_string(user.uid);
  return "root:x:0:0:root:/root:/usr/sbin/nologin\n" + user.name + ":x:" + uid + ":" + uid + ":webvps site " + user.name +
         ":" + kJailHome + ":" + kShell + "\n";
}

std::string JailGroup(const SiteUser& user) {
  std::string uid = std::to_string(user.uid);
  return "root:x:0:\n" + user.name + ":x:" + uid + ":\n" + kShellGroup + ":x:" + std::to_string(kShellGid) + ":" + user.name + "\n";
}

}  // namespace webvps::sshd_chroot
