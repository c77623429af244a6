// Public keys of a login: the registry's, plus those in the site's own `.ssh/authorized_keys`,
// which the webmaster edits. Every line is checked like a registry key: a plain OpenSSH key,
// no options (no `command=`, `from=` or forwarding exceptions). sshd reads the merged list from
// a root-owned file outside the jail, so nothing in the site's files can loosen sshd's rules.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace webvps::sshd_chroot {

struct KeyFile {
  std::vector<std::string> keys;      ///< the good lines, in order, without duplicates
  std::vector<std::string> problems;  ///< "<source>:<line>: <problem>" for each refused line
};

/// Parses an authorized_keys file; `source` names it in problems. Comments and blank lines are
/// skipped; a refused line is never echoed (it could be anything the webmaster pasted).
KeyFile ParseAuthorizedKeys(std::string_view text, const std::string& source);

/// `first` then the keys of `second` that are not in it.
std::vector<std::string> MergeKeys(const std::vector<std::string>& first, const std::vector<std::string>& second);

/// The file sshd reads for a user (AuthorizedKeysFile): a header, then one key per line.
std::string RenderAuthorizedKeys(const std::string& user, const std::vector<std::string>& keys);

}  // namespace webvps::sshd_chroot
