// The local outbox: a Maildir that receives every message when no relay is configured, so that
// a demo stack works and nothing is lost. Each message is copied from its queue file in pieces.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <chrono>
#include <cstring>
#include <filesystem>

#include "atomic_file.h"
#include "transport.h"

namespace webvps::mailer {
namespace {

class OutboxTransport final : public Transport {
 public:
  OutboxTransport(boost::asio::io_context& io, std::string maildir) : io_(io), maildir_(std::move(maildir)) {
    char host[256] = "localhost";
    gethostname(host, sizeof host - 1);
    host_ = host;
    for (char& c : host_) {
      if (c == '/' || c == ':') c = '_';
    }
  }

  std::string Describe() const override { return "local outbox " + maildir_ + " (no relay configured)"; }

  void Send(std::vector<OutgoingMessage> batch, MessageDone on_message, SessionDone on_end) override {
    // Posted, so that the caller's bookkeeping of the batch is done before the first result.
    auto messages = std::make_shared<std::vector<OutgoingMessage>>(std::move(batch));
    boost::asio::post(io_, [this, messages, on_message, on_end] {
      auto started = std::chrono::steady_clock::now();
      for (size_t i = 0; i < messages->size(); ++i) {
        const OutgoingMessage& message = (*messages)[i];
        AttemptReport report;
        Status stored = Store(message);
        report.transaction = stored.ok() ? SmtpReply{250, "stored in the local outbox"} : SmtpReply{0, stored.error().message()};
        for (const auto& recipient : message.recipients) {
          report.recipients.push_back({recipient, stored.ok() ? SmtpReply{250, "ok"} : SmtpReply{}});
        }
        report.duration = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
        on_message(i, report);
      }
      on_end(SessionEnd{});
    });
  }

  void StopAll() override {}

 private:
  // The Maildir protocol: a unique name, written and synced in tmp/, then renamed into new/.
  Status Store(const OutgoingMessage& message) {
    auto now = std::chrono::system_clock::now().time_since_epoch();
    auto seconds = std::chrono::duration_cast<std::chrono::seconds>(now).count();
    auto micros = std::chrono::duration_cast<std::chrono::microseconds>(now).count() % 1000000;
    std::string name = std::to_string(seconds) + ".M" + std::to_string(micros) + "P" + std::to_string(getpid()) + "Q" +
                       std::to_string(++counter_) + "." + host_;
    std::string tmp = maildir_ + "/tmp/" + name;
    UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0640));
    if (!fd) return Error::FromErrno("outbox: create " + tmp);
    bool after_cr = false;
    auto headers = ReadHeaderBlock(message.data);
    if (!headers.ok()) return headers.error().Wrap("outbox");
    Status written = WriteAll(fd.get(), RenderOutboxEnvelope(message.sender, message.recipients) +
                                            OutboxLineEnds(*headers, after_cr), tmp);
    for (uint64_t offset = message.data.body_offset; written.ok();) {
      auto piece = ReadBodyPiece(message.data, offset, 64 * 1024);
      if (!piece.ok()) {
        written = piece.error().Wrap("outbox");
        break;
      }
      if (piece->empty()) break;
      offset += piece->size();
      written = WriteAll(fd.get(), OutboxLineEnds(*piece, after_cr), tmp);
    }
    if (written.ok() && after_cr) written = WriteAll(fd.get(), "\r", tmp);
    if (written.ok() && ::fsync(fd.get()) != 0) written = Error::FromErrno("fsync " + tmp);
    fd = UniqueFd();
    if (!written.ok()) {
      ::unlink(tmp.c_str());
      return written.error().Wrap("outbox");
    }
    std::string target = maildir_ + "/new/" + name;
    if (::rename(tmp.c_str(), target.c_str()) != 0) {
      auto error = Error::FromErrno("outbox: rename " + tmp + " to " + target);
      ::unlink(tmp.c_str());
      return error;
    }
    return {};
  }

  boost::asio::io_context& io_;
  std::string maildir_;
  std::string host_;
  uint64_t counter_ = 0;
};

}  // namespace

Result<std::unique_ptr<Transport>> MakeOutboxTransport(boost::asio::io_context& io, const std::string& maildir) {
  std::error_code error;
  for (const char* sub : {"tmp", "new", "cur"}) {
    std::filesystem::create_directories(std::filesystem::path(maildir) / sub, error);
    if (error) return Error("outbox: create " + maildir + "/" + sub + ": " + error.message());
  }
  return std::unique_ptr<Transport>(new OutboxTransport(io, maildir));
}

}  // namespace webvps::mailer
