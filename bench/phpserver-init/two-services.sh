#!/bin/sh
# What a single-child init (tini) must be given to run two services: a shell that starts both.
. /etc/apache2/envvars
rm -f "$APACHE_PID_FILE"
cron -f &
exec /usr/sbin/apache2 -DFOREGROUND
