#!/usr/bin/env bash
# Abstraction overhead of the platform layer: runs bench_platform with interleaved repetitions
# (so machine noise hits both variants alike) and prints the ratio of the medians.
# Usage: bench/platform_overhead.sh [BUILD_DIR]
set -euo pipefail
build=${1:-build}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$build/bench/bench_platform" --benchmark_filter='^BM_' --benchmark_repetitions=15 --benchmark_enable_random_interleaving=true \
  --benchmark_min_time=0.2 --benchmark_format=json >"$out"
python3 - "$out" <<'PY'
import json, sys
runs = json.load(open(sys.argv[1]))["benchmarks"]
med = {r["run_name"]: r["cpu_time"] for r in runs if r.get("aggregate_name") == "median"}
d, r = med["BM_CreateMeetingDirect"], med["BM_CreateMeetingViaRegistry"]
l = med["BM_RegistryLookupAndDispatch"]
print(f"create meeting, direct call      median {d:10.1f} ns/op")
print(f"create meeting, registry+virtual median {r:10.1f} ns/op")
print(f"registry lookup + dispatch alone median {l:10.1f} ns/op")
print(f"overhead, paired difference   {100.0 * (r - d) / d:+.2f}%  (noisy: two separate timings)")
print(f"overhead, lookup / direct     {100.0 * l / d:.2f}%  (the abstraction's own cost)")
PY

# Instruction counts (callgrind counts instructions, not seconds: repeatable on a noisy machine).
if command -v valgrind >/dev/null; then
  count() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$build/bench/bench_platform" \
      --benchmark_filter="^fixed/$1/" 2>&1 | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
  }
  cd_=$(count direct)
  cr_=$(count registry)
  python3 -c "d,r=$cd_,$cr_; print(f'instructions (20000 creates + setup): direct {d}, registry {r}, overhead {100.0*(r-d)/d:+.3f}%')"
fi
