#!/usr/bin/env bash
# Audit log benchmarks: durable appends/s with group commit, verification entries/s.
# Usage: bench/audit.sh [N]   (N appends per concurrency level, default 200000)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
AUDIT_BENCH_N="${1:-200000}" cargo bench -p palisade-audit --bench audit
