#!/usr/bin/env bash
# `make down`: stops every site and the shared stack, keeping all data.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

# Every site project that runs, whether or not the registry still lists it: the proxy's network
# can only go once no site is attached to it.
projects=$(docker ps -a --format '{{.Label "com.docker.compose.project"}}' | grep -F -- "$WEBVPS_SITE_PREFIX" | sort -u || true)
for project in $projects; do
  [[ $project == "$WEBVPS_SITE_PREFIX"* ]] || continue
  name=${project#"$WEBVPS_SITE_PREFIX"}
  if valid_site_name "$name" && [ -f "$SITES_DIR/$name/site.env" ]; then
    scripts/site.sh stop "$name"
  else
    # No site.env to give compose its variables: its containers go (their data is not in them).
    ids=$(docker ps -aq --filter "label=com.docker.compose.project=$project")
    [ -n "$ids" ] && docker rm -f $ids >/dev/null
    docker network ls -q --filter "label=com.docker.compose.project=$project" | xargs -r docker network rm >/dev/null
    say "site project $project stopped (no site.env for it)"
  fi
done
scripts/stack.sh down
release_sites_mount
say "stopped; the data is kept in $WEBVPS_ROOT"
