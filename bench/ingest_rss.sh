#!/usr/bin/env bash
# Peak RSS of `reflector serve` (default configuration, TRANSCRIPT_BACKEND=none so the figure is
# the intake's) while a large recording is ingested and processed (decode, PCM, MP3, waveform) —
# contract §7.3: memory must not grow with the recording's length. Two paths:
#   upload    (default) POST /v1/transcripts + 50 MiB `…/record/upload` chunks;
#   download  a Daily cloud recording: a signed recording.ready-to-download webhook, the access
#             link from the fake Daily API (build/bench/fake_daily_api), and the safe downloader
#             fetching the file from nginx on loopback (DOWNLOAD_ALLOWED_HOSTS=127.0.0.1).
# Usage: bench/ingest_rss.sh [build-dir] [minutes of audio] [upload|download]
#        (93 minutes of 48 kHz stereo WAV ≈ 1 GB); needs sqlite3 and bc (download: nginx too).
set -euo pipefail
build=${1:-build}
minutes=${2:-93}
path=${3:-upload}
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill $p 2>/dev/null || true; done; rm -rf "$work"' EXIT
ffmpeg -loglevel error -y -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=$((minutes * 60))" \
  -ac 2 -c:a pcm_s16le "$work/big.wav"
size=$(stat -c %s "$work/big.wav")
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
port=$(free_port)
extra_env=()
if [ "$path" = download ]; then
  [ -x "$build/bench/fake_daily_api" ] || { echo "ingest_rss.sh: build fake_daily_api" >&2; exit 1; }
  files_port=$(free_port)
  mkdir -p "$work/www" && ln "$work/big.wav" "$work/www/big.wav"
  cat >"$work/nginx.conf" <<CONF
daemon on;
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 64; }
http { access_log off; client_body_temp_path $work; server { listen 127.0.0.1:$files_port; root $work/www; } }
CONF
  nginx -p "$work" -c "$work/nginx.conf"
  trap 'kill "$(cat "$work/nginx.pid")" 2>/dev/null || true; for p in "${pids[@]}"; do kill $p 2>/dev/null || true; done; rm -rf "$work"' EXIT
  "$build/bench/fake_daily_api" 0 "rec-big=http://127.0.0.1:$files_port/big.wav" >"$work/daily.out" &
  pids+=($!)
  for _ in $(seq 100); do [ -s "$work/daily.out" ] && break; sleep 0.05; done
  read -r daily_url daily_key <"$work/daily.out"
  secret=$(python3 -c 'import base64,os; print(base64.b64encode(os.urandom(32)).decode())')
  extra_env=(DAILY_API_URL="$daily_url" DAILY_API_KEY="$daily_key" DAILY_WEBHOOK_SECRET="$secret"
    DOWNLOAD_ALLOWED_HOSTS=127.0.0.1 MAX_RECORDING_BYTES=$((8 << 30)))
fi
env "${extra_env[@]}" DATABASE_URL="sqlite:///$work/db.sqlite" DATA_DIR="$work/data" PORT=$port \
  TRANSCRIPT_BACKEND=none LOG_LEVEL=warn \
  /usr/bin/time -v -o "$work/time.txt" "$build/reflector" serve >"$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
idle=$(ps -o rss= -p "$(pgrep -P $server reflector)" | tr -d ' ')
base="http://127.0.0.1:$port"
start=$(date +%s.%N)
if [ "$path" = download ]; then
  curl -sf -X POST "$base/v1/rooms" -H 'Content-Type: application/json' \
    -d '{"name":"rss","platform":"daily"}' >/dev/null
  room=$(curl -sf -X POST "$base/v1/rooms/rss/meeting" -H 'Content-Type: application/json' -d '{}' |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["room_name"])')
  # Signed as Daily signs: base64(HMAC-SHA256(base64decode(secret), "<ts>.<body>")).
  python3 - "$base" "$secret" "$room" <<'PY'
import base64, hashlib, hmac, json, sys, time, urllib.request
base, secret, room = sys.argv[1:4]
ts = str(int(time.time()))
body = json.dumps({"version": "1.0.0", "type": "recording.ready-to-download", "id": "rss-1",
                   "payload": {"type": "cloud", "recording_id": "rec-big", "room_name": room,
                               "start_ts": int(time.time()), "status": "finished", "duration": 1,
                               "s3_key": "x/big.wav"}, "event_ts": time.time()})
sig = base64.b64encode(hmac.new(base64.b64decode(secret), f"{ts}.{body}".encode(),
                                hashlib.sha256).digest()).decode()
req = urllib.request.Request(base + "/v1/daily/webhook", body.encode(), method="POST",
                             headers={"Content-Type": "application/json",
                                      "X-Webhook-Signature": sig, "X-Webhook-Timestamp": ts})
assert urllib.request.urlopen(req).status == 200
PY
  where="provider_recording_id='rec-big'"
  uploaded=$start
  total=""
else
  id=$(curl -sf -X POST "$base/v1/transcripts" -H 'Content-Type: application/json' \
    -d '{"name":"rss"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  chunk=$((50 * 1024 * 1024))
  total=$(((size + chunk - 1) / chunk))
  for ((i = 0; i < total; i++)); do
    dd if="$work/big.wav" of="$work/chunk" bs=$chunk skip=$i count=1 status=none
    curl -sf -o /dev/null "$base/v1/transcripts/$id/record/upload?chunk_number=$i&total_chunks=$total" \
      -F "chunk=@$work/chunk;type=audio/wav"
  done
  uploaded=$(date +%s.%N)
  rec=$(curl -sf "$base/v1/transcripts/$id" | python3 -c 'import json,sys; print(json.load(sys.stdin)["recording_id"])')
  where="id='$rec'"
fi
until sqlite3 "$work/db.sqlite" "SELECT status FROM recording WHERE $where" 2>/dev/null | grep -qE 'ready|failed'; do sleep 0.5; done
done_at=$(date +%s.%N)
status=$(sqlite3 "$work/db.sqlite" "SELECT status || ' ' || COALESCE(duration, '') || ' ' || COALESCE(error, '') FROM recording WHERE $where")
# Stop reflector itself (not /usr/bin/time, which must live to write its report).
kill -TERM "$(pgrep -P $server reflector)"; wait $server || true
peak=$(awk -F: '/Maximum resident/ {gsub(/ /, "", $2); print $2}' "$work/time.txt")
echo "path: $path; file: $size bytes ($minutes min)${total:+, $total chunks}"
echo "recording: $status"
if [ "$path" = download ]; then
  echo "download + processing: $(echo "$done_at - $start" | bc) s"
else
  echo "upload: $(echo "$uploaded - $start" | bc) s; processing: $(echo "$done_at - $uploaded" | bc) s"
fi
echo "RSS idle: ${idle} KB; peak: ${peak} KB; above idle: $(( (peak - idle) / 1024 )) MB"
