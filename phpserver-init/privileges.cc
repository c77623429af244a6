#include "privileges.h"

#include <grp.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>

namespace webvps::phpserver_init {
namespace {

// The capability sets of this thread (libcap is not needed for two system calls).
bool Capabilities(__user_cap_data_struct (&data)[2]) {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  return ::syscall(SYS_capget, &header, data) == 0;
}

bool HasAnyCapability() {
  __user_cap_data_struct data[2] = {};
  if (!Capabilities(data)) return true;  // unknown: assume the worst
  for (const auto& set : data) {
    if (set.effective != 0 || set.permitted != 0 || set.inheritable != 0) return true;
  }
  // Ambient capabilities survive an exec even without file capabilities.
  for (int cap = 0; cap <= CAP_LAST_CAP; ++cap) {
    if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, cap, 0, 0) == 1) return true;
  }
  return false;
}

}  // namespace

Status DropPrivileges(uid_t uid, gid_t gid) {
  if (uid == 0 || gid == 0) return Error("drop privileges: refusing to become uid or gid 0");
  if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL) {
    return Error::FromErrno("drop privileges: clear the ambient capabilities");
  }
  if (::setgroups(0, nullptr) != 0) return Error::FromErrno("drop privileges: setgroups()");
  if (::setresgid(gid, gid, gid) != 0) return Error::FromErrno("drop privileges: setresgid(" + std::to_string(gid) + ")");
  if (::setresuid(uid, uid, uid) != 0) return Error::FromErrno("drop privileges: setresuid(" + std::to_string(uid) + ")");
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return Error::FromErrno("drop privileges: no_new_privs");

  uid_t ruid, euid, suid;
  gid_t rgid, egid, sgid;
  if (::getresuid(&ruid, &euid, &suid) != 0 || ruid != uid || euid != uid || suid != uid) {
    return Error("drop privileges: the user ids did not all change");
  }
  if (::getresgid(&rgid, &egid, &sgid) != 0 || rgid != gid || egid != gid || sgid != gid) {
    return Error("drop privileges: the group ids did not all change");
  }
  if (::getgroups(0, nullptr) != 0) return Error("drop privileges: supplementary groups remain");
  if (HasAnyCapability()) return Error("drop privileges: capabilities remain after the change of user");
  if (::setuid(0) == 0) return Error("drop privileges: root could be regained");
  return {};
}

std::string DescribePrivileges() {
  std::string text = "uid " + std::to_string(::geteuid()) + ", gid " + std::to_string(::getegid());
  text += HasAnyCapability() ? ", with capabilities" : ", no capabilities";
  if (::prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1) text += ", no_new_privs";
  return text;
}

int UnprivilegedPortStart() {
  std::ifstream file("/proc/sys/net/ipv4/ip_unprivileged_port_start");
  int port = -1;
  if (!(file >> port)) return -1;
  return port;
}

}  // namespace webvps::phpserver_init
