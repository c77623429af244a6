#!/usr/bin/env bash
# Sites of a webvps host (docs/sites.md).
#   scripts/site.sh add NAME --host HOST [--alias A,B] [--email ADDR] [--ssh sftp|shell|none] [--lamp] [--no-start]
#   scripts/site.sh remove NAME [--purge]       stops it and takes it out of the registry; --purge deletes its files
#   scripts/site.sh start NAME | stop NAME | restart NAME
#   scripts/site.sh list
# Adding registers the site in webvps.yaml (validated by the programs' own parser; nothing is
# changed if it is refused), makes its directories owned by its uid, and starts its compose
# project (compose/vps/). The same environment as scripts/stack.sh (WEBVPS_ROOT, ...).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

usage() { die "usage: scripts/site.sh add NAME --host HOST [--alias A,B] [--email ADDR] [--ssh sftp|shell|none] [--lamp] [--no-start] | remove NAME [--purge] | start NAME | stop NAME | restart NAME | list"; }

site_dir() { echo "$SITES_DIR/$1"; }
site_env() { echo "$SITES_DIR/$1/site.env"; }
in_registry() { grep -qE "^  - name: $1\$" "$REGISTRY" 2>/dev/null; }

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

# Replaces the registry with `$1` if the programs' parser accepts it; else keeps it and says why.
commit_registry() {
  local candidate=$1 errors
  errors=$(mktemp)
  cp -p "$REGISTRY" "$REGISTRY.previous"
  cat "$candidate" >"$REGISTRY"
  if ! check_registry "$errors"; then
    cat "$REGISTRY.previous" >"$REGISTRY"
    sed 's/^/  /' "$errors" >&2
    rm -f "$errors" "$candidate"
    die "the registry would be invalid (above); it is unchanged"
  fi
  rm -f "$errors" "$candidate"
}

random_password() { tr -dc 'A-Za-z0-9' </dev/urandom | head -c 24; }

# Writes a file as root, mode 0600, whole or not at all.
write_private() {
  local path=$1 content=$2 tmp
  tmp=$(mktemp "$(dirname "$path")/.tmp.XXXXXX")
  printf '%s' "$content" >"$tmp"
  chmod 0600 "$tmp"
  mv "$tmp" "$path"
}

cmd_add() {
  local name=${1:-}
  [ -n "$name" ] || usage
  shift
  local host="" aliases="" email="" access="sftp" lamp=0 start=1
  while [ $# -gt 0 ]; do
    case "$1" in
      --host) host=${2:-}; shift 2 ;;
      --alias) aliases=${2:-}; shift 2 ;;
      --email) email=${2:-}; shift 2 ;;
      --ssh) access=${2:-}; shift 2 ;;
      --lamp) lamp=1; shift ;;
      --no-start) start=0; shift ;;
      *) usage ;;
    esac
  done
  valid_site_name "$name" || die "'$name' is not a site name: a lower-case letter, then up to 31 lower-case letters, digits or '-'"
  host=${host,,}
  valid_host "$host" || die "--host '$host' is not a host name"
  local alias_list=() alias
  if [ -n "$aliases" ]; then
    IFS=, read -r -a alias_list <<<"${aliases,,}"
    for alias in "${alias_list[@]}"; do valid_host "$alias" || die "--alias '$alias' is not a host name"; done
  fi
  email=${email:-webmaster@$host}
  valid_email "$email" || die "--email '$email' is not an e-mail address"
  [[ $access =~ ^(sftp|shell|none)$ ]] || die "--ssh must be sftp, shell or none"
  [ -f "$REGISTRY" ] || prepare_root
  in_registry "$name" && die "site $name is already in $REGISTRY"

  local last id uid dir
  last=$(sed -n 's/^    id: \([0-9][0-9]*\)$/\1/p' "$REGISTRY" | sort -n | tail -n 1)
  id=$(( ${last:-0} + 1 ))
  uid=$(( 10000 + id ))
  dir=$(site_dir "$name")

  local candidate
  candidate=$(mktemp)
  sed 's/^sites: \[\]$/sites:/' "$REGISTRY" >"$candidate"
  {
    printf '  - name: %s\n    id: %d\n    host: %s\n' "$name" "$id" "$host"
    [ ${#alias_list[@]} -gt 0 ] && printf '    aliases: [%s]\n' "$(IFS=,; echo "${alias_list[*]}" | sed 's/,/, /g')"
    printf '    email: %s\n    ssh:\n      access: %s\n' "$email" "$access"
  } >>"$candidate"
  commit_registry "$candidate"

  # The jail's path is root's (OpenSSH's rule); the site writes in the directories below www/,
  # which the site's container makes at its first start (html/ with a placeholder page, logs/,
  # conf/, cgi-bin/).
  [ -d "$dir" ] && say "$dir exists: its files are kept and used"
  install -d -o root -g root -m 0755 "$dir" "$dir/volumes" "$dir/volumes/www" "$dir/volumes/home" "$dir/volumes/home/mail"
  [ -d "$dir/volumes/www/.ssh" ] || install -d -o "$uid" -g "$uid" -m 0700 "$dir/volumes/www/.ssh"
  [ -d "$dir/volumes/www/backup" ] || install -d -o "$uid" -g "$uid" -m 0755 "$dir/volumes/www/backup"
  if [ "$lamp" = 1 ]; then
    [ -d "$dir/volumes/www/conf" ] || install -d -o "$uid" -g "$uid" -m 0755 "$dir/volumes/www/conf"
    [ -d "$dir/volumes/mysql" ] || install -d -o "$uid" -g "$uid" -m 0700 "$dir/volumes/mysql"
    local ini="$dir/volumes/www/conf/database.ini" db=${name//-/_}
    if [ ! -f "$ini" ]; then
      write_private "$ini" "; The site's database (scripts/site.sh). PHP: parse_ini_file('/var/www/conf/database.ini')
host = db
name = $db
user = $db
password = $(random_password)
"
      chown "$uid:$uid" "$ini"
    fi
  fi
  local virtual_host=$host
  [ ${#alias_list[@]} -gt 0 ] && virtual_host="$host,$(IFS=,; echo "${alias_list[*]}")"
  write_private "$(site_env "$name")" "# The site's compose variables (scripts/site.sh add); compose/vps/docker-compose.yml reads them.
SITE_NAME=$name
SITE_UID=$uid
SITE_HOST=$host
SITE_ALIASES=$(IFS=,; echo "${alias_list[*]}")
SITE_VIRTUAL_HOST=$virtual_host
SITE_EMAIL=$email
SITE_DIR=$dir
SITE_LAMP=$lamp
WEBVPS_PROXY_NETWORK=$WEBVPS_PROXY_NETWORK
"
  say "site $name registered: id $id, uid $uid, http://$host, files in $dir/volumes/www"
  [ "$start" = 1 ] && cmd_start "$name"
  return 0
}

cmd_start() {
  local name=${1:-}
  valid_site_name "$name" || usage
  docker network inspect "$WEBVPS_PROXY_NETWORK" >/dev/null 2>&1 || die "network $WEBVPS_PROXY_NETWORK is missing: start the shared stack first (scripts/stack.sh up)"
  site_compose "$name" up -d
  say "site $name started"
}

cmd_stop() {
  local name=${1:-}
  valid_site_name "$name" || usage
  site_compose "$name" down
  say "site $name stopped; its files are kept"
}

cmd_remove() {
  local name=${1:-} purge=0
  valid_site_name "$name" || usage
  [ "${2:-}" = --purge ] && purge=1
  in_registry "$name" || die "no site $name in $REGISTRY"
  [ -f "$(site_env "$name")" ] && site_compose "$name" down --remove-orphans
  local candidate
  candidate=$(mktemp)
  # The site's entry: from its "  - name:" line to the next entry or top-level key.
  awk -v name="$name" '
    $0 == "  - name: " name { skipping = 1; next }
    skipping && (/^  - / || /^[^ #]/) { skipping = 0 }
    !skipping { print }' "$REGISTRY" >"$candidate"
  grep -qE '^  - ' "$candidate" || sed -i 's/^sites:$/sites: []/' "$candidate"
  commit_registry "$candidate"
  if [ "$purge" = 1 ]; then
    rm -rf --one-file-system "$(site_dir "$name")"
    say "site $name removed and its files deleted"
  else
    say "site $name removed; its files are kept in $(site_dir "$name") (--purge deletes them)"
  fi
}

cmd_list() {
  [ -f "$REGISTRY" ] || die "no registry at $REGISTRY"
  printf '%-20s %-6s %-32s %s\n' SITE UID HOST STATE
  local name uid host state
  while read -r name; do
    uid=$(sed -n 's/^SITE_UID=//p' "$(site_env "$name")" 2>/dev/null || true)
    host=$(sed -n 's/^SITE_HOST=//p' "$(site_env "$name")" 2>/dev/null || true)
    state=$(docker ps --filter "label=com.docker.compose.project=$WEBVPS_SITE_PREFIX$name" --format '{{.Status}}' | head -n 1)
    printf '%-20s %-6s %-32s %s\n' "$name" "${uid:--}" "${host:--}" "${state:-stopped}"
  done < <(registry_sites)
}

case "${1:-}" in
  add) shift; cmd_add "$@" ;;
  remove) shift; cmd_remove "$@" ;;
  start) cmd_start "${2:-}" ;;
  stop) cmd_stop "${2:-}" ;;
  restart) cmd_stop "${2:-}"; cmd_start "${2:-}" ;;
  list) cmd_list ;;
  *) usage ;;
esac
