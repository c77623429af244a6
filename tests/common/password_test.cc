#include "password.h"

#include <crypt.h>
#include <gtest/gtest.h>

#include <set>

#include "registry.h"

namespace webvps {
namespace {

RandomSource Counting() {
  return [n = 0](unsigned char* bytes, size_t count) mutable {
    for (size_t i = 0; i < count; ++i) bytes[i] = static_cast<unsigned char>(n++ * 37);
  };
}

TEST(PasswordTest, GeneratedPasswordsAreLongAndFromTheAlphabet) {
  std::string password = GeneratePassword(Counting());
  EXPECT_EQ(password.size(), 20u);
  for (char c : password) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c))) << c;
  EXPECT_EQ(password.find_first_of("0O1lI"), std::string::npos) << "no look-alike characters";
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) seen.insert(GeneratePassword(SystemRandom()));
  EXPECT_EQ(seen.size(), 50u);
}

TEST(PasswordTest, HashIsYescryptAndVerifies) {
  auto hash = HashPassword("correct horse");
  ASSERT_TRUE(hash.ok()) << hash.error().message();
  EXPECT_TRUE(hash->starts_with("$y$"));
  EXPECT_EQ(PasswordHashProblem(*hash), std::nullopt) << "the registry accepts it";
  struct crypt_data data {};
  EXPECT_EQ(std::string(::crypt_r("correct horse", hash->c_str(), &data)), *hash);
  EXPECT_NE(std::string(::crypt_r("wrong horse", hash->c_str(), &data)), *hash);
  EXPECT_NE(*HashPassword("correct horse"), *hash) << "a fresh salt each time";
}

}  // namespace
}  // namespace webvps
