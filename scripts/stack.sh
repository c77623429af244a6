#!/usr/bin/env bash
# The shared stack (compose/docker-compose.yml): proxy, sshd, mailer.
#   scripts/stack.sh up | down | ps | logs [SERVICE]
#   scripts/stack.sh exec SERVICE COMMAND...   a program's own command in its running container
#                                              (e.g. exec sshd sshd-chroot list), found by its labels
# Environment: WEBVPS_ROOT (default ./data), WEBVPS_PROJECT (default webvps), WEBVPS_HTTP_PORT,
# WEBVPS_HTTPS_PORT, WEBVPS_SSH_PORT, WEBVPS_BIND, WEBVPS_PROXY_NETWORK, WEBVPS_ADMIN_EMAIL.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

case "${1:-}" in
  up)
    for image in proxy sshd mailer phpserver admin; do
      docker image inspect "webvps/$image" >/dev/null 2>&1 || die "image webvps/$image is missing: run \`make images\`"
    done
    prepare_root
    # The relay's settings, password included, go to a root-only file the mailer reads, never
    # into the container's environment (which `docker inspect` shows). MAILER_SMTP= (empty)
    # forgets them: mail goes to the local outbox again.
    if [ -n "${MAILER_SMTP+set}" ]; then
      if [ -n "$MAILER_SMTP" ]; then
        (umask 077 && printf '%s\n' "$MAILER_SMTP" >"$WEBVPS_ROOT/secrets/mailer-smtp.new") &&
          mv "$WEBVPS_ROOT/secrets/mailer-smtp.new" "$WEBVPS_ROOT/secrets/mailer-smtp"
      else
        rm -f "$WEBVPS_ROOT/secrets/mailer-smtp"
      fi
    fi
    unset MAILER_SMTP
    ensure_proxy_network
    say "starting the shared stack with $(compose version --short 2>/dev/null | sed 's/^v//; s/^/Compose /')"
    stack_compose up -d --remove-orphans
    say "waiting for the shared services to be healthy"
    began=$SECONDS
    for service in proxy sshd mailer; do
      id=$(service_container "$service")
      for _ in $(seq 1 120); do
        state=$(docker inspect -f '{{.State.Health.Status}}' "$id" 2>/dev/null || echo none)
        [ "$state" = healthy ] && break
        sleep 0.5
      done
      [ "$state" = healthy ] || { docker logs --tail 30 "$id" >&2; die "$service is not healthy ($state)"; }
    done
    say "shared services healthy after $(( SECONDS - began )) s"
    say "proxy on ${WEBVPS_BIND:-0.0.0.0}:$WEBVPS_HTTP_PORT and :$WEBVPS_HTTPS_PORT, SFTP/SSH on :$WEBVPS_SSH_PORT, data in $WEBVPS_ROOT"
    ;;
  down)
    stack_compose down
    # The proxy network is the stack's, not compose's (lib.sh): it goes once nothing is attached.
    if docker network inspect "$WEBVPS_PROXY_NETWORK" >/dev/null 2>&1; then
      attached=$(docker network inspect -f '{{len .Containers}}' "$WEBVPS_PROXY_NETWORK")
      if [ "$attached" = 0 ]; then
        docker network rm "$WEBVPS_PROXY_NETWORK" >/dev/null && say "network $WEBVPS_PROXY_NETWORK removed"
      else
        say "network $WEBVPS_PROXY_NETWORK kept: $attached container(s) outside the stack are attached to it"
      fi
    fi
    ;;
  ps) stack_compose ps ;;
  logs) shift; stack_compose logs --tail 100 "$@" ;;
  exec)
    [ $# -ge 3 ] || die "usage: scripts/stack.sh exec SERVICE COMMAND..."
    [[ $2 =~ ^(proxy|proxy-gen|sshd|mailer)$ ]] || die "'$2' is not a service of the stack (proxy, proxy-gen, sshd, mailer)"
    id=$(service_container "$2")
    [ -n "$id" ] || die "$2 is not running: start the shared stack first (scripts/stack.sh up)"
    shift 2
    exec docker exec "$id" "$@"
    ;;
  *) die "usage: scripts/stack.sh up | down | ps | logs [SERVICE] | exec SERVICE COMMAND..." ;;
esac
