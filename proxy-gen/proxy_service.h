// proxy-gen at work: follows the Docker Engine (events stream attached before every listing,
// reconnect with backoff and a full resync, a ping when idle, a periodic safety resync),
// re-inspects only the containers an event names, debounces bursts, and hands the state to the
// ConfigApplier; watches the certificate, vhost.d and htpasswd directories; and, in the default
// deployment, starts nginx once the first config is in place and supervises it. Everything runs
// on the io_context's thread; Health() and VhostsJson() are read from the status thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "debouncer.h"
#include "inotify.h"
#include "metrics.h"
#include "proxy-gen/applier.h"
#include "proxy-gen/docker_client.h"
#include "proxy-gen/nginx_control.h"
#include "proxy-gen/settings.h"
#include "service_runner.h"
#include "status_server.h"

namespace webvps::proxy_gen {

class ProxyService {
 public:
  ProxyService(boost::asio::io_context& io, Settings settings, Metrics& metrics);

  /// Prepares the directories and connects; returns at once (the work goes on in the loop).
  Status Start();
  /// Stops following Docker; in the default deployment stops nginx gracefully. The loop runs out.
  void Stop();

  /// Connected to Docker, the last apply succeeded, and nginx runs (default deployment).
  HealthReport Health() const;
  /// The routing model as served, the containers left out and why: GET /vhosts.
  HttpResponse VhostsJson() const;
  /// The exit code once the loop ran out: 0, or nginx's when it could not be kept running.
  int exit_code() const { return exit_code_; }

 private:
  void Connect();
  void OnAttached();
  void OnEvent(const DockerEvent& event);
  void OnDisconnected(const std::string& why);
  void FindAnchor();
  void FullResync(std::string reason);  // by value: it may come from resync_pending_, which it clears
  void InspectDirty();
  void Inspect(const std::string& id);
  void OnFilesEvent(const InotifyEvent& event);
  void WatchFiles();
  void ScheduleApply();
  void ApplyNow();
  void Report(const ApplyOutcome& outcome, std::chrono::steady_clock::duration took);
  void StartNginx();
  Status Reload();
  void ArmPing();
  void ArmResync();
  void SetConnected(bool connected);

  boost::asio::io_context& io_;
  Settings settings_;
  Metrics& metrics_;
  DockerApi docker_;
  DockerEventStream stream_;
  NginxControl nginx_;
  ConfigApplier applier_;
  InotifyWatcher inotify_;
  std::optional<ServiceRunner> runner_;  ///< the supervised nginx (default deployment)
  Debouncer debouncer_;
  boost::asio::steady_timer apply_timer_;
  boost::asio::steady_timer reconnect_timer_;
  boost::asio::steady_timer ping_timer_;
  boost::asio::steady_timer resync_timer_;
  boost::asio::steady_timer first_config_timer_;

  std::map<std::string, ContainerInfo> containers_;  ///< running containers, by id
  std::set<std::string> dirty_;                      ///< ids an event named since the last apply
  std::optional<std::string> resync_pending_;  ///< a full resync is due, and why
  bool files_changed_ = false;                       ///< a certificate or vhost.d file changed
  std::string anchor_id_;                            ///< whose networks count: own container, or nginx's
  std::set<std::string> proxy_networks_;
  std::vector<std::string> proxy_subnets_;  ///< of proxy_networks_: never internal
  bool anchor_warned_ = false;
  std::map<int, std::string> file_watches_;          ///< inotify watch -> directory
  std::chrono::milliseconds reconnect_delay_{250};
  std::chrono::steady_clock::time_point last_activity_{};
  bool ever_connected_ = false;
  int exit_code_ = 0;
  bool nginx_started_ = false;
  bool stopping_ = false;
  std::set<std::string> reported_rejections_;  ///< already logged, so each is logged once
  std::set<std::string> reported_conflicts_;
  std::set<std::string> reported_unreachable_;
  std::set<std::string> reported_unsupported_;
  std::map<std::string, std::string> nginx_blames_;  ///< "container x" / "file y" -> nginx's error

  /// What /vhosts shows, replaced whole after each apply and rendered only when asked for.
  struct Snapshot {
    std::shared_ptr<const RoutingModel> model = std::make_shared<const RoutingModel>();
    std::map<std::string, std::string> nginx_blames;
    std::string api_version;
    std::set<std::string> proxy_networks;
  };

  std::atomic<bool> connected_ = false;
  std::atomic<bool> applied_ok_ = false;
  std::atomic<bool> nginx_running_ = false;
  mutable std::mutex snapshot_mutex_;
  std::shared_ptr<const Snapshot> snapshot_ = std::make_shared<const Snapshot>();
};

}  // namespace webvps::proxy_gen
