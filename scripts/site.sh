#!/usr/bin/env bash
# Sites of a webvps host (docs/sites.md).
#   scripts/site.sh add NAME --host HOST [--alias A,B] [--email ADDR] [--ssh sftp|shell|none] [--lamp] [--no-start]
#   scripts/site.sh remove NAME [--purge]       stops it and takes it out of the registry; --purge deletes its files
#   scripts/site.sh start NAME | stop NAME
#   scripts/site.sh restart NAME | upgrade NAME   without a failed request: the new web container
#                                               (upgrade: with the image and settings of now) starts
#                                               beside the old one, which stops once the proxy routes it
#   scripts/site.sh set NAME --ssh sftp|shell|none   its SSH access (a shell taken away ends its sessions)
#   scripts/site.sh passwd NAME                 a new SFTP/SSH password for the site, printed once
#   scripts/site.sh dump NAME > FILE            a lamp site's database, dumped while it runs
#   scripts/site.sh list
# The registry, the site ids and the sites' directories belong to the admin tool (webvps/admin,
# run by lib.sh's `admin`): this script never parses YAML or touches a site's files itself; it
# starts and stops the sites' compose projects (compose/vps/). The same environment as
# scripts/stack.sh (WEBVPS_ROOT, ...).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

usage() { die "usage: scripts/site.sh add NAME --host HOST [--alias A,B] [--email ADDR] [--ssh sftp|shell|none] [--lamp] [--no-start] | remove NAME [--purge] | start NAME | stop NAME | restart NAME | upgrade NAME | set NAME --ssh ACCESS | passwd NAME | dump NAME | list"; }

site_env() { echo "$SITES_DIR/$1/site.env"; }

require_proxy_network() {
  docker network inspect "$WEBVPS_PROXY_NETWORK" >/dev/null 2>&1 || die "network $WEBVPS_PROXY_NETWORK is missing: start the shared stack first (scripts/stack.sh up)"
}

site_compose() {
  local name=$1
  shift
  local env_file
  env_file=$(site_env "$name")
  [ -f "$env_file" ] || die "site $name has no $env_file: add it with scripts/site.sh add"
  local profile=()
  grep -q '^SITE_LAMP=1$' "$env_file" && profile=(--profile lamp)
  compose -f "$WEBVPS_REPO/compose/vps/docker-compose.yml" -p "$WEBVPS_SITE_PREFIX$name" --env-file "$env_file" "${profile[@]}" "$@"
}

cmd_add() {
  local name=${1:-}
  [ -n "$name" ] || usage
  shift
  local options=() start=1
  while [ $# -gt 0 ]; do
    case "$1" in
      --host | --alias | --email | --ssh | --id) [ $# -ge 2 ] || usage; options+=("$1" "$2"); shift 2 ;;
      --lamp) options+=(--lamp); shift ;;
      --no-start) start=0; shift ;;
      *) usage ;;
    esac
  done
  valid_site_name "$name" || die "'$name' is not a site name: a lower-case letter, then up to 31 lower-case letters, digits or '-'"
  [ -f "$REGISTRY" ] || prepare_root
  admin site add "$name" "${options[@]}"
  [ "$start" = 1 ] && cmd_start "$name"
  return 0
}

cmd_start() {
  local name=${1:-}
  valid_site_name "$name" || usage
  require_proxy_network
  # Directories and site.env in line with the registry first (after an upgrade, a restore).
  admin site prepare "$name"
  site_compose "$name" up -d
  say "site $name started"
}

# The address the proxy reaches a container on, and whether the proxy's config routes it yet.
proxy_address() { docker inspect -f "{{with index .NetworkSettings.Networks \"$WEBVPS_PROXY_NETWORK\"}}{{.IPAddress}}{{end}}" "$1"; }
proxy_routes() {
  local proxy
  proxy=$(service_container proxy)
  [ -n "$proxy" ] && docker exec "$proxy" grep -q "server $1:" /etc/nginx/conf.d/default.conf
}

# restart / upgrade: a second web container from the compose file as it is now, beside the old
# one; once it answers and nginx routes it, the old one stops gracefully (Apache finishes its
# requests, nginx sends the new ones to the new container). A site that is not running starts.
cmd_roll() {
  local name=${1:-} verb=$2
  valid_site_name "$name" || usage
  require_proxy_network
  admin site prepare "$name"
  local old
  old=$(site_web_containers "$name")
  if [ -z "$old" ] || [ "$(wc -w <<<"$old")" != 1 ]; then
    [ -z "$old" ] || say "site $name has $(wc -w <<<"$old") web containers: started again as compose sees it"
    site_compose "$name" up -d
    say "site $name started"
    return
  fi
  # The database (lamp) is not doubled: compose recreates it only if its image or settings changed.
  site_compose "$name" up -d --no-recreate --no-deps --scale web=2 web 2>&1 |
    grep -v -E -e '^(Creating|Starting)|is up-to-date' -e '^ *(\[\+\]|Container .* (Creat|Start|Running|Recreat|Waiting|Healthy))' >&2 || true
  local new="" id
  for id in $(site_web_containers "$name"); do
    [ "$id" = "$old" ] || new=$id
  done
  [ -n "$new" ] || die "site $name: the new web container did not start; the old one serves on"
  local address="" routed=0
  for _ in $(seq 1 300); do
    address=$(proxy_address "$new")
    if [ -n "$address" ] && docker exec "$new" phpserver-init --health >/dev/null 2>&1 && proxy_routes "$address"; then
      routed=1
      break
    fi
    [ "$(docker inspect -f '{{.State.Running}}' "$new")" = true ] || break
    sleep 0.2
  done
  if [ "$routed" != 1 ]; then
    docker logs --tail 20 "$new" >&2 || true
    docker rm -f "$new" >/dev/null
    die "site $name: the new web container did not become ready within 60 s (its log above); the old one serves on"
  fi
  # nginx skips a backend for a second (fail_timeout) after a refused connection, as the new one
  # refused while Apache was starting: past that, and past nginx's reload, the old one can go.
  sleep 2
  docker stop -t 10 "$old" >/dev/null
  docker rm "$old" >/dev/null
  site_compose "$name" up -d >/dev/null 2>&1 || true  # the rest of the site (its database) as the compose file says
  say "site $name ${verb%e}ed without downtime: web ${old:0:12} -> ${new:0:12}"
}

cmd_stop() {
  local name=${1:-}
  valid_site_name "$name" || usage
  site_compose "$name" down
  say "site $name stopped; its files are kept"
}

cmd_remove() {
  local name=${1:-} purge=()
  valid_site_name "$name" || usage
  [ "${2:-}" = --purge ] && purge=(--purge)
  [ -f "$(site_env "$name")" ] && site_compose "$name" down --remove-orphans
  admin site remove "$name" "${purge[@]}"
}

# The password is made by sshd-chroot in the running sshd container (only its hash reaches the
# registry), whichever Compose version named that container. A site just added is there within
# a second.
cmd_passwd() {
  local name=${1:-} sshd
  valid_site_name "$name" || usage
  sshd=$(service_container sshd)
  [ -n "$sshd" ] || die "the sshd container is not running: start the shared stack first (scripts/stack.sh up)"
  for _ in $(seq 1 50); do
    docker exec "$sshd" sshd-chroot list 2>/dev/null | grep -qE "^$name " && break
    sleep 0.2
  done
  docker exec "$sshd" sshd-chroot passwd "$name"
}

# mariadb-dump --single-transaction (a consistent snapshot without stopping the site) as the
# database's root, who logs in through the container's own socket only.
cmd_dump() {
  local name=${1:-} db
  valid_site_name "$name" || usage
  db=$(site_containers "$name" db | head -n 1)
  [ -n "$db" ] || die "site $name has no running database (is it a lamp site, and started?)"
  [ -t 1 ] && die "the dump goes to standard output: redirect it to a file (scripts/site.sh dump $name > $name.sql)"
  docker exec "$db" mariadb-dump --single-transaction --routines --events --all-databases
}

cmd_list() {
  [ -f "$REGISTRY" ] || die "no registry at $REGISTRY"
  local line name state
  while IFS= read -r line; do
    name=${line%% *}
    if [ "$name" = SITE ]; then
      printf '%s  %s\n' "$line" STATE
      continue
    fi
    state=$(docker ps --filter "label=com.docker.compose.project=$WEBVPS_SITE_PREFIX$name" --format '{{.Status}}' | head -n 1)
    printf '%s  %s\n' "$line" "${state:-stopped}"
  done < <(admin site list)
}

case "${1:-}" in
  add) shift; cmd_add "$@" ;;
  remove) shift; cmd_remove "$@" ;;
  start) cmd_start "${2:-}" ;;
  stop) cmd_stop "${2:-}" ;;
  restart) cmd_roll "${2:-}" restart ;;
  upgrade) cmd_roll "${2:-}" upgrade ;;
  set) [ $# -eq 4 ] && [ "$3" = --ssh ] && valid_site_name "$2" || usage; admin site set "$2" --ssh "$4" ;;
  passwd) [ $# -eq 2 ] || usage; cmd_passwd "$2" ;;
  dump) [ $# -eq 2 ] || usage; cmd_dump "$2" ;;
  list) cmd_list ;;
  *) usage ;;
esac
