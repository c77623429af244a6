#include "mailer/filing_journal.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "common/temp_dir.h"

namespace webvps::mailer {
namespace {

JournalEntry Failed() {
  return {JournalEntry::Kind::kFailed, "shop", "1764583200.123.4", 98765, "refused by the relay\n<a@x.test>: 550\tno"};
}

TEST(FilingJournalTest, ASlotReadsBackToItsEntry) {
  std::string slot = EncodeJournalSlot(Failed(), 4096);
  EXPECT_EQ(slot.size(), 4096u);
  auto entry = DecodeJournalSlot(slot);
  ASSERT_TRUE(entry.ok()) << entry.error().message();
  ASSERT_TRUE(entry->has_value());
  EXPECT_EQ(**entry, Failed());
  auto empty = DecodeJournalSlot(std::string(4096, '\0'));
  ASSERT_TRUE(empty.ok());
  EXPECT_FALSE(empty->has_value());
}

TEST(FilingJournalTest, ALongReasonIsCutToTheSlot) {
  JournalEntry entry = Failed();
  entry.reason = std::string(10000, '\n');
  std::string slot = EncodeJournalSlot(entry, 4096);
  EXPECT_EQ(slot.size(), 4096u);
  auto decoded = DecodeJournalSlot(slot);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message();
  EXPECT_TRUE((*decoded)->reason.ends_with("... (cut)"));
}

TEST(FilingJournalTest, ATornSlotIsRefused) {
  std::string slot = EncodeJournalSlot(Failed(), 4096);
  std::string torn = slot;
  torn[40] ^= 1;
  EXPECT_FALSE(DecodeJournalSlot(torn).ok());
  EXPECT_FALSE(DecodeJournalSlot(slot.substr(0, 30)).ok());
  EXPECT_FALSE(DecodeJournalSlot("garbage").ok());
}

TEST(FilingJournalTest, EntriesSurviveAReopenAndRemovedOnesDoNot) {
  TempDir dir;
  std::string path = (dir.path() / "journal").string();
  std::vector<std::string> problems;
  {
    auto journal = FilingJournal::Open(path, problems);
    ASSERT_TRUE(journal.ok()) << journal.error().message();
    struct stat info {};
    ASSERT_EQ(::stat(path.c_str(), &info), 0);
    EXPECT_EQ(info.st_size, static_cast<off_t>(FilingJournal::kSlotSize * FilingJournal::kSlots)) << "preallocated";
    auto first = journal->Add(Failed());
    ASSERT_TRUE(first.ok());
    JournalEntry sent{JournalEntry::Kind::kSent, "_mailer", "2", 7, ""};
    auto second = journal->Add(sent);
    ASSERT_TRUE(second.ok());
    EXPECT_NE(*first, *second);
    ASSERT_TRUE(journal->Remove(*first).ok());
  }
  auto again = FilingJournal::Open(path, problems);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(problems.empty());
  ASSERT_EQ(again->entries().size(), 1u);
  EXPECT_EQ(again->entries().begin()->second.name, "2");
}

TEST(FilingJournalTest, AForeignSlotIsReportedAndCleared) {
  TempDir dir;
  std::string path = (dir.path() / "journal").string();
  std::ofstream(path) << "not a journal";
  std::vector<std::string> problems;
  auto journal = FilingJournal::Open(path, problems);
  ASSERT_TRUE(journal.ok());
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("slot 0: not a journal slot; cleared"), std::string::npos) << problems[0];
  EXPECT_TRUE(journal->entries().empty());
}

TEST(FilingJournalTest, AFullJournalSaysSo) {
  TempDir dir;
  std::vector<std::string> problems;
  auto journal = FilingJournal::Open((dir.path() / "journal").string(), problems);
  ASSERT_TRUE(journal.ok());
  for (int i = 0; i < FilingJournal::kSlots; ++i) ASSERT_TRUE(journal->Add(Failed()).ok());
  auto full = journal->Add(Failed());
  ASSERT_FALSE(full.ok());
  EXPECT_NE(full.error().message().find("all 256 slots are taken"), std::string::npos);
}

}  // namespace
}  // namespace webvps::mailer
