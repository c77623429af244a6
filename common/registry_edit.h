// The one writer of the site registry's text. Every edit (a site added or removed, a field
// set) is made to the text itself, line by line, so that the admin's comments and layout
// survive; the result is parsed back and must be exactly the registry expected, else the edit
// falls back to writing the registry anew (and says so: the comments are then gone). Pure:
// text in, text out; the admin tool and `sshd-chroot passwd` write the file.
#pragma once

#include <string>
#include <string_view>

#include "registry.h"
#include "result.h"

namespace webvps {

struct RegistryEdit {
  std::string text;
  Registry registry;       ///< what `text` parses to
  bool rewritten = false;  ///< the layout forced a rewrite: comments are gone
};

/// Appends `site` to `sites` (in the indentation the file already uses). The site's mail limit
/// is written only when it differs from the registry's defaults. Refused when the result would
/// not be a valid registry (a name, id or host already taken), with the parser's problems.
Result<RegistryEdit> AddSiteEntry(std::string_view text, const std::string& source, const Site& site);

/// Removes the entry of site `name`.
Result<RegistryEdit> RemoveSiteEntry(std::string_view text, const std::string& source, const std::string& name);

/// Sets sites[name = `site`].ssh.password_hash to `hash`: the existing line replaced, or a line
/// added under the site's `ssh:` (or an `ssh:` block added after its name).
Result<RegistryEdit> SetPasswordHash(std::string_view text, const std::string& source, const std::string& site,
                                     const std::string& hash);

/// Sets sites[name = `site`].ssh.access.
Result<RegistryEdit> SetSshAccess(std::string_view text, const std::string& source, const std::string& site, SshAccess access);

}  // namespace webvps
