#!/usr/bin/env bash
# Benchmark of sshd-chroot against jailkit's jk_init (see bench.py).
set -euo pipefail
exec /usr/bin/python3 "$(dirname "$0")/bench.py"
