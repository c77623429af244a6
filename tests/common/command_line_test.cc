#include "command_line.h"

#include <gtest/gtest.h>

namespace webvps {
namespace {

const std::vector<OptionSpec> kSpecs = {
    {"help", "", "show help"},
    {"config", "FILE", "config file"},
    {"check", "", "check"},
};

TEST(CommandLineTest, ParsesFlagsValuesAndArguments) {
  auto parsed = ParseCommandLine({"--check", "--config", "a.yaml", "resume", "demo"}, kSpecs);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  EXPECT_TRUE(parsed->Has("check"));
  EXPECT_EQ(parsed->Value("config"), "a.yaml");
  EXPECT_EQ(parsed->arguments, (std::vector<std::string>{"resume", "demo"}));
  EXPECT_FALSE(parsed->Has("help"));
}

TEST(CommandLineTest, AcceptsInlineValuesAndDoubleDash) {
  auto parsed = ParseCommandLine({"--config=b.yaml", "--", "--not-an-option"}, kSpecs);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->Value("config"), "b.yaml");
  EXPECT_EQ(parsed->arguments, std::vector<std::string>{"--not-an-option"});
}

TEST(CommandLineTest, ShortHelp) {
  auto parsed = ParseCommandLine({"-h"}, kSpecs);
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(parsed->Has("help"));
}

TEST(CommandLineTest, ErrorsSayWhatIsWrong) {
  EXPECT_EQ(ParseCommandLine({"--colour"}, kSpecs).error().message(), "unknown option '--colour' (see --help)");
  EXPECT_EQ(ParseCommandLine({"--config"}, kSpecs).error().message(), "option '--config' needs a value (FILE)");
  EXPECT_EQ(ParseCommandLine({"--check=yes"}, kSpecs).error().message(), "option '--check' takes no value");
  EXPECT_EQ(ParseCommandLine({"-x"}, kSpecs).error().message(), "unknown option '-x' (options are long: --name)");
}

TEST(CommandLineTest, FormatsAlignedHelp) {
  EXPECT_EQ(FormatOptions(kSpecs),
            "  --help         show help\n"
            "  --config FILE  config file\n"
            "  --check        check\n");
}

}  // namespace
}  // namespace webvps
