// sshd-chroot at work: host keys made once (in a volume), sshd_config rendered, sshd started and
// supervised; the registry followed (inotify, plus rescans) and turned into accounts, key files
// and jails within a moment, without restarting sshd; the commands of `docker exec` answered
// over the control socket. Everything runs on the io_context's thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <atomic>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "control_socket.h"
#include "inotify.h"
#include "metrics.h"
#include "registry.h"
#include "safe_dir.h"
#include "service_runner.h"
#include "sshd-chroot/accounts.h"
#include "sshd-chroot/jail_builder.h"
#include "sshd-chroot/settings.h"
#include "sshd-chroot/tools.h"
#include "status_server.h"

namespace webvps::sshd_chroot {

class SshdService {
 public:
  SshdService(boost::asio::io_context& io, Settings settings, Metrics& metrics);

  /// Host keys, tools, the first registry, then sshd; returns once sshd is started.
  Status Start();
  /// Stops sshd (sessions end) and the loop.
  void Stop();

  /// sshd runs.
  HealthReport Health() const;
  /// `list`, `upgrade`, `check` from the command line.
  ControlReply HandleControl(const std::string& request);
  int exit_code() const { return exit_code_; }

 private:
  struct SiteState {
    UniqueFd keys_dir;   ///< the site's .ssh, watched
    int watch = -1;
    std::vector<std::string> key_problems;  ///< already logged
    std::string jail_problem;               ///< already logged
    bool old_jail_removed = false;          ///< the pre-0.2 jail in the site's files is gone
  };

  Status LoadBaseAccounts();
  Status EnsureHostKeys();
  Status PrepareTools(bool upgrade, std::string* summary);
  void LoadRegistry(const char* why);
  void Apply(const char* why);
  void ApplySoon(const char* why);
  std::vector<std::string> ReadSiteKeys(const std::string& site, int files, SiteState& state);
  Status WriteIfChanged(const std::string& path, const std::string& content, mode_t mode);
  void EndSessions(int uid, const std::string& site, const char* why);
  void OnInotify(const InotifyEvent& event);
  void ArmRescan();
  std::string ListTable() const;
  std::vector<std::string> CheckAll();

  boost::asio::io_context& io_;
  Settings settings_;
  Metrics& metrics_;
  JailLayout layout_;
  InotifyWatcher inotify_;
  ControlServer control_;
  ServiceRunner runner_;
  boost::asio::steady_timer soon_timer_;
  boost::asio::steady_timer rescan_timer_;

  AccountFiles base_;
  std::vector<std::string> host_keys_;
  ToolSet tools_;
  std::string tools_version_;
  UniqueFd store_;
  std::string resolv_conf_;

  std::optional<Registry> registry_;
  std::string registry_error_;  ///< the last load's problem, empty when it loaded
  std::vector<SiteUser> users_;  ///< as last applied: the accounts that exist
  std::map<std::string, SiteState> sites_;
  std::map<std::string, std::string> written_;  ///< path -> content last written (accounts, keys)
  int registry_watch_ = -1;
  bool soon_pending_ = false;
  bool shells_allowed_ = true;  ///< false when the host's fs.protected_hardlinks is off
  bool stopping_ = false;
  int exit_code_ = 0;
  std::atomic<bool> sshd_running_ = false;
};

}  // namespace webvps::sshd_chroot
