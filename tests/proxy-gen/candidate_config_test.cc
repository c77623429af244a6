#include "proxy-gen/candidate_config.h"

#include <gtest/gtest.h>

namespace webvps::proxy_gen {
namespace {

const std::string kLive = "/etc/nginx/conf.d/default.conf";
const std::string kCandidate = "/var/lib/proxy-gen/candidate.conf";

GlobFunction FakeGlob(std::vector<std::string> files) {
  return [files](const std::string&) { return files; };
}

TEST(CandidateConfigTest, AGlobIncludeBecomesItsFilesWithTheCandidateInTheLiveOnesPlace) {
  std::string main =
      "user www-data;\n"
      "include /etc/nginx/modules-enabled/*.conf;\n"
      "http {\n"
      "    include mime.types;  # relative: resolved against the main config's directory\n"
      "    include /etc/nginx/conf.d/*.conf;\n"
      "}\n";
  auto out = CandidateMainConfig(main, "/etc/nginx", kLive, kCandidate,
                                 FakeGlob({"/etc/nginx/conf.d/admin.conf", kLive, "/etc/nginx/conf.d/zz.conf"}));
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(*out,
            "user www-data;\n"
            "include /etc/nginx/modules-enabled/*.conf;\n"
            "http {\n"
            "    include /etc/nginx/mime.types;  # relative: resolved against the main config's directory\n"
            "    include /etc/nginx/conf.d/admin.conf; include " + kCandidate + "; include /etc/nginx/conf.d/zz.conf;\n"
            "}\n");
}

TEST(CandidateConfigTest, TheLiveFileMissingYetStillGetsItsPlace) {
  auto out = CandidateMainConfig("http { include /etc/nginx/conf.d/*.conf; }", "/etc/nginx", kLive, kCandidate,
                                 FakeGlob({"/etc/nginx/conf.d/zz.conf"}));
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(*out, "http { include " + kCandidate + "; include /etc/nginx/conf.d/zz.conf; }");
}

TEST(CandidateConfigTest, AnExactIncludeIsRedirected) {
  auto out = CandidateMainConfig("http {\n  include \"/etc/nginx/conf.d/default.conf\" ;\n}\n", "/etc/nginx", kLive, kCandidate,
                                 FakeGlob({}));
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(*out, "http {\n  include " + kCandidate + ";\n}\n");
}

TEST(CandidateConfigTest, CommentsQuotesAndLookalikesAreNotIncludes) {
  std::string main =
      "# include /etc/nginx/conf.d/*.conf;\n"
      "http {\n"
      "    log_format x 'include /etc/nginx/conf.d/*.conf;';\n"
      "    included_value 1;\n"
      "}\n";
  EXPECT_EQ(CandidateMainConfig(main, "/etc/nginx", kLive, kCandidate, FakeGlob({kLive})), std::nullopt);
}

TEST(CandidateConfigTest, MinimalMainConfigLoadsTheCandidateInHttp) {
  EXPECT_EQ(MinimalMainConfig("/etc/nginx", kCandidate),
            "events {}\nhttp {\n    include /etc/nginx/mime.types;\n    include " + kCandidate + ";\n}\n");
}

}  // namespace
}  // namespace webvps::proxy_gen
