#include "control_socket.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <boost/asio/io_context.hpp>
#include <thread>

#include "common/temp_dir.h"

namespace webvps {
namespace {

TEST(ControlServerTest, RequestAndReplyOverTheSocketWhichOnlyItsOwnerMayUse) {
  TempDir dir;
  std::string socket_path = (dir.path() / "control.sock").string();
  boost::asio::io_context io;
  ControlServer server(io, [](const std::string& request) {
    return request == "status" ? ControlReply{true, "all fine\n"} : ControlReply{false, "no: " + request + "\n"};
  });
  ASSERT_TRUE(server.Start(socket_path).ok());
  struct stat info {};
  ASSERT_EQ(::stat(socket_path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  std::thread loop([&] { io.run_for(std::chrono::seconds(10)); });
  auto status = SendControlRequest(socket_path, "status", "mailer");
  auto other = SendControlRequest(socket_path, "resume x", "mailer");
  server.Stop();
  io.stop();
  loop.join();
  ASSERT_TRUE(status.ok()) << status.error().message();
  EXPECT_TRUE(status->ok);
  EXPECT_EQ(status->text, "all fine\n");
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other->ok);
  EXPECT_EQ(other->text, "no: resume x\n");
  auto gone = SendControlRequest(socket_path, "status", "mailer");
  ASSERT_FALSE(gone.ok());
  EXPECT_NE(gone.error().message().find("cannot reach the running mailer"), std::string::npos);
}

}  // namespace
}  // namespace webvps
