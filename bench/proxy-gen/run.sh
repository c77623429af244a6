#!/usr/bin/env bash
# Benchmark of proxy-gen (see bench.py): start-to-200 latency, render, nginx -t and memory at 1..1000 sites.
set -euo pipefail
exec /usr/bin/python3 "$(dirname "$0")/bench.py"
