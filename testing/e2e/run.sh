#!/usr/bin/env bash
# Runs Palisade's end-to-end suites against real peers (anvil, ethers v6, viem, web3.py,
# eth-account) and the real server binary.
#
#   testing/e2e/run.sh            # setup + JS suites + Python suites
#   testing/e2e/run.sh js|py      # one side only
#
# Environment:
#   PALISADE_BIN         server binary (default: $CARGO_TARGET_DIR or <repo>/target, /debug/palisade);
#                        built with `cargo build -p palisade` if it is missing and PALISADE_BIN is unset
#   PALISADE_E2E_SEED    seed of the randomized byte-identical payloads (default 20261125)
#   PALISADE_E2E_PAYLOADS  payloads per category (default 200)
#   PYTEST_ARGS          extra pytest arguments (e.g. "-k refusals -x")
# Exit status: non-zero if any suite failed.
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
WHAT="${1:-all}"
LOGS="${PALISADE_E2E_LOGS:-$HERE/.logs}"
export PALISADE_E2E_LOGS="$LOGS"
mkdir -p "$LOGS"
rm -f "$LOGS"/*.log

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "setup"
"$HERE/setup.sh" || { echo "e2e: setup failed"; echo "0 passed, 1 failed"; exit 1; }

if [ -z "${PALISADE_BIN:-}" ]; then
  target="${CARGO_TARGET_DIR:-$REPO/target}"
  case "$target" in /*) ;; *) target="$REPO/$target" ;; esac
  bin="$target/debug/palisade"
  if [ ! -x "$bin" ] && [ "${PALISADE_E2E_NO_BUILD:-0}" != 1 ]; then
    say "building palisade (cargo build -p palisade)"
    (cd "$REPO" && cargo build -p palisade) || { echo "e2e: build failed"; echo "0 passed, 1 failed"; exit 1; }
  fi
else
  bin="$PALISADE_BIN"
  case "$bin" in /*) ;; *) bin="$REPO/$bin" ;; esac
fi
export PALISADE_BIN="$bin"
if [ ! -x "$PALISADE_BIN" ]; then
  echo "e2e: palisade binary not found or not executable: $PALISADE_BIN"
  echo "0 passed, 1 failed"
  exit 1
fi
say "palisade: $PALISADE_BIN"

js_rc=0; py_rc=0; js_ran=0; py_ran=0
JS_TAP="$LOGS/js-tap.log"; PY_OUT="$LOGS/pytest.log"
: > "$JS_TAP"; : > "$PY_OUT"

if [ "$WHAT" = all ] || [ "$WHAT" = js ]; then
  say "JS suites (node --test): ethers v6, viem"
  js_ran=1
  (cd "$HERE/js" && timeout 900 node --test --test-concurrency=1 \
      --test-reporter=spec --test-reporter-destination=stdout \
      --test-reporter=tap --test-reporter-destination="$JS_TAP" \
      test/*.test.mjs)
  js_rc=$?
fi

if [ "$WHAT" = all ] || [ "$WHAT" = py ]; then
  say "Python suites (pytest): web3.py, byte-identical signatures, keystore, geth signer, concurrency, refusals"
  py_ran=1
  # shellcheck disable=SC2086
  (cd "$HERE/py" && timeout 1800 "$HERE/.venv/bin/python" -m pytest ${PYTEST_ARGS:-} 2>&1) | tee "$PY_OUT"
  py_rc=${PIPESTATUS[0]}
fi

say "summary"
echo "palisade binary: $PALISADE_BIN"
echo "server/anvil logs: $LOGS"
[ $js_ran = 1 ] && echo "JS  (node --test): exit $js_rc"
[ $py_ran = 1 ] && echo "Py  (pytest):      exit $py_rc"
if [ $js_rc -ne 0 ] || [ $py_rc -ne 0 ]; then echo "RESULT: FAILED"; else echo "RESULT: OK"; fi
if [ $js_ran = 1 ]; then
  echo "-- node --test summary --"
  grep -E '^# (tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) ' "$JS_TAP" | tail -8
fi
if [ $py_ran = 1 ]; then
  echo "-- pytest summary --"
  grep -E '^=+ .*(passed|failed|error|skipped|no tests ran).* =+$' "$PY_OUT" | tail -1
fi
[ $js_rc -eq 0 ] && [ $py_rc -eq 0 ]
