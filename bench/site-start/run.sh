#!/usr/bin/env bash
# Start time of a site's container, before and after the tenant-isolation redesign (see bench.py).
set -euo pipefail
exec /usr/bin/python3 "$(dirname "$0")/bench.py"
