#!/usr/bin/env python3
"""Runs the real product, `palisade scan DIR --format json`, and maps its Solidity findings to
flat rows for the bench scripts: {file, line, column, rule, severity, confidence, message}.

`palisade scan` exits 0 (no finding at or above --fail-on), 1 (findings) or 2 (error); 0 and 1
are both a successful scan here. Paths are made relative to DIR. Only `sol-*` rules are kept
(the scan also runs the secret and configuration rules; their count is returned apart). The
confidence is read from the message suffix ` [SWC-..., DASP ..; confidence X]` that the
Solidity analyser appends, and removed from the message.

  palisade_scan.py BINARY DIR [--threads N] > findings.jsonl   (one JSON row per line)

Written for Palisade (stdlib only). Used by oz_review.py and slither_compare.py.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SUFFIX = re.compile(r"\s*\[([^\[\]]*);\s*confidence\s+(\w+)\]\s*$")


class ScanFailed(Exception):
    pass


def run_scan(binary: str, root: Path, threads: int | None = None, timeout: int = 600):
    """Returns (rows, wall seconds, info) where info has the scan summary, the exit code and
    the number of non-Solidity findings."""
    root = root.resolve()
    with tempfile.TemporaryDirectory(prefix="palisade-scan-") as tmp:
        out = Path(tmp) / "scan.json"
        cmd = [binary, "scan", ".", "--format", "json", "--output", str(out), "--no-progress"]
        if threads:
            cmd += ["--threads", str(threads)]
        t0 = time.monotonic()
        r = subprocess.run(cmd, cwd=root, capture_output=True, text=True, timeout=timeout)
        wall = time.monotonic() - t0
        if r.returncode not in (0, 1) or not out.exists():
            raise ScanFailed(f"`{' '.join(cmd)}` in {root} exited {r.returncode}: "
                             f"{r.stderr[-2000:]}")
        doc = json.loads(out.read_text())
    rows, other = [], 0
    for f in doc.get("findings", []):
        rule = f["rule_id"]
        if not rule.startswith("sol-"):
            other += 1
            continue
        msg, conf = f.get("message", ""), "unknown"
        m = SUFFIX.search(msg)
        if m:
            conf, msg = m.group(2), msg[: m.start()]
        rows.append({
            "file": os.path.normpath(f["path"]).replace(os.sep, "/"),
            "line": f["line"],
            "column": f.get("column", 0),
            "rule": rule,
            "severity": f["severity"],
            "confidence": conf,
            "message": msg,
        })
    info = {"exit": r.returncode, "summary": doc.get("summary", {}), "non_solidity": other,
            "stderr": r.stderr.strip()}
    return rows, wall, info


def describe(info: dict, wall: float) -> str:
    s = info["summary"]
    parts = [f"{wall:.2f}s wall", f"exit {info['exit']}"]
    if "files_scanned" in s:
        parts.append(f"{s['files_scanned']} files scanned")
    if "elapsed_ms" in s:
        parts.append(f"{s['elapsed_ms']} ms reported")
    if info["non_solidity"]:
        parts.append(f"{info['non_solidity']} non-Solidity findings ignored")
    if s.get("suppressed"):
        parts.append(f"{s['suppressed']} suppressed inline")
    return ", ".join(parts)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("dir", type=Path)
    ap.add_argument("--threads", type=int)
    ap.add_argument("--timeout", type=int, default=600)
    a = ap.parse_args()
    try:
        rows, wall, info = run_scan(a.binary, a.dir, a.threads, a.timeout)
    except (ScanFailed, subprocess.TimeoutExpired) as e:
        sys.exit(f"palisade scan failed: {e}")
    for r in rows:
        print(json.dumps(r))
    print(f"palisade scan: {len(rows)} Solidity findings; {describe(info, wall)}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
