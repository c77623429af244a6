#include "logging.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <spdlog/details/log_msg.h>

namespace webvps {
namespace {

std::string FormatJson(const std::string& program, spdlog::level::level_enum level, const std::string& text) {
  auto formatter = MakeJsonFormatter(program);
  spdlog::details::log_msg message("logger", level, text);
  spdlog::memory_buf_t out;
  formatter->format(message, out);
  return std::string(out.data(), out.size());
}

TEST(LoggingTest, JsonLinesCarryProgramLevelAndEscapedMessage) {
  std::string line = FormatJson("mailer", spdlog::level::warn, "site \"demo\"\npaused\t\x01");
  ASSERT_TRUE(line.ends_with("}\n"));
  EXPECT_EQ(line.find('\n'), line.size() - 1) << "one line per message, whatever the message holds";
  auto json = nlohmann::json::parse(line);
  EXPECT_EQ(json["program"], "mailer");
  EXPECT_EQ(json["level"], "warning");
  EXPECT_EQ(json["message"], "site \"demo\"\npaused\t\x01");
  EXPECT_TRUE(json["time"].get<std::string>().ends_with("Z"));
}

TEST(LoggingTest, ParsesFormatsAndLevels) {
  EXPECT_EQ(*ParseLogFormat("json"), LogFormat::kJson);
  EXPECT_EQ(*ParseLogFormat("text"), LogFormat::kText);
  EXPECT_EQ(ParseLogFormat("xml").error().message(), "log format must be text or json, got \"xml\"");
  EXPECT_TRUE(CheckLogLevel("debug").ok());
  EXPECT_FALSE(CheckLogLevel("loud").ok());
  EXPECT_FALSE(SetupLogging("x", {.level = "loud"}).ok());
}

}  // namespace
}  // namespace webvps
