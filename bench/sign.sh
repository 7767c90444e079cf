#!/usr/bin/env bash
# eth_signTransaction benchmark of Palisade: throughput and p50/p99 latency over keep-alive HTTP
# at fixed concurrency (wrk), latency at a fixed offered rate (asyncio client), next to the raw
# k256 signing rate (the server team's criterion bench, if present) and the ratio.
# Loopback only; bounded in time (about 2 minutes plus the release build and five raw benches).
#
#   bench/sign.sh                       # builds target/release/palisade if needed
#   PALISADE_RELEASE_BIN=path bench/sign.sh   # use this binary (no build)
#   BENCH_ARGS="--concurrency 2,8,32,64 --duration 10 --rate 1000 --rate-duration 10" bench/sign.sh
#   BENCH_ARGS="--concurrency 32 --repeat 5" bench/sign.sh   # median of 5 runs per level
#   RAW_SIGN_BENCH_CMD="cargo bench -p palisade-vault --bench sign" bench/sign.sh
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
log() { printf '[bench] %s\n' "$*" >&2; }

# 1. tools: the e2e venv (aiohttp, eth-account) + anvil, and wrk from Debian's packages
"$REPO/testing/e2e/setup.sh"
if ! command -v wrk >/dev/null; then
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    log "installing wrk (Debian package)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
  else
    log "wrk is missing and cannot be installed (need root + apt-get)"; exit 1
  fi
fi

# 2. the release build of the server
if [ -n "${PALISADE_RELEASE_BIN:-}" ]; then
  BIN="$PALISADE_RELEASE_BIN"
else
  TARGET="${CARGO_TARGET_DIR:-$REPO/target}"
  case "$TARGET" in /*) ;; *) TARGET="$REPO/$TARGET" ;; esac
  log "cargo build --release -p palisade"
  (cd "$REPO" && cargo build --release -p palisade)
  BIN="$TARGET/release/palisade"
fi
[ -x "$BIN" ] || { log "no server binary at $BIN"; exit 1; }

# 3. run
# shellcheck disable=SC2086
exec "$REPO/testing/e2e/.venv/bin/python" "$REPO/bench/sign_bench.py" --bin "$BIN" ${BENCH_ARGS:-}
