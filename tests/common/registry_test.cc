#include "registry.h"

#include <gtest/gtest.h>

#include <cctype>

namespace webvps {
namespace {

constexpr const char* kValid = R"(admin_email: admin@hoster.example
defaults:
  mail: {limit: 300, window: 5m}
  ssh: {access: sftp}
sites:
  - name: demo
    id: 1
    host: Demo.Example.org
    aliases: [www.demo.example.org, demo.localhost]
    email: webmaster@demo.example.org
    ssh:
      access: shell
      password_hash: "$y$j9T$abcdefghijklmnop$0123456789abcdefghijklmnopqrstuvwxyzABCDE"
      keys:
        - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGx0c3Rfa2V5X2Zvcl90ZXN0cw user@laptop
  - name: shop-2
    id: 2
    host: shop.example.org
    email: owner@shop.example.org
    mail: {limit: 50, sender: shop@shop.example.org, senders: [news@letters.example, "@Shop-Mail.example"]}
)";

TEST(RegistryTest, ParsesAValidRegistry) {
  auto registry = ParseRegistry(kValid, "webvps.yaml");
  ASSERT_TRUE(registry.ok()) << registry.error().message();
  EXPECT_EQ(registry->admin_email, "admin@hoster.example");
  EXPECT_EQ(registry->defaults.mail.limit, 300);
  EXPECT_EQ(registry->defaults.mail.window, std::chrono::seconds(300));
  ASSERT_EQ(registry->sites.size(), 2u);
  const Site& demo = registry->sites[0];
  EXPECT_EQ(demo.name, "demo");
  EXPECT_EQ(demo.uid(), 10001);
  EXPECT_EQ(demo.host, "demo.example.org") << "host names are lower-cased";
  EXPECT_EQ(demo.aliases, (std::vector<std::string>{"www.demo.example.org", "demo.localhost"}));
  EXPECT_EQ(demo.ssh.access, SshAccess::kShell);
  EXPECT_EQ(demo.ssh.keys.size(), 1u);
  EXPECT_EQ(demo.mail, (MailLimit{300, std::chrono::seconds(300)})) << "a site without limits takes the defaults";
  const Site* shop = registry->FindSite("shop-2");
  ASSERT_NE(shop, nullptr);
  EXPECT_EQ(shop->mail.limit, 50);
  EXPECT_EQ(shop->mail.window, std::chrono::seconds(300)) << "a partial limit keeps the default window";
  EXPECT_EQ(shop->mail_sender, "shop@shop.example.org");
  EXPECT_EQ(shop->mail_senders, (std::vector<std::string>{"news@letters.example", "@shop-mail.example"}));
  EXPECT_TRUE(demo.mail_senders.empty());
  EXPECT_EQ(shop->ssh.access, SshAccess::kSftp);
  EXPECT_EQ(registry->FindSite("nope"), nullptr);
}

TEST(RegistryTest, AnEmptySiteListIsValid) {
  auto registry = ParseRegistry("admin_email: a@b.example\nsites: []\n", "r.yaml");
  ASSERT_TRUE(registry.ok()) << registry.error().message();
  EXPECT_TRUE(registry->sites.empty());
  EXPECT_EQ(registry->defaults.mail, MailLimit{});
}

TEST(RegistryTest, RendersWhatItParses) {
  auto registry = ParseRegistry(kValid, "webvps.yaml");
  ASSERT_TRUE(registry.ok());
  std::string rendered = RenderRegistry(*registry);
  auto again = ParseRegistry(rendered, "rendered");
  ASSERT_TRUE(again.ok()) << again.error().message() << "\n" << rendered;
  EXPECT_EQ(*again, *registry);
}

struct InvalidCase {
  const char* title;
  const char* sites;     // YAML for the sites list (indented by 2) or a whole document when it starts with '!'
  const char* expected;  // a substring of the error
};

const InvalidCase kInvalidCases[] = {
    {"upper-case name", "  - {name: Demo, id: 1, host: a.example, email: x@a.example}", "sites[0].name: \"Demo\""},
    {"name starting with a digit", "  - {name: 1demo, id: 1, host: a.example, email: x@a.example}", "sites[0].name"},
    {"name too long", "  - {name: abcdefghijklmnopqrstuvwxyzabcdefg, id: 1, host: a.example, email: x@a.example}", "sites[0].name"},
    {"name with a slash", "  - {name: ../etc, id: 1, host: a.example, email: x@a.example}", "sites[0].name"},
    {"id zero", "  - {name: a, id: 0, host: a.example, email: x@a.example}", "sites[0].id: expected an integer from 1"},
    {"id too large", "  - {name: a, id: 60000, host: a.example, email: x@a.example}", "sites[0].id"},
    {"id not a number", "  - {name: a, id: one, host: a.example, email: x@a.example}", "sites[0].id"},
    {"missing host", "  - {name: a, id: 1, email: x@a.example}", "sites[0].host: missing"},
    {"missing email", "  - {name: a, id: 1, host: a.example}", "sites[0].email: missing"},
    {"host with a space", "  - {name: a, id: 1, host: \"a b.example\", email: x@a.example}", "sites[0].host"},
    {"host with a semicolon", "  - {name: a, id: 1, host: \"a.example;\", email: x@a.example}", "sites[0].host"},
    {"host with an empty label", "  - {name: a, id: 1, host: a..example, email: x@a.example}", "empty label"},
    {"bad alias", "  - {name: a, id: 1, host: a.example, aliases: [\"-x.example\"], email: x@a.example}", "sites[0].aliases[0]"},
    {"aliases not a list", "  - {name: a, id: 1, host: a.example, aliases: b.example, email: x@a.example}", "sites[0].aliases: expected a list"},
    {"bad email", "  - {name: a, id: 1, host: a.example, email: \"x y@a.example\"}", "sites[0].email"},
    {"email with a newline", "  - {name: a, id: 1, host: a.example, email: \"x@a.example\\nBcc: all\"}", "sites[0].email"},
    {"unknown site key", "  - {name: a, id: 1, host: a.example, email: x@a.example, colour: red}", "sites[0].colour: unknown key"},
    {"duplicate name", "  - {name: a, id: 1, host: a.example, email: x@a.example}\n  - {name: a, id: 2, host: b.example, email: x@a.example}", "sites[1].name: name \"a\" is already used by sites[0].name"},
    {"duplicate id", "  - {name: a, id: 1, host: a.example, email: x@a.example}\n  - {name: b, id: 1, host: b.example, email: x@a.example}", "sites[1].id: id \"1\" is already used"},
    {"duplicate host", "  - {name: a, id: 1, host: a.example, email: x@a.example}\n  - {name: b, id: 2, host: A.example, email: x@a.example}", "sites[1].host: host \"a.example\" is already used"},
    {"alias claiming another host", "  - {name: a, id: 1, host: a.example, email: x@a.example}\n  - {name: b, id: 2, host: b.example, aliases: [a.example], email: x@a.example}", "sites[1].aliases[0]"},
    {"clear-text password", "  - {name: a, id: 1, host: a.example, email: x@a.example, ssh: {password_hash: hunter2}}", "sites[0].ssh.password_hash: not a crypt(3) hash"},
    {"md5 crypt refused", "  - {name: a, id: 1, host: a.example, email: x@a.example, ssh: {password_hash: \"$1$abc$abcdefghijklmnopqrstuv\"}}", "not a crypt(3) hash"},
    {"bad access", "  - {name: a, id: 1, host: a.example, email: x@a.example, ssh: {access: root}}", "sites[0].ssh.access: expected sftp, shell or none"},
    {"key with options", "  - {name: a, id: 1, host: a.example, email: x@a.example, ssh: {keys: [\"command=\\\"sh\\\" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA\"]}}", "sites[0].ssh.keys[0]: expected an OpenSSH public key"},
    {"key body not base64", "  - {name: a, id: 1, host: a.example, email: x@a.example, ssh: {keys: [\"ssh-ed25519 AAAA$$$$AAAAAAAAAAAAAAAA\"]}}", "not base64"},
    {"mail limit zero", "  - {name: a, id: 1, host: a.example, email: x@a.example, mail: {limit: 0}}", "sites[0].mail.limit"},
    {"mail window bad", "  - {name: a, id: 1, host: a.example, email: x@a.example, mail: {window: soon}}", "sites[0].mail.window: expected a duration"},
    {"mail sender bad", "  - {name: a, id: 1, host: a.example, email: x@a.example, mail: {sender: \"a b@a.example\"}}", "sites[0].mail.sender"},
    {"mail senders not a list", "  - {name: a, id: 1, host: a.example, email: x@a.example, mail: {senders: b@a.example}}", "sites[0].mail.senders: expected a list"},
    {"mail senders bad domain", "  - {name: a, id: 1, host: a.example, email: x@a.example, mail: {senders: [\"@bad..example\"]}}", "sites[0].mail.senders[0]: \"@bad..example\""},
    {"mail unknown key", "  - {name: a, id: 1, host: a.example, email: x@a.example, mail: {from: b@a.example}}", "sites[0].mail.from: unknown key"},
    {"site not a map", "  - just-a-name", "sites[0]: expected a map"},
    {"!missing admin_email", "!sites: []\n", "admin_email: missing"},
    {"!unknown top-level key", "!admin_email: a@b.example\nsite: []\n", "registry.site: unknown key"},
    {"!sites not a list", "!admin_email: a@b.example\nsites: {a: 1}\n", "sites: expected a list"},
    {"!not YAML", "!admin_email: [unclosed\n", "r.yaml:"},
    {"!bad default access", "!admin_email: a@b.example\ndefaults: {ssh: {access: all}}\n", "defaults.ssh.access"},
};

void PrintTo(const InvalidCase& c, std::ostream* out) { *out << c.title; }

class RegistryInvalidTest : public testing::TestWithParam<InvalidCase> {};

TEST_P(RegistryInvalidTest, RejectsWithAClearMessage) {
  const InvalidCase& c = GetParam();
  std::string text = c.sites[0] == '!' ? std::string(c.sites + 1)
                                       : std::string("admin_email: admin@hoster.example\nsites:\n") + c.sites + "\n";
  auto registry = ParseRegistry(text, "r.yaml");
  ASSERT_FALSE(registry.ok()) << c.title;
  EXPECT_NE(registry.error().message().find(c.expected), std::string::npos)
      << c.title << ": got " << registry.error().message();
  EXPECT_TRUE(registry.error().message().starts_with("r.yaml:")) << "every problem names the file and line";
}

std::string CaseName(const testing::TestParamInfo<InvalidCase>& info) {
  std::string name;
  for (const char* c = info.param.title; *c; ++c) name += std::isalnum(static_cast<unsigned char>(*c)) ? *c : '_';
  return name;
}

INSTANTIATE_TEST_SUITE_P(Table, RegistryInvalidTest, testing::ValuesIn(kInvalidCases), CaseName);

TEST(RegistryTest, NamesTheLineOfTheProblem) {
  auto registry = ParseRegistry("admin_email: a@b.example\nsites:\n  - name: ok\n    id: 1\n    host: \"bad host\"\n    email: x@b.example\n", "webvps.yaml");
  ASSERT_FALSE(registry.ok());
  EXPECT_EQ(registry.error().message(), "webvps.yaml:5: sites[0].host: \"bad host\": character not allowed in host name");
}

TEST(RegistryTest, ReportsEveryProblemAtOnce) {
  auto registry = ParseRegistry("admin_email: nope\nsites:\n  - {name: A, id: 0, host: a.example, email: x@a.example}\n", "r.yaml");
  ASSERT_FALSE(registry.ok());
  const std::string& message = registry.error().message();
  EXPECT_NE(message.find("admin_email"), std::string::npos);
  EXPECT_NE(message.find("sites[0].name"), std::string::npos);
  EXPECT_NE(message.find("sites[0].id"), std::string::npos);
}

TEST(RegistryTest, NeverEchoesAPasswordHashValue) {
  auto registry = ParseRegistry("admin_email: a@b.example\nsites:\n  - {name: a, id: 1, host: a.example, email: x@a.example, ssh: {password_hash: MySecretPassword}}\n", "r.yaml");
  ASSERT_FALSE(registry.ok());
  EXPECT_EQ(registry.error().message().find("MySecretPassword"), std::string::npos);
}

TEST(RegistryTest, LoadRegistryNamesAMissingFile) {
  auto registry = LoadRegistry("/nonexistent/webvps.yaml");
  ASSERT_FALSE(registry.ok());
  EXPECT_EQ(registry.error().message(), "read registry /nonexistent/webvps.yaml: No such file or directory");
}

}  // namespace
}  // namespace webvps
