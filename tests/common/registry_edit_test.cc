#include "registry_edit.h"

#include <gtest/gtest.h>

namespace webvps {
namespace {

const std::string kHash = "$y$j9T$ZSSZeQ2dNKfdd6qAzSEjw/$1x9Xk6mbVeBNEnPJxpHcs7eQNu3FXKzKmPIOcbmkmO7";
const std::string kOldHash = "$y$j9T$ooooooooooooooooooooo/$aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

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


TEST(SetSshAccessTest, ChangesTheLineKeepingItsComment) {
  std::string text = std::string(kRegistry);
  text.replace(text.find("      access: shell\n"), 20, "      access: shell   # webmaster asked\n");
  auto edit = SetSshAccess(text, "webvps.yaml", "shop", SshAccess::kSftp);
  ASSERT_TRUE(edit.ok()) << edit.error().message();
  EXPECT_FALSE(edit->rewritten);
  EXPECT_NE(edit->text.find("      access: sftp # webmaster asked\n"), std::string::npos) << edit->text;
  EXPECT_EQ(edit->registry.FindSite("shop")->ssh.access, SshAccess::kSftp);
  auto added = SetSshAccess(kRegistry, "webvps.yaml", "news", SshAccess::kNone);
  ASSERT_TRUE(added.ok());
  EXPECT_FALSE(added->rewritten);
  EXPECT_EQ(added->registry.FindSite("news")->ssh.access, SshAccess::kNone);
}

Site NewSite(const std::string& name, int id) {
  Site site;
  site.name = name;
  site.id = id;
  site.host = name + ".example";
  site.aliases = {"www." + name + ".example"};
  site.email = "owner@" + name + ".example";
  site.ssh.access = SshAccess::kShell;
  return site;
}

TEST(AddSiteEntryTest, AppendsInTheFilesIndentationKeepingCommentsAndOrder) {
  std::string text = std::string(kRegistry) + "# trailing words about the sites\n";
  auto edit = AddSiteEntry(text, "webvps.yaml", NewSite("wiki", 4));
  ASSERT_TRUE(edit.ok()) << edit.error().message();
  EXPECT_FALSE(edit->rewritten);
  EXPECT_TRUE(edit->text.starts_with(kRegistry)) << "everything before stays as it was:\n" << edit->text;
  EXPECT_NE(edit->text.find("  - name: wiki\n    id: 4\n    host: wiki.example\n    aliases: [www.wiki.example]\n"), std::string::npos)
      << edit->text;
  EXPECT_NE(edit->text.find("# trailing words about the sites\n"), std::string::npos);
  ASSERT_EQ(edit->registry.sites.size(), 4u);
  EXPECT_EQ(edit->registry.sites.back().name, "wiki");
  EXPECT_EQ(edit->registry.sites.back().ssh.access, SshAccess::kShell);
}

TEST(AddSiteEntryTest, AddsToAnEmptyListAndBeforeTheNextKey) {
  auto empty = AddSiteEntry("admin_email: a@b.example\nsites: []   # none yet\n", "webvps.yaml", NewSite("wiki", 1));
  ASSERT_TRUE(empty.ok()) << empty.error().message();
  EXPECT_FALSE(empty->rewritten);
  EXPECT_TRUE(empty->text.starts_with("admin_email: a@b.example\nsites:  # none yet\n  - name: wiki\n")) << empty->text;
  auto before_key = AddSiteEntry("sites:\n  - name: a\n    id: 1\n    host: a.example\n    email: x@a.example\n\nadmin_email: x@y.example\n",
                                 "webvps.yaml", NewSite("wiki", 2));
  ASSERT_TRUE(before_key.ok()) << before_key.error().message();
  EXPECT_FALSE(before_key->rewritten);
  EXPECT_NE(before_key->text.find("x@a.example\n  - name: wiki\n"), std::string::npos) << before_key->text;
  EXPECT_TRUE(before_key->text.ends_with("\nadmin_email: x@y.example\n"));
}

TEST(AddSiteEntryTest, ATakenNameIdOrHostIsRefusedWithTheParsersWords) {
  auto name = AddSiteEntry(kRegistry, "webvps.yaml", NewSite("shop", 9));
  ASSERT_FALSE(name.ok());
  EXPECT_NE(name.error().message().find("cannot be added"), std::string::npos) << name.error().message();
  auto id = AddSiteEntry(kRegistry, "webvps.yaml", NewSite("wiki", 2));
  EXPECT_FALSE(id.ok());
  Site host = NewSite("wiki", 4);
  host.aliases = {"blog.example"};
  EXPECT_FALSE(AddSiteEntry(kRegistry, "webvps.yaml", host).ok());
}

TEST(RemoveSiteEntryTest, RemovesOneEntryKeepingTheRest) {
  auto edit = RemoveSiteEntry(kRegistry, "webvps.yaml", "blog");
  ASSERT_TRUE(edit.ok()) << edit.error().message();
  EXPECT_FALSE(edit->rewritten);
  EXPECT_EQ(edit->text.find("blog"), std::string::npos);
  EXPECT_NE(edit->text.find("# Our sites. Keep this comment.\n"), std::string::npos);
  EXPECT_NE(edit->text.find("  - name: shop            # the shop\n"), std::string::npos);
  ASSERT_EQ(edit->registry.sites.size(), 2u);
  auto last = RemoveSiteEntry(edit->text, "webvps.yaml", "news");
  ASSERT_TRUE(last.ok());
  auto none = RemoveSiteEntry(last->text, "webvps.yaml", "shop");
  ASSERT_TRUE(none.ok()) << none.error().message();
  EXPECT_FALSE(none->rewritten);
  EXPECT_NE(none->text.find("sites: []\n"), std::string::npos) << none->text;
  EXPECT_TRUE(none->registry.sites.empty());
}

TEST(RemoveSiteEntryTest, TheDocumentedCommentedFormIsFoundToo) {
  // docs/registry.md writes `  - name: demo   # required`: the entry is found by the parser, not a pattern.
  std::string text = "admin_email: a@b.example\nsites:\n  - name: demo                           # required\n    id: 1\n"
                     "    host: demo.example\n    email: w@demo.example\n";
  auto edit = RemoveSiteEntry(text, "webvps.yaml", "demo");
  ASSERT_TRUE(edit.ok()) << edit.error().message();
  EXPECT_TRUE(edit->registry.sites.empty());
  EXPECT_EQ(RemoveSiteEntry(text, "webvps.yaml", "nope").error().message(), "no site nope in webvps.yaml");
}

}  // namespace
}  // namespace webvps
