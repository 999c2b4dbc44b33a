#!/usr/bin/env bash
# Installs and starts everything the test suite needs, on Debian bookworm, as root.
# Idempotent: every step checks first and reuses what is already installed or
# running, so a second run is quick and changes nothing. Developers can run it too.
#
# Services, at fixed addresses (tests find them there; nothing is exported):
#   DOCKER           unix:///var/run/docker.sock  (dockerd, log /var/log/dockerd-ci.log)
#   PUSHGATEWAY_URL  http://127.0.0.1:9091        (log /var/log/pushgateway-ci.log)
#   REDIS_URL        redis://127.0.0.1:6379       (log /var/log/redis-ci.log)
#   DATABASE_URL     postgres://model_compose:model_compose@127.0.0.1:5432/model_compose
#
# Local base images (no image registry is reachable, so they are built here):
#   debian:bookworm-slim              debootstrap minbase rootfs, apt pointed at the host's mirror
#   model-compose/busybox:local       busybox-static + the glibc libraries bun needs, user app (10001)
#   model-compose/bun-builder:local   debian:bookworm-slim + the host's bun at /usr/local/bin/bun
#
# There is no systemd: daemons are started directly, detached, logging to /var/log.
set -euo pipefail

BUN_VERSION=1.4.5
DENO_VERSION=2.9.6
APT_PACKAGES=(docker.io prometheus-pushgateway redis-server postgresql debootstrap
  busybox-static hyperfine wrk curl ca-certificates git chromium docker-compose)
ROOTFS_CACHE=/var/cache/mc-rootfs
PG_VERSION=15
PG_CLUSTER=main
DB_NAME=model_compose
DB_USER=model_compose
DB_PASSWORD=model_compose

export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:${PATH:-}"

log() { printf '[setup] %s\n' "$*"; }
die() {
  printf '[setup] ERROR: %s\n' "$*" >&2
  exit 1
}

# Runs a command up to 5 times, 10 s apart: apt may be locked briefly by another process.
retry() {
  local n
  for n in 1 2 3 4 5; do
    if "$@"; then return 0; fi
    [[ $n -lt 5 ]] && {
      log "  '$*' failed (try $n/5), retrying in 10 s"
      sleep 10
    }
  done
  return 1
}

# apt-get, its output appended to /var/log/apt-ci.log (its tail is shown on failure).
apt_get() {
  if ! DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=60 "$@" >>/var/log/apt-ci.log 2>&1; then
    tail -n 15 /var/log/apt-ci.log >&2
    return 1
  fi
}

# Waits until "$@" succeeds, for at most $1 seconds.
wait_for() {
  local secs=$1
  shift
  local i
  for ((i = 0; i < secs * 2; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.5
  done
  return 1
}

# Starts a long-running daemon detached from this script (own session, no stdin,
# output to its log) so it outlives the script and holds no pipe of the caller open.
start_daemon() {
  local logfile=$1
  shift
  nohup setsid "$@" </dev/null >>"$logfile" 2>&1 &
}

# Removes a pid file left by a daemon that was killed, when its pid is not (or no
# longer) a process named $2: a reused pid would otherwise block the next start.
remove_stale_pidfile() {
  local file=$1 name=$2 pid
  [[ -f $file ]] || return 0
  pid=$(head -n 1 "$file" 2>/dev/null | tr -dc 0-9)
  if [[ -z $pid || $(cat "/proc/$pid/comm" 2>/dev/null) != "$name" ]]; then
    log "  removing stale $file"
    rm -f "$file"
  fi
}

[[ $(id -u) -eq 0 ]] || die "run as root"
SECONDS=0

# ---------------------------------------------------------------- apt packages
is_installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  is_installed "$pkg" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  log "apt: installing ${missing[*]}"
  # Keep package maintainer scripts from starting daemons with their default
  # configuration; this script starts them itself, bound to 127.0.0.1.
  own_policy=0
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    own_policy=1
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT # also when interrupted mid-install
  fi
  install_status=0
  retry apt_get update || install_status=$?
  if ((install_status == 0)); then
    retry apt_get install -y --no-install-recommends "${missing[@]}" || install_status=$?
  fi
  if ((own_policy)); then
    rm -f /usr/sbin/policy-rc.d
    trap - EXIT
  fi
  ((install_status == 0)) || die "apt-get failed for: ${missing[*]}"
else
  log "apt: all ${#APT_PACKAGES[@]} packages already installed"
fi

# ---------------------------------------------------------------- bun
if [[ $(bun --version 2>/dev/null || true) == "$BUN_VERSION" ]]; then
  log "bun: $BUN_VERSION already installed"
else
  log "bun: installing bun@$BUN_VERSION with npm"
  retry npm install -g "bun@$BUN_VERSION"
  hash -r
  got=$(bun --version 2>/dev/null || true)
  [[ $got == "$BUN_VERSION" ]] || die "bun --version says '$got' after install, expected $BUN_VERSION"
fi
BUN_BIN=$(readlink -f "$(command -v bun)")

# ---------------------------------------------------------------- deno
# Deno runs the source too (deno.json, tests/deno/). The npm package "deno" carries
# the binary in its platform package (@deno/linux-x64-glibc, ...); its postinstall
# only puts that binary in place of a Node wrapper. Where npm skips install scripts
# the wrapper may not find it, so the binary is then linked onto the PATH directly.
deno_version() { deno --version 2>/dev/null | awk 'NR == 1 { print $2 }' || true; }
if [[ $(deno_version) == "$DENO_VERSION" ]]; then
  log "deno: $DENO_VERSION already installed"
else
  log "deno: installing deno@$DENO_VERSION with npm"
  retry npm install -g "deno@$DENO_VERSION"
  hash -r
  if [[ $(deno_version) != "$DENO_VERSION" ]]; then
    npm_root=$(npm root -g)
    case $(uname -m) in
      aarch64 | arm64) deno_pkg=@deno/linux-arm64-glibc ;;
      *) deno_pkg=@deno/linux-x64-glibc ;;
    esac
    for candidate in "$npm_root/deno/node_modules/$deno_pkg/deno" "$npm_root/$deno_pkg/deno"; do
      if [[ -x $candidate ]]; then
        log "  linking $candidate as /usr/local/bin/deno"
        ln -sf "$candidate" /usr/local/bin/deno
        hash -r
        break
      fi
    done
  fi
  got=$(deno_version)
  [[ $got == "$DENO_VERSION" ]] || die "deno --version says '$got' after install, expected $DENO_VERSION"
fi

# ---------------------------------------------------------------- docker engine
if docker info >/dev/null 2>&1; then
  log "docker: engine already running"
else
  log "docker: starting dockerd (log /var/log/dockerd-ci.log)"
  remove_stale_pidfile /var/run/docker.pid dockerd
  : >>/var/log/dockerd-ci.log
  start_daemon /var/log/dockerd-ci.log dockerd --host=unix:///var/run/docker.sock
  if ! wait_for 60 bash -c '[[ -S /var/run/docker.sock ]] && docker info'; then
    log "docker: dockerd did not come up within 60 s; last lines of its log:"
    tail -n 40 /var/log/dockerd-ci.log >&2 || true
    die "docker engine failed to start"
  fi
  log "docker: engine ready"
fi

# ---------------------------------------------------------------- base images
have_image() { docker image inspect "$1" >/dev/null 2>&1; }

# New images are made under this tag, tried, and only then given their real name,
# so that a failed build never leaves an image that a later run would reuse.
CANDIDATE=model-compose/ci-candidate:latest
promote() {
  docker tag "$CANDIDATE" "$1"
  docker rmi "$CANDIDATE" >/dev/null
}

# The image's org.model-compose.bun-version label, empty when absent.
image_bun_label() {
  docker image inspect -f '{{ index .Config.Labels "org.model-compose.bun-version" }}' "$1" 2>/dev/null || true
}

# The Debian mirror this machine's apt uses (deb822 .sources or one-line format),
# so that debootstrap and apt inside images reach the same, reachable, mirror.
debian_mirror() {
  local kind=$1 # debian | debian-security
  local uri
  uri=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
    awk -v k="$kind" '/^URIs:/ { for (i = 2; i <= NF; i++) { u = $i; sub(/\/+$/, "", u); n = split(u, p, "/"); if (p[n] == k) { print u; exit } } }')
  if [[ -z $uri ]]; then
    uri=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
      awk -v k="$kind" '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { u = $i; sub(/\/+$/, "", u); n = split(u, p, "/"); if (p[n] == k) { print u; exit } ; break } }')
  fi
  if [[ -z $uri ]]; then
    if [[ $kind == debian ]]; then uri=http://deb.debian.org/debian; else uri=http://deb.debian.org/debian-security; fi
  fi
  printf '%s\n' "$uri"
}

# a) debian:bookworm-slim
if have_image debian:bookworm-slim; then
  log "image debian:bookworm-slim: present"
else
  mirror=$(debian_mirror debian)
  security=$(debian_mirror debian-security)
  rootfs=$ROOTFS_CACHE/bookworm
  if [[ -f $rootfs/.complete ]]; then
    log "image debian:bookworm-slim: reusing rootfs $rootfs"
  else
    log "image debian:bookworm-slim: debootstrap minbase from $mirror (a few minutes)"
    mkdir -p "$ROOTFS_CACHE"
    bootstrap() {
      rm -rf "$rootfs.partial"
      debootstrap --variant=minbase bookworm "$rootfs.partial" "$mirror" >/var/log/debootstrap-ci.log 2>&1
    }
    retry bootstrap ||
      {
        tail -n 30 /var/log/debootstrap-ci.log >&2
        die "debootstrap failed (log /var/log/debootstrap-ci.log)"
      }
    # apt inside builds uses the same mirror as this machine, like the real image's
    # deb822 sources file.
    rm -f "$rootfs.partial/etc/apt/sources.list"
    cat >"$rootfs.partial/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $mirror
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    chroot "$rootfs.partial" apt-get clean
    rm -rf "$rootfs.partial"/var/lib/apt/lists/* "$rootfs.partial"/var/cache/apt/*.bin \
      "$rootfs.partial"/var/log/*.log "$rootfs.partial"/var/log/apt/* \
      "$rootfs.partial"/var/cache/debconf/*-old
    rm -rf "$rootfs"
    touch "$rootfs.partial/.complete"
    mv "$rootfs.partial" "$rootfs"
  fi
  tar --numeric-owner --exclude=./.complete -C "$rootfs" -c . |
    docker import \
      --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'CMD ["bash"]' \
      - "$CANDIDATE" >/dev/null
  docker run --rm "$CANDIDATE" bash -c 'apt-get --version && id -u' >/dev/null ||
    die "debian:bookworm-slim: bash/apt-get do not run in the new image"
  promote debian:bookworm-slim
  log "image debian:bookworm-slim: imported"
fi

# b) model-compose/busybox:local: runs a compiled Bun executable (glibc, dynamically linked)
if have_image model-compose/busybox:local &&
  [[ $(image_bun_label model-compose/busybox:local) == "$BUN_VERSION" ]]; then
  log "image model-compose/busybox:local: present"
else
  log "image model-compose/busybox:local: building from busybox-static + glibc of $BUN_BIN"
  root=$(mktemp -d /tmp/mc-busybox.XXXXXX)
  mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,usr/local/bin,etc,tmp,root,home/app,proc,sys,dev}
  chmod 1777 "$root/tmp"
  chmod 700 "$root/root"
  cp /bin/busybox "$root/bin/busybox"
  chroot "$root" /bin/busybox --install -s /bin
  [[ -L $root/bin/sh && -L $root/bin/wget ]] || die "busybox --install did not create sh/wget"
  # The libraries bun links against, at the same paths, plus the dynamic loader
  # named in its ELF header (copied as files, not as the host's symlinks).
  for lib in $(ldd "$BUN_BIN" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'); do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
  interp=$(readelf -l "$BUN_BIN" 2>/dev/null | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p' || true)
  if [[ -n $interp && ! -e $root$interp ]]; then
    mkdir -p "$root$(dirname "$interp")"
    cp -L "$interp" "$root$interp"
  fi
  cat >"$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
app:x:10001:10001:app:/home/app:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
  cat >"$root/etc/group" <<'EOF'
root:x:0:
app:x:10001:
nogroup:x:65534:
EOF
  chown 10001:10001 "$root/home/app"
  tar --numeric-owner -C "$root" -c . |
    docker import \
      --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin' \
      --change "LABEL org.model-compose.bun-version=$BUN_VERSION" \
      --change 'CMD ["/bin/sh"]' \
      - "$CANDIDATE" >/dev/null
  rm -rf "$root"
  [[ $(docker run --rm "$CANDIDATE" /bin/sh -c 'echo ok') == ok ]] ||
    die "model-compose/busybox:local: /bin/sh does not run"
  # A bun binary copied in must run there, as the non-root user.
  cid=$(docker create --user app "$CANDIDATE" /usr/local/bin/bun --version)
  got=$( (docker cp "$BUN_BIN" "$cid:/usr/local/bin/bun" >/dev/null && docker start -a "$cid") 2>&1 || true)
  docker rm -f "$cid" >/dev/null
  [[ $got == "$BUN_VERSION" ]] || die "model-compose/busybox:local: bun --version printed '$got'"
  promote model-compose/busybox:local
  log "image model-compose/busybox:local: built (runs bun $got as app)"
fi

# c) model-compose/bun-builder:local: the builder stage of multi-stage Dockerfiles
if have_image model-compose/bun-builder:local &&
  [[ $(image_bun_label model-compose/bun-builder:local) == "$BUN_VERSION" ]]; then
  log "image model-compose/bun-builder:local: present"
else
  log "image model-compose/bun-builder:local: building FROM debian:bookworm-slim with bun $BUN_VERSION"
  ctx=$(mktemp -d /tmp/mc-bun-builder.XXXXXX)
  cp "$BUN_BIN" "$ctx/bun"
  # This machine's CA bundle, so that bun install inside builds trusts the same
  # registry certificates as the host does.
  cp /etc/ssl/certs/ca-certificates.crt "$ctx/ca-certificates.crt"
  cat >"$ctx/Dockerfile" <<EOF
FROM debian:bookworm-slim
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY bun /usr/local/bin/bun
RUN chmod 755 /usr/local/bin/bun && ln -s bun /usr/local/bin/bunx && bun --version
ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \\
    NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
LABEL org.model-compose.bun-version=$BUN_VERSION
WORKDIR /app
CMD ["bun"]
EOF
  if ! docker build -q -t "$CANDIDATE" "$ctx" >/tmp/mc-bun-builder.log 2>&1; then
    cat /tmp/mc-bun-builder.log >&2
    rm -rf "$ctx"
    die "docker build of model-compose/bun-builder:local failed"
  fi
  rm -rf "$ctx" /tmp/mc-bun-builder.log
  got=$(docker run --rm "$CANDIDATE" bun --version)
  [[ $got == "$BUN_VERSION" ]] || die "model-compose/bun-builder:local: bun --version printed '$got'"
  promote model-compose/bun-builder:local
  log "image model-compose/bun-builder:local: built"
fi

# ---------------------------------------------------------------- pushgateway
pushgateway_ready() { curl -fsS --max-time 2 http://127.0.0.1:9091/-/ready >/dev/null 2>&1; }
if pushgateway_ready; then
  log "pushgateway: already answering at http://127.0.0.1:9091"
else
  log "pushgateway: starting (log /var/log/pushgateway-ci.log)"
  start_daemon /var/log/pushgateway-ci.log prometheus-pushgateway --web.listen-address=127.0.0.1:9091
  wait_for 30 pushgateway_ready || {
    tail -n 20 /var/log/pushgateway-ci.log >&2
    die "pushgateway did not become ready"
  }
  log "pushgateway: ready"
fi

# ---------------------------------------------------------------- redis
redis_ready() { [[ $(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null) == PONG ]]; }
if redis_ready; then
  log "redis: already answering at 127.0.0.1:6379"
else
  log "redis: starting (log /var/log/redis-ci.log)"
  mkdir -p /var/lib/redis-ci
  # No snapshots: the data is test data; --dir keeps redis from writing into the cwd.
  redis-server --bind 127.0.0.1 --port 6379 --daemonize yes \
    --dir /var/lib/redis-ci --save '' --appendonly no --logfile /var/log/redis-ci.log
  wait_for 30 redis_ready || {
    tail -n 20 /var/log/redis-ci.log >&2
    die "redis did not answer PONG"
  }
  log "redis: ready"
fi

# ---------------------------------------------------------------- postgresql
pg_ready() { pg_isready -q -h 127.0.0.1 -p 5432; }
if pg_ready; then
  log "postgresql: already accepting connections at 127.0.0.1:5432"
else
  if ! pg_lsclusters -h 2>/dev/null | awk -v v=$PG_VERSION -v c=$PG_CLUSTER '$1 == v && $2 == c { f = 1 } END { exit !f }'; then
    log "postgresql: creating cluster $PG_VERSION/$PG_CLUSTER"
    pg_createcluster --port 5432 $PG_VERSION $PG_CLUSTER >/dev/null
  fi
  pg_conf=/etc/postgresql/$PG_VERSION/$PG_CLUSTER/conf.d/model-compose-ci.conf
  if [[ ! -f $pg_conf ]]; then
    printf "# Written by model-compose scripts/ci/setup.sh\nlisten_addresses = '127.0.0.1'\n" >"$pg_conf"
  fi
  log "postgresql: starting cluster $PG_VERSION/$PG_CLUSTER"
  remove_stale_pidfile "$(pg_lsclusters -h | awk -v v=$PG_VERSION -v c=$PG_CLUSTER '$1 == v && $2 == c { print $6 }')/postmaster.pid" postgres
  # Its failure shows in the wait below (it also fails when a server is already
  # starting, which the wait then sees through).
  pg_ctlcluster $PG_VERSION $PG_CLUSTER start || true
  wait_for 60 pg_ready || {
    tail -n 20 "/var/log/postgresql/postgresql-$PG_VERSION-$PG_CLUSTER.log" >&2 || true
    die "postgresql did not become ready"
  }
  log "postgresql: ready"
fi

psql_admin() { runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -h /var/run/postgresql -p 5432 "$@"; }
if PGPASSWORD=$DB_PASSWORD psql -X -h 127.0.0.1 -p 5432 -U $DB_USER -d $DB_NAME -tAc 'select 1' >/dev/null 2>&1; then
  log "postgresql: role and database $DB_NAME present"
else
  log "postgresql: creating role $DB_USER and database $DB_NAME"
  psql_admin -d postgres <<EOF
DO \$\$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$DB_USER') THEN
    CREATE ROLE $DB_USER LOGIN CREATEDB PASSWORD '$DB_PASSWORD';
  ELSE
    ALTER ROLE $DB_USER LOGIN CREATEDB PASSWORD '$DB_PASSWORD';
  END IF;
END
\$\$;
EOF
  if [[ -z $(psql_admin -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'") ]]; then
    psql_admin -d postgres -c "CREATE DATABASE $DB_NAME OWNER $DB_USER"
  fi
  PGPASSWORD=$DB_PASSWORD psql -X -h 127.0.0.1 -p 5432 -U $DB_USER -d $DB_NAME -tAc 'select 1' >/dev/null ||
    die "cannot log in as $DB_USER to $DB_NAME"
fi

# ---------------------------------------------------------------- summary
docker_server=$(docker version -f '{{.Server.Version}}' 2>/dev/null || echo '?')
cat <<EOF
[setup] done in ${SECONDS}s
  bun          $(bun --version)  ($BUN_BIN)
  deno         $(deno_version)  ($(readlink -f "$(command -v deno)"))
  docker       server $docker_server at unix:///var/run/docker.sock
  images       debian:bookworm-slim, model-compose/busybox:local, model-compose/bun-builder:local
  pushgateway  http://127.0.0.1:9091   ($(prometheus-pushgateway --version 2>&1 | awk 'NR == 1 { print $3; exit }'))
  redis        redis://127.0.0.1:6379  ($(redis-server --version | sed -n 's/.* v=\([^ ]*\).*/\1/p'))
  postgresql   postgres://$DB_USER:$DB_PASSWORD@127.0.0.1:5432/$DB_NAME  ($(PGPASSWORD=$DB_PASSWORD psql -X -h 127.0.0.1 -U $DB_USER -d $DB_NAME -tAc 'show server_version'))
EOF
