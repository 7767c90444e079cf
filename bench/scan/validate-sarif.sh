#!/usr/bin/env bash
# Validates `palisade scan --format sarif` on the test corpus against the official SARIF 2.1.0
# JSON schema (shipped in the npm package @microsoft/jest-sarif), with Python's jsonschema.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
work="${PALISADE_BENCH_DIR:-/tmp/palisade-scan-bench}"
mkdir -p "$work/schema"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/work/target-scan}"

if [ ! -f "$work/schema/sarif-2.1.0.json" ]; then
  (cd "$work/schema" && npm pack --silent @microsoft/jest-sarif@1.0.0-beta.0 >/dev/null \
    && tar xzf microsoft-jest-sarif-1.0.0-beta.0.tgz package/lib/schemas/sarif-2.1.0-rtm.5.json \
    && mv package/lib/schemas/sarif-2.1.0-rtm.5.json sarif-2.1.0.json)
fi
if [ ! -x "$work/venv/bin/python" ]; then
  python3 -m venv "$work/venv"
fi
"$work/venv/bin/python" -c "import jsonschema" 2>/dev/null || "$work/venv/bin/pip" install -q jsonschema

if ! (cd "$root" && cargo build -q --release -p palisade-scan --example scan); then
  [ -x "$CARGO_TARGET_DIR/release/examples/scan" ] || exit 2
  echo "note: build failed, using the existing release binary" >&2
fi
bin="$CARGO_TARGET_DIR/release/examples/scan"
"$bin" "$root/testing/scan-corpus" --format sarif --no-progress --output "$work/corpus.sarif" || true
"$work/venv/bin/python" - "$work/schema/sarif-2.1.0.json" "$work/corpus.sarif" <<'PY'
import json, sys
import jsonschema
schema = json.load(open(sys.argv[1]))
log = json.load(open(sys.argv[2]))
validator = jsonschema.Draft7Validator(schema)
errors = sorted(validator.iter_errors(log), key=lambda e: list(e.path))
for e in errors[:20]:
    print("invalid:", "/".join(map(str, e.path)), e.message[:200])
results = sum(len(r.get("results", [])) for r in log["runs"])
print(f"SARIF 2.1.0 schema validation: {'OK' if not errors else 'FAILED'} ({results} results, {len(errors)} errors)")
sys.exit(1 if errors else 0)
PY
