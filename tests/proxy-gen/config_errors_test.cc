#include "proxy-gen/config_errors.h"

#include <gtest/gtest.h>

namespace webvps::proxy_gen {
namespace {

TEST(ConfigErrorsTest, LineFromNginxOutput) {
  std::string output =
      "nginx: [emerg] invalid number of arguments in \"server_name\" directive in /tmp/candidate.conf:27\n"
      "nginx: configuration file /tmp/test.conf test failed\n";
  EXPECT_EQ(ErrorLine(output, "/tmp/candidate.conf"), 27);
  EXPECT_EQ(ErrorLine(output, "/etc/nginx/nginx.conf"), std::nullopt);
  EXPECT_EQ(ErrorLine("in /tmp/candidate.conf:x", "/tmp/candidate.conf"), std::nullopt);
}

TEST(ConfigErrorsTest, HostOfALine) {
  std::string config =
      "# Generated\n"               // 1
      "server { }\n"                // 2
      "# a.test (1 container)\n"    // 3
      "upstream x { }\n"            // 4
      "# b.test (2 containers)\n"   // 5
      "server { }\n";               // 6
  EXPECT_EQ(HostAtLine(config, 2), std::nullopt);
  EXPECT_EQ(HostAtLine(config, 3), "a.test");
  EXPECT_EQ(HostAtLine(config, 4), "a.test");
  EXPECT_EQ(HostAtLine(config, 6), "b.test");
}

}  // namespace
}  // namespace webvps::proxy_gen
