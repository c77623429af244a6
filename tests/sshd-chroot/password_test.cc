#include "sshd-chroot/password.h"

#include <crypt.h>
#include <gtest/gtest.h>

#include <set>

#include "registry.h"

namespace webvps::sshd_chroot {
namespace {

const std::string kHash = "$y$j9T$ZSSZeQ2dNKfdd6qAzSEjw/$1x9Xk6mbVeBNEnPJxpHcs7eQNu3FXKzKmPIOcbmkmO7";
const std::string kOldHash = "$y$j9T$ooooooooooooooooooooo/$aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

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

const char* const kRegistry =
    "# Our sites. Keep this comment.\n"
    "admin_email: admin@hoster.example\n"
    "sites:\n"
    "  - name: shop            # the shop\n"
    "    id: 1\n"
    "    host: shop.example\n"
    "    email: a@shop.example\n"
    "    ssh:\n"
    "      access: shell\n"
    "  - name: blog\n"
    "    id: 2\n"
    "    host: blog.example\n"
    "    email: a@blog.example\n"
    "    ssh:\n"
    "      password_hash: \"$y$j9T$ooooooooooooooooooooo/$aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"\n"
    "      access: sftp\n"
    "  - name: news\n"
    "    id: 3\n"
    "    host: news.example\n"
    "    email: a@news.example\n";

std::string HashOf(const std::string& text, const std::string& site) {
  auto registry = ParseRegistry(text, "t");
  EXPECT_TRUE(registry.ok()) << registry.error().message() << "\n" << text;
  return registry.ok() ? registry->FindSite(site)->ssh.password_hash : "";
}

TEST(SetPasswordHashTest, AddsUnderAnExistingSshBlockKeepingComments) {
  auto edit = SetPasswordHash(kRegistry, "webvps.yaml", "shop", kHash);
  ASSERT_TRUE(edit.ok()) << edit.error().message();
  EXPECT_FALSE(edit->rewritten);
  EXPECT_EQ(HashOf(edit->text, "shop"), kHash);
  EXPECT_NE(edit->text.find("# Our sites. Keep this comment.\n"), std::string::npos);
  EXPECT_NE(edit->text.find("    ssh:\n      password_hash: \"" + kHash + "\"\n      access: shell\n"), std::string::npos);
}

TEST(SetPasswordHashTest, ReplacesAnExistingHash) {
  auto edit = SetPasswordHash(kRegistry, "webvps.yaml", "blog", kHash);
  ASSERT_TRUE(edit.ok());
  EXPECT_FALSE(edit->rewritten);
  EXPECT_EQ(HashOf(edit->text, "blog"), kHash);
  EXPECT_EQ(edit->text.find(kOldHash), std::string::npos);
}

TEST(SetPasswordHashTest, AddsAnSshBlockWhenThereIsNone) {
  auto edit = SetPasswordHash(kRegistry, "webvps.yaml", "news", kHash);
  ASSERT_TRUE(edit.ok());
  EXPECT_FALSE(edit->rewritten);
  EXPECT_EQ(HashOf(edit->text, "news"), kHash);
  EXPECT_NE(edit->text.find("  - name: news\n    ssh:\n      password_hash: \"" + kHash + "\"\n    id: 3\n"), std::string::npos);
}

TEST(SetPasswordHashTest, AFlowMapEntryIsRewrittenAndSaysSo) {
  std::string flow = "admin_email: admin@hoster.example\nsites:\n  - {name: shop, id: 1, host: shop.example, email: a@shop.example}\n";
  auto edit = SetPasswordHash(flow, "webvps.yaml", "shop", kHash);
  ASSERT_TRUE(edit.ok());
  EXPECT_TRUE(edit->rewritten);
  EXPECT_EQ(HashOf(edit->text, "shop"), kHash);
}

TEST(SetPasswordHashTest, AnUnknownSiteOrABrokenRegistryIsAnError) {
  EXPECT_EQ(SetPasswordHash(kRegistry, "webvps.yaml", "nope", kHash).error().message(), "no site nope in webvps.yaml");
  EXPECT_FALSE(SetPasswordHash("sites: [", "webvps.yaml", "shop", kHash).ok());
}

}  // namespace
}  // namespace webvps::sshd_chroot
