// The real nginx behind the applier: candidates are tested with `nginx -t` through a copy of
// the main config that loads the candidate in the live file's place (see candidate_config.h),
// installed with an atomic replace (EBUSY-safe for a bind-mounted file), and reloaded by a
// function the deployment supplies (a signal to the nginx proxy-gen supervises, or a kill
// through the Docker API to an nginx container).
#pragma once

#include <functional>
#include <string>

#include "proxy-gen/applier.h"

namespace webvps::proxy_gen {

struct NginxControlOptions {
  std::string binary = "nginx";
  std::string main_config = "/etc/nginx/nginx.conf";
  std::string live_config = "/etc/nginx/conf.d/default.conf";
  std::string work_dir = "/var/lib/proxy-gen";  ///< holds candidate.conf and test-main.conf
};

class NginxControl final : public NginxInterface {
 public:
  NginxControl(NginxControlOptions options, std::function<Status()> reload);

  /// Creates the work directory and the live file's directory.
  Status Prepare();

  Result<std::optional<std::string>> Test(const std::string& config) override;
  std::string CandidatePath() const override { return options_.work_dir + "/candidate.conf"; }
  Status Install(const std::string& config) override;
  Status Reload() override { return reload_(); }

 private:
  NginxControlOptions options_;
  std::function<Status()> reload_;
  bool warned_minimal_ = false;
};

}  // namespace webvps::proxy_gen
