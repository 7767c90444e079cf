#!/usr/bin/env bash
# Scanner throughput: generates a code-like tree (default 256 MB) under /tmp, builds the release
# scanner, warms the page cache, and prints MB/s with 2 threads (best and median of 5 warm runs,
# each with the load average: other work on the machine slows it down). Also
# times detect-secrets on a 20 MB subset for comparison (installed from PyPI into a venv).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
work="${PALISADE_BENCH_DIR:-/tmp/palisade-scan-bench}"
size_mb="${BENCH_SIZE_MB:-256}"
threads="${BENCH_THREADS:-2}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/work/target-scan}"
mkdir -p "$work"
tree="$work/tree-$size_mb"
if [ ! -f "$tree/.complete" ]; then
  rm -rf "$tree"
  python3 "$here/gen_tree.py" "$tree" "$size_mb"
  touch "$tree/.complete"
fi
if ! (cd "$root" && cargo build -q --release -p palisade-scan --example scan); then
  [ -x "$CARGO_TARGET_DIR/release/examples/scan" ] || exit 2
  echo "note: build failed, using the existing release binary" >&2
fi
bin="$CARGO_TARGET_DIR/release/examples/scan"
bytes=$(du -sb --exclude=.complete "$tree" | cut -f1)
cat $(find "$tree" -type f) > /dev/null   # warm the page cache
runs="${BENCH_RUNS:-5}"
rates=""
for i in $(seq "$runs"); do
  load=$(cut -d' ' -f1 /proc/loadavg)
  s=$(date +%s.%N)
  "$bin" "$tree" --threads "$threads" --no-progress --format json --output "$work/bench.json" || true
  e=$(date +%s.%N)
  mbs=$(python3 -c "print(round($bytes/1e6/($e-$s), 1))")
  echo "run $i: $(python3 -c "print(round($e-$s, 2))") s, $mbs MB/s (load average $load, $(nproc) CPUs)"
  rates="$rates $mbs"
done
best=$(python3 -c "print(max(float(x) for x in '$rates'.split()))")
median=$(python3 -c "import statistics; print(statistics.median(float(x) for x in '$rates'.split()))")
findings=$(python3 -c "import json; print(len(json.load(open('$work/bench.json'))['findings']))")
echo "palisade scan: $(python3 -c "print(round($bytes/1e6, 1))") MB, $threads threads, best $best MB/s, median $median MB/s of $runs runs (budget >= 500; a loaded machine reads low), findings on generated tree: $findings"

# detect-secrets on a subset
if [ "${BENCH_SKIP_DETECT_SECRETS:-0}" != "1" ]; then
  [ -x "$work/venv/bin/python" ] || python3 -m venv "$work/venv"
  "$work/venv/bin/python" -c "import detect_secrets" 2>/dev/null || "$work/venv/bin/pip" install -q detect-secrets
  subset="$work/subset-20"
  if [ ! -d "$subset" ]; then
    mkdir -p "$subset"
    got=0
    for f in $(find "$tree" -type f -name '*.*' | sort); do
      sz=$(stat -c %s "$f"); got=$((got + sz))
      mkdir -p "$subset/$(dirname "${f#$tree/}")"; cp "$f" "$subset/${f#$tree/}"
      [ "$got" -gt 20000000 ] && break
    done
  fi
  sbytes=$(du -sb "$subset" | cut -f1)
  s=$(date +%s.%N)
  (cd "$subset" && "$work/venv/bin/detect-secrets" scan --all-files . > "$work/ds.json") || true
  e=$(date +%s.%N)
  echo "detect-secrets: $(python3 -c "print(round($sbytes/1e6, 1))") MB subset, $(python3 -c "print(round($e-$s, 2))") s, $(python3 -c "print(round($sbytes/1e6/($e-$s), 2))") MB/s"
  s=$(date +%s.%N)
  "$bin" "$subset" --threads "$threads" --no-progress --format json --output "$work/bench-sub.json" || true
  e=$(date +%s.%N)
  echo "palisade scan on the same subset: $(python3 -c "print(round($e-$s, 3))") s, $(python3 -c "print(round($sbytes/1e6/($e-$s), 1))") MB/s"
fi
