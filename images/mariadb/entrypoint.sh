#!/bin/bash
# webvps/mariadb's start: runs the server as the site's uid, makes the data directory on the
# first start, and brings the site's database and user in line with the site's database.ini
# (root's, outside the site's files, mounted read-only; a password changed there is applied at
# the next start). Every value is checked against a strict grammar before it reaches SQL. Root
# only hands the data and socket directories to the site's uid; everything after (the install,
# the bootstrap SQL, the server) runs as that uid, with no capability and no_new_privs.
set -euo pipefail

log() { echo "webvps-mariadb: $*" >&2; }
fail() { log "$*"; exit 2; }

SECRETS=${WEBVPS_DB_SECRETS:-/run/secrets/database.ini}
DATADIR=/var/lib/mysql

uid=${WORKER_UID:-}
[[ $uid =~ ^[0-9]+$ ]] && (( uid >= 10001 && uid <= 65533 )) || fail "WORKER_UID must be the site's uid, 10001..65533 (got '${uid}')"
[ -r "$SECRETS" ] || fail "$SECRETS is missing: scripts/site.sh writes it (the site's secrets/database.ini)"

ini() {  # the value of `key = value` in the secrets file
  sed -n "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*\\(.*[^[:space:]]\\)[[:space:]]*\$/\\1/p" "$SECRETS" | head -n 1
}
name=$(ini name)
user=$(ini user)
password=$(ini password)
[[ $name =~ ^[a-z][a-z0-9_]{0,63}$ ]] || fail "$SECRETS: name: expected [a-z][a-z0-9_]{0,63}"
[[ $user =~ ^[a-z][a-z0-9_]{0,31}$ ]] || fail "$SECRETS: user: expected [a-z][a-z0-9_]{0,31}"
[[ $password =~ ^[A-Za-z0-9]{16,128}$ ]] || fail "$SECRETS: password: expected 16 to 128 letters and digits"

# The server's user becomes the site's uid: its files count in the site's quota.
if [ "$(id -u mysql)" != "$uid" ]; then
  usermod -o -u "$uid" mysql >/dev/null
  groupmod -o -g "$uid" mysql >/dev/null
fi
chown mysql:mysql "$DATADIR" /run/mysqld
as_site() { setpriv --reuid="$uid" --regid="$uid" --clear-groups --inh-caps=-all --no-new-privs -- "$@"; }

# As the site: root without CAP_DAC_OVERRIDE cannot look into the site's 0700 data directory.
if ! as_site test -d "$DATADIR/mysql"; then
  log "first start: making the data directory"
  as_site mariadb-install-db --datadir="$DATADIR" --auth-root-authentication-method=socket --skip-test-db >/dev/null
fi
# root: the unix socket inside this container only. The site's user: its database only.
as_site mariadbd --datadir="$DATADIR" --bootstrap --skip-networking --log-error= <<SQL
FLUSH PRIVILEGES;
DELETE FROM mysql.global_priv WHERE User = 'root' AND Host NOT IN ('localhost');
CREATE DATABASE IF NOT EXISTS \`$name\`;
CREATE USER IF NOT EXISTS '$user'@'%' IDENTIFIED BY '$password';
ALTER USER '$user'@'%' IDENTIFIED BY '$password';
GRANT ALL PRIVILEGES ON \`$name\`.* TO '$user'@'%';
FLUSH PRIVILEGES;
SQL
log "database $name for user $user ready; serving as uid $uid"
exec setpriv --reuid="$uid" --regid="$uid" --clear-groups --inh-caps=-all --no-new-privs -- mariadbd --datadir="$DATADIR"
