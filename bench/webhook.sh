#!/usr/bin/env bash
# Webhook receiver throughput as users run it (issues 5 and 10): wrk on loopback POSTs valid,
# signed, unique-id Daily `participant.joined` deliveries (bench/webhook_sign.lua signs each
# request) for a Daily meeting, so every request is verified, deduplicated, stored (webhook_event +
# participant_session) and queues the meeting's coalesced presence reconciliation, all committed
# before the 200. Then the same wrk settings against nginx answering a static 200: the ceiling of
# this machine.
#
# The measured configuration is serve's default: WORKER_THREADS unset (2 in-process workers), so
# the presence reconciliation jobs the events queue run during the load, against the fake Daily
# API (build/bench/fake_daily_api) answering presence after PRESENCE_DELAY_MS (a slow Daily).
# Labelled extras: the same with WORKER_THREADS=0 (the receiver alone; queued jobs wait), and
# PostgreSQL (fsync and synchronous_commit on) with the defaults.
#
# Per run: starts `reflector serve` on a fresh database, creates a Daily room and meeting through
# the API, runs wrk, stops the server, then counts the stored events (never fewer than answered)
# and the presence jobs that ran.
#
# Usage: [BACKENDS="sqlite postgres"] [EXTRAS="no-workers" or ""] [PRESENCE_DELAY_MS=200]
#        [HTTP_THREADS=0 (per core)] bench/webhook.sh [BUILD_DIR] [SECONDS] [CONNECTIONS]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-build}" && pwd)
secs=${2:-10}
conns=${3:-20}
backends=${BACKENDS:-sqlite postgres}
extras=${EXTRAS-no-workers}
presence_delay=${PRESENCE_DELAY_MS:-200}
for tool in wrk python3 curl; do
  command -v "$tool" >/dev/null || { echo "webhook.sh: $tool is not installed" >&2; exit 1; }
done
[ -x "$build/reflector" ] && [ -x "$build/bench/fake_daily_api" ] ||
  { echo "webhook.sh: build first (make build)" >&2; exit 1; }

dir=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  [ -d "$dir/pg" ] && "$root/scripts/pg-test-server" stop "$dir/pg" >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
wait_http() {
  for _ in $(seq 1 200); do curl -sf -o /dev/null "$1" && return 0; sleep 0.05; done
  echo "webhook.sh: $1 did not come up" >&2
  return 1
}
report() {  # label, wrk output
  local rps p50 p99 non2xx
  rps=$(awk '/Requests\/sec/{print $2}' <<<"$2")
  p50=$(awk '$1=="50%"{print $2}' <<<"$2")
  p99=$(awk '$1=="99%"{print $2}' <<<"$2")
  non2xx=$(awk '/Non-2xx/{print $5}' <<<"$2")
  printf '%-36s %10s req/s   p50 %-9s p99 %-9s non-2xx %s\n' "$1" "$rps" "$p50" "$p99" \
    "${non2xx:-0}"
  [ -z "$non2xx" ] || { echo "webhook.sh: $1 had non-2xx answers" >&2; return 1; }
}

# The fake Daily API, shared by both backends.
"$build/bench/fake_daily_api" "$presence_delay" >"$dir/daily.out" &
pids+=($!)
for _ in $(seq 1 100); do [ -s "$dir/daily.out" ] && break; sleep 0.05; done
read -r daily_url daily_key <"$dir/daily.out"
secret=$(python3 -c 'import base64,os; print(base64.b64encode(os.urandom(32)).decode())')
key_hex=$(python3 -c "import base64,sys; print(base64.b64decode(sys.argv[1]).hex())" "$secret")

echo "wrk -t2 -c$conns -d${secs}s, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)," \
  "fake Daily presence delay ${presence_delay} ms"
# label, backend, WORKER_THREADS ("" = serve's default)
run_case() {
  local label=$1 backend=$2 workers=$3 url port serve_pid base room out requests stored jobs
  case $backend in
    sqlite) url="sqlite:///$dir/bench-$RANDOM$RANDOM.db" ;;
    postgres)
      [ -d "$dir/pg" ] && "$root/scripts/pg-test-server" stop "$dir/pg" >/dev/null 2>&1 || true
      rm -rf "$dir/pg"
      url=$(PG_TEST_DURABLE=1 "$root/scripts/pg-test-server" start "$dir/pg" | tail -n1) ;;
    *) echo "webhook.sh: unknown backend $backend" >&2; exit 2 ;;
  esac
  port=$(free_port)
  local -a worker_env=(-u WORKER_THREADS)
  [ -n "$workers" ] && worker_env=(WORKER_THREADS="$workers")
  env "${worker_env[@]}" DATABASE_URL="$url" DATA_DIR="$dir/data" PORT="$port" LOG_LEVEL=info \
    AUTH_BACKEND=none HTTP_THREADS="${HTTP_THREADS:-0}" DAILY_API_KEY="$daily_key" \
    DAILY_API_URL="$daily_url" DAILY_WEBHOOK_SECRET="$secret" DEFAULT_VIDEO_PLATFORM=daily \
    "$build/reflector" serve >"$dir/serve.log" 2>&1 &
  serve_pid=$!
  pids+=("$serve_pid")
  base="http://127.0.0.1:$port"
  wait_http "$base/health"
  curl -sf -X POST "$base/v1/rooms" -H 'Content-Type: application/json' \
    -d '{"name":"bench","platform":"daily"}' >/dev/null
  room=$(curl -sf -X POST "$base/v1/rooms/bench/meeting" -H 'Content-Type: application/json' \
    -d '{}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["room_name"])')
  out=$(BENCH_KEY_HEX=$key_hex BENCH_ROOM=$room wrk -t2 -c"$conns" -d"${secs}s" --latency \
    -s "$root/bench/webhook_sign.lua" "$base/v1/daily/webhook")
  report "$label" "$out"
  requests=$(awk '/requests in/{print $1}' <<<"$out")
  kill "$serve_pid"
  wait "$serve_pid" || true
  # Every answered request is a stored event (wrk may count a few in-flight ones it cut off).
  local count_sql="SELECT COUNT(*) FROM webhook_event"
  local jobs_sql="SELECT COUNT(*) FROM job WHERE kind = 'daily.presence_reconcile' AND status = 'succeeded'"
  case $backend in
    sqlite)
      local path=${url#sqlite:///}
      stored=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(
        sys.argv[2]).fetchone()[0])" "$path" "$count_sql")
      jobs=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(
        sys.argv[2]).fetchone()[0])" "$path" "$jobs_sql") ;;
    postgres)
      stored=$(psql "$url" -tAc "$count_sql")
      jobs=$(psql "$url" -tAc "$jobs_sql") ;;
  esac
  echo "  stored events: $stored (wrk counted $requests answers); presence reconciliations" \
    "run: $jobs; $(grep -o 'applied in .*' "$dir/serve.log" | tail -n1)"
  if [ "$stored" -lt "$requests" ]; then
    echo "webhook.sh: fewer events stored than answered" >&2
    exit 1
  fi
}

for backend in $backends; do
  run_case "$backend, defaults (workers on)" "$backend" ""
  if [ "$backend" = sqlite ] && [[ " $extras " == *" no-workers "* ]]; then
    run_case "extra: $backend, WORKER_THREADS=0" "$backend" 0
  fi
done

if command -v nginx >/dev/null; then
  port=$(free_port)
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
    listen 127.0.0.1:$port;
    location / { return 200 '{"status":"ok"}'; }
  }
}
EOF
  nginx -p "$dir/nginx" -c "$dir/nginx/nginx.conf" &
  pids+=($!)
  wait_http "http://127.0.0.1:$port/"
  out=$(BENCH_KEY_HEX=$key_hex BENCH_ROOM=ceiling wrk -t2 -c"$conns" -d"${secs}s" --latency \
    -s "$root/bench/webhook_sign.lua" "http://127.0.0.1:$port/v1/daily/webhook")
  report "nginx static 200 (ceiling)" "$out"
else
  echo "nginx not installed (apt-get install nginx-light): no ceiling row"
fi
