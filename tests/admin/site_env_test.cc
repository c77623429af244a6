#include "admin/site_env.h"

#include <gtest/gtest.h>

namespace webvps::admin {
namespace {

Site Shop() {
  Site site;
  site.name = "shop";
  site.id = 3;
  site.host = "shop.example.org";
  site.aliases = {"www.shop.example.org", "shop.example.net"};
  site.email = "owner@shop.example.org";
  return site;
}

TEST(SiteEnvTest, DerivesTheComposeVariablesFromTheRegistry) {
  Site site = Shop();
  auto values = ParseSiteEnv(UpdateSiteEnv("", {&site, "/srv/webvps/shop", true, "webvps-proxy"}), "site.env");
  ASSERT_TRUE(values.ok()) << values.error().message();
  EXPECT_EQ((*values)["SITE_UID"], "10003");
  EXPECT_EQ((*values)["SITE_VIRTUAL_HOST"], "shop.example.org,www.shop.example.org,shop.example.net");
  EXPECT_EQ((*values)["SITE_ALIASES"], "www.shop.example.org,shop.example.net");
  EXPECT_EQ((*values)["SITE_LAMP"], "1");
  EXPECT_EQ((*values)["SITE_DIR"], "/srv/webvps/shop");
}

TEST(SiteEnvTest, AnAdminsOwnLinesAreKeptAndDerivedOnesReplaced) {
  Site site = Shop();
  std::string old = "# The site's compose variables (scripts/site.sh add)\nSITE_NAME=shop\nSITE_UID=99\n# more memory\nSITE_MEMORY=1g\n";
  std::string updated = UpdateSiteEnv(old, {&site, "/srv/webvps/shop", false, "net"});
  auto values = ParseSiteEnv(updated, "site.env");
  ASSERT_TRUE(values.ok());
  EXPECT_EQ((*values)["SITE_UID"], "10003");
  EXPECT_EQ((*values)["SITE_MEMORY"], "1g");
  EXPECT_NE(updated.find("# more memory\n"), std::string::npos);
  EXPECT_EQ(updated.find("SITE_UID=99"), std::string::npos);
  EXPECT_EQ(UpdateSiteEnv(updated, {&site, "/srv/webvps/shop", false, "net"}), updated) << "stable";
}

TEST(SiteEnvTest, ALineThatIsNoVariableIsAnError) {
  auto values = ParseSiteEnv("SITE_NAME=a\nthis is not\n", "site.env");
  ASSERT_FALSE(values.ok());
  EXPECT_EQ(values.error().message(), "site.env:2: expected KEY=VALUE");
}

}  // namespace
}  // namespace webvps::admin
