// `sshd-chroot passwd <site>`: a strong password, generated here and shown once, of which only
// the crypt(3) hash (yescrypt) is kept, in the site registry. The registry is edited in place,
// line by line, so the admin's comments and layout survive.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "result.h"

namespace webvps::sshd_chroot {

/// Fills a buffer with random bytes (getrandom(2) in the program, a fixed source in tests).
using RandomSource = std::function<void(unsigned char* bytes, size_t count)>;
/// The system's random source.
RandomSource SystemRandom();

/// A password of 20 letters and digits (about 119 bits), without bias.
std::string GeneratePassword(const RandomSource& random);

/// The yescrypt hash of `password` ("$y$..."), with a fresh salt.
Result<std::string> HashPassword(const std::string& password);

struct RegistryEdit {
  std::string text;
  bool rewritten = false;  ///< the entry's layout (a flow map) forced a rewrite: comments are gone
};

/// `registry_text` with sites[name = `site`].ssh.password_hash set to `hash`: the existing line
/// replaced, or a line added under the site's `ssh:` (or an `ssh:` block added after its name).
/// The result is parsed back and must give the same registry with only that hash changed.
Result<RegistryEdit> SetPasswordHash(std::string_view registry_text, const std::string& source, const std::string& site,
                                     const std::string& hash);

}  // namespace webvps::sshd_chroot
