#!/usr/bin/env bash
# Solidity analysis speed of `palisade scan`: installs @openzeppelin/contracts from the npm
# registry into a cache dir (default /tmp/palisade-sol-bench), builds the release binary and
# scans the package's .sol files (each file once, imports resolved). Prints the file count,
# the wall time of each run (best and median of BENCH_RUNS, default 5) and the findings by
# severity and by rule. Usage: bench/solidity/speed.sh [OZ_VERSION] (default 5.7.0, 248 files).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
version="${1:-${OZ_VERSION:-5.7.0}}"
work="${PALISADE_BENCH_DIR:-/tmp/palisade-sol-bench}"
threads="${BENCH_THREADS:-$(nproc)}"
runs="${BENCH_RUNS:-5}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/work/target-sol}"

pkg="$work/oz-$version"
if [ ! -f "$pkg/.complete" ]; then
  rm -rf "$pkg"
  mkdir -p "$pkg"
  (cd "$pkg" && npm init -y >/dev/null && npm install --silent --no-audit --no-fund "@openzeppelin/contracts@$version" >/dev/null)
  touch "$pkg/.complete"
fi
tree="$pkg/node_modules/@openzeppelin/contracts"
files=$(find "$tree" -name '*.sol' | wc -l)

(cd "$root" && cargo build -q --release -p palisade)
bin="$CARGO_TARGET_DIR/release/palisade"
cat $(find "$tree" -name '*.sol') > /dev/null   # warm the page cache

times=""
for i in $(seq "$runs"); do
  load=$(cut -d' ' -f1 /proc/loadavg)
  s=$(date +%s.%N)
  # exit 1 means findings; anything else is an error
  "$bin" scan "$tree" -j "$threads" --no-progress --format json --output "$work/oz.json" || [ $? -eq 1 ]
  e=$(date +%s.%N)
  t=$(python3 -c "print(round($e-$s, 3))")
  echo "run $i: $t s (load average $load, $threads threads, $(nproc) CPUs)"
  times="$times $t"
done
python3 - "$work/oz.json" "$files" "$version" "$times" <<'PY'
import collections, json, statistics, sys
doc = json.load(open(sys.argv[1]))
files, version, times = int(sys.argv[2]), sys.argv[3], [float(x) for x in sys.argv[4].split()]
sol = [f for f in doc["findings"] if f["rule_id"].startswith("sol-")]
sev = collections.Counter(f["severity"] for f in sol)
rules = collections.Counter(f["rule_id"] for f in sol)
print(f"@openzeppelin/contracts {version}: {files} .sol files, "
      f"best {min(times):.3f} s, median {statistics.median(times):.3f} s (whole scan: walk, secrets, Solidity)")
print("solidity findings by severity: " +
      ", ".join(f"{s} {sev[s]}" for s in ["critical", "high", "medium", "low", "info"]))
for r, n in rules.most_common():
    print(f"  {n:5} {r}")
PY
