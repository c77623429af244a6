#!/usr/bin/env bash
# `make up`: the images are built by then (make images); start the shared stack with a demo site.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f compose/docker-compose.yml ]; then
  echo "up: the images are built:"
  docker image ls --format '  {{.Repository}}:{{.Tag}}  {{.Size}}' | grep 'webvps/' | sort
  echo "up: the shared stack (compose/docker-compose.yml) and the demo site do not exist yet, so nothing"
  echo "    is started. They come with the stack issue; until then each image runs on its own, e.g."
  echo "    docker run --rm webvps/mailer mailer --help"
  exit 0
fi
echo "up: compose/docker-compose.yml exists but scripts/up.sh does not start it yet" >&2
exit 1
