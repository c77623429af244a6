#!/usr/bin/env bash
# `make down`: stops the shared stack and every site, keeping all data.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f compose/docker-compose.yml ]; then
  echo "down: there is no stack to stop yet (compose/docker-compose.yml comes with the stack issue)"
  exit 0
fi
docker-compose -f compose/docker-compose.yml -p webvps down
