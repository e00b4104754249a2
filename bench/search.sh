#!/usr/bin/env bash
# Latency of GET /v1/transcripts/search (issue 12, contract §8) on SQLite and PostgreSQL:
# bench/search_seed writes COUNT synthetic transcripts of WORDS caption words each (fixed seed,
# Zipf over 5 000 pseudo-words; see bench/search_seed.cpp) straight through the store, then
# `reflector serve` as users run it (AUTH_BACKEND=jwt with an RS256 token for the transcripts'
# owner, so every transcript is the caller's; in-process job workers on) answers wrk (1 thread,
# CONNECTIONS connections, SECONDS per query) for:
#   common   the most frequent word (in every transcript, ~11% of all words)
#   mid      the 100th most frequent word (in every transcript, a few times each)
#   rare     "xylophone" (in 1 transcript of 1 000)
#   phrase   "w0 w1" as a quoted phrase (the two most frequent words next to each other)
#   and      w0 w1 unquoted (both words, anywhere)
#   or       xylophone OR the 1000th word
#   none     no q: the newest 20, rank 1
# and prints wrk's latency percentiles. PostgreSQL runs on a throwaway server
# (scripts/pg-test-server), vacuumed and analysed after seeding. Usage:
#   [COUNT=10000] [WORDS=5000] [SECONDS=10] [CONNECTIONS=1] bench/search.sh [BUILD_DIR] [sqlite|postgres|both]
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
which_db=${2:-both}
count=${COUNT:-10000}
words=${WORDS:-5000}
secs=${SECONDS_PER_QUERY:-10}
conns=${CONNECTIONS:-1}
root=$(cd "$(dirname "$0")/.." && pwd)
for tool in wrk python3 curl openssl psql; do
  command -v "$tool" >/dev/null || { echo "search.sh: $tool is not installed" >&2; exit 1; }
done
dir=$(mktemp -d)
chmod 755 "$dir"
pids=()
pg_dir=""
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  [[ -n "$pg_dir" ]] && "$root/scripts/pg-test-server" stop "$pg_dir" >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
owner=local-owner  # search_seed's transcripts belong to this user; the token's subject
token=$("$root/bench/jwt_token.sh" "$dir" "$owner")
auth=(-H "Authorization: Bearer $token")
urlencode() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$1"; }

run() {
  local backend=$1 url=$2
  echo "== $backend: seeding $count transcripts x $words words"
  local t0=$SECONDS
  read -r w0 w1 w99 w999 _ < <("$build/bench/search_seed" "$url" "$count" "$words" "$owner" 2>/dev/null)
  echo "   seeded in $((SECONDS - t0)) s"
  if [[ $backend == sqlite ]]; then
    echo "   database size: $(du -sh "${url#sqlite://}" | cut -f1)"
  else
    # As pgbench -i does after loading: the queries then measure the steady state, not
    # autovacuum's first pass over the 10 000 new transcripts (and their search parts and
    # TOAST), which otherwise runs during them (most frequent word: 17.7 ms p50 against 11.7 ms
    # once vacuumed, docs/performance.md).
    t0=$SECONDS
    psql -q -X "$url" -c "VACUUM (ANALYZE)" >/dev/null
    echo "   VACUUM (ANALYZE) in $((SECONDS - t0)) s"
  fi
  local port
  port=$(free_port)
  # serve's defaults (WORKER_THREADS unset: in-process job workers on) and production auth.
  (
    unset WORKER_THREADS
    DATABASE_URL="$url" DATA_DIR="$dir/data-$backend" PORT=$port LOG_LEVEL=warn \
      AUTH_BACKEND=jwt AUTH_JWT_PUBLIC_KEY="$dir/jwt.pub" AUTH_JWT_AUDIENCE=reflector \
      exec "$build/reflector" serve >"$dir/serve-$backend.log" 2>&1
  ) &
  pids+=($!)
  local base="http://127.0.0.1:$port"
  # serve migrates first: a database seeded by an older search_seed is re-indexed (minutes).
  local up=""
  for _ in $(seq 1 3000); do
    curl -sf "$base/health" >/dev/null && { up=1; break; }
    kill -0 "${pids[-1]}" 2>/dev/null || break
    sleep 0.1
  done
  if [[ -z $up ]]; then
    echo "search.sh: the server did not come up in 300 s; its log:" >&2
    tail -20 "$dir/serve-$backend.log" >&2
    exit 1
  fi
  # The token is really checked: a bad one is refused.
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer x$token" \
    "$base/v1/transcripts/search?q=$w0")
  [[ $code == 401 ]] || { echo "search.sh: a bad token got $code, not 401" >&2; exit 1; }
  declare -A queries=(
    [common]="$w0" [mid]="$w99" [rare]="xylophone" [phrase]="\"$w0 $w1\"" [and]="$w0 $w1"
    [or]="xylophone OR $w999" [none]=""
  )
  printf '   %-7s %-28s %8s %9s %9s %9s %9s\n' query q total req/s p50 p90 p99
  for name in common mid rare phrase and or none; do
    local q=${queries[$name]} path="/v1/transcripts/search"
    [[ -n "$q" ]] && path="$path?q=$(urlencode "$q")"
    local total
    total=$(curl -sf "${auth[@]}" "$base$path" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')
    local out
    out=$(wrk -t1 -c"$conns" -d"${secs}s" --timeout 30s --latency "${auth[@]}" "$base$path")
    local rps p50 p90 p99
    rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
    p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
    p90=$(awk '$1 == "90%" {print $2}' <<<"$out")
    p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
    printf '   %-7s %-28s %8s %9s %9s %9s %9s\n' "$name" "${q:-(none)}" "$total" "$rps" "$p50" "$p90" "$p99"
  done
  kill "${pids[-1]}" && wait "${pids[-1]}" 2>/dev/null || true
}

if [[ $which_db == sqlite || $which_db == both ]]; then
  run sqlite "sqlite:///$dir/search.db"
fi
if [[ $which_db == postgres || $which_db == both ]]; then
  pg_dir="$dir/pg"
  "$root/scripts/pg-test-server" start "$pg_dir" >/dev/null
  run postgres "$(cat "$pg_dir/url")"
fi
