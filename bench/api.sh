#!/usr/bin/env bash
# HTTP throughput of the /v1 API on SQLite as users run it (issues 4 and 10): starts
# `reflector serve` with its defaults (in-process job workers on) and AUTH_BACKEND=jwt on a
# loopback port with a fresh database, makes an RSA key pair and an RS256 token (openssl CLI; the
# same token on every request, as a client does), creates an API key, ROOMS rooms and a meeting,
# then runs wrk (2 threads, CONNECTIONS connections) against
#   GET /health                                  (baseline: routing + SELECT 1)
#   GET /v1/rooms               with the JWT     (auth + paged list)
#   GET /v1/rooms/room-1/meetings/active  (JWT)  (room + active meetings)
# and, as labelled extras, GET /v1/rooms with X-API-Key (the same server) and nginx answering a
# static 200 with the same wrk settings (the machine's ceiling). Prints req/s and latency
# percentiles; the server stops at the end.
# Usage: [ROOMS=20] [HTTP_THREADS=0 (per core)] bench/api.sh [BUILD_DIR] [SECONDS] [CONNECTIONS]
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
secs=${2:-10}
conns=${3:-20}
for tool in wrk python3 curl openssl; do
  command -v "$tool" >/dev/null || { echo "api.sh: $tool is not installed" >&2; exit 1; }
done
dir=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$dir"
}
trap cleanup EXIT
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# An RS256 token for bench-user, valid for an hour.
token=$("$(dirname "$0")/jwt_token.sh" "$dir" bench-user)

port=$(free_port)
export DATABASE_URL="sqlite:///$dir/bench.db" DATA_DIR="$dir/data" PORT=$port LOG_LEVEL=warn \
  AUTH_BACKEND=jwt AUTH_JWT_PUBLIC_KEY="$dir/jwt.pub" AUTH_JWT_AUDIENCE=reflector \
  HTTP_THREADS=${HTTP_THREADS:-0}
unset WORKER_THREADS  # serve's default
cd "$dir"
"$build/reflector" migrate up >/dev/null
key=$("$build/reflector" apikey create --user bench-user --name bench 2>/dev/null)
"$build/reflector" serve >"$dir/serve.log" 2>&1 &
pids+=($!)
base="http://127.0.0.1:$port"
for _ in $(seq 1 100); do curl -sf "$base/health" >/dev/null && break; sleep 0.1; done
auth=(-H "Authorization: Bearer $token")
for i in $(seq 1 "${ROOMS:-20}"); do
  curl -sf -X POST "$base/v1/rooms" "${auth[@]}" -H 'Content-Type: application/json' \
    -d "{\"name\":\"room-$i\"}" >/dev/null
done
curl -sf -X POST "$base/v1/rooms/room-1/meeting" "${auth[@]}" \
  -H 'Content-Type: application/json' -d '{}' >/dev/null
# The token is really checked: without it the list is refused.
code=$(curl -s -o /dev/null -w '%{http_code}' "$base/v1/rooms" -H "Authorization: Bearer x$token")
[ "$code" = 401 ] || { echo "api.sh: a bad token got $code, not 401" >&2; exit 1; }

echo "wrk -t2 -c$conns -d${secs}s, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)," \
  "${ROOMS:-20} room(s), AUTH_BACKEND=jwt, WORKER_THREADS default"
run() {
  local label=$1
  shift
  echo "== $label"
  wrk -t2 -c"$conns" -d"${secs}s" --latency "$@" |
    grep -E "Requests/sec|Non-2xx|Socket errors|^ +(50|75|90|99)%"
}
run "GET /health" "$base/health"
run "GET /v1/rooms (RS256 JWT)" "${auth[@]}" "$base/v1/rooms"
run "GET /v1/rooms/room-1/meetings/active (RS256 JWT)" "${auth[@]}" \
  "$base/v1/rooms/room-1/meetings/active"
run "extra: GET /v1/rooms (X-API-Key)" -H "X-API-Key: $key" "$base/v1/rooms"

if command -v nginx >/dev/null; then
  nport=$(free_port)
  mkdir -p "$dir/nginx"
  cat >"$dir/nginx/nginx.conf" <<EOF
daemon off;
worker_processes auto;
pid $dir/nginx/nginx.pid;
error_log $dir/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $dir/nginx;
  server {
    listen 127.0.0.1:$nport;
    location / { return 200 '{"status":"ok"}'; }
  }
}
EOF
  nginx -p "$dir/nginx" -c "$dir/nginx/nginx.conf" &
  pids+=($!)
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$nport/" >/dev/null && break; sleep 0.05; done
  run "extra: nginx static 200 (ceiling)" "${auth[@]}" "http://127.0.0.1:$nport/v1/rooms"
else
  echo "nginx not installed (apt-get install nginx-light): no ceiling row"
fi
