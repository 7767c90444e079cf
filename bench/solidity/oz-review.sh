#!/usr/bin/env bash
# Regenerates the findings list behind docs/solidity-review.md: `palisade scan --format json`
# (the release binary, imports resolved across the package as in any scan) on OpenZeppelin
# Contracts (npm @openzeppelin/contracts, latest 5.x unless OZ_VERSION is set), as Markdown:
# counts per severity and rule, every high/critical and every medium finding with its source
# line.
#
# Usage: bench/solidity/oz-review.sh [--slither]
#   --slither  also run Slither on a handful of flattened OZ files (needs the venv and the shim
#              of slither-compare.sh; SOLC_SHIM as there; solc-js $OZ_SOLC, default 0.8.28)
# Env: OZ_VERSION (npm spec, default ^5), PALISADE_BIN (skip the cargo build), SCAN_THREADS.
# Output: stdout, plus $CACHE/oz-<version>.jsonl (one JSON finding per line) and
# $CACHE/oz-<version>.md. Bounded: npm 10 min, scan 10 min, Slither 3 min per file.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

WITH_SLITHER=0
if [ "${1:-}" = "--slither" ]; then WITH_SLITHER=1; fi
OZ_VERSION="${OZ_VERSION:-^5}"

need npm "install Node.js and npm"
need python3 "install Python 3"
# one npm prefix per requested spec, so 4.x and 5.x runs do not reinstall each other
if [ "$OZ_VERSION" = "^5" ]; then OZ_HOME="$CACHE/oz"; else OZ_HOME="$CACHE/oz-npm-${OZ_VERSION//[^A-Za-z0-9.]/_}"; fi
mkdir -p "$OZ_HOME"
[ -f "$OZ_HOME/package.json" ] || echo '{"private": true}' > "$OZ_HOME/package.json"
log "npm install @openzeppelin/contracts@$OZ_VERSION -> $OZ_HOME"
(cd "$OZ_HOME" && timeout 600 npm install --ignore-scripts --no-audit --no-fund --silent \
  "@openzeppelin/contracts@$OZ_VERSION" >/dev/null) || die "npm install failed"
OZ="$OZ_HOME/node_modules/@openzeppelin/contracts"
VER="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["version"])' "$OZ/package.json")"
log "OpenZeppelin Contracts $VER: $(find "$OZ" -name '*.sol' | wc -l) .sol files"

build_palisade
JSONL="$CACHE/oz-$VER.jsonl"
log "$PALISADE_BIN scan $OZ --format json"
python3 "$HERE/palisade_scan.py" "$PALISADE_BIN" "$OZ" ${SCAN_THREADS:+--threads "$SCAN_THREADS"} \
  > "$JSONL" || die "palisade scan failed"
python3 "$HERE/oz_review.py" findings --root "$OZ" --jsonl "$JSONL" --version "$VER" \
  | tee "$CACHE/oz-$VER.md"
log "findings: $JSONL; summary: $CACHE/oz-$VER.md"

if [ "$WITH_SLITHER" = 1 ]; then
  SOLC_SHIM="${SOLC_SHIM:-$REPO/../shared/tools/solc-shim.js}"
  [ -f "$SOLC_SHIM" ] || die "solc shim not found at $SOLC_SHIM (set SOLC_SHIM=/path/to/solc-shim.js)"
  export SOLC_SHIM="$(cd "$(dirname "$SOLC_SHIM")" && pwd)/$(basename "$SOLC_SHIM")"
  SLITHER="$CACHE/slither-venv/bin/slither"
  [ -x "$SLITHER" ] || die "no Slither at $SLITHER: run bench/solidity/slither-compare.sh once first"
  OZ_SOLC="${OZ_SOLC:-0.8.28}"
  install_solcs "$OZ_SOLC"
  echo
  echo "## Slither $("$SLITHER" --version) on flattened OZ files (solc-js $OZ_SOLC)"
  timeout 3000 python3 "$HERE/oz_review.py" slither --root "$OZ" --slither "$SLITHER" \
    --wrapper "$HERE/solc-wrap.js" --solc "$OZ_SOLC" --timeout 180 \
    token/ERC20/ERC20.sol \
    token/ERC20/extensions/ERC4626.sol \
    token/ERC721/ERC721.sol \
    token/ERC1155/ERC1155.sol \
    finance/VestingWallet.sol \
    governance/TimelockController.sol \
    access/manager/AccessManager.sol \
    proxy/ERC1967/ERC1967Proxy.sol \
    utils/cryptography/signers/MultiSignerERC7913Weighted.sol
fi
