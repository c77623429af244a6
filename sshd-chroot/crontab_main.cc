// crontab in a shell jail: the adapter around crontab_command.h (files, the editor, the prompt).
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <iterator>
#include <string>

#include "atomic_file.h"
#include "sshd-chroot/crontab_command.h"

namespace {

using namespace webvps;
using namespace webvps::sshd_chroot;
namespace fs = std::filesystem;

constexpr size_t kMaxCrontabBytes = 1 << 20;  // far above what ParseCronTable accepts

int Fail(const std::string& message) {
  std::cerr << "crontab: " << message << "\n";
  return 1;
}

bool Exists(const char* path) {
  struct stat st {};
  return ::lstat(path, &st) == 0;
}

// Checks the text and installs it (conf/ made if missing), or says why not.
int Install(const std::string& text) {
  if (text.size() > kMaxCrontabBytes) return Fail("the crontab is larger than 1 MB; conf/crontab unchanged");
  if (auto problems = CrontabProblems(text)) {
    std::cerr << "crontab: errors in the crontab, not installed (conf/crontab unchanged):\n" << *problems << "\n";
    return 1;
  }
  std::error_code error;
  fs::create_directories(fs::path(kJailCrontab).parent_path(), error);
  if (auto written = WriteFileAtomically(kJailCrontab, text); !written.ok()) return Fail(written.error().message());
  std::cerr << "crontab: installed; the site's container runs it from the next minute\n";
  return 0;
}

// Runs the editor on `path` through the shell, so that EDITOR="nano -w" works as anywhere.
bool RunEditor(const std::string& editor, const std::string& path) {
  pid_t child = ::fork();
  if (child < 0) return false;
  if (child == 0) {
    ::execl("/bin/sh", "sh", "-c", (editor + " \"$1\"").c_str(), "sh", path.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

int Edit() {
  std::string current;
  if (Exists(kJailCrontab)) {
    auto text = ReadFile(kJailCrontab);
    if (!text.ok()) return Fail(text.error().message());
    current = *text;
  }
  char path[] = "/tmp/crontab.XXXXXX";
  int fd = ::mkstemp(path);
  if (fd < 0) return Fail(std::string("cannot make a file in /tmp: ") + std::strerror(errno));
  Status written = WriteAll(fd, current, path);
  ::close(fd);
  if (!written.ok()) return Fail(written.error().message());
  std::string editor = CrontabEditor(ProcessEnvironment());
  int result = 0;
  while (true) {
    if (!RunEditor(editor, path)) {
      result = Fail("the editor (" + editor + ") failed; conf/crontab unchanged");
      break;
    }
    auto edited = ReadFile(path);
    if (!edited.ok()) {
      result = Fail(edited.error().message());
      break;
    }
    if (*edited == current) {
      std::cerr << "crontab: no changes made to the crontab\n";
      break;
    }
    auto problems = CrontabProblems(*edited);
    if (!problems) {
      result = Install(*edited);
      break;
    }
    std::cerr << "crontab: errors in the crontab, not installed:\n" << *problems << "\n";
    if (!::isatty(STDIN_FILENO)) {
      result = Fail("conf/crontab unchanged");
      break;
    }
    std::cerr << "Edit it again? (y/n) ";
    std::string answer;
    if (!std::getline(std::cin, answer) || (answer != "y" && answer != "Y" && answer != "yes")) {
      result = Fail("conf/crontab unchanged");
      break;
    }
  }
  ::unlink(path);
  return result;
}

}  // namespace

int main(int argc, char** argv) {
  auto command = ParseCrontabArguments(std::vector<std::string>(argv + 1, argv + argc));
  if (!command.ok()) return Fail(command.error().message());
  switch (command->action) {
    case CrontabCommand::Action::kList: {
      if (!Exists(kJailCrontab)) return Fail("no crontab for this site (conf/crontab)");
      auto text = ReadFile(kJailCrontab);
      if (!text.ok()) return Fail(text.error().message());
      std::cout << *text;
      return 0;
    }
    case CrontabCommand::Action::kRemove:
      if (::unlink(kJailCrontab) != 0) {
        return Fail(errno == ENOENT ? "no crontab for this site (conf/crontab)"
                                    : std::string("conf/crontab: ") + std::strerror(errno));
      }
      std::cerr << "crontab: removed; the site's container runs no job from the next minute\n";
      return 0;
    case CrontabCommand::Action::kEdit:
      return Edit();
    case CrontabCommand::Action::kInstall: {
      std::string text;
      if (command->file == "-") {
        text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
      } else {
        auto read = ReadFile(command->file);
        if (!read.ok()) return Fail(read.error().message());
        text = *read;
      }
      return Install(text);
    }
  }
  return 1;
}
