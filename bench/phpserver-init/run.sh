#!/usr/bin/env bash
# Benchmark of phpserver-init against tini and supervisord (see bench.py).
set -euo pipefail
exec /usr/bin/python3 "$(dirname "$0")/bench.py"
