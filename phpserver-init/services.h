// The services phpserver-init starts and supervises, read from a small YAML file baked into
// the image (/etc/webvps/services.yaml). docs/phpserver-init.md describes the format.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "result.h"

namespace webvps::phpserver_init {

enum class RestartPolicy { kAlways, kOnFailure, kNever };

struct ServiceSpec {
  std::string name;                 ///< [a-z][a-z0-9-]*: logs and metrics
  std::vector<std::string> command;  ///< argv; argv[0] looked up in PATH
  int stop_signal = 15;             ///< SIGTERM; Apache: SIGWINCH (graceful stop)
  int reload_signal = 0;            ///< 0: no graceful reload; Apache: SIGUSR1
  std::string config_test;          ///< shell command that checks the config before a reload; empty: none
  RestartPolicy restart = RestartPolicy::kAlways;
  bool main = false;                ///< when it ends for good, the container ends with its status
  std::chrono::milliseconds backoff_initial{500};  ///< first restart delay; doubles per quick crash
  std::chrono::milliseconds backoff_max{30'000};
  int crash_loop_limit = 10;        ///< this many quick crashes in a row: give up
  std::chrono::milliseconds stable_after{10'000};  ///< a run this long resets the crash count
};

/// Parses the services file; errors name the source, line and key ("services.yaml:4: services[0].restart: ...").
Result<std::vector<ServiceSpec>> ParseServices(std::string_view text, const std::string& source);

/// "SIGTERM", "TERM" or a number -> the signal number.
Result<int> ParseSignal(std::string_view name);
/// The signal's name without "SIG": "TERM".
std::string SignalName(int signal);

}  // namespace webvps::phpserver_init
