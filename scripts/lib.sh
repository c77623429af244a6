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

# docker compose v2 when installed, else Debian's docker-compose 1.29.
compose() {
  if docker compose version >/dev/null 2>&1; then docker compose "$@"; else docker-compose "$@"; fi
}

stack_compose() { compose -f "$WEBVPS_REPO/compose/docker-compose.yml" -p "$WEBVPS_PROJECT" "$@"; }

# The running container of a shared service ("sshd"), or nothing.
service_container() { stack_compose ps -q "$1" 2>/dev/null | head -n 1; }

# The full ids of a site's running web containers (two during a restart or upgrade), or nothing.
site_web_containers() {
  docker ps -q --no-trunc --filter "label=com.docker.compose.project=$WEBVPS_SITE_PREFIX$1" --filter label=com.docker.compose.service=web
}

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
