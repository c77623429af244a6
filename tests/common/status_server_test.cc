#include "status_server.h"

#include <gtest/gtest.h>

#include <atomic>

#include "http_probe.h"

namespace webvps {
namespace {

TEST(StatusServerTest, ServesHealthAndMetricsOverRealHttp) {
  Metrics metrics;
  metrics.DescribeCounter("webvps_reloads_total", "Reloads.");
  metrics.Add("webvps_reloads_total");
  std::atomic<bool> healthy = true;
  StatusServer server(metrics, [&] { return healthy ? HealthReport{} : HealthReport{false, "docker: disconnected"}; });
  server.AddRoute("/vhosts", [] { return HttpResponse{200, "application/json", "{}"}; });
  Status started = server.Start("127.0.0.1:0");
  ASSERT_TRUE(started.ok()) << started.ToString();
  ASSERT_GT(server.port(), 0);
  std::string address = "127.0.0.1:" + std::to_string(server.port());

  auto health = HttpGet(address, "/healthz", std::chrono::seconds(5));
  ASSERT_TRUE(health.ok()) << health.error().message();
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(health->body, "ok\n");

  healthy = false;
  health = HttpGet(address, "/healthz", std::chrono::seconds(5));
  ASSERT_TRUE(health.ok());
  EXPECT_EQ(health->status, 503);
  EXPECT_EQ(health->body, "docker: disconnected\n");

  auto scrape = HttpGet(address, "/metrics", std::chrono::seconds(5));
  ASSERT_TRUE(scrape.ok());
  EXPECT_EQ(scrape->status, 200);
  EXPECT_NE(scrape->body.find("webvps_reloads_total 1\n"), std::string::npos) << scrape->body;

  auto route = HttpGet(address, "/vhosts", std::chrono::seconds(5));
  ASSERT_TRUE(route.ok());
  EXPECT_EQ(route->body, "{}");

  auto missing = HttpGet(address, "/nope", std::chrono::seconds(5));
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->status, 404);

  server.Stop();
  EXPECT_FALSE(HttpGet(address, "/healthz", std::chrono::seconds(2)).ok()) << "stopped servers refuse connections";
}

TEST(StatusServerTest, ServesOnIpv6Loopback) {
  Metrics metrics;
  StatusServer server(metrics, nullptr);
  Status started = server.Start("[::1]:0");
  if (!started.ok()) GTEST_FAIL() << "IPv6 loopback unavailable: " << started.ToString();
  auto health = HttpGet("[::1]:" + std::to_string(server.port()), "/healthz", std::chrono::seconds(5));
  ASSERT_TRUE(health.ok()) << health.error().message();
  EXPECT_EQ(health->status, 200);
}

TEST(StatusServerTest, RefusesOtherMethods) {
  Metrics metrics;
  StatusServer server(metrics, nullptr);
  EXPECT_EQ(server.Respond("POST", "/healthz").status, 405);
  EXPECT_EQ(server.Respond("GET", "/metrics").content_type, "text/plain; version=0.0.4; charset=utf-8");
}

TEST(StatusServerTest, StartFailsWithTheAddressNamed) {
  Metrics metrics;
  StatusServer first(metrics, nullptr);
  ASSERT_TRUE(first.Start("127.0.0.1:0").ok());
  StatusServer second(metrics, nullptr);
  std::string taken = "127.0.0.1:" + std::to_string(first.port());
  Status status = second.Start(taken);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.ToString().find(taken), std::string::npos) << status.ToString();
}

TEST(ListenAddressTest, ParsesAndRejects) {
  EXPECT_EQ(ParseListenAddress("127.0.0.1:9100")->port, 9100);
  EXPECT_EQ(ParseListenAddress("[::1]:80")->family, AF_INET6);
  EXPECT_EQ(ParseListenAddress(":9100")->family, AF_INET);
  EXPECT_EQ(ParseListenAddress("localhost:1").error().message(),
            "listen address localhost:1: bad IPv4 address \"localhost\" (use an IP, not a name)");
  EXPECT_FALSE(ParseListenAddress("127.0.0.1").ok());
  EXPECT_FALSE(ParseListenAddress("127.0.0.1:70000").ok());
  EXPECT_FALSE(ParseListenAddress("127.0.0.1:x").ok());
  EXPECT_FALSE(ParseListenAddress("[::1]80").ok());
}

TEST(HttpProbeTest, NamesTheTargetWhenNothingListens) {
  Metrics metrics;
  StatusServer server(metrics, nullptr);
  ASSERT_TRUE(server.Start("127.0.0.1:0").ok());
  std::string address = "127.0.0.1:" + std::to_string(server.port());
  server.Stop();
  auto answer = HttpGet(address, "/healthz", std::chrono::seconds(2));
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.error().message(), "GET http://" + address + "/healthz: connect: Connection refused");
}

}  // namespace
}  // namespace webvps
