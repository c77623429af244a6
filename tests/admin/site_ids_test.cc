#include "admin/site_ids.h"

#include <gtest/gtest.h>

namespace webvps::admin {
namespace {

Registry WithSites(std::vector<std::pair<std::string, int>> sites) {
  Registry registry;
  registry.admin_email = "admin@example.org";
  for (const auto& [name, id] : sites) {
    Site site;
    site.name = name;
    site.id = id;
    registry.sites.push_back(site);
  }
  return registry;
}

TEST(SiteIdsTest, ReadsAndWritesTheRecord) {
  auto ids = ParseSiteIds("# comment\n1 shop 2026-11-01\n\n2 blog\n", "ids");
  ASSERT_TRUE(ids.ok()) << ids.error().message();
  ASSERT_EQ(ids->entries.size(), 2u);
  EXPECT_EQ(ids->IdOf("blog"), 2);
  EXPECT_EQ(ids->NameOf(1), "shop");
  auto again = ParseSiteIds(RenderSiteIds(*ids), "ids");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *ids);
}

TEST(SiteIdsTest, ABrokenRecordIsAnErrorNamingTheLine) {
  for (const char* bad : {"x shop\n", "0 shop\n", "1 Shop\n", "1\n", "1 a\n1 b\n", "99999 big\n"}) {
    auto ids = ParseSiteIds(std::string("# ok\n") + bad, "ids");
    ASSERT_FALSE(ids.ok()) << bad;
    EXPECT_NE(ids.error().message().find("ids:"), std::string::npos) << ids.error().message();
  }
}

TEST(SiteIdsTest, ARemovedSitesIdIsNeverHandedToAnotherSite) {
  // The exploit of the old max(id)+1: remove the highest site, keep its files, add a new one.
  SiteIds ids{{{1, "alpha", ""}, {2, "beta", ""}}};
  Registry registry = WithSites({{"alpha", 1}});  // beta removed, its files kept
  EXPECT_EQ(*AllocateSiteId(ids, registry, "gamma", std::nullopt), 3);
  EXPECT_EQ(*AllocateSiteId(ids, registry, "beta", std::nullopt), 2) << "beta added again gets its own id back";
}

TEST(SiteIdsTest, AWantedIdIsGivenOnlyIfNobodyElseHasOrHadIt) {
  SiteIds ids{{{1, "alpha", ""}, {2, "beta", ""}}};
  Registry registry = WithSites({{"alpha", 1}});
  EXPECT_EQ(*AllocateSiteId(ids, registry, "beta", 2), 2);
  EXPECT_EQ(*AllocateSiteId(ids, registry, "new", 7), 7);
  auto taken = AllocateSiteId(ids, registry, "new", 1);
  ASSERT_FALSE(taken.ok());
  EXPECT_NE(taken.error().message().find("belongs to site alpha"), std::string::npos);
  auto held = AllocateSiteId(ids, registry, "new", 2);
  ASSERT_FALSE(held.ok());
  EXPECT_NE(held.error().message().find("was site beta's"), std::string::npos);
  EXPECT_FALSE(AllocateSiteId(ids, registry, "new", 0).ok());
}

TEST(SiteIdsTest, AHostWithoutARecordAdoptsItsRegistryAndItsDirectories) {
  SiteIds ids;
  Registry registry = WithSites({{"alpha", 1}, {"beta", 4}});
  // gamma was removed before the record existed; its files, of uid 10009, are still there.
  int added = AdoptIds(ids, registry, {{"gamma", 10009}, {"alpha", 10001}}, "2026-12-01");
  EXPECT_EQ(added, 3);
  EXPECT_EQ(ids.IdOf("gamma"), 9);
  EXPECT_EQ(*AllocateSiteId(ids, registry, "delta", std::nullopt), 10);
  EXPECT_EQ(AdoptIds(ids, registry, {{"gamma", 10009}}, "2026-12-02"), 0) << "nothing twice";
}

TEST(SiteIdsTest, TheLastIdIsTheEnd) {
  SiteIds ids{{{kMaxSiteId, "last", ""}}};
  EXPECT_FALSE(AllocateSiteId(ids, WithSites({}), "more", std::nullopt).ok());
}

}  // namespace
}  // namespace webvps::admin
