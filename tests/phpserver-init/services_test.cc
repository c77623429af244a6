#include "phpserver-init/services.h"

#include <gtest/gtest.h>

#include <csignal>

namespace webvps::phpserver_init {
namespace {

using namespace std::chrono_literals;

TEST(ServicesTest, ParsesTheImageDefault) {
  auto services = ParseServices(R"(services:
  - name: apache
    command: [/bin/sh, -c, ". /etc/apache2/envvars && exec apache2 -DFOREGROUND"]
    stop_signal: SIGWINCH
    reload_signal: USR1
    config_test: apache2ctl -t
    restart: always
    main: true
    backoff_initial: 250ms
    backoff_max: 10s
    crash_loop_limit: 5
  - name: cron
    command: [cron, -f]
    restart: on-failure
)", "services.yaml");
  ASSERT_TRUE(services.ok()) << services.error().message();
  ASSERT_EQ(services->size(), 2u);
  const ServiceSpec& apache = (*services)[0];
  EXPECT_EQ(apache.command.size(), 3u);
  EXPECT_EQ(apache.stop_signal, SIGWINCH);
  EXPECT_EQ(apache.reload_signal, SIGUSR1);
  EXPECT_EQ(apache.config_test, "apache2ctl -t");
  EXPECT_TRUE(apache.main);
  EXPECT_EQ(apache.backoff_initial, 250ms);
  EXPECT_EQ(apache.crash_loop_limit, 5);
  const ServiceSpec& cron = (*services)[1];
  EXPECT_EQ(cron.stop_signal, SIGTERM);
  EXPECT_EQ(cron.restart, RestartPolicy::kOnFailure);
  EXPECT_FALSE(cron.main);
}

struct BadCase {
  const char* title;
  const char* text;
  const char* expected;
};

void PrintTo(const BadCase& c, std::ostream* out) { *out << c.title; }

class ServicesInvalidTest : public testing::TestWithParam<BadCase> {};

TEST_P(ServicesInvalidTest, NamesLineAndKey) {
  auto services = ParseServices(GetParam().text, "s.yaml");
  ASSERT_FALSE(services.ok());
  EXPECT_NE(services.error().message().find(GetParam().expected), std::string::npos) << services.error().message();
}

const BadCase kBadCases[] = {
    {"no list", "services: 3\n", "s.yaml:1: expected a map with a list `services:`"},
    {"empty", "services: []\n", "the list is empty"},
    {"unknown key", "services:\n  - name: a\n    command: [a]\n    colour: red\n", "s.yaml:4: services[0].colour: unknown key"},
    {"bad signal", "services:\n  - name: a\n    command: [a]\n    stop_signal: SIGNOPE\n", "s.yaml:4: services[0].stop_signal: unknown signal \"SIGNOPE\""},
    {"bad restart", "services:\n  - name: a\n    command: [a]\n    restart: sometimes\n", "expected always, on-failure or never"},
    {"command not a list", "services:\n  - name: a\n    command: apache2\n", "services[0].command: expected a non-empty list"},
    {"missing command", "services:\n  - name: a\n", "services[0].command: missing"},
    {"missing name", "services:\n  - command: [a]\n", "services[0].name: missing"},
    {"duplicate", "services:\n  - {name: a, command: [a]}\n  - {name: a, command: [b]}\n", "services[1].name: service \"a\" is defined twice"},
    {"bad duration", "services:\n  - {name: a, command: [a], backoff_max: soon}\n", "services[0].backoff_max: expected a duration"},
    {"bad limit", "services:\n  - {name: a, command: [a], crash_loop_limit: 0}\n", "expected a positive integer"},
    {"top-level key", "services: [{name: a, command: [a]}]\nextra: 1\n", "s.yaml:2: extra: unknown key"},
};

INSTANTIATE_TEST_SUITE_P(Table, ServicesInvalidTest, testing::ValuesIn(kBadCases));

}  // namespace
}  // namespace webvps::phpserver_init
