#include "password.h"

#include <crypt.h>
#include <sys/random.h>

#include <cerrno>
#include <cstdlib>

namespace webvps {
namespace {

constexpr std::string_view kAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";  // no 0/O, 1/l/I
constexpr size_t kLength = 20;

}  // namespace

RandomSource SystemRandom() {
  return [](unsigned char* bytes, size_t count) {
    while (count > 0) {
      ssize_t got = ::getrandom(bytes, count, 0);
      if (got < 0) {
        if (errno == EINTR) continue;
        std::abort();  // no randomness: never hand out a guessable password
      }
      bytes += got;
      count -= static_cast<size_t>(got);
    }
  };
}

std::string GeneratePassword(const RandomSource& random) {
  // Bytes at or above the largest multiple of the alphabet's size are drawn again: no bias.
  const unsigned limit = 256 - 256 % kAlphabet.size();
  std::string password;
  while (password.size() < kLength) {
    unsigned char byte = 0;
    random(&byte, 1);
    if (byte < limit) password += kAlphabet[byte % kAlphabet.size()];
  }
  return password;
}

Result<std::string> HashPassword(const std::string& password) {
  char* setting = ::crypt_gensalt_ra("$y$", 0, nullptr, 0);
  if (setting == nullptr) return Error::FromErrno("crypt_gensalt(yescrypt)");
  std::string salt(setting);
  std::free(setting);
  struct crypt_data data {};
  const char* hash = ::crypt_r(password.c_str(), salt.c_str(), &data);
  if (hash == nullptr || hash[0] == '*') return Error("crypt(yescrypt) failed");
  return std::string(hash);
}

}  // namespace webvps
