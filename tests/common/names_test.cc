#include "names.h"

#include <gtest/gtest.h>

namespace webvps {
namespace {

TEST(NamesTest, SiteNames) {
  for (const char* good : {"a", "demo", "shop-2", "a0123456789012345678901234567890"}) {
    EXPECT_TRUE(IsValidSiteName(good)) << good;
  }
  for (const char* bad : {"", "A", "2a", "-a", "a_b", "a.b", "a b", "a/b", "a01234567890123456789012345678901", "é"}) {
    EXPECT_FALSE(IsValidSiteName(bad)) << bad;
  }
}

TEST(NamesTest, HostNames) {
  for (const char* good : {"localhost", "example.org", "a-b.c-d.example", "xn--bcher-kva.example", "1.example"}) {
    EXPECT_EQ(HostNameProblem(good), std::nullopt) << good;
  }
  const std::string long_label(64, 'a');
  std::string long_name;
  for (int i = 0; i < 5; ++i) long_name += std::string(60, 'a') + ".";
  for (const std::string& bad : {std::string(""), std::string("Example.org"), std::string("a..b"), std::string(".a"),
                                 std::string("a."), std::string("-a.b"), std::string("a-.b"), std::string("a_b.c"),
                                 std::string("a b"), std::string("a;b"), std::string("a{b"), std::string("a\nb"),
                                 std::string("bücher.example"), long_label + ".example", long_name + "example"}) {
    EXPECT_NE(HostNameProblem(bad), std::nullopt) << bad;
  }
}

TEST(NamesTest, EmailAddresses) {
  for (const char* good : {"a@b.example", "first.last+tag@sub.example.org", "o'brien@example.org"}) {
    EXPECT_EQ(EmailProblem(good), std::nullopt) << good;
  }
  for (const char* bad : {"", "a", "@b.example", "a@", "a@b_c", ".a@b.example", "a.@b.example", "a..b@c.example",
                          "a b@c.example", "a@b.example\r\nBcc: x@y.example", "\"q\"@b.example", "a<b@c.example"}) {
    EXPECT_NE(EmailProblem(bad), std::nullopt) << bad;
  }
}

TEST(NamesTest, QuoteForMessageShowsHostileBytesSafely) {
  EXPECT_EQ(QuoteForMessage("plain"), "\"plain\"");
  EXPECT_EQ(QuoteForMessage("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(QuoteForMessage("line\nbreak\x01"), "\"line\\x0abreak\\x01\"");
  EXPECT_EQ(QuoteForMessage(std::string(100, 'x')), "\"" + std::string(80, 'x') + "...\"");
}

TEST(NamesTest, LowerCaseTouchesOnlyAscii) { EXPECT_EQ(LowerCase("AbC-Ü"), "abc-Ü"); }

}  // namespace
}  // namespace webvps
