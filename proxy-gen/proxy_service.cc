#include "proxy_service.h"

#include <malloc.h>
#include <signal.h>
#include <sys/stat.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "atomic_file.h"

namespace webvps::proxy_gen {
namespace {

namespace fs = std::filesystem;
using SteadyClock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// How long the default deployment waits for Docker before nginx starts anyway (on the config
// already on disk, or the catch-all alone), so that the host answers 503 rather than nothing.
constexpr auto kFirstConfigWait = 3s;
constexpr auto kFirstReconnectDelay = 250ms;
constexpr uint32_t kFileEvents = IN_CREATE | IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_ATTRIB |
                                 IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;

double Seconds(SteadyClock::duration duration) { return std::chrono::duration<double>(duration).count(); }

std::string Join(const std::set<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out.empty() ? "-" : out;
}

std::string OwnContainerHint() {
  std::string hint;
  if (auto mountinfo = ReadFile("/proc/self/mountinfo"); mountinfo.ok()) hint = ContainerIdFromMountInfo(*mountinfo);
  if (hint.empty()) {
    const char* hostname = std::getenv("HOSTNAME");
    if (hostname != nullptr) hint = hostname;
  }
  return hint;
}

nlohmann::json ModelJson(const RoutingModel& model) {
  nlohmann::json hosts = nlohmann::json::object();
  for (const auto& [name, host] : model.hosts) {
    nlohmann::json locations = nlohmann::json::object();
    for (const auto& [path, location] : host.locations) {
      nlohmann::json backends = nlohmann::json::array();
      for (const auto& backend : location.backends) {
        backends.push_back({{"container", backend.container}, {"address", backend.address}, {"port", backend.port},
                            {"ready", backend.ready}});
      }
      locations[path] = {{"proto", location.proto}, {"dest", location.dest}, {"network_access", location.network_access},
                         {"upstream", location.upstream}, {"backends", backends}};
    }
    hosts[name] = {{"https_method", host.https_method}, {"hsts", host.hsts}, {"cert_name", host.cert_name},
                   {"containers", host.containers}, {"locations", locations}};
  }
  nlohmann::json rejected = nlohmann::json::array();
  for (const auto& rejection : model.rejections) {
    rejected.push_back({{"container", rejection.container}, {"setting", rejection.setting}, {"reason", rejection.reason}});
  }
  return {{"hosts", hosts},
          {"rejected", rejected},
          {"conflicts", model.conflicts},
          {"unreachable", model.unreachable},
          {"unsupported", model.unsupported}};
}

}  // namespace

ProxyService::ProxyService(boost::asio::io_context& io, Settings settings, Metrics& metrics)
    : io_(io),
      settings_(std::move(settings)),
      metrics_(metrics),
      docker_(SocketPathOf(settings_.docker_host).value(), settings_.docker_timeout),
      stream_(io, docker_.socket_path()),
      nginx_({settings_.nginx_binary, settings_.main_config, settings_.nginx_config, settings_.work_dir}, [this] { return Reload(); }),
      applier_(nginx_),
      inotify_(io),
      debouncer_(settings_.debounce_quiet, settings_.debounce_max),
      apply_timer_(io),
      reconnect_timer_(io),
      ping_timer_(io),
      resync_timer_(io),
      first_config_timer_(io) {
  metrics_.DescribeGauge("webvps_proxy_docker_connected", "1 while the Docker event stream is attached.");
  metrics_.DescribeCounter("webvps_proxy_events_total", "Docker events received.");
  metrics_.DescribeCounter("webvps_proxy_resyncs_total", "Full resyncs (list and inspect every running container), by reason.");
  metrics_.DescribeCounter("webvps_proxy_inspects_total", "Containers inspected because an event named them.");
  metrics_.DescribeCounter("webvps_proxy_regenerations_total", "New configs installed.");
  metrics_.DescribeCounter("webvps_proxy_reloads_total", "nginx reloads, by result.");
  metrics_.DescribeCounter("webvps_proxy_nginx_tests_total", "nginx -t runs on candidate configs.");
  metrics_.DescribeCounter("webvps_proxy_apply_failures_total", "Applies that kept the last good config, by kind.");
  metrics_.DescribeCounter("webvps_proxy_rejections_total", "Containers left out for a bad value, by setting (counted when first seen).");
  metrics_.DescribeCounter("webvps_proxy_nginx_exclusions_total", "Containers or files left out because nginx refused the config with them.");
  metrics_.DescribeGauge("webvps_proxy_rejected_containers", "Containers with VIRTUAL_HOST left out now (bad values or refused by nginx).");
  metrics_.DescribeGauge("webvps_proxy_vhosts", "Host names served.");
  metrics_.DescribeGauge("webvps_proxy_backends", "Backend servers in the upstreams, ready or not.");
  metrics_.DescribeGauge("webvps_proxy_apply_seconds", "Duration of the last apply that changed something (render, nginx -t, install, reload).");
  metrics_.DescribeCounter("webvps_proxy_apply_seconds_sum", "Total duration of the applies that changed something.");
  metrics_.DescribeCounter("webvps_proxy_apply_seconds_count", "Applies that changed something.");
  metrics_.Set("webvps_proxy_docker_connected", 0);

  if (settings_.mode == NginxMode::kSupervise) {
    ServiceSpec nginx;
    nginx.name = "nginx";
    nginx.command = {settings_.nginx_binary, "-c", settings_.main_config, "-g", "daemon off;"};
    nginx.stop_signal = SIGQUIT;  // graceful: the requests in flight finish
    nginx.reload_signal = SIGHUP;
    nginx.main = true;
    ServiceRunner::Hooks hooks;
    hooks.changed = [this] { nginx_running_ = runner_ && runner_->PidOf("nginx").has_value(); };
    hooks.finished = [this](int exit_code) {
      exit_code_ = exit_code;
      if (!stopping_) spdlog::critical("nginx cannot be kept running; stopping");
      stopping_ = true;
      io_.stop();
    };
    runner_.emplace(io, std::vector<ServiceSpec>{nginx}, settings_.stop_timeout, metrics_, "webvps_proxy", hooks);
  }
}

Status ProxyService::Start() {
  if (Status prepared = nginx_.Prepare(); !prepared.ok()) return prepared;
  for (const auto& dir : {settings_.certs_dir, settings_.vhost_dir, settings_.htpasswd_dir}) {
    std::error_code error;
    fs::create_directories(dir, error);
    if (error) spdlog::warn("create {}: {}; its files are not used until it exists", dir, error.message());
  }
  if (auto live = ReadFile(settings_.nginx_config); live.ok()) applier_.AssumeInstalled(*live);
  if (!inotify_.status().ok()) spdlog::error("file changes will be seen only at resyncs: {}", inotify_.status().ToString());
  WatchFiles();
  inotify_.Start([this](const InotifyEvent& event) { OnFilesEvent(event); });
  if (runner_) {
    first_config_timer_.expires_after(kFirstConfigWait);
    first_config_timer_.async_wait([this](boost::system::error_code error) {
      if (error || nginx_started_ || stopping_) return;
      // Docker answered, but nginx refused every config (the errors above say why).
      std::string why = (ever_connected_ ? "no config passed nginx -t within " : "Docker has not answered within ") +
                        std::to_string(std::chrono::duration_cast<std::chrono::seconds>(kFirstConfigWait).count()) + " s";
      if (!fs::exists(settings_.nginx_config)) {
        spdlog::warn("{}: nginx starts with the catch-all only (503 for every host)", why);
        ApplyNow();
      } else {
        spdlog::warn("{}: nginx starts with the config on disk", why);
      }
      StartNginx();
    });
  }
  spdlog::info("following Docker at {}; config {}; nginx {}", docker_.socket_path(), settings_.nginx_config,
               runner_ ? "supervised here" : "in another container, reloaded through the Docker API");
  Connect();
  ArmPing();
  ArmResync();
  return {};
}

void ProxyService::Stop() {
  if (stopping_) return;
  stopping_ = true;
  stream_.Stop();
  inotify_.Stop();
  for (auto* timer : {&apply_timer_, &reconnect_timer_, &ping_timer_, &resync_timer_, &first_config_timer_}) timer->cancel();
  if (runner_ && nginx_started_ && !runner_->finished()) {
    runner_->Stop();  // its finished hook stops the loop
  } else {
    io_.stop();
  }
}

HealthReport ProxyService::Health() const {
  if (!connected_) return {false, "not connected to Docker"};
  if (!applied_ok_) return {false, "the last config apply failed (see the log); nginx serves the last good one"};
  if (runner_ && !nginx_running_) return {false, "nginx is not running"};
  return {};
}

HttpResponse ProxyService::VhostsJson() const {
  std::shared_ptr<const Snapshot> snapshot;
  {
    std::lock_guard lock(snapshot_mutex_);
    snapshot = snapshot_;
  }
  nlohmann::json json = ModelJson(*snapshot->model);
  nlohmann::json left_out = nlohmann::json::array();
  for (const auto& [what, reason] : snapshot->nginx_blames) left_out.push_back({{"what", what}, {"reason", reason}});
  json["left_out_by_nginx"] = left_out;
  json["docker"] = {{"connected", connected_.load()}, {"api_version", snapshot->api_version},
                    {"proxy_networks", snapshot->proxy_networks}};
  return HttpResponse{200, "application/json", json.dump(2) + "\n"};
}

void ProxyService::SetConnected(bool connected) {
  connected_ = connected;
  metrics_.Set("webvps_proxy_docker_connected", connected ? 1 : 0);
}

void ProxyService::Connect() {
  if (stopping_) return;
  if (Status negotiated = docker_.Negotiate(); !negotiated.ok()) return OnDisconnected(negotiated.error().message());
  stream_.Start(
      docker_.EventsTarget(), [this] { OnAttached(); }, [this](const DockerEvent& event) { OnEvent(event); },
      [this](const std::string& why) { OnDisconnected(why); });
}

void ProxyService::OnAttached() {
  bool first = !ever_connected_;
  ever_connected_ = true;
  reconnect_delay_ = kFirstReconnectDelay;
  last_activity_ = SteadyClock::now();
  SetConnected(true);
  spdlog::info("{} Docker (API {}): event stream attached", first ? "connected to" : "reconnected to", docker_.version());
  // The stream is attached before the listing: a container started from now on is in one or
  // the other, or both.
  FullResync(first ? "start" : "reconnect");
  ApplyNow();
}

void ProxyService::OnDisconnected(const std::string& why) {
  if (stopping_) return;
  stream_.Stop();
  if (connected_) {
    spdlog::warn("lost Docker: {}; nginx keeps serving the last config; reconnecting", why);
  } else {
    spdlog::warn("cannot reach Docker: {}; retrying in {} ms", why, reconnect_delay_.count());
  }
  SetConnected(false);
  reconnect_timer_.expires_after(reconnect_delay_);
  reconnect_timer_.async_wait([this](boost::system::error_code error) {
    if (!error) Connect();
  });
  reconnect_delay_ = std::min(reconnect_delay_ * 2, settings_.reconnect_max);
}

void ProxyService::FindAnchor() {
  std::string wanted;
  if (runner_) {
    wanted = settings_.own_container.empty() ? OwnContainerHint() : settings_.own_container;
  } else if (!settings_.nginx_container.empty()) {
    wanted = settings_.nginx_container;
  } else if (auto labelled = docker_.ListRunning(std::string(kNginxRoleLabel) + "=nginx"); labelled.ok() && !labelled->empty()) {
    // Several stacks on one host: the nginx of proxy-gen's own compose project.
    std::vector<ContainerInfo> candidates;
    for (const auto& id : *labelled) {
      if (auto info = docker_.Inspect(id); info.ok() && *info) candidates.push_back(std::move(**info));
    }
    std::map<std::string, std::string> own_labels;
    if (std::string own = OwnContainerHint(); !own.empty()) {
      if (auto info = docker_.Inspect(own); info.ok() && *info) own_labels = (*info)->labels;
    }
    wanted = ChooseNginxContainer(candidates, own_labels);
  }
  std::optional<ContainerInfo> anchor;
  if (!wanted.empty()) {
    auto inspected = docker_.Inspect(wanted);
    if (inspected.ok()) anchor = *inspected;
  }
  std::set<std::string> networks;
  if (anchor) {
    // On the host's network the proxy reaches every backend network.
    if (anchor->network_mode != "host") {
      for (const auto& endpoint : anchor->networks) networks.insert(endpoint.network);
    }
    if (anchor->id != anchor_id_ || networks != proxy_networks_) {
      spdlog::info("{} {} ({}): backends are reached on its networks: {}", runner_ ? "own container" : "nginx container",
                   anchor->name, anchor->id.substr(0, 12), networks.empty() ? "any" : Join(networks));
    }
    anchor_id_ = anchor->id;
    anchor_warned_ = false;
  } else {
    if (!anchor_warned_) {
      if (runner_) {
        spdlog::warn("cannot find proxy-gen's own container{}: every network of a backend counts (set proxy.container)",
                     wanted.empty() ? "" : " (" + wanted + ")");
      } else {
        spdlog::warn("no nginx container found ({}): nginx cannot be reloaded until it runs",
                     settings_.nginx_container.empty() ? std::string("none is labelled ") + kNginxRoleLabel + "=nginx"
                                                       : "nginx.container " + settings_.nginx_container);
      }
      anchor_warned_ = true;
    }
    anchor_id_.clear();
  }
  // NETWORK_ACCESS=internal never admits these: every site's container is on them.
  std::vector<std::string> subnets;
  for (const auto& network : networks) {
    auto found = docker_.NetworkSubnets(network);
    if (found.ok()) subnets.insert(subnets.end(), found->begin(), found->end());
    else spdlog::warn("{}; NETWORK_ACCESS=internal may admit that network", found.error().message());
  }
  std::sort(subnets.begin(), subnets.end());
  proxy_subnets_ = std::move(subnets);
  proxy_networks_ = std::move(networks);
}

void ProxyService::FullResync(std::string reason) {
  auto begin = SteadyClock::now();
  FindAnchor();
  auto ids = docker_.ListRunning();
  if (!ids.ok()) {
    spdlog::warn("resync ({}): {}; trying again at the next change", reason, ids.error().message());
    resync_pending_ = reason;
    return;
  }
  std::map<std::string, ContainerInfo> found;
  for (const auto& id : *ids) {
    auto info = docker_.Inspect(id);
    if (!info.ok()) {
      spdlog::warn("resync ({}): {}", reason, info.error().message());
      resync_pending_ = reason;
      return;
    }
    if (*info && (*info)->running) {
      ContainerInfo view = RoutingView(std::move(**info));
      found[view.id] = std::move(view);
    }
  }
  containers_ = std::move(found);
  dirty_.clear();
  resync_pending_.reset();
  metrics_.Add("webvps_proxy_resyncs_total", {{"reason", reason}});
  auto level = reason == "periodic" ? spdlog::level::debug : spdlog::level::info;
  spdlog::log(level, "resync ({}): {} running containers inspected in {:.0f} ms", reason, containers_.size(),
              Seconds(SteadyClock::now() - begin) * 1000);
}

void ProxyService::OnEvent(const DockerEvent& event) {
  last_activity_ = SteadyClock::now();
  metrics_.Add("webvps_proxy_events_total");
  EventNeed need = NeedOf(event, anchor_id_);
  auto role = event.attributes.find(kNginxRoleLabel);
  // The anchor's networks decide which networks count: when it (re)starts, or a new nginx
  // container comes, everything is looked at again. Its other events change nothing.
  bool is_anchor = need.effect == EventEffect::kInspect && !anchor_id_.empty() && need.container_id == anchor_id_;
  bool is_nginx = !runner_ && role != event.attributes.end() && role->second == "nginx";
  if (is_anchor || is_nginx) {
    bool restarted = event.action == "start" || event.action == "restart";
    need = restarted || (is_nginx && anchor_id_.empty()) ? EventNeed{EventEffect::kResync, ""} : EventNeed{};
  }
  const char* resync_reason = is_anchor || is_nginx ? "proxy restarted" : "proxy networks";
  spdlog::debug("event {} {} {}", event.type, event.action, event.id.substr(0, 12));
  if (need.effect == EventEffect::kNone) return;
  if (need.effect == EventEffect::kResync) resync_pending_ = resync_reason;
  else dirty_.insert(need.container_id);
  debouncer_.Seen(SteadyClock::now());
  ScheduleApply();
}

void ProxyService::Inspect(const std::string& id) {
  metrics_.Add("webvps_proxy_inspects_total");
  auto info = docker_.Inspect(id);
  if (!info.ok()) {
    // The stream breaks too when the daemon goes away; the reconnect resyncs everything.
    spdlog::warn("{}", info.error().message());
    return;
  }
  if (!*info) {
    containers_.erase(id);  // gone: events carry the full id, as listings do
  } else if (!(*info)->running) {
    containers_.erase((*info)->id);
  } else {
    ContainerInfo view = RoutingView(std::move(**info));
    containers_[view.id] = std::move(view);
  }
}

void ProxyService::InspectDirty() {
  for (const auto& id : dirty_) Inspect(id);
  dirty_.clear();
}

void ProxyService::ScheduleApply() {
  auto due = debouncer_.DueAt();
  if (!due || stopping_) return;
  apply_timer_.expires_at(*due);
  apply_timer_.async_wait([this](boost::system::error_code error) {
    if (error || stopping_) return;
    if (!debouncer_.Take(SteadyClock::now())) return ScheduleApply();
    if (resync_pending_ && connected_) FullResync(*resync_pending_);
    InspectDirty();
    ApplyNow();
  });
}

void ProxyService::ApplyNow() {
  auto begin = SteadyClock::now();
  ApplyInput input;
  input.containers.reserve(containers_.size());
  for (const auto& [id, info] : containers_) input.containers.push_back(info);
  input.routing = RoutingOptionsFor(settings_);
  input.routing.proxy_networks = proxy_networks_;
  input.files = ScanProxyFiles(settings_.certs_dir, settings_.vhost_dir, settings_.htpasswd_dir);
  input.render = RenderOptionsFor(settings_);
  input.render.internal_deny = proxy_subnets_;
  // The admin's proxy.conf and 50x.html, when they are there (in split mode, mounted in both containers).
  auto is_file = [](const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
  };
  if (!is_file(settings_.proxy_conf)) input.render.proxy_conf.clear();
  if (!is_file(settings_.error_pages + "/50x.html")) input.render.error_pages.clear();
  input.files_changed = files_changed_;
  files_changed_ = false;
  ApplyOutcome outcome = applier_.Apply(input);
  Report(outcome, SteadyClock::now() - begin);
  bool served = outcome.kind == ApplyOutcome::Kind::kInstalled || outcome.kind == ApplyOutcome::Kind::kUnchanged;
  if (runner_ && !nginx_started_ && served) StartNginx();
  // Rendering and testing at a thousand sites takes megabytes that are free again now; give
  // them back rather than keep the peak resident.
  malloc_trim(0);
}

void ProxyService::Report(const ApplyOutcome& outcome, SteadyClock::duration took) {
  metrics_.Add("webvps_proxy_nginx_tests_total", {}, outcome.tests);
  applied_ok_ = (outcome.kind == ApplyOutcome::Kind::kInstalled || outcome.kind == ApplyOutcome::Kind::kUnchanged) &&
                outcome.error.empty();
  size_t hosts = outcome.model ? outcome.model->hosts.size() : 0;
  size_t backends = 0;
  if (outcome.model) {
    for (const auto& [name, host] : outcome.model->hosts) {
      for (const auto& [path, location] : host.locations) backends += location.backends.size();
    }
  }
  switch (outcome.kind) {
    case ApplyOutcome::Kind::kUnchanged:
      spdlog::debug("nothing changed: config kept as it is");
      break;
    case ApplyOutcome::Kind::kInstalled: {
      metrics_.Set("webvps_proxy_apply_seconds", Seconds(took));
      metrics_.Add("webvps_proxy_apply_seconds_sum", {}, Seconds(took));
      metrics_.Add("webvps_proxy_apply_seconds_count");
      if (outcome.written) metrics_.Add("webvps_proxy_regenerations_total");
      if (outcome.reloaded) metrics_.Add("webvps_proxy_reloads_total", {{"result", "ok"}});
      std::string what = outcome.written ? "new config installed" : "certificate or vhost.d files changed";
      if (!outcome.error.empty()) {
        metrics_.Add("webvps_proxy_reloads_total", {{"result", "failed"}});
        spdlog::error("{}, but nginx was not reloaded: {}", what, outcome.error);
      } else if (outcome.written || outcome.reloaded) {
        spdlog::info("{}: {} hosts, {} backends; {} nginx -t, {} in {:.0f} ms", what, hosts, backends,
                     outcome.tests, outcome.reloaded ? "reloaded" : "not reloaded", Seconds(took) * 1000);
      } else {
        spdlog::debug("config tested, bytes unchanged: nothing written");
      }
      break;
    }
    case ApplyOutcome::Kind::kRefused:
      metrics_.Add("webvps_proxy_apply_failures_total", {{"kind", "refused"}});
      spdlog::error("nginx refused the new config and no container or file is to blame: {}; the last good config stays",
                    outcome.error);
      break;
    case ApplyOutcome::Kind::kFailed:
      metrics_.Add("webvps_proxy_apply_failures_total", {{"kind", "failed"}});
      spdlog::error("cannot apply the new config: {}; the last good config stays", outcome.error);
      break;
  }
  for (const auto& blame : outcome.blamed) {
    metrics_.Add("webvps_proxy_nginx_exclusions_total");
    spdlog::error("{} left out: nginx refused the config with it: {}", blame.what, blame.reason);
    nginx_blames_[blame.what] = blame.reason;
  }

  if (!outcome.model) return;  // nothing new is served: the report of the last good one stands

  std::set<std::string> excluded_names;
  for (const auto& id : outcome.excluded_containers) {
    if (auto it = containers_.find(id); it != containers_.end()) excluded_names.insert(it->second.name);
  }
  std::set<std::string> rejected_names = excluded_names;
  std::set<std::string> rejections;
  for (const auto& rejection : outcome.model->rejections) {
    std::string key = rejection.container + ": " + rejection.setting + ": " + rejection.reason;
    rejections.insert(key);
    rejected_names.insert(rejection.container);
    if (!reported_rejections_.contains(key)) {
      metrics_.Add("webvps_proxy_rejections_total", {{"setting", rejection.setting}});
      spdlog::warn("container {} left out: {}: {}", rejection.container, rejection.setting, rejection.reason);
    }
  }
  reported_rejections_ = std::move(rejections);
  std::set<std::string> conflicts(outcome.model->conflicts.begin(), outcome.model->conflicts.end());
  for (const auto& conflict : conflicts) {
    if (!reported_conflicts_.contains(conflict)) spdlog::warn("conflicting settings: {}", conflict);
  }
  reported_conflicts_ = std::move(conflicts);
  std::set<std::string> unreachable(outcome.model->unreachable.begin(), outcome.model->unreachable.end());
  for (const auto& name : unreachable) {
    if (!reported_unreachable_.contains(name)) {
      spdlog::info("container {} asks to be proxied but shares no network with the proxy ({}): not served", name,
                   Join(proxy_networks_));
    }
  }
  reported_unreachable_ = std::move(unreachable);
  std::set<std::string> unsupported(outcome.model->unsupported.begin(), outcome.model->unsupported.end());
  for (const auto& what : unsupported) {
    if (!reported_unsupported_.contains(what)) {
      spdlog::warn("container {}: an nginx-proxy setting webvps does not read; served without it (docs/proxy-gen.md)",
                   what);
    }
  }
  reported_unsupported_ = std::move(unsupported);
  metrics_.Set("webvps_proxy_rejected_containers", static_cast<double>(rejected_names.size()));
  metrics_.Set("webvps_proxy_vhosts", static_cast<double>(hosts));
  metrics_.Set("webvps_proxy_backends", static_cast<double>(backends));

  // Blames of containers no longer left out are forgotten; those of files stay until they change.
  for (auto it = nginx_blames_.begin(); it != nginx_blames_.end();) {
    bool container = it->first.starts_with("container ");
    if (container && !excluded_names.contains(it->first.substr(10))) it = nginx_blames_.erase(it);
    else ++it;
  }
  auto snapshot = std::make_shared<Snapshot>();
  snapshot->model = outcome.model;
  snapshot->nginx_blames = nginx_blames_;
  snapshot->api_version = docker_.version();
  snapshot->proxy_networks = proxy_networks_;
  std::lock_guard lock(snapshot_mutex_);
  snapshot_ = std::move(snapshot);
}

void ProxyService::StartNginx() {
  if (nginx_started_ || !runner_ || stopping_) return;
  nginx_started_ = true;
  first_config_timer_.cancel();
  runner_->Start();
}

Status ProxyService::Reload() {
  if (runner_) {
    // Not started yet, or between restarts: it loads the new file when it starts.
    if (!nginx_started_ || !runner_->PidOf("nginx")) return {};
    return runner_->Signal("nginx", SIGHUP);
  }
  if (anchor_id_.empty()) {
    return Error("reload nginx: no nginx container found (set nginx.container or label it " + std::string(kNginxRoleLabel) + "=nginx)");
  }
  return docker_.Signal(anchor_id_, "HUP");
}

void ProxyService::WatchFiles() {
  for (const auto& dir : {settings_.certs_dir, settings_.vhost_dir, settings_.htpasswd_dir}) {
    bool watched = false;
    for (const auto& [watch, watched_dir] : file_watches_) watched |= watched_dir == dir;
    if (watched || !inotify_.status().ok()) continue;
    if (auto watch = inotify_.Watch(dir, kFileEvents); watch.ok()) {
      file_watches_[*watch] = dir;
    } else {
      spdlog::warn("cannot watch {} ({}): its changes are seen at the next resync", dir, watch.error().message());
    }
  }
}

void ProxyService::OnFilesEvent(const InotifyEvent& event) {
  if (!event.overflowed()) {
    auto dir = file_watches_.find(event.watch);
    if (dir == file_watches_.end()) return;
    if (event.mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF)) {
      file_watches_.erase(dir);  // watched again at the next resync, if it is back
      return;
    }
    // Editors' and tools' temporary files are not the files nginx loads.
    if (event.name.empty() || event.name.front() == '.' || event.name.back() == '~') return;
    // nginx reads htpasswd files at each request; certificates and vhost.d only at a reload.
    if (dir->second != settings_.htpasswd_dir) files_changed_ = true;
    spdlog::debug("{}/{} changed", dir->second, event.name);
  } else {
    files_changed_ = true;
  }
  debouncer_.Seen(SteadyClock::now());
  ScheduleApply();
}

void ProxyService::ArmPing() {
  ping_timer_.expires_after(settings_.ping_interval);
  ping_timer_.async_wait([this](boost::system::error_code error) {
    if (error || stopping_) return;
    // The event stream has no heartbeat: a quiet stream may be a dead one.
    if (connected_ && SteadyClock::now() - last_activity_ >= settings_.ping_interval) {
      if (Status ping = docker_.Ping(); !ping.ok()) {
        OnDisconnected(ping.error().message());
      } else {
        last_activity_ = SteadyClock::now();
      }
    }
    ArmPing();
  });
}

void ProxyService::ArmResync() {
  resync_timer_.expires_after(settings_.resync_interval);
  resync_timer_.async_wait([this](boost::system::error_code error) {
    if (error || stopping_) return;
    WatchFiles();
    if (connected_) {
      FullResync("periodic");
      ApplyNow();
    }
    ArmResync();
  });
}

}  // namespace webvps::proxy_gen
