#!/usr/bin/env bash
# Side-by-side of Palisade's Solidity analyser and Slither on testing/solidity-corpus (or DIR).
# Palisade is the product: the release binary's `palisade scan DIR --format json`, one scan over
# the whole tree (imports resolved across files; `.gitignore` honoured as for a user, so the
# corpus's own `imports/node_modules` is scanned). PALISADE_BIN set skips the cargo build.
#
# Usage: bench/solidity/slither-compare.sh [--markdown] [DIR]
#
# Installs into ${PALISADE_BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/palisade-bench}:
#   - a Python venv with slither-analyzer (PyPI; $SLITHER_VERSION, default 0.11.6)
#   - solc-js versions $SOLC_VERSIONS from npm under $SHIM_SOLCS_DIR/<ver> (default cache/solcs)
# Needs the shared solc shim (not part of this repo): $SOLC_SHIM, default
# ../shared/tools/solc-shim.js next to the repository. Slither gets bench/solidity/solc-wrap.js
# as its `solc`, which calls the shim. Each file is compiled with the newest installed solc its
# pragma allows; files no installed version satisfies are skipped by Slither and counted. The
# shim resolves no imports: a file's imports (relative, `node_modules/`, Foundry `lib/<pkg>/src`)
# are put before it (line numbers mapped back); a file with an import that does not resolve is
# not given to Slither and is counted as not analysed.
# Ground truth: the corpus's `// expect: RULE` comments. Details (every FP/FN) are written to
# $CACHE/slither-compare-details.json. Bounded: 120 s per Slither file, 45 min in all.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

MD=()
if [ "${1:-}" = "--markdown" ]; then MD=(--markdown); shift; fi
CORPUS="${1:-$REPO/testing/solidity-corpus}"
[ -d "$CORPUS" ] || die "no corpus directory $CORPUS"

SOLC_SHIM="${SOLC_SHIM:-$REPO/../shared/tools/solc-shim.js}"
[ -f "$SOLC_SHIM" ] || die "solc shim not found at $SOLC_SHIM (set SOLC_SHIM=/path/to/solc-shim.js; \
it is shared tooling, not shipped in this repository)"
export SOLC_SHIM="$(cd "$(dirname "$SOLC_SHIM")" && pwd)/$(basename "$SOLC_SHIM")"

need python3 "install Python 3 (with venv)"
need node "install Node.js"
SLITHER_VERSION="${SLITHER_VERSION:-0.11.6}"
SOLC_VERSIONS="${SOLC_VERSIONS:-0.4.24 0.4.26 0.6.12 0.8.19 0.8.24}"

VENV="$CACHE/slither-venv"
if ! "$VENV/bin/slither" --version 2>/dev/null | grep -qx "$SLITHER_VERSION"; then
  log "installing slither-analyzer==$SLITHER_VERSION into $VENV"
  python3 -m venv "$VENV"
  timeout 900 "$VENV/bin/pip" install -q --disable-pip-version-check \
    "slither-analyzer==$SLITHER_VERSION" || die "pip install slither-analyzer failed"
fi
log "slither $("$VENV/bin/slither" --version)"
# shellcheck disable=SC2086
install_solcs $SOLC_VERSIONS
build_palisade

log "running both tools over $CORPUS"
timeout 2700 python3 "$HERE/slither_compare.py" "${MD[@]}" \
  --corpus "$CORPUS" \
  --palisade "$PALISADE_BIN" \
  --slither "$VENV/bin/slither" \
  --wrapper "$HERE/solc-wrap.js" \
  --solc-versions "$SOLC_VERSIONS" \
  --timeout 120 \
  --details "$CACHE/slither-compare-details.json"
