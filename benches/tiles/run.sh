#!/usr/bin/env bash
# Tiles benchmark: the demo at scale 10 in PostGIS, served by martin 1.14 (the
# baseline) and by `atlas serve --database-url`, both measured with wrk on the
# same random z14 and z16 parcel tiles, uncached and cached, with gzip.
# Sourced by scripts/bench after start_postgres (needs ATLAS_TEST_DATABASE_URL).

# martin 1.14 with PostGIS sources and fonts, built once; prints its path.
martin_binary() {
  local martin_root=${ATLAS_MARTIN_ROOT:-$HOME/.cache/atlas-bench/martin}
  local martin=$martin_root/bin/martin
  if [ ! -x "$martin" ] || ! "$martin" --help | grep -q -- '--font'; then
    echo "building martin 1.14.0 into $martin_root (about 13 minutes, once)" >&2
    cargo install martin --version 1.14.0 --locked --force --no-default-features --features postgres,fonts --root "$martin_root" >&2
  fi
  echo "$martin"
}

bench_tiles() {
  local martin; martin=$(martin_binary)
  ensure_packages wrk
  cargo build --release --bin atlas
  local atlas=target/release/atlas
  local work; work=$(mktemp -d /tmp/atlas-bench-tiles.XXXXXX)
  local database_url="${ATLAS_TEST_DATABASE_URL%/*}/atlas_tiles"
  psql -q "$ATLAS_TEST_DATABASE_URL" -c "DROP DATABASE IF EXISTS atlas_tiles" -c "CREATE DATABASE atlas_tiles"
  "$atlas" demo --out "$work/genk10.gpkg" --scale 10 >/dev/null
  "$atlas" migrate --database-url "$database_url" >/dev/null
  "$atlas" load --from "$work/genk10.gpkg" --database-url "$database_url" >/dev/null 2>&1
  psql -q "$database_url" -c "VACUUM ANALYZE"

  local atlas_port martin_port
  atlas_port=$(free_port)
  martin_port=$(free_port)
  local bbox server_pid

  start_atlas() { # $1: tile cache MiB
    "$atlas" serve --database-url "$database_url" --addr "127.0.0.1:$atlas_port" --tile-cache-mb "$1" >"$work/atlas.log" 2>&1 &
    server_pid=$!
    wait_for "http://127.0.0.1:$atlas_port/api/health"
  }
  start_martin() { # $1: cache MiB
    "$martin" --listen-addresses "127.0.0.1:$martin_port" --cache-size "$1" "$database_url" >"$work/martin.log" 2>&1 &
    server_pid=$!
    wait_for "http://127.0.0.1:$martin_port/catalog"
  }
  wait_for() {
    for _ in $(seq 1 300); do curl -sf "$1" >/dev/null && return 0; sleep 0.2; done
    echo "server did not start: $1" >&2; return 1
  }
  stop_server() { kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null || true; }

  # the tile lists: every non-empty parcel tile of the city copies at z14 and z16
  start_atlas 0
  bbox=$(curl -s "http://127.0.0.1:$atlas_port/api/layers" | python3 -c 'import json,sys; l=[x for x in json.load(sys.stdin)["layers"] if x["id"]=="parcels"][0]; print(*l["bbox"])')
  for zoom in 14 16; do
    python3 benches/tiles/tile_paths.py "$zoom" $bbox "/tiles/parcels/{z}/{x}/{y}.mvt" "http://127.0.0.1:$atlas_port" >"$work/atlas-z$zoom.txt"
    sed -e 's|^/tiles/parcels/|/parcels/|' -e 's|\.mvt$||' "$work/atlas-z$zoom.txt" >"$work/martin-z$zoom.txt"
  done
  stop_server

  local results="$work/results.tsv"
  : >"$results"
  measure() { # $1 server, $2 cached|uncached, $3 zoom, $4 port
    local list="$work/$1-z$3.txt"
    # warm up (fills the caches when they are on), then measure
    TILE_LIST="$list" wrk -t2 -c16 -d5s -s benches/tiles/random_tiles.lua "http://127.0.0.1:$4" >/dev/null
    local out; out=$(TILE_LIST="$list" wrk -t2 -c16 -d15s --latency -s benches/tiles/random_tiles.lua "http://127.0.0.1:$4")
    local rps p50 p99
    rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
    p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
    p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
    printf '%s\t%s\tz%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$rps" "$p50" "$p99" "$(wc -l <"$list")" >>"$results"
  }
  for mode in uncached cached; do
    local cache_mb=512; [ "$mode" = uncached ] && cache_mb=0
    start_atlas "$cache_mb"
    for zoom in 14 16; do measure atlas "$mode" "$zoom" "$atlas_port"; done
    stop_server
    start_martin "$cache_mb"
    for zoom in 14 16; do measure martin "$mode" "$zoom" "$martin_port"; done
    stop_server
  done

  echo
  echo "parcel tiles of the scale-10 demo, wrk -t2 -c16 -d15s, gzip, random tiles (count = distinct non-empty tiles)"
  printf '%-7s %-9s %-5s %12s %10s %10s %7s\n' server cache zoom 'requests/s' p50 p99 tiles
  sort -k2,2 -k3,3 -k1,1 "$results" | awk -F'\t' '{printf "%-7s %-9s %-5s %12s %10s %10s %7s\n", $1, $2, $3, $4, $5, $6, $7}'
  echo
  python3 - "$results" <<'PY'
import sys
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1])]
rps = {(r[0], r[1], r[2]): float(r[3]) for r in rows}
for mode in ("uncached", "cached"):
    for zoom in ("z14", "z16"):
        a, m = rps.get(("atlas", mode, zoom)), rps.get(("martin", mode, zoom))
        if a and m:
            print(f"ratio atlas/martin, {mode} {zoom}: {a / m:.1f}x requests per second")
PY
  rm -rf "$work"
}
