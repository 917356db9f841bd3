#!/usr/bin/env bash
# Glyphs benchmark: the label glyph ranges of Noto Sans Regular and Bold,
# served by martin 1.14's font endpoint (the baseline,
# `--font fonts/`, built by benches/tiles/run.sh) and by `atlas serve`; then the first paint of the map with
# and without labels in Chromium. Sourced by scripts/bench.
#  - cold: every range of both fonts once (512 requests, 4 at a time) from a
#    server started 2 s before (both get the same idle time; the atlas renders
#    every range its compiled-in fonts cover in that time, martin renders on
#    request): what the first visitors after a start get;
#  - warm: wrk -t2 -c16 -d10s on random ranges with gzip after a warm-up.
# Both sides answer byte-identical glyphs (the same FreeType rendering):
# the SHA-256 of all bodies is printed per server and must match.

bench_glyphs() {
  local martin; martin=$(martin_binary)
  ensure_packages wrk
  cargo build --release --bin atlas
  local work; work=$(mktemp -d /tmp/atlas-bench-glyphs.XXXXXX)
  target/release/atlas demo --out "$work/genk.gpkg" >/dev/null
  python3 benches/glyphs/ranges.py list /fonts .pbf >"$work/atlas.txt"
  python3 benches/glyphs/ranges.py list /font "" >"$work/martin.txt"
  local port; port=$(free_port)
  local server_pid
  start() { # $1 atlas|martin, $2 martin cache MiB
    if [ "$1" = atlas ]; then
      target/release/atlas serve --gpkg "$work/genk.gpkg" --addr "127.0.0.1:$port" >"$work/atlas.log" 2>&1 &
    else
      "$martin" --font fonts --listen-addresses "127.0.0.1:$port" --cache-size "$2" >"$work/martin.log" 2>&1 &
    fi
    server_pid=$!
    for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$port/${3:-}" >/dev/null && return 0; sleep 0.2; done
    echo "$1 did not start" >&2; return 1
  }
  stop() { kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null || true; }
  warm() { # $1 list
    TILE_LIST="$1" wrk -t2 -c16 -d3s -s benches/tiles/random_tiles.lua "http://127.0.0.1:$port" >/dev/null
    TILE_LIST="$1" wrk -t2 -c16 -d10s --latency -s benches/tiles/random_tiles.lua "http://127.0.0.1:$port" \
      | awk '/Requests\/sec/ {rps=$2} $1 == "50%" {p50=$2} $1 == "99%" {p99=$2} /Non-2xx/ {bad=$NF} END {printf "%s\t%s\t%s\t%s\n", rps, p50, p99, bad+0}'
  }
  local results="$work/results.tsv"; : >"$results"
  for server in atlas martin-nocache martin; do
    local name=${server%-nocache} cache=512 list
    [ "$server" = martin-nocache ] && cache=0
    [ "$name" = atlas ] && list="$work/atlas.txt" || list="$work/martin.txt"
    local ready=api/health; [ "$name" = martin ] && ready=catalog
    start "$name" "$cache" "$ready"
    sleep 2
    printf '%s\tcold\t%s\n' "$server" "$(python3 benches/glyphs/ranges.py cold "http://127.0.0.1:$port" "$list")" >>"$results"
    printf '%s\twarm\t%s\n' "$server" "$(warm "$list")" >>"$results"
    stop
  done
  echo
  echo "glyph ranges: 2 fonts x 256 ranges (Noto Sans Regular, Noto Sans Bold)"
  echo "cold: each range once, 4 clients, fresh server: ranges/s, bytes, SHA-256 of all bodies, ranges with glyphs"
  echo "warm: wrk -t2 -c16 -d10s random ranges with gzip: requests/s, p50, p99, non-2xx"
  python3 - "$results" <<'PY'
import sys
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1])]
cold = {r[0]: r[2:] for r in rows if r[1] == "cold"}
warm = {r[0]: r[2:] for r in rows if r[1] == "warm"}
for server in ("atlas", "martin-nocache", "martin"):
    c, w = cold[server], warm[server]
    print(f"{server:15} cold {float(c[0]):8.1f} ranges/s  {int(c[1]):>10,} B  sha {c[2]}  {c[3]} with glyphs | warm {float(w[0]):9.1f} req/s  p50 {w[1]:>8}  p99 {w[2]:>8}  non-2xx {w[3]}")
same = len({cold[s][2] for s in cold}) == 1
print(f"same bodies on every server: {'yes' if same else 'NO'}")
print(f"ratio atlas/martin, cold: {float(cold['atlas'][0]) / float(cold['martin'][0]):.1f}x ranges per second")
print(f"ratio atlas/martin, warm: {float(warm['atlas'][0]) / float(warm['martin'][0]):.1f}x requests per second")
print(f"ratio atlas/martin without its cache, warm: {float(warm['atlas'][0]) / float(warm['martin-nocache'][0]):.1f}x requests per second")
PY
  start atlas 0 api/health
  node benches/glyphs/first_paint.mjs "http://127.0.0.1:$port" 7
  stop
  rm -rf "$work"
}
