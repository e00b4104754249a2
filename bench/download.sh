#!/usr/bin/env bash
# Download throughput and peak RSS of the safe downloader (net/safe_download.hpp, what the Daily
# cloud path uses) against `curl -o` of the same file, over loopback from nginx (contract §7.3;
# issue 11 target: ≥ 80 % of curl, RSS flat in the file's size). farm-bench runs the two in turn
# and prints the A/B ratio pair by pair, with each run's peak memory.
#
#   cmake --build build --target bench_download && bench/download.sh [BUILD_DIR] [SIZE_MB] [RUNS]
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
size_mb=${2:-1024}
runs=${3:-5}
for tool in nginx curl farm-bench; do
  command -v "$tool" >/dev/null || { echo "download.sh: $tool is not installed" >&2; exit 1; }
done
[ -x "$build/bench/bench_download" ] || { echo "download.sh: build bench_download first" >&2; exit 1; }
dir=$(mktemp -d)
cleanup() {
  [ -f "$dir/nginx.pid" ] && kill "$(cat "$dir/nginx.pid")" 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
mkdir -p "$dir/www"
# Incompressible bytes, so nothing along the way can shortcut them.
head -c $((size_mb * 1024 * 1024)) /dev/urandom >"$dir/www/recording.mp4"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$dir/nginx.conf" <<CONF
daemon on;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path $dir;
  server { listen 127.0.0.1:$port; root $dir/www; }
}
CONF
nginx -p "$dir" -c "$dir/nginx.conf"
url="http://127.0.0.1:$port/recording.mp4"
for _ in $(seq 50); do curl -sfI "$url" >/dev/null && break; sleep 0.1; done
echo "file: $size_mb MiB over loopback from nginx; A = bench_download (ours), B = curl -o"
farm-bench -n "$runs" --timeout 900 --vs "curl -sf -o $dir/b.out $url" -- \
  "$build/bench/bench_download" "$url" "$dir/a.out"
cmp -s "$dir/a.out" "$dir/www/recording.mp4" && echo "ours: the file arrived intact" ||
  { echo "ours: the downloaded file differs" >&2; exit 1; }
