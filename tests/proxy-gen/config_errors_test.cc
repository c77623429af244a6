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

TEST(ConfigErrorsTest, TheFileNginxCouldNotLoad) {
  const std::vector<std::string> dirs = {"/etc/nginx/certs", "/etc/nginx/vhost.d", "/etc/nginx/htpasswd"};
  // The messages of nginx 1.22 for a broken certificate, a bad include and a missing file.
  EXPECT_EQ(FindBlamedFile("nginx: [emerg] cannot load certificate \"/etc/nginx/certs/shop.example.org.crt\": "
                           "PEM_read_bio_X509_AUX() failed (SSL: error:0480006C:PEM routines::no start line:Expecting: "
                           "TRUSTED CERTIFICATE)\nnginx: configuration file /run/test.conf test failed\n",
                           dirs),
            (BlamedFile{"/etc/nginx/certs", "shop.example.org.crt"}));
  EXPECT_EQ(FindBlamedFile("nginx: [emerg] unknown directive \"bogus\" in /etc/nginx/vhost.d/a.test_location:1\n", dirs),
            (BlamedFile{"/etc/nginx/vhost.d", "a.test_location"}));
  EXPECT_EQ(FindBlamedFile("nginx: [emerg] open() \"/etc/nginx/htpasswd/b.test\" failed (13: Permission denied)\n", dirs),
            (BlamedFile{"/etc/nginx/htpasswd", "b.test"}));
  // The first file named wins; paths elsewhere or deeper are not files of these directories.
  EXPECT_EQ(FindBlamedFile("in /etc/nginx/vhost.d/x.test:2 ... \"/etc/nginx/certs/y.crt\"", dirs),
            (BlamedFile{"/etc/nginx/vhost.d", "x.test"}));
  EXPECT_EQ(FindBlamedFile("unknown directive \"x\" in /etc/nginx/conf.d/default.conf:7", dirs), std::nullopt);
  EXPECT_EQ(FindBlamedFile("open() \"/etc/nginx/certs/sub/x.crt\" failed", dirs), std::nullopt);
}

}  // namespace
}  // namespace webvps::proxy_gen
