#!/bin/sh
# Redis for the run queue: a password from REDIS_PASSWORD, data in /data (the named
# volume), every write in the append-only file before it is acknowledged.
set -eu
: "${REDIS_PASSWORD:?REDIS_PASSWORD is not set (deploy/.env)}"
conf=$(mktemp)
cat >"$conf" <<CONF
bind 0.0.0.0 ::
protected-mode no
port 6379
dir /data
appendonly yes
appendfsync always
save ""
requirepass $REDIS_PASSWORD
CONF
exec redis-server "$conf"
