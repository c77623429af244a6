# Shared by the stack and site scripts (sourced, not run): where things are, which compose
# to use, and the grammar of names. Values are checked here before they reach any file.

WEBVPS_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export WEBVPS_ROOT=${WEBVPS_ROOT:-$WEBVPS_REPO/data}
# Docker mounts need it absolute.
WEBVPS_ROOT=$(realpath -m -- "$WEBVPS_ROOT")
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

# Which Compose runs the stack and the sites: WEBVPS_COMPOSE=v2 (`docker compose`, the CLI
# plugin), v1 (Debian's docker-compose 1.29) or auto (the default: v2 when installed, else 1.29).
# Both run the same compose files and take over each other's containers (docs/operations.md).
compose_command() {
  case "${WEBVPS_COMPOSE:-auto}" in
    v2) docker compose version >/dev/null 2>&1 || die "WEBVPS_COMPOSE=v2, but \`docker compose\` is not installed (scripts/install-compose-v2.sh builds it)"
        echo "docker compose" ;;
    v1) command -v docker-compose >/dev/null || die "WEBVPS_COMPOSE=v1, but docker-compose is not installed (apt-get install docker-compose)"
        echo docker-compose ;;
    auto) if docker compose version >/dev/null 2>&1; then echo "docker compose"
          elif command -v docker-compose >/dev/null; then echo docker-compose
          else die "neither \`docker compose\` (v2) nor docker-compose (1.29) is installed"; fi ;;
  esac
}
WEBVPS_COMPOSE_COMMAND=
compose() {
  [ -n "$WEBVPS_COMPOSE_COMMAND" ] || WEBVPS_COMPOSE_COMMAND=$(compose_command) || exit 1
  $WEBVPS_COMPOSE_COMMAND "$@"
}
# The major version of the Compose in use (1 or 2), as its containers' com.docker.compose.version
# label starts.
compose_major() {
  [ -n "$WEBVPS_COMPOSE_COMMAND" ] || WEBVPS_COMPOSE_COMMAND=$(compose_command) || exit 1
  if [ "$WEBVPS_COMPOSE_COMMAND" = docker-compose ]; then echo 1; else echo 2; fi
}

# Compose v2's grammar of project names (1.29 lower-cases silently what v2 refuses): checked
# before either version sees them, so a host can move between them.
valid_project_name() { [[ $1 =~ ^[a-z0-9][a-z0-9_-]*$ ]]; }
valid_project_name "$WEBVPS_PROJECT" ||
  die "WEBVPS_PROJECT: '$WEBVPS_PROJECT' is not a compose project name: lower-case letters, digits, '-' and '_', starting with a letter or digit"
[ -z "$WEBVPS_SITE_PREFIX" ] || valid_project_name "${WEBVPS_SITE_PREFIX}a" ||
  die "WEBVPS_SITE_PREFIX: '$WEBVPS_SITE_PREFIX' cannot start a compose project name: lower-case letters, digits, '-' and '_', starting with a letter or digit"
case "${WEBVPS_COMPOSE:-auto}" in v1 | v2 | auto) ;; *) die "WEBVPS_COMPOSE: '$WEBVPS_COMPOSE' is none of v2, v1, auto" ;; esac
[[ $WEBVPS_PROXY_NETWORK =~ ^[a-zA-Z0-9][a-zA-Z0-9_.-]*$ ]] ||
  die "WEBVPS_PROXY_NETWORK: '$WEBVPS_PROXY_NETWORK' is not a Docker network name"

stack_compose() { compose -f "$WEBVPS_REPO/compose/docker-compose.yml" -p "$WEBVPS_PROJECT" "$@"; }

# The running container of a shared service ("sshd"), or nothing: found by the labels both
# Compose versions set, never by its name (webvps_sshd_1 under 1.29, webvps-sshd-1 under v2).
service_container() {
  docker ps -q --filter "label=com.docker.compose.project=$WEBVPS_PROJECT" --filter "label=com.docker.compose.service=$1" | head -n 1
}

# The proxy network, which every site joins: made here, not by compose, and declared external in
# both compose files, so that 1.29 and v2 share it (each checks the labels of the networks it makes
# itself, and they label differently). One made by 1.29's compose before is taken as it is.
ensure_proxy_network() {
  docker network inspect "$WEBVPS_PROXY_NETWORK" >/dev/null 2>&1 && return 0
  docker network create --label org.webvps.project="$WEBVPS_PROJECT" --label org.webvps.network=proxy \
    "$WEBVPS_PROXY_NETWORK" >/dev/null || die "cannot create the network $WEBVPS_PROXY_NETWORK"
  say "network $WEBVPS_PROXY_NETWORK created"
}

# The full ids of a site's running containers of one compose service (web: two during a restart
# or upgrade), or nothing.
site_containers() {
  docker ps -q --no-trunc --filter "label=com.docker.compose.project=$WEBVPS_SITE_PREFIX$1" --filter "label=com.docker.compose.service=$2"
}
site_web_containers() { site_containers "$1" web; }

# The admin tool (admin/, in webvps/admin): the one reader and writer of the site registry, the
# record of site ids and the sites' directories. It runs with the data root at /data, on no
# network, with only the capabilities it needs to own and hand out files.
admin() {
  docker run --rm --network none --cap-drop ALL --cap-add CHOWN --cap-add DAC_OVERRIDE --cap-add FOWNER \
    --security-opt no-new-privileges:true -v "$WEBVPS_ROOT:/data" webvps/admin \
    webvps --host-root "$WEBVPS_ROOT" --proxy-network "$WEBVPS_PROXY_NETWORK" "$@"
}

# The names of the sites in the registry, one per line.
registry_sites() { [ -f "$REGISTRY" ] && admin site names; }

valid_site_name() { [[ $1 =~ ^[a-z][a-z0-9-]{0,31}$ ]]; }
valid_host() {
  [[ ${#1} -le 253 && $1 =~ ^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$ ]]
}
valid_email() { [[ $1 =~ ^[A-Za-z0-9.!#\$%\&\'*+/=?^_\`{|}~-]{1,64}@[a-z0-9.-]{1,253}$ ]] && valid_host "${1#*@}"; }

# Directories the stack needs under WEBVPS_ROOT, and a registry if there is none.
prepare_root() {
  local admin_email=${WEBVPS_ADMIN_EMAIL:-admin@localhost}
  valid_email "$admin_email" || die "WEBVPS_ADMIN_EMAIL: '$admin_email' is not an e-mail address"
  mkdir -p "$WEBVPS_ROOT"/{certs,vhost.d,htpasswd,webvps,sshd-keys,mailer,secrets}
  # OpenSSH's rule for the jails' path: root's and not writable by others, from / down.
  chown root:root "$WEBVPS_ROOT" "$SITES_DIR"
  chmod 0755 "$WEBVPS_ROOT" "$SITES_DIR"
  chmod 0700 "$WEBVPS_ROOT/sshd-keys" "$WEBVPS_ROOT/secrets"
  admin init --admin-email "$admin_email"
  secure_sites_mount
}

# The sites' files are mounted nosuid,nodev wherever a shared container mounts them (sshd, the
# mailer): the sites directory becomes a bind mount of itself with those flags, which every bind
# mount of it, Docker's included, inherits. After a reboot `make up` makes it again; an
# /etc/fstab line keeps it from boot on (docs/security.md).
secure_sites_mount() {
  local options
  options=$(findmnt -n -M "$SITES_DIR" -o VFS-OPTIONS 2>/dev/null || true)
  if [[ ,$options, == *,nosuid,* && ,$options, == *,nodev,* ]]; then return 0; fi
  if [ -z "$options" ]; then
    mount --bind "$SITES_DIR" "$SITES_DIR" || die "cannot bind-mount $SITES_DIR onto itself (root is needed)"
    touch "$WEBVPS_ROOT/.sites-mount"
  fi
  mount -o remount,bind,nosuid,nodev "$SITES_DIR" || die "cannot make $SITES_DIR nosuid,nodev"
  say "$SITES_DIR is mounted nosuid,nodev"
}

release_sites_mount() {
  if [ -f "$WEBVPS_ROOT/.sites-mount" ] && mountpoint -q "$SITES_DIR"; then
    umount "$SITES_DIR" && rm -f "$WEBVPS_ROOT/.sites-mount"
  fi
}

# Validates the registry with the one parser every program uses.
check_registry() { admin registry check >/dev/null 2>"$1"; }
