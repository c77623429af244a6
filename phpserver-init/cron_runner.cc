#include "cron_runner.h"

#include <fcntl.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <boost/asio/buffer.hpp>
#include <ctime>

#include "atomic_file.h"
#include "config.h"
#include "names.h"
#include "safe_dir.h"

namespace webvps::phpserver_init {
namespace {

using WallClock = std::chrono::system_clock;

int64_t MinuteOf(WallClock::time_point time) {
  return std::chrono::duration_cast<std::chrono::minutes>(time.time_since_epoch()).count();
}

CivilMinute CivilOf(int64_t minute) {
  std::time_t seconds = static_cast<std::time_t>(minute * 60);
  std::tm local {};
  ::localtime_r(&seconds, &local);
  return {local.tm_year + 1900, local.tm_mon + 1, local.tm_mday, local.tm_hour, local.tm_min, local.tm_wday};
}

std::string Stamp(WallClock::time_point time) {
  std::time_t seconds = WallClock::to_time_t(time);
  std::tm utc {};
  ::gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%SZ", &utc);
  return text;
}

// A file in memory holding `content`, positioned at its start: a child's standard input.
UniqueFd MemoryFile(const std::string& content) {
  UniqueFd fd(::memfd_create("cron-input", MFD_CLOEXEC));
  if (!fd) return fd;
  if (!WriteAll(fd.get(), content, "cron input").ok() || ::lseek(fd.get(), 0, SEEK_SET) != 0) return UniqueFd();
  return fd;
}

std::string FirstWord(const std::string& command) {
  size_t begin = command.find_first_not_of(" \t");
  if (begin == std::string::npos) return "";
  size_t end = command.find_first_of(" \t;|&<>", begin);
  std::string word = command.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
  return word.size() > 64 ? word.substr(0, 64) + "..." : word;
}

// MAILTO's addresses, or nullopt when one of them is not an address.
std::optional<std::vector<std::string>> MailRecipients(const std::string& mailto) {
  std::vector<std::string> recipients;
  for (const auto& address : SplitList(mailto)) {
    if (EmailProblem(address)) return std::nullopt;
    recipients.push_back(address);
  }
  return recipients;
}

}  // namespace

CronRunner::CronRunner(boost::asio::io_context& io, CronRunnerOptions options, Metrics& metrics)
    : io_(io), options_(std::move(options)), metrics_(metrics), timer_(io) {
  metrics_.DescribeCounter("webvps_init_cron_runs_total", "Cron jobs started, and skipped (still running, too many at once), by result.");
  metrics_.DescribeGauge("webvps_init_cron_jobs", "Jobs in the site's crontab as loaded.");
}

CronRunner::~CronRunner() { timer_.cancel(); }

void CronRunner::SetTable(CronTable table) {
  table_ = std::move(table);
  metrics_.Set("webvps_init_cron_jobs", static_cast<double>(table_->jobs.size()));
  if (!rebooted_) {
    rebooted_ = true;
    for (size_t i = 0; i < table_->jobs.size(); ++i) {
      if (table_->jobs[i].at_reboot) StartJob(i, "@reboot");
    }
  }
  if (!last_minute_) last_minute_ = MinuteOf(WallClock::now());
  ArmTimer();
}

void CronRunner::Clear() {
  table_.reset();
  metrics_.Set("webvps_init_cron_jobs", 0);
  timer_.cancel();
}

void CronRunner::Stop() {
  stopping_ = true;
  timer_.cancel();
  for (const auto& [pid, run] : running_) ::kill(-pid, SIGTERM);
}

void CronRunner::ArmTimer() {
  if (stopping_ || !table_ || table_->jobs.empty()) return;
  WallClock::time_point now = WallClock::now();
  WallClock::time_point next{std::chrono::minutes(MinuteOf(now) + 1)};
  timer_.expires_after(next - now + std::chrono::milliseconds(20));
  timer_.async_wait([this](boost::system::error_code error) {
    if (!error) OnMinute();
  });
}

void CronRunner::OnMinute() {
  int64_t now = MinuteOf(WallClock::now());
  int64_t from = last_minute_ ? *last_minute_ + 1 : now;
  if (now - from >= 5) {
    // The clock jumped (or the container was paused): run what is due now, not every minute missed.
    spdlog::warn("cron: the clock moved {} minutes at once; only the jobs due now run", now - from + 1);
    from = now;
  }
  for (int64_t minute = from; minute <= now && table_; ++minute) {
    for (size_t index : DueJobs(*table_, CivilOf(minute))) StartJob(index, "schedule");
  }
  last_minute_ = now;
  ArmTimer();
}

void CronRunner::StartJob(size_t index, const char* why) {
  const CronJob& job = table_->jobs[index];
  std::string program = FirstWord(job.command);
  for (const auto& [pid, run] : running_) {
    if (!run.is_mail && run.job == index) {
      spdlog::warn("cron: line {} ({}) is due but still running since {}: not started again", job.line, program,
                   Stamp(run.started_wall));
      metrics_.Add("webvps_init_cron_runs_total", {{"result", "skipped_running"}});
      return;
    }
  }
  if (static_cast<int>(running_.size()) >= options_.max_running) {
    spdlog::warn("cron: line {} ({}) is due but {} jobs already run: not started", job.line, program, running_.size());
    metrics_.Add("webvps_init_cron_runs_total", {{"result", "skipped_busy"}});
    return;
  }
  std::string shell = "/bin/sh";
  std::vector<std::string> environment = {"HOME=" + options_.home, "LOGNAME=" + options_.user, "USER=" + options_.user,
                                          "SHELL=/bin/sh", "PATH=/usr/local/bin:/usr/bin:/bin"};
  if (const char* tz = std::getenv("TZ")) environment.push_back(std::string("TZ=") + tz);
  for (const auto& [name, value] : job.environment) {
    if (name == "SHELL" && value.starts_with("/")) shell = value;
    const std::string prefix = name + "=";  // (clang 14 cannot capture a structured binding)
    std::erase_if(environment, [&](const std::string& entry) { return entry.starts_with(prefix); });
    environment.push_back(name + "=" + value);
  }
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    spdlog::error("cron: line {}: {}", job.line, Error::FromErrno("pipe").message());
    return;
  }
  UniqueFd read_end(pipe_fds[0]), write_end(pipe_fds[1]);
  UniqueFd input = job.input.empty() ? UniqueFd(::open("/dev/null", O_RDONLY | O_CLOEXEC)) : MemoryFile(job.input);
  auto pid = Spawn({.argv = {shell, "-c", job.command},
                    .environment = environment,
                    .working_directory = options_.home,
                    .new_session = true,
                    .output_fd = write_end.get(),
                    .input_fd = input.get()});
  if (!pid.ok()) {
    spdlog::error("cron: line {}: {}", job.line, pid.error().message());
    metrics_.Add("webvps_init_cron_runs_total", {{"result", "failed_to_start"}});
    return;
  }
  Running& run = running_[*pid];
  run.job = index;
  run.line = job.line;
  run.program = program;
  run.started = std::chrono::steady_clock::now();
  run.started_wall = WallClock::now();
  run.output = std::make_unique<boost::asio::posix::stream_descriptor>(io_, read_end.release());
  spdlog::info("cron: line {} ({}) started (pid {}, {})", job.line, program, *pid, why);
  metrics_.Add("webvps_init_cron_runs_total", {{"result", "started"}});
  ReadOutput(*pid);
}

void CronRunner::ReadOutput(pid_t pid) {
  auto it = running_.find(pid);
  if (it == running_.end()) return;
  auto buffer = std::make_shared<std::array<char, 4096>>();
  it->second.output->async_read_some(boost::asio::buffer(*buffer), [this, pid, buffer](boost::system::error_code error, size_t got) {
    auto found = running_.find(pid);
    if (found == running_.end()) return;
    Running& run = found->second;
    size_t room = options_.max_output - std::min(options_.max_output, run.captured.size());
    run.captured.append(buffer->data(), std::min(room, got));
    run.dropped += got - std::min(room, got);
    if (error) {
      run.output_done = true;
      run.output.reset();
      MaybeFinish(pid);
      return;
    }
    ReadOutput(pid);
  });
}

bool CronRunner::Reaped(pid_t pid, const ExitStatus& status) {
  auto it = running_.find(pid);
  if (it == running_.end()) return false;
  it->second.status = status;
  // Whatever the job left behind in its process group goes with it.
  ::kill(-pid, SIGKILL);
  MaybeFinish(pid);
  return true;
}

void CronRunner::MaybeFinish(pid_t pid) {
  auto it = running_.find(pid);
  if (it == running_.end() || !it->second.output_done || !it->second.status) return;
  Running run = std::move(it->second);
  running_.erase(it);
  if (run.is_mail) {
    if (!run.status->Succeeded()) spdlog::error("cron: mailing the output of line {}: sendmail {}", run.line, run.status->ToString());
    return;
  }
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - run.started).count();
  spdlog::info("cron: line {} ({}) {} after {} ms, {} bytes of output", run.line, run.program, run.status->ToString(), took,
               run.captured.size() + run.dropped);
  metrics_.Add("webvps_init_cron_runs_total", {{"result", run.status->Succeeded() ? "succeeded" : "failed"}});
  if (!run.captured.empty()) Deliver(run);
}

void CronRunner::Deliver(const Running& run) {
  std::string text = run.captured;
  if (run.dropped > 0) text += "\n[" + std::to_string(run.dropped) + " more bytes of output were not kept]\n";
  bool has_mailto = false;
  std::string mailto;
  if (table_ && run.job < table_->jobs.size()) {
    for (const auto& [name, value] : table_->jobs[run.job].environment) {
      if (name == "MAILTO") {
        has_mailto = true;
        mailto = value;
      }
    }
  }
  if (has_mailto && mailto.empty()) return;  // MAILTO="": the output is not wanted
  if (!has_mailto) return AppendToLog(run, text);
  auto recipients = MailRecipients(mailto);
  if (!recipients || recipients->empty()) {
    spdlog::warn("cron: MAILTO is not a list of e-mail addresses; the output of line {} goes to {}", run.line, options_.log_file);
    return AppendToLog(run, text);
  }
  std::string message = "To: " + mailto + "\nSubject: Cron <" + options_.user + "@" + (options_.host.empty() ? "localhost" : options_.host) +
                        "> line " + std::to_string(run.line) + " (" + run.program + ")\n" +
                        "Content-Type: text/plain; charset=UTF-8\n\n" + text;
  UniqueFd input = MemoryFile(message);
  UniqueFd null(::open("/dev/null", O_WRONLY | O_CLOEXEC));
  std::vector<std::string> argv = {options_.sendmail, "-i", "--"};
  argv.insert(argv.end(), recipients->begin(), recipients->end());
  auto pid = Spawn({.argv = argv, .new_session = true, .output_fd = null.get(), .input_fd = input.get()});
  if (!pid.ok()) {
    spdlog::error("cron: mailing the output of line {}: {}; it goes to {}", run.line, pid.error().message(), options_.log_file);
    return AppendToLog(run, text);
  }
  Running& mail = running_[*pid];
  mail.is_mail = true;
  mail.line = run.line;
  mail.output_done = true;
}

void CronRunner::AppendToLog(const Running& run, const std::string& text) {
  // The init is the site's uid by now: this opens nothing the site could not open itself.
  struct stat info {};
  if (::lstat(options_.log_file.c_str(), &info) == 0 && S_ISREG(info.st_mode) &&
      static_cast<uint64_t>(info.st_size) > options_.max_log_bytes) {
    ::rename(options_.log_file.c_str(), (options_.log_file + ".1").c_str());
  }
  UniqueFd fd(::open(options_.log_file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0644));
  if (!fd) {
    spdlog::warn("cron: the output of line {} is lost: {}", run.line, Error::FromErrno("open " + options_.log_file).message());
    return;
  }
  std::string entry = "--- " + Stamp(run.started_wall) + " line " + std::to_string(run.line) + " (" + run.program + "), " +
                      (run.status ? run.status->ToString() : "") + "\n" + text;
  if (!entry.ends_with("\n")) entry += "\n";
  if (Status written = WriteAll(fd.get(), entry, options_.log_file); !written.ok()) spdlog::warn("cron: {}", written.error().message());
}

}  // namespace webvps::phpserver_init
