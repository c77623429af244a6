#!/usr/bin/env bash
# The mailer of the shared stack (docs/mailer.md), whichever Compose version named its container.
#   scripts/mail.sh status          every site's queue, rate windows and pause, and the relay
#   scripts/mail.sh hold SITE       pause a site's mail by hand (it stays queued)
#   scripts/mail.sh resume SITE     lift a pause; the held mail is sent
# The same environment as scripts/stack.sh (WEBVPS_PROJECT, ...).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

usage() { die "usage: scripts/mail.sh status | hold SITE | resume SITE"; }

case "${1:-}" in
  status) [ $# -eq 1 ] || usage ;;
  hold | resume) [ $# -eq 2 ] || usage
    valid_site_name "$2" || die "'$2' is not a site name" ;;
  *) usage ;;
esac
mailer=$(service_container mailer)
[ -n "$mailer" ] || die "the mailer container is not running: start the shared stack first (scripts/stack.sh up)"
exec docker exec "$mailer" mailer "$@"
