#!/usr/bin/env bash
# Benchmarks of proxy-gen: bench.py (start-to-200 latency, render, nginx -t and memory at 1..1000
# sites) and traffic.py (the real site image with its HEALTHCHECK behind the real proxy:
# start-to-200, restarts, req/s through the proxy against straight to Apache).
set -euo pipefail
/usr/bin/python3 "$(dirname "$0")/bench.py"
exec /usr/bin/python3 "$(dirname "$0")/traffic.py"
