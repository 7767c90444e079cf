#!/usr/bin/env bash
# Installs what Palisade's end-to-end tests need. Idempotent: a second run with
# unchanged lock files does nothing but verify.
#
#   - testing/e2e/js/node_modules  via `npm ci` (anvil from @foundry-rs/anvil, ethers 6, viem 2)
#   - testing/e2e/.venv            Python venv with web3, eth-account, pytest, aiohttp (requirements.txt)
#
# Needs node >= 20 with npm, and python3 (3.11 preferred) with pip. Reaches only the
# npm registry, PyPI and (to add python3-venv if it is missing) Debian's packages.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$HERE"

log() { printf '[e2e-setup] %s\n' "$*" >&2; }

sha() { sha256sum "$@" | sha256sum | cut -c1-64; }

# ---------------------------------------------------------------- node / npm
command -v node >/dev/null || { log "node not found (need node >= 20)"; exit 1; }
command -v npm >/dev/null || { log "npm not found"; exit 1; }
node_major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$node_major" -lt 20 ]; then log "node $(node --version) is too old (need >= 20)"; exit 1; fi

js_stamp_want="$(sha js/package.json js/package-lock.json)-$(node --version)"
js_stamp_file="js/node_modules/.palisade-e2e-stamp"
if [ -f "$js_stamp_file" ] && [ "$(cat "$js_stamp_file")" = "$js_stamp_want" ]; then
  log "js: node_modules up to date"
else
  log "js: npm ci"
  (cd js && npm ci --omit=dev --no-audit --no-fund --loglevel=error)
  echo "$js_stamp_want" > "$js_stamp_file"
fi

# The @foundry-rs/anvil package ships the binary in a per-platform optional dependency
# (@foundry-rs/anvil-<os>-<arch>/bin/anvil); node_modules/.bin/anvil is a node wrapper
# that spawns it. The tests run the platform binary directly (clean signals), falling
# back to the wrapper.
anvil_bin="$(cd js && node -e '
  const { createRequire } = require("node:module");
  const path = require("node:path");
  const r = createRequire(path.resolve("package.json"));
  const os = { linux: "linux", darwin: "darwin", win32: "win32" }[process.platform];
  const arch = { x64: "amd64", arm64: "arm64" }[process.arch];
  try {
    const p = path.dirname(r.resolve(`@foundry-rs/anvil-${os}-${arch}/package.json`));
    console.log(path.join(p, "bin", process.platform === "win32" ? "anvil.exe" : "anvil"));
  } catch { console.log(path.resolve("node_modules/.bin/anvil")); }
')"
if ! "$anvil_bin" --version >/dev/null 2>&1; then
  log "anvil does not run: $anvil_bin"; "$anvil_bin" --version || true; exit 1
fi
log "anvil: $("$anvil_bin" --version | head -1) ($anvil_bin)"

# ---------------------------------------------------------------- python venv
PY="${PYTHON:-}"
if [ -z "$PY" ]; then
  for c in python3.11 python3.12 python3.13 python3; do
    if command -v "$c" >/dev/null; then PY="$c"; break; fi
  done
fi
[ -n "$PY" ] || { log "python3 not found"; exit 1; }
"$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' \
  || { log "$PY is too old (need >= 3.10)"; exit 1; }

py_stamp_want="$(sha requirements.txt)-$("$PY" -c 'import sys; print(sys.version.split()[0])')"
py_stamp_file=".venv/.palisade-e2e-stamp"
if [ -x .venv/bin/python ] && [ -f "$py_stamp_file" ] && [ "$(cat "$py_stamp_file")" = "$py_stamp_want" ]; then
  log "python: .venv up to date"
else
  if [ ! -x .venv/bin/python ]; then
    log "python: creating .venv with $PY"
    if ! "$PY" -m venv .venv 2>/dev/null; then
      rm -rf .venv
      if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
        log "python: venv module missing, installing python3-venv from Debian"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
      fi
      "$PY" -m venv .venv
    fi
  fi
  log "python: pip install -r requirements.txt"
  .venv/bin/python -m pip install -q --disable-pip-version-check -r requirements.txt
  echo "$py_stamp_want" > "$py_stamp_file"
fi
.venv/bin/python -c 'import web3, eth_account, pytest, aiohttp' \
  || { log "python deps do not import"; exit 1; }
log "python: $(.venv/bin/python --version), web3 $(.venv/bin/python -c 'import web3; print(web3.__version__)'), eth-account $(.venv/bin/python -c 'from importlib.metadata import version; print(version("eth-account"))')"
log "ok"
