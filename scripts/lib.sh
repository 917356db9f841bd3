#!/usr/bin/env bash
# Shared shell helpers for scripts/demo, scripts/test and scripts/bench:
# install missing Debian packages, start and stop a throwaway PostgreSQL cluster.

# Debian packages the atlas needs to build, test and benchmark.
ATLAS_DEBIAN_PACKAGES=(pkg-config poppler-utils libsqlite3-dev postgresql-15 postgresql-15-postgis-3 postgresql-15-pgrouting gdal-bin libgdal-dev clang libclang-dev chromium)

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

# ensure_packages PKG...: apt-get install those that are not installed yet.
ensure_packages() {
  local missing=()
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing Debian packages: ${missing[*]}" >&2
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_postgres: a fresh cluster in a temp folder on a free local port.
# Sets ATLAS_PG_DIR and exports ATLAS_TEST_DATABASE_URL; stop_postgres removes it all.
start_postgres() {
  local bin=/usr/lib/postgresql/15/bin
  ATLAS_PG_DIR=$(mktemp -d /tmp/atlas-pg.XXXXXX)
  local port; port=$(free_port)
  local run=()
  if [ "$(id -u)" = 0 ]; then
    chown postgres: "$ATLAS_PG_DIR"
    run=(runuser -u postgres --)
  fi
  "${run[@]}" "$bin/initdb" -D "$ATLAS_PG_DIR/data" -A trust -U postgres --no-sync -E UTF8 >"$ATLAS_PG_DIR/initdb.log" 2>&1 \
    || { cat "$ATLAS_PG_DIR/initdb.log" >&2; return 1; }
  "${run[@]}" "$bin/pg_ctl" -D "$ATLAS_PG_DIR/data" -l "$ATLAS_PG_DIR/server.log" -w -t 60 \
    -o "-p $port -k $ATLAS_PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 -c shared_buffers=512MB" \
    start >/dev/null || { cat "$ATLAS_PG_DIR/server.log" >&2; return 1; }
  export ATLAS_TEST_DATABASE_URL="postgresql://postgres@127.0.0.1:$port/postgres"
  echo "throwaway PostgreSQL cluster on 127.0.0.1:$port ($ATLAS_PG_DIR)" >&2
}

stop_postgres() {
  [ -n "${ATLAS_PG_DIR:-}" ] && [ -d "$ATLAS_PG_DIR" ] || return 0
  local run=()
  [ "$(id -u)" = 0 ] && run=(runuser -u postgres --)
  "${run[@]}" /usr/lib/postgresql/15/bin/pg_ctl -D "$ATLAS_PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$ATLAS_PG_DIR"
}

# build_web: install the front end's npm packages (from the lock file) when
# missing, and build it into web/dist.
build_web() {
  command -v npm >/dev/null || ensure_packages nodejs npm
  if [ ! -d web/node_modules ] || [ web/package-lock.json -nt web/node_modules ]; then
    (cd web && npm ci --no-audit --no-fund --loglevel=error)
  fi
  (cd web && npm run --silent build >/dev/null)
}
