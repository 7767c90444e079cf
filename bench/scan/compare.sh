#!/usr/bin/env bash
# Runs Palisade, detect-secrets and checkov (both from PyPI, in a venv) on testing/scan-corpus
# and prints recall, precision and time side by side. Ground truth: corpus-truth.tsv (the exact
# findings tests/corpus.rs asserts). A tool's result counts at (file, line) granularity:
# a true positive when that line holds a ground-truth finding, a false positive otherwise.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
work="${PALISADE_BENCH_DIR:-/tmp/palisade-scan-bench}"
corpus="$root/testing/scan-corpus"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/work/target-scan}"
mkdir -p "$work"
[ -x "$work/venv/bin/python" ] || python3 -m venv "$work/venv"
"$work/venv/bin/python" -c "import detect_secrets" 2>/dev/null || "$work/venv/bin/pip" install -q detect-secrets
[ -x "$work/venv/bin/checkov" ] || "$work/venv/bin/pip" install -q checkov
if ! (cd "$root" && cargo build -q --release -p palisade-scan --example scan); then
  [ -x "$CARGO_TARGET_DIR/release/examples/scan" ] || exit 2
  echo "note: build failed, using the existing release binary" >&2
fi
bin="$CARGO_TARGET_DIR/release/examples/scan"

t() { local s e; s=$(date +%s.%N); "$@" || true; e=$(date +%s.%N); python3 -c "print(round($e-$s, 3))"; }

pal_t=$(t "$bin" "$corpus" --format json --no-progress --threads 2 --output "$work/pal.json")
ds_t=$(cd "$corpus" && t sh -c "'$work/venv/bin/detect-secrets' scan --all-files . > '$work/ds.json'")
ck_t=$(cd "$corpus" && t sh -c "'$work/venv/bin/checkov' -d . --quiet --compact -o json --skip-download > '$work/ck.json' 2>/dev/null")

python3 - "$here/corpus-truth.tsv" "$work" "$corpus" "$pal_t" "$ds_t" "$ck_t" <<'PY'
import json, os, sys
truth_file, work, corpus, pal_t, ds_t, ck_t = sys.argv[1:]
truth = {}
for line in open(truth_file):
    if line.startswith("#") or not line.strip():
        continue
    p, l, kind, rule = line.rstrip("\n").split("\t")
    truth[(p, int(l))] = kind

def norm(p):
    p = p.replace("\\", "/")
    for pre in (corpus + "/", "./", "/"):
        if p.startswith(pre):
            p = p[len(pre):]
    return p

pal = {(norm(f["path"]), f["line"]) for f in json.load(open(f"{work}/pal.json"))["findings"]}
ds = set()
for path, items in json.load(open(f"{work}/ds.json")).get("results", {}).items():
    for it in items:
        ds.add((norm(path), it["line_number"]))
ck = set()
try:
    data = json.load(open(f"{work}/ck.json"))
except Exception:
    data = []
if isinstance(data, dict):
    data = [data]
for rep in data:
    for r in rep.get("results", {}).get("failed_checks", []):
        path = norm(r.get("file_path", ""))
        lines = r.get("file_line_range") or [0, 0]
        # checkov reports a resource's whole line range: credit it with any truth line inside
        hit = [k for k in truth if k[0] == path and lines[0] <= k[1] <= lines[1]]
        ck.update(hit if hit else [(path, lines[0])])

def score(found, kind=None):
    t = {k for k, v in truth.items() if kind is None or v == kind}
    tp = len(found & t)
    fp = len({f for f in found if f not in truth})
    rec = tp / len(t) if t else 0.0
    prec = len(found & set(truth)) / len(found) if found else 0.0
    return rec, prec, fp

print(f"corpus: {len(truth)} ground-truth findings ({sum(v=='secret' for v in truth.values())} secret, {sum(v=='config' for v in truth.values())} config)")
print(f"{'tool':<16}{'recall':>8}{'secrets':>9}{'config':>8}{'precision':>11}{'false+':>8}{'time s':>8}")
for name, found, secs in (("palisade", pal, pal_t), ("detect-secrets", ds, ds_t), ("checkov", ck, ck_t)):
    r, p, fp = score(found)
    rs, _, _ = score(found, "secret")
    rc, _, _ = score(found, "config")
    print(f"{name:<16}{r:>8.1%}{rs:>9.1%}{rc:>8.1%}{p:>11.1%}{fp:>8}{secs:>8}")
PY
