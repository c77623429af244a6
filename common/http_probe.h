// A minimal HTTP/1.0 GET for health checks: images' HEALTHCHECKs run `<program> --health`,
// which asks the program's own status endpoint, so no curl is needed in any image.
#pragma once

#include <chrono>
#include <string>

#include "result.h"

namespace webvps {

struct ProbeAnswer {
  int status = 0;    ///< the HTTP status code
  std::string body;  ///< at most 64 KiB
};

/// GET `path` from `address` ("127.0.0.1:9100", "[::1]:9100"; ":9100" means 127.0.0.1).
Result<ProbeAnswer> HttpGet(const std::string& address, const std::string& path, std::chrono::milliseconds timeout);

}  // namespace webvps
