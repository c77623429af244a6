#!/usr/bin/env bash
# The size of each webvps image (what a host downloads or builds), next to the base image.
set -euo pipefail
exec /usr/bin/python3 "$(dirname "$0")/bench.py"
