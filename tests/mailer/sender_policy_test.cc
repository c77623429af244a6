#include "mailer/sender_policy.h"

#include <gtest/gtest.h>

namespace webvps::mailer {
namespace {

Site Shop() {
  Site site;
  site.name = "shop";
  site.id = 1;
  site.host = "www.shop.test";
  site.aliases = {"boutique.test"};
  site.mail_senders = {"news@letters.test", "@shop-mail.test"};
  return site;
}

TEST(SenderPolicyTest, TheSitesDomainsAreItsHostsAliasesWithoutWwwAndItsSenders) {
  SiteSenders senders = SendersOf(Shop());
  EXPECT_TRUE(MaySend(senders, "info@shop.test"));
  EXPECT_TRUE(MaySend(senders, "Info@WWW.Shop.Test"));
  EXPECT_TRUE(MaySend(senders, "a@boutique.test"));
  EXPECT_TRUE(MaySend(senders, "news@letters.test"));
  EXPECT_TRUE(MaySend(senders, "anyone@shop-mail.test"));
  EXPECT_FALSE(MaySend(senders, "other@letters.test"));
  EXPECT_FALSE(MaySend(senders, "ceo@bank.test"));
  EXPECT_FALSE(MaySend(senders, "x@evilshop.test"));
  EXPECT_FALSE(MaySend(senders, "x@shop.test.evil.test"));
  EXPECT_FALSE(MaySend(senders, "no-at-sign"));
  EXPECT_EQ(senders.default_sender, "webmaster@shop.test");
  Site custom = Shop();
  custom.mail_sender = "noreply@shop.test";
  EXPECT_EQ(SendersOf(custom).default_sender, "noreply@shop.test");
}

TEST(SenderPolicyTest, AMessageOfTheSiteGoesAsItIs) {
  auto result = ApplySenderPolicy(SendersOf(Shop()), SenderPolicyMode::kRewrite, "info@shop.test",
                                  "From: Shop <info@shop.test>\nSubject: hi\n\n");
  EXPECT_FALSE(result.rewritten);
  EXPECT_FALSE(result.refused);
  EXPECT_EQ(result.sender, "info@shop.test");
  EXPECT_EQ(result.headers, "From: Shop <info@shop.test>\nSubject: hi\n\n");
}

TEST(SenderPolicyTest, AForgedSenderIsRewrittenWithTheOriginalInReplyTo) {
  auto result = ApplySenderPolicy(SendersOf(Shop()), SenderPolicyMode::kRewrite, "ceo@bank.test",
                                  "Subject: urgent\nFrom: The CEO <ceo@bank.test>\nSender: ceo@bank.test\n\n");
  EXPECT_TRUE(result.rewritten);
  EXPECT_EQ(result.sender, "webmaster@shop.test");
  EXPECT_EQ(result.headers, "Subject: urgent\nFrom: The CEO <webmaster@shop.test>\nReply-To: The CEO <ceo@bank.test>\n\n");
  EXPECT_EQ(result.reason,
            "rewritten by the sender policy: envelope sender <ceo@bank.test> and From: The CEO <ceo@bank.test> -> "
            "webmaster@shop.test");
}

TEST(SenderPolicyTest, AnExistingReplyToIsKeptAndAMissingFromIsAdded) {
  auto kept = ApplySenderPolicy(SendersOf(Shop()), SenderPolicyMode::kRewrite, "info@shop.test",
                                "From: x@bank.test\nReply-To: help@shop.test\n\n");
  EXPECT_EQ(kept.sender, "info@shop.test") << "the envelope was the site's";
  EXPECT_EQ(kept.headers, "From: webmaster@shop.test\nReply-To: help@shop.test\n\n");
  auto none = ApplySenderPolicy(SendersOf(Shop()), SenderPolicyMode::kRewrite, "info@shop.test", "Subject: x\n\n");
  EXPECT_EQ(none.headers, "Subject: x\nFrom: webmaster@shop.test\n\n");
}

TEST(SenderPolicyTest, TwoFromFieldsOrAListAreNoSingleAuthor) {
  auto two = ApplySenderPolicy(SendersOf(Shop()), SenderPolicyMode::kRewrite, "info@shop.test",
                               "From: info@shop.test\nFrom: ceo@bank.test\n\n");
  EXPECT_TRUE(two.rewritten);
  EXPECT_EQ(two.headers, "From: webmaster@shop.test\n\n");
  EXPECT_EQ(FromAddress("info@shop.test, ceo@bank.test"), std::nullopt);
  EXPECT_EQ(FromAddress("\"Shop, the\" <Info@Shop.test>"), "info@shop.test");
  EXPECT_EQ(FromAddress("info@shop.test (Shop <ceo@bank.test>)"), "info@shop.test");
}

TEST(SenderPolicyTest, AFromHiddenBehindABareCrIsSeenAsTheRelayWillSeeIt) {
  // "Subject: x\rFrom: ceo@bank.test" is two lines once the bare CR is a line end.
  auto result = ApplySenderPolicy(SendersOf(Shop()), SenderPolicyMode::kRewrite, "info@shop.test",
                                  "From: info@shop.test\nSubject: x\rFrom: ceo@bank.test\n\n");
  EXPECT_TRUE(result.rewritten) << "two From: fields once the CR is a line end";
  EXPECT_EQ(result.headers, "From: webmaster@shop.test\nSubject: x\n\n");
}

TEST(SenderPolicyTest, RefuseModeRefusesWithAReasonAndOffModeChangesNothing) {
  auto refused = ApplySenderPolicy(SendersOf(Shop()), SenderPolicyMode::kRefuse, "ceo@bank.test", "From: ceo@bank.test\n\n");
  EXPECT_TRUE(refused.refused);
  EXPECT_EQ(refused.reason,
            "refused by the sender policy: envelope sender <ceo@bank.test> and From: ceo@bank.test is not an address of this site");
  auto off = ApplySenderPolicy(SendersOf(Shop()), SenderPolicyMode::kOff, "ceo@bank.test", "From: ceo@bank.test\r\n\r\n");
  EXPECT_FALSE(off.rewritten);
  EXPECT_EQ(off.headers, "From: ceo@bank.test\r\n\r\n");
}

TEST(SenderPolicyTest, TheNullSenderStays) {
  auto result = ApplySenderPolicy(SendersOf(Shop()), SenderPolicyMode::kRewrite, "", "From: info@shop.test\n\n");
  EXPECT_EQ(result.sender, "");
  EXPECT_FALSE(result.rewritten);
}

TEST(SenderPolicyTest, HeaderBlockLengthFindsTheEmptyLineWithLfOrCrlf) {
  EXPECT_EQ(HeaderBlockLength("A: b\n\nbody", 100), 6u);
  EXPECT_EQ(HeaderBlockLength("A: b\r\n\r\nbody", 100), 8u);
  EXPECT_EQ(HeaderBlockLength("A: b\nno end", 100), std::nullopt);
}

}  // namespace
}  // namespace webvps::mailer
