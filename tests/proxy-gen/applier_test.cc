#include "proxy-gen/applier.h"

#include <gtest/gtest.h>

#include <sstream>

namespace webvps::proxy_gen {
namespace {

const std::string kCandidate = "/var/lib/proxy-gen/candidate.conf";

// nginx as the applier sees it: refuses a config that contains one of the `refusals` (with a
// message naming the line, as nginx -t does), and records what it was asked to do.
class FakeNginx final : public NginxInterface {
 public:
  struct Refusal {
    std::string trigger;  ///< refused when the config contains this
    std::string message;  ///< nginx's output; "{line}" becomes the trigger's line in the candidate
  };
  std::vector<Refusal> refusals;
  std::optional<std::string> cannot_run;
  std::optional<std::string> reload_error;
  int tests = 0, installs = 0, reloads = 0;
  std::string live;

  Result<std::optional<std::string>> Test(const std::string& config) override {
    ++tests;
    if (cannot_run) return Error(*cannot_run);
    for (const auto& refusal : refusals) {
      size_t at = config.find(refusal.trigger);
      if (at == std::string::npos) continue;
      int line = 1;
      for (size_t i = 0; i < at; ++i) line += config[i] == '\n';
      std::string message = refusal.message;
      if (size_t mark = message.find("{line}"); mark != std::string::npos) message.replace(mark, 6, std::to_string(line));
      return std::optional<std::string>(message);
    }
    return std::optional<std::string>();
  }
  std::string CandidatePath() const override { return kCandidate; }
  Status Install(const std::string& config) override {
    ++installs;
    live = config;
    return {};
  }
  Status Reload() override {
    ++reloads;
    if (reload_error) return Error(*reload_error);
    return {};
  }
};

ContainerInfo Container(const std::string& name, const std::string& host, const std::string& ip) {
  ContainerInfo info;
  info.id = "id-" + name;
  info.name = name;
  info.running = true;
  info.env = {{"VIRTUAL_HOST", host}};
  info.networks = {{"proxy", ip, ""}};
  return info;
}

ApplyInput Input(std::vector<ContainerInfo> containers) {
  ApplyInput input;
  input.containers = std::move(containers);
  input.routing.proxy_networks = {"proxy"};
  return input;
}

bool Serves(const std::string& config, const std::string& host) {
  return config.find("server_name " + host + ";") != std::string::npos;
}

// As nginx 1.22 prints it when its error_log is stderr.
const FakeNginx::Refusal kEvilRegex = {
    "server_name ~^(evil", "2026/11/23 17:54:29 [emerg] 27#27: pcre2_compile() failed: missing closing parenthesis in \"^(evil\" in " + kCandidate +
                               ":{line}\nnginx: configuration file /var/lib/proxy-gen/test-main.conf test failed\n"};

TEST(ConfigApplierTest, AppliesOnceAndDoesNothingForTheSameState) {
  FakeNginx nginx;
  ConfigApplier applier(nginx);
  auto input = Input({Container("a", "a.test", "172.20.0.2")});
  ApplyOutcome first = applier.Apply(input);
  EXPECT_EQ(first.kind, ApplyOutcome::Kind::kInstalled);
  EXPECT_TRUE(first.written);
  EXPECT_TRUE(first.reloaded);
  EXPECT_TRUE(Serves(nginx.live, "a.test"));
  EXPECT_EQ(applier.installed(), nginx.live);

  ApplyOutcome again = applier.Apply(input);
  EXPECT_EQ(again.kind, ApplyOutcome::Kind::kUnchanged);
  EXPECT_EQ(again.model->hosts.size(), 1u);
  EXPECT_EQ(nginx.tests, 1) << "an unchanged state is not even tested";
  EXPECT_EQ(nginx.installs, 1);
  EXPECT_EQ(nginx.reloads, 1);
}

TEST(ConfigApplierTest, AContainerRejectedForABadValueIsReportedThoughTheConfigStays) {
  FakeNginx nginx;
  ConfigApplier applier(nginx);
  auto input = Input({Container("a", "a.test", "172.20.0.2")});
  (void)applier.Apply(input);
  auto hostile = Container("hostile", "b.test", "172.20.0.3");
  hostile.env["VIRTUAL_PORT"] = "80;";
  input.containers.push_back(hostile);
  ApplyOutcome outcome = applier.Apply(input);
  EXPECT_EQ(outcome.kind, ApplyOutcome::Kind::kUnchanged);
  ASSERT_EQ(outcome.model->rejections.size(), 1u);
  EXPECT_EQ(outcome.model->rejections[0].container, "hostile");
  EXPECT_EQ(nginx.tests, 1);
}

TEST(ConfigApplierTest, TheContainersOfAHostNginxRefusesAreLeftOutAndTheOthersServed) {
  FakeNginx nginx;
  nginx.refusals = {kEvilRegex};
  ConfigApplier applier(nginx);
  auto input = Input({Container("a", "a.test", "172.20.0.2"), Container("evil", "~^(evil", "172.20.0.3")});
  ApplyOutcome outcome = applier.Apply(input);
  ASSERT_EQ(outcome.kind, ApplyOutcome::Kind::kInstalled) << outcome.error;
  EXPECT_EQ(outcome.tests, 2);
  EXPECT_TRUE(Serves(nginx.live, "a.test"));
  EXPECT_EQ(nginx.live.find("evil"), std::string::npos);
  ASSERT_EQ(outcome.blamed.size(), 1u);
  EXPECT_EQ(outcome.blamed[0].what, "container evil");
  EXPECT_TRUE(outcome.blamed[0].reason.starts_with("~^(evil: [emerg] pcre2_compile() failed: missing closing parenthesis"))
      << outcome.blamed[0].reason;
  EXPECT_NE(outcome.blamed[0].reason.find(kCandidate + ":"), std::string::npos);
  EXPECT_EQ(outcome.excluded_containers, std::set<std::string>{"id-evil"});

  // Nothing changed: no test. A new site: one test, the culprit is still left out.
  EXPECT_EQ(applier.Apply(input).kind, ApplyOutcome::Kind::kUnchanged);
  EXPECT_EQ(nginx.tests, 2);
  input.containers.push_back(Container("b", "b.test", "172.20.0.4"));
  ApplyOutcome with_b = applier.Apply(input);
  EXPECT_EQ(with_b.tests, 1);
  EXPECT_TRUE(Serves(nginx.live, "b.test"));
  EXPECT_EQ(with_b.excluded_containers, std::set<std::string>{"id-evil"});

  // The culprit changed (a new address after a restart): it gets another chance.
  input.containers[1].networks = {{"proxy", "172.20.0.9", ""}};
  EXPECT_EQ(applier.Apply(input).tests, 2);
}

TEST(ConfigApplierTest, ACertificateNginxCannotLoadIsLeftOutUntilTheFilesChange) {
  FakeNginx nginx;
  nginx.refusals = {{"certs/a.test.crt", "nginx: [emerg] cannot load certificate \"/etc/nginx/certs/a.test.crt\": "
                                         "PEM_read_bio_X509_AUX() failed\n"}};
  ConfigApplier applier(nginx);
  auto input = Input({Container("a", "a.test", "172.20.0.2")});
  input.files.certs = {"a.test"};
  ApplyOutcome outcome = applier.Apply(input);
  ASSERT_EQ(outcome.kind, ApplyOutcome::Kind::kInstalled) << outcome.error;
  ASSERT_EQ(outcome.blamed.size(), 1u);
  EXPECT_EQ(outcome.blamed[0].what, "file /etc/nginx/certs/a.test.crt");
  EXPECT_TRUE(Serves(nginx.live, "a.test")) << "served over HTTP while its certificate is broken";
  EXPECT_EQ(nginx.live.find("ssl_certificate /etc/nginx/certs/a.test.crt"), std::string::npos);

  // A new certificate file: tried again (and now accepted).
  nginx.refusals.clear();
  input.files_changed = true;
  ApplyOutcome fixed = applier.Apply(input);
  EXPECT_TRUE(fixed.blamed.empty());
  EXPECT_NE(nginx.live.find("ssl_certificate /etc/nginx/certs/a.test.crt;"), std::string::npos);
}

TEST(ConfigApplierTest, AnErrorNoContainerCausedInstallsNothing) {
  FakeNginx nginx;
  ConfigApplier applier(nginx);
  auto input = Input({Container("a", "a.test", "172.20.0.2")});
  ASSERT_EQ(applier.Apply(input).kind, ApplyOutcome::Kind::kInstalled);
  std::string good = nginx.live;

  nginx.refusals = {{"proxy_http_version", "nginx: [emerg] unknown directive \"proxy_http_version\" in " + kCandidate + ":{line}\n"}};
  input.containers.push_back(Container("b", "b.test", "172.20.0.3"));
  ApplyOutcome outcome = applier.Apply(input);
  EXPECT_EQ(outcome.kind, ApplyOutcome::Kind::kRefused);
  EXPECT_NE(outcome.error.find("unknown directive"), std::string::npos);
  EXPECT_EQ(nginx.live, good) << "the last good config stays";
  EXPECT_EQ(nginx.installs, 1);
  EXPECT_EQ(outcome.model, nullptr) << "nothing new is served: the last good model stays";

  // Refused states are tried again at the next apply, even if nothing changed.
  nginx.refusals.clear();
  EXPECT_EQ(applier.Apply(input).kind, ApplyOutcome::Kind::kInstalled);
  EXPECT_TRUE(Serves(nginx.live, "b.test"));
}

TEST(ConfigApplierTest, ATestThatCannotRunKeepsTheLastGoodConfig) {
  FakeNginx nginx;
  nginx.cannot_run = "test the config: nginx -t: No such file or directory";
  ConfigApplier applier(nginx);
  ApplyOutcome outcome = applier.Apply(Input({Container("a", "a.test", "172.20.0.2")}));
  EXPECT_EQ(outcome.kind, ApplyOutcome::Kind::kFailed);
  EXPECT_EQ(outcome.error, *nginx.cannot_run);
  EXPECT_EQ(nginx.installs, 0);
}

TEST(ConfigApplierTest, ChangedFilesReloadEvenWhenTheBytesAreTheSame) {
  FakeNginx nginx;
  ConfigApplier applier(nginx);
  auto input = Input({Container("a", "a.test", "172.20.0.2")});
  (void)applier.Apply(input);
  input.files_changed = true;
  ApplyOutcome outcome = applier.Apply(input);
  EXPECT_EQ(outcome.kind, ApplyOutcome::Kind::kInstalled);
  EXPECT_FALSE(outcome.written);
  EXPECT_TRUE(outcome.reloaded);
  EXPECT_EQ(nginx.installs, 1);
  EXPECT_EQ(nginx.reloads, 2);
}

TEST(ConfigApplierTest, TheConfigAlreadyOnDiskIsNotWrittenAgain) {
  FakeNginx nginx;
  auto input = Input({Container("a", "a.test", "172.20.0.2")});
  std::string on_disk;
  {
    FakeNginx first;
    ConfigApplier earlier(first);
    (void)earlier.Apply(input);
    on_disk = first.live;
  }
  ConfigApplier applier(nginx);
  applier.AssumeInstalled(on_disk);
  ApplyOutcome outcome = applier.Apply(input);
  EXPECT_EQ(outcome.kind, ApplyOutcome::Kind::kInstalled);
  EXPECT_EQ(outcome.tests, 1);
  EXPECT_FALSE(outcome.written);
  EXPECT_FALSE(outcome.reloaded);
  EXPECT_EQ(nginx.installs, 0);
}

TEST(ConfigApplierTest, AFailedReloadIsReportedAndRetried) {
  FakeNginx nginx;
  nginx.reload_error = "reload nginx: kill(42, SIGHUP): No such process";
  ConfigApplier applier(nginx);
  auto input = Input({Container("a", "a.test", "172.20.0.2")});
  ApplyOutcome outcome = applier.Apply(input);
  EXPECT_EQ(outcome.kind, ApplyOutcome::Kind::kInstalled);
  EXPECT_TRUE(outcome.written);
  EXPECT_FALSE(outcome.reloaded);
  EXPECT_EQ(outcome.error, *nginx.reload_error);
  nginx.reload_error.reset();
  ApplyOutcome retried = applier.Apply(input);
  EXPECT_FALSE(retried.written);
  EXPECT_TRUE(retried.reloaded) << "the next apply reloads what the failed one could not";
  EXPECT_EQ(applier.Apply(input).kind, ApplyOutcome::Kind::kUnchanged);
}

}  // namespace
}  // namespace webvps::proxy_gen
