// The local outbox: a Maildir that receives every message when no relay is configured, so
// that a demo stack works and nothing is lost.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>

#include "atomic_file.h"
#include "transport.h"

namespace webvps::mailer {
namespace {

class OutboxTransport final : public Transport {
 public:
  explicit OutboxTransport(std::string maildir) : maildir_(std::move(maildir)) {
    char host[256] = "localhost";
    gethostname(host, sizeof host - 1);
    host_ = host;
    for (char& c : host_) {
      if (c == '/' || c == ':') c = '_';
    }
  }

  std::string Describe() const override { return "local outbox " + maildir_ + " (no relay configured)"; }

  std::vector<AttemptReport> Send(const std::vector<OutgoingMessage>& batch) override {
    std::vector<AttemptReport> reports;
    auto started = std::chrono::steady_clock::now();
    for (const auto& message : batch) {
      AttemptReport report;
      Status stored = Store(message);
      report.transaction = stored.ok() ? SmtpReply{250, "stored in the local outbox"} : SmtpReply{0, stored.error().message()};
      for (const auto& recipient : message.recipients) {
        report.recipients.push_back({recipient, stored.ok() ? SmtpReply{250, "ok"} : SmtpReply{}});
      }
      report.duration = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
      reports.push_back(std::move(report));
    }
    return reports;
  }

 private:
  // The Maildir protocol: a unique name, written and synced in tmp/, then renamed into new/.
  Status Store(const OutgoingMessage& message) {
    auto now = std::chrono::system_clock::now().time_since_epoch();
    auto seconds = std::chrono::duration_cast<std::chrono::seconds>(now).count();
    auto micros = std::chrono::duration_cast<std::chrono::microseconds>(now).count() % 1000000;
    std::string name = std::to_string(seconds) + ".M" + std::to_string(micros) + "P" + std::to_string(getpid()) + "Q" +
                       std::to_string(++counter_) + "." + host_;
    std::string tmp = maildir_ + "/tmp/" + name;
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0640);
    if (fd < 0) return Error::FromErrno("outbox: create " + tmp);
    Status written = WriteAll(fd, RenderOutboxFile(message), tmp);
    if (written.ok() && ::fsync(fd) != 0) written = Error::FromErrno("fsync " + tmp);
    ::close(fd);
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

  std::string maildir_;
  std::string host_;
  std::atomic<uint64_t> counter_{0};
};

}  // namespace

Result<std::unique_ptr<Transport>> MakeOutboxTransport(const std::string& maildir) {
  std::error_code error;
  for (const char* sub : {"tmp", "new", "cur"}) {
    std::filesystem::create_directories(std::filesystem::path(maildir) / sub, error);
    if (error) return Error("outbox: create " + maildir + "/" + sub + ": " + error.message());
  }
  return std::unique_ptr<Transport>(new OutboxTransport(maildir));
}

}  // namespace webvps::mailer
