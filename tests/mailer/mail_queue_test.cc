#include "mailer/mail_queue.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace webvps::mailer {
namespace {

using std::chrono::seconds;

const WallTime kStart = FromUnixSeconds(1'800'000'000);

Registry TwoSites() {
  Registry registry;
  registry.admin_email = "admin@hoster.test";
  for (const char* name : {"alpha", "beta"}) {
    Site site;
    site.name = name;
    site.id = name[0] == 'a' ? 1 : 2;
    site.host = std::string(name) + ".test";
    registry.sites.push_back(site);
  }
  return registry;
}

AttemptReport Reply(int transaction, std::vector<std::pair<std::string, int>> recipients) {
  AttemptReport report;
  report.transaction = {transaction, "x"};
  for (const auto& [address, code] : recipients) report.recipients.push_back({address, {code, "r"}});
  return report;
}

class MailQueueTest : public ::testing::Test {
 protected:
  MailQueueTest() : queue_(QueueLimits{}, RetryPolicy{}, 8, 50) { queue_.SetRegistry(&registry_); }

  MailQueue::Admission Arrive(const std::string& site, const std::string& name, int recipients = 1, uint64_t size = 1000,
                              WallTime at = kStart) {
    return queue_.Arrive({site, name}, recipients, size, true, at);
  }
  size_t Dispatched(const std::vector<std::vector<MessageKey>>& batches) {
    size_t total = 0;
    for (const auto& batch : batches) total += batch.size();
    return total;
  }

  Registry registry_ = TwoSites();
  MailQueue queue_;
};

TEST_F(MailQueueTest, OneMessageToFiveThousandCountsFiveThousandTimesAndIsRefusedOverTheCap) {
  auto admission = Arrive("alpha", "m1", 5000);
  EXPECT_EQ(admission.verdict, MailQueue::Admission::Verdict::kRefused);
  EXPECT_EQ(admission.reason, "more recipients than one message may have (5000 > 100)");
  EXPECT_TRUE(admission.paused) << "5,000 recipients are over the window's 200 however they are cut";
  EXPECT_TRUE(queue_.limiter().Paused("alpha"));
  EXPECT_FALSE(queue_.limiter().Paused("beta"));
  EXPECT_FALSE(queue_.Knows({"alpha", "m1"})) << "a refused message is not queued";
}

TEST_F(MailQueueTest, TheWindowCountsRecipientsNotFiles) {
  for (int i = 0; i < 2; ++i) {
    EXPECT_FALSE(Arrive("alpha", "m" + std::to_string(i), 100).paused);
  }
  auto third = Arrive("alpha", "m2", 1);
  EXPECT_TRUE(third.paused) << "201 recipients in 3 files";
  EXPECT_EQ(third.verdict, MailQueue::Admission::Verdict::kAccepted) << "held, not refused";
  EXPECT_EQ(Dispatched(queue_.Dispatch(8, kStart)), 0u);
  queue_.limiter().Resume("alpha");
  EXPECT_EQ(Dispatched(queue_.Dispatch(8, kStart)), 3u);
}

TEST_F(MailQueueTest, AFullQueuePausesTheSiteAndRefusesItsNewMailOnly) {
  QueueLimits limits;
  limits.queued_bytes = 3000;
  MailQueue queue(limits, RetryPolicy{}, 8, 50);
  queue.SetRegistry(&registry_);
  EXPECT_EQ(queue.Arrive({"alpha", "1"}, 1, 2000, true, kStart).verdict, MailQueue::Admission::Verdict::kAccepted);
  auto over = queue.Arrive({"alpha", "2"}, 1, 2000, true, kStart);
  EXPECT_EQ(over.verdict, MailQueue::Admission::Verdict::kRefused);
  EXPECT_TRUE(over.paused);
  EXPECT_NE(over.reason.find("the site's queue already holds"), std::string::npos) << over.reason;
  EXPECT_EQ(queue.Arrive({"beta", "1"}, 1, 2000, true, kStart).verdict, MailQueue::Admission::Verdict::kAccepted);
  EXPECT_EQ(queue.CountsOf("alpha").bytes, 2000u);
}

TEST_F(MailQueueTest, MailHeldWhilePausedIsCapped) {
  QueueLimits limits;
  limits.held_messages = 3;
  MailQueue queue(limits, RetryPolicy{}, 8, 50);
  queue.SetRegistry(&registry_);
  queue.limiter().Hold("alpha", kStart);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(queue.Arrive({"alpha", std::to_string(i)}, 1, 10, true, kStart).verdict, MailQueue::Admission::Verdict::kAccepted);
  }
  auto fourth = queue.Arrive({"alpha", "3"}, 1, 10, true, kStart);
  EXPECT_EQ(fourth.verdict, MailQueue::Admission::Verdict::kRefused);
  EXPECT_EQ(fourth.reason, "the site's mail is paused and 3 messages are held already (the limit is 3)");
}

TEST_F(MailQueueTest, ReadyMailIsSpreadOverTheFreeSessionsRoundRobin) {
  for (int i = 0; i < 190; ++i) Arrive("alpha", "a" + std::to_string(1000 + i), 1, 10, kStart - std::chrono::hours(1));
  for (int i = 0; i < 10; ++i) Arrive("beta", "b" + std::to_string(i), 1, 10, kStart - std::chrono::hours(1));
  auto batches = queue_.Dispatch(8, kStart);
  ASSERT_EQ(batches.size(), 8u);
  for (const auto& batch : batches) EXPECT_EQ(batch.size(), 25u);
  // Round robin: beta's ten are all in the first batches, not behind alpha's 190.
  const auto& first = batches[0];
  EXPECT_EQ(std::count_if(first.begin(), first.end(), [](const MessageKey& k) { return k.site == "beta"; }), 10);
  EXPECT_TRUE(queue_.Dispatch(8, kStart).empty()) << "all in flight";
}

TEST_F(MailQueueTest, SentIsFiledAtOnceAndDeferredWaitsForItsBackoff) {
  Arrive("alpha", "1");
  Arrive("alpha", "2");
  auto batches = queue_.Dispatch(1, kStart);
  ASSERT_EQ(batches.size(), 1u);
  ASSERT_EQ(batches[0].size(), 2u);
  auto sent = queue_.Attempted({"alpha", "1"}, Reply(250, {{"r@x.test", 250}}), kStart);
  EXPECT_EQ(sent.kind, MailQueue::Filing::Kind::kSent);
  auto deferred = queue_.Attempted({"alpha", "2"}, Reply(451, {{"r@x.test", 250}}), kStart);
  EXPECT_EQ(deferred.kind, MailQueue::Filing::Kind::kDeferred);
  EXPECT_EQ(deferred.record.attempts, 1);
  EXPECT_TRUE(queue_.Dispatch(8, kStart).empty()) << "the sent one is filed, the deferred one waits";
  queue_.Forget({"alpha", "1"});
  ASSERT_TRUE(queue_.NextWake(kStart));
  EXPECT_EQ(*queue_.NextWake(kStart), kStart + seconds(30));
  EXPECT_EQ(Dispatched(queue_.Dispatch(8, kStart + seconds(30))), 1u);
}

TEST_F(MailQueueTest, AllRecipientsRefusedFailsWithEachReason) {
  Arrive("alpha", "1", 2);
  queue_.Dispatch(8, kStart);
  auto failed = queue_.Attempted({"alpha", "1"}, Reply(554, {{"a@x.test", 550}, {"b@x.test", 550}}), kStart);
  EXPECT_EQ(failed.kind, MailQueue::Filing::Kind::kFailed);
  EXPECT_EQ(failed.refused.size(), 2u);
  EXPECT_NE(failed.reason.find("<a@x.test>: 550 r"), std::string::npos) << failed.reason;
}

TEST_F(MailQueueTest, ARelayProblemBacksOffTheRelayNotTheMessages) {
  Arrive("alpha", "1");
  Arrive("beta", "1");
  auto batches = queue_.Dispatch(8, kStart);
  ASSERT_EQ(Dispatched(batches), 2u);
  for (const auto& batch : batches) {
    for (const auto& key : batch) queue_.Untried(key);
  }
  EXPECT_TRUE(queue_.RelayFailed({535, "5.7.8 authentication failed"}, "AUTH", kStart)) << "an outage starts";
  EXPECT_TRUE(queue_.Dispatch(8, kStart + seconds(14)).empty());
  auto retry = queue_.Dispatch(8, kStart + seconds(15));
  ASSERT_EQ(retry.size(), 1u) << "one session tries the relay while it is down";
  for (const auto& key : retry[0]) queue_.Untried(key);
  EXPECT_FALSE(queue_.RelayFailed({535, "again"}, "AUTH", kStart + seconds(15))) << "the same outage: alerted once";
  EXPECT_EQ(queue_.relay().next_try, kStart + seconds(45)) << "the backoff doubles";
  EXPECT_EQ(queue_.relay().last_problem, "AUTH: 535 again");
  EXPECT_EQ(queue_.RetryOf({"alpha", "1"}), nullptr) << "no message counted an attempt";
  EXPECT_TRUE(queue_.RelayWorked(kStart + seconds(50)));
  EXPECT_FALSE(queue_.relay().down);
  EXPECT_EQ(Dispatched(queue_.Dispatch(8, kStart + seconds(50))), 2u);
}

TEST_F(MailQueueTest, ASiteNotInTheRegistryIsHeldAndWithoutARegistryOnlyTheMailersOwnMailGoes) {
  Arrive("gamma", "1");
  Arrive("alpha", "1");
  auto batches = queue_.Dispatch(8, kStart);
  ASSERT_EQ(Dispatched(batches), 1u);
  EXPECT_EQ(batches[0][0].site, "alpha");
  queue_.Untried(batches[0][0]);
  queue_.SetRegistry(nullptr);
  queue_.Arrive({kInternalSite, "alert"}, 1, 10, false, kStart);
  batches = queue_.Dispatch(8, kStart);
  ASSERT_EQ(Dispatched(batches), 1u);
  EXPECT_EQ(batches[0][0].site, kInternalSite);
  EXPECT_EQ(queue_.CountsOf("gamma").queued, 1u) << "kept, not dropped";
}

TEST_F(MailQueueTest, TheMailersOwnMailIsNeverLimited) {
  for (int i = 0; i < 300; ++i) {
    auto admission = queue_.Arrive({kInternalSite, std::to_string(i)}, 500, 10, true, kStart);
    EXPECT_EQ(admission.verdict, MailQueue::Admission::Verdict::kAccepted);
  }
  EXPECT_FALSE(queue_.limiter().Paused(kInternalSite));
}

TEST_F(MailQueueTest, ARecheckCountsTheRecipientsAFileGrewAndAppliesTheCapAgain) {
  Arrive("alpha", "1", 1);
  queue_.Dispatch(8, kStart);
  auto grown = queue_.Recheck({"alpha", "1"}, 300, 1000, kStart);
  EXPECT_TRUE(grown.paused);
  EXPECT_EQ(grown.verdict, MailQueue::Admission::Verdict::kRefused);
}

TEST_F(MailQueueTest, FoundByAScanItDoesNotCountAgain) {
  for (int i = 0; i < 300; ++i) queue_.Arrive({"alpha", std::to_string(i)}, 1, 10, false, kStart);
  EXPECT_FALSE(queue_.limiter().Paused("alpha"));
}

}  // namespace
}  // namespace webvps::mailer
