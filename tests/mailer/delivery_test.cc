#include "mailer/delivery.h"

#include <gtest/gtest.h>

namespace webvps::mailer {
namespace {

using namespace std::chrono_literals;

WallTime At(long long seconds) { return WallTime(std::chrono::seconds(seconds)); }

AttemptReport Report(SmtpReply transaction, std::vector<RecipientReply> recipients) {
  return AttemptReport{std::move(transaction), std::move(recipients), 5ms};
}

TEST(ClassifyAttemptTest, AllAcceptedIsSent) {
  auto outcome = ClassifyAttempt(Report({250, "ok"}, {{"a@x.test", {250, "ok"}}, {"b@x.test", {250, "ok"}}}));
  EXPECT_EQ(outcome.outcome, Outcome::kSent);
  EXPECT_EQ(outcome.accepted, (std::vector<std::string>{"a@x.test", "b@x.test"}));
  EXPECT_EQ(outcome.summary.ToString(), "250 ok");
}

TEST(ClassifyAttemptTest, RecipientAcceptedButDataRefusedTemporarilyIsDeferred) {
  auto outcome = ClassifyAttempt(Report({451, "local error"}, {{"a@x.test", {250, "ok"}}}));
  EXPECT_EQ(outcome.outcome, Outcome::kDeferred);
  EXPECT_TRUE(outcome.accepted.empty());
  EXPECT_EQ(outcome.pending, (std::vector<std::string>{"a@x.test"}));
}

TEST(ClassifyAttemptTest, NoReplyAtAllIsDeferredWithTheReason) {
  auto outcome = ClassifyAttempt(Report({0, "Connection refused"}, {{"a@x.test", {}}}));
  EXPECT_EQ(outcome.outcome, Outcome::kDeferred);
  EXPECT_EQ(outcome.summary.ToString(), "no reply: Connection refused");
}

TEST(ClassifyAttemptTest, RefusedRecipientIsFailedAndTheSummaryIsItsReply) {
  auto outcome = ClassifyAttempt(Report({503, "need RCPT"}, {{"a@x.test", {550, "no such user"}}}));
  EXPECT_EQ(outcome.outcome, Outcome::kFailed);
  ASSERT_EQ(outcome.rejected.size(), 1u);
  EXPECT_EQ(outcome.rejected[0].reply.ToString(), "550 no such user");
  EXPECT_EQ(outcome.summary.ToString(), "550 no such user");
}

TEST(ClassifyAttemptTest, DataRefusedForGoodFailsEveryRecipient) {
  auto outcome = ClassifyAttempt(Report({554, "spam"}, {{"a@x.test", {250, "ok"}}, {"b@x.test", {250, "ok"}}}));
  EXPECT_EQ(outcome.outcome, Outcome::kFailed);
  ASSERT_EQ(outcome.rejected.size(), 2u);
  EXPECT_EQ(outcome.rejected[1].reply.ToString(), "554 spam");
}

TEST(ClassifyAttemptTest, MixedOutcomesDeferTheRestOnly) {
  auto outcome = ClassifyAttempt(Report(
      {250, "queued"}, {{"ok@x.test", {250, "ok"}}, {"later@x.test", {451, "greylisted"}}, {"bad@x.test", {550, "unknown"}}}));
  EXPECT_EQ(outcome.outcome, Outcome::kDeferred);
  EXPECT_EQ(outcome.accepted, (std::vector<std::string>{"ok@x.test"}));
  EXPECT_EQ(outcome.pending, (std::vector<std::string>{"later@x.test"}));
  ASSERT_EQ(outcome.rejected.size(), 1u);
  EXPECT_EQ(outcome.rejected[0].recipient, "bad@x.test");
  EXPECT_EQ(outcome.summary.ToString(), "451 greylisted");
}

TEST(RetryRecordsTest, RoundTripAndSurviveOddText) {
  RetryRecords records;
  records["1700000000.123"] = RetryRecord{3, At(1700000000), At(1700000240), {"a@x.test", "b@x.test"}, {"c@x.test"},
                                          "451 try\tlater\nplease"};
  records["other"] = RetryRecord{1, At(5), At(35), {}, {}, ""};
  auto text = SerializeRetryRecords(records);
  auto parsed = ParseRetryRecords(text);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  EXPECT_EQ(parsed->at("other"), records["other"]);
  EXPECT_EQ(parsed->at("1700000000.123").last_reply, "451 try later please");
  EXPECT_EQ(parsed->at("1700000000.123").delivered, records["1700000000.123"].delivered);
}

TEST(RetryRecordsTest, BrokenLinesAreNamed) {
  EXPECT_EQ(ParseRetryRecords("a\t1\t2\n").error().message(), "line 1: expected 7 tab-separated fields, found 3");
  EXPECT_EQ(ParseRetryRecords("\na\tx\t2\t3\t\t\t\n").error().message(), "line 2: bad attempt count \"x\"");
  EXPECT_EQ(ParseRetryRecords("../a\t1\t2\t3\t\t\t\n").error().message(), "line 1: bad queue file name");
}

TEST(RetryRecordsTest, TimesAndCountsOutOfRangeAreErrors) {
  // Found by fuzz/mailer_records_fuzz.cc: seconds past 2262 overflow the clock's nanoseconds.
  EXPECT_EQ(ParseRetryRecords("a\t1\t99999999999\t3\t\t\t\n").error().message(),
            "line 1: bad time (seconds since 1970, up to the year 2200)");
  EXPECT_FALSE(ParseRetryRecords("a\t1\t-1\t3\t\t\t\n").ok());
  EXPECT_FALSE(ParseRetryRecords("a\t1\t2\t-9223372036854775808\t\t\t\n").ok());
  EXPECT_FALSE(ParseRetryRecords("a\t4294967296\t2\t3\t\t\t\n").ok());
  EXPECT_TRUE(ParseRetryRecords("a\t1\t7258118400\t7258118400\t\t\t\n").ok());
}

TEST(RetryRecordsTest, AControlCharacterIsATornRecord) {
  // Found by fuzz/mailer_records_fuzz.cc: a CR in a name read back as a space after the next write.
  EXPECT_EQ(ParseRetryRecords("a\rb\t1\t2\t3\t\t\t\n").error().message(), "line 1: control character in a record");
  EXPECT_FALSE(ParseRetryRecords("a\t1\t2\t3\tx@y.test\r\t\t\n").ok());
  EXPECT_FALSE(ParseRetryRecords("a\t1\t2\t3\t\t\t451 \x01\n").ok());
}

TEST(RecordFailureTest, BacksOffThenGivesUp) {
  RetryPolicy policy{30s, 3600s, std::chrono::hours(1)};
  AttemptOutcome outcome;
  outcome.outcome = Outcome::kDeferred;
  outcome.accepted = {"ok@x.test"};
  outcome.pending = {"later@x.test"};
  outcome.summary = {451, "later"};
  RetryRecord record;
  ASSERT_TRUE(RecordFailure(record, outcome, policy, At(1000)));
  EXPECT_EQ(record.attempts, 1);
  EXPECT_EQ(record.first_failure, At(1000));
  EXPECT_EQ(record.next_attempt, At(1030));
  EXPECT_EQ(record.delivered, (std::vector<std::string>{"ok@x.test"}));
  outcome.accepted.clear();
  ASSERT_TRUE(RecordFailure(record, outcome, policy, At(1030)));
  EXPECT_EQ(record.next_attempt, At(1090));
  EXPECT_FALSE(RecordFailure(record, outcome, policy, At(1000 + 3600)));
  EXPECT_EQ(record.last_reply, "451 later");
}

TEST(BounceTest, NamesRecipientsRepliesAndOriginalHeaders) {
  std::string bounce = RenderBounce("web@site.test", {{"bad@x.test", {550, "5.1.1 no such user"}}},
                                    "Subject: hello\nFrom: web@site.test\n\nsecret body\n", "mailer.host", At(0));
  EXPECT_NE(bounce.find("To: <web@site.test>\n"), std::string::npos);
  EXPECT_NE(bounce.find("Content-Type: multipart/report; report-type=delivery-status"), std::string::npos);
  EXPECT_NE(bounce.find("  <bad@x.test>: 550 5.1.1 no such user\n"), std::string::npos);
  EXPECT_NE(bounce.find("Final-Recipient: rfc822; bad@x.test\nAction: failed\nStatus: 5.0.0\n"), std::string::npos);
  EXPECT_NE(bounce.find("Subject: hello\nFrom: web@site.test\n"), std::string::npos);
  EXPECT_EQ(bounce.find("secret body"), std::string::npos);  // headers only, not the body
  EXPECT_NE(bounce.find("Auto-Submitted: auto-replied"), std::string::npos);
}

TEST(PauseAlertTest, SaysHowManySinceWhenAndHowToResume) {
  SitePause pause{At(1700000000), 201, {}};
  std::string alert = RenderPauseAlert("shop", pause, MailLimit{200, 120s}, "mailer@host.test",
                                       {"admin@host.test", "owner@shop.test"}, At(1700000005));
  EXPECT_NE(alert.find("To: admin@host.test, owner@shop.test\n"), std::string::npos);
  EXPECT_NE(alert.find("Subject: [webvps] mail of site shop is paused\n"), std::string::npos);
  EXPECT_NE(alert.find("queued 201 mails (one per recipient) within 120 seconds (the limit is 200)"), std::string::npos);
  EXPECT_NE(alert.find("paused on Tue, 14 Nov 2023 22:13:20 +0000"), std::string::npos);
  EXPECT_NE(alert.find("mailer resume shop"), std::string::npos);
  std::string held = RenderPauseAlert("shop", SitePause{At(0), 0, {}}, MailLimit{}, "m@h.test", {"a@h.test"}, At(0));
  EXPECT_NE(held.find("put on hold by an administrator"), std::string::npos);
  std::string full = RenderPauseAlert("shop", SitePause{At(0), 0, {}, "the site's queue already holds 200 MB"}, MailLimit{},
                                      "m@h.test", {"a@h.test"}, At(0));
  EXPECT_NE(full.find("was paused on Thu, 01 Jan 1970 00:00:00 +0000: the site's queue already holds 200 MB."), std::string::npos)
      << full;
}

TEST(RelayAlertTest, SaysWhatTheRelaySaidForHowLongAndThatNothingFailed) {
  std::string alert = RenderRelayAlert("AUTH: 535 5.7.8 Error: authentication failed", At(1700000000), "m@h.test",
                                       "admin@h.test", 42, At(1700000600));
  EXPECT_NE(alert.find("To: admin@h.test\n"), std::string::npos);
  EXPECT_NE(alert.find("Subject: [webvps] mail waited for the relay\n"), std::string::npos);
  EXPECT_NE(alert.find("From Tue, 14 Nov 2023 22:13:20 +0000 to Tue, 14 Nov 2023 22:23:20 +0000"), std::string::npos) << alert;
  EXPECT_NE(alert.find("    AUTH: 535 5.7.8 Error: authentication failed\n"), std::string::npos);
  EXPECT_NE(alert.find("no message was failed or bounced for it. 42 messages"), std::string::npos) << alert;
}

TEST(OutboxFileTest, EnvelopeHeadersThenMessageWithLfEnds) {
  EXPECT_EQ(RenderOutboxEnvelope("web@demo.test", {"a@x.test", "b@x.test"}),
            "Return-Path: <web@demo.test>\nX-Webvps-Envelope-To: a@x.test, b@x.test\n");
  bool after_cr = false;
  std::string text = OutboxLineEnds("Subject: x\r", after_cr);
  text += OutboxLineEnds("\n\r\nbody\r\nbare\rcr", after_cr);
  EXPECT_EQ(text, "Subject: x\n\nbody\nbare\rcr");
}

TEST(RewriteSenderTest, EnvelopeFromAndReplyTo) {
  auto rewritten = RewriteSender("Web@Demo.Example", "From: Web Master <Web@Demo.Example>\nSubject: x\n\nFrom: not a header\n",
                                 "relay.hoster.test");
  EXPECT_EQ(rewritten.sender, "Web-demo.example@relay.hoster.test");
  EXPECT_EQ(rewritten.message,
            "From: Web Master <Web-demo.example@relay.hoster.test>\nSubject: x\nReply-To: Web Master <Web@Demo.Example>\n\n"
            "From: not a header\n");
}

TEST(RewriteSenderTest, KeepsAnExistingReplyToTheNullSenderAndCrlf) {
  auto kept = RewriteSender("a@b.test", "Reply-To: c@d.test\r\nFrom: a@b.test\r\n\r\nx\r\n", "r.test");
  EXPECT_EQ(kept.message, "Reply-To: c@d.test\r\nFrom: a-b.test@r.test\r\n\r\nx\r\n");
  auto null_sender = RewriteSender("", "From: a@b.test\n\nx\n", "r.test");
  EXPECT_EQ(null_sender.sender, "");
  EXPECT_EQ(null_sender.message, "From: a@b.test\n\nx\n");
  auto off = RewriteSender("a@b.test", "From: a@b.test\n\nx\n", "");
  EXPECT_EQ(off.sender, "a@b.test");
}

}  // namespace
}  // namespace webvps::mailer
