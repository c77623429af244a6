// Config files and durations (common/config.cc) through every program's settings reader: any
// file is read or refused with problems, never a crash, an exception or an overflow.
#include <chrono>

#include "common/config.h"
#include "fuzz/fuzz.h"
#include "mailer/settings.h"
#include "phpserver-init/settings.h"
#include "proxy-gen/settings.h"
#include "sshd-chroot/settings.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace webvps;
  auto [file, value] = fuzz::SplitInput(fuzz::Text(data, size));
  // The second part as a duration, and as every environment variable a program reads.
  auto duration = ParseDuration(value);
  if (duration.ok() && (duration->count() < 0 || duration->count() > kMaxDurationDays * 86'400'000)) {
    fuzz::Finding("a duration out of range: " + std::to_string(duration->count()));
  }
  auto source = ConfigSource::FromText(file, "config.yaml");
  if (!source.ok()) return 0;
  std::string env_value(value);
  EnvironmentLookup environment = [&](const std::string&) -> std::optional<std::string> {
    if (env_value.empty()) return std::nullopt;
    return env_value;
  };
  {
    ConfigReader reader(*source, "WEBVPS_MAILER_", environment);
    mailer::ReadSettings(reader, std::nullopt, [](const std::string& path) -> Result<std::string> { return Error("no file " + path); });
    (void)reader.Finish();
  }
  {
    ConfigReader reader(*source, "WEBVPS_PROXY_GEN_", environment);
    proxy_gen::ReadSettings(reader, proxy_gen::ReadNginxProxyEnvironment(environment));
    (void)reader.Finish();
  }
  {
    ConfigReader reader(*source, "WEBVPS_SSHD_CHROOT_", environment);
    sshd_chroot::ReadSettings(reader);
    (void)reader.Finish();
  }
  {
    ConfigReader reader(*source, "WEBVPS_PHPSERVER_INIT_", environment);
    phpserver_init::ReadSettings(reader);
    (void)reader.Finish();
  }
  return 0;
}
