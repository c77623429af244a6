#include "admin/site_files.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "atomic_file.h"
#include "common/temp_dir.h"

namespace webvps::admin {
namespace {

namespace fs = std::filesystem;

// The layout made as the test's own user, which stands for both root and the site.
class SiteFilesTest : public testing::Test {
 protected:
  Result<std::vector<std::string>> Prepare(bool lamp) {
    UniqueFd sites(::open(dir_.path().c_str(), O_RDONLY | O_DIRECTORY));
    return PrepareSiteDirectories(sites.get(), "shop", {.uid = static_cast<int>(::getuid()), .lamp = lamp, .root = ::getuid()});
  }
  fs::path Site(const std::string& path = "") { return dir_.path() / "shop" / path; }
  TempDir dir_;
};

TEST_F(SiteFilesTest, MakesTheWholeLayout) {
  auto changes = Prepare(true);
  ASSERT_TRUE(changes.ok()) << changes.error().message();
  for (const char* dir : {"volumes/www/.ssh", "volumes/www/backup", "volumes/home/mail", "volumes/mysql", "secrets"}) {
    EXPECT_TRUE(fs::is_directory(Site(dir))) << dir;
  }
  EXPECT_EQ(fs::status(Site("volumes/www/.ssh")).permissions(), fs::perms::owner_all);
  EXPECT_EQ(DatabaseIniProblem(*ReadFile(Site("secrets/database.ini"))), "");
  EXPECT_EQ(fs::status(Site("secrets/database.ini")).permissions(), fs::perms::owner_read | fs::perms::group_read);
  auto again = Prepare(true);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->empty()) << testing::PrintToString(*again);
}

TEST_F(SiteFilesTest, OlderCredentialsMoveOutOfTheSitesFiles) {
  fs::create_directories(Site("volumes/www/conf"));
  std::string old = "host = db\nname = shop\nuser = shop\npassword = AAAAbbbbCCCCdddd1234\n";
  std::ofstream(Site("volumes/www/conf/database.ini")) << old;
  auto changes = Prepare(true);
  ASSERT_TRUE(changes.ok()) << changes.error().message();
  EXPECT_EQ(*ReadFile(Site("secrets/database.ini")), old) << "the database keeps its password";
}

TEST_F(SiteFilesTest, ASymlinkAnywhereIsRefusedNotFollowed) {
  TempDir elsewhere;
  fs::create_directories(Site("volumes/www/conf"));
  fs::create_symlink("/etc/shadow", Site("volumes/www/conf/database.ini"));
  auto refused = Prepare(true);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message().find("conf/database.ini is a symlink: refused"), std::string::npos) << refused.error().message();
  EXPECT_FALSE(fs::exists(Site("secrets/database.ini")));
  fs::remove(Site("volumes/www/conf/database.ini"));
  fs::remove_all(Site("volumes/home"));
  fs::create_directory_symlink(elsewhere.path(), Site("volumes/home"));
  auto home = Prepare(false);
  ASSERT_FALSE(home.ok());
  EXPECT_NE(home.error().message().find("volumes/home is a symlink"), std::string::npos);
  EXPECT_TRUE(fs::is_empty(elsewhere.path()));
}

TEST_F(SiteFilesTest, BrokenOldCredentialsAreRefusedWithTheReason) {
  fs::create_directories(Site("volumes/www/conf"));
  std::ofstream(Site("volumes/www/conf/database.ini")) << "host = db\nname = shop'; DROP\nuser = shop\npassword = short\n";
  auto refused = Prepare(true);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message().find("name: expected"), std::string::npos) << refused.error().message();
}

TEST(DatabaseIniTest, NewCredentialsPassTheGrammarOfTheDatabaseImage) {
  EXPECT_EQ(DatabaseIniProblem(NewDatabaseIni("my-shop")), "");
  EXPECT_NE(NewDatabaseIni("my-shop").find("name = my_shop\n"), std::string::npos);
  EXPECT_NE(NewDatabaseIni("a"), NewDatabaseIni("a")) << "a new password each time";
}

}  // namespace
}  // namespace webvps::admin
