#!/usr/bin/env bash
# The whole test suite, installing what it needs: Rust unit and integration tests (which drive
# the real `palisade` binary), then the end-to-end suites against real peers (anvil, ethers,
# viem, web3.py, eth-account), which testing/e2e/setup.sh installs from npm and PyPI.
#
#   bash testing/run-all.sh
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
failed=0

say "toolchain"
cargo --version && rustc --version

say "install test peers (anvil, ethers, viem, web3.py, eth-account)"
# First, because some Rust integration tests drive anvil too.
bash testing/e2e/setup.sh || failed=$((failed + 1))

say "format"
if ! cargo fmt --all --check >/dev/null 2>&1; then
  echo "cargo fmt --check failed (run \`cargo fmt --all\`)"
  failed=$((failed + 1))
fi

say "cargo test (workspace)"
if command -v cargo-nextest >/dev/null 2>&1; then
  cargo nextest run --workspace --no-fail-fast || failed=$((failed + 1))
  # nextest does not run doctests
  cargo test --workspace --doc --quiet || failed=$((failed + 1))
else
  cargo test --workspace --no-fail-fast || failed=$((failed + 1))
fi

say "end-to-end with real peers"
cargo build -p palisade --quiet || failed=$((failed + 1))
bash testing/e2e/run.sh || failed=$((failed + 1))

say "summary"
if [ "$failed" -eq 0 ]; then
  echo "all suites passed"
  exit 0
fi
echo "$failed suite(s) failed"
exit 1
