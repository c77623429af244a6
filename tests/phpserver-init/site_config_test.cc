#include "phpserver-init/site_config.h"

#include <gtest/gtest.h>

#include <map>

#include "common/fake_environment.h"

namespace webvps::phpserver_init {
namespace {

SiteEnvironment Demo() {
  auto site = ReadSiteEnvironment(FakeEnvironment({{"WORKER_NAME", "demo"},
                                                   {"WORKER_UID", "10001"},
                                                   {"HOST_DOMAIN_NAME", "Demo.Example.org"},
                                                   {"HOST_DOMAIN_ALIAS", "www.demo.example.org, old.example.org,,demo.example.org"},
                                                   {"SERVER_MAIL", "webmaster@demo.example.org"},
                                                   {"PHP_MEMORY_LIMIT", "512M"}}));
  EXPECT_TRUE(site.ok()) << site.error().message();
  return *site;
}

TEST(SiteConfigTest, ReadsTheEnvironment) {
  SiteEnvironment site = Demo();
  EXPECT_EQ(site.worker_uid, 10001);
  EXPECT_EQ(site.host, "demo.example.org");
  EXPECT_EQ(site.aliases, (std::vector<std::string>{"www.demo.example.org", "old.example.org"}))
      << "every alias, trimmed, without the host itself (the original kept only the first)";
  EXPECT_EQ(site.php_memory_limit, "512M");
  EXPECT_EQ(site.php_time_zone, "UTC");
}

TEST(SiteConfigTest, NamesEveryBadVariable) {
  auto site = ReadSiteEnvironment(FakeEnvironment({{"WORKER_UID", "root"},
                                                   {"HOST_DOMAIN_NAME", "evil.example;include /etc"},
                                                   {"HOST_DOMAIN_ALIAS", "ok.example,bad alias"},
                                                   {"SERVER_MAIL", "x\nBcc: y@z.example"},
                                                   {"PHP_TIME_ZONE", "../../etc/passwd"},
                                                   {"PHP_POST_MAX_SIZE", "1T"}}));
  ASSERT_FALSE(site.ok());
  const std::string& message = site.error().message();
  for (const char* expected : {"WORKER_UID=\"root\"", "HOST_DOMAIN_NAME=", "HOST_DOMAIN_ALIAS: \"bad alias\"", "SERVER_MAIL=",
                               "PHP_TIME_ZONE=", "PHP_POST_MAX_SIZE=\"1T\""}) {
    EXPECT_NE(message.find(expected), std::string::npos) << expected << " in " << message;
  }
}

TEST(SiteConfigTest, DefaultVhostListsEveryAliasAndRefusesListings) {
  std::string vhost = RenderDefaultVhost(Demo(), "/var/www", "/var/www/conf/certificates/demo.example.org");
  EXPECT_NE(vhost.find("<VirtualHost *:80>\n    ServerName demo.example.org\n    ServerAlias www.demo.example.org old.example.org\n"), std::string::npos) << vhost;
  EXPECT_NE(vhost.find("Options -Indexes"), std::string::npos);
  EXPECT_NE(vhost.find("DocumentRoot /var/www/html\n"), std::string::npos);
  EXPECT_NE(vhost.find("SSLCertificateFile /var/www/conf/certificates/demo.example.org.crt\n"), std::string::npos);
  EXPECT_NE(vhost.find("ServerAdmin webmaster@demo.example.org\n"), std::string::npos);
  EXPECT_EQ(RenderDefaultVhost(Demo(), "/var/www", "").find("443"), std::string::npos) << "no TLS vhost without a certificate";
}

TEST(SiteConfigTest, CertificateHasEveryNameInTheSubjectAltName) {
  auto command = SelfSignedCertificateCommand(Demo(), "/k", "/c");
  auto addext = std::find(command.begin(), command.end(), "-addext");
  ASSERT_NE(addext, command.end());
  EXPECT_EQ(*(addext + 1), "subjectAltName=DNS:demo.example.org,DNS:www.demo.example.org,DNS:old.example.org");
  auto subject = std::find(command.begin(), command.end(), "-subj");
  EXPECT_EQ(*(subject + 1), "/CN=demo.example.org") << "only the host in the subject";
}

TEST(SiteConfigTest, PhpIni) {
  std::string ini = RenderPhpIni(Demo());
  EXPECT_NE(ini.find("memory_limit = 512M\n"), std::string::npos);
  EXPECT_NE(ini.find("date.timezone = UTC\n"), std::string::npos);
  EXPECT_NE(ini.find("upload_max_filesize = 64M\n"), std::string::npos);
}

TEST(SiteConfigTest, RemapsWwwDataInPasswdAndGroup) {
  const std::string passwd = "root:x:0:0:root:/root:/bin/bash\nwww-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\nwww-data2:x:34:34::/:/bin/sh\n";
  auto remapped = RemapAccount(passwd, "www-data", 10001, true);
  ASSERT_TRUE(remapped.ok());
  EXPECT_EQ(*remapped, "root:x:0:0:root:/root:/bin/bash\nwww-data:x:10001:10001:www-data:/var/www:/usr/sbin/nologin\nwww-data2:x:34:34::/:/bin/sh\n");
  auto group = RemapAccount("www-data:x:33:\nmail:x:8:\n", "www-data", 10001, false);
  ASSERT_TRUE(group.ok());
  EXPECT_EQ(*group, "www-data:x:10001:\nmail:x:8:\n");
  EXPECT_FALSE(RemapAccount("root:x:0:0::/:/bin/sh\n", "www-data", 1, true).ok());
}

}  // namespace
}  // namespace webvps::phpserver_init
