// The tool store: one read-only copy of the jail tools per version, in <store_root>/<version>/,
// on the same file system as the jails so that every shell jail hard-links to it (an extra jail
// costs directory entries, not copies). A version is complete once its directory has its final
// name; a copy interrupted half-way is thrown away at the next start.
#pragma once

#include <string>

#include "result.h"
#include "sshd-chroot/tools.h"

namespace webvps::sshd_chroot {

/// Makes <store_root>/<version> hold `tools`, copying them from `source_root` ("/" in the
/// image) with their planned modes when it does not exist yet. Returns whether it was built now.
Result<bool> EnsureToolStore(const std::string& store_root, const std::string& version, const ToolSet& tools,
                             const std::string& source_root);

/// Removes every version in the store but `keep`; returns how many went.
int PruneToolStore(const std::string& store_root, const std::string& keep);

}  // namespace webvps::sshd_chroot
