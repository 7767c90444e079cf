#!/usr/bin/env python3
"""Summarises Palisade's findings on a Solidity tree (OpenZeppelin Contracts) for review, and
optionally runs Slither on a few flattened files of it.

  oz_review.py findings --root DIR --jsonl FINDINGS.jsonl [--version V]
      Markdown: counts per severity and rule, then every high/critical and every medium
      finding with its source line (the rows to review). FINDINGS.jsonl: the rows written by
      palisade_scan.py (`palisade scan --format json`, Solidity rules only).
  oz_review.py slither --root DIR --slither BIN --wrapper solc-wrap.js --solc VER FILE...
      Flattens each FILE (relative to DIR) and runs Slither on it; prints its results per
      impact and detector for each file.

Written for Palisade (stdlib only). Driven by bench/solidity/oz-review.sh.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from flatten import flatten  # noqa: E402

SEV_ORDER = ["critical", "high", "medium", "low", "info"]


def cmd_findings(a) -> None:
    root = a.root.resolve()
    rows = [json.loads(ln) for ln in a.jsonl.read_text().splitlines() if ln.strip()]
    for r in rows:
        r["file"] = os.path.normpath(r["file"]).replace(os.sep, "/")
    files = sorted(p for p in root.rglob("*.sol"))
    print(f"# Palisade on OpenZeppelin Contracts {a.version or ''}".rstrip())
    print()
    print(f"{len(files)} .sol files, {len(rows)} findings")
    print()
    sev = Counter(r["severity"] for r in rows)
    print("| severity | findings |")
    print("|---|---:|")
    for s in SEV_ORDER:
        if sev.get(s):
            print(f"| {s} | {sev[s]} |")
    print()
    print("| rule | severity | findings |")
    print("|---|---|---:|")
    for (rule, s), n in sorted(Counter((r["rule"], r["severity"]) for r in rows).items(),
                               key=lambda x: (SEV_ORDER.index(x[0][1]), x[0][0])):
        print(f"| {rule} | {s} | {n} |")
    print()
    cache: dict[str, list[str]] = {}

    def table(title: str, sel: list[dict]) -> None:
        sel.sort(key=lambda r: (r["file"], r["line"], r["rule"]))
        print(f"## {title} ({len(sel)})")
        print()
        if not sel:
            return
        print("| # | location | rule | severity | confidence | message | source line |")
        print("|---:|---|---|---|---|---|---|")
        for i, r in enumerate(sel, 1):
            lines = cache.setdefault(r["file"], (root / r["file"]).read_text(
                encoding="utf-8", errors="replace").splitlines())
            src = lines[r["line"] - 1].strip() if 0 < r["line"] <= len(lines) else ""
            src = src.replace("|", "\\|")[:110]
            msg = r["message"].replace("|", "\\|")
            print(f"| {i} | `{r['file']}:{r['line']}` | {r['rule']} | {r['severity']} "
                  f"| {r['confidence']} | {msg} | `{src}` |")
        print()

    table("High and critical findings", [r for r in rows if r["severity"] in ("critical", "high")])
    table("Medium findings", [r for r in rows if r["severity"] == "medium"])


def cmd_slither(a) -> None:
    root = a.root.resolve()
    env = dict(os.environ, SHIM_SOLC_VERSION=a.solc)
    total = 0.0
    with tempfile.TemporaryDirectory(prefix="palisade-oz-slither-") as tmp:
        for rel in a.files:
            src = root / rel
            flat = Path(tmp) / (Path(rel).stem + ".flat.sol")
            flat.write_text(flatten(src, root))
            out = Path(tmp) / "out.json"
            if out.exists():
                out.unlink()
            t0 = time.monotonic()
            try:
                subprocess.run([a.slither, flat.name, "--solc", a.wrapper, "--json", str(out),
                                "--disable-color"], cwd=tmp, env=env, capture_output=True,
                               text=True, timeout=a.timeout)
            except subprocess.TimeoutExpired:
                pass
            dt = time.monotonic() - t0
            total += dt
            data = json.loads(out.read_text()) if out.exists() else {}
            if not data.get("success"):
                err = (data.get("error") or "no output").strip().splitlines()
                print(f"{rel}: FAILED ({dt:.1f}s): {err[0][:150] if err else ''}")
                continue
            res = (data.get("results") or {}).get("detectors", [])
            by = Counter((r["impact"], r["check"]) for r in res)
            imp = Counter(r["impact"] for r in res)
            print(f"{rel}: {len(res)} results in {dt:.1f}s — "
                  + ", ".join(f"{k} {imp[k]}" for k in ("High", "Medium", "Low",
                                                         "Informational", "Optimization")
                              if imp.get(k)))
            for (i, c), n in sorted(by.items()):
                if i in ("High", "Medium"):
                    print(f"    {i}: {c} x{n}")
                    descs = Counter()
                    for r in res:
                        if r["check"] == c:
                            d = (r.get("description") or "").strip().splitlines()
                            descs[d[0][:200] if d else ""] += 1
                    for d, k in descs.items():
                        print(f"      - {d}" + (f" (x{k})" if k > 1 else ""))
    print(f"slither total: {total:.1f}s for {len(a.files)} files")


def main() -> None:
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("findings")
    f.add_argument("--root", type=Path, required=True)
    f.add_argument("--jsonl", type=Path, required=True)
    f.add_argument("--version", default="")
    s = sub.add_parser("slither")
    s.add_argument("--root", type=Path, required=True)
    s.add_argument("--slither", required=True)
    s.add_argument("--wrapper", required=True)
    s.add_argument("--solc", required=True)
    s.add_argument("--timeout", type=int, default=180)
    s.add_argument("files", nargs="+")
    a = ap.parse_args()
    {"findings": cmd_findings, "slither": cmd_slither}[a.cmd](a)


if __name__ == "__main__":
    main()
