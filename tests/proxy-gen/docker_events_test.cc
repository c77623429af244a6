#include "proxy-gen/docker_events.h"

#include <gtest/gtest.h>

namespace webvps::proxy_gen {
namespace {

std::string Chunk(const std::string& payload) {
  char size[32];
  std::snprintf(size, sizeof size, "%zx", payload.size());
  return std::string(size) + "\r\n" + payload + "\r\n";
}

const std::string kStart =
    R"({"status":"start","id":"abc","from":"nginx","Type":"container","Action":"start","Actor":{"ID":"abc","Attributes":{"image":"nginx","name":"web"}},"scope":"local","time":1700000000,"timeNano":1700000000123456789})"
    "\n";
// API >= 1.52: no legacy status/id/from fields.
const std::string kHealth =
    R"({"Type":"container","Action":"health_status: healthy","Actor":{"ID":"def","Attributes":{"name":"app"}},"timeNano":2})"
    "\n";
const std::string kConnect =
    R"({"Type":"network","Action":"connect","Actor":{"ID":"net1","Attributes":{"container":"abc","name":"front"}},"timeNano":3})"
    "\n";

TEST(EventStreamDecoderTest, SameEventsWhereverTheBytesAreSplit) {
  // Two events in one chunk, one event split over two chunks, then the end of the stream.
  std::string stream = Chunk(kStart + kHealth.substr(0, 10)) + Chunk(kHealth.substr(10)) + Chunk(kConnect) + "0\r\n\r\n";
  for (size_t split = 0; split <= stream.size(); ++split) {
    for (size_t second = split; second <= stream.size(); second += 7) {
      EventStreamDecoder decoder;
      std::vector<DockerEvent> events;
      bool ended = false;
      for (auto piece : {stream.substr(0, split), stream.substr(split, second - split), stream.substr(second)}) {
        auto output = decoder.Feed(piece);
        ASSERT_FALSE(output.broken) << "split at " << split << "," << second;
        ASSERT_TRUE(output.problems.empty()) << output.problems.front();
        events.insert(events.end(), output.events.begin(), output.events.end());
        ended = output.ended;
      }
      ASSERT_EQ(events.size(), 3u) << "split at " << split << "," << second;
      EXPECT_EQ(events[0].action, "start");
      EXPECT_EQ(events[0].id, "abc");
      EXPECT_EQ(events[0].attributes.at("name"), "web");
      EXPECT_EQ(events[0].time_nano, 1700000000123456789);
      EXPECT_EQ(events[1].action, "health_status: healthy");
      EXPECT_EQ(events[2].type, "network");
      EXPECT_TRUE(ended);
    }
  }
}

TEST(EventStreamDecoderTest, GarbageLinesAreReportedAndSkipped) {
  EventStreamDecoder decoder;
  auto output = decoder.Feed(Chunk("not json\n" + kStart));
  ASSERT_EQ(output.events.size(), 1u);
  ASSERT_EQ(output.problems.size(), 1u);
  EXPECT_EQ(output.problems[0], "event stream: not a JSON object: not json");
}

TEST(EventStreamDecoderTest, BrokenFramingAsksForAReconnect) {
  EventStreamDecoder decoder;
  EXPECT_TRUE(decoder.Feed("zz\r\n").broken);
  EventStreamDecoder other;
  EXPECT_TRUE(other.Feed("3\r\nabcX").broken);
}

TEST(ChunkedDecoderTest, ExtensionsAndUpperCaseSizes) {
  ChunkedDecoder decoder;
  auto out = decoder.Feed("A;name=value\r\n0123456789\r\n0\r\n\r\n");
  ASSERT_TRUE(out.ok()) << out.error().message();
  EXPECT_EQ(*out, "0123456789");
  EXPECT_TRUE(decoder.finished());
}

TEST(NeedOfTest, WhatEachEventAsks) {
  auto event = [](std::string type, std::string action, std::string id, std::map<std::string, std::string> attributes = {}) {
    return DockerEvent{std::move(type), std::move(action), std::move(id), std::move(attributes), 0};
  };
  EXPECT_EQ(NeedOf(event("container", "start", "abc"), "").effect, EventEffect::kInspect);
  EXPECT_EQ(NeedOf(event("container", "die", "abc"), "").container_id, "abc");
  EXPECT_EQ(NeedOf(event("container", "health_status: unhealthy", "abc"), "").effect, EventEffect::kInspect);
  EXPECT_EQ(NeedOf(event("container", "exec_start: sh", "abc"), "").effect, EventEffect::kNone);
  EXPECT_EQ(NeedOf(event("container", "attach", "abc"), "").effect, EventEffect::kNone);
  auto connect = NeedOf(event("network", "connect", "net", {{"container", "abc"}}), "self");
  EXPECT_EQ(connect.effect, EventEffect::kInspect);
  EXPECT_EQ(connect.container_id, "abc");
  EXPECT_EQ(NeedOf(event("network", "disconnect", "net", {{"container", "self"}}), "self").effect, EventEffect::kResync);
  EXPECT_EQ(NeedOf(event("network", "create", "net"), "self").effect, EventEffect::kNone);
  EXPECT_EQ(NeedOf(event("image", "pull", "x"), "").effect, EventEffect::kNone);
}

TEST(NeedOfTest, AnIdThatIsNotDockersNeverReachesARequestPath) {
  auto event = [](std::string type, std::string id, std::map<std::string, std::string> attributes = {}) {
    return DockerEvent{std::move(type), "start", std::move(id), std::move(attributes), 0};
  };
  EXPECT_EQ(NeedOf(event("container", "../../v1.41/containers/x/kill?"), "").effect, EventEffect::kNone);
  EXPECT_EQ(NeedOf(event("container", ""), "").effect, EventEffect::kNone);
  auto odd_connect = NeedOf(DockerEvent{"network", "connect", "net", {{"container", "x y"}}, 0}, "self");
  EXPECT_EQ(odd_connect.effect, EventEffect::kResync);
  EXPECT_EQ(odd_connect.container_id, "");
  auto time = ParseDockerEvent(R"({"Action":"start","Actor":{"ID":"abc"},"timeNano":18446744073709551615})");
  ASSERT_TRUE(time.ok());
  EXPECT_EQ(time->time_nano, 0) << "out of int64_t's range: not a time";
}

}  // namespace
}  // namespace webvps::proxy_gen
