# Shared setup for bench/solidity/*.sh (sourced, not run).
# Cache: $PALISADE_BENCH_CACHE, default ${XDG_CACHE_HOME:-$HOME/.cache}/palisade-bench.

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$REPO/bench/solidity"
CACHE="${PALISADE_BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/palisade-bench}"
mkdir -p "$CACHE"

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || die "'$1' not found: $2"; }

# Builds the release `palisade` binary (the product: `palisade scan` with the Solidity analyser
# registered) and sets PALISADE_BIN to it. PALISADE_BIN set beforehand skips the build.
build_palisade() {
  if [ -n "${PALISADE_BIN:-}" ]; then
    [ -x "$PALISADE_BIN" ] || die "PALISADE_BIN=$PALISADE_BIN is not executable"
    return
  fi
  need cargo "install a Rust toolchain"
  local target="${CARGO_TARGET_DIR:-$REPO/target}"
  log "building palisade (release, target dir $target)"
  (cd "$REPO" && timeout 1800 cargo build --release -q -p palisade) \
    || die "cargo build of palisade failed"
  PALISADE_BIN="$target/release/palisade"
  [ -x "$PALISADE_BIN" ] || die "no binary at $PALISADE_BIN"
}

# Installs solc-js versions ("$@") with npm under $SHIM_SOLCS_DIR/<ver> (skips present ones).
install_solcs() {
  need npm "install Node.js and npm (Debian: apt-get install nodejs npm)"
  export SHIM_SOLCS_DIR="${SHIM_SOLCS_DIR:-$CACHE/solcs}"
  local v
  for v in "$@"; do
    if [ -f "$SHIM_SOLCS_DIR/$v/node_modules/solc/soljson.js" ]; then continue; fi
    log "npm install solc@$v -> $SHIM_SOLCS_DIR/$v"
    mkdir -p "$SHIM_SOLCS_DIR/$v"
    (cd "$SHIM_SOLCS_DIR/$v" && timeout 600 npm install --ignore-scripts --no-audit --no-fund \
      --silent "solc@$v" >/dev/null) || die "npm install solc@$v failed"
  done
}
