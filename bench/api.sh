#!/usr/bin/env bash
# HTTP throughput of the /v1 API on SQLite (issue 4): starts `reflector serve` on a loopback port
# with a fresh database, creates an API key, a room and a meeting, then runs wrk (bounded: a few
# seconds per endpoint, 20 connections) against
#   GET /health                                  (baseline: routing + SELECT 1)
#   GET /v1/rooms               with X-API-Key   (auth lookup + paged list)
#   GET /v1/rooms/{name}/meetings/active         (room + active meetings)
# and prints req/s and latency percentiles. The server stops at the end.
# Usage: [ROOMS=20] [HTTP_THREADS=0 (per core)] bench/api.sh [BUILD_DIR] [SECONDS] [CONNECTIONS]
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
secs=${2:-10}
conns=${3:-20}
dir=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export DATABASE_URL="sqlite:///$dir/bench.db" DATA_DIR="$dir/data" PORT=$port LOG_LEVEL=warn \
  AUTH_BACKEND=none HTTP_THREADS=${HTTP_THREADS:-0}
cd "$dir"
"$build/reflector" migrate up >/dev/null
key=$("$build/reflector" apikey create --user bench-user --name bench 2>/dev/null)
"$build/reflector" serve >"$dir/serve.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
base="http://127.0.0.1:$port"
for i in $(seq 1 "${ROOMS:-20}"); do
  curl -sf -X POST "$base/v1/rooms" -H "X-API-Key: $key" -H 'Content-Type: application/json' \
    -d "{\"name\":\"room-$i\"}" >/dev/null
done
curl -sf -X POST "$base/v1/rooms/room-1/meeting" -H "X-API-Key: $key" \
  -H 'Content-Type: application/json' -d '{}' >/dev/null
run() {
  local label=$1
  shift
  echo "== $label"
  wrk -t2 -c"$conns" -d"${secs}s" --latency "$@" | grep -E "Requests/sec|Non-2xx|Socket errors|^ +(50|75|90|99)%"
}
run "GET /health" "$base/health"
run "GET /v1/rooms (X-API-Key)" -H "X-API-Key: $key" "$base/v1/rooms"
run "GET /v1/rooms/room-1/meetings/active (X-API-Key)" -H "X-API-Key: $key" \
  "$base/v1/rooms/room-1/meetings/active"
