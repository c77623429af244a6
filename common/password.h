// Passwords webvps hands out: strong ones, generated here and shown once (a site's SFTP login,
// a database), of which only the crypt(3) hash (yescrypt) is kept where a hash is enough.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "result.h"

namespace webvps {

/// Fills a buffer with random bytes (getrandom(2) in the program, a fixed source in tests).
using RandomSource = std::function<void(unsigned char* bytes, size_t count)>;
/// The system's random source.
RandomSource SystemRandom();

/// A password of 20 letters and digits (about 119 bits), without bias.
std::string GeneratePassword(const RandomSource& random);

/// The yescrypt hash of `password` ("$y$..."), with a fresh salt.
Result<std::string> HashPassword(const std::string& password);

}  // namespace webvps
