#include "proxy-gen/docker_client.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <thread>

#include "common/temp_dir.h"

namespace webvps::proxy_gen {
namespace {

// A stand-in for the Docker daemon on a Unix socket: answers each connection with `reply`
// after reading the request head, then closes.
class FakeDaemon {
 public:
  FakeDaemon(const std::string& path, std::vector<std::string> replies) : replies_(std::move(replies)) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::snprintf(address.sun_path, sizeof address.sun_path, "%s", path.c_str());
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    EXPECT_EQ(::listen(fd_, 4), 0);
    thread_ = std::thread([this] {
      for (const auto& reply : replies_) {
        int client = ::accept(fd_, nullptr, nullptr);
        if (client < 0) return;
        std::string head;
        char c;
        while (head.find("\r\n\r\n") == std::string::npos && ::read(client, &c, 1) == 1) head += c;
        requests_.push_back(head.substr(0, head.find("\r\n")));
        // The reply in small pieces: the client must not depend on read boundaries.
        for (size_t i = 0; i < reply.size(); i += 7) {
          (void)!::write(client, reply.data() + i, std::min<size_t>(7, reply.size() - i));
        }
        ::close(client);
      }
    });
  }
  ~FakeDaemon() {
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  std::vector<std::string> requests_;

 private:
  int fd_ = -1;
  std::vector<std::string> replies_;
  std::thread thread_;
};

std::string Chunk(const std::string& payload) {
  char size[32];
  std::snprintf(size, sizeof size, "%zx", payload.size());
  return std::string(size) + "\r\n" + payload + "\r\n";
}

TEST(DockerClientTest, SocketPathOnlyFromUnixUrls) {
  EXPECT_EQ(*SocketPathOf("unix:///var/run/docker.sock"), "/var/run/docker.sock");
  EXPECT_FALSE(SocketPathOf("tcp://10.0.0.1:2375").ok());
  EXPECT_FALSE(SocketPathOf("unix://").ok());
}

TEST(DockerClientTest, RequestAndEventStream) {
  TempDir dir;
  std::string path = (dir.path() / "docker.sock").string();
  std::string body = R"({"ApiVersion":"1.41"})";
  std::string events = Chunk(R"({"Type":"container","Action":"start","Actor":{"ID":"a","Attributes":{}}})" "\n" R"({"Type":"cont)") +
                       Chunk(R"(ainer","Action":"die","Actor":{"ID":"b"}})" "\n") + "0\r\n\r\n";
  FakeDaemon daemon(path, {"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
                               "\r\n\r\n" + body,
                           "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" + events,
                           "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n"});
  auto version = DockerRequest(path, "GET", "/version");
  ASSERT_TRUE(version.ok()) << version.error().message();
  EXPECT_EQ(version->status, 200);
  EXPECT_EQ(version->body, body);

  boost::asio::io_context io;
  DockerEventStream stream(io, path);
  bool attached = false;
  std::vector<std::string> seen;
  std::string ended;
  stream.Start("/v1.41/events", [&] { attached = true; }, [&](const DockerEvent& event) { seen.push_back(event.action + " " + event.id); },
               [&](const std::string& why) { ended = why; });
  io.run_for(std::chrono::seconds(5));
  EXPECT_TRUE(attached);
  EXPECT_EQ(seen, (std::vector<std::string>{"start a", "die b"}));
  EXPECT_EQ(ended, "the daemon ended the event stream");

  DockerEventStream refused(io, path);
  std::string why;
  refused.Start("/v1.41/events", [] {}, [](const DockerEvent&) {}, [&](const std::string& reason) { why = reason; });
  io.restart();
  io.run_for(std::chrono::seconds(5));
  EXPECT_EQ(why, "event stream refused: HTTP/1.1 500 Internal Server Error");
  EXPECT_EQ(daemon.requests_[1], "GET /v1.41/events HTTP/1.1");
}

TEST(DockerClientTest, NoDaemonIsAClearError) {
  TempDir dir;
  auto result = DockerRequest((dir.path() / "missing.sock").string(), "GET", "/_ping");
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message().find("docker GET /_ping via "), std::string::npos) << result.error().message();
}

}  // namespace
}  // namespace webvps::proxy_gen
