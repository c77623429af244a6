#!/usr/bin/env bash
# `make up`: the shared stack (proxy, sshd, mailer) and a demo site answering at
# http://demo.localhost, whose SFTP password is printed once, when the demo is made.
# Sites made before start again. The same environment as scripts/stack.sh; WEBVPS_DEMO=0
# skips the demo site.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
began=$SECONDS

scripts/stack.sh up
# Every site made before starts again (they also restart by themselves after a reboot); a
# running site whose image was rebuilt, or that the other Compose version made (which this one
# would recreate: each hashes the settings its own way), is upgraded beside itself, without a
# failed request.
major=$(compose_major)
start_or_upgrade() {
  local web
  web=$(site_web_containers "$1" | head -n 1)
  if [ -n "$web" ] && { [ "$(docker inspect -f '{{.Image}}' "$web")" != "$(docker image inspect -f '{{.Id}}' "$(docker inspect -f '{{.Config.Image}}' "$web")" 2>/dev/null)" ] ||
                        [ "$(docker inspect -f '{{index .Config.Labels "com.docker.compose.version"}}' "$web" | cut -d. -f1)" != "$major" ]; }; then
    scripts/site.sh upgrade "$1"
  else
    scripts/site.sh start "$1"
  fi
}
sites=$(registry_sites)
for name in $sites; do
  if [ "$name" != demo ] && [ -f "$SITES_DIR/$name/site.env" ]; then start_or_upgrade "$name"; fi
done
if [ "${WEBVPS_DEMO:-1}" = 0 ]; then exit 0; fi

if grep -qx demo <<<"$sites"; then
  start_or_upgrade demo
  password_note="(its password was printed when the demo was made; a new one: scripts/site.sh passwd demo)"
else
  scripts/site.sh add demo --host demo.localhost --email webmaster@demo.localhost --ssh shell
  password=$(scripts/site.sh passwd demo | sed -n 's/^New password for demo: //p')
  password_note="password: $password   (shown only now: webvps.yaml keeps its hash only)"
fi

port=$WEBVPS_HTTP_PORT
url="http://demo.localhost$([ "$port" = 80 ] || echo ":$port")/"
say "waiting for $url through the proxy"
for _ in $(seq 1 120); do
  code=$(curl -s -o /dev/null -w '%{http_code}' --resolve "demo.localhost:$port:127.0.0.1" "$url" || true)
  [ "$code" = 200 ] && break
  sleep 0.5
done
[ "$code" = 200 ] || die "the demo site does not answer through the proxy (last status: $code); see scripts/stack.sh logs proxy"

cat <<EOT

webvps is up (in $(( SECONDS - began )) s), with its data in $WEBVPS_ROOT.

  Demo site   $url   (demo.localhost resolves to this machine in most browsers;
              elsewhere: curl --resolve demo.localhost:$port:127.0.0.1 $url)
  Its files   $SITES_DIR/demo/volumes/www/html
  SFTP/SSH    sftp -P $WEBVPS_SSH_PORT demo@localhost
              $password_note
  Mail        the demo's mail() lands in the mailer's outbox: $WEBVPS_ROOT/mailer/outbox/new
              (a relay: MAILER_SMTP, see docs/mailer.md); queues and paused sites: scripts/mail.sh status
  More sites  scripts/site.sh add NAME --host HOST   (docs/sites.md)
  Stop        make down   (data kept)
EOT
