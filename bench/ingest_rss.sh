#!/usr/bin/env bash
# Peak RSS of `reflector serve` (default configuration, TRANSCRIPT_BACKEND=none so the figure is
# the intake's) while a large recording is uploaded in 50 MiB chunks and processed (decode, PCM,
# MP3, waveform) — contract §7.3: memory must not grow with the recording's length.
# Usage: bench/ingest_rss.sh [build-dir] [minutes of audio]   (93 minutes of 48 kHz stereo WAV ≈ 1 GB)
set -euo pipefail
build=${1:-build}
minutes=${2:-93}
work=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
ffmpeg -loglevel error -y -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=$((minutes * 60))" \
  -ac 2 -c:a pcm_s16le "$work/big.wav"
size=$(stat -c %s "$work/big.wav")
port=$((20000 + RANDOM % 20000))
DATABASE_URL="sqlite:///$work/db.sqlite" DATA_DIR="$work/data" PORT=$port TRANSCRIPT_BACKEND=none \
  LOG_LEVEL=warn /usr/bin/time -v -o "$work/time.txt" "$build/reflector" serve >"$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
idle=$(ps -o rss= -p "$(pgrep -P $server reflector)" | tr -d ' ')
id=$(curl -sf -X POST "http://127.0.0.1:$port/v1/transcripts" -H 'Content-Type: application/json' \
  -d '{"name":"rss"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
chunk=$((50 * 1024 * 1024))
total=$(((size + chunk - 1) / chunk))
start=$(date +%s.%N)
for ((i = 0; i < total; i++)); do
  dd if="$work/big.wav" of="$work/chunk" bs=$chunk skip=$i count=1 status=none
  curl -sf -o /dev/null "http://127.0.0.1:$port/v1/transcripts/$id/record/upload?chunk_number=$i&total_chunks=$total" \
    -F "chunk=@$work/chunk;type=audio/wav"
done
uploaded=$(date +%s.%N)
rec=$(curl -sf "http://127.0.0.1:$port/v1/transcripts/$id" | python3 -c 'import json,sys; print(json.load(sys.stdin)["recording_id"])')
until sqlite3 "$work/db.sqlite" "SELECT status FROM recording WHERE id='$rec'" 2>/dev/null | grep -qE 'ready|failed'; do sleep 0.5; done
done_at=$(date +%s.%N)
status=$(sqlite3 "$work/db.sqlite" "SELECT status || ' ' || COALESCE(duration, '') || ' ' || COALESCE(error, '') FROM recording WHERE id='$rec'")
# Stop reflector itself (not /usr/bin/time, which must live to write its report).
kill -TERM "$(pgrep -P $server reflector)"; wait $server || true
peak=$(awk -F: '/Maximum resident/ {gsub(/ /, "", $2); print $2}' "$work/time.txt")
echo "file: $size bytes ($minutes min), $total chunks"
echo "recording: $status"
echo "upload: $(echo "$uploaded - $start" | bc) s; processing: $(echo "$done_at - $uploaded" | bc) s"
echo "RSS idle: ${idle} KB; peak: ${peak} KB; above idle: $(( (peak - idle) / 1024 )) MB"
