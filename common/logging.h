// Logging setup, once per program: spdlog's default logger on stderr, in text or JSON lines,
// with the program name in every line. Log a line per state change; never a secret.
#pragma once

#include <spdlog/formatter.h>

#include <memory>
#include <string>

#include "result.h"

namespace webvps {

enum class LogFormat { kText, kJson };

struct LogOptions {
  std::string level = "info";          ///< trace, debug, info, warn, error, critical, off
  LogFormat format = LogFormat::kText;
};

/// Reads "text" or "json".
Result<LogFormat> ParseLogFormat(const std::string& text);
/// Checks a level name.
Status CheckLogLevel(const std::string& level);

/// A formatter writing one JSON object per line:
/// {"time":"2026-11-22T09:07:41.123Z","level":"info","program":"mailer","message":"..."}.
std::unique_ptr<spdlog::formatter> MakeJsonFormatter(const std::string& program);

/// Installs the default logger for `program`. Call once, early in main().
Status SetupLogging(const std::string& program, const LogOptions& options);

}  // namespace webvps
