#include "mailer/control.h"

#include <gtest/gtest.h>


namespace webvps::mailer {
namespace {

TEST(ControlRequestTest, CommandsAndUsageErrors) {
  EXPECT_EQ(*ControlRequestFor({"status"}), "status");
  EXPECT_EQ(*ControlRequestFor({"resume", "shop"}), "resume shop");
  EXPECT_EQ(*ControlRequestFor({"hold", "shop"}), "hold shop");
  EXPECT_EQ(ControlRequestFor({"resume"}).error().message(), "usage: mailer resume SITE");
  EXPECT_EQ(ControlRequestFor({"resume", "../etc"}).error().message(), "\"../etc\" is not a site name");
  EXPECT_EQ(ControlRequestFor({"status", "x"}).error().message(), "usage: mailer status");
  EXPECT_EQ(ControlRequestFor({"flush"}).error().message(), "unknown command \"flush\" (status, hold SITE, resume SITE)");
}

}  // namespace
}  // namespace webvps::mailer
