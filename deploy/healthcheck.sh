#!/usr/bin/env bash
# The container health check: healthy when the stage's /healthz answers 200 (503 while a component
# is degraded, e.g. a camera backing off, or the stage is stopping). bash's /dev/tcp, since the slim
# image has no curl. With no operations port (MOODWIRE_METRICS_PORT unset) there is nothing to ask.
set -u
port=${MOODWIRE_METRICS_PORT:-}
[ -z "$port" ] && exit 0
exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
printf 'GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' >&3
IFS= read -r -t 2 status <&3 || exit 1
[[ $status == HTTP/1.[01]\ 200\ * ]]
