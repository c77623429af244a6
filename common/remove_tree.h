// Removing a directory tree that a user controls, as root, without letting the user steer it:
// the walk is iterative (a loop over an explicit list of levels, never a call per level, so a
// tree 100,000 levels deep is as safe as a flat one), holds two descriptors at a time whatever
// the depth, opens every directory with O_NOFOLLOW below its parent's descriptor, never follows
// a symlink, never crosses into another file system (a mount point is kept, not entered), and
// is bounded in the entries it will look at. It climbs back with "..", checking at every step
// that it arrived where it came from, so a directory moved away during the walk stops it
// instead of sending it elsewhere. Removing everything (no only_owner), it never goes deeper
// than 64 levels: a directory below that is first moved up into the top directory (as
// ".webvps-removing-N"), so a tree 100,000 levels deep takes as long as a flat one of as many
// entries (the kernel's ".." on a bind mount costs a walk to the mount's root).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

#include "result.h"

namespace webvps {

struct RemoveTreeOptions {
  /// Remove only what this uid owns; everything else (and every directory holding it) is kept
  /// and counted. nullopt: remove whatever is there.
  std::optional<uid_t> only_owner;
  /// Give up (with an error, after removing what it could) beyond this many entries looked at.
  uint64_t max_entries = 10'000'000;
};

struct RemoveTreeStats {
  uint64_t removed = 0;  ///< entries removed, directories included
  uint64_t kept = 0;     ///< entries left in place: another owner, another file system
  uint64_t depth = 0;    ///< the deepest level reached (the named entry is level 1; at most 65 removing everything)
};

/// Removes `name` below the directory `parent` (a descriptor), a whole tree when it is a
/// directory. A missing `name` is not an error. Errors name the step and the path below
/// `shown` (what the caller calls `parent` in messages).
Result<RemoveTreeStats> RemoveTree(int parent, const std::string& name, const std::string& shown,
                                   const RemoveTreeOptions& options = {});

}  // namespace webvps
