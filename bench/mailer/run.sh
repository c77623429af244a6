#!/usr/bin/env bash
# Benchmark of the mailer against nullmailer-send (see bench.py).
set -euo pipefail
exec /usr/bin/python3 "$(dirname "$0")/bench.py"
