// The end of the init's root work. After the start-up steps that need root (www-data remapped,
// the container's own directories handed to the site), PID 1 becomes the site's uid for good,
// before it reads a single file the site writes. Everything it starts afterwards (Apache's
// parent, PHP, cron jobs, openssl, the config test) runs as the site's uid too, so no directive
// of a vhost, no crontab line and no symlink in the site's files can reach root.
#pragma once

#include <sys/types.h>

#include <string>

#include "result.h"

namespace webvps::phpserver_init {

/// Becomes `uid`:`gid` irrevocably: no supplementary groups, real, effective and saved ids all
/// changed, no_new_privs set (no set-uid file or file capability can raise a child again), then
/// checks it: no capability left in any set, and setuid(0) refused. The error says which step
/// failed; the caller must not go on without the drop.
Status DropPrivileges(uid_t uid, gid_t gid);

/// What the process holds now, for the log line: "uid 10001, gid 10001, no capabilities,
/// no_new_privs".
std::string DescribePrivileges();

/// The lowest port an unprivileged process may bind (net.ipv4.ip_unprivileged_port_start of the
/// container's network namespace), or -1 when it cannot be read.
int UnprivilegedPortStart();

}  // namespace webvps::phpserver_init
