# Shared by the stack and site scripts (sourced, not run): where things are, which compose
# to use, and the grammar of names. Values are checked here before they reach any file.

WEBVPS_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export WEBVPS_ROOT=${WEBVPS_ROOT:-$WEBVPS_REPO/data}
export WEBVPS_PROJECT=${WEBVPS_PROJECT:-webvps}
export WEBVPS_PROXY_NETWORK=${WEBVPS_PROXY_NETWORK:-webvps-proxy}
export WEBVPS_SITE_PREFIX=${WEBVPS_SITE_PREFIX:-webvps-site-}  # a site's compose project: <prefix><name>
export WEBVPS_HTTP_PORT=${WEBVPS_HTTP_PORT:-80}
export WEBVPS_HTTPS_PORT=${WEBVPS_HTTPS_PORT:-443}
export WEBVPS_SSH_PORT=${WEBVPS_SSH_PORT:-2222}
SITES_DIR=$WEBVPS_ROOT/webvps
REGISTRY=$SITES_DIR/webvps.yaml

die() { echo "$(basename "$0"): $*" >&2; exit 1; }
say() { echo "$(basename "$0"): $*"; }

# docker compose v2 when installed, else Debian's docker-compose 1.29.
compose() {
  if docker compose version >/dev/null 2>&1; then docker compose "$@"; else docker-compose "$@"; fi
}

stack_compose() { compose -f "$WEBVPS_REPO/compose/docker-compose.yml" -p "$WEBVPS_PROJECT" "$@"; }

# The running container of a shared service ("sshd"), or nothing.
service_container() { stack_compose ps -q "$1" 2>/dev/null | head -n 1; }

# The names of the sites in the registry, one per line.
registry_sites() { [ -f "$REGISTRY" ] && sed -n 's/^  - name: \([a-z][a-z0-9-]*\)$/\1/p' "$REGISTRY"; }

valid_site_name() { [[ $1 =~ ^[a-z][a-z0-9-]{0,31}$ ]]; }
valid_host() {
  [[ ${#1} -le 253 && $1 =~ ^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$ ]]
}
valid_email() { [[ $1 =~ ^[A-Za-z0-9.!#\$%\&\'*+/=?^_\`{|}~-]{1,64}@[a-z0-9.-]{1,253}$ ]] && valid_host "${1#*@}"; }

# Directories the stack needs under WEBVPS_ROOT, and a registry if there is none.
prepare_root() {
  local admin=${WEBVPS_ADMIN_EMAIL:-admin@localhost}
  valid_email "$admin" || die "WEBVPS_ADMIN_EMAIL: '$admin' is not an e-mail address"
  mkdir -p "$WEBVPS_ROOT"/{certs,vhost.d,htpasswd,webvps,sshd-keys,mailer,secrets}
  # OpenSSH's rule for the jails' path: root's and not writable by others, from / down.
  chown root:root "$WEBVPS_ROOT" "$SITES_DIR"
  chmod 0755 "$WEBVPS_ROOT" "$SITES_DIR"
  chmod 0700 "$WEBVPS_ROOT/sshd-keys" "$WEBVPS_ROOT/secrets"
  if [ ! -f "$REGISTRY" ]; then
    printf '%s\n' "# The site registry (docs/registry.md); scripts/site.sh adds and removes sites." \
      "admin_email: $admin" "sites: []" >"$REGISTRY"
    chmod 0600 "$REGISTRY"
    say "created $REGISTRY"
  fi
}

# Validates the registry with the real parser (the sshd image's --check), as the programs will.
check_registry() {
  docker run --rm --network none -v "$SITES_DIR:/home:ro" webvps/sshd sshd-chroot --check >/dev/null 2>"$1"
}
