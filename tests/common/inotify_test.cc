#include "inotify.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>

#include "temp_dir.h"

namespace webvps {
namespace {

std::string EncodeEvent(int wd, uint32_t mask, const std::string& name, size_t padded_length) {
  inotify_event header{};
  header.wd = wd;
  header.mask = mask;
  header.len = static_cast<uint32_t>(padded_length);
  std::string bytes(reinterpret_cast<const char*>(&header), sizeof header);
  std::string padded = name;
  padded.resize(padded_length, '\0');
  return bytes + padded;
}

TEST(InotifyDecoderTest, DecodesTheSameEventsWhereverTheBytesAreSplit) {
  std::string stream = EncodeEvent(1, IN_CREATE, "1700000000.42", 16) + EncodeEvent(2, IN_MOVED_TO, "", 0) +
                       EncodeEvent(-1, IN_Q_OVERFLOW, "", 0) + EncodeEvent(1, IN_CLOSE_WRITE, "trigger", 32);
  for (size_t split = 0; split <= stream.size(); ++split) {
    InotifyDecoder decoder;
    auto events = decoder.Feed(std::string_view(stream).substr(0, split));
    auto rest = decoder.Feed(std::string_view(stream).substr(split));
    events.insert(events.end(), rest.begin(), rest.end());
    ASSERT_EQ(events.size(), 4u) << "split at " << split;
    EXPECT_EQ(events[0].name, "1700000000.42");
    EXPECT_EQ(events[0].mask, static_cast<uint32_t>(IN_CREATE));
    EXPECT_EQ(events[1].name, "");
    EXPECT_TRUE(events[2].overflowed());
    EXPECT_EQ(events[2].watch, -1);
    EXPECT_EQ(events[3].name, "trigger");
  }
}

TEST(InotifyWatcherTest, ReportsAHardLinkIntoAWatchedDirectory) {
  TempDir dir;
  std::filesystem::create_directory(dir.path() / "queue");
  std::filesystem::create_directory(dir.path() / "tmp");
  boost::asio::io_context io;
  InotifyWatcher watcher(io);
  ASSERT_TRUE(watcher.status().ok()) << watcher.status().ToString();
  auto watch = watcher.Watch((dir.path() / "queue").string(), IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE);
  ASSERT_TRUE(watch.ok()) << watch.error().message();
  std::vector<InotifyEvent> seen;
  watcher.Start([&](const InotifyEvent& event) {
    seen.push_back(event);
    io.stop();
  });
  // What nullmailer-queue does: write tmp/<pid>, then link it into queue/.
  int fd = ::open((dir.path() / "tmp" / "123").c_str(), O_CREAT | O_WRONLY, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, "x", 1), 1);
  ::close(fd);
  ASSERT_EQ(::link((dir.path() / "tmp" / "123").c_str(), (dir.path() / "queue" / "1700000000.123").c_str()), 0);
  io.run_for(std::chrono::seconds(5));
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].watch, *watch);
  EXPECT_EQ(seen[0].name, "1700000000.123");
  EXPECT_TRUE(seen[0].mask & IN_CREATE);
}

TEST(InotifyWatcherTest, WatchNamesAMissingDirectory) {
  boost::asio::io_context io;
  InotifyWatcher watcher(io);
  auto watch = watcher.Watch("/nonexistent/queue", IN_CREATE);
  ASSERT_FALSE(watch.ok());
  EXPECT_EQ(watch.error().message(), "inotify_add_watch /nonexistent/queue: No such file or directory");
}

}  // namespace
}  // namespace webvps
