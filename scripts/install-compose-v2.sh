#!/usr/bin/env bash
# Docker Compose v2 as a Docker CLI plugin, built from the Go module proxy (no registry or
# download site is needed): `go mod download` of the module, then `go build` inside it. Its
# go.mod has `exclude` directives, so `go install …@version` refuses. About 8 minutes on 2
# cores, once per machine: the binary is kept in the cache and installed from there afterwards.
#   scripts/install-compose-v2.sh          build if needed, install, print the version
#   scripts/install-compose-v2.sh --check  exit 0 if it is installed, 1 if not (no build)
# Exit status 3: Go is not installed, so Compose v2 cannot be built here (nothing changed).
# Environment: WEBVPS_COMPOSE_V2_VERSION (default v2.40.3), WEBVPS_GO (the go command; default
# the one on PATH, else /usr/local/go/bin/go), WEBVPS_CACHE (default
# /var/cache/webvps), WEBVPS_CLI_PLUGINS (default /usr/local/lib/docker/cli-plugins, where the
# Docker CLI looks for plugins of every user).
set -euo pipefail

version=${WEBVPS_COMPOSE_V2_VERSION:-v2.40.3}
[[ $version =~ ^v2\.[0-9]+\.[0-9]+$ ]] || { echo "install-compose-v2: '$version' is not a v2.X.Y version" >&2; exit 2; }
cache=${WEBVPS_CACHE:-/var/cache/webvps}/compose-$version
plugins=${WEBVPS_CLI_PLUGINS:-/usr/local/lib/docker/cli-plugins}
binary=$cache/docker-compose
target=$plugins/docker-compose

installed() { [ -x "$target" ] && "$target" version --short 2>/dev/null | grep -qx "${version#v}"; }

if [ "${1:-}" = --check ]; then
  installed
  exit
fi
if installed; then
  echo "install-compose-v2: Compose $version is installed ($target)"
  exit 0
fi

if [ ! -x "$binary" ]; then
  go=${WEBVPS_GO:-$(command -v go || echo /usr/local/go/bin/go)}
  if [ ! -x "$go" ]; then
    echo "install-compose-v2: Go is not installed (not on PATH, nor at $go): Compose $version cannot be built" >&2
    exit 3
  fi
  mkdir -p "$cache"
  # WEBVPS_QUIET=1 (make test): Go's own lines only if it fails.
  golog=/dev/stderr
  if [ "${WEBVPS_QUIET:-0}" = 1 ]; then
    golog=$cache/build.log
    : >"$golog"
  fi
  began=$(date +%s)
  echo "install-compose-v2: downloading github.com/docker/compose/v2@$version and its modules from $("$go" env GOPROXY)"
  dir=$(GOFLAGS=-mod=mod "$go" mod download -json "github.com/docker/compose/v2@$version" 2>>"$golog" |
    /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["Dir"])') ||
    { [ "$golog" = /dev/stderr ] || tail -n 30 "$golog" >&2; echo "install-compose-v2: downloading Compose $version failed" >&2; exit 1; }
  echo "install-compose-v2: building Compose $version with $("$go" version | cut -d' ' -f3) (about 8 minutes on 2 cores; a line a minute)"
  (while sleep 60; do echo "install-compose-v2: still building ($(( $(date +%s) - began )) s)"; done) &
  ticker=$!
  trap 'kill $ticker 2>/dev/null || true' EXIT
  # The module cache is read-only: the binary is written to the cache directory, then renamed.
  if ! (cd "$dir" && CGO_ENABLED=0 GOFLAGS=-mod=mod "$go" build -trimpath \
    -ldflags "-s -w -X github.com/docker/compose/v2/internal.Version=$version" \
    -o "$binary.new" ./cmd) 2>>"$golog"; then
    [ "$golog" = /dev/stderr ] || tail -n 30 "$golog" >&2
    echo "install-compose-v2: building Compose $version failed" >&2
    exit 1
  fi
  kill $ticker 2>/dev/null || true
  mv "$binary.new" "$binary"
  echo "install-compose-v2: built in $(( $(date +%s) - began )) s"
fi

mkdir -p "$plugins"
install -m 0755 "$binary" "$target.new"
mv "$target.new" "$target"
installed || { echo "install-compose-v2: $target does not say it is $version" >&2; exit 1; }
echo "install-compose-v2: Compose $("$target" version --short) is installed as a Docker CLI plugin ($target)"
